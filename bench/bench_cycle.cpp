// bench_cycle.cpp — one TCP connection's whole life, real kernel vs model.
//
// The cycle: listener socket, bind 127.0.0.1:0, getsockname, listen(16),
// client socket, SO_LINGER {1, 0} on the client, blocking connect, accept,
// then close the accepted fd, the client and the listener.
//
//   BM_KernelCycle  the cycle on real sockets over loopback (in a fresh
//                   network namespace when we may unshare one, otherwise on
//                   the host's lo)
//   BM_ModelCycle   the same cycle as Commands through a History that keeps
//                   every step (commands with their step counts, and
//                   checkpoints), as a headless run does; the trace is
//                   written when first read (History::trace)
//   BM_ModelCycleTraced
//                   the same with the trace recorded as the steps run, as
//                   in the window
//   BM_TraceOnDemand
//                   the first trace() over 1,000 untraced cycles: what
//                   reading the trace later costs
//   BM_ModelCycleNoHistory
//                   the same through a bare Machine, nothing recorded: the
//                   model's own cost, for reference
//   BM_HistoryJump  world_at(n) for random n in a history of >= 1,000,000
//                   steps: the cost of jumping anywhere in time
//
// After the runs, main prints the figures the issue asks for:
//   model cycle: X us, kernel cycle: Y us, model is Z times faster
//   history: B bytes per step over N steps (C checkpoints)
//   jump to any of N steps: median X us
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

// The model's headers come before the C library's socket headers: both
// spell AF_INET, SOCK_STREAM, SO_LINGER... (libc as macros, the model as
// constants of namespace sockscope), so the model's part of this file is
// compiled before the libc names exist.
#include "history.h"
#include "inspect.h"
#include "machine.h"

namespace model_bench {

using namespace sockscope;

// ------------------------------------------------------------ the model

// One script-like process running the cycle through a History (record =
// true, as the program runs), or through a bare Machine with no trace and
// no history (record = false: the model's own cost, for reference).
class ModelRig {
public:
    // traced: the trace is read once at the start, so every step is
    // recorded as it runs (what the window does); otherwise the history
    // keeps commands and checkpoints and writes the trace when read.
    explicit ModelRig(bool record = true, bool traced = false) : record_(record), traced_(traced) {
        build_commands();
        if (traced_) h_.trace();
        spawn();
    }

    History& history() { return h_; }
    World& world() { return record_ ? h_.live().k.w : bare_.k.w; }
    uint64_t cycles() const { return cycles_; }
    uint64_t resets() const { return resets_; }

    // Starts over from the boot world (keeps memory bounded in long runs).
    void reset() {
        if (record_) h_.reset(make_boot_world());
        else bare_ = Machine();
        if (traced_) h_.trace();
        ++resets_;
        spawn();
    }

    // One cycle; returns nullptr or what failed.
    const char* cycle() {
        uint64_t first = steps();
        const char* err = cycle_inner();
        last_steps_ = steps() - first;
        return err;
    }
    uint64_t last_cycle_steps() const { return last_steps_; }

private:
    const char* cycle_inner() {
        int64_t r;
        if ((r = run(cmd_[kSocketL])) < 0) return "model socket (listener) failed";
        int64_t ls = r;
        set_fd(ls, {kBind, kListen, kAccept, kCloseL});
        if (run(cmd_[kBind]) != 0) return "model bind failed";
        int64_t port = query_local_port(world(), task_, static_cast<int>(ls));  // getsockname
        if (port <= 0) return "model getsockname failed";
        cmd_[kConnect].a[2] = port;
        if (run(cmd_[kListen]) != 0) return "model listen failed";
        if ((r = run(cmd_[kSocketC])) < 0) return "model socket (client) failed";
        set_fd(r, {kLinger, kConnect, kCloseC});
        if (run(cmd_[kLinger]) != 0) return "model setsockopt SO_LINGER failed";
        if (run(cmd_[kConnect]) != 0) return "model connect failed";
        if ((r = run(cmd_[kAccept])) < 0) return "model accept failed";
        cmd_[kCloseS].a[0] = r;
        if (run(cmd_[kCloseS]) != 0) return "model close (accepted) failed";
        if (run(cmd_[kCloseC]) != 0) return "model close (client) failed";
        if (run(cmd_[kCloseL]) != 0) return "model close (listener) failed";
        ++cycles_;
        return nullptr;
    }

