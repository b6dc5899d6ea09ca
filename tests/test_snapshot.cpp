// test_snapshot.cpp — snapshots in SQLite (core/snapshot/).
//
// Round trips at every command of every scenario script, continuing each
// loaded history to the end against a session that never stopped; the
// same at every line of scripts whose calls sleep across the cut (their
// result lines come after the load); step back in a loaded history;
// branches; the calls asleep as rows, refused when they could not be; labelled snapshots in one file;
// refusal of foreign, newer, truncated, corrupted and hostile files (the
// loader must answer every one with a message, and whatever it accepts
// must be the saved state exactly); a kill in the middle of a save; the
// JSON export's names; the docs' schema.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "history.h"
#include "invariants.h"
#include "script/interp.h"
#include "script/parser.h"
#include "snapshot/schema.h"
#include "snapshot/snapshot.h"

namespace sockscope {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;
using snapshot::SessionNames;

std::string src(const std::string& rel) { return std::string(SOCKSCOPE_SOURCE_DIR) + "/" + rel; }

std::vector<std::string> scenario_files() {
    std::vector<std::string> out;
    for (const char* dir : {"tests/scripts", "tests/diff/scenarios"})
        for (const auto& e : fs::directory_iterator(src(dir)))
            if (e.path().extension() == ".sock") out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

// The model-only scripts and every `every`th differential scenario (for
// the slower checks).
std::vector<std::string> sampled_scenario_files(size_t every = 4) {
    std::vector<std::string> out;
    size_t n = 0;
    for (const std::string& f : scenario_files())
        if (f.find("/tests/scripts/") != std::string::npos || n++ % every == 0) out.push_back(f);
    return out;
}

script::Program parse_text(const std::string& text, const std::string& path) {
    auto parsed = script::parse_program(text, path);
    if (auto* e = std::get_if<script::ParseError>(&parsed)) {
        ADD_FAILURE() << path << ": " << e->message;
        return {};
    }
    return std::get<script::Program>(parsed);
}

script::Program parse_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_text(ss.str(), path);
}

std::string name_of(const std::string& path) { return fs::path(path).filename().string(); }

// A temporary file removed at the end of the test.
struct TempFile {
    std::string path;
    explicit TempFile(const std::string& name) {
        path = (fs::temp_directory_path() / ("sockscope_test_" + std::to_string(getpid()) + "_" + name)).string();
        fs::remove(path);
        fs::remove(path + "-journal");
    }
    ~TempFile() {
        fs::remove(path);
        fs::remove(path + "-journal");
    }
};

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void sql(const std::string& path, const std::string& q) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* msg = nullptr;
    EXPECT_EQ(sqlite3_exec(db, q.c_str(), nullptr, nullptr, &msg), SQLITE_OK) << (msg ? msg : "");
    sqlite3_free(msg);
    sqlite3_close(db);
}

// Runs every statement of `text` on db; returns the rows of the last one
// as "col=value|col=value" lines (NULL for a NULL).
std::vector<std::string> query_rows(sqlite3* db, const std::string& text, std::string* err) {
    std::vector<std::string> rows;
    const char* p = text.c_str();
    while (*p) {
        sqlite3_stmt* st = nullptr;
        const char* tail = nullptr;
        if (sqlite3_prepare_v2(db, p, -1, &st, &tail) != SQLITE_OK) {
            *err = sqlite3_errmsg(db);
            return rows;
        }
        p = tail;
        if (!st) continue;   // only blanks or a comment were left
        rows.clear();
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            std::string row;
            for (int i = 0; i < sqlite3_column_count(st); ++i) {
                const unsigned char* v = sqlite3_column_text(st, i);
                row += std::string(i ? "|" : "") + sqlite3_column_name(st, i) + "=" +
                       (v ? reinterpret_cast<const char*>(v) : "NULL");
            }
            rows.push_back(row);
        }
        if (rc != SQLITE_DONE) *err = sqlite3_errmsg(db);
        sqlite3_finalize(st);
    }
    return rows;
}

// A script run the way `sockscope run` runs it.
struct Session {
    std::unique_ptr<History> h;
    std::unique_ptr<script::Interp> in;
    std::string out;
    explicit Session(std::unique_ptr<History> hist = std::make_unique<History>()) : h(std::move(hist)) {
        in = std::make_unique<script::Interp>(*h);
        in->print = [this](const std::string& s) { out += s; };
    }
    bool run(const script::Line& l, const std::string& file) { return in->run_line(l, file); }
};

std::unique_ptr<History> round_trip(const History& h, const SessionNames* names = nullptr,
                                    SessionNames* names_out = nullptr) {
    std::vector<uint8_t> img;
    std::string err;
    if (!snapshot::save_to_memory(h, "t", &img, &err, names)) {
        ADD_FAILURE() << "save: " << err;
        return nullptr;
    }
    auto l = snapshot::load_from_memory(img.data(), img.size(), "t", &err, names_out);
    if (!l) ADD_FAILURE() << "load: " << err;
    return l;
}

bool same_trace(const Trace& a, const Trace& b) {
    if (a.events.size() != b.events.size() || a.steps.size() != b.steps.size() || a.packets != b.packets)
        return false;
    if (!a.events.empty() && std::memcmp(a.events.data(), b.events.data(), a.events.size() * sizeof(TraceEvent)))
        return false;
    for (size_t i = 0; i < a.steps.size(); ++i) {
        const StepRecord &x = a.steps[i], &y = b.steps[i];
        if (x.first_event != y.first_event || x.command != y.command || x.time != y.time || x.kind != y.kind ||
            x.task != y.task)
            return false;
    }
    return true;
}

void expect_same_history(const History& a, const History& b, const std::string& where) {
    EXPECT_TRUE(a.live().k.w == b.live().k.w) << where << ": head world";
    EXPECT_TRUE(a.boot_world() == b.boot_world()) << where << ": boot world";
    ASSERT_EQ(a.entries().size(), b.entries().size()) << where;
    for (size_t i = 0; i < a.entries().size(); ++i) {
        EXPECT_EQ(a.entries()[i].cmd, b.entries()[i].cmd) << where << ": command " << i;
        EXPECT_EQ(a.entries()[i].first_step, b.entries()[i].first_step) << where << ": command " << i;
        EXPECT_EQ(a.entries()[i].steps, b.entries()[i].steps) << where << ": command " << i;
    }
    EXPECT_TRUE(same_trace(a.trace(), b.trace())) << where << ": trace";
    ASSERT_EQ(a.branches().size(), b.branches().size()) << where;
    for (size_t i = 0; i < a.branches().size(); ++i) {
        EXPECT_EQ(a.branches()[i].at_step, b.branches()[i].at_step) << where;
        EXPECT_EQ(a.branches()[i].commands, b.branches()[i].commands) << where;
    }
}

// The commands a script issues (run through the interpreter).
std::vector<Command> commands_of_program(const script::Program& p, const std::string& file,
                                         const World& boot = make_boot_world()) {
    Session s(std::make_unique<History>(boot));
    for (const auto& l : p.lines)
        if (!s.run(l, file)) break;
    std::vector<Command> cmds;
    for (const auto& e : s.h->entries()) cmds.push_back(e.cmd);
    return cmds;
}
std::vector<Command> commands_of(const std::string& file, const World& boot = make_boot_world()) {
    return commands_of_program(parse_file(file), file, boot);
}

// Scripts written for the snapshot tests: they reach states the scenario
// suites pass through briefly or not at all — a FIN_WAIT2 orphan on its
// keepalive timer (Sock::sk_timer, TimerKind::tcp_keepalive), a connect
// asleep after an earlier disconnect (SyscallFrame::disconnects), socks
// destroyed while references keep them, autobinding connects that move
// table_perturb, peers (peer_addrs), timers of every kind at once (the
// timer queue), tasks on the run queue, segments on the wire, SO_REUSEPORT
// buckets with their fast path (fastreuseport, fast_rcv_saddr).
struct NamedScript {
    const char* name;
    const char* text;
};
const NamedScript kVariedScripts[] = {
    {"fin_wait2_orphan_on_the_keepalive_timer", R"(
!sysctl net.ipv4.tcp_fin_timeout=120
l = socket(AF_INET, SOCK_STREAM, 0)
bind(l, 127.0.0.1:9000)
listen(l, 5)
c = socket(AF_INET, SOCK_STREAM, 0)
connect(c, 127.0.0.1:9000)
a = accept(l)
close(c)
!advance 1000
!advance 60000
close(a)
!advance 130000
)"},
    {"connect_asleep_after_a_disconnect", R"(
P = peer(10.0.0.2:0)
l = socket(AF_INET, SOCK_STREAM, 0)
bind(l, 127.0.0.1:7000)
listen(l, 5)
peer_syn(P, 127.0.0.1:7000)
c = socket(AF_INET, SOCK_STREAM, 0)
connect(c, 0.0.0.0:0, 16, AF_UNSPEC)
setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, 4000)
T = thread()
T: connect(c, 10.0.0.2:80)
!advance 1500
U = thread()
U: x = socket(AF_INET, SOCK_STREAM, 0)
connect(c, 0.0.0.0:0, 16, AF_UNSPEC)
!advance 70000
)"},
    {"listener_closed_with_connections_in_both_queues", R"(
P = peer(10.0.0.2:0)
Q = peer(10.0.0.3:0)
l = socket(AF_INET, SOCK_STREAM, 0)
setsockopt(l, SOL_SOCKET, SO_REUSEPORT, 1)
bind(l, 0.0.0.0:8080)
listen(l, 4)
peer_syn(P, 127.0.0.1:8080)
peer_ack(P, 127.0.0.1:8080)
peer_syn(Q, 127.0.0.1:8080)
c = socket(AF_INET, SOCK_STREAM, 0)
connect(c, 127.0.0.1:8080)
d = socket(AF_INET, SOCK_STREAM, 0)
connect(d, 127.0.0.1:8080)
T = thread()
T: a = accept(l)
close(l)
!advance 2000
show()
)"},
    {"reuseport_group_on_one_address", R"(
a = socket(AF_INET, SOCK_STREAM, 0)
setsockopt(a, SOL_SOCKET, SO_REUSEPORT, 1)
bind(a, 127.0.0.5:7000)
b = socket(AF_INET, SOCK_STREAM, 0)
setsockopt(b, SOL_SOCKET, SO_REUSEPORT, 1)
bind(b, 127.0.0.5:7000)
listen(a, 3)
listen(b, 3)
u = socket(AF_INET, SOCK_DGRAM, 0)
setsockopt(u, SOL_SOCKET, SO_REUSEPORT, 1)
bind(u, 127.0.0.5:7000)
v = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE)
bind(v, 127.0.0.5:7000)
c1 = socket(AF_INET, SOCK_STREAM, 0)
connect(c1, 127.0.0.5:7000)
c2 = socket(AF_INET, SOCK_STREAM, 0)
connect(c2, 127.0.0.5:7000)
c3 = socket(AF_INET, SOCK_STREAM, 0)
connect(c3, 127.0.0.5:7000)
close(c1)
close(c2)
)"},
};

