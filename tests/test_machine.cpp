// test_machine.cpp — core/machine.cpp: commands in, steps out. How many
// steps each command takes, what exec/settle/advance return, the replay
// budget, the sysctls by name, and the checks of the machine's own ops.
#include "support.h"

#include <set>

#include "sysctl_names.h"

namespace sockscope::script {
// Results print as the runner prints them ("3", "-1 EBADF").
static void PrintTo(const Result& r, std::ostream* os) { *os << format_result(r); }
}  // namespace sockscope::script

namespace sockscope::test {

namespace {

Command cmd(Op op, uint32_t task, std::array<int64_t, 6> a = {}) {
    Command c;
    c.op = op;
    c.task = task;
    c.a = a;
    c.text = op < Op::Count ? op_name(op) : "(no such op)";
    return c;
}

// A machine with one root process (task 1) and a listener on
// 127.0.0.1:port at fd 3.
struct Rig {
    Machine m;
    uint32_t idx = 0;
    int hooks = 0;
    Rig() {
        m.after_step = [this](const Machine&) { ++hooks; };
        Outcome o = m.exec(cmd(Op::Spawn, 0, {0, 0, 1}), idx++);
        EXPECT_EQ(o.ret, 1000);
    }
    Outcome run(Op op, std::array<int64_t, 6> a = {}) {
        Outcome o = m.exec(cmd(op, 1, a), idx);
        m.settle(idx++);
        return o;
    }
    void listener(uint16_t port) {
        ASSERT_EQ(run(Op::Socket, {AF_INET, SOCK_STREAM, 0}).ret, 3);
        ASSERT_EQ(run(Op::Bind, {3, INADDR_LOOPBACK, port, 16, AF_INET}).ret, 0);
        ASSERT_EQ(run(Op::Listen, {3, 5}).ret, 0);
    }
};

uint64_t steps_of(Sim& s, const std::string& line) {
    uint64_t before = s.h.step_count();
    s.run(line);
    return s.h.step_count() - before;
}

}  // namespace

// ---------------------------------------------------------------- steps

TEST(Machine, ASimpleSyscallIsOneStep) {
    Rig r;
    uint64_t before = r.m.steps_run;
    Outcome o = r.run(Op::Socket, {AF_INET, SOCK_STREAM, 0});
    EXPECT_FALSE(o.sleeping);
    EXPECT_EQ(o.ret, 3);
    EXPECT_EQ(r.m.steps_run, before + 1);
    EXPECT_EQ(r.run(Op::Close, {99}).ret, -EBADF);
    EXPECT_EQ(r.m.steps_run, before + 2);
}

TEST(Machine, StepsPerCommandFollowTheSegmentsAndWakeUpsTheySetInMotion) {
    Sim s;
    EXPECT_EQ(steps_of(s, "l = socket(AF_INET, SOCK_STREAM, 0)"), 1u);
    EXPECT_EQ(steps_of(s, "bind(l, 127.0.0.1:7000)"), 1u);
    EXPECT_EQ(steps_of(s, "listen(l, 5)"), 1u);
    EXPECT_EQ(steps_of(s, "c = socket(AF_INET, SOCK_STREAM, 0)"), 1u);
    // the call, SYN, SYN-ACK, ACK, and the sleeping caller running again
    EXPECT_EQ(steps_of(s, "connect(c, 127.0.0.1:7000)"), 5u);
    EXPECT_EQ(steps_of(s, "a = accept(l)"), 1u);
    // FIN, and the peer's ACK
    EXPECT_EQ(steps_of(s, "close(a)"), 3u);
    EXPECT_EQ(steps_of(s, "n = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), 1u);
    // SYN, SYN-ACK, ACK: nobody sleeps
    EXPECT_EQ(steps_of(s, "connect(n, 127.0.0.1:7000)"), 4u);
    // SYN and the RST that refuses it
    EXPECT_EQ(steps_of(s, "r = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), 1u);
    EXPECT_EQ(steps_of(s, "connect(r, 127.0.0.1:7001)"), 3u);
    // queries read the world: no step
    EXPECT_EQ(steps_of(s, "tcp_state(c)"), 0u);
    EXPECT_EQ(steps_of(s, "show()"), 0u);
}

TEST(Machine, EachCommandOfTheHistoryKnowsItsSteps) {
    Sim s;
    s.run("l = socket(AF_INET, SOCK_STREAM, 0)");
    s.run("bind(l, 127.0.0.1:7002)");
    s.run("listen(l, 5)");
    s.run("c = socket(AF_INET, SOCK_STREAM, 0)");
    s.run("connect(c, 127.0.0.1:7002)");
    const auto& e = s.h.entries();
    ASSERT_GE(e.size(), 2u);
    EXPECT_EQ(e.back().cmd.op, Op::Connect);
    EXPECT_EQ(e.back().steps, 5u);
    EXPECT_EQ(e.back().first_step + e.back().steps, s.h.step_count());
    uint64_t sum = 0;
    for (const auto& x : e) {
        EXPECT_EQ(x.first_step, sum);
        sum += x.steps;
    }
    EXPECT_EQ(sum, s.h.step_count());
}

TEST(Machine, ExecRunsTheCommandAloneAndSettleRunsWhatItSetInMotion) {
    Rig r;
    r.listener(7003);
    ASSERT_EQ(r.run(Op::Socket, {AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0}).ret, 4);
    Outcome o = r.m.exec(cmd(Op::Connect, 1, {4, INADDR_LOOPBACK, 7003, 16, AF_INET}), r.idx);
    EXPECT_EQ(o.ret, -EINPROGRESS);
    EXPECT_TRUE(r.m.has_pending());
    EXPECT_EQ(r.m.k.w.wire.size(), 1u);
    EXPECT_TRUE(r.m.step_pending(r.idx));  // the SYN
    EXPECT_TRUE(r.m.step_pending(r.idx));  // the SYN-ACK
    EXPECT_TRUE(r.m.step_pending(r.idx));  // the ACK
    EXPECT_FALSE(r.m.has_pending());
    EXPECT_FALSE(r.m.step_pending(r.idx));
}

TEST(Machine, ACallThatMustWaitComesBackSleeping) {
    Rig r;
    r.listener(7004);
    uint64_t before = r.m.steps_run;
    Outcome o = r.run(Op::Accept, {3});
    EXPECT_TRUE(o.sleeping);
    EXPECT_EQ(r.m.steps_run, before + 1);
    EXPECT_EQ(r.m.k.w.tasks[TaskId(1)].state, TASK_INTERRUPTIBLE);
    EXPECT_FALSE(r.m.has_pending());
}

TEST(Machine, AWokenTaskResumesInAStepOfItsOwnAndReportsACompletion) {
    Rig r;
    r.listener(7005);
    ASSERT_TRUE(r.run(Op::Accept, {3}).sleeping);
    // a second process connects
    Outcome p = r.m.exec(cmd(Op::Spawn, 0, {0, 0, 1}), r.idx++);
    uint32_t b = 0;
    r.m.k.w.tasks.each([&](TaskId id, const Task& t) { if (t.pid == p.ret) b = id.v; });
    Outcome o = r.m.exec(cmd(Op::Socket, b, {AF_INET, SOCK_STREAM, 0}), r.idx++);
    ASSERT_EQ(o.ret, 3);
    r.m.k.completions.clear();
    o = r.m.exec(cmd(Op::Connect, b, {3, INADDR_LOOPBACK, 7005, 16, AF_INET}), r.idx);
    EXPECT_TRUE(o.sleeping);
    r.m.settle(r.idx);
    ASSERT_EQ(r.m.k.completions.size(), 2u);
    // the accept is woken by the final ACK, the connect by the SYN-ACK; the
    // connecting task was woken first
    EXPECT_EQ(r.m.k.completions[0].task.v, b);
    EXPECT_EQ(r.m.k.completions[0].ret, 0);
    EXPECT_EQ(r.m.k.completions[1].task.v, 1u);
    EXPECT_EQ(r.m.k.completions[1].ret, 4);
}

TEST(Machine, TheReplayBudgetStopsAfterThatManySteps) {
    Rig r;
    r.listener(7006);
    ASSERT_EQ(r.run(Op::Socket, {AF_INET, SOCK_STREAM, 0}).ret, 4);
    r.m.budget = 2;
    uint64_t before = r.m.steps_run;
    Outcome o = r.m.exec(cmd(Op::Connect, 1, {4, INADDR_LOOPBACK, 7006, 16, AF_INET}), r.idx);
    EXPECT_TRUE(o.sleeping);
    r.m.settle(r.idx);
    EXPECT_EQ(r.m.steps_run, before + 2);  // the call and the SYN's delivery
    EXPECT_EQ(r.m.budget, 0);
    EXPECT_TRUE(r.m.has_pending());  // the SYN-ACK waits on the wire
    EXPECT_FALSE(r.m.step_pending(r.idx));
    // with no budget left even a new command is refused without acting
    World before_w = r.m.k.w;
    r.m.exec(cmd(Op::Socket, 1, {AF_INET, SOCK_STREAM, 0}), r.idx + 1);
    EXPECT_TRUE(r.m.k.w == before_w);
    r.m.budget = -1;
    r.m.settle(r.idx);
    EXPECT_FALSE(r.m.has_pending());
}

TEST(Machine, SleepIsOneStepPlusEveryTimerItFiresAndWhatFollows) {
    Sim s;
    s.run("l = socket(AF_INET, SOCK_STREAM, 0)");
    s.run("bind(l, 127.0.0.1:7007)");
    s.run("listen(l, 0)");
    s.run("c1 = socket(AF_INET, SOCK_STREAM, 0)");
    s.run("connect(c1, 127.0.0.1:7007)");
    s.run("c2 = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)");
    s.run("connect(c2, 127.0.0.1:7007)");  // dropped: the accept queue is full
    EXPECT_EQ(steps_of(s, "sleep(999)"), 1u);
    // one timer (the SYN retransmission) and the SYN's delivery
    EXPECT_EQ(steps_of(s, "sleep(1)"), 3u);
    EXPECT_EQ(steps_of(s, "sleep(0)"), 1u);
}

TEST(Machine, AfterStepRunsAfterEveryStepButASleepsOwn) {
    Rig r;
    int hooks = r.hooks;
    uint64_t steps = r.m.steps_run;
    r.listener(7008);
    ASSERT_EQ(r.run(Op::Socket, {AF_INET, SOCK_STREAM, 0}).ret, 4);
    r.run(Op::Connect, {4, INADDR_LOOPBACK, 7008, 16, AF_INET});
    EXPECT_EQ(r.hooks - hooks, static_cast<int>(r.m.steps_run - steps));
    hooks = r.hooks;
    steps = r.m.steps_run;
    r.run(Op::Sleep, {500});
    EXPECT_EQ(r.m.steps_run - steps, 1u);
    EXPECT_EQ(r.hooks, hooks);
}

TEST(Machine, ReturnEventsCloseTheSyscallsThatFinishedAtOnce) {
    Sim s;
    uint64_t step = s.h.step_count();
    s.run("close(99)");
    const Trace& t = s.h.trace();
    const TraceEvent& last = t.events[t.step_end(step) - 1];
    EXPECT_EQ(last.ev, Ev::Return);
    EXPECT_EQ(last.id, s.main().v);
    EXPECT_EQ(last.a, -1);
    EXPECT_EQ(last.b, EBADF);
}

// ---------------------------------------------------------------- the machine's own ops

TEST(Machine, SpawnMakesARootProcessOrOneWithoutCapabilities) {
    Rig r;
    Outcome o = r.m.exec(cmd(Op::Spawn, 0, {1000, 100, 0}), r.idx++);
    EXPECT_EQ(o.ret, 1001);
    const Task& u = r.m.k.w.tasks[TaskId(2)];
    EXPECT_EQ(u.uid, 1000u);
    EXPECT_EQ(u.gid, 100u);
    EXPECT_EQ(u.cap_effective, 0u);
    EXPECT_NE(r.m.k.w.tasks[TaskId(1)].cap_effective, 0u);
}

TEST(Machine, TheMachinesOwnOpsCheckTheirArguments) {
    Rig r;
    EXPECT_EQ(r.run(Op::Signal, {424242}).ret, -ESRCH);
    EXPECT_EQ(r.run(Op::KthreadStop, {424242}).ret, -ESRCH);
    EXPECT_EQ(r.run(Op::KernelBind, {0, 0, 7000, 16, AF_INET}).ret, -EBADF);
    EXPECT_EQ(r.run(Op::KernelListen, {12345, 5}).ret, -EBADF);
    EXPECT_EQ(r.run(Op::KernelAccept, {0x1ffffffffLL, 0}).ret, -EBADF);
    EXPECT_EQ(r.run(Op::SockRelease, {-1}).ret, -EBADF);
    EXPECT_EQ(r.run(Op::PeerSend, {7, TH_SYN, INADDR_LOOPBACK, 80, -1}).ret, -ESRCH);
    EXPECT_EQ(r.run(Op::PeerCreate, {INADDR_LOOPBACK}).ret, -EADDRNOTAVAIL);
    EXPECT_EQ(r.run(Op::ProtoswRegister, {AF_INET, SOCK_STREAM, 99, 9}).ret, -EINVAL);
    EXPECT_EQ(r.run(Op::Count).ret, -ENOSYS);
    EXPECT_TRUE(check_invariants(r.m.k.w).empty());
}

TEST(Machine, ASynFloodSendsOneSynFromEachOfCountHosts) {
    Sim s;
    s.run("s = socket(AF_INET, SOCK_STREAM, 0)");
    s.run("bind(s, 0.0.0.0:80)");
    s.run("listen(s, 4)");
    EXPECT_EQ(s.run("synflood(127.0.0.1:80, 10)"), ok(10));
    EXPECT_EQ(s.w().peers.size(), 10u);
    EXPECT_EQ(s.run("synq(s)"), ok(5));
    EXPECT_EQ(s.mib(Mib::SyncookiesSent), 5);
    EXPECT_EQ(s.mib(Mib::TCPReqQFullDoCookies), 5);
    // the same hosts again: no new peers
    EXPECT_EQ(s.run("synflood(127.0.0.1:80, 3)"), ok(3));
    EXPECT_EQ(s.w().peers.size(), 10u);
}

TEST(Machine, EveryOpHasAName) {
    std::set<std::string> names;
    for (size_t i = 0; i < static_cast<size_t>(Op::Count); ++i) {
        std::string n = op_name(static_cast<Op>(i));
        EXPECT_FALSE(n.empty());
        names.insert(n);
    }
    EXPECT_EQ(names.size(), static_cast<size_t>(Op::Count));
    EXPECT_STREQ(op_name(Op::Socket), "socket");
    EXPECT_STREQ(op_name(Op::ProtoswRegister), "inet_register_protosw");
    EXPECT_STREQ(op_name(Op::Sysctl), "sysctl");
}

// ---------------------------------------------------------------- sysctls

TEST(Machine, TheSysctlNamesAreTheSharedListInOrder) {
    const auto& names = Machine::sysctl_names();
    ASSERT_EQ(names.size(), std::size(kSysctlNames));
    for (size_t i = 0; i < names.size(); ++i) {
        EXPECT_EQ(names[i], kSysctlNames[i]);
        int id = -1;
        ASSERT_TRUE(Machine::sysctl_id(names[i], &id));
        EXPECT_EQ(id, static_cast<int>(i));
    }
    int id = -1;
    EXPECT_FALSE(Machine::sysctl_id("net.core.nope", &id));
    EXPECT_FALSE(Machine::sysctl_id("somaxconn", &id));
    EXPECT_FALSE(Machine::sysctl_id("", &id));
}

TEST(Machine, EverySysctlWritesItsField) {
    World w = make_boot_world();
    EXPECT_TRUE(Machine::set_sysctl(w, "net.core.somaxconn", 128, 0));
    EXPECT_TRUE(Machine::set_sysctl(w, "net.ipv4.tcp_max_syn_backlog", 256, 0));
    EXPECT_TRUE(Machine::set_sysctl(w, "net.ipv4.tcp_syncookies", 2, 0));
    EXPECT_TRUE(Machine::set_sysctl(w, "net.ipv4.tcp_abort_on_overflow", 1, 0));
    EXPECT_TRUE(Machine::set_sysctl(w, "net.ipv4.ip_local_port_range", 40000, 40010));
    EXPECT_TRUE(Machine::set_sysctl(w, "net.ipv4.ip_unprivileged_port_start", 80, 0));
    EXPECT_TRUE(Machine::set_sysctl(w, "net.ipv4.tcp_synack_retries", 2, 0));
    EXPECT_TRUE(Machine::set_sysctl(w, "net.ipv4.tcp_syn_retries", 3, 0));
    EXPECT_TRUE(Machine::set_sysctl(w, "net.ipv4.tcp_syn_linear_timeouts", 1, 0));
    EXPECT_TRUE(Machine::set_sysctl(w, "net.ipv4.ping_group_range", 0, 2147483647));
    EXPECT_TRUE(Machine::set_sysctl(w, "net.ipv4.tcp_fin_timeout", 30, 0));
    EXPECT_TRUE(Machine::set_sysctl(w, "net.ipv4.ip_nonlocal_bind", 1, 0));
    const Sysctls& s = w.sysctl;
    EXPECT_EQ(s.somaxconn, 128);
    EXPECT_EQ(s.tcp_max_syn_backlog, 256);
    EXPECT_EQ(s.tcp_syncookies, 2);
    EXPECT_EQ(s.tcp_abort_on_overflow, 1);
    EXPECT_EQ(s.ip_local_port_range_lo, 40000);
    EXPECT_EQ(s.ip_local_port_range_hi, 40010);
    EXPECT_EQ(s.ip_unprivileged_port_start, 80);
    EXPECT_EQ(s.tcp_synack_retries, 2);
    EXPECT_EQ(s.tcp_syn_retries, 3);
    EXPECT_EQ(s.tcp_syn_linear_timeouts, 1);
    EXPECT_EQ(s.ping_group_range_lo, 0);
    EXPECT_EQ(s.ping_group_range_hi, 2147483647);
    EXPECT_EQ(s.tcp_fin_timeout, 30);
    EXPECT_EQ(s.ip_nonlocal_bind, 1);
    EXPECT_FALSE(Machine::set_sysctl(w, "net.ipv4.no_such_thing", 1, 0));
}

TEST(Machine, ThePortRangeMustBeOrderedAndInsideOneTo65535) {
    World w = make_boot_world();
    EXPECT_FALSE(Machine::set_sysctl(w, "net.ipv4.ip_local_port_range", 3000, 2000));
    EXPECT_FALSE(Machine::set_sysctl(w, "net.ipv4.ip_local_port_range", 1024, 70000));
    EXPECT_FALSE(Machine::set_sysctl(w, "net.ipv4.ip_local_port_range", 0, 2000));
    EXPECT_EQ(w.sysctl.ip_local_port_range_lo, 32768);
    EXPECT_EQ(w.sysctl.ip_local_port_range_hi, 60999);
    EXPECT_TRUE(Machine::set_sysctl(w, "net.ipv4.ip_local_port_range", 1024, 2000));
    EXPECT_TRUE(Machine::set_sysctl(w, "net.ipv4.ip_local_port_range", 7731, 7731));
}

TEST(Machine, ThePortRangeMayNotReachIntoThePrivilegedPorts) {
    World w = make_boot_world();
    EXPECT_FALSE(Machine::set_sysctl(w, "net.ipv4.ip_local_port_range", 100, 200));
    EXPECT_FALSE(Machine::set_sysctl(w, "net.ipv4.ip_local_port_range", 1023, 2000));
    EXPECT_TRUE(Machine::set_sysctl(w, "net.ipv4.ip_local_port_range", 1024, 2000));
    World v = make_boot_world();
    EXPECT_FALSE(Machine::set_sysctl(v, "net.ipv4.ip_unprivileged_port_start", 40000, 0));
    EXPECT_TRUE(Machine::set_sysctl(v, "net.ipv4.ip_unprivileged_port_start", 32768, 0));
}

TEST(Machine, SysctlValuesOutsideTheKernelsLimitsAreRefused) {
    World w = make_boot_world();
    EXPECT_FALSE(Machine::set_sysctl(w, "net.core.somaxconn", -1, 0));
    EXPECT_FALSE(Machine::set_sysctl(w, "net.ipv4.tcp_syn_retries", 0, 0));
    EXPECT_FALSE(Machine::set_sysctl(w, "net.ipv4.tcp_syn_retries", 128, 0));
    EXPECT_FALSE(Machine::set_sysctl(w, "net.ipv4.tcp_synack_retries", 256, 0));
    EXPECT_FALSE(Machine::set_sysctl(w, "net.ipv4.tcp_syn_linear_timeouts", 200, 0));
    EXPECT_TRUE(w == make_boot_world());
}

TEST(Machine, TheSysctlCommandIsEnoentForAnUnknownIdAndEinvalForABadValue) {
    Rig r;
    EXPECT_EQ(r.run(Op::Sysctl, {99, 1, 0}).ret, -ENOENT);
    EXPECT_EQ(r.run(Op::Sysctl, {-1, 1, 0}).ret, -ENOENT);
    int id = -1;
    ASSERT_TRUE(Machine::sysctl_id("net.ipv4.ip_local_port_range", &id));
    EXPECT_EQ(r.run(Op::Sysctl, {id, 5000, 4000}).ret, -EINVAL);
    ASSERT_TRUE(Machine::sysctl_id("net.core.somaxconn", &id));
    EXPECT_EQ(r.run(Op::Sysctl, {id, 128, 0}).ret, 0);
    EXPECT_EQ(r.m.k.w.sysctl.somaxconn, 128);
}

TEST(Machine, ASysctlAppliesFromTheNextCallOn) {
    Sim s;
    s.run("l = socket(AF_INET, SOCK_STREAM, 0)");
    EXPECT_EQ(s.run("listen(l, 1000)"), ok(0));
    EXPECT_EQ(s.run("backlog(l)"), ok(1000));
    s.run("!sysctl net.core.somaxconn=128");
    EXPECT_EQ(s.run("backlog(l)"), ok(1000));
    EXPECT_EQ(s.run("listen(l, 1000)"), ok(0));
    EXPECT_EQ(s.run("backlog(l)"), ok(128));
    s.run("!sysctl net.core.somaxconn=0");
    EXPECT_EQ(s.run("listen(l, 1000)"), ok(0));
    EXPECT_EQ(s.run("backlog(l)"), ok(0));
}

}  // namespace sockscope::test
