// model_walk.h — long random syscall programs through the model, with the
// invariant checker after every step.
//
// The differential suite's generator (tests/diff/randprog.cpp) must stay
// inside what the host kernel answers deterministically, so it never blocks,
// never uses peers, kernel threads or long sleeps. This walker has no such
// limits: it only runs the model, so it goes everywhere a student can —
// blocking accepts and connects in other tasks, fork/thread/spawn/exit and
// signals, SYNs, ACKs, RSTs and FINs from remote peers, SYN floods, the
// in-kernel API and the seed-000 kernel thread, sysctls, timers firing, and
// now and then a statement with a mistake in it. Statements are script text,
// run through the parser and script::Interp exactly as `sockscope run`
// does, so a failure prints a script that reproduces it with
// `sockscope run --check`.
//
// What it checks, and stops at the first violation of:
//   - every invariant (core/invariants.h) after every step;
//   - a statement the interpreter rejects leaves the world unchanged;
//   - going back in the history (History::branch_at) gives the world that
//     History::world_at computes for that step;
//   - at the end of a program, once every task has exited, every kernel
//     socket is released and time has passed, nothing is left behind
//     (leftovers()).
//
// The choices come from a Choices source: a seeded PRNG for the CI run
// (model_walk.cpp) or the fuzzer's bytes (fuzz_model_walk.cpp), so the
// fuzzer steers the same generator.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "history.h"
#include "invariants.h"
#include "script/interp.h"
#include "script/parser.h"

namespace sockscope::walk {

// Where the generator's decisions come from.
class Choices {
public:
    virtual ~Choices() = default;
    // A number in [0, n); 0 when n is 0.
    virtual uint32_t below(uint32_t n) = 0;
    // No more input (the fuzzer's bytes ran out): the program ends.
    virtual bool exhausted() const = 0;
    bool chance(uint32_t percent) { return below(100) < percent; }
};

class SeededChoices : public Choices {
public:
    explicit SeededChoices(uint64_t seed) : rng_(seed) {}
    uint32_t below(uint32_t n) override {
        // Our own mapping, not std::uniform_int_distribution, so a seed
        // gives the same programs with every standard library.
        return n ? static_cast<uint32_t>(rng_() % n) : 0;
    }
    bool exhausted() const override { return false; }

private:
    std::mt19937_64 rng_;
};

class ByteChoices : public Choices {
public:
    ByteChoices(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
    uint32_t below(uint32_t n) override {
        if (n <= 1) return 0;
        uint32_t v = 0;
        for (uint32_t span = 1; span < n && span != 0; span <<= 8) {
            if (p_ == end_) {
                done_ = true;
                break;
            }
            v = (v << 8) | *p_++;
        }
        return v % n;
    }
    bool exhausted() const override { return done_ || p_ == end_; }

private:
    const uint8_t* p_;
    const uint8_t* end_;
    bool done_ = false;
};

// What went wrong, with the program that made it go wrong.
struct Failure {
    std::string what;                // the broken rule
    std::vector<std::string> script; // the statements run so far, as a script
};

struct Stats {
    uint64_t programs = 0, statements = 0, steps = 0, rejected = 0, slept = 0, branches = 0;
};

class Walker {
public:
    explicit Walker(Choices& c) : c_(c) {}

    // Runs one program of at most `length` statements from a fresh boot
    // world. Returns the first violation, if any; stats accumulate.
    std::optional<Failure> program(size_t length);
    const Stats& stats() const { return stats_; }

private:
    std::string statement();
    std::string fd_arg();
    std::string addr_arg(bool bind_side);
    std::string task_prefix();
    std::string sysctl_line();
    bool run(const std::string& text, bool expect_reject = false);
    void branch_back();
    void teardown();
    std::string pick_var(char prefix);
    std::string fresh_name(char prefix, uint32_t max);
    std::string unique_name(char prefix);

