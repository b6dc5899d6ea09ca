// test_world.cpp — core/world.cpp: the boot world inet_init leaves behind
// on Linux 6.x, and the names of world-level things.
#include "support.h"

namespace sockscope::test {

namespace {

std::vector<int> protocols(const World& w, int family, int type) {
    std::vector<int> out;
    for (const InetProtosw& e : w.net_families[family].inetsw[type]) out.push_back(e.protocol);
    return out;
}

}  // namespace

TEST(World, TheBootWorldHasInetRegisteredWithInetCreate) {
    World w = make_boot_world();
    const NetProtoFamily& inet = w.net_families[AF_INET];
    EXPECT_TRUE(inet.registered);
    EXPECT_EQ(inet.name, "inet");
    EXPECT_EQ(inet.create, "inet_create");
}

TEST(World, TheInetswArrayOf6xHasTcpThenUdpAndPingThenTheRawWildcard) {
    World w = make_boot_world();
    const auto& sw = w.net_families[AF_INET].inetsw;
    ASSERT_EQ(sw[SOCK_STREAM].size(), 1u);
    EXPECT_EQ(sw[SOCK_STREAM][0],
              (InetProtosw{SOCK_STREAM, IPPROTO_TCP, ProtKind::tcp_prot, OpsKind::inet_stream_ops,
                           INET_PROTOSW_PERMANENT | INET_PROTOSW_ICSK}));
    ASSERT_EQ(sw[SOCK_DGRAM].size(), 3u);
    EXPECT_EQ(sw[SOCK_DGRAM][0], (InetProtosw{SOCK_DGRAM, IPPROTO_UDP, ProtKind::udp_prot,
                                              OpsKind::inet_dgram_ops, INET_PROTOSW_PERMANENT}));
    // [1] is UDP-Lite, registered after the array (udplite4_register)
    EXPECT_EQ(sw[SOCK_DGRAM][2], (InetProtosw{SOCK_DGRAM, IPPROTO_ICMP, ProtKind::ping_prot,
                                              OpsKind::inet_sockraw_ops, INET_PROTOSW_REUSE}));
    ASSERT_EQ(sw[SOCK_RAW].size(), 1u);
    EXPECT_EQ(sw[SOCK_RAW][0], (InetProtosw{SOCK_RAW, IPPROTO_IP, ProtKind::raw_prot,
                                            OpsKind::inet_sockraw_ops, INET_PROTOSW_REUSE}));
}

TEST(World, NoOtherSocketTypeHasAnInetswEntry) {
    World w = make_boot_world();
    for (int type : {0, SOCK_RDM, SOCK_SEQPACKET, SOCK_DCCP, 7, 8, 9, SOCK_PACKET})
        EXPECT_TRUE(w.net_families[AF_INET].inetsw[type].empty()) << "type " << type;
}

TEST(World, InetInitAlsoRegistersUdpLiteAfterThePermanentUdpEntry) {
    World w = make_boot_world();
    EXPECT_EQ(protocols(w, AF_INET, SOCK_DGRAM), (std::vector<int>{IPPROTO_UDP, IPPROTO_UDPLITE, IPPROTO_ICMP}));
    Sim s;
    EXPECT_EQ(s.run("u = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE)"), ok(3));
    EXPECT_EQ(s.run("getsockopt(u, SOL_SOCKET, SO_PROTOCOL)"), ok(IPPROTO_UDPLITE));
}

TEST(World, PacketIsRegisteredSoTheSockPacketRedirectHasSomewhereToGo) {
    World w = make_boot_world();
    EXPECT_TRUE(w.net_families[AF_PACKET].registered);
    EXPECT_EQ(w.net_families[AF_PACKET].name, "packet");
    EXPECT_EQ(w.net_families[AF_PACKET].create, "packet_create");
    for (int t = 0; t < SOCK_MAX; ++t) EXPECT_TRUE(w.net_families[AF_PACKET].inetsw[t].empty());
}

TEST(World, NoOtherFamilyIsRegistered) {
    World w = make_boot_world();
    for (int f = 0; f < NPROTO; ++f)
        if (f != AF_INET && f != AF_PACKET) {
            EXPECT_FALSE(w.net_families[f].registered) << "family " << f;
        }
}

TEST(World, TheBootWorldHasNoObjectsAndNoTime) {
    World w = make_boot_world();
    EXPECT_EQ(w.tasks.size(), 0u);
    EXPECT_EQ(w.files.size(), 0u);
    EXPECT_EQ(w.sockets.size(), 0u);
    EXPECT_EQ(w.socks.size(), 0u);
    EXPECT_EQ(w.timers.size(), 0u);
    EXPECT_EQ(w.peers.size(), 0u);
    EXPECT_TRUE(w.wire.empty());
    EXPECT_TRUE(w.bhash.empty());
    EXPECT_TRUE(w.lhash.empty());
    EXPECT_TRUE(w.ehash.empty());
    EXPECT_EQ(w.now, 0);
    for (int64_t c : w.mib) EXPECT_EQ(c, 0);
    EXPECT_TRUE(check_invariants(w).empty());
    EXPECT_TRUE(leftovers(w).empty());
}

TEST(World, TheBootSysctlsAreTheKernelDefaultsOfAFreshNamespace) {
    World w = make_boot_world();
    EXPECT_EQ(w.sysctl.somaxconn, 4096);
    EXPECT_EQ(w.sysctl.tcp_syncookies, 1);
    EXPECT_EQ(w.sysctl.tcp_abort_on_overflow, 0);
    EXPECT_EQ(w.sysctl.ip_local_port_range_lo, 32768);
    EXPECT_EQ(w.sysctl.ip_local_port_range_hi, 60999);
    EXPECT_EQ(w.sysctl.ip_unprivileged_port_start, 1024);
    EXPECT_EQ(w.sysctl.tcp_synack_retries, 5);
    EXPECT_EQ(w.sysctl.tcp_syn_retries, 6);
    EXPECT_EQ(w.sysctl.tcp_syn_linear_timeouts, 4);
    EXPECT_EQ(w.sysctl.ping_group_range_lo, 1);
    EXPECT_EQ(w.sysctl.ping_group_range_hi, 0);
    EXPECT_EQ(w.sysctl.tcp_fin_timeout, 60);
    EXPECT_EQ(w.sysctl.ip_nonlocal_bind, 0);
}

TEST(World, TwoBootWorldsAreEqualAndAnyChangeMakesThemDiffer) {
    World a = make_boot_world(), b = make_boot_world();
    EXPECT_TRUE(a == b);
    b.sysctl.somaxconn = 128;
    EXPECT_FALSE(a == b);
    World c = make_boot_world();
    c.net_families[AF_INET].inetsw[SOCK_STREAM].clear();
    EXPECT_FALSE(a == c);
}

TEST(World, MibNamesAreTheNstatSpellingsWithoutPrefix) {
    EXPECT_STREQ(mib_name(Mib::ListenOverflows), "ListenOverflows");
    EXPECT_STREQ(mib_name(Mib::ActiveOpens), "ActiveOpens");
    EXPECT_STREQ(mib_name(Mib::RetransSegs), "RetransSegs");
    for (size_t i = 0; i < static_cast<size_t>(Mib::Count); ++i) {
        Mib m;
        ASSERT_TRUE(mib_from_name(mib_name(static_cast<Mib>(i)), &m));
        EXPECT_EQ(static_cast<size_t>(m), i);
    }
}

TEST(World, MibNamesAreAlsoFoundWithTheTcpAndTcpExtPrefixes) {
    Mib m;
    ASSERT_TRUE(mib_from_name("TcpExtListenOverflows", &m));
    EXPECT_EQ(m, Mib::ListenOverflows);
    ASSERT_TRUE(mib_from_name("TcpActiveOpens", &m));
    EXPECT_EQ(m, Mib::ActiveOpens);
    EXPECT_FALSE(mib_from_name("NoSuchCounter", &m));
    EXPECT_FALSE(mib_from_name("TcpExt", &m));
    EXPECT_FALSE(mib_from_name("", &m));
}

TEST(World, AddressesPrintDottedWithThePortAfterAColon) {
    EXPECT_EQ(addr_str(INADDR_LOOPBACK), "127.0.0.1");
    EXPECT_EQ(addr_str(0), "0.0.0.0");
    EXPECT_EQ(addr_str(0xffffffffu), "255.255.255.255");
    EXPECT_EQ(endpoint_str(0xc0000201u, 8080), "192.0.2.1:8080");
}

TEST(World, TheMachineOwnsTheLoopbackNetworkOnly) {
    EXPECT_TRUE(addr_is_loopback(0x7f000001));
    EXPECT_TRUE(addr_is_loopback(0x7fffffff));
    EXPECT_FALSE(addr_is_loopback(0x80000001));
    EXPECT_TRUE(addr_is_multicast(0xe0000001));
    EXPECT_FALSE(addr_is_multicast(0xdfffffff));
    EXPECT_TRUE(addr_is_broadcast(0xffffffffu));
    World w = make_boot_world();
    EXPECT_FALSE(static_cast<bool>(peer_at(w, 0x0a000002)));
}

TEST(World, ObjectKindsHaveTheKernelNames) {
    EXPECT_STREQ(obj_kind_name(ObjKind::Files), "files_struct");
    EXPECT_STREQ(obj_kind_name(ObjKind::Req), "request_sock");
    EXPECT_STREQ(obj_kind_name(ObjKind::Tw), "timewait_sock");
    EXPECT_STREQ(obj_kind_name(ObjKind::Bucket), "bind_bucket");
    EXPECT_STREQ(obj_kind_name(ObjKind::Packet), "skb");
    EXPECT_STREQ(obj_kind_name(ObjKind::Sock), "sock");
}

TEST(World, TheBootWorldAnswersSocketCallsAsLinuxDoes) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(4));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)"), ok(5));
    EXPECT_EQ(s.run("getsockopt(4, SOL_SOCKET, SO_PROTOCOL)"), ok(IPPROTO_UDP));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)"), err(EACCES));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP)"), err(EPROTONOSUPPORT));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_SEQPACKET, 0)"), err(ESOCKTNOSUPPORT));
}

}  // namespace sockscope::test
