// test_inet_connection_sock.cpp — core/ipv4/inet_connection_sock.cpp: port
// ownership (inet_csk_get_port and its conflict rules), listen start and
// stop, accept and its sleep, and the request-sock queue with its SYN-ACK
// timer.
#include "support.h"

namespace sockscope::test {

namespace {

bool printed(const Sim& s, const std::string& line) { return s.out.find(line + "\n") != std::string::npos; }

const Peer& peer(Sim& s, const std::string& name) {
    return s.w().peers[PeerId(static_cast<uint32_t>(s.in.vars.at(name)))];
}

const BindBucket& bucket_of(Sim& s, int fd, const std::string& task = "") {
    return s.w().buckets[s.sk(fd, task).icsk_bind_hash];
}

// The one request sock still in the SYN queue.
const RequestSock& only_req(Sim& s) {
    const RequestSock* found = nullptr;
    int n = 0;
    s.w().reqs.each([&](ReqId, const RequestSock& r) {
        if (!r.in_accept_queue) {
            found = &r;
            ++n;
        }
    });
    EXPECT_EQ(n, 1);
    return *found;
}

// fd 3 listens on 127.0.0.1:port with the given backlog.
void listener(Sim& s, int port, int backlog, bool reuseaddr = false) {
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    if (reuseaddr) {
        EXPECT_EQ(s.run("setsockopt(3, SOL_SOCKET, SO_REUSEADDR, 1)"), ok(0));
    }
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:" + std::to_string(port) + ")"), ok(0));
    EXPECT_EQ(s.run("listen(3, " + std::to_string(backlog) + ")"), ok(0));
}

}  // namespace

// ---------------------------------------------------------------- get_port conflicts