// ============================================================ round trips

// Save after every command, load, compare everything, then continue the
// loaded history with the rest of the commands: every outcome, every
// completion and every world must be those of the session that never
// stopped. At the end, stepping back in the loaded history must give the
// world after every step.
// Saves after every one of `cmds`, loads, compares everything, then
// continues the loaded history with the rest: every outcome, completion
// and world must be those of the session that never stopped. At the end,
// stepping back in the loaded history must give the world after every step.
// `seen` (if given) collects every world saved.
void check_round_trips(const std::vector<Command>& cmds, const std::string& name, const World& boot,
                       std::vector<World>* seen = nullptr) {
    // The uninterrupted session.
    History ref(boot);
    std::vector<Outcome> outs;
    std::vector<std::vector<Kernel::Completion>> dones;
    std::vector<World> worlds;
    for (const Command& c : cmds) {
        std::vector<Kernel::Completion> d;
        outs.push_back(ref.run(c, &d));
        dones.push_back(d);
        worlds.push_back(ref.live().k.w);
    }
    History cut(boot);
    for (size_t k = 0; k <= cmds.size(); ++k) {
        std::string where = name + " after " + std::to_string(k) + " commands";
        if (seen) seen->push_back(cut.live().k.w);
        auto loaded = round_trip(cut);
        ASSERT_TRUE(loaded) << where;
        expect_same_history(cut, *loaded, where);
        for (size_t i = k; i < cmds.size(); ++i) {
            std::vector<Kernel::Completion> d;
            Outcome o = loaded->run(cmds[i], &d);
            EXPECT_EQ(o.sleeping, outs[i].sleeping) << where << ", command " << i;
            EXPECT_EQ(o.ret, outs[i].ret) << where << ", command " << i << " " << cmds[i].text;
            ASSERT_EQ(d.size(), dones[i].size()) << where << ", command " << i;
            for (size_t j = 0; j < d.size(); ++j) {
                EXPECT_EQ(d[j].task, dones[i][j].task) << where;
                EXPECT_EQ(d[j].ret, dones[i][j].ret) << where;
            }
            ASSERT_TRUE(loaded->live().k.w == worlds[i]) << where << ", command " << i << " " << cmds[i].text;
        }
        EXPECT_TRUE(same_trace(loaded->trace(), ref.trace())) << where;
        if (k == cmds.size()) {
            // Step back: the world after every step.
            for (uint64_t n = 0; n <= cut.step_count(); ++n)
                ASSERT_TRUE(loaded->world_at(n) == cut.world_at(n)) << where << ", step " << n;
        } else {
            cut.run(cmds[k]);
        }
    }
}

TEST(Snapshot, EveryCommandOfEveryScenarioRoundTripsAndContinuesIdentically) {
    auto files = sampled_scenario_files(2);
    ASSERT_GE(files.size(), 40u);
    for (const std::string& f : files) {
        SCOPED_TRACE(name_of(f));
        std::vector<Command> cmds = commands_of(f);
        ASSERT_FALSE(cmds.empty());
        check_round_trips(cmds, name_of(f), make_boot_world());
    }
}

// The varied scripts, the same way: every command, and every script must
// run as written (so the states they are for are really reached).
TEST(Snapshot, EveryCommandOfTheVariedScriptsRoundTripsAndContinuesIdentically) {
    for (const NamedScript& v : kVariedScripts) {
        SCOPED_TRACE(v.name);
        script::Program p = parse_text(v.text, v.name);
        Session s;
        for (const auto& l : p.lines) ASSERT_TRUE(s.run(l, v.name)) << s.out;
        EXPECT_EQ(s.out.find(": error:"), std::string::npos) << s.out;
        check_round_trips(commands_of_program(p, v.name), v.name, make_boot_world());
    }
}

// The head worlds a branch leaves: every step of the varied scripts, even
// in the middle of a command (segments on the wire, woken tasks on the
// run queue), saved, loaded and stepped back over.
TEST(Snapshot, EveryStepOfTheVariedScriptsRoundTripsAsABranchPoint) {
    for (const NamedScript& v : kVariedScripts) {
        SCOPED_TRACE(v.name);
        std::vector<Command> cmds = commands_of_program(parse_text(v.text, v.name), v.name);
        History full;
        for (const Command& c : cmds) full.run(c);
        for (uint64_t n = 1; n < full.step_count(); ++n) {
            History h;
            for (const Command& c : cmds) h.run(c);
            ASSERT_TRUE(h.branch_at(n));
            auto loaded = round_trip(h);
            ASSERT_TRUE(loaded) << "branch at " << n;
            expect_same_history(h, *loaded, "branch at " + std::to_string(n));
            ASSERT_TRUE(loaded->live().k.w == full.world_at(n)) << "branch at " << n;
        }
    }
}

// The round trips above must reach every field that is hard to get right:
// a value the model rarely sets that a snapshot forgot would pass a test
// that never saw it set. Every world they save is scanned, and each of
// these must hold in at least one of them.
TEST(Snapshot, TheRoundTripsReachEveryHardFieldOfTheWorld) {
    std::vector<World> seen;
    for (const std::string& f : sampled_scenario_files(2)) {
        History h;
        for (const Command& c : commands_of(f)) {
            h.run(c);
            seen.push_back(h.live().k.w);
        }
    }
    // (Every step of the varied scripts: the branch points saved above.)
    for (const NamedScript& v : kVariedScripts) {
        History h;
        for (const Command& c : commands_of_program(parse_text(v.text, v.name), v.name)) h.run(c);
        for (uint64_t n = 0; n <= h.step_count(); ++n) seen.push_back(h.world_at(n));
    }
    auto any_sock = [](const World& w, auto pred) {
        bool hit = false;
        w.socks.each([&](SockId, const Sock& s) { hit = hit || pred(s); });
        return hit;
    };
    auto any_timer = [](const World& w, TimerKind k) {
        bool hit = false;
        w.timers.each([&](TimerId, const Timer& t) { hit = hit || t.kind == k; });
        return hit;
    };
    auto any_task = [](const World& w, auto pred) {
        bool hit = false;
        w.tasks.each([&](TaskId, const Task& t) { hit = hit || pred(t); });
        return hit;
    };
    auto any_bucket = [](const World& w, auto pred) {
        bool hit = false;
        w.buckets.each([&](BucketId, const BindBucket& b) { hit = hit || pred(b); });
        return hit;
    };
    struct Want {
        const char* what;
        std::function<bool(const World&)> holds;
    };
    const std::vector<Want> wants = {
        {"World::timer_queue holds timers of three kinds at once",
         [&](const World& w) {
             int kinds = 0;
             for (TimerKind k : {TimerKind::tcp_retransmit, TimerKind::reqsk_timer, TimerKind::tw_timer,
                                 TimerKind::sock_timeout, TimerKind::tcp_keepalive})
                 kinds += any_timer(w, k);
             return w.timer_queue.size() >= 3 && kinds >= 3;
         }},
        {"World::peer_addrs routes two peers", [](const World& w) { return w.peer_addrs.size() >= 2; }},
        {"World::table_perturb has moved", [](const World& w) { return w.table_perturb != 0; }},
        {"World::orphan_count is not 0", [](const World& w) { return w.orphan_count != 0; }},
        {"World::wire holds a segment", [](const World& w) { return !w.wire.empty(); }},
        {"World::runqueue holds a task", [](const World& w) { return !w.runqueue.empty(); }},
        {"Sock::destroyed is set", [&](const World& w) { return any_sock(w, [](const Sock& s) { return s.destroyed; }); }},
        {"Sock::sk_timer is armed", [&](const World& w) { return any_sock(w, [](const Sock& s) { return bool(s.sk_timer); }); }},
        {"Sock::sk_disconnects is not 0",
         [&](const World& w) { return any_sock(w, [](const Sock& s) { return s.sk_disconnects != 0; }); }},
        {"Sock::rskq_accept holds two", [&](const World& w) { return any_sock(w, [](const Sock& s) { return s.rskq_accept.size() >= 2; }); }},
        {"TimerKind::tcp_retransmit", [&](const World& w) { return any_timer(w, TimerKind::tcp_retransmit); }},
        {"TimerKind::reqsk_timer", [&](const World& w) { return any_timer(w, TimerKind::reqsk_timer); }},
        {"TimerKind::tw_timer", [&](const World& w) { return any_timer(w, TimerKind::tw_timer); }},
        {"TimerKind::sock_timeout", [&](const World& w) { return any_timer(w, TimerKind::sock_timeout); }},
        {"TimerKind::tcp_keepalive", [&](const World& w) { return any_timer(w, TimerKind::tcp_keepalive); }},
        {"SyscallFrame::disconnects is not 0 in a sleeping connect",
         [&](const World& w) {
             return any_task(w, [](const Task& t) { return t.wait.kind == WaitKind::Connect && t.wait.disconnects != 0; });
         }},
        {"SyscallFrame of a sleeping accept holds its new socket",
         [&](const World& w) { return any_task(w, [](const Task& t) { return t.wait.kind == WaitKind::Accept && bool(t.wait.newsock); }); }},
        {"Task::timeout_timer is armed", [&](const World& w) { return any_task(w, [](const Task& t) { return bool(t.timeout_timer); }); }},
        {"a kernel thread waits", [&](const World& w) { return any_task(w, [](const Task& t) { return t.kthread && t.wait.kind != WaitKind::None; }); }},
        {"BindBucket::fastreuseport is set", [&](const World& w) { return any_bucket(w, [](const BindBucket& b) { return b.fastreuseport != 0; }); }},
        {"BindBucket::fast_rcv_saddr is set", [&](const World& w) { return any_bucket(w, [](const BindBucket& b) { return b.fast_rcv_saddr != 0; }); }},
        {"BindBucket::tw_owners holds a TIME_WAIT sock", [&](const World& w) { return any_bucket(w, [](const BindBucket& b) { return !b.tw_owners.empty(); }); }},
        {"a udplite port table", [&](const World& w) { return any_bucket(w, [](const BindBucket& b) { return b.table == PortTable::udplite; }); }},
        {"a TIME_WAIT sock in FIN_WAIT2", [](const World& w) {
             bool hit = false;
             w.tws.each([&](TwId, const TimewaitSock& t) { hit = hit || t.tw_substate == TCP_FIN_WAIT2; });
             return hit;
         }},
        {"a peer's inbox holds a segment", [](const World& w) {
             bool hit = false;
             w.peers.each([&](PeerId, const Peer& p) { hit = hit || !p.inbox.empty(); });
             return hit;
         }},
        {"a registered family besides AF_INET", [](const World& w) {
             int n = 0;
             for (const NetProtoFamily& f : w.net_families) n += f.registered;
             return n >= 2;
         }},
        {"a free slot in the sock slab", [](const World& w) { return w.socks.capacity() > w.socks.size(); }},
    };
    for (const Want& want : wants) {
        bool hit = std::any_of(seen.begin(), seen.end(), [&](const World& w) { return want.holds(w); });
        EXPECT_TRUE(hit) << "no saved world has: " << want.what;
    }
}

