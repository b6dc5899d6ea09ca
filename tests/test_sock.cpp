// test_sock.cpp — core/net/sock.cpp: struct sock basics (net/core/sock.c):
// sk_alloc/sock_init_data, the SOL_SOCKET options, the level dispatch of
// setsockopt/getsockopt, sock_error, orphaning and grafting, refcounts.
#include "support.h"

namespace sockscope::script {
// Results print as the runner prints them ("3", "-1 EBADF").
static void PrintTo(const Result& r, std::ostream* os) { *os << format_result(r); }
}  // namespace sockscope::script

namespace sockscope::test {

namespace {

void connected_pair(Sim& s, int port) {
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(l, 127.0.0.1:" + std::to_string(port) + ")"), ok(0));
    ASSERT_EQ(s.run("listen(l, 5)"), ok(0));
    ASSERT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    ASSERT_EQ(s.run("connect(c, 127.0.0.1:" + std::to_string(port) + ")"), ok(0));
    ASSERT_EQ(s.run("a = accept(l)"), ok(5));
}

}  // namespace

// ---------------------------------------------------------------- sk_alloc, sock_init_data

TEST(Sock, ANewSockIsLinkedBothWaysAndStartsClosedWithOneReference) {
    Sim s;
    ASSERT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    SockId id = s.sock_of(3);
    const Sock& sk = s.w().socks[id];
    EXPECT_EQ(s.w().sockets[sk.sk_socket].sk, id);
    EXPECT_EQ(sk.sk_state, TCP_CLOSE);
    EXPECT_EQ(sk.sk_refcnt, 1);
    EXPECT_EQ(sk.sk_type, SOCK_STREAM);
    EXPECT_EQ(sk.sk_family, AF_INET);
    EXPECT_EQ(sk.sk_prot, ProtKind::tcp_prot);
    EXPECT_TRUE(sk.sk_flags & SOCK_ZAPPED);
    EXPECT_FALSE(sk.sk_flags & SOCK_DEAD);
    EXPECT_FALSE(sk.sk_kern_sock);
    EXPECT_EQ(sk.sk_rcvtimeo, -1);
    EXPECT_EQ(sk.sk_sndtimeo, -1);
    EXPECT_EQ(sk.sk_reuse, SK_NO_REUSE);
}

TEST(Sock, TheProtocolZeroResolvesToTheEntrysProtocol) {
    Sim s;
    ASSERT_EQ(s.run("t = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("u = socket(AF_INET, SOCK_DGRAM, 0)"), ok(4));
    EXPECT_EQ(s.run("getsockopt(t, SOL_SOCKET, SO_PROTOCOL)"), ok(IPPROTO_TCP));
    EXPECT_EQ(s.run("getsockopt(u, SOL_SOCKET, SO_PROTOCOL)"), ok(IPPROTO_UDP));
    EXPECT_EQ(s.run("getsockopt(t, SOL_SOCKET, SO_TYPE)"), ok(SOCK_STREAM));
    EXPECT_EQ(s.run("getsockopt(u, SOL_SOCKET, SO_TYPE)"), ok(SOCK_DGRAM));
    EXPECT_EQ(s.run("getsockopt(t, SOL_SOCKET, SO_DOMAIN)"), ok(AF_INET));
}

TEST(Sock, RawAndPingEntriesSetSkReuse) {
    Sim s;
    ASSERT_EQ(s.run("r = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)"), ok(3));
    EXPECT_EQ(s.run("getsockopt(r, SOL_SOCKET, SO_REUSEADDR)"), ok(1));
    EXPECT_EQ(s.sk(3).inet_num, IPPROTO_ICMP);
    s.run("!sysctl net.ipv4.ping_group_range=0 2147483647");
    ASSERT_EQ(s.run("p = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)"), ok(4));
    EXPECT_EQ(s.run("getsockopt(p, SOL_SOCKET, SO_REUSEADDR)"), ok(1));
    ASSERT_EQ(s.run("t = socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    EXPECT_EQ(s.run("getsockopt(t, SOL_SOCKET, SO_REUSEADDR)"), ok(0));
}

TEST(Sock, TheSockRemembersTheUidOfItsCreator) {
    Sim s;
    s.run("!user 1000");
    ASSERT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.sk(3).sk_uid, 1000u);
}

// ---------------------------------------------------------------- SOL_SOCKET options

TEST(Sock, SoReuseaddrTakesAnyNonzeroValueAsOne) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("getsockopt(s, SOL_SOCKET, SO_REUSEADDR)"), ok(0));
    EXPECT_EQ(s.run("setsockopt(s, SOL_SOCKET, SO_REUSEADDR, 5)"), ok(0));
    EXPECT_EQ(s.run("getsockopt(s, SOL_SOCKET, SO_REUSEADDR)"), ok(1));
    EXPECT_EQ(s.sk(3).sk_reuse, SK_CAN_REUSE);
    EXPECT_EQ(s.run("setsockopt(s, SOL_SOCKET, SO_REUSEADDR, 0)"), ok(0));
    EXPECT_EQ(s.run("getsockopt(s, SOL_SOCKET, SO_REUSEADDR)"), ok(0));
}

TEST(Sock, SoReuseportIsForInetSocketsOnly) {
    Sim s;
    ASSERT_EQ(s.run("u = socket(AF_INET, SOCK_DGRAM, 0)"), ok(3));
    EXPECT_EQ(s.run("setsockopt(u, SOL_SOCKET, SO_REUSEPORT, 1)"), ok(0));
    EXPECT_EQ(s.run("getsockopt(u, SOL_SOCKET, SO_REUSEPORT)"), ok(1));
    ASSERT_EQ(s.run("p = socket(AF_PACKET, SOCK_DGRAM, 0)"), ok(4));
    EXPECT_EQ(s.run("setsockopt(p, SOL_SOCKET, SO_REUSEPORT, 1)"), err(EOPNOTSUPP));
    EXPECT_EQ(s.run("setsockopt(p, SOL_SOCKET, SO_REUSEPORT, 0)"), ok(0));  // only turning it on is refused
}

TEST(Sock, TheBooleanOptionsAreKeptAsSkFlags) {
    Sim s;
    ASSERT_EQ(s.run("u = socket(AF_INET, SOCK_DGRAM, 0)"), ok(3));
    for (const char* opt : {"SO_KEEPALIVE", "SO_BROADCAST", "SO_OOBINLINE", "SO_DONTROUTE"}) {
        std::string o = opt;
        EXPECT_EQ(s.run("getsockopt(u, SOL_SOCKET, " + o + ")"), ok(0)) << o;
        EXPECT_EQ(s.run("setsockopt(u, SOL_SOCKET, " + o + ", 7)"), ok(0)) << o;
        EXPECT_EQ(s.run("getsockopt(u, SOL_SOCKET, " + o + ")"), ok(1)) << o;
    }
    EXPECT_EQ(s.sk(3).sk_flags & (SOCK_KEEPOPEN | SOCK_BROADCAST | SOCK_URGINLINE | SOCK_LOCALROUTE),
              SOCK_KEEPOPEN | SOCK_BROADCAST | SOCK_URGINLINE | SOCK_LOCALROUTE);
    EXPECT_EQ(s.run("setsockopt(u, SOL_SOCKET, SO_BROADCAST, 0)"), ok(0));
    EXPECT_EQ(s.run("getsockopt(u, SOL_SOCKET, SO_BROADCAST)"), ok(0));
    EXPECT_EQ(s.run("getsockopt(u, SOL_SOCKET, SO_KEEPALIVE)"), ok(1));
}

TEST(Sock, SoLingerTakesOnoffAndSecondsAndReadsBackOnoff) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("getsockopt(s, SOL_SOCKET, SO_LINGER)"), ok(0));
    EXPECT_EQ(s.run("setsockopt(s, SOL_SOCKET, SO_LINGER, 1, 5)"), ok(0));
    EXPECT_EQ(s.run("getsockopt(s, SOL_SOCKET, SO_LINGER)"), ok(1));
    EXPECT_EQ(s.sk(3).sk_lingertime, 5);
    EXPECT_EQ(s.run("setsockopt(s, SOL_SOCKET, SO_LINGER, 0, 5)"), ok(0));
    EXPECT_EQ(s.run("getsockopt(s, SOL_SOCKET, SO_LINGER)"), ok(0));
    EXPECT_EQ(s.run("setsockopt(s, SOL_SOCKET, SO_LINGER, 1)"), err(EINVAL));  // optlen < sizeof(struct linger)
    EXPECT_EQ(s.run("getsockopt(s, SOL_SOCKET, SO_LINGER)"), ok(0));
}