TEST(InetConnectionSock, TwoSoReuseaddrSocketsShareAPortWhileNeitherListens) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("setsockopt(3, SOL_SOCKET, SO_REUSEADDR, 1)"), ok(0));
    EXPECT_EQ(s.run("setsockopt(4, SOL_SOCKET, SO_REUSEADDR, 1)"), ok(0));
    EXPECT_EQ(s.run("bind(3, 0.0.0.0:8080)"), ok(0));
    EXPECT_EQ(bucket_of(s, 3).fastreuse, 1);
    EXPECT_EQ(s.run("bind(4, 0.0.0.0:8080)"), ok(0));
    EXPECT_EQ(s.sk(3).icsk_bind_hash, s.sk(4).icsk_bind_hash);
    EXPECT_EQ(bucket_of(s, 3).owners.size(), 2u);
    // A listener takes fastreuse away: SO_REUSEADDR no longer shares.
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(bucket_of(s, 3).fastreuse, 0);
    EXPECT_EQ(s.run("listen(4, 5)"), err(EADDRINUSE));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.run("getsockopt(4, SOL_SOCKET, SO_ACCEPTCONN)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(3)"), ok(TCP_LISTEN));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, SoReuseaddrDoesNotLetANewSocketBindAListenersPort) {
    Sim s;
    listener(s, 8080, 5, true);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("setsockopt(4, SOL_SOCKET, SO_REUSEADDR, 1)"), ok(0));
    EXPECT_EQ(s.run("bind(4, 0.0.0.0:8080)"), err(EADDRINUSE));
    EXPECT_EQ(s.run("bind(4, 127.0.0.1:8080)"), err(EADDRINUSE));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    EXPECT_EQ(s.run("bind(5, 127.0.0.1:8080)"), err(EADDRINUSE));
    EXPECT_EQ(bucket_of(s, 3).owners.size(), 1u);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, WithoutSoReuseaddrAPortIsTakenForTheWildcardAndEverySpecificAddress) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    EXPECT_EQ(s.run("bind(3, 0.0.0.0:8080)"), ok(0));
    EXPECT_EQ(s.run("bind(4, 0.0.0.0:8080)"), err(EADDRINUSE));
    EXPECT_EQ(s.run("bind(4, 127.0.0.1:8080)"), err(EADDRINUSE));
    EXPECT_EQ(s.run("bind(4, 127.0.0.1:8081)"), ok(0));
    EXPECT_EQ(s.run("bind(5, 0.0.0.0:8081)"), err(EADDRINUSE));
    EXPECT_EQ(s.run("bind(5, 127.0.0.2:8081)"), ok(0));  // two specific addresses coexist
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, SoReuseportSharesAListeningPortOnlyWithinOneUid) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("setsockopt(3, SOL_SOCKET, SO_REUSEPORT, 1)"), ok(0));
    EXPECT_EQ(s.run("setsockopt(4, SOL_SOCKET, SO_REUSEPORT, 1)"), ok(0));
    EXPECT_EQ(s.run("bind(3, 0.0.0.0:8080)"), ok(0));
    EXPECT_EQ(bucket_of(s, 3).fastreuseport, 1);
    EXPECT_EQ(bucket_of(s, 3).fastuid, 0u);
    EXPECT_EQ(s.run("bind(4, 0.0.0.0:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.run("listen(4, 5)"), ok(0));
    EXPECT_EQ(s.w().lhash.at(8080).size(), 2u);
    // Without the option, or as another user, the port is taken.
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    EXPECT_EQ(s.run("bind(5, 0.0.0.0:8080)"), err(EADDRINUSE));
    s.run("B = spawn(1000)");
    EXPECT_EQ(s.run("B: socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("B: setsockopt(3, SOL_SOCKET, SO_REUSEPORT, 1)"), ok(0));
    EXPECT_EQ(s.run("B: bind(3, 0.0.0.0:8080)"), err(EADDRINUSE));
    EXPECT_EQ(s.run("B: bind(3, 0.0.0.0:8081)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, ATimeWaitOwnerBlocksARebindUnlessBothItAndTheNewSocketHadSoReuseaddr) {
    for (bool listener_reuse : {true, false}) {
        Sim s;
        listener(s, 8080, 5, listener_reuse);
        EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
        EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
        EXPECT_EQ(s.run("accept(3)"), ok(5));
        EXPECT_EQ(s.sk(5).sk_reuse, listener_reuse ? SK_CAN_REUSE : SK_NO_REUSE);  // inherited
        EXPECT_EQ(s.run("close(5)"), ok(0));  // the server closes first: its side ends in TIME_WAIT
        EXPECT_EQ(s.run("close(4)"), ok(0));
        EXPECT_EQ(s.run("close(3)"), ok(0));
        ASSERT_EQ(s.w().tws.size(), 1u);
        EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
        EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), err(EADDRINUSE));
        EXPECT_EQ(s.run("bind(3, 0.0.0.0:8080)"), err(EADDRINUSE));
        EXPECT_EQ(s.run("setsockopt(3, SOL_SOCKET, SO_REUSEADDR, 1)"), ok(0));
        EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), listener_reuse ? ok(0) : err(EADDRINUSE));
        EXPECT_TRUE(s.close_all_and_wait().empty());
    }
}

TEST(InetConnectionSock, BindingPortZeroPicksOddPortsFromLowPlusOneThenEvenOnes) {
    Sim s;
    s.run("!sysctl net.ipv4.ip_local_port_range=7040 7045");
    for (int fd = 3; fd <= 8; ++fd) {
        EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(fd));
        EXPECT_EQ(s.run("bind(" + std::to_string(fd) + ", 0.0.0.0:0)"), ok(0));
    }
    EXPECT_EQ(s.run("local_port(3)"), ok(7041));
    EXPECT_EQ(s.run("local_port(4)"), ok(7043));
    EXPECT_EQ(s.run("local_port(5)"), ok(7045));
    EXPECT_EQ(s.run("local_port(6)"), ok(7040));
    EXPECT_EQ(s.run("local_port(7)"), ok(7042));
    EXPECT_EQ(s.run("local_port(8)"), ok(7044));
    EXPECT_EQ(s.sk(3).sk_userlocks, 0);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(9));
    EXPECT_EQ(s.run("bind(9, 0.0.0.0:0)"), err(EADDRINUSE));
    EXPECT_EQ(s.run("local_port(9)"), ok(0));
    EXPECT_EQ(s.run("close(5)"), ok(0));
    EXPECT_EQ(s.run("bind(9, 0.0.0.0:0)"), ok(0));
    EXPECT_EQ(s.run("local_port(9)"), ok(7045));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, UnderSoReuseaddrBindingPortZeroTriesTheLowerHalfOfTheRangeFirst) {
    Sim s;
    s.run("!sysctl net.ipv4.ip_local_port_range=7040 7047");  // lower half 7040-7043
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 0.0.0.0:0)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("bind(4, 0.0.0.0:0)"), ok(0));
    EXPECT_EQ(s.run("local_port(3)"), ok(7041));
    EXPECT_EQ(s.run("local_port(4)"), ok(7043));
    // Without SO_REUSEADDR the next port would be 7045; with it the even
    // ports of the lower half come before the upper half.
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    EXPECT_EQ(s.run("setsockopt(5, SOL_SOCKET, SO_REUSEADDR, 1)"), ok(0));
    EXPECT_EQ(s.run("bind(5, 0.0.0.0:0)"), ok(0));
    EXPECT_EQ(s.run("local_port(5)"), ok(7040));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(6));
    EXPECT_EQ(s.run("bind(6, 0.0.0.0:0)"), ok(0));
    EXPECT_EQ(s.run("local_port(6)"), ok(7045));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, TwoSoReuseaddrSocketsBindingPortZeroGetDifferentPorts) {
    Sim s;
    s.run("!sysctl net.ipv4.ip_local_port_range=7040 7047");
    for (int fd = 3; fd <= 4; ++fd) {
        EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(fd));
        EXPECT_EQ(s.run("setsockopt(" + std::to_string(fd) + ", SOL_SOCKET, SO_REUSEADDR, 1)"), ok(0));
        EXPECT_EQ(s.run("bind(" + std::to_string(fd) + ", 0.0.0.0:0)"), ok(0));
    }
    EXPECT_EQ(s.run("local_port(3)"), ok(7041));
    EXPECT_EQ(s.run("local_port(4)"), ok(7043));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