// A history starts from a boot world: the kernel as it boots, with its
// sysctls set as --sysctl sets them. Such histories round trip; a history
// built on a world from the middle of a session cannot be saved (nothing
// could check that world on load), and a boot world changed in the file
// is refused.
TEST(Snapshot, HistoriesFromBootWorldsWithSysctlsRoundTrip) {
    World boot = make_boot_world();
    std::string err;
    for (const char* s : {"net.core.somaxconn=2", "net.ipv4.ip_local_port_range=40000 40003",
                          "net.ipv4.tcp_syncookies=0", "net.ipv4.tcp_synack_retries=1"})
        ASSERT_TRUE(script::apply_sysctl_text(boot, s, &err)) << err;
    for (const char* rel : {"tests/scripts/synflood_cookies.sock", "tests/scripts/peer_handshake.sock",
                            "tests/diff/scenarios/15_bind_port_zero_range.sock"}) {
        History h(boot);
        for (const Command& c : commands_of(src(rel), boot)) h.run(c);
        auto loaded = round_trip(h);
        ASSERT_TRUE(loaded) << rel;
        expect_same_history(h, *loaded, rel);
        EXPECT_EQ(loaded->boot_world().sysctl.somaxconn, 2);
    }
}

TEST(Snapshot, HistoriesThatDoNotStartFromABootWorldAreNotSaved) {
    auto mid = std::make_unique<History>();
    for (const Command& c : commands_of(src("tests/scripts/peer_handshake.sock"))) mid->run(c);
    History h(mid->live().k.w);
    std::vector<uint8_t> img;
    std::string err;
    EXPECT_FALSE(snapshot::save_to_memory(h, "x", &img, &err));
    EXPECT_NE(err.find("does not start from a boot world"), std::string::npos) << err;
    EXPECT_NE(err.find("task"), std::string::npos) << err;

    TempFile tf("boot.sqlite");
    ASSERT_TRUE(snapshot::save(tf.path, *mid, "x", &err)) << err;
    auto bytes = read_file(tf.path);
    for (const char* q : {"UPDATE world SET now = 5 WHERE snapshot_id = 2",
                          "UPDATE sysctl SET value = 70000 WHERE snapshot_id = 2 AND name = 'net.ipv4.ip_local_port_range'",
                          "UPDATE counter SET value = 3 WHERE snapshot_id = 2 AND name = 'ActiveOpens'",
                          "UPDATE inet_protosw SET prot = 'udp_prot' WHERE snapshot_id = 2 AND slot = 1",
                          "DELETE FROM net_proto_family WHERE snapshot_id = 2 AND family = 17"}) {
        write_file(tf.path, bytes);
        sql(tf.path, q);
        EXPECT_FALSE(snapshot::load(tf.path, "", &err)) << q;
        EXPECT_NE(err.find("does not start from a boot world"), std::string::npos) << q << " -> " << err;
    }
}

// The script level: save with the interpreter's names (and the calls
// asleep) at every line, continue the script in a fresh interpreter over
// the loaded history (as `sockscope run --load` does) and compare every
// line's output, result and world with the uninterrupted run.
TEST(Snapshot, ScriptsContinueFromASnapshotLikeAnUninterruptedRun) {
    int cuts = 0, asleep_cuts = 0;
    for (const std::string& f : sampled_scenario_files()) {
        SCOPED_TRACE(name_of(f));
        script::Program p = parse_file(f);
        struct LineResult {
            bool ok;
            script::Result r;
            bool slept;
            std::string out;
            World w;
        };
        std::vector<LineResult> ref;
        {
            Session s;
            for (const auto& l : p.lines) {
                s.out.clear();
                s.in->last_result = {0, -1};
                s.in->last_slept = false;   // a line without a call leaves both as they were
                bool ok = s.run(l, f);
                ref.push_back({ok, s.in->last_result, s.in->last_slept, s.out, s.h->live().k.w});
                if (!ok) break;
            }
        }
        Session s;
        for (size_t k = 0; k < ref.size(); s.run(p.lines[k], f), ++k) {
            ++cuts;
            SessionNames names = snapshot::session_names(*s.in), got;
            if (!names.pending.empty()) ++asleep_cuts;
            auto loaded = round_trip(*s.h, &names, &got);
            ASSERT_TRUE(loaded);
            EXPECT_EQ(got.vars, names.vars);
            EXPECT_EQ(got.tasks, names.tasks);
            EXPECT_EQ(got.pending, names.pending);
            Session c(std::move(loaded));
            snapshot::restore_session_names(*c.in, got);
            for (size_t i = k; i < ref.size(); ++i) {
                c.out.clear();
                c.in->last_result = {0, -1};
                c.in->last_slept = false;
                bool ok = c.run(p.lines[i], f);
                std::string where = "cut before line " + std::to_string(k) + ", line " + std::to_string(i);
                EXPECT_EQ(ok, ref[i].ok) << where;
                EXPECT_EQ(c.in->last_result, ref[i].r) << where;
                EXPECT_EQ(c.in->last_slept, ref[i].slept) << where;
                EXPECT_EQ(c.out, ref[i].out) << where;
                ASSERT_TRUE(c.h->live().k.w == ref[i].w) << where;
            }
        }
    }
    EXPECT_GT(cuts, 150);
    EXPECT_GT(asleep_cuts, 0);
}

// Scripts whose calls sleep across many lines: a blocking accept in the
// script's own process and in a thread, each woken by a later connect; a
// blocking connect to a listener whose accept queue is full, woken by its
// retransmitted SYN once an accept made room, with an accept left asleep
// at the end (finish fails its expectation); three accepts asleep at once
// that a connect and a receive timeout end, one indented and one with a
// wrong expectation.
const NamedScript kSleepingScripts[] = {
    {"blocking_accepts_woken_by_later_connects", R"(s = socket(AF_INET, SOCK_STREAM, 0) = 3
bind(s, 127.0.0.1:8080) = 0
listen(s, 5) = 0
a = accept(s) = 4
B: c = socket(AF_INET, SOCK_STREAM, 0) = 3
B: connect(c, 127.0.0.1:8080) = 0
close(a) = 0
T = thread()
T: a = accept(s) = 4
B: d = socket(AF_INET, SOCK_STREAM, 0) = 4
B: connect(d, 127.0.0.1:8080) = 0
T: close(a) = 0
B: close(c) = 0
B: close(d) = 0
close(s) = 0
)"},
    {"blocking_connect_to_a_full_accept_queue", R"(l = socket(AF_INET, SOCK_STREAM, 0) = 3
bind(l, 127.0.0.1:9100) = 0
listen(l, 0) = 0
c1 = socket(AF_INET, SOCK_STREAM, 0) = 4
connect(c1, 127.0.0.1:9100) = 0
C = thread()
C: c2 = socket(AF_INET, SOCK_STREAM, 0) = 5
C: r = connect(c2, 127.0.0.1:9100) = 0
acceptq(l) = 1
a1 = accept(l) = 6
!advance 1000
!advance 2000
a2 = accept(l) = 7
close(a1) = 0
close(a2) = 0
T = thread()
T: a3 = accept(l) = 8
)"},
    {"accepts_that_time_out_or_expect_wrongly", R"(s = socket(AF_INET, SOCK_STREAM, 0) = 3
bind(s, 127.0.0.1:8090) = 0
listen(s, 5) = 0
setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, 1500) = 0
T = thread()
T: a = accept(s) = 4
U = thread()
U: b = accept(s) = 9
  x = accept(s) = -1 EAGAIN
B: c = socket(AF_INET, SOCK_STREAM, 0) = 3
!advance 1000
B: connect(c, 127.0.0.1:8090) = 0
!advance 1000
B: close(c) = 0
)"},
};