    enum { kSocketL, kBind, kListen, kSocketC, kLinger, kConnect, kAccept, kCloseS, kCloseC, kCloseL, kN };

    // Commands as the interpreter builds them: resolved numbers plus the
    // statement's text (which the history stores with each entry).
    void build_commands() {
        auto mk = [&](int i, Op op, std::initializer_list<int64_t> args, const char* text) {
            Command& c = cmd_[i];
            c.op = op;
            size_t j = 0;
            for (int64_t v : args) c.a[j++] = v;
            c.text = text;
        };
        const int64_t lo = INADDR_LOOPBACK;
        mk(kSocketL, Op::Socket, {AF_INET, SOCK_STREAM, 0}, "ls = socket(AF_INET, SOCK_STREAM, 0)");
        mk(kBind, Op::Bind, {-1, lo, 0, 16, AF_INET}, "bind(ls, 127.0.0.1:0)");
        mk(kListen, Op::Listen, {-1, 16}, "listen(ls, 16)");
        mk(kSocketC, Op::Socket, {AF_INET, SOCK_STREAM, 0}, "c = socket(AF_INET, SOCK_STREAM, 0)");
        mk(kLinger, Op::Setsockopt, {-1, SOL_SOCKET, SO_LINGER, 1, 0, 8}, "setsockopt(c, SOL_SOCKET, SO_LINGER, 1, 0)");
        mk(kConnect, Op::Connect, {-1, lo, 0, 16, AF_INET}, "connect(c, 127.0.0.1:port)");
        mk(kAccept, Op::Accept, {-1}, "s = accept(ls)");
        mk(kCloseS, Op::Close, {-1}, "close(s)");
        mk(kCloseC, Op::Close, {-1}, "close(c)");
        mk(kCloseL, Op::Close, {-1}, "close(ls)");
    }

    void set_fd(int64_t fd, std::initializer_list<int> which) {
        for (int i : which) cmd_[i].a[0] = fd;
    }

    void spawn() {
        Command c;
        c.op = Op::Spawn;
        c.a = {0, 0, 1, 0, 0, 0};  // uid 0, gid 0, root
        c.text = "spawn(0)";
        done_.clear();
        Outcome o = exec(c);
        task_ = TaskId{};
        world().tasks.each([&](TaskId id, const Task& t) {
            if (t.pid == o.ret) task_ = id;
        });
        for (Command& cmd : cmd_) cmd.task = task_.v;
    }

    // Runs a command; a call that slept and finished within the command (a
    // blocking connect on loopback) returns its completion, as the
    // interpreter does.
    int64_t run(const Command& c) {
        done_.clear();
        Outcome o = exec(c);
        if (!o.sleeping) return o.ret;
        for (const auto& d : done_)
            if (d.task == task_) return d.ret;
        return -EWOULDBLOCK;  // still asleep: not what the cycle expects
    }

    Outcome exec(const Command& c) {
        if (record_) return h_.run(c, &done_);
        bare_.k.completions.clear();
        Outcome o = bare_.exec(c, command_index_);
        bare_.settle(command_index_++);
        done_ = bare_.k.completions;
        return o;
    }
    uint64_t steps() const { return record_ ? h_.step_count() : bare_.steps_run; }

