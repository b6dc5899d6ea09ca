// test_invariants.cpp — core/invariants.cpp: the checker must find what is
// broken. Each test takes a healthy world from a real run, breaks one rule
// by hand, and expects the violation by name; leftovers() must find what a
// run left behind.
#include "support.h"

#include <algorithm>

namespace sockscope::script {
// Results print as the runner prints them ("3", "-1 EBADF").
static void PrintTo(const Result& r, std::ostream* os) { *os << format_result(r); }
}  // namespace sockscope::script

namespace sockscope::test {

namespace {

// A listener on fd 3 with one connection queued, a client on fd 4, an
// accepted connection on fd 5 and a second client on fd 6 still queued.
struct Scene {
    Sim s;
    Scene() {
        EXPECT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
        EXPECT_EQ(s.run("bind(l, 127.0.0.1:7000)"), ok(0));
        EXPECT_EQ(s.run("listen(l, 5)"), ok(0));
        EXPECT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
        EXPECT_EQ(s.run("connect(c, 127.0.0.1:7000)"), ok(0));
        EXPECT_EQ(s.run("a = accept(l)"), ok(5));
        EXPECT_EQ(s.run("d = socket(AF_INET, SOCK_STREAM, 0)"), ok(6));
        EXPECT_EQ(s.run("connect(d, 127.0.0.1:7000)"), ok(0));
    }
    FileId file(int fd) { return s.w().files_structs[s.w().tasks[s.main()].files].fd[fd]; }
    SocketId socket(int fd) { return s.w().files[file(fd)].private_data; }
    SockId sock(int fd) { return s.sock_of(fd); }
};

bool has(const std::vector<std::string>& v, const std::string& msg) {
    return std::find(v.begin(), v.end(), msg) != v.end();
}
bool has_part(const std::vector<std::string>& v, const std::string& part) {
    for (const std::string& m : v)
        if (m.find(part) != std::string::npos) return true;
    return false;
}
std::string all(const std::vector<std::string>& v) {
    std::string out;
    for (const std::string& m : v) out += "  " + m + "\n";
    return out;
}
std::string id(const char* kind, uint32_t v) { return std::string(kind) + "#" + std::to_string(v); }

}  // namespace

TEST(Invariants, AHealthyWorldHasNoViolation) {
    Scene sc;
    EXPECT_TRUE(check_invariants(sc.s.w()).empty()) << all(check_invariants(sc.s.w()));
    EXPECT_TRUE(check_invariants(make_boot_world()).empty());
}

TEST(Invariants, AWrongFCountIsFound) {
    Scene sc;
    World w = sc.s.w();
    FileId f = sc.file(3);
    w.files[f].f_count = 2;
    auto v = check_invariants(w);
    EXPECT_TRUE(has(v, id("file", f.v) + ".f_count 2 but 1 references")) << all(v);
    EXPECT_EQ(v.size(), 1u) << all(v);
}

TEST(Invariants, ATerminalFCountCountsEveryFdThatHoldsIt) {
    Scene sc;
    World w = sc.s.w();
    FileId tty = sc.file(0);
    w.files[tty].f_count = 1;
    EXPECT_TRUE(has(check_invariants(w), id("file", tty.v) + ".f_count 1 but 3 references"));
}

TEST(Invariants, AFileInAnFdSlotThatIsNotOpenIsFound) {
    Scene sc;
    World w = sc.s.w();
    FilesId fs = sc.s.w().tasks[sc.s.main()].files;
    w.files_structs[fs].open_fds[4] = 0;
    EXPECT_TRUE(has(check_invariants(w), id("files_struct", fs.v) + " fd 4 installed but not open"));
}

TEST(Invariants, AFilesStructCountNotMatchingItsUsersIsFound) {
    Scene sc;
    World w = sc.s.w();
    FilesId fs = sc.s.w().tasks[sc.s.main()].files;
    w.files_structs[fs].count = 2;
    EXPECT_TRUE(has(check_invariants(w), id("files_struct", fs.v) + ".count 2 but 1 tasks use it"));
}

TEST(Invariants, AOneWayLinkFromSocketToSockIsFound) {
    Scene sc;
    World w = sc.s.w();
    SocketId so = sc.socket(5);
    SockId sk = sc.sock(5);
    w.socks[sk].sk_socket = SocketId{};
    auto v = check_invariants(w);
    EXPECT_TRUE(has(v, id("socket", so.v) + ".sk's sk_socket is not it")) << all(v);
}

TEST(Invariants, AOneWayLinkFromSockToSocketIsFound) {
    Scene sc;
    World w = sc.s.w();
    SocketId so = sc.socket(5);
    SockId sk = sc.sock(5);
    w.sockets[so].sk = SockId{};
    auto v = check_invariants(w);
    EXPECT_TRUE(has(v, id("sock", sk.v) + ".sk_socket's sk is not it")) << all(v);
}

TEST(Invariants, AFileWhoseSocketPointsElsewhereIsFound) {
    Scene sc;
    World w = sc.s.w();
    FileId f = sc.file(4);
    w.sockets[sc.socket(4)].file = sc.file(5);
    auto v = check_invariants(w);
    EXPECT_TRUE(has(v, id("file", f.v) + " -> socket whose file is not it")) << all(v);
    EXPECT_TRUE(has(v, id("socket", sc.socket(4).v) + ".file does not point back")) << all(v);
}

TEST(Invariants, SkAckBacklogNotMatchingTheAcceptQueueIsFound) {
    Scene sc;
    World w = sc.s.w();
    SockId l = sc.sock(3);
    ASSERT_EQ(w.socks[l].rskq_accept.size(), 1u);
    w.socks[l].sk_ack_backlog = 5;
    auto v = check_invariants(w);
    EXPECT_TRUE(has(v, id("sock", l.v) + ".sk_ack_backlog 5 but the accept queue holds 1")) << all(v);
}

TEST(Invariants, ARefcountNotMatchingTheReferencesIsFound) {
    Scene sc;
    World w = sc.s.w();
    SockId l = sc.sock(3);
    int ref = w.socks[l].sk_refcnt;
    w.socks[l].sk_refcnt = ref + 3;
    auto v = check_invariants(w);
    EXPECT_TRUE(has(v, id("sock", l.v) + ".sk_refcnt " + std::to_string(ref + 3) + " but " + std::to_string(ref) +
                           " references"))
        << all(v);
}

TEST(Invariants, AQlenNotMatchingTheWaitingRequestsIsFound) {
    Scene sc;
    World w = sc.s.w();
    SockId l = sc.sock(3);
    w.socks[l].qlen = 2;
    auto v = check_invariants(w);
    EXPECT_TRUE(has(v, id("sock", l.v) + ".qlen 2 but 0 request socks wait")) << all(v);
    EXPECT_TRUE(has_part(v, ".young 0 outside 0..qlen") || v.size() == 1u) << all(v);
}

TEST(Invariants, ABucketWithoutOwnersIsAStaleBucket) {
    Scene sc;
    World w = sc.s.w();
    BucketId b = w.socks[sc.sock(3)].icsk_bind_hash;
    ASSERT_TRUE(static_cast<bool>(b));
    w.buckets[b].owners.clear();
    auto v = check_invariants(w);
    EXPECT_TRUE(has(v, id("bind_bucket", b.v) + " is empty but alive")) << all(v);
    EXPECT_TRUE(has(v, id("sock", sc.sock(3).v) + " not among its bucket's owners")) << all(v);
}

TEST(Invariants, ABindHashEntryForAFreedBucketIsFound) {
    Scene sc;
    World w = sc.s.w();
    w.bhash[{PortTable::tcp, 9999}] = BucketId(77);
    auto v = check_invariants(w);
    EXPECT_TRUE(has(v, "bind hash port 9999 -> freed bucket")) << all(v);
}

TEST(Invariants, ABucketMissingFromTheBindHashIsFound) {
    Scene sc;
    World w = sc.s.w();
    BucketId b = w.socks[sc.sock(3)].icsk_bind_hash;
    w.bhash.erase({PortTable::tcp, 7000});
    EXPECT_TRUE(has(check_invariants(w), id("bind_bucket", b.v) + " not in the bind hash under its port"));
}

TEST(Invariants, ASockWhosePortDisagreesWithItsBucketIsFound) {
    Scene sc;
    World w = sc.s.w();
    SockId l = sc.sock(3);
    w.socks[l].inet_num = 7001;
    auto v = check_invariants(w);
    EXPECT_TRUE(has(v, id("sock", l.v) + ".inet_num 7001 but bucket port 7000")) << all(v);
    EXPECT_TRUE(has(v, "listening hash port 7000 holds a stale sock")) << all(v);
}

TEST(Invariants, AListenerMissingFromTheListeningHashIsFound) {
    Scene sc;
    World w = sc.s.w();
    SockId l = sc.sock(3);
    w.socks[l].listener_hashed = false;
    auto v = check_invariants(w);
    EXPECT_TRUE(has(v, id("sock", l.v) + " LISTEN but not in the listening hash")) << all(v);
}

TEST(Invariants, AnEstablishedHashEntryForAFreedSockIsFound) {
    Scene sc;
    World w = sc.s.w();
    w.ehash[FourTuple{INADDR_LOOPBACK, 1, INADDR_LOOPBACK, 2}] = EhashEntry{ObjKind::Sock, 99};
    EXPECT_TRUE(has(check_invariants(w), "ehash 127.0.0.1:1<->127.0.0.1:2 holds a stale sock"));
}

TEST(Invariants, ATimerNobodyOwnsIsFound) {
    Scene sc;
    World w = sc.s.w();
    TimerId t = w.timers.alloc();
    w.timers[t].kind = TimerKind::tcp_retransmit;
    w.timers[t].owner = 99;
    w.timers[t].expires = 5;
    w.timers[t].seq = 12345;
    auto v = check_invariants(w);
    EXPECT_TRUE(has(v, id("timer", t.v) + " has no owner that knows it")) << all(v);
    EXPECT_TRUE(has_part(v, "timer queue holds 0 entries for 1 timers")) << all(v);
    w.timer_queue.insert({5, 12345, t.v});
    w.now = 10;
    v = check_invariants(w);
    EXPECT_TRUE(has(v, id("timer", t.v) + " expired in the past and never ran")) << all(v);
    EXPECT_FALSE(has_part(v, "timer queue holds")) << all(v);
}

TEST(Invariants, ASleepingTaskOnNoWaitQueueIsFound) {
    Sim s;
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("listen(l, 5)"), ok(0));
    s.run("T = thread()");
    s.run("T: accept(l)");
    ASSERT_TRUE(s.slept());
    EXPECT_TRUE(check_invariants(s.w()).empty());
    World w = s.w();
    TaskId t = s.in.tasks.at("T");
    w.sockets[w.tasks[t].wait.sock].wq.clear();
    auto v = check_invariants(w);
    EXPECT_TRUE(has(v, id("task", t.v) + " asleep but on no wait queue")) << all(v);
    World x = s.w();
    x.tasks[t].state = TASK_RUNNING;
    v = check_invariants(x);
    EXPECT_TRUE(has_part(v, " wait queue holds a running task")) << all(v);
}