// At every line boundary of scripts whose calls sleep across it: save with
// the names and the calls asleep, load, go on with the rest of the script
// in a fresh interpreter and finish it. The output before the cut and the
// output after it, put together, are the uninterrupted run's word for
// word (the counts of expectations are the run's, not the snapshot's, so
// the continued interpreter starts from the first one's), and so are the
// names, the final world and the history. The seed-000 kernel-thread
// server is among them: its thread sleeps in its own code, which the world
// holds, with no statement of the script asleep.
TEST(Snapshot, CallsAsleepAtACutFinishAfterTheLoadAsInAnUninterruptedRun) {
    std::vector<std::pair<std::string, script::Program>> scripts;
    for (const NamedScript& n : kSleepingScripts) scripts.emplace_back(n.name, parse_text(n.text, n.name));
    for (const char* rel : {"tests/scripts/blocking_accept_two_tasks.sock", "tests/scripts/seed000_kthread_server.sock"})
        scripts.emplace_back(name_of(rel), parse_file(src(rel)));
    int asleep_cuts = 0;
    for (const auto& [name, p] : scripts) {
        SCOPED_TRACE(name);
        Session ref;
        for (const auto& l : p.lines) ASSERT_TRUE(ref.run(l, name)) << ref.out;
        ref.in->finish(name);
        for (size_t k = 0; k <= p.lines.size(); ++k) {
            std::string where = "cut before line " + std::to_string(k + 1);
            Session before;
            for (size_t i = 0; i < k; ++i) before.run(p.lines[i], name);
            SessionNames names = snapshot::session_names(*before.in), got;
            if (!names.pending.empty()) ++asleep_cuts;
            auto loaded = round_trip(*before.h, &names, &got);
            ASSERT_TRUE(loaded) << where;
            EXPECT_EQ(got.pending, names.pending) << where;
            Session after(std::move(loaded));
            snapshot::restore_session_names(*after.in, got);
            EXPECT_EQ(after.in->pending(), names.pending) << where;
            after.in->passed = before.in->passed;
            after.in->failed = before.in->failed;
            for (size_t i = k; i < p.lines.size(); ++i) ASSERT_TRUE(after.run(p.lines[i], name)) << where;
            after.in->finish(name);
            EXPECT_EQ(before.out + after.out, ref.out) << where;
            EXPECT_EQ(after.in->passed, ref.in->passed) << where;
            EXPECT_EQ(after.in->failed, ref.in->failed) << where;
            EXPECT_EQ(after.in->vars, ref.in->vars) << where;
            expect_same_history(*ref.h, *after.h, where);
        }
    }
    EXPECT_GT(asleep_cuts, 15);
}

// What the uninterrupted runs above print, so that "the same output" is
// the right output: every sleeping call's result line comes where the step
// that woke it ran, with its expectation checked there.
TEST(Snapshot, TheSleepingScriptsPrintTheirResultsWhereTheirTasksWake) {
    std::map<std::string, std::string> want = {
        {"blocking_accepts_woken_by_later_connects",
         "a = accept(s) ... blocks (the task sleeps)\n"
         "B: c = socket(AF_INET, SOCK_STREAM, 0) = 3\n"
         "a = accept(s) = 4\n"
         "B: connect(c, 127.0.0.1:8080) = 0\n"},
        {"blocking_connect_to_a_full_accept_queue",
         "C: r = connect(c2, 127.0.0.1:9100) ... blocks (the task sleeps)\n"
         "acceptq(l) = 1\n"
         "a1 = accept(l) = 6\n"
         "C: r = connect(c2, 127.0.0.1:9100) = 0\n"
         "a2 = accept(l) = 7\n"},
        {"accepts_that_time_out_or_expect_wrongly",
         "T: a = accept(s) = 4\n"
         "B: connect(c, 127.0.0.1:8090) = 0\n"
         "U: b = accept(s) = -1 EAGAIN\n"
         "accepts_that_time_out_or_expect_wrongly:8: expected 9, got -1 EAGAIN\n"
         "x = accept(s) = -1 EAGAIN\n"},
    };
    std::map<std::string, std::string> tail = {
        {"blocking_accepts_woken_by_later_connects", "14 passed, 0 failed\n"},
        {"blocking_connect_to_a_full_accept_queue",
         "T: a3 = accept(l) ... blocks (the task sleeps)\n"
         "blocking_connect_to_a_full_accept_queue:17: expected 8, got nothing: the call is still asleep\n"
         "12 passed, 1 failed\n"},
        {"accepts_that_time_out_or_expect_wrongly", "B: close(c) = 0\n9 passed, 1 failed\n"},
    };
    for (const NamedScript& n : kSleepingScripts) {
        SCOPED_TRACE(n.name);
        Session s;
        for (const auto& l : parse_text(n.text, n.name).lines) ASSERT_TRUE(s.run(l, n.name)) << s.out;
        s.in->finish(n.name);
        EXPECT_NE(s.out.find(want[n.name]), std::string::npos) << s.out;
        ASSERT_GE(s.out.size(), tail[n.name].size());
        EXPECT_EQ(s.out.substr(s.out.size() - tail[n.name].size()), tail[n.name]) << s.out;
    }
}

// Stepping back into the middle of a command and branching leaves a
// command cut short and a saved branch: both survive a round trip, and the
// loaded history steps back like the original.
TEST(Snapshot, BranchedHistoriesRoundTrip) {
    for (const char* name : {"tests/scripts/synflood_cookies.sock", "tests/scripts/time_wait_expiry.sock",
                             "tests/scripts/blocking_accept_two_tasks.sock"}) {
        SCOPED_TRACE(name);
        std::vector<Command> cmds = commands_of(src(name));
        History full;
        for (const Command& c : cmds) full.run(c);
        for (uint64_t n = 1; n < full.step_count(); n += 3) {
            History h;
            for (const Command& c : cmds) h.run(c);
            ASSERT_TRUE(h.branch_at(n));
            // Something new after the branch point.
            Command adv;
            adv.op = Op::Sleep;
            adv.a[0] = 1500;
            adv.text = "!advance 1500";
            h.run(adv);
            auto loaded = round_trip(h);
            ASSERT_TRUE(loaded) << "branch at " << n;
            expect_same_history(h, *loaded, "branch at " + std::to_string(n));
            for (uint64_t m = 0; m <= h.step_count(); ++m)
                ASSERT_TRUE(loaded->world_at(m) == h.world_at(m)) << "branch at " << n << ", step " << m;
        }
    }
}

// ============================================================ files

std::unique_ptr<History> scenario_history(const char* rel) {
    auto h = std::make_unique<History>();
    for (const Command& c : commands_of(src(rel))) h->run(c);
    return h;
}

TEST(Snapshot, SeveralLabelledSnapshotsLiveInOneFile) {
    TempFile tf("labels.sqlite");
    std::string err, used;
    auto a_p = scenario_history("tests/scripts/peer_handshake.sock");
    History& a = *a_p;
    auto b_p = scenario_history("tests/scripts/syn_timeout.sock");
    History& b = *b_p;
    ASSERT_TRUE(snapshot::save(tf.path, a, "handshake", &err)) << err;
    ASSERT_TRUE(snapshot::save(tf.path, b, "timeout", &err)) << err;
    ASSERT_TRUE(snapshot::save(tf.path, a, "", &err, nullptr, &used)) << err;
    EXPECT_EQ(used, "snapshot 3");
    std::vector<snapshot::Info> infos;
    ASSERT_TRUE(snapshot::list(tf.path, &infos, &err)) << err;
    ASSERT_EQ(infos.size(), 3u);
    EXPECT_EQ(infos[0].label, "handshake");
    EXPECT_EQ(infos[1].label, "timeout");
    EXPECT_EQ(infos[1].steps, b.step_count());
    EXPECT_EQ(infos[1].commands, b.entries().size());

    auto la = snapshot::load(tf.path, "handshake", &err);
    ASSERT_TRUE(la) << err;
    EXPECT_TRUE(la->live().k.w == a.live().k.w);
    auto lb = snapshot::load(tf.path, "timeout", &err);
    ASSERT_TRUE(lb) << err;
    EXPECT_TRUE(lb->live().k.w == b.live().k.w);
    snapshot::Info info;
    auto newest = snapshot::load(tf.path, "", &err, nullptr, &info);
    ASSERT_TRUE(newest) << err;
    EXPECT_EQ(info.label, "snapshot 3");
    auto by_id = snapshot::load(tf.path, std::to_string(infos[1].id), &err, nullptr, &info);
    ASSERT_TRUE(by_id) << err;
    EXPECT_EQ(info.label, "timeout");

    // Saving under an existing label is refused and writes nothing ...
    auto before = read_file(tf.path);
    EXPECT_FALSE(snapshot::save(tf.path, a, "timeout", &err));
    EXPECT_NE(err.find("already holds a snapshot labelled 'timeout' (" + std::to_string(b.step_count()) +
                       " steps, saved "),
              std::string::npos)
        << err;
    EXPECT_NE(err.find("nothing was written"), std::string::npos) << err;
    EXPECT_EQ(read_file(tf.path), before);
    // ... unless asked to replace it: then that snapshot only is replaced.
    ASSERT_TRUE(snapshot::save(tf.path, a, "timeout", &err, nullptr, nullptr, true)) << err;
    ASSERT_TRUE(snapshot::list(tf.path, &infos, &err)) << err;
    ASSERT_EQ(infos.size(), 3u);
    auto lt = snapshot::load(tf.path, "timeout", &err);
    ASSERT_TRUE(lt) << err;
    EXPECT_TRUE(lt->live().k.w == a.live().k.w);

    EXPECT_FALSE(snapshot::load(tf.path, "nope", &err));
    EXPECT_NE(err.find("no snapshot labelled 'nope'"), std::string::npos) << err;
    EXPECT_NE(err.find("'handshake'"), std::string::npos) << err;
}

