// test_raw.cpp — core/ipv4/raw.cpp: raw sockets (CAP_NET_RAW, bound to
// their protocol at creation, raw_bind taking only an address) and ping
// sockets (net.ipv4.ping_group_range, whose default "1 0" admits no one).
#include "support.h"

namespace sockscope::test {

TEST(Raw, ARawSocketIsBoundToItsProtocolNumberAtCreation) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)"), ok(3));
    EXPECT_EQ(s.sk(3).inet_num, IPPROTO_ICMP);
    EXPECT_EQ(s.run("local_port(3)"), ok(IPPROTO_ICMP));
    EXPECT_EQ(s.sk(3).sk_prot, ProtKind::raw_prot);
    EXPECT_EQ(s.sk(3).sk_reuse, SK_CAN_REUSE);
    EXPECT_FALSE(s.sk(3).icsk_bind_hash);  // no port table for raw sockets
    EXPECT_TRUE(s.w().bhash.empty());
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, IPPROTO_RAW)"), ok(4));
    EXPECT_EQ(s.run("getsockopt(4, SOL_SOCKET, SO_PROTOCOL)"), ok(IPPROTO_RAW));
    EXPECT_EQ(s.run("local_port(4)"), ok(IPPROTO_RAW));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, IPPROTO_TCP)"), ok(5));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, 254)"), ok(6));
    EXPECT_EQ(s.run("getsockopt(3, SOL_SOCKET, SO_TYPE)"), ok(SOCK_RAW));
    EXPECT_EQ(s.run("getsockopt(3, SOL_SOCKET, SO_PROTOCOL)"), ok(IPPROTO_ICMP));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Raw, ProtocolZeroFailsBeforeTheCapabilityCheckAndWithoutCapNetRawItIsEperm) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, 0)"), err(EPROTONOSUPPORT));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, 263)"), err(EINVAL));
    s.run("!user 1000");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, 0)"), err(EPROTONOSUPPORT));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)"), err(EPERM));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_PACKET, 0)"), err(EPERM));
    EXPECT_EQ(s.w().socks.size(), 0u);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));  // no fd was used up
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Raw, ARawSocketMayBindAnAddressAgainAndAgainAndThePortIsIgnored) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:0)"), ok(0));
    EXPECT_EQ(s.sk(3).inet_rcv_saddr, INADDR_LOOPBACK);
    EXPECT_EQ(s.run("bind(3, 127.0.0.2:9999)"), ok(0));
    EXPECT_EQ(s.sk(3).inet_rcv_saddr, 0x7f000002u);
    EXPECT_EQ(s.sk(3).inet_saddr, 0x7f000002u);
    EXPECT_EQ(s.run("local_port(3)"), ok(IPPROTO_ICMP));
    EXPECT_EQ(s.run("bind(3, 192.0.2.1:0)"), err(EADDRNOTAVAIL));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:0, 15)"), err(EINVAL));
    EXPECT_EQ(s.sk(3).inet_rcv_saddr, 0x7f000002u);
    EXPECT_TRUE(s.w().bhash.empty());
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Raw, RawBindLooksNeitherAtTheFamilyNorAtThePort) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:0, 16, AF_INET6)"), ok(0));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:80)"), ok(0));
    EXPECT_EQ(s.run("bind(3, 224.0.0.1:0)"), ok(0));  // multicast: no source address
    EXPECT_EQ(s.sk(3).inet_rcv_saddr, 0xe0000001u);
    EXPECT_EQ(s.sk(3).inet_saddr, 0u);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Raw, ARawSocketConnectsWithoutAutobindAndDisconnectsWithAfUnspec) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)"), ok(3));
    EXPECT_EQ(s.run("connect(3, 127.0.0.1:0)"), ok(0));
    EXPECT_EQ(s.sk(3).sk_state, TCP_ESTABLISHED);
    EXPECT_EQ(s.sk(3).inet_daddr, INADDR_LOOPBACK);
    EXPECT_EQ(s.sk(3).inet_num, IPPROTO_ICMP);
    EXPECT_TRUE(s.w().bhash.empty());
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:0)"), err(EINVAL));  // raw_bind wants TCP_CLOSE
    EXPECT_EQ(s.run("connect(3, 0.0.0.0:0, 16, AF_UNSPEC)"), ok(0));
    EXPECT_EQ(s.sk(3).sk_state, TCP_CLOSE);
    EXPECT_EQ(s.sk(3).inet_daddr, 0u);
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:0)"), ok(0));
    EXPECT_EQ(s.run("connect(3, 192.0.2.1:0)"), err(ENETUNREACH));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Raw, AfUnspecOnARawSocketClearsItsSourcePort) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)"), ok(3));
    EXPECT_EQ(s.run("connect(3, 127.0.0.1:0)"), ok(0));
    EXPECT_EQ(s.run("local_port(3)"), ok(IPPROTO_ICMP));
    EXPECT_EQ(s.run("connect(3, 0.0.0.0:0, 16, AF_UNSPEC)"), ok(0));
    EXPECT_EQ(s.run("local_port(3)"), ok(0));
    EXPECT_EQ(s.sk(3).inet_num, IPPROTO_ICMP);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Raw, ListenAndAcceptOnARawSocketAreEopnotsupp) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)"), ok(3));
    EXPECT_EQ(s.run("listen(3, 5)"), err(EOPNOTSUPP));
    EXPECT_EQ(s.run("accept(3)"), err(EOPNOTSUPP));
    EXPECT_EQ(s.run("shutdown(3, SHUT_RDWR)"), err(ENOTCONN));
    EXPECT_EQ(s.run("tcp_state(3)"), err(EOPNOTSUPP));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Raw, ClosingARawSocketFreesItsSock) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:0)"), ok(0));
    EXPECT_EQ(s.run("close(3)"), ok(0));
    EXPECT_EQ(s.w().socks.size(), 0u);
    EXPECT_EQ(s.w().sockets.size(), 0u);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Raw, PingSocketsFollowPingGroupRangeEvenForRoot) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)"), err(EACCES));
    EXPECT_EQ(s.w().socks.size(), 0u);  // the failed sock was released
    s.run("!sysctl net.ipv4.ping_group_range=0 2147483647");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)"), ok(3));
    EXPECT_EQ(s.sk(3).sk_prot, ProtKind::ping_prot);
    EXPECT_EQ(s.sk(3).sk_reuse, SK_CAN_REUSE);
    EXPECT_EQ(s.sk(3).inet_num, 0);  // a datagram socket: no protocol binding
    EXPECT_EQ(s.run("getsockopt(3, SOL_SOCKET, SO_TYPE)"), ok(SOCK_DGRAM));
    EXPECT_EQ(s.run("getsockopt(3, SOL_SOCKET, SO_PROTOCOL)"), ok(IPPROTO_ICMP));
    EXPECT_EQ(s.run("listen(3, 5)"), err(EOPNOTSUPP));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Raw, PingGroupRangeAdmitsOnlyTheGroupsItNamesAndNeedsNoCapability) {
    Sim s;
    s.run("!sysctl net.ipv4.ping_group_range=100 200");
    s.run("A = spawn(1000, 150)");
    s.run("B = spawn(1000, 1000)");
    s.run("C = spawn(0, 0)");
    EXPECT_EQ(s.run("A: socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)"), ok(3));
    EXPECT_EQ(s.run("A: socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)"), err(EPERM));
    EXPECT_EQ(s.run("B: socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)"), err(EACCES));
    EXPECT_EQ(s.run("C: socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)"), err(EACCES));
    s.run("D = spawn(1000, 200)");
    EXPECT_EQ(s.run("D: socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)"), ok(3));
    s.run("E = spawn(1000, 100)");
    EXPECT_EQ(s.run("E: socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)"), ok(3));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Raw, APingSocketBindsOnceASecondBindIsEinval) {
    Sim s;
    s.run("!sysctl net.ipv4.ping_group_range=0 2147483647");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:0, 16, AF_INET6)"), err(EAFNOSUPPORT));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:7)"), ok(0));
    EXPECT_EQ(s.run("local_port(3)"), ok(7));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8)"), err(EINVAL));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Raw, AKernelRawSocketNeedsNoCapability) {
    Sim s;
    s.run("!user 1000");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)"), err(EPERM));
    int64_t h = s.run("sock_create_kern(AF_INET, SOCK_RAW, IPPROTO_ICMP)").value;
    ASSERT_GT(h, 0);
    const Sock& sk = s.w().socks[s.w().sockets[SocketId(static_cast<uint32_t>(h))].sk];
    EXPECT_EQ(sk.inet_num, IPPROTO_ICMP);
    EXPECT_TRUE(sk.sk_kern_sock);
    EXPECT_EQ(s.run("sock_release(" + std::to_string(h) + ")"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

}  // namespace sockscope::test