TEST(Invariants, AReferenceHeldByASleepingAcceptCounts) {
    Sim s;
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("listen(l, 5)"), ok(0));
    s.run("T = thread()");
    s.run("T: accept(l)");
    ASSERT_TRUE(s.slept());
    // the listener (fd 3 and the fdget) and the new file the accept holds
    EXPECT_TRUE(check_invariants(s.w()).empty()) << all(check_invariants(s.w()));
    World w = s.w();
    w.tasks[s.in.tasks.at("T")].wait.file = FileId{};
    EXPECT_TRUE(has_part(check_invariants(w), ".f_count 2 but 1 references"));
}

TEST(Invariants, EveryRunOfThisSuiteIsCheckedAfterEveryStep) {
    Scene sc;
    EXPECT_EQ(static_cast<uint64_t>(sc.s.steps_checked) + 1, sc.s.h.step_count());  // all but the first spawn
}

// ---------------------------------------------------------------- leftovers

TEST(Invariants, AnOpenSocketIsALeftover) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(s, 127.0.0.1:7000)"), ok(0));
    auto v = leftovers(s.w());
    EXPECT_TRUE(has_part(v, " still open")) << all(v);
    EXPECT_TRUE(has(v, "socket#1 left")) << all(v);
    EXPECT_TRUE(has(v, "sock#1 left")) << all(v);
    EXPECT_TRUE(has(v, "bind_bucket#1 left")) << all(v);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Invariants, TheTerminalAndTheTasksAreNoLeftovers) {
    Sim s;
    s.run("F = fork()");
    s.run("T = thread()");
    EXPECT_TRUE(leftovers(s.w()).empty()) << all(leftovers(s.w()));
}

