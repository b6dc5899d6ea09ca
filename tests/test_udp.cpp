// test_udp.cpp — core/ipv4/udp.cpp (udp_lib_get_port) and the datagram side
// of af_inet: UDP's own port table, its sharing rules (SO_REUSEADDR on
// both, SO_REUSEPORT within one uid, the wildcard overlapping every
// address), autobind, connect and disconnect.
#include "support.h"

namespace sockscope::test {

namespace {

const BindBucket& bucket_of(Sim& s, int fd, const std::string& task = "") {
    return s.w().buckets[s.sk(fd, task).icsk_bind_hash];
}

}  // namespace

TEST(Udp, UdpAndTcpHoldTheSamePortNumberInSeparateTables) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(4));
    EXPECT_EQ(s.run("bind(3, 0.0.0.0:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.run("bind(4, 0.0.0.0:8080)"), ok(0));
    EXPECT_EQ(s.run("local_port(4)"), ok(8080));
    EXPECT_EQ(bucket_of(s, 4).table, PortTable::udp);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(5));
    EXPECT_EQ(s.run("bind(5, 0.0.0.0:8080)"), err(EADDRINUSE));
    EXPECT_EQ(s.sk(5).inet_rcv_saddr, 0u);
    EXPECT_EQ(s.sk(5).inet_num, 0);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Udp, TwoUdpSocketsShareAPortOnlyWhenBothSetSoReuseaddr) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(3));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(4));
    EXPECT_EQ(s.run("setsockopt(3, SOL_SOCKET, SO_REUSEADDR, 1)"), ok(0));
    EXPECT_EQ(s.run("bind(3, 0.0.0.0:5353)"), ok(0));
    EXPECT_EQ(s.run("bind(4, 0.0.0.0:5353)"), err(EADDRINUSE));
    EXPECT_EQ(s.run("setsockopt(4, SOL_SOCKET, SO_REUSEADDR, 1)"), ok(0));
    EXPECT_EQ(s.run("bind(4, 0.0.0.0:5353)"), ok(0));
    EXPECT_EQ(s.sk(3).icsk_bind_hash, s.sk(4).icsk_bind_hash);
    EXPECT_EQ(bucket_of(s, 3).owners.size(), 2u);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(5));
    EXPECT_EQ(s.run("bind(5, 127.0.0.1:5353)"), err(EADDRINUSE));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Udp, SoReuseportSharesAUdpPortOnlyWithinOneUid) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(3));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(4));
    EXPECT_EQ(s.run("setsockopt(3, SOL_SOCKET, SO_REUSEPORT, 1)"), ok(0));
    EXPECT_EQ(s.run("setsockopt(4, SOL_SOCKET, SO_REUSEPORT, 1)"), ok(0));
    EXPECT_EQ(s.run("bind(3, 0.0.0.0:5353)"), ok(0));
    EXPECT_EQ(s.run("bind(4, 0.0.0.0:5353)"), ok(0));
    s.run("B = spawn(1000)");
    EXPECT_EQ(s.run("B: socket(AF_INET, SOCK_DGRAM, 0)"), ok(3));
    EXPECT_EQ(s.run("B: setsockopt(3, SOL_SOCKET, SO_REUSEPORT, 1)"), ok(0));
    EXPECT_EQ(s.run("B: bind(3, 0.0.0.0:5353)"), err(EADDRINUSE));
    EXPECT_EQ(s.run("B: bind(3, 0.0.0.0:5354)"), ok(0));
    EXPECT_EQ(s.sk(3, "B").sk_uid, 1000u);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Udp, TheWildcardOverlapsEveryAddressButTwoSpecificAddressesDoNot) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(3));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(4));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(5));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:53)"), ok(0));
    EXPECT_EQ(s.run("bind(4, 0.0.0.0:53)"), err(EADDRINUSE));
    EXPECT_EQ(s.run("bind(4, 127.0.0.2:53)"), ok(0));
    EXPECT_EQ(s.run("bind(5, 127.0.0.1:53)"), err(EADDRINUSE));
    EXPECT_EQ(bucket_of(s, 3).owners.size(), 2u);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Udp, BindingPortZeroTakesTheFirstFreePortFromTheBottomOfTheRange) {
    Sim s;
    s.run("!sysctl net.ipv4.ip_local_port_range=7040 7042");
    for (int fd = 3; fd <= 5; ++fd) {
        EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(fd));
        EXPECT_EQ(s.run("bind(" + std::to_string(fd) + ", 0.0.0.0:0)"), ok(0));
    }
    EXPECT_EQ(s.run("local_port(3)"), ok(7040));
    EXPECT_EQ(s.run("local_port(4)"), ok(7041));
    EXPECT_EQ(s.run("local_port(5)"), ok(7042));
    EXPECT_EQ(s.sk(3).sk_userlocks, 0);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(6));
    EXPECT_EQ(s.run("bind(6, 0.0.0.0:0)"), err(EADDRINUSE));
    EXPECT_EQ(s.run("close(4)"), ok(0));
    EXPECT_EQ(s.run("bind(6, 0.0.0.0:0)"), ok(0));
    EXPECT_EQ(s.run("local_port(6)"), ok(7041));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Udp, AUdpSocketBindsOnce) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:5353)"), ok(0));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:5354)"), err(EINVAL));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:5354, 8)"), err(EINVAL));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:5354, 16, AF_INET6)"), err(EAFNOSUPPORT));
    EXPECT_EQ(s.run("local_port(3)"), ok(5353));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Udp, ConnectAutobindsAndRecordsThePeer) {
    Sim s;
    s.run("!sysctl net.ipv4.ip_local_port_range=7040 7040");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(3));
    EXPECT_EQ(s.run("connect(3, 127.0.0.1:53)"), ok(0));
    EXPECT_EQ(s.run("local_port(3)"), ok(7040));
    EXPECT_EQ(s.sk(3).sk_state, TCP_ESTABLISHED);
    EXPECT_EQ(s.sk(3).inet_daddr, INADDR_LOOPBACK);
    EXPECT_EQ(s.sk(3).inet_dport, 53);
    EXPECT_EQ(s.sk(3).inet_saddr, INADDR_LOOPBACK);
    EXPECT_EQ(s.sk(3).inet_rcv_saddr, INADDR_LOOPBACK);
    // Connecting again just changes the peer.
    EXPECT_EQ(s.run("connect(3, 127.0.0.2:54)"), ok(0));
    EXPECT_EQ(s.sk(3).inet_daddr, 0x7f000002u);
    EXPECT_EQ(s.sk(3).inet_dport, 54);
    EXPECT_EQ(s.run("local_port(3)"), ok(7040));
    EXPECT_EQ(s.mib(Mib::OutSegs), 0);  // nothing goes on the wire
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Udp, ConnectAutobindsEvenWhenTheAddressIsThenRejected) {
    Sim s;
    s.run("!sysctl net.ipv4.ip_local_port_range=7040 7040");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(3));
    EXPECT_EQ(s.run("connect(3, 127.0.0.1:53, 1)"), err(EINVAL));  // before autobind
    EXPECT_EQ(s.sk(3).inet_num, 0);
    EXPECT_EQ(s.run("connect(3, 127.0.0.1:53, 8)"), err(EINVAL));  // after it
    EXPECT_EQ(s.sk(3).inet_num, 7040);
    EXPECT_EQ(s.run("connect(3, 127.0.0.1:53, 16, AF_INET6)"), err(EAFNOSUPPORT));
    EXPECT_EQ(s.run("connect(3, 192.0.2.1:53)"), err(ENETUNREACH));
    EXPECT_EQ(s.sk(3).sk_state, TCP_CLOSE);
    // With the range used up, autobind fails and connect says EAGAIN.
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:53)"), err(EAGAIN));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Udp, ConnectToTheWildcardAddressMeansThisHost) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(3));
    EXPECT_EQ(s.run("connect(3, 0.0.0.0:53)"), ok(0));
    EXPECT_EQ(s.sk(3).inet_daddr, INADDR_LOOPBACK);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Udp, AfUnspecForgetsThePeerAndGivesBackAnAutoboundPortAndAddress) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(3));
    EXPECT_EQ(s.run("connect(3, 127.0.0.1:53)"), ok(0));
    EXPECT_EQ(s.w().bhash.size(), 1u);
    EXPECT_EQ(s.run("connect(3, 0.0.0.0:0, 16, AF_UNSPEC)"), ok(0));
    EXPECT_EQ(s.sk(3).sk_state, TCP_CLOSE);
    EXPECT_EQ(s.sk(3).inet_daddr, 0u);
    EXPECT_EQ(s.sk(3).inet_dport, 0);
    EXPECT_EQ(s.sk(3).inet_saddr, 0u);
    EXPECT_EQ(s.sk(3).inet_rcv_saddr, 0u);
    EXPECT_EQ(s.sk(3).inet_num, 0);
    EXPECT_EQ(s.run("local_port(3)"), ok(0));
    EXPECT_TRUE(s.w().bhash.empty());
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Udp, AfUnspecKeepsWhatBindLocked) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.2:5353)"), ok(0));
    EXPECT_EQ(s.run("connect(3, 127.0.0.1:53)"), ok(0));
    EXPECT_EQ(s.sk(3).inet_saddr, 0x7f000002u);  // the bound address is the source
    EXPECT_EQ(s.run("connect(3, 0.0.0.0:0, 16, AF_UNSPEC)"), ok(0));
    EXPECT_EQ(s.sk(3).sk_state, TCP_CLOSE);
    EXPECT_EQ(s.sk(3).inet_daddr, 0u);
    EXPECT_EQ(s.sk(3).inet_rcv_saddr, 0x7f000002u);
    EXPECT_EQ(s.sk(3).inet_num, 5353);
    EXPECT_EQ(s.run("local_port(3)"), ok(5353));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Udp, ListenAndAcceptOnUdpAreEopnotsupp) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(3));
    EXPECT_EQ(s.run("listen(3, 5)"), err(EOPNOTSUPP));
    EXPECT_EQ(s.run("bind(3, 0.0.0.0:5353)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), err(EOPNOTSUPP));
    EXPECT_EQ(s.run("accept(3)"), err(EOPNOTSUPP));
    EXPECT_EQ(s.run("accept4(3, SOCK_NONBLOCK)"), err(EOPNOTSUPP));
    EXPECT_EQ(s.run("accept4(3, 1)"), err(EINVAL));
    EXPECT_EQ(s.run("getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(3)"), err(EOPNOTSUPP));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));  // accept gave its fd back
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Udp, ClosingAUdpSocketFreesItsPortAtOnce) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 0.0.0.0:5353)"), ok(0));
    EXPECT_EQ(s.run("connect(3, 127.0.0.1:53)"), ok(0));
    EXPECT_EQ(s.run("close(3)"), ok(0));
    EXPECT_TRUE(s.w().bhash.empty());
    EXPECT_EQ(s.w().socks.size(), 0u);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 0.0.0.0:5353)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Udp, ShutdownOfAnUnconnectedUdpSocketIsEnotconnAndOfAConnectedOneSucceeds) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 0.0.0.0:5353)"), ok(0));
    EXPECT_EQ(s.run("shutdown(3, SHUT_RDWR)"), err(ENOTCONN));
    EXPECT_EQ(s.run("connect(3, 127.0.0.1:53)"), ok(0));
    EXPECT_EQ(s.run("shutdown(3, SHUT_RD)"), ok(0));
    EXPECT_EQ(s.sk(3).sk_shutdown, SHUTDOWN_MASK);  // the failed call still recorded its bits
    EXPECT_EQ(s.sk(3).sk_state, TCP_ESTABLISHED);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

}  // namespace sockscope::test
