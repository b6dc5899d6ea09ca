// fuzz_snapshot.cpp — libFuzzer target for the snapshot loader
// (core/snapshot/snapshot.cpp and schema.cpp).
//
// Snapshot files travel between students, so the loader must refuse any
// file that is not a snapshot it wrote — foreign databases, truncated or
// corrupted pages, hostile values in any column — with a message, and never
// crash or hand back half a history. The input is written to a temporary
// file and opened the way `sockscope FILE.sqlite` opens it (snapshot::load,
// then list). A history that loads must be one the model could have made:
// every invariant holds at its head and at its boot world, its calls asleep
// go back into an interpreter, and a script can go on from it (a few more
// calls run through the interpreter, which may wake them).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "history.h"
#include "invariants.h"
#include "script/interp.h"
#include "script/parser.h"
#include "snapshot/snapshot.h"

using namespace sockscope;

namespace {

std::string g_path;

[[noreturn]] void fail(const char* what, const std::string& detail) {
    std::fprintf(stderr, "fuzz_snapshot: %s: %s\n", what, detail.c_str());
    std::abort();
}

void remove_file() {
    if (!g_path.empty()) unlink(g_path.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    const char* dir = std::getenv("TMPDIR");
    std::string tmpl = std::string(dir && *dir ? dir : "/tmp") + "/sockscope_fuzz_XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    int fd = mkstemp(buf.data());
    if (fd < 0) fail("mkstemp", tmpl);
    close(fd);
    g_path = buf.data();
    std::atexit(remove_file);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FILE* f = std::fopen(g_path.c_str(), "wb");
    if (!f) fail("cannot write", g_path);
    if (size && std::fwrite(data, 1, size, f) != size) fail("short write", g_path);
    std::fclose(f);

    std::vector<snapshot::Info> infos;
    std::string err;
    (void)snapshot::list(g_path, &infos, &err);

    err.clear();
    snapshot::SessionNames names;
    snapshot::Info info;
    std::unique_ptr<History> h = snapshot::load(g_path, "", &err, &names, &info);
    if (!h) {
        if (err.empty()) fail("refused without a message", "");
        return 0;
    }
    if (auto v = check_invariants(h->live().k.w); !v.empty()) fail("loaded head breaks an invariant", v.front());
    if (auto v = check_invariants(h->boot_world()); !v.empty()) fail("loaded boot world breaks an invariant", v.front());
    (void)snapshot::to_json(*h, info.label, &names);

    // Going on from the loaded state, as `run --load` does.
    script::Interp in(*h);
    snapshot::restore_session_names(in, names);
    // load() checked every call asleep against the head: each one it
    // accepted, the interpreter takes back.
    if (in.pending() != names.pending) fail("a call asleep that load() accepted was not taken back", "");
    for (const char* line : {"s = socket(AF_INET, SOCK_STREAM, 0)", "listen(s, 1)", "close(s)", "sleep(70000)"}) {
        auto parsed = script::parse_line(line, 1);
        if (!std::holds_alternative<script::Line>(parsed)) fail("seed line does not parse", line);
        in.run_line(std::get<script::Line>(parsed), "fuzz.sock");
        if (auto v = check_invariants(h->live().k.w); !v.empty())
            fail("an invariant broke after a call on a loaded snapshot", v.front());
    }
    if (h->step_count() > 0 && !h->branch_at(h->step_count() / 2)) fail("branch_at refused", "");
    return 0;
}