TEST(Invariants, ATimewaitSockIsALeftoverUntilItsTimeIsUp) {
    Sim s;
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(l, 127.0.0.1:7001)"), ok(0));
    ASSERT_EQ(s.run("listen(l, 5)"), ok(0));
    ASSERT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    ASSERT_EQ(s.run("connect(c, 127.0.0.1:7001)"), ok(0));
    ASSERT_EQ(s.run("a = accept(l)"), ok(5));
    for (const char* l : {"close(a)", "close(c)", "close(l)"}) ASSERT_EQ(s.run(l), ok(0));
    auto v = leftovers(s.w());
    EXPECT_TRUE(has(v, "timewait_sock#1 left")) << all(v);
    EXPECT_TRUE(has_part(v, "timer#")) << all(v);
    EXPECT_TRUE(has(v, "established hash not empty")) << all(v);
    EXPECT_TRUE(has_part(v, "bind_bucket#")) << all(v);
    s.run("sleep(60000)");
    EXPECT_TRUE(leftovers(s.w()).empty()) << all(leftovers(s.w()));
}

TEST(Invariants, AListenerAndSegmentsOnTheWireAreLeftovers) {
    World w = make_boot_world();
    w.lhash[80].push_back(SockId(1));
    w.wire.push_back(Packet{});
    w.wire.push_back(Packet{});
    auto v = leftovers(w);
    EXPECT_TRUE(has(v, "listening hash not empty")) << all(v);
    EXPECT_TRUE(has(v, "2 segments still on the wire")) << all(v);
}

TEST(Invariants, AKernelSocketIsALeftoverUntilReleased) {
    Sim s;
    ASSERT_EQ(s.run("k = sock_create_kern(AF_INET, SOCK_DGRAM, 0)").err, 0);
    EXPECT_FALSE(leftovers(s.w()).empty());
    ASSERT_EQ(s.run("sock_release(k)"), ok(0));
    EXPECT_TRUE(leftovers(s.w()).empty());
}

}  // namespace sockscope::test