TEST(Snapshot, TheReplSaveWordSavesAndReports) {
    TempFile tf("repl.sqlite");
    auto h_p = scenario_history("tests/scripts/peer_handshake.sock");
    History& h = *h_p;
    std::string msg = snapshot::repl_save(tf.path + "  lesson 3 ", h);
    EXPECT_EQ(msg, "saved 'lesson 3' (" + std::to_string(h.step_count()) + " steps, " +
                       std::to_string(h.entries().size()) + " commands) to " + tf.path);
    std::string err;
    EXPECT_TRUE(snapshot::load(tf.path, "lesson 3", &err)) << err;
    EXPECT_EQ(snapshot::repl_save("", h), "usage: save [--replace] FILE [LABEL]");
    EXPECT_EQ(snapshot::repl_save("--replace", h), "usage: save [--replace] FILE [LABEL]");
    // The same label again: refused, with the way to replace it.
    msg = snapshot::repl_save(tf.path + " lesson 3", h);
    EXPECT_EQ(msg.rfind("save: error: " + tf.path + ": already holds a snapshot labelled 'lesson 3'", 0), 0u) << msg;
    EXPECT_NE(msg.find("\n  (save --replace " + tf.path + " lesson 3 replaces it)"), std::string::npos) << msg;
    auto other_p = scenario_history("tests/scripts/syn_timeout.sock");
    msg = snapshot::repl_save("--replace " + tf.path + " lesson 3", *other_p);
    EXPECT_EQ(msg, "saved 'lesson 3' (" + std::to_string(other_p->step_count()) + " steps, " +
                       std::to_string(other_p->entries().size()) + " commands) to " + tf.path);
    auto l = snapshot::load(tf.path, "lesson 3", &err);
    ASSERT_TRUE(l) << err;
    EXPECT_TRUE(l->live().k.w == other_p->live().k.w);
}

// ============================================================ refusals

std::vector<uint8_t> image_of(const History& h) {
    std::vector<uint8_t> img;
    std::string err;
    EXPECT_TRUE(snapshot::save_to_memory(h, "t", &img, &err)) << err;
    return img;
}

TEST(Snapshot, AForeignDatabaseIsRefusedAndLeftAlone) {
    TempFile tf("foreign.sqlite");
    sql(tf.path, "PRAGMA application_id = 1234; CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('mine');");
    auto before = read_file(tf.path);
    std::string err;
    EXPECT_FALSE(snapshot::load(tf.path, "", &err));
    EXPECT_NE(err.find("not a sockscope snapshot"), std::string::npos) << err;
    auto h_p = scenario_history("tests/scripts/peer_handshake.sock");
    History& h = *h_p;
    EXPECT_FALSE(snapshot::save(tf.path, h, "x", &err));
    EXPECT_NE(err.find("not a sockscope snapshot"), std::string::npos) << err;
    EXPECT_EQ(read_file(tf.path), before);
    // Another application's database without an application_id, too.
    TempFile t2("plain.sqlite");
    sql(t2.path, "CREATE TABLE notes (x TEXT);");
    EXPECT_FALSE(snapshot::save(t2.path, h, "x", &err));
    EXPECT_FALSE(snapshot::load(t2.path, "", &err));
    EXPECT_NE(err.find("not a sockscope snapshot"), std::string::npos) << err;
}

TEST(Snapshot, ANewerFormatIsRefusedWithAPlainMessage) {
    TempFile tf("newer.sqlite");
    auto h_p = scenario_history("tests/scripts/peer_handshake.sock");
    History& h = *h_p;
    std::string err;
    ASSERT_TRUE(snapshot::save(tf.path, h, "x", &err)) << err;
    auto before = read_file(tf.path);
    sql(tf.path, "PRAGMA user_version = " + std::to_string(snapshot::kUserVersion + 1) + ";");
    auto newer = read_file(tf.path);
    EXPECT_FALSE(snapshot::load(tf.path, "", &err));
    EXPECT_EQ(err, tf.path + ": made by a newer sockscope (snapshot format " +
                       std::to_string(snapshot::kUserVersion + 1) + "; this sockscope reads format " +
                       std::to_string(snapshot::kUserVersion) + "): open it with that version");
    EXPECT_FALSE(snapshot::save(tf.path, h, "y", &err));
    EXPECT_NE(err.find("made by a newer sockscope"), std::string::npos) << err;
    EXPECT_EQ(read_file(tf.path), newer);
    (void)before;
}

// A file of an older format is refused as plainly (its history would
// replay on a different model), and nothing is written to it.
TEST(Snapshot, AnOlderFormatIsRefusedWithAPlainMessageAndLeftAlone) {
    TempFile tf("older.sqlite");
    auto h_p = scenario_history("tests/scripts/peer_handshake.sock");
    History& h = *h_p;
    std::string err;
    ASSERT_TRUE(snapshot::save(tf.path, h, "x", &err)) << err;
    sql(tf.path, "PRAGMA user_version = 1;");
    auto older = read_file(tf.path);
    EXPECT_FALSE(snapshot::load(tf.path, "", &err));
    EXPECT_EQ(err, tf.path + ": made by an older sockscope (snapshot format 1; this sockscope reads format " +
                       std::to_string(snapshot::kUserVersion) + "): open it with that version");
    EXPECT_FALSE(snapshot::save(tf.path, h, "y", &err));
    EXPECT_NE(err.find("or save to a new file"), std::string::npos) << err;
    EXPECT_EQ(read_file(tf.path), older);
}

TEST(Snapshot, FilesThatAreNotDatabasesAreRefused) {
    TempFile tf("text.sqlite");
    std::string err;
    write_file(tf.path, {'h', 'e', 'l', 'l', 'o', '\n'});
    EXPECT_FALSE(snapshot::load(tf.path, "", &err));
    EXPECT_NE(err.find("not an SQLite database"), std::string::npos) << err;
    write_file(tf.path, {});
    EXPECT_FALSE(snapshot::load(tf.path, "", &err));
    EXPECT_NE(err.find("not a sockscope snapshot"), std::string::npos) << err;
    EXPECT_FALSE(snapshot::load(tf.path + ".missing", "", &err));
    EXPECT_NE(err.find("cannot open"), std::string::npos) << err;
    EXPECT_FALSE(fs::exists(tf.path + ".missing"));
}

std::unique_ptr<History> big_history() {
    auto hp = std::make_unique<History>();
    History& h = *hp;
    script::Interp in(h);
    auto run = [&](const std::string& line) {
        auto parsed = script::parse_line(line, 1);
        ASSERT_TRUE(std::holds_alternative<script::Line>(parsed)) << line;
        ASSERT_TRUE(in.run_line(std::get<script::Line>(parsed), "big")) << line;
    };
    run("s = socket(AF_INET, SOCK_STREAM, 0)");
    run("bind(s, 127.0.0.1:8080)");
    run("listen(s, 4096)");
    run("synflood(127.0.0.1:8080, 300)");
    for (int i = 0; i < 20; ++i) run("socket(AF_INET, SOCK_DGRAM, 0)");
    run("!advance 2000");
    return hp;
}

TEST(Snapshot, TruncatedFilesAreRefused) {
    History h;
    for (const Command& c : commands_of(src("tests/scripts/synflood_cookies.sock"))) h.run(c);
    std::vector<uint8_t> img = image_of(h);
    ASSERT_GT(img.size(), 8192u);
    for (size_t n = 0; n < img.size(); n += (n < 200 ? 7 : 509)) {
        std::vector<uint8_t> cut(img.begin(), img.begin() + static_cast<long>(n));
        std::string err;
        auto l = snapshot::load_from_memory(cut.data(), cut.size(), "", &err);
        EXPECT_FALSE(l) << "truncated to " << n << " bytes";
        EXPECT_FALSE(err.empty());
    }
}

// Whatever the loader accepts must be the saved state exactly; everything
// else is refused with a message.
void expect_refused_or_exact(const std::vector<uint8_t>& img, const History& orig, const std::string& what,
                             int* refused) {
    std::string err;
    if (std::getenv("SNAPSHOT_TEST_VERBOSE")) std::fprintf(stderr, "%s\n", what.c_str());
    auto l = snapshot::load_from_memory(img.data(), img.size(), "", &err);
    if (!l) {
        EXPECT_FALSE(err.empty()) << what;
        ++*refused;
        return;
    }
    EXPECT_TRUE(l->live().k.w == orig.live().k.w) << what;
    EXPECT_EQ(l->step_count(), orig.step_count()) << what;
}