TEST(Sock, ReadOnlyAndUnknownOptionsAreEnoprotoopt) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    for (const char* opt : {"SO_TYPE", "SO_ERROR", "SO_ACCEPTCONN", "SO_PROTOCOL", "SO_DOMAIN", "9999"})
        EXPECT_EQ(s.run(std::string("setsockopt(s, SOL_SOCKET, ") + opt + ", 1)"), err(ENOPROTOOPT)) << opt;
    EXPECT_EQ(s.run("getsockopt(s, SOL_SOCKET, 9999)"), err(ENOPROTOOPT));
    EXPECT_EQ(s.run("getsockopt(s, SOL_SOCKET, SO_TYPE)"), ok(SOCK_STREAM));
}

TEST(Sock, TheBufferSizesAndSoDebugCanBeSet) {
    GTEST_SKIP() << "model bug: sk_setsockopt answers ENOPROTOOPT for SO_SNDBUF, SO_RCVBUF and "
                    "SO_DEBUG, which Linux accepts; measured on Linux 6.18 as root: "
                    "setsockopt(s, SOL_SOCKET, SO_SNDBUF, 65536) = 0, SO_RCVBUF likewise, "
                    "setsockopt(SO_DEBUG, 1) = 0 and getsockopt(SO_DEBUG) = 1";
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("setsockopt(s, SOL_SOCKET, SO_SNDBUF, 65536)"), ok(0));
    EXPECT_EQ(s.run("setsockopt(s, SOL_SOCKET, SO_RCVBUF, 65536)"), ok(0));
    EXPECT_EQ(s.run("setsockopt(s, SOL_SOCKET, SO_DEBUG, 1)"), ok(0));
    EXPECT_EQ(s.run("getsockopt(s, SOL_SOCKET, SO_DEBUG)"), ok(1));
}

