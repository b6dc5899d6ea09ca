// test_timer.cpp — core/kernel/timer.cpp: timers on virtual time. The queue
// order (expiry, then arming order), one step per firing, and the timers
// the socket layer arms: SYN and SYN-ACK retransmission, TIME_WAIT and
// FIN_WAIT2 expiry, SO_RCVTIMEO and SO_SNDTIMEO.
#include "support.h"

#include <algorithm>

#include "kernel/model.h"

namespace sockscope::script {
// Results print as the runner prints them ("3", "-1 EBADF").
static void PrintTo(const Result& r, std::ostream* os) { *os << format_result(r); }
}  // namespace sockscope::script

namespace sockscope::test {

namespace {

// Timers whose owner does not exist: firing them only takes them off.
TimerId arm(Kernel& k, uint32_t owner, int64_t expires, TimerId existing = TimerId{}) {
    return mod_timer(k, existing, TimerKind::tw_timer, 900 + owner, expires);
}

std::vector<uint32_t> live_timers(const Kernel& k) {
    std::vector<uint32_t> out;
    k.w.timers.each([&](TimerId id, const Timer&) { out.push_back(id.v); });
    return out;
}

// Virtual times of the Timer steps since step `first`.
std::vector<int64_t> timer_steps(Sim& s, uint64_t first) {
    std::vector<int64_t> out;
    for (uint64_t i = first; i < s.h.step_count(); ++i)
        if (s.h.trace().steps[i].kind == StepKind::Timer) out.push_back(s.h.trace().steps[i].time);
    return out;
}

bool printed(Sim& s, const std::string& line) { return s.out.find(line + "\n") != std::string::npos; }

void full_listener(Sim& s, int port) {
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(l, 127.0.0.1:" + std::to_string(port) + ")"), ok(0));
    ASSERT_EQ(s.run("listen(l, 0)"), ok(0));
    ASSERT_EQ(s.run("c1 = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    ASSERT_EQ(s.run("connect(c1, 127.0.0.1:" + std::to_string(port) + ")"), ok(0));
}

}  // namespace

// ---------------------------------------------------------------- the queue

TEST(Timer, TimersFireInOrderOfExpiryThenOfArming) {
    Kernel k;
    TimerId a = arm(k, 1, 300), b = arm(k, 2, 100), c = arm(k, 3, 200), d = arm(k, 4, 100);
    std::vector<uint32_t> order;
    while (k.w.timers.size() > 0) {
        std::vector<uint32_t> before = live_timers(k);
        ASSERT_TRUE(run_next_timer(k, 1000));
        std::vector<uint32_t> after = live_timers(k);
        for (uint32_t id : before)
            if (std::find(after.begin(), after.end(), id) == after.end()) order.push_back(id);
    }
    EXPECT_EQ(order, (std::vector<uint32_t>{b.v, d.v, c.v, a.v}));
    EXPECT_EQ(k.w.now, 300);
    EXPECT_TRUE(k.w.timer_queue.empty());
}

TEST(Timer, ANotYetDueTimerDoesNotFireAndTimeStaysPut) {
    Kernel k;
    arm(k, 1, 500);
    EXPECT_FALSE(timer_due(k.w, 499));
    EXPECT_FALSE(run_next_timer(k, 499));
    EXPECT_EQ(k.w.now, 0);
    EXPECT_TRUE(timer_due(k.w, 500));
    EXPECT_TRUE(run_next_timer(k, 500));
    EXPECT_EQ(k.w.now, 500);
    EXPECT_FALSE(timer_due(k.w, 100000));
}

TEST(Timer, ReArmingATimerKeepsItsIdAndMovesIt) {
    Kernel k;
    TimerId a = arm(k, 1, 100);
    TimerId b = arm(k, 2, 200);
    TimerId a2 = arm(k, 1, 300, a);
    EXPECT_EQ(a2, a);
    EXPECT_EQ(k.w.timers.size(), 2u);
    EXPECT_EQ(k.w.timer_queue.size(), 2u);
    EXPECT_EQ(k.w.timers[a].expires, 300);
    ASSERT_TRUE(run_next_timer(k, 1000));
    EXPECT_FALSE(k.w.timers.contains(b));
    EXPECT_TRUE(k.w.timers.contains(a));
}

TEST(Timer, ReArmingAtTheSameExpiryPutsTheTimerBehindTheOthers) {
    Kernel k;
    TimerId a = arm(k, 1, 100);
    TimerId b = arm(k, 2, 100);
    arm(k, 1, 100, a);
    ASSERT_TRUE(run_next_timer(k, 100));
    EXPECT_FALSE(k.w.timers.contains(b));
    EXPECT_TRUE(k.w.timers.contains(a));
}

TEST(Timer, DelTimerTakesItOffAndClearsTheId) {
    Kernel k;
    TimerId a = arm(k, 1, 100);
    TimerId copy = a;
    del_timer(k, a);
    EXPECT_FALSE(static_cast<bool>(a));
    EXPECT_FALSE(k.w.timers.contains(copy));
    EXPECT_TRUE(k.w.timer_queue.empty());
    del_timer(k, a);  // again: nothing
    EXPECT_FALSE(run_next_timer(k, 1000));
}

TEST(Timer, SleepMovesVirtualTimeEvenWithNoTimerDue) {
    Sim s;
    EXPECT_EQ(s.run("now()"), ok(0));
    uint64_t steps = s.h.step_count();
    EXPECT_EQ(s.run("sleep(250)"), ok(0));
    EXPECT_EQ(s.run("now()"), ok(250));
    EXPECT_EQ(s.h.step_count(), steps + 1);  // the sleep itself; no timer
    s.run("!advance 750");
    EXPECT_EQ(s.run("now()"), ok(1000));
}

TEST(Timer, EachFiringIsAStepOfItsOwn) {
    Sim s;
    full_listener(s, 7700);
    ASSERT_EQ(s.run("c2 = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(5));
    ASSERT_EQ(s.run("connect(c2, 127.0.0.1:7700)"), err(EINPROGRESS));
    uint64_t first = s.h.step_count();
    s.run("sleep(3500)");
    // the sleep, then per retransmission: the timer, the SYN's delivery
    std::vector<StepKind> kinds;
    for (uint64_t i = first; i < s.h.step_count(); ++i) kinds.push_back(s.h.trace().steps[i].kind);
    EXPECT_EQ(kinds, (std::vector<StepKind>{StepKind::Syscall, StepKind::Timer, StepKind::Deliver, StepKind::Timer,
                                            StepKind::Deliver, StepKind::Timer, StepKind::Deliver}));
    EXPECT_EQ(s.run("now()"), ok(3500));
}

TEST(Timer, ATimerStepIsRecordedAtTheTimeItRuns) {
    Sim s;
    full_listener(s, 7709);
    ASSERT_EQ(s.run("c2 = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(5));
    ASSERT_EQ(s.run("connect(c2, 127.0.0.1:7709)"), err(EINPROGRESS));
    uint64_t first = s.h.step_count();
    s.run("sleep(3500)");
    EXPECT_EQ(timer_steps(s, first), (std::vector<int64_t>{1000, 2000, 3000}));
}

// ---------------------------------------------------------------- TCP timers

TEST(Timer, ASynIsResentAt1To5ThenBacksOffAndGivesUpAt131Seconds) {
    Sim s;
    full_listener(s, 7701);
    ASSERT_EQ(s.run("c2 = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(5));
    ASSERT_EQ(s.run("connect(c2, 127.0.0.1:7701)"), err(EINPROGRESS));
    EXPECT_EQ(s.mib(Mib::ListenOverflows), 1);
    uint64_t first = s.h.step_count();
    s.run("sleep(130999)");
    std::vector<int64_t> syns;
    const Trace& t = s.h.trace();
    for (size_t i = t.step_begin(first); i < t.events.size(); ++i)
        if (t.events[i].ev == Ev::PacketSend && t.packets[t.events[i].id].flags == TH_SYN)
            syns.push_back(t.packets[t.events[i].id].sent_at);
    EXPECT_EQ(syns, (std::vector<int64_t>{1000, 2000, 3000, 4000, 5000, 7000, 11000, 19000, 35000, 67000}));
    EXPECT_EQ(s.run("tcp_state(c2)"), ok(TCP_SYN_SENT));
    EXPECT_EQ(s.mib(Mib::ListenOverflows), 11);
    EXPECT_EQ(s.mib(Mib::TCPSynRetrans), 10);
    s.run("sleep(1)");
    EXPECT_EQ(s.run("tcp_state(c2)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.run("getsockopt(c2, SOL_SOCKET, SO_ERROR)"), ok(ETIMEDOUT));
    EXPECT_EQ(s.mib(Mib::TCPAbortOnTimeout), 1);
    EXPECT_EQ(s.w().timers.size(), 0u);
}

TEST(Timer, ABlockingConnectThatIsNeverAnsweredFailsWithEtimedout) {
    Sim s;
    full_listener(s, 7702);
    ASSERT_EQ(s.run("B: c = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    s.run("B: connect(c, 127.0.0.1:7702)");
    ASSERT_TRUE(s.slept());
    s.run("!advance 131000");
    EXPECT_TRUE(printed(s, "B: connect(c, 127.0.0.1:7702) = -1 ETIMEDOUT")) << s.out;
}

TEST(Timer, ARequestSockResendsItsSynAckWithBackoffAndExpiresAfter63Seconds) {
    Sim s;
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(l, 0.0.0.0:7703)"), ok(0));
    ASSERT_EQ(s.run("listen(l, 5)"), ok(0));
    ASSERT_EQ(s.run("P = peer(10.0.0.2:0)").err, 0);
    ASSERT_EQ(s.run("peer_syn(P, 127.0.0.1:7703)"), ok(0));
    s.run("sleep(62999)");
    EXPECT_EQ(s.run("synq(l)"), ok(1));
    s.run("sleep(1)");
    EXPECT_EQ(s.run("synq(l)"), ok(0));
    const Peer& p = s.w().peers[PeerId(static_cast<uint32_t>(s.in.vars.at("P")))];
    std::vector<int64_t> sent;
    for (const Packet& pk : p.inbox) {
        EXPECT_EQ(pk.flags, TH_SYN | TH_ACK);
        sent.push_back(pk.sent_at);
    }
    EXPECT_EQ(sent, (std::vector<int64_t>{0, 1000, 3000, 7000, 15000, 31000}));
    EXPECT_EQ(s.w().reqs.size(), 0u);
    EXPECT_EQ(s.w().timers.size(), 0u);
    EXPECT_EQ(s.sk(3).sk_refcnt, 1);
}

TEST(Timer, TimeWaitHoldsThePortForSixtySeconds) {
    Sim s;
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(l, 127.0.0.1:7704)"), ok(0));
    ASSERT_EQ(s.run("listen(l, 5)"), ok(0));
    ASSERT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    ASSERT_EQ(s.run("connect(c, 127.0.0.1:7704)"), ok(0));
    ASSERT_EQ(s.run("a = accept(l)"), ok(5));
    ASSERT_EQ(s.run("close(a)"), ok(0));
    ASSERT_EQ(s.run("close(c)"), ok(0));
    ASSERT_EQ(s.run("close(l)"), ok(0));
    ASSERT_EQ(s.w().tws.size(), 1u);
    EXPECT_EQ(s.w().tws.find(TwId(1))->tw_substate, TCP_TIME_WAIT);
    ASSERT_EQ(s.run("n = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(n, 127.0.0.1:7704)"), err(EADDRINUSE));
    s.run("sleep(59999)");
    EXPECT_EQ(s.run("bind(n, 127.0.0.1:7704)"), err(EADDRINUSE));
    s.run("sleep(1)");
    EXPECT_EQ(s.run("bind(n, 127.0.0.1:7704)"), ok(0));
    EXPECT_EQ(s.mib(Mib::TW), 1);
    EXPECT_EQ(s.w().tws.size(), 0u);
}

TEST(Timer, AnOrphanInFinWait2LastsTcpFinTimeout) {
    Sim s;
    s.run("!sysctl net.ipv4.tcp_fin_timeout=30");
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(l, 127.0.0.1:7705)"), ok(0));
    ASSERT_EQ(s.run("listen(l, 5)"), ok(0));
    ASSERT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    ASSERT_EQ(s.run("connect(c, 127.0.0.1:7705)"), ok(0));
    ASSERT_EQ(s.run("a = accept(l)"), ok(5));
    ASSERT_EQ(s.run("close(a)"), ok(0));  // the peer never closes: FIN_WAIT2
    ASSERT_EQ(s.w().tws.size(), 1u);
    EXPECT_EQ(s.w().tws.find(TwId(1))->tw_substate, TCP_FIN_WAIT2);
    s.run("sleep(29999)");
    EXPECT_EQ(s.w().tws.size(), 1u);
    s.run("sleep(1)");
    EXPECT_EQ(s.w().tws.size(), 0u);
    EXPECT_EQ(s.run("tcp_state(c)"), ok(TCP_CLOSE_WAIT));
}

// ---------------------------------------------------------------- SO_RCVTIMEO, SO_SNDTIMEO

TEST(Timer, SoRcvtimeoMakesABlockingAcceptGiveUpWithEagain) {
    Sim s;
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("listen(l, 5)"), ok(0));
    ASSERT_EQ(s.run("setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, 2000)"), ok(0));
    s.run("T = thread()");
    s.run("T: accept(l)");
    ASSERT_TRUE(s.slept());
    const Task& t = s.w().tasks[s.in.tasks.at("T")];
    ASSERT_TRUE(s.w().timers.contains(t.timeout_timer));
    EXPECT_EQ(s.w().timers[t.timeout_timer].kind, TimerKind::sock_timeout);
    EXPECT_EQ(s.w().timers[t.timeout_timer].expires, 2000);
    s.run("!advance 1999");
    EXPECT_FALSE(printed(s, "T: accept(l) = -1 EAGAIN"));
    s.run("!advance 1");
    EXPECT_TRUE(printed(s, "T: accept(l) = -1 EAGAIN")) << s.out;
    EXPECT_EQ(s.w().timers.size(), 0u);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
}

TEST(Timer, AConnectionBeforeTheTimeoutCancelsTheTimer) {
    Sim s;
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(l, 127.0.0.1:7706)"), ok(0));
    ASSERT_EQ(s.run("listen(l, 5)"), ok(0));
    ASSERT_EQ(s.run("setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, 2000)"), ok(0));
    s.run("T = thread()");
    s.run("T: accept(l)");
    ASSERT_TRUE(s.slept());
    s.run("!advance 500");
    ASSERT_EQ(s.run("B: c = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("B: connect(c, 127.0.0.1:7706)"), ok(0));
    EXPECT_TRUE(printed(s, "T: accept(l) = 4")) << s.out;
    EXPECT_EQ(s.w().timers.size(), 0u);
    EXPECT_FALSE(static_cast<bool>(s.w().tasks[s.in.tasks.at("T")].timeout_timer));
}

TEST(Timer, SoSndtimeoEndsABlockingConnectWithEinprogressWhileTheHandshakeGoesOn) {
    Sim s;
    full_listener(s, 7707);
    ASSERT_EQ(s.run("B: c = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("B: setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, 5000)"), ok(0));
    s.run("B: connect(c, 127.0.0.1:7707)");
    ASSERT_TRUE(s.slept());
    s.run("!advance 5000");
    EXPECT_TRUE(printed(s, "B: connect(c, 127.0.0.1:7707) = -1 EINPROGRESS")) << s.out;
    EXPECT_EQ(s.run("B: tcp_state(c)"), ok(TCP_SYN_SENT));
    // connecting again waits again, and times out with EALREADY this time
    s.run("B: connect(c, 127.0.0.1:7707)");
    EXPECT_TRUE(s.slept());
    s.run("!advance 5000");
    EXPECT_TRUE(printed(s, "B: connect(c, 127.0.0.1:7707) = -1 EALREADY")) << s.out;
}

TEST(Timer, AWakeUpInTheSameMillisecondAsTheTimeoutStillCancelsTheTimer) {
    Sim s;
    full_listener(s, 7708);
    ASSERT_EQ(s.run("B: c = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("B: setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, 1000)"), ok(0));
    s.run("B: connect(c, 127.0.0.1:7708)");
    ASSERT_TRUE(s.slept());
    ASSERT_EQ(s.run("accept(l)"), ok(5));
    s.run("!advance 1000");
    EXPECT_TRUE(printed(s, "B: connect(c, 127.0.0.1:7708) = 0")) << s.out;
    EXPECT_EQ(s.w().timers.size(), 0u);
}

}  // namespace sockscope::test
