// test_history.cpp — core/history.cpp: every step kept. world_at(n) must be
// the world the live run had after n steps (recorded here through the
// after_step hook and compared with World::operator==), branching and
// continuing must equal a fresh run of the same commands, abandoned tails
// are kept as branches, and checkpoints change nothing but speed.
#include "support.h"

#include <cstring>
#include <map>
#include <set>

namespace sockscope::script {
// Results print as the runner prints them ("3", "-1 EBADF").
static void PrintTo(const Result& r, std::ostream* os) { *os << format_result(r); }
}  // namespace sockscope::script

namespace sockscope::test {

namespace {

// A history driven by script lines that records the live world after every
// step (through after_step) and after every line.
struct Recorder {
    History h;
    script::Interp in;
    std::string out;
    std::map<uint64_t, World> worlds;
    int lineno = 0;

    explicit Recorder(uint32_t every = 512) : h(make_boot_world(), every), in(h) {
        in.print = [this](const std::string& s) { out += s; };
        worlds[0] = make_boot_world();
        worlds[h.step_count()] = h.live().k.w;
        h.live().after_step = [this](const Machine& m) {
            worlds[h.step_count()] = m.k.w;
            auto v = check_invariants(m.k.w);
            if (!v.empty()) ADD_FAILURE() << "invariant broken after step " << h.step_count() << ": " << v.front();
        };
    }
    script::Result run(const std::string& line) {
        auto parsed = script::parse_line(line, ++lineno);
        if (auto* e = std::get_if<script::ParseError>(&parsed)) {
            ADD_FAILURE() << "parse error in '" << line << "': " << e->message;
            return {0, -1};
        }
        in.last_result = {0, -1};
        in.last_slept = false;
        if (!in.run_line(std::get<script::Line>(parsed), "test")) ADD_FAILURE() << "script error in '" << line << "': " << out;
        worlds[h.step_count()] = h.live().k.w;
        return in.last_slept ? script::Result{0, -1} : in.last_result;
    }
    std::vector<script::Result> run_all(const std::vector<std::string>& lines) {
        std::vector<script::Result> r;
        for (const std::string& l : lines) r.push_back(run(l));
        return r;
    }
    const Trace* live_trace_pointer() const { return h.live().k.trace; }
    // Forget what was recorded after step n (a branch replaced it).
    void forget_after(uint64_t n) { worlds.erase(worlds.upper_bound(n), worlds.end()); }
};

const std::vector<std::string> kHandshake = {
    "l = socket(AF_INET, SOCK_STREAM, 0)",
    "bind(l, 127.0.0.1:7000)",
    "listen(l, 5)",
    "c = socket(AF_INET, SOCK_STREAM, 0)",
    "connect(c, 127.0.0.1:7000)",
    "a = accept(l)",
    "close(a)",
    "close(c)",
    "sleep(61000)",
    "close(l)",
};

const std::vector<std::string> kSynTimeout = {
    "s = socket(AF_INET, SOCK_STREAM, 0)",
    "bind(s, 127.0.0.1:9000)",
    "listen(s, 0)",
    "c1 = socket(AF_INET, SOCK_STREAM, 0)",
    "connect(c1, 127.0.0.1:9000)",
    "c2 = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)",
    "connect(c2, 127.0.0.1:9000)",
    "sleep(20000)",
    "accept(s)",
    "sleep(20000)",
    "close(c2)",
    "sleep(120000)",
};

const std::vector<std::string> kTasksAndPeers = {
    "s = socket(AF_INET, SOCK_STREAM, 0)",
    "bind(s, 0.0.0.0:8080)",
    "listen(s, 2)",
    "T = thread()",
    "T: a = accept(s)",
    "B: c = socket(AF_INET, SOCK_STREAM, 0)",
    "B: connect(c, 127.0.0.1:8080)",
    "P = peer(10.0.0.2:0)",
    "peer_syn(P, 127.0.0.1:8080)",
    "peer_ack(P, 127.0.0.1:8080)",
    "peer_syn(P, 127.0.0.1:8080)",
    "sleep(5000)",
    "F = fork()",
    "F: close(s)",
    "synflood(127.0.0.1:8080, 6)",
    "K = kthread_run(0.0.0.0:8888)",
    "B: d = socket(AF_INET, SOCK_STREAM, 0)",
    "B: connect(d, 127.0.0.1:8888)",
    "kthread_stop(K)",
    "sleep(70000)",
};

// Every step n must either have a recorded world or be the first step of
// a sleep command (a sleep's own step calls no hook).
void expect_recorded_or_sleep(const Recorder& r) {
    for (uint64_t n = 0; n <= r.h.step_count(); ++n) {
        if (r.worlds.count(n)) continue;
        size_t e = r.h.entry_of_step(n);
        const auto& entry = r.h.entries()[e];
        EXPECT_TRUE(entry.cmd.op == Op::Sleep && entry.first_step + 1 == n) << "step " << n << " not recorded";
    }
}

void expect_world_at_matches(const Recorder& r) {
    for (const auto& [n, w] : r.worlds) {
        World got = r.h.world_at(n);
        EXPECT_TRUE(got == w) << "world_at(" << n << ") differs: now " << got.now << " vs " << w.now
                              << ", isn_state " << got.isn_state << " vs " << w.isn_state;
    }
}

}  // namespace

// ---------------------------------------------------------------- world_at

TEST(History, WorldAtZeroIsTheWorldBeforeAnyStep) {
    History h;
    EXPECT_EQ(h.step_count(), 0u);
    EXPECT_TRUE(h.world_at(0) == make_boot_world());
    EXPECT_EQ(h.checkpoint_count(), 1u);
}

TEST(History, WorldAtEveryStepOfAHandshakeIsTheLiveWorldOfThatStep) {
    Recorder r;
    r.run_all(kHandshake);
    ASSERT_GE(r.h.step_count(), 20u);
    expect_recorded_or_sleep(r);
    expect_world_at_matches(r);
}

TEST(History, WorldAtEveryStepOfRetransmissionsAndTimersIsTheLiveWorld) {
    Recorder r;
    r.run_all(kSynTimeout);
    expect_recorded_or_sleep(r);
    expect_world_at_matches(r);
}

TEST(History, WorldAtEveryStepWithTasksPeersAndAKernelThreadIsTheLiveWorld) {
    Recorder r;
    r.run_all(kTasksAndPeers);
    expect_recorded_or_sleep(r);
    expect_world_at_matches(r);
}

TEST(History, WorldAtPastTheEndIsTheHead) {
    Recorder r;
    r.run_all({"socket(AF_INET, SOCK_STREAM, 0)"});
    EXPECT_TRUE(r.h.world_at(r.h.step_count() + 10) == r.h.live().k.w);
}

TEST(History, TheCheckpointIntervalChangesNothingButTheNumberOfCheckpoints) {
    Recorder one(1), seven(7), many(512);
    for (Recorder* r : {&one, &seven, &many}) r->run_all(kTasksAndPeers);
    ASSERT_EQ(one.h.step_count(), many.h.step_count());
    ASSERT_EQ(seven.h.step_count(), many.h.step_count());
    EXPECT_EQ(many.h.checkpoint_count(), 1u);
    EXPECT_GT(seven.h.checkpoint_count(), 2u);
    // a checkpoint after every command
    EXPECT_EQ(one.h.checkpoint_count(), one.h.entries().size() + 1);
    for (uint64_t n = 0; n <= many.h.step_count(); ++n) {
        World w = many.h.world_at(n);
        EXPECT_TRUE(one.h.world_at(n) == w) << n;
        EXPECT_TRUE(seven.h.world_at(n) == w) << n;
    }
    expect_world_at_matches(seven);
}

TEST(History, CheckpointsAreTakenAtCommandBoundariesOnceEnoughStepsPassed) {
    Recorder r(10);
    r.run_all(kHandshake);
    size_t cps = r.h.checkpoint_count();
    EXPECT_GE(cps, 2u);
    EXPECT_LE(cps, r.h.step_count() / 10 + 1);
}

// ---------------------------------------------------------------- entries

TEST(History, EntryOfStepNamesTheCommandStepNMinusOneBelongsTo) {
    Recorder r;
    r.run_all(kHandshake);
    const auto& e = r.h.entries();
    for (uint64_t n = 1; n <= r.h.step_count(); ++n) {
        size_t i = r.h.entry_of_step(n);
        ASSERT_LT(i, e.size());
        EXPECT_LE(e[i].first_step, n - 1) << n;
        EXPECT_LT(n - 1, e[i].first_step + e[i].steps) << n;
    }
    EXPECT_EQ(r.h.entry_of_step(0), 0u);
}

TEST(History, AdvanceIsASleepCommandOfNoTask) {
    History h;
    h.advance(1500);
    ASSERT_EQ(h.entries().size(), 1u);
    EXPECT_EQ(h.entries()[0].cmd.op, Op::Sleep);
    EXPECT_EQ(h.entries()[0].cmd.task, 0u);
    EXPECT_EQ(h.entries()[0].cmd.a[0], 1500);
    EXPECT_EQ(h.live().k.w.now, 1500);
    EXPECT_EQ(h.step_count(), 1u);
}

TEST(History, RunHandsBackTheCompletionsOfSleepingCalls) {
    Recorder r;
    r.run_all({"s = socket(AF_INET, SOCK_STREAM, 0)", "bind(s, 127.0.0.1:7100)", "listen(s, 5)", "T = thread()",
               "T: accept(s)"});
    ASSERT_TRUE(r.in.last_slept);
    TaskId t = r.in.tasks.at("T");
    // drive the connect through the history itself
    TaskId b = r.in.new_process("B", 0, 0);
    Command sock;
    sock.op = Op::Socket;
    sock.task = b.v;
    sock.a = {AF_INET, SOCK_STREAM, 0, 0, 0, 0};
    ASSERT_EQ(r.h.run(sock).ret, 3);
    Command conn;
    conn.op = Op::Connect;
    conn.task = b.v;
    conn.a = {3, INADDR_LOOPBACK, 7100, 16, AF_INET, 0};
    std::vector<Kernel::Completion> done;
    Outcome o = r.h.run(conn, &done);
    EXPECT_TRUE(o.sleeping);
    ASSERT_EQ(done.size(), 2u);
    EXPECT_EQ(done[0].task, b);
    EXPECT_EQ(done[0].ret, 0);
    EXPECT_EQ(done[1].task, t);
    EXPECT_EQ(done[1].ret, 4);
}

// ---------------------------------------------------------------- branches

TEST(History, BranchingAndContinuingEqualsAFreshRunOfTheSameCommands) {
    const std::vector<std::string> prefix(kHandshake.begin(), kHandshake.begin() + 5);
    const std::vector<std::string> abandoned = {"a = accept(l)", "close(a)", "sleep(3000)"};
    const std::vector<std::string> then = {"close(c)", "n = socket(AF_INET, SOCK_STREAM, 0)",
                                           "connect(n, 127.0.0.1:7000)", "acceptq(l)", "sleep(2000)",
                                           "accept(l)", "accept(l)"};
    Recorder branched;
    branched.run_all(prefix);
    uint64_t at = branched.h.step_count();
    branched.run_all(abandoned);
    ASSERT_TRUE(branched.h.branch_at(at));
    branched.forget_after(at);
    std::vector<script::Result> got = branched.run_all(then);

    Recorder fresh;
    fresh.run_all(prefix);
    std::vector<script::Result> want = fresh.run_all(then);

    EXPECT_EQ(got, want);
    EXPECT_TRUE(branched.h.live().k.w == fresh.h.live().k.w);
    EXPECT_EQ(branched.h.step_count(), fresh.h.step_count());
    ASSERT_EQ(branched.h.entries().size(), fresh.h.entries().size());
    for (size_t i = 0; i < fresh.h.entries().size(); ++i) {
        EXPECT_EQ(branched.h.entries()[i].cmd, fresh.h.entries()[i].cmd) << i;
        EXPECT_EQ(branched.h.entries()[i].steps, fresh.h.entries()[i].steps) << i;
    }
    EXPECT_EQ(branched.h.trace().events.size(), fresh.h.trace().events.size());
    EXPECT_EQ(branched.h.trace().packets.size(), fresh.h.trace().packets.size());
    for (uint64_t n = 0; n <= fresh.h.step_count(); ++n)
        EXPECT_TRUE(branched.h.world_at(n) == fresh.h.world_at(n)) << n;
    expect_world_at_matches(branched);
}

TEST(History, BranchingInsideACommandCutsItShortAndKeepsTheRestAsABranch) {
    Recorder r;
    r.run_all(std::vector<std::string>(kHandshake.begin(), kHandshake.begin() + 4));
    uint64_t first = r.h.step_count();
    r.run("connect(c, 127.0.0.1:7000)");  // five steps
    r.run("a = accept(l)");
    ASSERT_EQ(r.h.step_count(), first + 6);
    World mid = r.h.world_at(first + 2);
    Command connect = r.h.entries()[r.h.entries().size() - 2].cmd;
    Command accept = r.h.entries().back().cmd;
    size_t events_before = r.h.trace().step_end(first + 1);

    ASSERT_TRUE(r.h.branch_at(first + 2));
    r.forget_after(first + 2);
    EXPECT_EQ(r.h.step_count(), first + 2);
    EXPECT_TRUE(r.h.live().k.w == mid);
    EXPECT_EQ(r.h.entries().back().cmd, connect);
    EXPECT_EQ(r.h.entries().back().steps, 2u);
    EXPECT_EQ(r.h.trace().events.size(), events_before);
    ASSERT_EQ(r.h.branches().size(), 1u);
    EXPECT_EQ(r.h.branches()[0].at_step, first + 2);
    EXPECT_EQ(r.h.branches()[0].commands, (std::vector<Command>{connect, accept}));
    // the SYN-ACK is on the wire in the cut world and the caller still
    // sleeps in connect; the next command runs what is pending
    EXPECT_EQ(r.h.live().k.w.wire.size(), 1u);
    EXPECT_EQ(r.h.live().k.w.tasks[r.in.main_task()].state, TASK_INTERRUPTIBLE);
    r.run("acceptq(l)");
    r.run("!advance 10");
    EXPECT_TRUE(r.h.live().k.w.wire.empty());
    EXPECT_EQ(r.run("acceptq(l)"), ok(1));
    // and the cut command replays cut short
    expect_world_at_matches(r);
    EXPECT_TRUE(r.h.world_at(first + 2) == mid);
}

TEST(History, EveryAbandonedTailIsKeptAsABranch) {
    Recorder r;
    r.run("socket(AF_INET, SOCK_STREAM, 0)");
    uint64_t a = r.h.step_count();
    r.run("socket(AF_INET, SOCK_DGRAM, 0)");
    r.run("socket(AF_INET, SOCK_DGRAM, 0)");
    ASSERT_TRUE(r.h.branch_at(a));
    r.run("socket(AF_INET, SOCK_STREAM, 0)");
    ASSERT_TRUE(r.h.branch_at(a - 1));
    ASSERT_EQ(r.h.branches().size(), 2u);
    EXPECT_EQ(r.h.branches()[0].at_step, a);
    EXPECT_EQ(r.h.branches()[0].commands.size(), 2u);
    EXPECT_EQ(r.h.branches()[0].commands[0].a[1], SOCK_DGRAM);
    EXPECT_EQ(r.h.branches()[1].at_step, a - 1);
    ASSERT_EQ(r.h.branches()[1].commands.size(), 2u);
    EXPECT_EQ(r.h.branches()[1].commands[1].a[1], SOCK_STREAM);
    EXPECT_EQ(r.h.live().k.w.sockets.size(), 0u);
}

TEST(History, BranchingPastTheEndIsRefusedAndAtTheHeadChangesNothing) {
    Recorder r;
    r.run("socket(AF_INET, SOCK_STREAM, 0)");
    uint64_t n = r.h.step_count();
    World w = r.h.live().k.w;
    EXPECT_FALSE(r.h.branch_at(n + 1));
    EXPECT_TRUE(r.h.branch_at(n));
    EXPECT_TRUE(r.h.branches().empty());
    EXPECT_EQ(r.h.step_count(), n);
    EXPECT_TRUE(r.h.live().k.w == w);
}

TEST(History, BranchingDropsTheCheckpointsAfterTheBranchPoint) {
    Recorder r(5);
    r.run_all(kHandshake);
    size_t before = r.h.checkpoint_count();
    ASSERT_GE(before, 3u);
    ASSERT_TRUE(r.h.branch_at(3));
    EXPECT_EQ(r.h.checkpoint_count(), 1u);
    r.forget_after(3);
    r.run_all({"socket(AF_INET, SOCK_STREAM, 0)", "sleep(10)"});
    expect_world_at_matches(r);
}

TEST(History, TheAfterStepHookSurvivesABranch) {
    Recorder r;
    r.run_all(std::vector<std::string>(kHandshake.begin(), kHandshake.begin() + 3));
    ASSERT_TRUE(r.h.branch_at(2));
    r.forget_after(2);
    size_t recorded = r.worlds.size();
    r.run("socket(AF_INET, SOCK_STREAM, 0)");
    EXPECT_GT(r.worlds.size(), recorded);
    EXPECT_TRUE(static_cast<bool>(r.h.live().after_step));
}

// ---------------------------------------------------------------- replay (snapshots)

TEST(History, ReplayingTheEntriesRebuildsTheSameHistory) {
    Recorder r;
    r.run_all(kTasksAndPeers);
    uint64_t cut = r.h.entries()[8].first_step + 1;  // inside a command
    ASSERT_TRUE(r.h.branch_at(cut));
    r.forget_after(cut);
    r.run_all({"!advance 100", "n = socket(AF_INET, SOCK_STREAM, 0)"});

    History copy(r.h.boot_world(), 7);
    EXPECT_TRUE(copy.boot_world() == make_boot_world());
    ASSERT_TRUE(copy.replay(r.h.entries(), r.h.branches()));
    EXPECT_TRUE(copy.live().k.w == r.h.live().k.w);
    EXPECT_EQ(copy.step_count(), r.h.step_count());
    EXPECT_EQ(copy.trace().events.size(), r.h.trace().events.size());
    ASSERT_EQ(copy.branches().size(), 1u);
    EXPECT_EQ(copy.branches()[0].at_step, cut);
    EXPECT_EQ(copy.branches()[0].commands, r.h.branches()[0].commands);
    for (uint64_t n = 0; n <= r.h.step_count(); ++n) EXPECT_TRUE(copy.world_at(n) == r.h.world_at(n)) << n;
}

TEST(History, ReplayStopsAtAnEntryThatRunsADifferentNumberOfSteps) {
    Recorder r;
    r.run_all(std::vector<std::string>(kHandshake.begin(), kHandshake.begin() + 5));
    std::vector<History::Entry> entries = r.h.entries();
    entries.back().steps += 1;  // the connect ran five steps, not six
    History copy;
    EXPECT_FALSE(copy.replay(entries));
    EXPECT_EQ(copy.entries().size(), entries.size());
    EXPECT_EQ(copy.step_count(), r.h.step_count());
}

// ---------------------------------------------------------------- the trace on demand

namespace {

// Two traces are the same when every event, step record and segment is.
void expect_same_trace(const Trace& got, const Trace& want, const std::string& where) {
    ASSERT_EQ(got.steps.size(), want.steps.size()) << where;
    ASSERT_EQ(got.events.size(), want.events.size()) << where;
    ASSERT_EQ(got.packets.size(), want.packets.size()) << where;
    for (size_t i = 0; i < want.events.size(); ++i)
        ASSERT_EQ(std::memcmp(&got.events[i], &want.events[i], sizeof(TraceEvent)), 0)
            << where << ": event " << i << " of step " << want.steps.size();
    for (size_t i = 0; i < want.steps.size(); ++i) {
        const StepRecord& g = got.steps[i];
        const StepRecord& w = want.steps[i];
        EXPECT_TRUE(g.first_event == w.first_event && g.command == w.command && g.time == w.time &&
                    g.kind == w.kind && g.task == w.task)
            << where << ": step " << i;
    }
    for (size_t i = 0; i < want.packets.size(); ++i)
        EXPECT_TRUE(got.packets[i] == want.packets[i]) << where << ": segment " << i;
}

// A recorder whose history writes its trace from the first step on.
struct TracedRecorder : Recorder {
    TracedRecorder() { h.trace(); }
};

}  // namespace

TEST(History, AHistoryNobodyHasReadTheTraceOfKeepsNoTrace) {
    Recorder r;
    r.run_all(kTasksAndPeers);
    EXPECT_FALSE(r.h.tracing());
    EXPECT_EQ(r.live_trace_pointer(), nullptr);
    EXPECT_GT(r.h.step_count(), 30u);
    const Trace& t = r.h.trace();
    EXPECT_TRUE(r.h.tracing());
    EXPECT_EQ(t.steps.size(), r.h.step_count());
    EXPECT_EQ(r.live_trace_pointer(), &t);
}

TEST(History, TheTraceWrittenOnDemandIsTheTraceRecordedAsTheStepsRan) {
    for (const auto* script : {&kHandshake, &kSynTimeout, &kTasksAndPeers}) {
        TracedRecorder eager;
        Recorder lazy;
        eager.run_all(*script);
        lazy.run_all(*script);
        expect_same_trace(lazy.h.trace(), eager.h.trace(), script->front() + " ...");
        EXPECT_EQ(lazy.out, eager.out);
    }
}

TEST(History, ReadingTheTraceHalfwayThenRunningOnGivesTheSameTrace) {
    TracedRecorder eager;
    Recorder lazy;
    eager.run_all(kTasksAndPeers);
    size_t half = kTasksAndPeers.size() / 2;
    lazy.run_all(std::vector<std::string>(kTasksAndPeers.begin(), kTasksAndPeers.begin() + half));
    lazy.h.trace();
    lazy.run_all(std::vector<std::string>(kTasksAndPeers.begin() + half, kTasksAndPeers.end()));
    expect_same_trace(lazy.h.trace(), eager.h.trace(), "read at line " + std::to_string(half));
}

TEST(History, BranchingInsideACommandBeforeOrAfterTheTraceIsWrittenGivesTheSameTrace) {
    // The same commands and the same cut, with the trace written from the
    // start, never before the cut, or up to a point before the cut.
    auto drive = [](Recorder& r, bool read_early) {
        r.run_all(std::vector<std::string>(kHandshake.begin(), kHandshake.begin() + 3));
        if (read_early) r.h.trace();
        r.run_all(std::vector<std::string>(kHandshake.begin() + 3, kHandshake.end()));
        uint64_t cut = r.h.entries()[4].first_step + 2;  // inside connect()
        ASSERT_TRUE(r.h.branch_at(cut));
        r.forget_after(cut);
        // main sleeps in the cut connect(); another task goes on.
        r.run_all({"B: d = socket(AF_INET, SOCK_STREAM, 0)", "B: connect(d, 127.0.0.1:7000)", "sleep(1000)"});
    };
    TracedRecorder eager;
    Recorder never, early;
    drive(eager, false);
    drive(never, false);
    drive(early, true);
    expect_same_trace(never.h.trace(), eager.h.trace(), "trace written after the branch");
    expect_same_trace(early.h.trace(), eager.h.trace(), "trace written before the cut");
    expect_world_at_matches(never);
}

TEST(History, AHistoryWithoutATraceIsSmallerThanOneWithIt) {
    TracedRecorder eager;
    Recorder lazy;
    eager.run_all(kHandshake);
    lazy.run_all(kHandshake);
    EXPECT_LT(lazy.h.bytes(), eager.h.bytes());
}

// ---------------------------------------------------------------- reset, size

TEST(History, ResetStartsOverFromTheGivenWorld) {
    Recorder r;
    r.run_all(kHandshake);
    World boot = make_boot_world();
    boot.sysctl.somaxconn = 128;
    r.h.reset(boot);
    EXPECT_EQ(r.h.step_count(), 0u);
    EXPECT_TRUE(r.h.entries().empty());
    EXPECT_TRUE(r.h.branches().empty());
    EXPECT_EQ(r.h.checkpoint_count(), 1u);
    EXPECT_TRUE(r.h.live().k.w == boot);
    EXPECT_TRUE(r.h.world_at(0) == boot);
    EXPECT_TRUE(r.h.trace().events.empty());
}

TEST(History, ItsSizeGrowsWithTheSteps) {
    Recorder r;
    size_t before = r.h.bytes();
    r.run_all(kHandshake);
    EXPECT_GT(r.h.bytes(), before);
}


// The command list keeps its records in chunks of 1024: a history longer
// than a chunk, branched at a chunk's edge and just inside the next one,
// then continued, must equal a fresh run of the same commands, and a
// reference to an entry's command stays good while the list grows.
TEST(History, AHistoryOfSeveralRecordChunksBranchesAtTheirEdgesLikeAFreshRun) {
    const std::vector<std::string> cycle = {"l = socket(AF_INET, SOCK_STREAM, 0)", "bind(l, 127.0.0.1:7100)",
                                            "listen(l, 4)", "c = socket(AF_INET, SOCK_STREAM, 0)",
                                            "connect(c, 127.0.0.1:7100)", "a = accept(l)", "close(a)",
                                            "close(c)", "close(l)", "sleep(61000)"};
    auto lines = [&](size_t n) {
        std::vector<std::string> v;
        for (size_t i = 0; i < n; ++i) v.push_back(cycle[i % cycle.size()]);
        return v;
    };
    for (size_t cut : {size_t{1024}, size_t{1025}, size_t{2047}}) {
        SCOPED_TRACE(cut);
        Sim branched;
        for (const std::string& l : lines(cut)) branched.run(l);
        const Command& first = branched.h.entries()[0].cmd;
        const std::string first_text = first.text;
        uint64_t at = branched.h.step_count();
        for (int i = 0; i < 300; ++i) branched.run("sleep(1000)");  // abandoned below
        EXPECT_EQ(first.text, first_text);                         // still the stored command
        ASSERT_TRUE(branched.h.branch_at(at));
        std::vector<std::string> rest = lines(cut + 700);
        rest.erase(rest.begin(), rest.begin() + static_cast<long>(cut));
        for (const std::string& l : rest) branched.run(l);

        Sim fresh;
        for (const std::string& l : lines(cut + 700)) fresh.run(l);
        EXPECT_TRUE(branched.w() == fresh.w());
        ASSERT_EQ(branched.h.entries().size(), fresh.h.entries().size());
        for (size_t i = 0; i < fresh.h.entries().size(); ++i) {
            ASSERT_EQ(branched.h.entries()[i].cmd, fresh.h.entries()[i].cmd) << i;
            ASSERT_EQ(branched.h.entries()[i].first_step, fresh.h.entries()[i].first_step) << i;
            ASSERT_EQ(branched.h.entries()[i].steps, fresh.h.entries()[i].steps) << i;
        }
        for (uint64_t n : {uint64_t{0}, at - 1, at, at + 1, fresh.h.step_count()}) {
            EXPECT_TRUE(branched.h.world_at(n) == fresh.h.world_at(n)) << n;
            EXPECT_EQ(branched.h.entry_of_step(n ? n : 1), fresh.h.entry_of_step(n ? n : 1)) << n;
        }
    }
}

}  // namespace sockscope::test