TEST(Sock, SoAcceptconnSaysWhetherTheSockListens) {
    Sim s;
    ASSERT_EQ(s.run("t = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("getsockopt(t, SOL_SOCKET, SO_ACCEPTCONN)"), ok(0));
    ASSERT_EQ(s.run("bind(t, 127.0.0.1:7080)"), ok(0));
    EXPECT_EQ(s.run("getsockopt(t, SOL_SOCKET, SO_ACCEPTCONN)"), ok(0));
    ASSERT_EQ(s.run("listen(t, 5)"), ok(0));
    EXPECT_EQ(s.run("getsockopt(t, SOL_SOCKET, SO_ACCEPTCONN)"), ok(1));
    ASSERT_EQ(s.run("shutdown(t, SHUT_RD)"), ok(0));
    EXPECT_EQ(s.run("getsockopt(t, SOL_SOCKET, SO_ACCEPTCONN)"), ok(0));
}

TEST(Sock, SoErrorReadsAndClearsSkErr) {
    Sim s;
    ASSERT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(3));
    EXPECT_EQ(s.run("connect(c, 127.0.0.1:7520)"), err(EINPROGRESS));
    EXPECT_EQ(s.sk(3).sk_err, ECONNREFUSED);
    EXPECT_EQ(s.run("getsockopt(c, SOL_SOCKET, SO_ERROR)"), ok(ECONNREFUSED));
    EXPECT_EQ(s.sk(3).sk_err, 0);
    EXPECT_EQ(s.run("getsockopt(c, SOL_SOCKET, SO_ERROR)"), ok(0));
    EXPECT_EQ(s.run("connect(c, 127.0.0.1:7520)"), err(ECONNABORTED));
}

// ---------------------------------------------------------------- levels

TEST(Sock, TcpNodelayIsATcpOptionOnly) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("getsockopt(s, SOL_TCP, 1)"), ok(0));
    EXPECT_EQ(s.run("setsockopt(s, SOL_TCP, 1, 1)"), ok(0));
    EXPECT_EQ(s.run("getsockopt(s, SOL_TCP, 1)"), ok(1));
    EXPECT_EQ(s.run("setsockopt(s, SOL_TCP, 1, 0)"), ok(0));
    EXPECT_EQ(s.run("getsockopt(s, SOL_TCP, 1)"), ok(0));
    ASSERT_EQ(s.run("u = socket(AF_INET, SOCK_DGRAM, 0)"), ok(4));
    EXPECT_EQ(s.run("setsockopt(u, SOL_TCP, 1, 1)"), err(ENOPROTOOPT));
    EXPECT_EQ(s.run("getsockopt(u, SOL_TCP, 1)"), err(EOPNOTSUPP));
}

