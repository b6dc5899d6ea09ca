// test_sched.cpp — core/kernel/sched.cpp: wait queues (exclusive accept
// waiters wake one at a time, a state change wakes all), signals, the run
// queue, and the seed-000 kernel thread's life.
#include "support.h"

#include "kernel/model.h"

namespace sockscope::script {
// Results print as the runner prints them ("3", "-1 EBADF").
static void PrintTo(const Result& r, std::ostream* os) { *os << format_result(r); }
}  // namespace sockscope::script

namespace sockscope::test {

namespace {

void listener(Sim& s, int port) {
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(l, 127.0.0.1:" + std::to_string(port) + ")"), ok(0));
    ASSERT_EQ(s.run("listen(l, 5)"), ok(0));
}

const Task& task(Sim& s, const std::string& name) { return s.w().tasks[s.in.tasks.at(name)]; }
bool asleep(Sim& s, const std::string& name) { return task(s, name).state == TASK_INTERRUPTIBLE; }
bool printed(Sim& s, const std::string& line) { return s.out.find(line + "\n") != std::string::npos; }

SocketId socket_of(Sim& s, int fd) {
    const FilesStruct& fs = s.w().files_structs[s.w().tasks[s.main()].files];
    return s.w().files[fs.fd[fd]].private_data;
}

// A kernel with one process and a bare socket, for the wait-queue calls.
struct Bench {
    Kernel k;
    SocketId sock;
    std::vector<TaskId> t;
    Bench() {
        for (int i = 0; i < 4; ++i) t.push_back(create_process(k, "p", 0, 0, true));
        sock = sock_alloc(k, t[0]);
    }
    void sleep_on(int i, bool exclusive) {
        prepare_to_wait(k, sock, t[i], exclusive);
        SyscallFrame f;
        f.kind = WaitKind::Accept;
        f.sock = sock;
        task_sleep(k, t[i], f, -1);
    }
    std::vector<uint32_t> queue() const {
        std::vector<uint32_t> out;
        for (const Waiter& w : k.w.sockets[sock].wq) out.push_back(w.task.v);
        return out;
    }
    std::vector<uint32_t> runqueue() const {
        std::vector<uint32_t> out;
        for (TaskId x : k.w.runqueue) out.push_back(x.v);
        return out;
    }
};

}  // namespace

// ---------------------------------------------------------------- wait queues

TEST(Sched, ExclusiveWaitersQueueAtTheTailAndOthersAtTheHead) {
    Bench b;
    b.sleep_on(0, true);
    b.sleep_on(1, false);
    b.sleep_on(2, true);
    b.sleep_on(3, false);
    EXPECT_EQ(b.queue(), (std::vector<uint32_t>{b.t[3].v, b.t[1].v, b.t[0].v, b.t[2].v}));
    EXPECT_TRUE(b.k.w.sockets[b.sock].wq[2].exclusive);
    EXPECT_FALSE(b.k.w.sockets[b.sock].wq[0].exclusive);
}

TEST(Sched, AWakeUpWakesEveryNonExclusiveWaiterAndOneExclusiveWaiter) {
    Bench b;
    b.sleep_on(0, true);
    b.sleep_on(1, false);
    b.sleep_on(2, true);
    b.sleep_on(3, false);
    wake_up_socket(b.k, b.sock, false);
    EXPECT_EQ(b.runqueue(), (std::vector<uint32_t>{b.t[3].v, b.t[1].v, b.t[0].v}));
    EXPECT_EQ(b.queue(), (std::vector<uint32_t>{b.t[2].v}));
    EXPECT_EQ(b.k.w.tasks[b.t[2]].state, TASK_INTERRUPTIBLE);
    EXPECT_EQ(b.k.w.tasks[b.t[0]].state, TASK_RUNNING);
    EXPECT_TRUE(b.k.w.tasks[b.t[0]].on_runqueue);
}

TEST(Sched, AWakeUpOfAllWakesEveryExclusiveWaiterToo) {
    Bench b;
    b.sleep_on(0, true);
    b.sleep_on(1, true);
    b.sleep_on(2, false);
    wake_up_socket(b.k, b.sock, true);
    EXPECT_EQ(b.runqueue(), (std::vector<uint32_t>{b.t[2].v, b.t[0].v, b.t[1].v}));
    EXPECT_TRUE(b.queue().empty());
}

TEST(Sched, PreparingToWaitTwiceQueuesATaskOnce) {
    Bench b;
    prepare_to_wait(b.k, b.sock, b.t[0], true);
    prepare_to_wait(b.k, b.sock, b.t[0], true);
    prepare_to_wait(b.k, b.sock, b.t[0], false);
    EXPECT_EQ(b.queue().size(), 1u);
    finish_wait(b.k, b.sock, b.t[0]);
    EXPECT_TRUE(b.queue().empty());
    finish_wait(b.k, b.sock, b.t[0]);  // not queued: nothing to do
    EXPECT_TRUE(b.queue().empty());
}

TEST(Sched, WakingARunningTaskDoesNothing) {
    Bench b;
    try_to_wake_up(b.k, b.t[0]);
    EXPECT_TRUE(b.k.w.runqueue.empty());
    EXPECT_EQ(b.k.w.tasks[b.t[0]].state, TASK_RUNNING);
}

TEST(Sched, ExclusiveAcceptWaitersWakeOneAtATimeInTheOrderTheySlept) {
    Sim s;
    listener(s, 7600);
    s.run("T1 = thread()");
    s.run("T2 = thread()");
    s.run("T1: a = accept(l)");
    ASSERT_TRUE(s.slept());
    s.run("T2: b = accept(l)");
    ASSERT_TRUE(s.slept());
    SocketId ls = socket_of(s, 3);
    ASSERT_EQ(s.w().sockets[ls].wq.size(), 2u);
    EXPECT_TRUE(s.w().sockets[ls].wq[0].exclusive);
    EXPECT_EQ(s.w().sockets[ls].wq[0].task, s.in.tasks.at("T1"));
    EXPECT_EQ(s.run("B: c1 = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("B: connect(c1, 127.0.0.1:7600)"), ok(0));
    EXPECT_TRUE(printed(s, "T1: a = accept(l) = 4"));
    EXPECT_FALSE(asleep(s, "T1"));
    EXPECT_TRUE(asleep(s, "T2"));
    EXPECT_EQ(s.w().sockets[ls].wq.size(), 1u);
    EXPECT_EQ(s.run("B: c2 = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("B: connect(c2, 127.0.0.1:7600)"), ok(0));
    EXPECT_TRUE(printed(s, "T2: b = accept(l) = 5"));
    EXPECT_TRUE(s.w().sockets[ls].wq.empty());
}

TEST(Sched, AStateChangeWakesEveryAcceptWaiterInWakeOrder) {
    Sim s;
    listener(s, 7601);
    s.run("T1 = thread()");
    s.run("T2 = thread()");
    s.run("T1: accept(l)");
    s.run("T2: accept(l)");
    ASSERT_TRUE(asleep(s, "T1") && asleep(s, "T2"));
    uint64_t first = s.h.step_count();
    EXPECT_EQ(s.run("shutdown(l, SHUT_RD)"), ok(0));
    size_t p1 = s.out.find("T1: accept(l) = -1 EINVAL\n"), p2 = s.out.find("T2: accept(l) = -1 EINVAL\n");
    ASSERT_NE(p1, std::string::npos) << s.out;
    ASSERT_NE(p2, std::string::npos) << s.out;
    EXPECT_LT(p1, p2);
    std::vector<uint32_t> resumed;
    for (uint64_t i = first; i < s.h.step_count(); ++i)
        if (s.h.trace().steps[i].kind == StepKind::Resume) resumed.push_back(s.h.trace().steps[i].task);
    EXPECT_EQ(resumed, (std::vector<uint32_t>{s.in.tasks.at("T1").v, s.in.tasks.at("T2").v}));
    // both reserved fds were given back
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
}

TEST(Sched, AnAcceptSleepsExclusivelyWithItsNewFdSocketAndFileReady) {
    Sim s;
    listener(s, 7602);
    s.run("T = thread()");
    s.run("T: accept(l)");
    const Task& t = task(s, "T");
    EXPECT_EQ(t.state, TASK_INTERRUPTIBLE);
    EXPECT_EQ(t.wait.kind, WaitKind::Accept);
    EXPECT_EQ(t.wait.fd, 3);
    EXPECT_EQ(t.wait.newfd, 4);
    EXPECT_TRUE(s.w().sockets.contains(t.wait.newsock));
    EXPECT_TRUE(s.w().files.contains(t.wait.newfile));
    EXPECT_EQ(t.wait.sock, socket_of(s, 3));
    EXPECT_EQ(t.wait.deadline, -1);
}

TEST(Sched, ABlockingConnectSleepsNonExclusivelyOnItsOwnSocket) {
    Sim s;
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(l, 127.0.0.1:7603)"), ok(0));
    ASSERT_EQ(s.run("listen(l, 0)"), ok(0));
    ASSERT_EQ(s.run("c1 = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    ASSERT_EQ(s.run("connect(c1, 127.0.0.1:7603)"), ok(0));
    ASSERT_EQ(s.run("B: c = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    s.run("B: connect(c, 127.0.0.1:7603)");  // the accept queue is full: the SYN is dropped
    ASSERT_TRUE(s.slept());
    const Task& b = task(s, "B");
    EXPECT_EQ(b.wait.kind, WaitKind::Connect);
    const Socket& so = s.w().sockets[b.wait.sock];
    ASSERT_EQ(so.wq.size(), 1u);
    EXPECT_FALSE(so.wq[0].exclusive);
    EXPECT_EQ(so.state, SS_CONNECTING);
    // room in the queue, then the SYN retransmission gets through
    EXPECT_EQ(s.run("accept(l)"), ok(5));
    s.run("!advance 1000");
    EXPECT_TRUE(printed(s, "B: connect(c, 127.0.0.1:7603) = 0"));
    EXPECT_FALSE(asleep(s, "B"));
}

// ---------------------------------------------------------------- signals

TEST(Sched, ASignalInterruptsASleepingAcceptWithEintr) {
    Sim s;
    listener(s, 7610);
    s.run("T = thread()");
    s.run("T: a = accept(l)");
    ASSERT_TRUE(s.slept());
    EXPECT_EQ(s.run("signal(T)"), ok(0));
    EXPECT_TRUE(printed(s, "T: a = accept(l) = -1 EINTR"));
    EXPECT_EQ(s.in.vars.count("a"), 0u);
    EXPECT_FALSE(asleep(s, "T"));
    EXPECT_FALSE(task(s, "T").signal_pending);
    EXPECT_TRUE(s.w().sockets[socket_of(s, 3)].wq.empty());
    EXPECT_EQ(s.run("T: socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
}

TEST(Sched, ASignalInterruptsABlockingConnectAndTheHandshakeGoesOn) {
    Sim s;
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(l, 127.0.0.1:7611)"), ok(0));
    ASSERT_EQ(s.run("listen(l, 0)"), ok(0));
    ASSERT_EQ(s.run("c1 = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    ASSERT_EQ(s.run("connect(c1, 127.0.0.1:7611)"), ok(0));
    ASSERT_EQ(s.run("B: c = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    s.run("B: connect(c, 127.0.0.1:7611)");
    ASSERT_TRUE(s.slept());
    EXPECT_EQ(s.run("signal(" + std::to_string(task(s, "B").pid) + ")"), ok(0));
    EXPECT_TRUE(printed(s, "B: connect(c, 127.0.0.1:7611) = -1 EINTR"));
    EXPECT_EQ(s.run("B: tcp_state(c)"), ok(TCP_SYN_SENT));
    EXPECT_EQ(s.run("accept(l)"), ok(5));
    s.run("!advance 1000");
    EXPECT_EQ(s.run("B: tcp_state(c)"), ok(TCP_ESTABLISHED));
    EXPECT_EQ(s.run("B: connect(c, 127.0.0.1:7611)"), ok(0));
    EXPECT_EQ(s.run("B: connect(c, 127.0.0.1:7611)"), err(EISCONN));
}

TEST(Sched, ASignalToATaskThatIsNotAsleepDoesNotInterruptItsNextCall) {
    Sim s;
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("listen(l, 5)"), ok(0));
    s.run("T = thread()");
    EXPECT_EQ(s.run("signal(T)"), ok(0));
    EXPECT_EQ(s.run("T: setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, 300)"), ok(0));
    s.run("T: accept(l)");
    ASSERT_TRUE(s.slept());
    s.run("!advance 300");
    EXPECT_TRUE(printed(s, "T: accept(l) = -1 EAGAIN")) << s.out;
    EXPECT_FALSE(task(s, "T").signal_pending);
}

TEST(Sched, SignalingAPidNobodyHasIsEsrch) {
    Sim s;
    EXPECT_EQ(s.run("signal(99999)"), err(ESRCH));
    EXPECT_EQ(s.run("signal(0)"), err(ESRCH));
}

// ---------------------------------------------------------------- the kernel thread

TEST(Sched, AKernelThreadRunsWhenTheStepDriverGetsToIt) {
    Sim s;
    uint64_t first = s.h.step_count();
    script::Result k = s.run("K = kthread_run(0.0.0.0:8888, 1024)");
    ASSERT_EQ(k.err, 0);
    const Task& kt = task(s, "K");
    EXPECT_EQ(kt.pid, k.value);
    EXPECT_TRUE(kt.kthread);
    EXPECT_FALSE(static_cast<bool>(kt.files));
    // kthread_run itself, then the thread's first run in a step of its own
    ASSERT_EQ(s.h.step_count(), first + 2);
    EXPECT_EQ(s.h.trace().steps[first + 1].kind, StepKind::Resume);
    EXPECT_EQ(s.h.trace().steps[first + 1].task, s.in.tasks.at("K").v);
    // it made its listener and sleeps on it, not exclusively
    EXPECT_EQ(kt.kthread_pc, 1);
    EXPECT_EQ(kt.state, TASK_INTERRUPTIBLE);
    EXPECT_EQ(kt.wait.kind, WaitKind::KthreadWait);
    const Socket& so = s.w().sockets[kt.kthread_sock];
    EXPECT_FALSE(static_cast<bool>(so.file));
    ASSERT_EQ(so.wq.size(), 1u);
    EXPECT_FALSE(so.wq[0].exclusive);
    const Sock& sk = s.w().socks[so.sk];
    EXPECT_EQ(sk.sk_state, TCP_LISTEN);
    EXPECT_EQ(sk.inet_num, 8888);
    EXPECT_EQ(sk.sk_max_ack_backlog, 1024u);
    EXPECT_EQ(sk.sk_reuse, SK_CAN_REUSE);
    EXPECT_TRUE(sk.sk_kern_sock);
}

TEST(Sched, AConnectionWakesTheKernelThreadWhichAcceptsAndReleasesIt) {
    Sim s;
    ASSERT_EQ(s.run("K = kthread_run(0.0.0.0:8888)").err, 0);
    ASSERT_EQ(s.run("c1 = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("connect(c1, 127.0.0.1:8888)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(c1)"), ok(TCP_CLOSE_WAIT));
    EXPECT_EQ(task(s, "K").kthread_accepted, 1);
    EXPECT_EQ(task(s, "K").state, TASK_INTERRUPTIBLE);
    ASSERT_EQ(s.run("c2 = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(c2, 127.0.0.1:8888)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(c2)"), ok(TCP_CLOSE_WAIT));
    EXPECT_EQ(task(s, "K").kthread_accepted, 2);
    EXPECT_EQ(s.w().sockets.size(), 3u);  // two clients and the kernel listener
}

TEST(Sched, KthreadStopEndsTheThreadAndReleasesItsSocket) {
    Sim s;
    ASSERT_EQ(s.run("K = kthread_run(0.0.0.0:8888)").err, 0);
    TaskId kt = s.in.tasks.at("K");
    SocketId ks = task(s, "K").kthread_sock;
    EXPECT_EQ(s.run("kthread_stop(K)"), ok(0));
    EXPECT_FALSE(s.w().tasks.contains(kt));
    EXPECT_FALSE(s.w().sockets.contains(ks));
    EXPECT_FALSE(asleep(s, ""));
    EXPECT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("connect(c, 127.0.0.1:8888)"), err(ECONNREFUSED));
    EXPECT_EQ(s.run("kthread_stop(K)"), err(ESRCH));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Sched, KthreadStopOfATaskThatIsNoKernelThreadIsEsrch) {
    Sim s;
    EXPECT_EQ(s.run("kthread_stop(99999)"), err(ESRCH));
    int64_t me = s.w().tasks[s.main()].pid;
    EXPECT_EQ(s.run("kthread_stop(" + std::to_string(me) + ")"), err(ESRCH));
    EXPECT_FALSE(asleep(s, ""));
}

TEST(Sched, AKernelThreadWhosePortIsTakenGivesUpAtOnce) {
    Sim s;
    listener(s, 8888);
    script::Result k = s.run("K = kthread_run(127.0.0.1:8888)");
    ASSERT_EQ(k.err, 0);
    bool alive = false;
    s.w().tasks.each([&](TaskId, const Task& t) { alive |= t.pid == k.value; });
    EXPECT_FALSE(alive);
    EXPECT_EQ(s.w().sockets.size(), 1u);  // its kernel socket was released
    EXPECT_EQ(s.run("kthread_stop(K)"), err(ESRCH));
}

TEST(Sched, ForkAndThreadGiveNewPidsThreadsKeepTheTgid) {
    Sim s;
    int main_pid = s.w().tasks[s.main()].pid;
    script::Result t = s.run("T = thread()");
    script::Result f = s.run("F = fork()");
    EXPECT_EQ(t.value, main_pid + 1);
    EXPECT_EQ(f.value, main_pid + 2);
    EXPECT_EQ(task(s, "T").tgid, main_pid);
    EXPECT_EQ(task(s, "F").tgid, f.value);
    EXPECT_EQ(task(s, "F").uid, 0u);
    EXPECT_EQ(task(s, "T").cap_effective, s.w().tasks[s.main()].cap_effective);
}

TEST(Sched, ExitRemovesTheTask) {
    Sim s;
    s.run("F = fork()");
    TaskId f = s.in.tasks.at("F");
    EXPECT_EQ(s.run("F: exit()"), ok(0));
    EXPECT_FALSE(s.w().tasks.contains(f));
    EXPECT_EQ(s.run("signal(F)"), err(ESRCH));
}

}  // namespace sockscope::test
