// test_interp.cpp — core/script/interp.cpp: running script lines against
// the model. Names and tasks (the TASK: prefix, fork/thread bindings),
// blocking calls that print "... blocks" and finish later with their
// expectation checked, the directives (!define, !sysctl, !user, !advance,
// !trace), and the errors a script can make, reported at line:column.
#include "support.h"

#include <cstdio>

namespace sockscope::script {
// Results print as the runner prints them ("3", "-1 EBADF").
static void PrintTo(const Result& r, std::ostream* os) { *os << format_result(r); }
}  // namespace sockscope::script

namespace sockscope::test {

namespace {

bool printed(Sim& s, const std::string& line) { return s.out.find(line + "\n") != std::string::npos; }

// Runs a whole program text through a fresh interpreter; returns the exit
// status and the output.
std::pair<int, std::string> run_program(const std::string& text) {
    History h;
    script::Interp in(h);
    std::string out;
    in.print = [&](const std::string& s) { out += s; };
    auto parsed = script::parse_program(text, "t.sock");
    if (auto* e = std::get_if<script::ParseError>(&parsed)) return {-1, e->message};
    int rc = in.run_program(std::get<script::Program>(parsed));
    return {rc, out};
}

}  // namespace

// ---------------------------------------------------------------- names and tasks

TEST(Interp, TheScriptRunsInARootProcessWithTheTerminalOpen) {
    Sim s;
    const Task& t = s.w().tasks[s.main()];
    EXPECT_EQ(t.uid, 0u);
    EXPECT_EQ(t.pid, 1000);
    EXPECT_NE(t.cap_effective, 0u);
    EXPECT_EQ(s.w().files_structs[t.files].fd.size(), 64u);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 0.0.0.0:80)"), ok(0));
}