TEST(Snapshot, CorruptedBytesAreRefusedOrHarmless) {
    History h;
    for (const Command& c : commands_of(src("tests/scripts/peer_handshake.sock"))) h.run(c);
    std::vector<uint8_t> img = image_of(h);
    std::mt19937 rng(5);
    int refused = 0;
    for (int round = 0; round < 600; ++round) {
        std::vector<uint8_t> bad = img;
        int flips = 1 + static_cast<int>(rng() % 8);
        for (int i = 0; i < flips; ++i) bad[rng() % bad.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
        expect_refused_or_exact(bad, h, "round " + std::to_string(round), &refused);
    }
    EXPECT_GT(refused, 50);
}

// The image img after the SQL q, run on it through db (an in-memory
// database the image is loaded into); empty when q fails or changes no row.
std::vector<uint8_t> changed_image(sqlite3* db, const std::vector<uint8_t>& img, const std::string& q) {
    auto* buf = static_cast<unsigned char*>(sqlite3_malloc64(img.size()));
    std::memcpy(buf, img.data(), img.size());
    if (sqlite3_deserialize(db, "main", buf, static_cast<sqlite3_int64>(img.size()),
                            static_cast<sqlite3_int64>(img.size()),
                            SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE) != SQLITE_OK) {
        ADD_FAILURE() << "sqlite3_deserialize: " << sqlite3_errmsg(db);
        return {};
    }
    if (sqlite3_exec(db, q.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK || sqlite3_changes(db) == 0) return {};
    sqlite3_int64 n = 0;
    unsigned char* p = sqlite3_serialize(db, "main", &n, 0);
    if (!p) {
        ADD_FAILURE() << "sqlite3_serialize: " << sqlite3_errmsg(db);
        return {};
    }
    std::vector<uint8_t> out(p, p + n);
    sqlite3_free(p);
    return out;
}

// Every cell of the first rows of every table, set to hostile values
// through SQL (so the file stays a valid database and the loader's own
// checks are what stands between the values and the model), in the head
// world and in the boot world.
TEST(Snapshot, HostileValuesInEveryColumnAreRefusedOrHarmless) {
    World boot = make_boot_world();
    std::string err;
    ASSERT_TRUE(script::apply_sysctl_text(boot, "net.ipv4.ip_local_port_range=40000 40100", &err)) << err;
    History h(boot);
    for (const Command& c : commands_of(src("tests/scripts/blocking_accept_two_tasks.sock"), boot)) h.run(c);
    Command syn;
    syn.op = Op::SynFlood;
    syn.a = {0x7f000001, 8080, 3, 0, 0, 0};
    syn.text = "synflood";
    h.run(syn);
    std::vector<uint8_t> img = image_of(h);

    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
    const char* hostile[] = {"NULL", "-1", "0", "7", "4294967296", "'x'", "2.5"};
    int refused = 0, tried = 0;
    for (const auto& t : snapshot::detail::tables()) {
        bool meta = t.tab == snapshot::detail::Tab::snapshot;
        std::string pk = meta ? "id" : t.pk;
        // The first rows of the head (snapshot 1) and of the boot world
        // (snapshot 2), which is the world the model will run on.
        for (const char* where : {"snapshot_id = 1", "snapshot_id = 2"}) {
            std::string cond = meta ? std::string(where).replace(0, 11, "id") : where;
            for (int row = 0; row < 1; ++row) {
                for (size_t c = 0; c < t.cols.size(); ++c) {
                    for (const char* v : hostile) {
                        std::string q = "UPDATE \"" + t.name + "\" SET \"" + t.cols[c].name + "\" = " + v +
                                        " WHERE (" + pk + ") IN (SELECT " + pk + " FROM \"" + t.name + "\" WHERE " +
                                        cond + " ORDER BY " + pk + " LIMIT 1 OFFSET " + std::to_string(row) + ")";
                        std::vector<uint8_t> bad = changed_image(db, img, q);
                        if (bad.empty()) continue;
                        ++tried;
                        expect_refused_or_exact(bad, h, t.name + "." + t.cols[c].name + " = " + v + " where " + cond,
                                                &refused);
                    }
                }
            }
        }
    }
    sqlite3_close(db);
    EXPECT_GT(tried, 800);
    EXPECT_GT(refused, tried / 2);
}

TEST(Snapshot, HostileCommandsAreRefusedBeforeTheyRun) {
    TempFile tf("commands.sqlite");
    auto h_p = scenario_history("tests/scripts/blocking_accept_two_tasks.sock");
    History& h = *h_p;
    std::string err;
    ASSERT_TRUE(snapshot::save(tf.path, h, "x", &err)) << err;
    auto bytes = read_file(tf.path);
    struct Case {
        const char* q;
        const char* msg;
    } cases[] = {
        {"UPDATE command SET task = 77 WHERE id = 2", "does not exist"},
        {"UPDATE command SET task = NULL WHERE id = 2", "has no task"},
        {"UPDATE command SET op = 'reboot' WHERE id = 2", "not a known value"},
        {"UPDATE command SET op = 'synflood', a2 = 1000000000 WHERE id = 2", "too many"},
        {"UPDATE command SET op = 'sleep', a0 = 9223372036854775807 WHERE id = 2", "too much time"},
        {"UPDATE command SET steps = steps + 1 WHERE id = 2", "steps"},
        {"UPDATE command SET a0 = 99 WHERE id = 1", ""},
        {"DELETE FROM command WHERE id = 3", "position"},
        {"UPDATE file SET f_count = f_count + 1 WHERE snapshot_id = 1", "differs from its replayed history in file"},
        {"UPDATE world SET now = now + 1 WHERE snapshot_id = 1", "differs from its replayed history"},
        {"UPDATE snapshot SET boot_id = 1 WHERE id = 1", "boot world"},
        {"DROP TABLE sock; CREATE VIEW sock AS SELECT * FROM socket", "missing"},
    };
    for (const Case& c : cases) {
        write_file(tf.path, bytes);
        sql(tf.path, c.q);
        EXPECT_FALSE(snapshot::load(tf.path, "", &err)) << c.q;
        EXPECT_NE(err.find(c.msg), std::string::npos) << c.q << " -> " << err;
    }
}

// ============================================================ calls asleep

// A session stopped with two calls asleep: a thread's accept with a
// binding and an expectation, and an indented accept of the script's own
// process that expects a failure; a kernel thread sleeps in its own code.
struct Asleep {
    std::unique_ptr<History> h;
    SessionNames names;
    uint32_t task(const std::string& name) const { return names.tasks.at(name); }
};
Asleep asleep_session() {
    Session s;
    for (const auto& l : parse_text(R"(K = kthread_run(0.0.0.0:8888)
s = socket(AF_INET, SOCK_STREAM, 0) = 3
bind(s, 127.0.0.1:8080) = 0
listen(s, 5) = 0
T = thread()
T: a = accept(s) = 4
B: c = socket(AF_INET, SOCK_STREAM, 0) = 3
setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, 5000) = 0
  accept(s) = -1 EAGAIN
)", "asleep.sock").lines)
        EXPECT_TRUE(s.run(l, "asleep.sock")) << s.out;
    Asleep a;
    a.names = snapshot::session_names(*s.in);
    a.h = std::move(s.h);
    return a;
}

TEST(Snapshot, TheCallsAsleepAreRowsOfTheirOwnTableAndOfTheJson) {
    Asleep a = asleep_session();
    ASSERT_EQ(a.names.pending.size(), 2u);
    TempFile tf("pending.sqlite");
    std::string err;
    ASSERT_TRUE(snapshot::save(tf.path, *a.h, "asleep", &err, &a.names)) << err;
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(tf.path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    std::vector<std::string> rows = query_rows(db, R"(
SELECT n.name, p.file, p.line, p.col, p.text, p.bind, p.expected, p.expected_errno, t.wait_kind
FROM pending_call p
JOIN session_name n ON n.snapshot_id = p.snapshot_id AND n.kind = 'task' AND n.value = p.task
JOIN task t ON t.snapshot_id = p.snapshot_id AND t.id = p.task
WHERE p.snapshot_id = 1 ORDER BY p.line)", &err);
    sqlite3_close(db);
    EXPECT_EQ(err, "");
    EXPECT_EQ(rows, (std::vector<std::string>{
                        "name=T|file=asleep.sock|line=6|col=1|text=T: a = accept(s)|bind=a|expected=4|"
                        "expected_errno=NULL|wait_kind=Accept",
                        "name=|file=asleep.sock|line=9|col=3|text=accept(s)|bind=NULL|expected=-1|"
                        "expected_errno=EAGAIN|wait_kind=Accept"}));

    std::string json;
    ASSERT_TRUE(snapshot::export_json(tf.path, "asleep", &json, &err)) << err;
    auto j = nlohmann::json::parse(json);
    ASSERT_EQ(j["pending_call"].size(), 2u);
    for (const auto& row : j["pending_call"]) {
        EXPECT_EQ(row["snapshot_id"], 1);
        if (row["task"] != a.task("T")) continue;
        EXPECT_EQ(row["file"], "asleep.sock");
        EXPECT_EQ(row["line"], 6);
        EXPECT_EQ(row["col"], 1);
        EXPECT_EQ(row["text"], "T: a = accept(s)");
        EXPECT_EQ(row["bind"], "a");
        EXPECT_EQ(row["expected"], 4);
        EXPECT_TRUE(row["expected_errno"].is_null());
    }

    SessionNames got;
    ASSERT_TRUE(snapshot::load(tf.path, "asleep", &err, &got)) << err;
    EXPECT_EQ(got.pending, a.names.pending);
}

// The table came without a new format number: a file written before it
// (format 2, no pending_call) opens with no call asleep, and saving to it
// adds the table.
TEST(Snapshot, AFileWithoutThePendingCallTableOpensAndTakesNewSnapshots) {
    Asleep a = asleep_session();
    TempFile tf("no_pending.sqlite");
    std::string err;
    ASSERT_TRUE(snapshot::save(tf.path, *a.h, "before", &err, &a.names)) << err;
    sql(tf.path, "DROP TABLE pending_call;");
    SessionNames got;
    auto l = snapshot::load(tf.path, "before", &err, &got);
    ASSERT_TRUE(l) << err;
    EXPECT_TRUE(l->live().k.w == a.h->live().k.w);
    EXPECT_EQ(got.vars, a.names.vars);
    EXPECT_TRUE(got.pending.empty());
    std::vector<snapshot::Info> infos;
    ASSERT_TRUE(snapshot::list(tf.path, &infos, &err)) << err;
    EXPECT_EQ(infos.size(), 1u);
    ASSERT_TRUE(snapshot::save(tf.path, *a.h, "after", &err, &a.names)) << err;
    ASSERT_TRUE(snapshot::load(tf.path, "after", &err, &got)) << err;
    EXPECT_EQ(got.pending, a.names.pending);
    ASSERT_TRUE(snapshot::load(tf.path, "before", &err, &got)) << err;
    EXPECT_TRUE(got.pending.empty());
}

// Every way a pending_call row can be wrong is refused with a message that
// names the table, the row and what is wrong, and the file is left as it
// was.
TEST(Snapshot, HostilePendingCallsAreRefusedWithAMessageAndChangeNothing) {
    Asleep a = asleep_session();
    const std::string t = std::to_string(a.task("T")), b = std::to_string(a.task("B")),
                      k = std::to_string(a.task("K"));
    TempFile tf("hostile_pending.sqlite");
    std::string err;
    ASSERT_TRUE(snapshot::save(tf.path, *a.h, "x", &err, &a.names)) << err;
    const auto bytes = read_file(tf.path);
    const std::string of_t = " WHERE line = 6";
    struct Case {
        std::string q;
        std::string msg;   // the end of the message
    } cases[] = {
        {"UPDATE pending_call SET task = 77" + of_t, "task #77 does not exist"},
        {"UPDATE pending_call SET task = 'x'" + of_t, "task is not an integer"},
        {"UPDATE pending_call SET task = " + b + of_t, "task #" + b + " is not asleep in a call"},
        {"UPDATE pending_call SET task = " + k + of_t, "task #" + k + " is a kernel thread: scripts run no calls in one"},
        {"UPDATE pending_call SET line = 0" + of_t, "line = 0 is out of range 1..2147483647"},
        {"UPDATE pending_call SET col = -1" + of_t, "col = -1 is out of range 1..2147483647"},
        {"UPDATE pending_call SET line = NULL" + of_t, "line is not an integer"},
        {"UPDATE pending_call SET file = x'00ff'" + of_t, "file is not text"},
        {"UPDATE pending_call SET text = 'T: a = accept(s) = 4'" + of_t,
         "'T: a = accept(s) = 4 = 4' does not parse: unexpected text after expectation"},
        {"UPDATE pending_call SET text = 'T: a = accept(s)  # asleep'" + of_t,
         "'T: a = accept(s)  # asleep' is not one statement"},
        {"UPDATE pending_call SET text = '!advance 5', bind = NULL" + of_t, "'!advance 5' is not one statement"},
        {"UPDATE pending_call SET bind = 'b'" + of_t, "'T: a = accept(s)' binds 'a', not 'b'"},
        {"UPDATE pending_call SET bind = NULL" + of_t, "'T: a = accept(s)' binds 'a', not nothing"},
        {"UPDATE pending_call SET text = 'T: a = acceptq(s)'" + of_t, "'acceptq' is not a call a task can sleep in"},
        {"UPDATE pending_call SET text = 'B: a = accept(s)'" + of_t,
         "'B: a = accept(s)' runs in task 'B', not in task #" + t},
        {"DELETE FROM session_name WHERE name = 'T'", "'T: a = accept(s)' runs in task 'T', not in task #" + t},
        {"UPDATE pending_call SET expected = NULL WHERE line = 9", "an errno name without an expected value"},
        {"UPDATE pending_call SET expected = 4 WHERE line = 9",
         "'accept(s) = 4 EAGAIN' does not parse: only -1 may be followed by an errno name"},
        {"UPDATE pending_call SET expected_errno = 'ENOPE' WHERE line = 9",
         "'accept(s) = -1 ENOPE' does not parse: unknown errno name 'ENOPE'"},
        {"UPDATE pending_call SET expected = 'x'" + of_t, "expected is not an integer"},
        {"CREATE TABLE p2 AS SELECT * FROM pending_call; DROP TABLE pending_call; "
         "CREATE TABLE pending_call AS SELECT * FROM p2 UNION ALL SELECT * FROM p2" + of_t + "; DROP TABLE p2",
         "task #" + t + " has a second call"},
    };
    for (const Case& c : cases) {
        write_file(tf.path, bytes);
        sql(tf.path, c.q);
        const auto before = read_file(tf.path);
        SessionNames got;
        EXPECT_FALSE(snapshot::load(tf.path, "", &err, &got)) << c.q;
        EXPECT_EQ(err.rfind(tf.path + ": table pending_call, row ", 0), 0u) << c.q << " -> " << err;
        ASSERT_GE(err.size(), c.msg.size()) << c.q << " -> " << err;
        EXPECT_EQ(err.substr(err.size() - c.msg.size()), c.msg) << c.q << " -> " << err;
        EXPECT_TRUE(got.pending.empty() && got.vars.empty()) << c.q;
        EXPECT_EQ(read_file(tf.path), before) << c.q;
    }
}

// Hostile values in every column of every pending_call row: refused, or
// (where the value changes nothing the loader reads) the saved calls
// exactly.
TEST(Snapshot, HostileValuesInThePendingCallTableAreRefusedOrHarmless) {
    Asleep a = asleep_session();
    std::vector<uint8_t> img;
    std::string err;
    ASSERT_TRUE(snapshot::save_to_memory(*a.h, "t", &img, &err, &a.names)) << err;
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
    const auto& def = snapshot::detail::table_def(snapshot::detail::Tab::pending_call);
    int tried = 0, refused = 0;
    for (const char* row : {"line = 6", "line = 9"}) {
        for (const auto& col : def.cols) {
            for (const char* v : {"NULL", "-1", "0", "1", "7", "4294967296", "'x'", "2.5", "''", "'a'"}) {
                std::string q = "UPDATE pending_call SET \"" + col.name + "\" = " + v + " WHERE " + row;
                std::vector<uint8_t> bad = changed_image(db, img, q);
                if (bad.empty()) continue;
                ++tried;
                SessionNames got;
                auto l = snapshot::load_from_memory(bad.data(), bad.size(), "", &err, &got);
                if (!l) {
                    ++refused;
                    EXPECT_NE(err.find("pending_call"), std::string::npos) << q << " -> " << err;
                    continue;
                }
                // Accepted: a value the row may hold (another line, another
                // file name) or a snapshot id that moved the row out of this
                // snapshot. Whatever came in, an interpreter takes back whole.
                EXPECT_TRUE(l->live().k.w == a.h->live().k.w) << q;
                EXPECT_EQ(got.pending.size(), a.names.pending.size() - (col.name == "snapshot_id" && v != "1"s))
                    << q;
                Session c(std::move(l));
                snapshot::restore_session_names(*c.in, got);
                EXPECT_EQ(c.in->pending(), got.pending) << q;
            }
        }
    }
    sqlite3_close(db);
    EXPECT_GT(tried, 100);
    EXPECT_GT(refused, tried / 2);
}

// libFuzzer's entry point on random inputs, and on inputs that look like
// an SQLite file for their first bytes.
TEST(Snapshot, TheFuzzEntryPointRefusesRandomBytes) {
    std::mt19937_64 rng(1);
    auto h_p = scenario_history("tests/scripts/peer_handshake.sock");
    History& h = *h_p;
    std::vector<uint8_t> img = image_of(h);
    std::string err;
    EXPECT_EQ(snapshot_load_from_memory(img.data(), img.size(), &err), 0) << err;
    for (int round = 0; round < 3000; ++round) {
        size_t n = rng() % (round % 3 == 0 ? 64 : 20000);
        std::vector<uint8_t> buf(n);
        for (auto& b : buf) b = static_cast<uint8_t>(rng());
        if (round % 2 && n >= 100) std::memcpy(buf.data(), img.data(), 100);  // a valid header
        if (round % 5 == 0 && n >= 8192) std::memcpy(buf.data(), img.data(), 8192);
        err.clear();
        EXPECT_EQ(snapshot_load_from_memory(buf.data(), buf.size(), &err), 1);
        EXPECT_FALSE(err.empty());
    }
    EXPECT_EQ(snapshot_load_from_memory(nullptr, 0, &err), 1);
}

// A save killed at any moment leaves the file as it was before (SQLite's
// rollback journal), or with the new snapshot complete.
TEST(Snapshot, ASaveKilledInTheMiddleNeverDamagesTheFile) {
    TempFile tf("kill.sqlite");
    auto small_p = scenario_history("tests/scripts/peer_handshake.sock");
    History& small = *small_p;
    auto big_p = big_history();
    History& big = *big_p;
    std::string err;
    ASSERT_TRUE(snapshot::save(tf.path, small, "before", &err)) << err;
    int completed = 0, interrupted = 0;
    for (int delay_us : {0, 200, 500, 1000, 2000, 4000, 8000, 16000, 50000}) {
        pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            std::string e;
            snapshot::save(tf.path, big, "during", &e);
            _exit(0);
        }
        usleep(static_cast<useconds_t>(delay_us));
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        auto before = snapshot::load(tf.path, "before", &err);
        ASSERT_TRUE(before) << "delay " << delay_us << ": " << err;
        EXPECT_TRUE(before->live().k.w == small.live().k.w);
        auto during = snapshot::load(tf.path, "during", &err);
        if (during) {
            ++completed;
            EXPECT_TRUE(during->live().k.w == big.live().k.w);
        } else {
            ++interrupted;
            EXPECT_NE(err.find("no snapshot labelled 'during'"), std::string::npos) << err;
        }
    }
    std::printf("[          ] kill during save: %d saves completed, %d interrupted\n", completed, interrupted);
}

// ============================================================ names

std::set<std::string> sqlite_columns(sqlite3* db, const std::string& table) {
    std::set<std::string> cols;
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, ("PRAGMA table_info(\"" + table + "\")").c_str(), -1, &st, nullptr);
    while (sqlite3_step(st) == SQLITE_ROW) cols.insert(reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
    sqlite3_finalize(st);
    return cols;
}

TEST(Snapshot, JsonHasTheSameTablesAndColumnsAsTheDatabase) {
    auto h_p = scenario_history("tests/scripts/synflood_cookies.sock");
    History& h = *h_p;
    auto j = nlohmann::json::parse(snapshot::to_json(h, "lesson"));
    EXPECT_EQ(j["application_id"], snapshot::kApplicationId);
    EXPECT_EQ(j["user_version"], snapshot::kUserVersion);
    std::vector<uint8_t> img = image_of(h);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
    auto* buf = static_cast<unsigned char*>(sqlite3_malloc64(img.size()));
    std::memcpy(buf, img.data(), img.size());
    ASSERT_EQ(sqlite3_deserialize(db, "main", buf, static_cast<sqlite3_int64>(img.size()),
                                  static_cast<sqlite3_int64>(img.size()), SQLITE_DESERIALIZE_FREEONCLOSE),
              SQLITE_OK);
    for (const auto& t : snapshot::detail::tables()) {
        ASSERT_TRUE(j.contains(t.name)) << t.name;
        std::set<std::string> cols = sqlite_columns(db, t.name);
        EXPECT_EQ(cols.size(), t.cols.size()) << t.name;
        for (const auto& row : j[t.name]) {
            std::set<std::string> keys;
            for (auto it = row.begin(); it != row.end(); ++it) keys.insert(it.key());
            EXPECT_EQ(keys, cols) << t.name;
            break;
        }
    }
    sqlite3_close(db);
    // Kernel names and values: the listener, its queue, its counters.
    bool listener = false;
    for (const auto& s : j["sock"]) {
        if (s["snapshot_id"] != 1 || s["sk_state"] != TCP_LISTEN) continue;
        listener = true;
        EXPECT_EQ(s["sk_prot"], "tcp_prot");
        EXPECT_EQ(s["inet_num"], 80);
        EXPECT_TRUE(s.contains("sk_max_ack_backlog"));
        EXPECT_TRUE(s.contains("icsk_bind_hash"));
    }
    EXPECT_TRUE(listener);
    bool cookies = false;
    for (const auto& c : j["counter"])
        if (c["snapshot_id"] == 1 && c["name"] == "SyncookiesSent" && c["value"].get<int64_t>() > 0) cookies = true;
    EXPECT_TRUE(cookies);
    bool somaxconn = false;
    for (const auto& s : j["sysctl"])
        if (s["name"] == "net.core.somaxconn") somaxconn = true;
    EXPECT_TRUE(somaxconn);
    EXPECT_EQ(j["command"].size(), h.entries().size());
    EXPECT_EQ(j["snapshot"][0]["label"], "lesson");
}

TEST(Snapshot, ExportJsonReadsAFile) {
    TempFile tf("json.sqlite");
    auto h_p = scenario_history("tests/scripts/peer_handshake.sock");
    History& h = *h_p;
    std::string err, json;
    ASSERT_TRUE(snapshot::save(tf.path, h, "x", &err)) << err;
    ASSERT_TRUE(snapshot::export_json(tf.path, "x", &json, &err)) << err;
    auto j = nlohmann::json::parse(json);
    EXPECT_EQ(j["snapshot"][0]["label"], "x");
    EXPECT_EQ(j["peer"][0]["name"], "P");
    EXPECT_FALSE(snapshot::export_json(tf.path, "y", &json, &err));
}

TEST(Snapshot, TheDocsDescribeEveryTableAndColumn) {
    std::ifstream in(src("docs/snapshots.md"));
    ASSERT_TRUE(in) << "docs/snapshots.md";
    std::stringstream ss;
    ss << in.rdbuf();
    std::string doc = ss.str();
    for (const auto& t : snapshot::detail::tables()) {
        // A section per table: "### name", then its columns in backquotes.
        size_t at = doc.find("### " + t.name + "\n");
        ASSERT_NE(at, std::string::npos) << "no section for table " << t.name;
        size_t end = doc.find("\n### ", at + 4);
        std::string section = doc.substr(at, end == std::string::npos ? std::string::npos : end - at);
        for (const auto& c : t.cols)
            EXPECT_NE(section.find("`" + c.name + "`"), std::string::npos) << t.name << "." << c.name;
    }
}

// Every ```sql example of docs/snapshots.md runs on a real snapshot file
// and finds what it says it finds: a listener on 8080 with one connection
// in its accept queue and one in its SYN queue, a TIME_WAIT sock, counters,
// a thread asleep in accept().
TEST(Snapshot, TheDocsExampleQueriesRunAndFindWhatTheySay) {
    std::ifstream in(src("docs/snapshots.md"));
    std::stringstream ss;
    ss << in.rdbuf();
    std::string doc = ss.str();
    std::vector<std::string> examples;
    for (size_t at = doc.find("```sql\n"); at != std::string::npos; at = doc.find("```sql\n", at)) {
        at += 7;
        size_t end = doc.find("```", at);
        ASSERT_NE(end, std::string::npos);
        examples.push_back(doc.substr(at, end - at));
        at = end + 3;
    }
    ASSERT_GE(examples.size(), 6u);

    TempFile tf("docs.sqlite");
    auto hp = std::make_unique<History>();
    {
        script::Interp interp(*hp);
        std::string out;
        interp.print = [&](const std::string& s) { out += s; };
        script::Program p = parse_text(R"(s = socket(AF_INET, SOCK_STREAM, 0)
bind(s, 0.0.0.0:8080)
listen(s, 8)
P = peer(10.0.0.2:0)
peer_syn(P, 127.0.0.1:8080)
peer_ack(P, 127.0.0.1:8080)
Q = peer(10.0.0.3:0)
peer_syn(Q, 127.0.0.1:8080)
l = socket(AF_INET, SOCK_STREAM, 0)
bind(l, 127.0.0.1:9000)
listen(l, 5)
c = socket(AF_INET, SOCK_STREAM, 0)
connect(c, 127.0.0.1:9000)
a = accept(l)
close(c)
close(a)
T = thread()
T: b = accept(l) = 5
)", "docs");
        for (const auto& l : p.lines) ASSERT_TRUE(interp.run_line(l, "docs")) << out;
        std::string err;
        SessionNames names = snapshot::session_names(interp);
        ASSERT_TRUE(snapshot::save(tf.path, *hp, "after listen", &err, &names)) << err;
        ASSERT_TRUE(snapshot::save(tf.path, *hp, "again", &err, &names)) << err;   // snapshot 3 (2 is a boot world)
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(tf.path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    auto run = [&](const std::string& text, std::string* err) { return query_rows(db, text, err); };
    std::map<std::string, std::vector<std::string>> got;
    for (const std::string& e : examples) {
        std::string err;
        std::vector<std::string> rows = run(e, &err);
        EXPECT_EQ(err, "") << e;
        got[e.substr(0, 60)] = rows;
        auto has = [&](const std::string& needle) {
            return std::any_of(rows.begin(), rows.end(),
                               [&](const std::string& r) { return r.find(needle) != std::string::npos; });
        };
        if (e.find("FROM pending_call") != std::string::npos) {
            ASSERT_EQ(rows.size(), 1u) << e;
            EXPECT_EQ(rows[0], "task_name=T|pid=1001|text=T: b = accept(l)|bind=b|expected=5|expected_errno=NULL|"
                               "written_at=docs:18|wait_kind=Accept");
        } else if (e.find("tcp_state.name = 'TCP_LISTEN'") != std::string::npos) {
            EXPECT_TRUE(has("port=8080|accept_queue=1|backlog=8|syn_queue=1|pct_full=13")) << e;
            EXPECT_TRUE(has("port=9000|accept_queue=0|backlog=5|syn_queue=0")) << e;
        } else if (e.find("sock_rskq_accept") != std::string::npos) {
            ASSERT_EQ(rows.size(), 1u) << e;
            EXPECT_NE(rows[0].find("pos=0|"), std::string::npos) << rows[0];
            EXPECT_NE(rows[0].find("ir_rmt_addr=167772162"), std::string::npos) << rows[0];   // 10.0.0.2
        } else if (e.find("FROM task t") != std::string::npos) {
            EXPECT_TRUE(has("fd=3|f_op=socket_file_ops|socket_state=1|tcp_state=TCP_LISTEN|inet_num=8080")) << e;
            EXPECT_TRUE(has("fd=0|f_op=tty_fops")) << e;
        } else if (e.find("timewait_sock") != std::string::npos) {
            EXPECT_TRUE(has("port=")) << e;
            EXPECT_EQ(rows.size(), 1u) << e;
        } else if (e.find("FROM counter") != std::string::npos) {
            EXPECT_TRUE(has("name=PassiveOpens|value=2")) << e;
        } else if (e.find("FROM command") != std::string::npos) {
            EXPECT_TRUE(has("text=listen(s, 8)")) << e;
        }
    }
    sqlite3_close(db);
    EXPECT_GE(got.size(), 6u);
}

// The number of members of an aggregate (T{a, b, ...} with as many
// initialisers as it takes).
struct AnyInit {
    template <class T> constexpr operator T() const;
};
template <class T, class... A> constexpr size_t member_count() {
    if constexpr (requires { T{A{}..., AnyInit{}}; }) return member_count<T, A..., AnyInit>();
    else return sizeof...(A);
}

// Every member of every saved struct has its column (or its child table):
// a member added to world.h fails here until core/snapshot/schema.cpp and
// docs/snapshots.md know it.
TEST(Snapshot, KnowsEveryFieldOfTheWorld) {
    using namespace snapshot::detail;
    EXPECT_EQ(task_fields().size(), member_count<Task>() - 1 + member_count<SyscallFrame>());  // wait -> wait_*
    EXPECT_EQ(files_struct_fields().size() + 3, member_count<FilesStruct>());   // fd, open_fds, close_on_exec -> fdtable
    EXPECT_EQ(file_fields().size(), member_count<File>());
    EXPECT_EQ(socket_fields().size() + 1, member_count<Socket>());              // wq -> socket_wq
    EXPECT_EQ(waiter_fields().size(), member_count<Waiter>());
    EXPECT_EQ(sock_fields().size() + 1, member_count<Sock>());                  // rskq_accept -> sock_rskq_accept
    EXPECT_EQ(request_sock_fields().size(), member_count<RequestSock>());
    EXPECT_EQ(timewait_sock_fields().size(), member_count<TimewaitSock>());
    EXPECT_EQ(bind_bucket_fields().size() + 2, member_count<BindBucket>());     // owners, tw_owners
    EXPECT_EQ(timer_fields().size(), member_count<Timer>());
    EXPECT_EQ(peer_fields().size() + 2, member_count<Peer>());                  // conns, inbox
    EXPECT_EQ(peer_conn_fields().size(), member_count<PeerConn>());
    EXPECT_EQ(packet_fields().size(), member_count<Packet>());
    EXPECT_EQ(protosw_fields().size(), member_count<InetProtosw>());
    EXPECT_EQ(net_family_fields().size() + 1, member_count<NetProtoFamily>());  // inetsw -> inet_protosw
    Sysctls sys;
    size_t sysctl_values = 0;
    for (const auto& s : sysctl_slots(sys)) sysctl_values += s.v2 ? 2 : 1;
    EXPECT_EQ(sysctl_values, member_count<Sysctls>());
    // World: 10 slabs, net_families, sysctl, mib, 4 hashes (peer_addrs
    // rebuilt from the peers), timer_queue (rebuilt from the timers), wire,
    // runqueue, and the scalars of the world table.
    EXPECT_EQ(world_scalars().size() + 20, member_count<World>());
    EXPECT_EQ(member_count<Command>(), 4u);   // op, task, a, text
    EXPECT_EQ(member_count<EhashEntry>(), 2u);
    EXPECT_EQ(member_count<FourTuple>(), 4u);
}

}  // namespace
}  // namespace sockscope
