// bench_snapshot.cpp — saving and opening a snapshot of a world with
// 100,000 objects (issue 5's target: each within 0.5 s). Prints figures,
// never fails on a number.
//
// The world is built the way a user would build it: a listener under SYN
// floods (250 synflood commands of 100 segments: 25,000 request socks and
// their SYN-ACK timers, from 100 peers), plus 19 processes with 900
// sockets each (a file, a socket and a sock per call): ~101,000 live
// objects, ~17,400 commands and ~42,000 steps of history. Opening replays all of it
// and compares the result with the stored world, so the open figure is
// the whole load, validation included.
//
//   bench_snapshot [OBJECT_SCALE_PERCENT [SYNS_PER_SYNFLOOD]]   (100, 100)
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <string>

#include "history.h"
#include "script/interp.h"
#include "script/parser.h"
#include "snapshot/snapshot.h"

using namespace sockscope;

namespace {

double cpu_now() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double cpu0 = 0;

// Wall time since t0 (and CPU time since the matching mark, printed by report()).
double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::chrono::steady_clock::time_point mark() {
    cpu0 = cpu_now();
    return std::chrono::steady_clock::now();
}

size_t live_objects(const World& w) {
    return w.tasks.size() + w.files_structs.size() + w.files.size() + w.sockets.size() + w.socks.size() +
           w.reqs.size() + w.tws.size() + w.buckets.size() + w.timers.size() + w.peers.size();
}

bool run(script::Interp& in, const std::string& line) {
    auto parsed = script::parse_line(line, 1);
    if (!std::holds_alternative<script::Line>(parsed) || !in.run_line(std::get<script::Line>(parsed), "bench")) {
        std::fprintf(stderr, "bench: cannot run: %s\n", line.c_str());
        return false;
    }
    return true;
}

void report(const char* what, double s, bool target) {
    double cpu = cpu_now() - cpu0;
    std::printf("%-44s %7.3f s wall %7.3f s cpu%s\n", what, s, cpu,
                target ? (s <= 0.5 ? "   (target 0.5 s: met)" : "   (target 0.5 s: missed)") : "");
}

}  // namespace

int main(int argc, char** argv) {
    int scale = argc > 1 ? std::atoi(argv[1]) : 100;
    if (scale <= 0) scale = 100;
    int batch = argc > 2 ? std::atoi(argv[2]) : 100;
    if (batch <= 0) batch = 100;
    const int flood = 25000 * scale / 100, procs = 19, per_proc = 900 * scale / 100;

    auto t0 = mark();
    World boot = make_boot_world();
    std::string err;
    for (const char* s : {"net.core.somaxconn=65535", "net.ipv4.tcp_max_syn_backlog=200000", "net.ipv4.tcp_syncookies=0"})
        if (!script::apply_sysctl_text(boot, s, &err)) {
            std::fprintf(stderr, "bench: %s\n", err.c_str());
            return 1;
        }
    History h(boot);
    {
        script::Interp in(h);
        in.echo = false;
        if (!run(in, "s = socket(AF_INET, SOCK_STREAM, 0)") || !run(in, "bind(s, 127.0.0.1:80)") ||
            !run(in, "listen(s, 65535)"))
            return 1;
        // In batches: the model delivers from the front of a vector, so one
        // flood of 25,000 would time World::wire's erase(begin()), not us.
        for (int sent = 0; sent < flood; sent += batch)
            if (!run(in, "synflood(127.0.0.1:80, " + std::to_string(std::min(batch, flood - sent)) + ")")) return 1;
        for (int p = 0; p < procs; ++p)
            for (int i = 0; i < per_proc; ++i)
                if (!run(in, "P" + std::to_string(p) + ": socket(AF_INET, " +
                                 (i % 2 ? "SOCK_DGRAM" : "SOCK_STREAM") + ", 0)"))
                    return 1;
    }
    const World& w = h.live().k.w;
    std::printf("world: %zu objects (%zu peers, %zu request socks, %zu timers, %zu socks, %zu files), "
                "%zu commands, %llu steps\n",
                live_objects(w), w.peers.size(), w.reqs.size(), w.timers.size(), w.socks.size(), w.files.size(),
                h.entries().size(), static_cast<unsigned long long>(h.step_count()));
    report("building it (running the commands)", seconds_since(t0), false);

    char dir[] = "/tmp/sockscope_bench_XXXXXX";
    if (!mkdtemp(dir)) {
        std::perror("mkdtemp");
        return 1;
    }
    std::string path = std::string(dir) + "/bench.sqlite";

    t0 = mark();
    // The same label again: only with replace = true (a save never
    // overwrites a snapshot silently).
    if (!snapshot::save(path, h, "bench", &err, nullptr, nullptr, true)) {
        std::fprintf(stderr, "bench: save: %s\n", err.c_str());
        return 1;
    }
    report("export (save to a new file, one transaction)", seconds_since(t0), true);
    struct stat st{};
    stat(path.c_str(), &st);
    std::printf("file size: %.1f MB\n", static_cast<double>(st.st_size) / 1e6);

    t0 = mark();
    // The same label again: only with replace = true (a save never
    // overwrites a snapshot silently).
    if (!snapshot::save(path, h, "bench", &err, nullptr, nullptr, true)) {
        std::fprintf(stderr, "bench: save: %s\n", err.c_str());
        return 1;
    }
    report("export again (replacing the same label)", seconds_since(t0), false);

    t0 = mark();
    auto loaded = snapshot::load(path, "bench", &err);
    double open_s = seconds_since(t0);
    if (!loaded) {
        std::fprintf(stderr, "bench: load: %s\n", err.c_str());
        return 1;
    }
    report("open (read, validate, replay, compare)", open_s, true);
    std::printf("opened world equals the saved one: %s\n", loaded->live().k.w == w ? "yes" : "NO");

    // For comparison: the same replay in a History at its default
    // checkpoint interval (a world copy every 512 steps, which is why the
    // loader spaces checkpoints out on long histories), and with none.
    t0 = mark();
    {
        History again(boot);
        again.replay(h.entries());
    }
    report("  replay at the default checkpoint interval", seconds_since(t0), false);
    t0 = mark();
    {
        History again(boot, 1u << 30);
        again.replay(h.entries());
    }
    report("  replay without checkpoints", seconds_since(t0), false);

    t0 = mark();
    std::string json = snapshot::to_json(h, "bench");
    report("JSON export (in memory)", seconds_since(t0), false);
    std::printf("JSON size: %.1f MB\n", static_cast<double>(json.size()) / 1e6);

    unlink(path.c_str());
    unlink((path + "-journal").c_str());
    rmdir(dir);
    return 0;
}
