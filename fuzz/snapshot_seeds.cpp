// snapshot_seeds.cpp — writes seed snapshot files for fuzz_snapshot.
//
//     snapshot_seeds OUTDIR SCRIPT...
//
// Runs each script through the model and saves its end state as
// OUTDIR/NAME.sqlite, then rewrites the file with 512-byte pages: the same
// snapshot in a fraction of the bytes, so the fuzzer's mutations land on
// the data rather than on empty page space. tools/fuzz makes fresh seeds
// with this on every run, so the seeds always have the current schema.
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
        History h;
        script::Interp interp(h);
        interp.run_program(std::get<script::Program>(parsed));
        std::string base = path.substr(path.find_last_of('/') + 1);
        base = base.substr(0, base.find('.'));
        std::string out = dir + "/" + base + ".sqlite";
        std::remove(out.c_str());
        std::string err;
        snapshot::SessionNames names = snapshot::session_names(interp);
        if (!snapshot::save(out, h, base, &err, &names)) {
            std::fprintf(stderr, "%s: %s\n", out.c_str(), err.c_str());
            return 1;
        }
        sqlite3* db = nullptr;
        if (sqlite3_open(out.c_str(), &db) != SQLITE_OK ||
            sqlite3_exec(db, "PRAGMA page_size=512; VACUUM;", nullptr, nullptr, nullptr) != SQLITE_OK) {
            std::fprintf(stderr, "%s: %s\n", out.c_str(), sqlite3_errmsg(db));
            sqlite3_close(db);
            return 1;
        }
        sqlite3_close(db);
    }
    return 0;
}