    Choices& c_;
    Stats stats_;
    std::unique_ptr<History> h_;
    std::unique_ptr<script::Interp> in_;
    std::vector<std::string> script_;
    // Per line of script_: the step count and the names before it ran, so
    // that going back to a line forgets what came after, as the REPL does.
    struct Mark {
        uint64_t steps = 0;
        std::map<std::string, int64_t> vars;
        std::map<std::string, TaskId> tasks;
    };
    std::vector<Mark> marks_;
    std::optional<std::string> broken_;
    bool mistake_ = false;           // statement() wrote a line that must be refused
    uint32_t names_made_ = 0;        // tasks, peers and kernel sockets get names never reused
    int lineno_ = 0;
};

// ---------------------------------------------------------------- inline

inline std::string Walker::pick_var(char prefix) {
    std::vector<const std::string*> names;
    for (const auto& [name, v] : in_->vars)
        if (!name.empty() && name[0] == prefix) names.push_back(&name);
    if (names.empty()) return "";
    return *names[c_.below(static_cast<uint32_t>(names.size()))];
}

inline std::string Walker::fresh_name(char prefix, uint32_t max) {
    return std::string(1, prefix) + std::to_string(c_.below(max));
}

// Tasks and kernel sockets keep their names: a handle rebound to a new
// kernel socket would leave the old one unreleasable, which is the user's
// leak, not the model's.
inline std::string Walker::unique_name(char prefix) {
    return std::string(1, prefix) + std::to_string(names_made_++);
}

inline std::string Walker::fd_arg() {
    uint32_t r = c_.below(100);
    if (r < 80) {
        std::string v = pick_var('f');
        if (!v.empty()) return v;
    }
    if (r < 95) return std::to_string(3 + c_.below(8));
    static const char* odd[] = {"0", "1", "-1", "99", "1023", "1024", "2147483647"};
    return odd[c_.below(7)];
}

inline std::string Walker::addr_arg(bool bind_side) {
    static const char* hosts[] = {"127.0.0.1", "127.0.0.1", "127.0.0.1", "0.0.0.0", "127.0.0.2", "192.0.2.1"};
    std::string host = hosts[c_.below(bind_side ? 6 : 5)];
    if (!bind_side && host == "0.0.0.0" && c_.chance(50)) host = "127.0.0.1";
    uint32_t r = c_.below(10);
    std::string port = r < 8 ? std::to_string(7000 + c_.below(4)) : r == 8 ? "0" : std::to_string(80 + c_.below(2));
    return host + ":" + port;
}

// Mostly the main process; a sleeping task is passed over most of the time
// (its calls are refused until something wakes it).
inline std::string Walker::task_prefix() {
    const World& w = h_->live().k.w;
    auto awake = [&](const std::string& name) {
        auto it = in_->tasks.find(name);
        return it != in_->tasks.end() && w.tasks.contains(it->second) &&
               w.tasks[it->second].state == TASK_RUNNING && !w.tasks[it->second].kthread;
    };
    if (c_.chance(2)) return fresh_name('N', 3) + ": ";  // a new process on first use
    if (c_.chance(60) && (awake("") || c_.chance(10))) return "";
    std::vector<const std::string*> names;
    for (const auto& [name, t] : in_->tasks)
        if (!name.empty() && (awake(name) || c_.chance(5))) names.push_back(&name);
    if (names.empty()) return awake("") ? "" : fresh_name('N', 3) + ": ";
    return *names[c_.below(static_cast<uint32_t>(names.size()))] + ": ";
}

inline std::string Walker::sysctl_line() {
    switch (c_.below(6)) {
    case 0: return "!sysctl net.core.somaxconn=" + std::to_string(c_.below(6));
    case 1: return "!sysctl net.ipv4.tcp_max_syn_backlog=" + std::to_string(1 + c_.below(8));
    case 2: return "!sysctl net.ipv4.tcp_syncookies=" + std::to_string(c_.below(3));
    case 3: return "!sysctl net.ipv4.tcp_abort_on_overflow=" + std::to_string(c_.below(2));
    case 4: return "!sysctl net.ipv4.ip_local_port_range=" + std::to_string(40000 + c_.below(4)) + " 40004";
    default: {
        static const char* small[] = {"tcp_synack_retries", "tcp_syn_retries", "tcp_fin_timeout"};
        return std::string("!sysctl net.ipv4.") + small[c_.below(3)] + "=" + std::to_string(1 + c_.below(6));
    }
    }
}

// One statement, weighted towards getting connections made and torn down.
inline std::string Walker::statement() {
    uint32_t r = c_.below(1000);
    std::string t = task_prefix();
    if (r < 110) {
        static const char* kinds[] = {
            "AF_INET, SOCK_STREAM, 0", "AF_INET, SOCK_STREAM, 0", "AF_INET, SOCK_STREAM, 0",
            "AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0", "AF_INET, SOCK_STREAM, IPPROTO_TCP",
            "AF_INET, SOCK_DGRAM, 0", "AF_INET, SOCK_RAW, IPPROTO_ICMP", "AF_INET, SOCK_DGRAM, IPPROTO_ICMP",
            "AF_INET, SOCK_STREAM, IPPROTO_UDP", "AF_INET6, SOCK_STREAM, 0", "30, SOCK_STREAM, 0",
            "AF_INET, SOCK_SEQPACKET, 0"};
        return t + fresh_name('f', 12) + " = socket(" + kinds[c_.below(12)] + ")";
    }
    if (r < 220) return t + "bind(" + fd_arg() + ", " + addr_arg(true) + (c_.chance(3) ? ", 8)" : ")");
    if (r < 300) return t + "listen(" + fd_arg() + ", " + std::to_string(static_cast<int>(c_.below(6)) - 1) + ")";
    if (r < 410) {
        if (c_.chance(4)) return t + "connect(" + fd_arg() + ", 0.0.0.0:0, 16, AF_UNSPEC)";
        return t + "connect(" + fd_arg() + ", " + addr_arg(false) + ")";
    }
    if (r < 490) {
        if (c_.chance(30)) return t + fresh_name('f', 12) + " = accept4(" + fd_arg() + ", SOCK_NONBLOCK)";
        return t + fresh_name('f', 12) + " = accept(" + fd_arg() + ")";
    }
    if (r < 570) return t + "close(" + fd_arg() + ")";
    if (r < 600) return t + fresh_name('f', 12) + " = dup(" + fd_arg() + ")";
    if (r < 615) return t + "dup2(" + fd_arg() + ", " + std::to_string(3 + c_.below(8)) + ")";
    if (r < 645) {
        static const char* how[] = {"SHUT_RD", "SHUT_WR", "SHUT_RDWR", "3"};
        return t + "shutdown(" + fd_arg() + ", " + how[c_.below(4)] + ")";
    }
    if (r < 685) {
        switch (c_.below(5)) {
        case 0: return t + "setsockopt(" + fd_arg() + ", SOL_SOCKET, SO_REUSEADDR, " + std::to_string(c_.below(2)) + ")";
        case 1: return t + "setsockopt(" + fd_arg() + ", SOL_SOCKET, SO_REUSEPORT, " + std::to_string(c_.below(2)) + ")";
        case 2:
            return t + "setsockopt(" + fd_arg() + ", SOL_SOCKET, SO_LINGER, " + std::to_string(c_.below(2)) + ", " +
                   std::to_string(c_.below(3)) + ")";
        case 3: return t + "setsockopt(" + fd_arg() + ", SOL_SOCKET, SO_RCVTIMEO, " + std::to_string(c_.below(3000)) + ")";
        default: return t + "fcntl(" + fd_arg() + ", F_SETFL, " + (c_.chance(50) ? "O_NONBLOCK" : "0") + ")";
        }
    }
    if (r < 715) {
        static const char* opts[] = {"SO_ERROR", "SO_TYPE", "SO_ACCEPTCONN", "SO_REUSEADDR", "SO_LINGER", "SO_DOMAIN"};
        if (c_.chance(20)) return t + "fcntl(" + fd_arg() + ", F_GETFL)";
        return t + "getsockopt(" + fd_arg() + ", SOL_SOCKET, " + opts[c_.below(6)] + ")";
    }
    if (r < 750) {
        static const char* q[] = {"tcp_state", "acceptq", "backlog", "synq", "local_port"};
        return t + q[c_.below(5)] + "(" + fd_arg() + ")";
    }
    if (r < 800) {
        uint32_t ms = c_.chance(70) ? c_.below(1500) : c_.below(80000);
        return c_.chance(50) ? "!advance " + std::to_string(ms) : t + "sleep(" + std::to_string(ms) + ")";
    }
    if (r < 835) {
        switch (c_.below(4)) {
        case 0: return unique_name('T') + " = fork()";
        case 1: return unique_name('T') + " = thread()";
        case 2: return unique_name('T') + (c_.chance(50) ? " = spawn()" : " = spawn(1000)");
        default: {
            std::string v = pick_var('T');
            if (v.empty()) return "T0 = fork()";
            return c_.chance(50) ? v + ": exit()" : "signal(" + v + ")";
        }
        }
    }
    if (r < 905) {
        std::string p = pick_var('P');
        if (p.empty() || c_.chance(10)) return unique_name('P') + " = peer(10.0.0." + std::to_string(1 + c_.below(3)) + ":0)";
        static const char* seg[] = {"peer_syn", "peer_syn", "peer_ack", "peer_ack", "peer_rst", "peer_fin"};
        std::string dst = "127.0.0.1:" + std::to_string(7000 + c_.below(4));
        return std::string(seg[c_.below(6)]) + "(" + p + ", " + dst +
               (c_.chance(20) ? ", " + std::to_string(c_.below(4)) : "") + ")";
    }
    if (r < 920) return "synflood(127.0.0.1:" + std::to_string(7000 + c_.below(4)) + ", " + std::to_string(c_.below(40)) + ")";
    if (r < 955) {
        // Kernel sockets by the handles their calls returned. (A made-up
        // handle could name the kernel thread's own socket, whose release
        // breaks the model: see tests/fuzz_regressions/script_parser/.)
        std::string k = pick_var('k');
        if (k.empty()) return unique_name('k') + " = sock_create_kern(AF_INET, SOCK_STREAM, 0)";
        switch (c_.below(6)) {
        case 0: return unique_name('k') + " = sock_create_kern(AF_INET, SOCK_STREAM, 0)";
        case 1: return "kernel_bind(" + k + ", " + addr_arg(true) + ")";
        case 2: return "kernel_listen(" + k + ", " + std::to_string(c_.below(4)) + ")";
        case 3: return unique_name('k') + " = kernel_accept(" + k + ", O_NONBLOCK)";
        case 4: return "sock_release(" + k + ")";
        default: {
            std::string kt = pick_var('K');
            if (kt.empty() || c_.chance(40))
                return unique_name('K') + " = kthread_run(127.0.0.1:" + std::to_string(7000 + c_.below(4)) + ", " +
                       std::to_string(1 + c_.below(4)) + ")";
            return "kthread_stop(" + kt + ")";
        }
        }
    }
    if (r < 970) return sysctl_line();
    if (r < 975) return c_.chance(50) ? "sock_register(30, \"MY_PF_INET\")"
                                      : "inet_register_protosw(30, SOCK_STREAM, IPPROTO_TCP, tcp)";
    // Mistakes a student makes: each must be refused and change nothing.
    static const char* wrong[] = {
        "bind(nosuchname, 127.0.0.1:7000)", "listen(3)", "listen(3, 5, 7)", "frobnicate(3)",
        "bind(3, 3)", "connect(3, 127.0.0.1)", "listen(3, 99999999999)", "socket(AF_INET, SOCK_STREAM)",
        "close(127.0.0.1:7000)", "nstat(NoSuchCounter)", "inet_register_protosw(30, 1, 6, sctp)",
        "peer_syn(7000, 127.0.0.1:7000, 1, 2)"};
    mistake_ = true;
    return t + wrong[c_.below(12)];
}

// Runs one line; false when the interpreter rejected it. A rejected line
// must leave the world as it was.
inline bool Walker::run(const std::string& text, bool expect_reject) {
    script_.push_back(text);
    marks_.push_back(Mark{h_->step_count(), in_->vars, in_->tasks});
    ++lineno_;
    auto parsed = script::parse_line(text, lineno_);
    if (auto* e = std::get_if<script::ParseError>(&parsed)) {
        // Only the deliberate mistakes may fail to parse; any other line
        // that does not is a generator bug.
        if (!expect_reject) broken_ = "the generated line does not parse: " + e->message;
        script_.back() = "# refused: " + text;
        ++stats_.rejected;
        return false;
    }
    const script::Line& line = std::get<script::Line>(parsed);
    std::optional<World> before;
    if (expect_reject || c_.chance(1)) before = h_->live().k.w;
    uint64_t steps_before = h_->step_count();
    bool ok = in_->run_line(line, "walk.sock");
    ++stats_.statements;
    if (in_->last_slept) ++stats_.slept;
    if (!ok) {
        // Refused lines stay in the printed program as comments, so that
        // `sockscope run`, which stops at a script error, replays the rest.
        script_.back() = "# refused: " + text;
        ++stats_.rejected;
        if (!before) return false;
        if (h_->step_count() != steps_before)
            broken_ = "a rejected line took a step";
        else if (!(h_->live().k.w == *before)) broken_ = "a rejected line changed the world";
    }
    return ok;
}

// Goes back to the start of one of the last lines, as the REPL's back does,
// and checks the head against the world the history computes for that
// step. The lines after it are dropped from the program, so the printed
// program still replays to the same state.
inline void Walker::branch_back() {
    uint64_t n = h_->step_count();
    size_t lines = script_.size();
    if (lines == 0) return;
    size_t j = lines - 1 - c_.below(static_cast<uint32_t>(std::min<size_t>(lines, 50)));
    if (marks_[j].steps >= n) return;
    uint64_t to = marks_[j].steps;
    World expected = h_->world_at(to);
    if (!h_->branch_at(to)) {
        broken_ = "branch_at(" + std::to_string(to) + ") refused";
        return;
    }
    ++stats_.branches;
    in_->vars = marks_[j].vars;
    in_->tasks = marks_[j].tasks;
    script_.resize(j);
    marks_.resize(j);
    if (!(h_->live().k.w == expected)) broken_ = "the world after going back differs from world_at";
}

// Ends everything a program started: sleeping tasks are interrupted, every
// task exits, kernel threads stop, kernel sockets are released, and time
// passes until every timer has run. Then nothing may be left behind.
inline void Walker::teardown() {
    script_.push_back("# teardown");
    marks_.push_back(Mark{h_->step_count(), in_->vars, in_->tasks});
    // Everything from a process of its own: the main one may be asleep.
    // Sleepers are interrupted first, so that every task can then exit.
    const World& w = h_->live().k.w;
    std::vector<int64_t> pids;
    w.tasks.each([&](TaskId, const Task& t) {
        if (t.state == TASK_INTERRUPTIBLE && !t.kthread) pids.push_back(t.pid);
    });
    for (int64_t pid : pids) run("Z: signal(" + std::to_string(pid) + ")");
    for (const auto& [name, v] : std::map<std::string, int64_t>(in_->vars))
        if (!name.empty() && name[0] == 'K') run("Z: kthread_stop(" + name + ")");
    for (const auto& [name, v] : std::map<std::string, int64_t>(in_->vars))
        if (!name.empty() && name[0] == 'k') run("Z: sock_release(" + name + ")");
    for (const auto& [name, id] : std::map<std::string, TaskId>(in_->tasks))
        if (!name.empty() && name != "Z" && name[0] != 'K') run(name + ": exit()");
    // Any task the names lost track of exits too, under a name given here.
    std::vector<std::pair<int, TaskId>> rest;
    h_->live().k.w.tasks.each([&](TaskId id, const Task& t) {
        if (t.state != TASK_DEAD && !t.kthread) rest.push_back({t.pid, id});
    });
    for (const auto& [pid, id] : rest) {
        if (id == in_->main_task() || (in_->tasks.count("Z") && id == in_->tasks.at("Z"))) continue;
        std::string name = "X" + std::to_string(pid);
        in_->tasks[name] = id;
        run(name + ": exit()");
    }
    run("exit()");
    // Peers are left as they are: a closed socket whose peer never answers
    // resends its FIN and gives up after about 102 s (tcp_orphan_retries),
    // so 40 minutes of virtual time leave nothing behind.
    run("Z: exit()");
    for (int i = 0; i < 4; ++i) run("!advance 600000");
    if (broken_) return;
    if (auto left = leftovers(h_->live().k.w); !left.empty())
        broken_ = "left behind after every task exited: " + left.front();
}

inline std::optional<Failure> Walker::program(size_t length) {
    h_ = std::make_unique<History>(make_boot_world());
    in_ = std::make_unique<script::Interp>(*h_);
    in_->echo = false;
    script_.clear();
    marks_.clear();
    names_made_ = 0;
    broken_.reset();
    lineno_ = 0;
    uint64_t steps_at_start = h_->step_count();
    h_->live().after_step = [this](const Machine& m) {
        if (broken_) return;
        auto v = check_invariants(m.k.w);
        if (!v.empty()) broken_ = "invariant broken after step " + std::to_string(h_->step_count()) + ": " + v.front();
    };
    for (size_t i = 0; i < length && !broken_ && !c_.exhausted(); ++i) {
        if (c_.chance(1) && c_.chance(30)) {
            branch_back();
            continue;
        }
        mistake_ = false;
        std::string s = statement();
        bool ok = run(s, mistake_);
        if (mistake_ && ok) broken_ = "a line with a mistake was accepted: " + s;
    }
    if (!broken_) teardown();
    ++stats_.programs;
    stats_.steps += h_->step_count() - steps_at_start;
    if (broken_) return Failure{*broken_, script_};
    return std::nullopt;
}

}  // namespace sockscope::walk