    bool record_;
    bool traced_;
    History h_;                      // record_: every step kept
    Machine bare_;                   // !record_: no trace attached
    uint32_t command_index_ = 0;
    TaskId task_;
    Command cmd_[kN];
    std::vector<Kernel::Completion> done_;
    uint64_t cycles_ = 0;
    uint64_t resets_ = 0;
    uint64_t last_steps_ = 0;
};

constexpr uint64_t kResetEvery = 200000;  // cycles between History::reset
ModelRig* g_model = nullptr;              // kept across the benchmark's runs
ModelRig* g_traced = nullptr;
ModelRig* g_bare = nullptr;

void model_cycle(benchmark::State& state, ModelRig& m) {
    for (auto _ : state) {
        if (const char* err = m.cycle()) {
            state.SkipWithError(err);
            break;
        }
        if (m.cycles() % kResetEvery == 0) m.reset();
    }
    const World& w = m.world();
    // Everything closed: nothing may be left behind (no TIME_WAIT, no
    // orphans, nothing in flight), or later cycles would measure a fuller world.
    if (w.sockets.size() != 0 || w.socks.size() != 0 || w.tws.size() != 0 || w.reqs.size() != 0 ||
        !w.wire.empty() || !w.runqueue.empty())
        state.SkipWithError("model left objects behind after the cycle");
    state.counters["steps/cycle"] = static_cast<double>(m.last_cycle_steps());
}

void BM_ModelCycle(benchmark::State& state) {
    if (!g_model) g_model = new ModelRig(true);
    model_cycle(state, *g_model);
}

// The same with the trace written as the steps run, as in the window
// (which reads the trace from its first frame).
void BM_ModelCycleTraced(benchmark::State& state) {
    if (!g_traced) g_traced = new ModelRig(true, true);
    model_cycle(state, *g_traced);
}

// Writing the trace on demand: one iteration is the first trace() call on
// a history of 1,000 untraced cycles (a replay of all of them with the
// trace attached). Reported per cycle.
constexpr int kOnDemandCycles = 1000;
void BM_TraceOnDemand(benchmark::State& state) {
    for (auto _ : state) {
        state.PauseTiming();
        auto* rig = new ModelRig(true);
        for (int i = 0; i < kOnDemandCycles; ++i)
            if (const char* err = rig->cycle()) {
                state.SkipWithError(err);
                break;
            }
        state.ResumeTiming();
        benchmark::DoNotOptimize(rig->history().trace().events.size());
        state.PauseTiming();
        delete rig;
        state.ResumeTiming();
    }
    state.SetItemsProcessed(state.iterations() * kOnDemandCycles);
}

// Reference: the model with nothing recorded. BM_ModelCycle minus this is
// what keeping the history costs.
void BM_ModelCycleNoHistory(benchmark::State& state) {
    if (!g_bare) g_bare = new ModelRig(false);
    model_cycle(state, *g_bare);
}

// ------------------------------------------------------------ jumping

constexpr uint64_t kJumpSteps = 1000000;
ModelRig* g_jump = nullptr;
std::vector<double> g_jump_us;  // every measured jump of the last run

ModelRig& jump_fixture() {
    if (!g_jump) {
        auto t0 = std::chrono::steady_clock::now();
        g_jump = new ModelRig();
        while (g_jump->history().step_count() < kJumpSteps)
            if (const char* err = g_jump->cycle()) {
                std::fprintf(stderr, "jump fixture: %s\n", err);
                break;
            }
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::fprintf(stderr, "(jump fixture: %llu steps in %.1f s)\n",
                     static_cast<unsigned long long>(g_jump->history().step_count()), s);
    }
    return *g_jump;
}

void BM_HistoryJump(benchmark::State& state) {
    History& h = jump_fixture().history();
    if (h.step_count() < kJumpSteps) {
        state.SkipWithError("could not build the history");
        return;
    }
    std::mt19937_64 rng(20240601);
    std::uniform_int_distribution<uint64_t> pick(0, h.step_count());
    g_jump_us.clear();
    for (auto _ : state) {
        uint64_t n = pick(rng);
        auto t0 = std::chrono::steady_clock::now();
        World w = h.world_at(n);
        benchmark::DoNotOptimize(w);
        auto t1 = std::chrono::steady_clock::now();
        g_jump_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
    state.counters["steps"] = static_cast<double>(h.step_count());
    state.counters["checkpoints"] = static_cast<double>(h.checkpoint_count());
}

}  // namespace model_bench

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace kernel_bench {

// ------------------------------------------------------------ the real kernel

std::string g_kernel_where = "host loopback";

// A private network namespace keeps the benchmark's connections out of the
// host's tables (and the host's out of ours). Its lo starts down; if it
// cannot be brought up we go back to the host's namespace.
void enter_private_netns() {
    int host = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (unshare(CLONE_NEWNET) != 0) {
        if (host >= 0) ::close(host);
        return;
    }
    bool up = false;
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (fd >= 0) {
        ifreq ifr{};
        std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
        up = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
        if (up) {
            ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
            up = ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
        }
        ::close(fd);
    }
    if (up) g_kernel_where = "fresh network namespace";
    else if (host >= 0 && setns(host, CLONE_NEWNET) == 0) g_kernel_where = "host loopback (lo of a new namespace would not come up)";
    else g_kernel_where = "a new network namespace whose lo is down (the kernel cycle will fail)";
    if (host >= 0) ::close(host);
}

void BM_KernelCycle(benchmark::State& state) {
    for (auto _ : state) {
        int ls = ::socket(AF_INET, SOCK_STREAM, 0);
        if (ls < 0) { state.SkipWithError("socket (listener) failed"); break; }
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = 0;
        socklen_t alen = sizeof a;
        if (::bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::getsockname(ls, reinterpret_cast<sockaddr*>(&a), &alen) != 0 ||
            ::listen(ls, 16) != 0) {
            ::close(ls);
            state.SkipWithError("bind/getsockname/listen failed");
            break;
        }
        int c = ::socket(AF_INET, SOCK_STREAM, 0);
        if (c < 0) { ::close(ls); state.SkipWithError("socket (client) failed"); break; }
        // SO_LINGER {1, 0}: the client's close aborts with a RST instead of
        // a FIN, so neither end is left in TIME_WAIT. Without it, a few
        // hundred thousand cycles exhaust the ephemeral ports (EADDRNOTAVAIL
        // from connect) and fill the timewait hash.
        linger lg{1, 0};
        if (::setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) != 0 ||
            ::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            ::close(c);
            ::close(ls);
            state.SkipWithError("setsockopt/connect failed");
            break;
        }
        int s = ::accept(ls, nullptr, nullptr);
        if (s < 0) { ::close(c); ::close(ls); state.SkipWithError("accept failed"); break; }
        if (::close(s) != 0 || ::close(c) != 0 || ::close(ls) != 0) {
            state.SkipWithError("close failed");
            break;
        }
    }
}

}  // namespace kernel_bench