// ---------------------------------------------------------------- listen start and stop

TEST(InetConnectionSock, AListenerAcceptsBacklogPlusOneConnectionsBeforeDroppingSyns) {
    Sim s;
    listener(s, 8080, 2);
    for (int fd = 4; fd <= 7; ++fd) {
        EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(fd));
        EXPECT_EQ(s.run("connect(" + std::to_string(fd) + ", 127.0.0.1:8080)"), err(EINPROGRESS));
    }
    EXPECT_EQ(s.run("acceptq(3)"), ok(3));
    EXPECT_EQ(s.sk(3).sk_ack_backlog, 3u);
    EXPECT_EQ(s.sk(3).rskq_accept.size(), 3u);
    EXPECT_EQ(s.run("synq(3)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(6)"), ok(TCP_ESTABLISHED));
    EXPECT_EQ(s.run("tcp_state(7)"), ok(TCP_SYN_SENT));
    EXPECT_EQ(s.mib(Mib::ListenOverflows), 1);
    EXPECT_EQ(s.mib(Mib::ListenDrops), 1);
    EXPECT_EQ(s.mib(Mib::PassiveOpens), 3);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, ListenAgainOnAListenerOnlyChangesTheBacklog) {
    Sim s;
    listener(s, 8080, 5);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    EXPECT_EQ(s.run("connect(5, 127.0.0.1:8080)"), ok(0));
    BucketId tb = s.sk(3).icsk_bind_hash;
    EXPECT_EQ(s.run("listen(3, 10)"), ok(0));
    EXPECT_EQ(s.run("backlog(3)"), ok(10));
    EXPECT_EQ(s.run("acceptq(3)"), ok(2));
    EXPECT_EQ(s.sk(3).icsk_bind_hash, tb);
    EXPECT_EQ(s.run("listen(3, 0)"), ok(0));
    EXPECT_EQ(s.run("acceptq(3)"), ok(2));  // kept, though over the new limit
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(6));
    EXPECT_EQ(s.run("connect(6, 127.0.0.1:8080)"), err(EINPROGRESS));
    EXPECT_EQ(s.run("tcp_state(6)"), ok(TCP_SYN_SENT));
    EXPECT_EQ(s.run("accept(3)"), ok(7));
    EXPECT_EQ(s.run("acceptq(3)"), ok(1));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, ClosingAListenerResetsEveryQueuedChildAndFreesThePort) {
    Sim s;
    listener(s, 8080, 5);
    for (int fd = 4; fd <= 6; ++fd) {
        EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(fd));
        EXPECT_EQ(s.run("connect(" + std::to_string(fd) + ", 127.0.0.1:8080)"), ok(0));
    }
    EXPECT_EQ(s.run("acceptq(3)"), ok(3));
    EXPECT_EQ(s.mib(Mib::CurrEstab), 6);
    EXPECT_EQ(s.run("close(3)"), ok(0));
    for (int fd = 4; fd <= 6; ++fd) {
        EXPECT_EQ(s.run("tcp_state(" + std::to_string(fd) + ")"), ok(TCP_CLOSE));
        EXPECT_EQ(s.run("getsockopt(" + std::to_string(fd) + ", SOL_SOCKET, SO_ERROR)"), ok(ECONNRESET));
    }
    EXPECT_EQ(s.mib(Mib::CurrEstab), 0);
    EXPECT_EQ(s.mib(Mib::EstabResets), 6);
    EXPECT_EQ(s.mib(Mib::OutRsts), 3);
    EXPECT_TRUE(s.w().lhash.empty());
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, ClosingAListenerLeavesItsSynQueueToTheFinalAckWhichGetsARst) {
    Sim s;
    listener(s, 8080, 5);
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("synq(3)"), ok(1));
    EXPECT_EQ(s.run("close(3)"), ok(0));
    EXPECT_EQ(s.w().reqs.size(), 1u);  // not walked by listen_stop
    EXPECT_EQ(s.w().socks.size(), 1u);  // the request still holds its listener
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.w().reqs.size(), 0u);
    EXPECT_EQ(s.w().socks.size(), 0u);
    ASSERT_EQ(peer(s, "P").inbox.size(), 2u);
    const Packet& rst = peer(s, "P").inbox.back();
    EXPECT_EQ(rst.flags, TH_RST);
    EXPECT_EQ(rst.seq, peer(s, "P").inbox.front().seq + 1);  // = the ACK's ack_seq
    EXPECT_EQ(s.mib(Mib::OutRsts), 1);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, ARequestWhoseListenerClosedIsDroppedSilentlyByItsTimer) {
    Sim s;
    listener(s, 8080, 5);
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("close(3)"), ok(0));
    EXPECT_EQ(s.run("sleep(1000)"), ok(0));
    EXPECT_EQ(s.w().reqs.size(), 0u);
    EXPECT_EQ(peer(s, "P").inbox.size(), 1u);  // only the first SYN-ACK
    EXPECT_EQ(s.mib(Mib::OutRsts), 0);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