TEST(Interp, ATaskPrefixMakesANewProcessOnFirstUseAndReusesItAfter) {
    Sim s;
    EXPECT_EQ(s.run("B: b = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    TaskId b = s.in.tasks.at("B");
    EXPECT_NE(b, s.main());
    EXPECT_NE(s.w().tasks[b].files, s.w().tasks[s.main()].files);
    EXPECT_EQ(s.run("B: socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.in.tasks.at("B"), b);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));  // the script's own table
    EXPECT_EQ(s.w().tasks[b].uid, 0u);
    EXPECT_TRUE(printed(s, "B: b = socket(AF_INET, SOCK_STREAM, 0) = 3"));
}

TEST(Interp, ANameBoundToForkThreadOrSpawnNamesATaskAndHoldsItsPid) {
    Sim s;
    script::Result t = s.run("T = thread()");
    script::Result f = s.run("F = fork()");
    EXPECT_EQ(s.run("U = spawn(1000)").value, f.value + 1);
    EXPECT_EQ(s.in.vars.at("T"), t.value);
    EXPECT_EQ(s.w().tasks[s.in.tasks.at("T")].pid, t.value);
    EXPECT_EQ(s.w().tasks[s.in.tasks.at("F")].pid, f.value);
    EXPECT_EQ(s.w().tasks[s.in.tasks.at("U")].uid, 1000u);
    EXPECT_EQ(s.w().tasks[s.in.tasks.at("U")].cap_effective, 0u);
    EXPECT_EQ(s.run("U: socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)"), err(EPERM));
    EXPECT_EQ(s.run("T: socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)"), ok(3));
}

TEST(Interp, ABindingKeepsOnlyASuccessfulResult) {
    Sim s;
    EXPECT_EQ(s.run("x = socket(AF_INET, SOCK_RAW, 0)"), err(EPROTONOSUPPORT));
    EXPECT_EQ(s.in.vars.count("x"), 0u);
    EXPECT_EQ(s.run("x = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.in.vars.at("x"), 3);
    EXPECT_EQ(s.run("x = socket(AF_INET, SOCK_RAW, 0)"), err(EPROTONOSUPPORT));
    EXPECT_EQ(s.in.vars.at("x"), 3);
    EXPECT_EQ(s.run("close(x)"), ok(0));
}

TEST(Interp, AVariableShadowsAConstantOfTheSameName) {
    Sim s;
    s.run("!define SOCK_STREAM 2");
    EXPECT_EQ(s.run("u = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("getsockopt(u, SOL_SOCKET, SO_TYPE)"), ok(SOCK_DGRAM));
}

TEST(Interp, NamesJoinedWithBarsAreOredTogether) {
    Sim s;
    EXPECT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC, 0)"), ok(3));
    EXPECT_EQ(s.run("fcntl(s, F_GETFL)"), ok(O_RDWR | O_NONBLOCK));
    EXPECT_EQ(s.run("fcntl(s, F_SETFL, O_NONBLOCK|0x400)"), ok(0));
    EXPECT_EQ(s.run("fcntl(s, F_GETFL)"), ok(O_RDWR | O_NONBLOCK | 0x400));
}

// ---------------------------------------------------------------- echo and expectations

TEST(Interp, EveryCallEchoesItsTextAndResult) {
    Sim s;
    s.run("s = socket(AF_INET, SOCK_STREAM, 0)");
    s.run("close(99)");
    s.run("tcp_state(s)");
    EXPECT_EQ(s.out,
              "s = socket(AF_INET, SOCK_STREAM, 0) = 3\n"
              "close(99) = -1 EBADF\n"
              "tcp_state(s) = 7\n");
    s.in.echo = false;
    s.run("close(s)");
    EXPECT_EQ(s.out.find("close(s)"), std::string::npos);
}

TEST(Interp, AnExpectationThatHoldsPassesAndOneThatDoesNotFailsWithItsLine) {
    Sim s;
    s.run("s = socket(AF_INET, SOCK_STREAM, 0) = 3");
    s.run("bind(s, 127.0.0.1:7000) = 0");
    s.run("close(99) = -1 EBADF");
    EXPECT_EQ(s.in.passed, 3);
    EXPECT_EQ(s.in.failed, 0);
    s.run("dup(s) = 7");
    s.run("close(99) = -1 ENOENT");
    s.run("close(99) = 0");
    EXPECT_EQ(s.in.failed, 3);
    EXPECT_TRUE(printed(s, "test:4: expected 7, got 4"));
    EXPECT_TRUE(printed(s, "test:5: expected -1 ENOENT, got -1 EBADF"));
    EXPECT_TRUE(printed(s, "test:6: expected 0, got -1 EBADF"));
}

TEST(Interp, AnAliasErrnoNameMatchesTheSameNumber) {
    Sim s;
    s.run("l = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)");
    s.run("listen(l, 5)");
    s.run("accept(l) = -1 EWOULDBLOCK");
    s.run("accept(l) = -1 EAGAIN");
    s.run("accept(l) = -1");
    EXPECT_EQ(s.in.passed, 3);
    EXPECT_EQ(s.in.failed, 0);
}

TEST(Interp, ABlockingCallPrintsBlocksAndItsResultWhenItFinishes) {
    Sim s;
    s.run("s = socket(AF_INET, SOCK_STREAM, 0)");
    s.run("bind(s, 127.0.0.1:8080)");
    s.run("listen(s, 5)");
    s.run("T = thread()");
    s.run("T: a = accept(s) = 4");
    EXPECT_TRUE(s.slept());
    EXPECT_TRUE(printed(s, "T: a = accept(s) ... blocks (the task sleeps)"));
    EXPECT_EQ(s.in.vars.count("a"), 0u);
    int passed = s.in.passed;
    s.run("x = socket(AF_INET, SOCK_STREAM, 0) = 5");
    s.run("B: c = socket(AF_INET, SOCK_STREAM, 0) = 3");
    s.run("B: connect(c, 127.0.0.1:8080) = 0");
    EXPECT_TRUE(printed(s, "T: a = accept(s) = 4"));
    EXPECT_EQ(s.in.vars.at("a"), 4);
    EXPECT_EQ(s.in.passed, passed + 4);
    EXPECT_EQ(s.in.failed, 0);
    // the completion is printed before the line that caused it
    EXPECT_LT(s.out.find("T: a = accept(s) = 4\n"), s.out.find("B: connect(c, 127.0.0.1:8080) = 0\n"));
}

TEST(Interp, ABlockingCallsExpectationIsCheckedWhenItFinishes) {
    Sim s;
    s.run("s = socket(AF_INET, SOCK_STREAM, 0)");
    s.run("bind(s, 127.0.0.1:8081)");
    s.run("listen(s, 5)");
    s.run("T = thread()");
    s.run("T: a = accept(s) = 9");
    s.run("B: c = socket(AF_INET, SOCK_STREAM, 0)");
    s.run("B: connect(c, 127.0.0.1:8081)");
    EXPECT_EQ(s.in.failed, 1);
    EXPECT_TRUE(printed(s, "test:5: expected 9, got 4"));
}

TEST(Interp, ABlockingConnectThatFinishesInTheSameCommandSimplyReturns) {
    Sim s;
    s.run("l = socket(AF_INET, SOCK_STREAM, 0)");
    s.run("bind(l, 127.0.0.1:8082)");
    s.run("listen(l, 5)");
    s.run("c = socket(AF_INET, SOCK_STREAM, 0)");
    EXPECT_EQ(s.run("connect(c, 127.0.0.1:8082) = 0"), ok(0));
    EXPECT_FALSE(s.slept());
    EXPECT_EQ(s.out.find("blocks"), std::string::npos);
    EXPECT_EQ(s.in.passed, 1);
}

TEST(Interp, FinishFailsEveryExpectationStillAsleepAndPrintsTheSummary) {
    Sim s;
    s.run("s = socket(AF_INET, SOCK_STREAM, 0) = 3");
    s.run("listen(s, 5)");
    s.run("T = thread()");
    s.run("T: accept(s) = 4");
    s.run("U = thread()");
    s.run("U: accept(s)");  // no expectation: nothing to fail
    s.in.finish("test");
    EXPECT_TRUE(printed(s, "test:4: expected 4, got nothing: the call is still asleep"));
    EXPECT_TRUE(printed(s, "1 passed, 1 failed"));
}

// ---------------------------------------------------------------- calls asleep

// Lines 1-5 of a session: a listener s on 127.0.0.1:8080 (fd 3) and a
// thread T asleep in `a = accept(s) = 4` on it.
static void thread_asleep_in_accept(Sim& s) {
    s.run("s = socket(AF_INET, SOCK_STREAM, 0) = 3");
    s.run("bind(s, 127.0.0.1:8080)");
    s.run("listen(s, 5)");
    s.run("T = thread()");
    s.run("T: a = accept(s) = 4");
}

TEST(Interp, PendingHandsOutEachCallAsleepWithItsTaskNameExpectationAndPosition) {
    Sim s;
    thread_asleep_in_accept(s);
    s.run("U = thread()");
    s.run("U: accept(s) = -1 EAGAIN");
    script::PendingCall t{s.in.tasks.at("T"), "test", 5, 1, "T: a = accept(s)", "a", 4, ""};
    script::PendingCall u{s.in.tasks.at("U"), "test", 7, 1, "U: accept(s)", "", -1, "EAGAIN"};
    EXPECT_EQ(s.in.pending(), (std::vector<script::PendingCall>{t, u}));
    s.run("B: c = socket(AF_INET, SOCK_STREAM, 0)");
    s.run("B: connect(c, 127.0.0.1:8080)");   // wakes T, the first on the wait queue
    EXPECT_EQ(s.in.pending(), std::vector<script::PendingCall>{u});
}

// A second interpreter over the same history that is handed the first
// one's names and calls asleep goes on exactly as the first would: the
// woken call's result line, binding and expectation come where it wakes.
TEST(Interp, AddPendingPutsBackACallWhoseResultPrintsBindsAndIsCheckedWhenItWakes) {
    Sim s;
    thread_asleep_in_accept(s);
    script::Interp in(s.h);
    std::string out;
    in.print = [&](const std::string& l) { out += l; };
    in.vars = s.in.vars;
    in.tasks = s.in.tasks;
    for (const script::PendingCall& c : s.in.pending()) {
        std::string err;
        EXPECT_TRUE(in.add_pending(c, &err)) << err;
    }
    EXPECT_EQ(in.pending(), s.in.pending());
    auto parsed = script::parse_line("B: c = socket(AF_INET, SOCK_STREAM, 0)", 6);
    ASSERT_TRUE(in.run_line(std::get<script::Line>(parsed), "test"));
    parsed = script::parse_line("B: connect(c, 127.0.0.1:8080)", 7);
    ASSERT_TRUE(in.run_line(std::get<script::Line>(parsed), "test"));
    EXPECT_EQ(out,
              "B: c = socket(AF_INET, SOCK_STREAM, 0) = 3\n"
              "T: a = accept(s) = 4\n"
              "B: connect(c, 127.0.0.1:8080) = 0\n");
    EXPECT_EQ(in.vars.at("a"), 4);
    EXPECT_EQ(in.passed, 1);
    EXPECT_TRUE(in.pending().empty());
}

TEST(Interp, AddPendingRefusesACallNoTaskCouldBeAsleepInAndChangesNothing) {
    Sim s;
    s.run("K = kthread_run(0.0.0.0:8888)");
    s.run("s = socket(AF_INET, SOCK_STREAM, 0)");
    s.run("listen(s, 5)");
    s.run("T = thread()");
    s.run("T: a = accept(s) = 4");
    s.run("B: socket(AF_INET, SOCK_STREAM, 0)");
    const script::PendingCall good = s.in.pending().at(0);
    const std::string t = std::to_string(good.task.v), b = std::to_string(s.in.tasks.at("B").v),
                      k = std::to_string(s.in.tasks.at("K").v);
    const auto vars = s.in.vars;
    auto with = [&](auto change) {
        script::PendingCall c = good;
        change(c);
        return c;
    };
    std::pair<script::PendingCall, std::string> cases[] = {
        {good, "task #" + t + " already has a call pending"},
        {with([](auto& c) { c.task = TaskId(99); }), "task #99 does not exist"},
        {with([&](auto& c) { c.task = s.in.tasks.at("B"); }), "task #" + b + " is not asleep in a call"},
        {with([&](auto& c) { c.task = s.in.tasks.at("K"); }), "task #" + k + " is a kernel thread: scripts run no calls in one"},
        {with([](auto& c) { c.line = 0; }), "the position 0:1 is not in a file"},
        {with([](auto& c) { c.col = -3; }), "the position 5:-3 is not in a file"},
        {with([](auto& c) { c.text = "T: a = accept(s"; }), "'T: a = accept(s = 4' does not parse: expected ',' or ')' after an argument, found '='"},
        {with([](auto& c) { c.text = "T: b = accept(s)"; }), "'T: b = accept(s)' binds 'b', not 'a'"},
        {with([](auto& c) { c.text = "T: a = nstat(ListenOverflows)"; }), "'nstat' is not a call a task can sleep in"},
        {with([](auto& c) { c.text = "U: a = accept(s)"; }), "'U: a = accept(s)' runs in task 'U', not in task #" + t},
        {with([](auto& c) { c.expected.reset(); c.expected_errno = "EAGAIN"; }), "an errno name without an expected value"},
        {with([](auto& c) { c.expected_errno = "ENOTANERRNO"; }),
         "'T: a = accept(s) = 4 ENOTANERRNO' does not parse: unexpected text after expectation"},
    };
    for (const auto& [c, msg] : cases) {
        std::string err;
        EXPECT_FALSE(s.in.add_pending(c, &err)) << msg;
        EXPECT_EQ(err, msg);
        EXPECT_EQ(s.in.pending(), std::vector<script::PendingCall>{good}) << msg;
        EXPECT_EQ(s.in.vars, vars) << msg;
    }
}

// Going back in the history to before a call slept leaves its task awake
// there: the call is no longer one the interpreter hands out.
TEST(Interp, PendingLeavesOutACallWhoseTaskIsAwakeAtTheHead) {
    Sim s;
    s.run("s = socket(AF_INET, SOCK_STREAM, 0)");
    s.run("listen(s, 5)");
    uint64_t before = s.h.step_count();
    s.run("a = accept(s)");
    ASSERT_EQ(s.in.pending().size(), 1u);
    ASSERT_TRUE(s.h.branch_at(before));
    EXPECT_TRUE(s.in.pending().empty());
}

TEST(Interp, FinishFailsAnExpectationStillAsleepOnceAndKeepsTheCallPendingWithoutIt) {
    Sim s;
    thread_asleep_in_accept(s);
    s.in.finish("test");
    s.in.finish("test");
    EXPECT_EQ(s.in.failed, 1);
    EXPECT_NE(s.out.find("test:5: expected 4, got nothing: the call is still asleep\n1 passed, 1 failed\n"
                         "1 passed, 1 failed\n"),
              std::string::npos)
        << s.out;
    ASSERT_EQ(s.in.pending().size(), 1u);
    EXPECT_FALSE(s.in.pending()[0].expected);
    // A session that goes on still gets the result line and the binding,
    // and does not count the expectation again.
    s.out.clear();
    s.run("B: c = socket(AF_INET, SOCK_STREAM, 0)");
    s.run("B: connect(c, 127.0.0.1:8080)");
    EXPECT_EQ(s.out, "B: c = socket(AF_INET, SOCK_STREAM, 0) = 3\nT: a = accept(s) = 4\nB: connect(c, 127.0.0.1:8080) = 0\n");
    EXPECT_EQ(s.in.vars.at("a"), 4);
    EXPECT_EQ(s.in.failed, 1);
    EXPECT_EQ(s.in.passed, 1);
}

TEST(Interp, RunProgramExitsZeroOneOrTwo) {
    auto [ok0, out0] = run_program("s = socket(AF_INET, SOCK_STREAM, 0) = 3\nclose(s) = 0\n");
    EXPECT_EQ(ok0, 0) << out0;
    EXPECT_NE(out0.find("2 passed, 0 failed\n"), std::string::npos) << out0;
    auto [ok1, out1] = run_program("s = socket(AF_INET, SOCK_STREAM, 0) = 4\n");
    EXPECT_EQ(ok1, 1) << out1;
    EXPECT_NE(out1.find("t.sock:1: expected 4, got 3\n"), std::string::npos) << out1;
    auto [ok2, out2] = run_program("s = socket(AF_INET, SOCK_STREAM, 0) = 3\nsocket(NOPE, 0, 0)\nclose(s) = 0\n");
    EXPECT_EQ(ok2, 2) << out2;
    EXPECT_NE(out2.find("t.sock:2:8: error: unknown name 'NOPE'\n"), std::string::npos) << out2;
    EXPECT_EQ(out2.find("close(s)"), std::string::npos) << out2;  // it stops at the error
}

TEST(Interp, TheScriptSuiteInTheRepositoryPasses) {
    for (const char* name : {"blocking_accept_two_tasks.sock", "peer_handshake.sock", "seed000_kthread_server.sock",
                             "seed001_my_pf_inet.sock", "syn_timeout.sock", "synflood_cookies.sock",
                             "time_wait_expiry.sock"}) {
        std::string path = std::string(SOCKSCOPE_SOURCE_DIR) + "/tests/scripts/" + name;
        FILE* f = std::fopen(path.c_str(), "r");
        ASSERT_NE(f, nullptr) << name;
        std::string text;
        char buf[4096];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
        std::fclose(f);
        auto [rc, out] = run_program(text);
        EXPECT_EQ(rc, 0) << name << "\n" << out;
    }
}

// ---------------------------------------------------------------- directives

TEST(Interp, DefineBindsANameToANumberOrToNamesJoinedWithBars) {
    Sim s;
    s.run("!define BACKLOG 3");
    s.run("!define FLAGS SOCK_STREAM|SOCK_NONBLOCK");
    EXPECT_EQ(s.run("l = socket(AF_INET, FLAGS, 0)"), ok(3));
    EXPECT_EQ(s.run("fcntl(l, F_GETFL)"), ok(2050));
    EXPECT_EQ(s.run("listen(l, BACKLOG)"), ok(0));
    EXPECT_EQ(s.run("backlog(l)"), ok(3));
    s.run("!define BACKLOG 7");
    EXPECT_EQ(s.run("listen(l, BACKLOG)"), ok(0));
    EXPECT_EQ(s.run("backlog(l)"), ok(7));
    s.run("!define NEG -1");
    EXPECT_EQ(s.run("close(NEG)"), err(EBADF));
}

TEST(Interp, DefineRejectsAMissingValueAndUnknownNames) {
    Sim s;
    EXPECT_EQ(s.run_error("!define ONLY"), "test:1:1: error: expected !define NAME VALUE\n");
    EXPECT_EQ(s.run_error("!define X NOPE"), "test:2:1: error: unknown name 'NOPE'\n");
    EXPECT_EQ(s.run_error("!define X 1 2"), "test:3:1: error: expected !define NAME VALUE\n");
    EXPECT_EQ(s.in.vars.count("X"), 0u);
}

TEST(Interp, SysctlSetsTheValueForTheCallsThatFollow) {
    Sim s;
    s.run("!sysctl net.core.somaxconn=128");
    EXPECT_EQ(s.w().sysctl.somaxconn, 128);
    s.run("!sysctl net.ipv4.ip_local_port_range=7210 7211");
    EXPECT_EQ(s.w().sysctl.ip_local_port_range_lo, 7210);
    EXPECT_EQ(s.w().sysctl.ip_local_port_range_hi, 7211);
    s.run("s = socket(AF_INET, SOCK_STREAM, 0)");
    s.run("listen(s, 5)");
    EXPECT_EQ(s.run("local_port(s)"), ok(7211));
    // it is a command of the history, so it replays
    EXPECT_EQ(s.h.entries().at(1).cmd.op, Op::Sysctl);
}

TEST(Interp, SysctlErrorsNameTheProblem) {
    Sim s;
    EXPECT_EQ(s.run_error("!sysctl net.core.nope=1"), "test:1:1: error: unknown sysctl 'net.core.nope'\n");
    EXPECT_EQ(s.run_error("!sysctl net.core.somaxconn"), "test:2:1: error: expected !sysctl NAME=VALUE\n");
    EXPECT_EQ(s.run_error("!sysctl net.core.somaxconn=lots"), "test:3:1: error: expected a number after '='\n");
    EXPECT_EQ(s.run_error("!sysctl net.ipv4.ip_local_port_range=5000 4000"),
              "test:4:1: error: bad value for net.ipv4.ip_local_port_range\n");
    EXPECT_EQ(s.w().sysctl.somaxconn, 4096);
}

TEST(Interp, AnUnprivilegedUserCannotBindPort80OrOpenARawSocket) {
    Sim s;
    s.run("!user 1000");
    EXPECT_EQ(s.w().tasks[s.main()].uid, 1000u);
    EXPECT_EQ(s.w().tasks[s.main()].gid, 1000u);
    EXPECT_EQ(s.w().tasks[s.main()].cap_effective, 0u);
    EXPECT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(s, 0.0.0.0:80)"), err(EACCES));
    EXPECT_EQ(s.run("bind(s, 0.0.0.0:1023)"), err(EACCES));
    EXPECT_EQ(s.run("bind(s, 0.0.0.0:1024)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)"), err(EPERM));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, 0)"), err(EPROTONOSUPPORT));  // the match comes first
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_PACKET, 0)"), err(EPERM));
    s.run("!sysctl net.ipv4.ip_unprivileged_port_start=80");
    EXPECT_EQ(s.run("t = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("bind(t, 0.0.0.0:80)"), ok(0));
}

TEST(Interp, UserTakesAGroupToo) {
    Sim s;
    s.run("!user 1000 100");
    EXPECT_EQ(s.w().tasks[s.main()].gid, 100u);
    s.run("!sysctl net.ipv4.ping_group_range=100 100");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)"), ok(3));
}

TEST(Interp, UserChangesTheCredentialsOfTheSameProcess) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    int pid = s.w().tasks[s.main()].pid;
    s.run("!user 1000");
    EXPECT_EQ(s.w().tasks[s.main()].pid, pid);
    EXPECT_EQ(s.run("close(s)"), ok(0));
}

TEST(Interp, UserRejectsWordsThatAreNotNumbers) {
    Sim s;
    EXPECT_EQ(s.run_error("!user"), "test:1:1: error: expected !user UID [GID]\n");
    EXPECT_EQ(s.run_error("!user alice"), "test:2:1: error: expected numbers in !user\n");
    EXPECT_EQ(s.run_error("!user 1 2 3"), "test:3:1: error: expected !user UID [GID]\n");
    EXPECT_EQ(s.w().tasks[s.main()].uid, 0u);
}

TEST(Interp, AdvanceLetsTimePassWithoutATask) {
    Sim s;
    s.run("!advance 1500");
    EXPECT_EQ(s.w().now, 1500);
    EXPECT_EQ(s.h.entries().back().cmd.task, 0u);
    EXPECT_EQ(s.run_error("!advance -5"), "test:2:1: error: time only moves forward\n");
    EXPECT_EQ(s.run_error("!advance soon"), "test:3:1: error: expected a number of milliseconds\n");
    EXPECT_EQ(s.run_error("!advance"), "test:4:1: error: expected !advance MS\n");
    EXPECT_EQ(s.w().now, 1500);
}

TEST(Interp, AdvanceWakesASleeperWhoseTimeoutRunsOut) {
    Sim s;
    s.run("l = socket(AF_INET, SOCK_STREAM, 0)");
    s.run("bind(l, 127.0.0.1:8083)");
    s.run("listen(l, 0)");
    s.run("c1 = socket(AF_INET, SOCK_STREAM, 0)");
    s.run("connect(c1, 127.0.0.1:8083)");
    s.run("c = socket(AF_INET, SOCK_STREAM, 0)");
    s.run("setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, 3000)");
    s.run("connect(c, 127.0.0.1:8083) = -1 EINPROGRESS");
    ASSERT_TRUE(s.slept());
    s.run("!advance 3000");
    EXPECT_TRUE(printed(s, "connect(c, 127.0.0.1:8083) = -1 EINPROGRESS"));
    EXPECT_EQ(s.in.passed, 1);
}

TEST(Interp, AnUnknownDirectiveIsAWarningAndIsIgnored) {
    Sim s;
    s.run("!frobnicate now");
    EXPECT_TRUE(printed(s, "test:1: warning: unknown directive '!frobnicate' ignored"));
}

TEST(Interp, ApplySysctlTextTakesNameEqualsValue) {
    World w = make_boot_world();
    std::string e;
    EXPECT_TRUE(script::apply_sysctl_text(w, "net.core.somaxconn=128", &e)) << e;
    EXPECT_EQ(w.sysctl.somaxconn, 128);
    EXPECT_TRUE(script::apply_sysctl_text(w, "net.ipv4.ip_local_port_range=40000 50000", &e)) << e;
    EXPECT_EQ(w.sysctl.ip_local_port_range_hi, 50000);
    EXPECT_FALSE(script::apply_sysctl_text(w, "net.core.somaxconn", &e));
    EXPECT_EQ(e, "expected NAME=VALUE");
    EXPECT_FALSE(script::apply_sysctl_text(w, "net.core.somaxconn=x", &e));
    EXPECT_EQ(e, "expected a number after '='");
    EXPECT_FALSE(script::apply_sysctl_text(w, "net.nope=1", &e));
    EXPECT_EQ(e, "unknown sysctl 'net.nope'");
    EXPECT_FALSE(script::apply_sysctl_text(w, "net.ipv4.ip_local_port_range=10 5", &e));
    EXPECT_EQ(e, "bad value for net.ipv4.ip_local_port_range");
}

// ---------------------------------------------------------------- script errors

TEST(Interp, AnUnknownNameIsReportedAtItsLineAndColumn) {
    Sim s;
    EXPECT_EQ(s.run_error("socket(AF_INET, SOCK_STREAMX, 0)"), "test:1:17: error: unknown name 'SOCK_STREAMX'\n");
    EXPECT_EQ(s.run_error("x = socket(AF_INET, SOCK_STREAM|NOPE, 0)"), "test:2:33: error: unknown name 'NOPE'\n");
    EXPECT_EQ(s.run_error("close(fd)"), "test:3:7: error: unknown name 'fd'\n");
}

TEST(Interp, AnUnknownCallIsReportedAtTheCall) {
    Sim s;
    EXPECT_EQ(s.run_error("sockit(1)"), "test:1:1: error: unknown call 'sockit' (try: help)\n");
    EXPECT_EQ(s.run_error("x = frob()"), "test:2:5: error: unknown call 'frob' (try: help)\n");
}

TEST(Interp, AWrongNumberOfArgumentsNamesTheCallsShape) {
    Sim s;
    EXPECT_EQ(s.run_error("socket(AF_INET, SOCK_STREAM)"),
              "test:1:1: error: socket takes 3 arguments (socket(family, type, protocol)), got 2\n");
    EXPECT_EQ(s.run_error("close(3, 4)"), "test:2:10: error: close takes 1 argument (close(fd)), got 2\n");
    EXPECT_EQ(s.run_error("bind(3)"),
              "test:3:1: error: bind takes 2 to 4 arguments (bind(fd, ADDR:PORT [, addrlen [, family]])), got 1\n");
    EXPECT_EQ(s.run_error("fork(1)"), "test:4:6: error: fork takes 0 arguments (fork()), got 1\n");
}

TEST(Interp, ANumberOutsideThe32BitRangeIsRefused) {
    Sim s;
    EXPECT_EQ(s.run_error("close(9999999999)"), "test:1:7: error: number out of range\n");
    EXPECT_EQ(s.run_error("close(-3000000000)"), "test:2:7: error: number out of range\n");
    EXPECT_EQ(s.run("close(4294967295)"), err(EBADF));
    EXPECT_EQ(s.run("close(-2147483648)"), err(EBADF));
}

TEST(Interp, AnAddressAndANumberAreNotInterchangeable) {
    Sim s;
    EXPECT_EQ(s.run_error("close(127.0.0.1:80)"), "test:1:7: error: expected a number, not an address\n");
    EXPECT_EQ(s.run_error("bind(3, 80)"), "test:2:9: error: expected an address like 127.0.0.1:8080\n");
    EXPECT_EQ(s.run_error("nstat(3)"), "test:3:7: error: expected a name here\n");
}

TEST(Interp, ATaskAsleepInACallCannotRunAnotherOne) {
    Sim s;
    s.run("l = socket(AF_INET, SOCK_STREAM, 0)");
    s.run("listen(l, 5)");
    s.run("T = thread()");
    s.run("T: accept(l)");
    ASSERT_TRUE(s.slept());
    EXPECT_EQ(s.run_error("T: close(3)"),
              "test:5:1: error: task 'T' is asleep in a call; run another task, or let time pass (!advance MS)\n");
    // reading the world is allowed
    EXPECT_EQ(s.run("T: tcp_state(3)"), ok(TCP_LISTEN));
    s.run("accept(l)");
    ASSERT_TRUE(s.slept());
    EXPECT_EQ(s.run_error("socket(AF_INET, SOCK_STREAM, 0)"),
              "test:8:1: error: task main is asleep in a call; run another task, or let time pass (!advance MS)\n");
}

TEST(Interp, ATaskThatExitedCannotRunCalls) {
    Sim s;
    s.run("F = fork()");
    s.run("F: exit()");
    EXPECT_EQ(s.run_error("F: socket(AF_INET, SOCK_STREAM, 0)"), "test:3:1: error: task 'F' has exited\n");
    s.run("exit()");
    EXPECT_EQ(s.run_error("socket(AF_INET, SOCK_STREAM, 0)"), "test:5:1: error: the script's process has exited\n");
}

TEST(Interp, AKernelThreadRunsOnlyItsOwnCode) {
    Sim s;
    s.run("K = kthread_run(0.0.0.0:8888)");
    EXPECT_EQ(s.run_error("K: kthread_stop(K)"),
              "test:2:1: error: task 'K' is asleep in a call; run another task, or let time pass (!advance MS)\n");
    EXPECT_EQ(s.run("kthread_stop(K)"), ok(0));
}

TEST(Interp, AScriptErrorChangesNothingInTheModel) {
    Sim s;
    s.run("s = socket(AF_INET, SOCK_STREAM, 0)");
    uint64_t steps = s.h.step_count();
    World before = s.w();
    s.run_error("bind(s, 127.0.0.1:80, NOPE)");
    s.run_error("socket(AF_INET)");
    s.run_error("connect(s, 70000)");
    EXPECT_EQ(s.h.step_count(), steps);
    EXPECT_TRUE(s.w() == before);
}

}  // namespace sockscope::test