TEST(Sock, UnknownLevelsGoToIpWhichSetsEnoprotooptAndGetsEopnotsupp) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("u = socket(AF_INET, SOCK_DGRAM, 0)"), ok(4));
    EXPECT_EQ(s.run("getsockopt(s, 9999, 1)"), err(EOPNOTSUPP));
    EXPECT_EQ(s.run("setsockopt(s, 9999, 1, 1)"), err(ENOPROTOOPT));
    EXPECT_EQ(s.run("setsockopt(u, 9999, 1, 1)"), err(ENOPROTOOPT));
    EXPECT_EQ(s.run("getsockopt(s, SOL_TCP, 9999)"), err(ENOPROTOOPT));
    EXPECT_EQ(s.run("setsockopt(s, SOL_TCP, 9999, 1)"), err(ENOPROTOOPT));
    EXPECT_EQ(s.run("getsockopt(u, SOL_IP, 9999)"), err(ENOPROTOOPT));
    EXPECT_EQ(s.run("setsockopt(u, SOL_IP, 9999, 1)"), err(ENOPROTOOPT));
}

TEST(Sock, IpTosIsAnIpLevelOption) {
    GTEST_SKIP() << "model bug: the model answers every SOL_IP option with ENOPROTOOPT; Linux "
                    "knows IP_TOS (1): measured on Linux 6.18, setsockopt(s, SOL_IP, 1, 16) = 0 "
                    "and getsockopt(s, SOL_IP, 1) = 16 on a TCP socket";
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("setsockopt(s, SOL_IP, 1, 16)"), ok(0));
    EXPECT_EQ(s.run("getsockopt(s, SOL_IP, 1)"), ok(16));
}

// ---------------------------------------------------------------- orphan, graft, refcounts

TEST(Sock, AcceptGraftsTheChildOntoTheNewSocket) {
    Sim s;
    connected_pair(s, 7090);
    SockId child = s.sock_of(5);
    const Sock& sk = s.w().socks[child];
    EXPECT_TRUE(static_cast<bool>(sk.sk_socket));
    EXPECT_EQ(s.w().sockets[sk.sk_socket].sk, child);
    EXPECT_EQ(sk.sk_refcnt, 1);
    EXPECT_FALSE(sk.sk_flags & SOCK_DEAD);
}

TEST(Sock, ClosingOrphansTheSockWhichLivesOnUntilTheProtocolIsDone) {
    Sim s;
    connected_pair(s, 7091);
    SockId child = s.sock_of(5);
    ASSERT_EQ(s.run("close(a)"), ok(0));
    // the active closer ends in FIN_WAIT2: a timewait sock replaces it
    EXPECT_FALSE(s.w().socks.contains(child));
    EXPECT_EQ(s.w().tws.size(), 1u);
    EXPECT_EQ(s.run("tcp_state(c)"), ok(TCP_CLOSE_WAIT));
    SockId client = s.sock_of(4);
    ASSERT_EQ(s.run("close(c)"), ok(0));
    EXPECT_FALSE(s.w().socks.contains(client));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Sock, ARequestSockHoldsAReferenceOnItsListener) {
    Sim s;
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(l, 0.0.0.0:7092)"), ok(0));
    ASSERT_EQ(s.run("listen(l, 5)"), ok(0));
    ASSERT_EQ(s.run("P = peer(10.0.0.2:0)").err, 0);
    ASSERT_EQ(s.run("peer_syn(P, 127.0.0.1:7092)"), ok(0));
    ASSERT_EQ(s.run("peer_syn(P, 127.0.0.1:7092)"), ok(0));
    EXPECT_EQ(s.sk(3).sk_refcnt, 3);
    ASSERT_EQ(s.run("peer_ack(P, 127.0.0.1:7092)"), ok(0));
    EXPECT_EQ(s.sk(3).sk_refcnt, 3);  // the request still waits in the accept queue
    ASSERT_EQ(s.run("accept(l)"), ok(4));
    EXPECT_EQ(s.sk(3).sk_refcnt, 2);
}

TEST(Sock, ADatagramCloseGivesThePortBackAtOnce) {
    Sim s;
    ASSERT_EQ(s.run("u = socket(AF_INET, SOCK_DGRAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(u, 0.0.0.0:7093)"), ok(0));
    ASSERT_EQ(s.run("v = socket(AF_INET, SOCK_DGRAM, 0)"), ok(4));
    EXPECT_EQ(s.run("bind(v, 0.0.0.0:7093)"), err(EADDRINUSE));
    ASSERT_EQ(s.run("close(u)"), ok(0));
    EXPECT_EQ(s.run("bind(v, 0.0.0.0:7093)"), ok(0));
    EXPECT_EQ(s.w().socks.size(), 1u);
}

}  // namespace sockscope::test