// ------------------------------------------------------------ reporting

namespace {

using model_bench::ModelRig;

// Console output as usual, plus each benchmark's CPU and real time per
// iteration (seconds) of its final (largest) run, one for each repetition
// (--benchmark_repetitions; only final runs are reported). The summary
// compares CPU times: on loopback the kernel does the whole cycle in the
// calling thread (softirqs run on local_bh_enable), so CPU time is the
// work done and does not count the time other processes held the CPU;
// real time is printed too.
class Collect : public benchmark::ConsoleReporter {
public:
    std::map<std::string, std::vector<double>> cpu, real;
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& r : runs) {
            if (r.error_occurred || r.run_type != Run::RT_Iteration || r.iterations == 0) continue;
            double n = static_cast<double>(r.iterations);
            cpu[r.run_name.function_name].push_back(r.cpu_accumulated_time / n);
            real[r.run_name.function_name].push_back(r.real_accumulated_time / n);
        }
        ConsoleReporter::ReportRuns(runs);
    }
};

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void print_history(const char* label, ModelRig& m) {
    sockscope::History& h = m.history();
    uint64_t n = h.step_count();
    std::printf("%shistory: %.0f bytes per step over %llu steps (%zu checkpoints)", label,
                n ? static_cast<double>(h.bytes()) / static_cast<double>(n) : 0.0,
                static_cast<unsigned long long>(n), h.checkpoint_count());
    // History::reset empties the vectors but keeps their capacity, which
    // bytes() counts: after a reset the figure is an overstatement.
    if (m.resets())
        std::printf(" [since the last of %llu resets; capacity kept from before]",
                    static_cast<unsigned long long>(m.resets()));
    std::printf("\n");
}

}  // namespace