// ---------------------------------------------------------------- accept

TEST(InetConnectionSock, ABlockingAcceptReservesItsFdAndIsWokenByAConnectFromAnotherProcess) {
    Sim s;
    listener(s, 8080, 5);
    s.run("T = thread()");
    s.run("T: accept(3)");
    EXPECT_TRUE(s.slept());
    EXPECT_EQ(s.w().sockets[s.w().socks[s.sock_of(3)].sk_socket].wq.size(), 1u);
    EXPECT_TRUE(s.w().sockets[s.w().socks[s.sock_of(3)].sk_socket].wq[0].exclusive);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(5));  // fd 4 is reserved
    EXPECT_EQ(s.run("B: socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("B: connect(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_TRUE(printed(s, "T: accept(3) = 4"));
    EXPECT_EQ(s.run("acceptq(3)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_ESTABLISHED));
    EXPECT_EQ(s.run("local_port(4)"), ok(8080));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, OneConnectionWakesOnlyOneOfTwoBlockedAccepts) {
    Sim s;
    listener(s, 8080, 5);
    s.run("T1 = thread()");
    s.run("T2 = thread()");
    s.run("T1: accept(3)");
    s.run("T2: accept(3)");
    EXPECT_TRUE(s.slept());
    EXPECT_EQ(s.run("B: socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("B: connect(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_TRUE(printed(s, "T1: accept(3) = 4"));
    EXPECT_FALSE(printed(s, "T2: accept(3) = 5"));
    EXPECT_EQ(s.w().tasks[s.in.tasks.at("T2")].state, TASK_INTERRUPTIBLE);
    EXPECT_EQ(s.run("B: socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("B: connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_TRUE(printed(s, "T2: accept(3) = 5"));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, ANonblockingListenerAnswersEagainAndAccept4FlagsOnlyShapeTheNewFd) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.run("accept(3)"), err(EAGAIN));
    EXPECT_EQ(s.run("accept4(3, SOCK_CLOEXEC)"), err(EAGAIN));
    EXPECT_EQ(s.run("accept4(3, 1)"), err(EINVAL));
    for (int fd = 4; fd <= 5; ++fd) {
        EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(fd));
        EXPECT_EQ(s.run("connect(" + std::to_string(fd) + ", 127.0.0.1:8080)"), ok(0));
    }
    EXPECT_EQ(s.run("accept(3)"), ok(6));
    EXPECT_EQ(s.run("fcntl(6, F_GETFL)"), ok(O_RDWR));  // O_NONBLOCK is not inherited
    EXPECT_EQ(s.run("fcntl(6, F_GETFD)"), ok(0));
    EXPECT_EQ(s.run("accept4(3, SOCK_NONBLOCK|SOCK_CLOEXEC)"), ok(7));
    EXPECT_EQ(s.run("fcntl(7, F_GETFL)"), ok(O_RDWR | O_NONBLOCK));
    EXPECT_EQ(s.run("fcntl(7, F_GETFD)"), ok(FD_CLOEXEC));
    EXPECT_EQ(s.run("accept(3)"), err(EAGAIN));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, Accept4WithSockNonblockOnABlockingListenerStillBlocks) {
    Sim s;
    listener(s, 8080, 5);
    s.run("T = thread()");
    s.run("T: accept4(3, SOCK_NONBLOCK)");
    EXPECT_TRUE(s.slept());
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    EXPECT_EQ(s.run("connect(5, 127.0.0.1:8080)"), ok(0));
    EXPECT_TRUE(printed(s, "T: accept4(3, SOCK_NONBLOCK) = 4"));
    EXPECT_EQ(s.run("fcntl(4, F_GETFL)"), ok(O_RDWR | O_NONBLOCK));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, AcceptOnASocketThatIsNotListeningIsEinval) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("accept(3)"), err(EINVAL));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("accept(3)"), err(EINVAL));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("accept(4)"), err(EINVAL));
    // The fd accept reserved was given back each time.
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, SoRcvtimeoEndsABlockedAcceptWithEagain) {
    Sim s;
    listener(s, 8080, 5);
    EXPECT_EQ(s.run("setsockopt(3, SOL_SOCKET, SO_RCVTIMEO, 2000)"), ok(0));
    s.run("T = thread()");
    s.run("T: accept(3)");
    EXPECT_TRUE(s.slept());
    EXPECT_EQ(s.run("sleep(1999)"), ok(0));
    EXPECT_FALSE(printed(s, "T: accept(3) = -1 EAGAIN"));
    EXPECT_EQ(s.run("sleep(1)"), ok(0));
    EXPECT_TRUE(printed(s, "T: accept(3) = -1 EAGAIN"));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));  // the reserved fd is free again
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, ASignalEndsABlockedAcceptWithEintr) {
    Sim s;
    listener(s, 8080, 5);
    s.run("T = thread()");
    s.run("T: accept(3)");
    EXPECT_TRUE(s.slept());
    EXPECT_EQ(s.run("signal(T)"), ok(0));
    EXPECT_TRUE(printed(s, "T: accept(3) = -1 EINTR"));
    EXPECT_EQ(s.run("tcp_state(3)"), ok(TCP_LISTEN));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, ClosingTheListenerFromAnotherThreadDoesNotWakeABlockedAccept) {
    Sim s;
    listener(s, 8080, 5);
    s.run("T = thread()");
    s.run("T: accept(3)");
    EXPECT_TRUE(s.slept());
    EXPECT_EQ(s.run("close(3)"), ok(0));
    TaskId t = s.in.tasks.at("T");
    EXPECT_EQ(s.w().tasks[t].state, TASK_INTERRUPTIBLE);
    EXPECT_EQ(s.w().lhash.at(8080).size(), 1u);  // the sleeping accept holds the file
    EXPECT_EQ(s.run("B: socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("B: connect(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_TRUE(printed(s, "T: accept(3) = 4"));
    EXPECT_TRUE(s.w().lhash.empty());  // the last reference is gone: the listener closed
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_ESTABLISHED));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, AcceptWithAFullFdTableIsEmfileAndTheConnectionStaysQueued) {
    Sim s;
    listener(s, 8080, 5);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    for (int fd = 5; fd < 1024; ++fd) ASSERT_EQ(s.run("dup(0)"), ok(fd));
    EXPECT_EQ(s.run("accept(3)"), err(EMFILE));
    EXPECT_EQ(s.run("acceptq(3)"), ok(1));
    EXPECT_EQ(s.run("close(1000)"), ok(0));
    EXPECT_EQ(s.run("accept(3)"), ok(1000));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

// ---------------------------------------------------------------- the SYN queue

TEST(InetConnectionSock, APeersSynWaitsInTheSynQueueAndItsAckMovesItToTheAcceptQueue) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 0.0.0.0:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 8)"), ok(0));
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("synq(3)"), ok(1));
    EXPECT_EQ(s.sk(3).young, 1);
    EXPECT_EQ(s.run("acceptq(3)"), ok(0));
    const RequestSock& r = only_req(s);
    EXPECT_EQ(r.ir_rmt_addr, 0x0a000002u);
    EXPECT_EQ(r.ir_rmt_port, 40000);
    EXPECT_EQ(r.ir_num, 8080);
    EXPECT_EQ(r.ir_loc_addr, INADDR_LOOPBACK);
    EXPECT_EQ(r.num_timeout, 0);
    EXPECT_EQ(s.sk(3).sk_refcnt, 2);  // the request holds its listener
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("synq(3)"), ok(0));
    EXPECT_EQ(s.sk(3).young, 0);
    EXPECT_EQ(s.run("acceptq(3)"), ok(1));
    EXPECT_EQ(s.sk(3).sk_refcnt, 2);  // the queued request still does
    EXPECT_EQ(s.run("accept(3)"), ok(4));
    EXPECT_EQ(s.sk(3).sk_refcnt, 1);
    EXPECT_EQ(s.w().reqs.size(), 0u);
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_ESTABLISHED));
    EXPECT_EQ(s.sk(4).inet_daddr, 0x0a000002u);
    EXPECT_EQ(s.sk(4).inet_dport, 40000);
    EXPECT_EQ(s.mib(Mib::PassiveOpens), 1);
    EXPECT_EQ(s.run("peer_rst(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.run("getsockopt(4, SOL_SOCKET, SO_ERROR)"), ok(ECONNRESET));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, TheSynAckIsResentAtOneThreeSevenFifteenAndThirtyOneSecondsAndTheRequestExpiresAt63) {
    Sim s;
    listener(s, 8080, 8);
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("sleep(62999)"), ok(0));
    EXPECT_EQ(s.run("synq(3)"), ok(1));
    EXPECT_EQ(only_req(s).num_timeout, 5);
    EXPECT_EQ(only_req(s).num_retrans, 5);
    EXPECT_EQ(s.sk(3).young, 0);
    const std::vector<int64_t> want{0, 1000, 3000, 7000, 15000, 31000};
    std::vector<int64_t> got;
    for (const Packet& p : peer(s, "P").inbox) {
        EXPECT_EQ(p.flags, TH_SYN | TH_ACK);
        got.push_back(p.sent_at);
    }
    EXPECT_EQ(got, want);
    EXPECT_EQ(s.run("sleep(1)"), ok(0));
    EXPECT_EQ(s.run("synq(3)"), ok(0));
    EXPECT_EQ(s.w().reqs.size(), 0u);
    EXPECT_EQ(peer(s, "P").inbox.size(), 6u);  // expiry sends nothing
    EXPECT_EQ(s.mib(Mib::OutRsts), 0);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, TcpSynackRetriesSetsHowOftenTheSynAckIsResent) {
    Sim s;
    s.run("!sysctl net.ipv4.tcp_synack_retries=2");
    listener(s, 8080, 8);
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("sleep(6999)"), ok(0));
    EXPECT_EQ(s.run("synq(3)"), ok(1));
    EXPECT_EQ(s.run("sleep(1)"), ok(0));
    EXPECT_EQ(s.run("synq(3)"), ok(0));
    EXPECT_EQ(peer(s, "P").inbox.size(), 3u);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, AFinalAckThatFindsTheAcceptQueueFullIsDroppedAndALaterOneGetsIn) {
    Sim s;
    listener(s, 8080, 1);
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
    for (int fd = 4; fd <= 5; ++fd) {  // two loopback clients fill the accept queue
        EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(fd));
        EXPECT_EQ(s.run("connect(" + std::to_string(fd) + ", 127.0.0.1:8080)"), ok(0));
    }
    EXPECT_EQ(s.run("acceptq(3)"), ok(2));
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.mib(Mib::ListenOverflows), 1);
    EXPECT_EQ(s.mib(Mib::ListenDrops), 1);
    EXPECT_EQ(s.run("synq(3)"), ok(1));
    EXPECT_TRUE(only_req(s).acked);
    EXPECT_EQ(s.run("acceptq(3)"), ok(2));
    EXPECT_EQ(s.run("accept(3)"), ok(6));
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("synq(3)"), ok(0));
    EXPECT_EQ(s.run("acceptq(3)"), ok(2));
    EXPECT_EQ(s.mib(Mib::PassiveOpens), 3);
    EXPECT_EQ(s.run("accept(3)"), ok(7));
    EXPECT_EQ(s.run("accept(3)"), ok(8));
    EXPECT_EQ(s.sk(8).inet_daddr, 0x0a000002u);
    EXPECT_EQ(s.run("peer_rst(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, WhenTheSynQueueIsHalfFullOfOldRequestsTheyGetFewerSynAckRetries) {
    for (int backlog : {16, 100}) {
        Sim s;
        listener(s, 80, backlog);
        EXPECT_EQ(s.run("synflood(127.0.0.1:80, 10)"), ok(10));
        EXPECT_EQ(s.run("sleep(6999)"), ok(0));
        EXPECT_EQ(s.run("synq(3)"), ok(10));
        EXPECT_EQ(s.sk(3).young, 0);
        EXPECT_EQ(s.run("sleep(1)"), ok(0));
        // With backlog 16, qlen * 2 > max(8, 16) and no young request left
        // cut the retries from 5 to 2: requests expire at 7 s until the
        // queue is down to 8, and the rest get their full retries.
        EXPECT_EQ(s.run("synq(3)"), ok(backlog == 16 ? 8 : 10));
        EXPECT_EQ(s.run("sleep(56000)"), ok(0));
        EXPECT_EQ(s.run("synq(3)"), ok(0));
        EXPECT_TRUE(s.close_all_and_wait().empty());
    }
}

TEST(InetConnectionSock, StoppingAListenerWithShutdownLeavesItsSynQueueToTheFinalAck) {
    Sim s;
    listener(s, 8080, 5);
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("shutdown(3, SHUT_RD)"), ok(0));
    EXPECT_EQ(s.run("synq(3)"), ok(1));  // listen_stop does not walk the SYN queue
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("synq(3)"), ok(0));
    EXPECT_EQ(s.w().reqs.size(), 0u);
    EXPECT_EQ(peer(s, "P").inbox.back().flags, TH_RST);
    EXPECT_EQ(s.run("acceptq(3)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, ListeningAgainAfterShutdownKeepsTheSynQueueSoItsRequestsStillComplete) {
    Sim s;
    listener(s, 8080, 5);
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("shutdown(3, SHUT_RD)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.run("synq(3)"), ok(1));
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("synq(3)"), ok(0));
    EXPECT_EQ(s.run("acceptq(3)"), ok(1));
    EXPECT_EQ(s.run("accept(3)"), ok(4));
    EXPECT_EQ(s.run("peer_rst(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, ListeningAgainDoesNotRearmTheSynFloodWarning) {
    Sim s;
    listener(s, 80, 1);
    EXPECT_EQ(s.run("synflood(127.0.0.1:80, 3)"), ok(3));
    EXPECT_TRUE(s.sk(3).synflood_warned);
    EXPECT_EQ(s.run("sleep(64000)"), ok(0));
    EXPECT_EQ(s.run("shutdown(3, SHUT_RD)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 1)"), ok(0));
    EXPECT_TRUE(s.sk(3).synflood_warned);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(InetConnectionSock, AConnectionResetWhileQueuedIsStillAcceptedAlreadyClosed) {
    Sim s;
    listener(s, 8080, 5);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("setsockopt(4, SOL_SOCKET, SO_LINGER, 1, 0)"), ok(0));
    EXPECT_EQ(s.run("close(4)"), ok(0));
    EXPECT_EQ(s.run("acceptq(3)"), ok(1));
    EXPECT_EQ(s.run("accept(3)"), ok(4));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.run("getsockopt(4, SOL_SOCKET, SO_ERROR)"), ok(ECONNRESET));
    EXPECT_EQ(s.run("getsockopt(4, SOL_SOCKET, SO_ERROR)"), ok(0));
    EXPECT_EQ(s.run("acceptq(3)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

}  // namespace sockscope::test
