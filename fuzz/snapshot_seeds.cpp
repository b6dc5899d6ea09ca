// snapshot_seeds.cpp — writes seed snapshot files for fuzz_snapshot.
//
//     snapshot_seeds OUTDIR SCRIPT...
//
// Runs each script through the model and saves its end state as
// OUTDIR/NAME.sqlite, then rewrites the file with 512-byte pages: the same
// snapshot in a fraction of the bytes, so the fuzzer's mutations land on
// the data rather than on empty page space. tools/fuzz makes fresh seeds
// with this on every run, so the seeds always have the current schema.
// A script that has calls asleep on the way also gives NAME_asleep.sqlite,
// saved at the first line where one is, so the fuzzer always has rows of
// pending_call to mutate (most scripts end with every task awake).
#include <sqlite3.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <variant>

#include "history.h"
#include "script/interp.h"
#include "script/parser.h"
#include "snapshot/snapshot.h"

using namespace sockscope;

namespace {

// Saves h with the interpreter's names and calls asleep as DIR/BASE.sqlite,
// with small pages. Returns false with a message.
bool write_seed(const std::string& dir, const std::string& base, const History& h, const script::Interp& interp) {
    std::string out = dir + "/" + base + ".sqlite";
    std::remove(out.c_str());
    std::string err;
    snapshot::SessionNames names = snapshot::session_names(interp);
    if (!snapshot::save(out, h, base, &err, &names)) {
        std::fprintf(stderr, "%s: %s\n", out.c_str(), err.c_str());
        return false;
    }
    sqlite3* db = nullptr;
    bool ok = sqlite3_open(out.c_str(), &db) == SQLITE_OK &&
              sqlite3_exec(db, "PRAGMA page_size=512; VACUUM;", nullptr, nullptr, nullptr) == SQLITE_OK;
    if (!ok) std::fprintf(stderr, "%s: %s\n", out.c_str(), sqlite3_errmsg(db));
    sqlite3_close(db);
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: snapshot_seeds OUTDIR SCRIPT...\n");
        return 2;
    }
    std::string dir = argv[1];
    for (int i = 2; i < argc; ++i) {
        std::string path = argv[i];
        std::ifstream in(path, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        auto parsed = script::parse_program(ss.str(), path);
        if (!std::holds_alternative<script::Program>(parsed)) {
            std::fprintf(stderr, "%s: does not parse\n", path.c_str());
            return 1;
        }
        std::string base = path.substr(path.find_last_of('/') + 1);
        base = base.substr(0, base.find('.'));
        History h;
        script::Interp interp(h);
        bool asleep_saved = false;
        for (const script::Line& l : std::get<script::Program>(parsed).lines) {
            if (!interp.run_line(l, path)) break;
            if (asleep_saved || interp.pending().empty()) continue;
            if (!write_seed(dir, base + "_asleep", h, interp)) return 1;
            asleep_saved = true;
        }
        interp.finish(path);
        if (!write_seed(dir, base, h, interp)) return 1;
    }
    return 0;
}