BENCHMARK(kernel_bench::BM_KernelCycle)->Name("BM_KernelCycle");
BENCHMARK(model_bench::BM_ModelCycle)->Name("BM_ModelCycle");
BENCHMARK(model_bench::BM_ModelCycleTraced)->Name("BM_ModelCycleTraced");
BENCHMARK(model_bench::BM_ModelCycleNoHistory)->Name("BM_ModelCycleNoHistory");
BENCHMARK(model_bench::BM_TraceOnDemand)->Name("BM_TraceOnDemand")->Unit(benchmark::kMillisecond);
BENCHMARK(model_bench::BM_HistoryJump)->Name("BM_HistoryJump");

int main(int argc, char** argv) {
    kernel_bench::enter_private_netns();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    std::printf("kernel cycle runs on: %s\n", kernel_bench::g_kernel_where.c_str());
    std::fflush(stdout);
    Collect rep;
    benchmark::RunSpecifiedBenchmarks(&rep);
    benchmark::Shutdown();

    // Each figure is the median over the repetitions (one unless
    // --benchmark_repetitions says more). With several, run them with
    // --benchmark_enable_random_interleaving=true: the machine's speed
    // drifts over a minute, and interleaving spreads the drift over the
    // model's and the kernel's runs alike, so the ratio compares like with
    // like. The spread of the ratio is printed as the extremes: the
    // slowest model run against the fastest kernel run, and the reverse.
    auto fig = [&](const char* name) { return median(rep.cpu[name]); };
    auto has = [&](const char* name) { return !rep.cpu[name].empty(); };
    auto lo = [&](const char* name) { return *std::min_element(rep.cpu[name].begin(), rep.cpu[name].end()); };
    auto hi = [&](const char* name) { return *std::max_element(rep.cpu[name].begin(), rep.cpu[name].end()); };
    const char* K = "BM_KernelCycle";
    const char* M = "BM_ModelCycle";
    const char* B = "BM_ModelCycleNoHistory";
    std::printf("\n");
    if (has(K) && has(M)) {
        std::printf("model cycle: %.2f us, kernel cycle: %.2f us, model is %.1f times faster\n",
                    fig(M) * 1e6, fig(K) * 1e6, fig(K) / fig(M));
        std::printf("  (CPU time; real time: model %.2f us, kernel %.2f us)\n", median(rep.real[M]) * 1e6,
                    median(rep.real[K]) * 1e6);
        size_t reps = std::min(rep.cpu[K].size(), rep.cpu[M].size());
        if (reps > 1)
            std::printf("  (medians of %zu repetitions; the ratio lies between %.1f and %.1f)\n", reps,
                        lo(K) / hi(M), hi(K) / lo(M));
    } else if (has(M)) {
        std::printf("model cycle: %.2f us\n", fig(M) * 1e6);
    } else if (has(K)) {
        std::printf("kernel cycle: %.2f us\n", fig(K) * 1e6);
    }
    if (has(B)) {
        std::printf("model cycle without history: %.2f us", fig(B) * 1e6);
        if (has(K)) std::printf(", %.1f times faster than the kernel", fig(K) / fig(B));
        if (has(M)) std::printf("; recording the history costs %.2f us per cycle", (fig(M) - fig(B)) * 1e6);
        std::printf("\n");
    }
    if (has("BM_ModelCycleTraced")) {
        double t = fig("BM_ModelCycleTraced");
        std::printf("model cycle with the trace recorded as it runs (as in the window): %.2f us", t * 1e6);
        if (has(K)) std::printf(", %.1f times faster than the kernel", fig(K) / t);
        std::printf("\n");
    }
    if (has("BM_TraceOnDemand"))
        std::printf("writing the trace on demand: %.2f us per cycle (first trace() over %d untraced cycles)\n",
                    fig("BM_TraceOnDemand") * 1e6 / model_bench::kOnDemandCycles, model_bench::kOnDemandCycles);
    if (model_bench::g_model) print_history("", *model_bench::g_model);
    if (model_bench::g_traced) print_history("traced ", *model_bench::g_traced);
    using model_bench::g_jump;
    using model_bench::g_jump_us;
    if (g_jump) {
        print_history("1M-step fixture ", *g_jump);
        if (!g_jump_us.empty())
            std::printf("jump to any of %llu steps: median %.1f us (%zu jumps)\n",
                        static_cast<unsigned long long>(g_jump->history().step_count()),
                        median(g_jump_us), g_jump_us.size());
    }
    return 0;
}
