// test_af_inet.cpp — core/ipv4/af_inet.cpp: inet_create, bind, listen,
// connect, shutdown as Linux 6.x answers them.
#include "support.h"

namespace sockscope::test {

namespace {

// Whether a call that slept printed this result line when it finished.
bool printed(const Sim& s, const std::string& line) { return s.out.find(line + "\n") != std::string::npos; }

// struct socket ->state of the socket behind fd of the main task.
int socket_state(Sim& s, int fd) { return s.w().sockets[s.w().socks[s.sock_of(fd)].sk_socket].state; }

// The sock behind a kernel socket handle (sock_create_kern's result).
Sock& kernel_sk(Sim& s, int64_t handle) { return s.w().socks[s.w().sockets[SocketId(static_cast<uint32_t>(handle))].sk]; }

// A listener on 127.0.0.1:port whose accept queue is full (backlog 0, one
// client queued), so that every further SYN is dropped.
void full_listener(Sim& s, int port) {
    const std::string p = std::to_string(port);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:" + p + ")"), ok(0));
    EXPECT_EQ(s.run("listen(3, 0)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:" + p + ")"), ok(0));
    EXPECT_EQ(s.run("acceptq(3)"), ok(1));
}

}  // namespace

// ---------------------------------------------------------------- inet_create

TEST(AfInet, TheSeedProgramsSevenSocketCallsGiveThreeFourMinusOneFiveSixSevenEight) {
    Sim s;
    s.run("!define MY_PF_INET 30");
    EXPECT_EQ(s.run("sock_register(MY_PF_INET, \"MY_PF_INET\")"), ok(0));
    EXPECT_EQ(s.run("inet_register_protosw(MY_PF_INET, SOCK_STREAM, IPPROTO_TCP, tcp)"), ok(0));
    EXPECT_EQ(s.run("inet_register_protosw(MY_PF_INET, SOCK_DGRAM, IPPROTO_UDP, udp)"), ok(0));
    EXPECT_EQ(s.run("inet_register_protosw(MY_PF_INET, SOCK_RAW, IPPROTO_IP, raw)"), ok(0));
    EXPECT_EQ(s.run("socket(MY_PF_INET, SOCK_RAW, IPPROTO_ICMP)"), ok(3));
    EXPECT_EQ(s.run("socket(MY_PF_INET, SOCK_RAW, IPPROTO_IGMP)"), ok(4));
    EXPECT_EQ(s.run("socket(MY_PF_INET, SOCK_RAW, IPPROTO_IP)"), err(EPROTONOSUPPORT));
    EXPECT_EQ(s.run("socket(MY_PF_INET, SOCK_DGRAM, IPPROTO_UDP)"), ok(5));
    EXPECT_EQ(s.run("socket(MY_PF_INET, SOCK_DGRAM, IPPROTO_IP)"), ok(6));
    EXPECT_EQ(s.run("socket(MY_PF_INET, SOCK_STREAM, IPPROTO_TCP)"), ok(7));
    EXPECT_EQ(s.run("socket(MY_PF_INET, SOCK_STREAM, IPPROTO_IP)"), ok(8));
}

TEST(AfInet, AnEmptyInetswListIsEsocktnosupportAndANonMatchingOneIsEprotonosupport) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_SEQPACKET, 0)"), err(ESOCKTNOSUPPORT));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, IPPROTO_UDP)"), err(EPROTONOSUPPORT));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, AFailedSocketCallLeavesNoObjectBehind) {
    Sim s;
    size_t sockets = s.w().sockets.size(), files = s.w().files.size();
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, 0)"), err(EPROTONOSUPPORT));
    EXPECT_EQ(s.w().sockets.size(), sockets);
    EXPECT_EQ(s.w().files.size(), files);
    EXPECT_GT(s.steps_checked, 0);
}

TEST(AfInet, InetCreateResolvesProtocolZeroAndLeavesTheSockClosedAndUnconnected) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.sk(3).sk_protocol, IPPROTO_TCP);
    EXPECT_EQ(s.sk(3).sk_prot, ProtKind::tcp_prot);
    EXPECT_EQ(s.sk(3).sk_state, TCP_CLOSE);
    EXPECT_EQ(s.sk(3).sk_type, SOCK_STREAM);
    EXPECT_EQ(s.sk(3).sk_reuse, SK_NO_REUSE);
    EXPECT_EQ(s.sk(3).inet_num, 0);
    EXPECT_EQ(s.sk(3).icsk_rto, 1000);
    EXPECT_EQ(socket_state(s, 3), SS_UNCONNECTED);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(4));
    EXPECT_EQ(s.sk(4).sk_protocol, IPPROTO_UDP);
    EXPECT_EQ(s.sk(4).sk_prot, ProtKind::udp_prot);
    // The raw entry has INET_PROTOSW_REUSE and binds the protocol at once.
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)"), ok(5));
    EXPECT_EQ(s.sk(5).sk_reuse, SK_CAN_REUSE);
    EXPECT_EQ(s.sk(5).inet_num, IPPROTO_ICMP);
    EXPECT_EQ(s.sk(5).sk_protocol, IPPROTO_ICMP);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, ASockRemembersTheUidOfTheProcessThatCreatedIt) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.sk(3).sk_uid, 0u);
    s.run("B = spawn(1000)");
    EXPECT_EQ(s.run("B: socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.sk(3, "B").sk_uid, 1000u);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, ANewProtoswEntryGoesAfterThePermanentOneSoProtocolZeroStillMeansTcp) {
    Sim s;
    EXPECT_EQ(s.run("inet_register_protosw(AF_INET, SOCK_STREAM, IPPROTO_TCP, tcp)"), err(EPERM));
    EXPECT_EQ(s.run("inet_register_protosw(AF_INET, SOCK_STREAM, IPPROTO_SCTP, tcp)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.sk(3).sk_protocol, IPPROTO_TCP);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP)"), ok(4));
    EXPECT_EQ(s.sk(4).sk_protocol, IPPROTO_SCTP);
    EXPECT_EQ(s.run("inet_register_protosw(31, SOCK_STREAM, IPPROTO_TCP, tcp)"), err(EAFNOSUPPORT));
    EXPECT_EQ(s.run("sock_register(AF_INET, \"again\")"), err(EEXIST));
    EXPECT_EQ(s.run("sock_register(46)"), err(ENOBUFS));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

// ---------------------------------------------------------------- bind

TEST(AfInet, BindChecksTheAddressThenThePrivilegeThenWhetherTheSocketIsAlreadyBound) {
    Sim s;
    s.run("!user 1000");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 192.0.2.1:80)"), err(EADDRNOTAVAIL));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:80)"), err(EACCES));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:1023)"), err(EACCES));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:1024)"), ok(0));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:80)"), err(EACCES));
    EXPECT_EQ(s.run("bind(3, 192.0.2.1:2000)"), err(EADDRNOTAVAIL));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:2000, 16, AF_INET6)"), err(EAFNOSUPPORT));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:2000, 15)"), err(EINVAL));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:2000)"), err(EINVAL));
    EXPECT_EQ(s.run("local_port(3)"), ok(1024));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, IpUnprivilegedPortStartMovesThePrivilegedBoundary) {
    Sim s;
    s.run("!sysctl net.ipv4.ip_unprivileged_port_start=80");
    s.run("!user 1000");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:79)"), err(EACCES));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:80)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, BindLocksTheAddressAndThePortOnlyWhenTheyAreGiven) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:0)"), ok(0));
    EXPECT_EQ(s.sk(3).sk_userlocks, SOCK_BINDADDR_LOCK);
    EXPECT_EQ(s.sk(3).inet_rcv_saddr, INADDR_LOOPBACK);
    EXPECT_EQ(s.sk(3).inet_saddr, INADDR_LOOPBACK);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("bind(4, 0.0.0.0:8080)"), ok(0));
    EXPECT_EQ(s.sk(4).sk_userlocks, SOCK_BINDPORT_LOCK);
    EXPECT_EQ(s.sk(4).inet_num, 8080);
    EXPECT_EQ(s.sk(4).inet_sport, 8080);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    EXPECT_EQ(s.run("bind(5, 127.0.0.2:8081)"), ok(0));
    EXPECT_EQ(s.sk(5).sk_userlocks, SOCK_BINDADDR_LOCK | SOCK_BINDPORT_LOCK);
    // AF_UNSPEC is taken for AF_INET only with the wildcard address.
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(6));
    EXPECT_EQ(s.run("bind(6, 127.0.0.1:8082, 16, AF_UNSPEC)"), err(EAFNOSUPPORT));
    EXPECT_EQ(s.run("bind(6, 0.0.0.0:8082, 16, AF_UNSPEC)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, AFailedBindLeavesTheSocketUnboundAndFreeToBindElsewhere) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("bind(4, 127.0.0.1:8080)"), err(EADDRINUSE));
    EXPECT_EQ(s.sk(4).inet_rcv_saddr, 0u);
    EXPECT_EQ(s.sk(4).inet_saddr, 0u);
    EXPECT_EQ(s.sk(4).inet_num, 0);
    EXPECT_EQ(s.sk(4).sk_userlocks, 0);
    EXPECT_EQ(s.run("bind(4, 127.0.0.1:8081)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

// ---------------------------------------------------------------- listen

TEST(AfInet, ListenIsEinvalOnConnectedAcceptedAndConnectingSockets) {
    Sim s;
    full_listener(s, 8080);
    EXPECT_EQ(s.run("listen(4, 5)"), err(EINVAL));               // a connected client
    EXPECT_EQ(s.run("accept(3)"), ok(5));
    EXPECT_EQ(s.run("listen(5, 5)"), err(EINVAL));               // an accepted socket
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(6));  // fill the queue again
    EXPECT_EQ(s.run("connect(6, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(7));
    EXPECT_EQ(s.run("connect(7, 127.0.0.1:8080)"), err(EINPROGRESS));
    EXPECT_EQ(s.run("tcp_state(7)"), ok(TCP_SYN_SENT));
    EXPECT_EQ(s.run("listen(7, 5)"), err(EINVAL));               // still in SYN_SENT
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(8));
    EXPECT_EQ(s.run("listen(8, 5)"), err(EOPNOTSUPP));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, ListenStoresTheBacklogBeforeStartingSoAFailedListenKeepsIt) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("setsockopt(3, SOL_SOCKET, SO_REUSEADDR, 1)"), ok(0));
    EXPECT_EQ(s.run("setsockopt(4, SOL_SOCKET, SO_REUSEADDR, 1)"), ok(0));
    EXPECT_EQ(s.run("bind(3, 0.0.0.0:8080)"), ok(0));
    EXPECT_EQ(s.run("bind(4, 0.0.0.0:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.run("listen(4, 7)"), err(EADDRINUSE));
    EXPECT_EQ(s.sk(4).sk_max_ack_backlog, 7u);
    EXPECT_EQ(s.sk(4).sk_state, TCP_CLOSE);
    EXPECT_FALSE(s.sk(4).listener_hashed);
    EXPECT_EQ(s.sk(3).sk_max_ack_backlog, 5u);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, ListenOnAnUnboundSocketAutobindsToTheFirstOddEphemeralPort) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.run("local_port(3)"), ok(32769));
    EXPECT_EQ(s.sk(3).inet_rcv_saddr, 0u);
    EXPECT_EQ(s.sk(3).sk_userlocks, 0);  // an autobound port is given back on CLOSE
    EXPECT_EQ(s.run("tcp_state(3)"), ok(TCP_LISTEN));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:32769)"), ok(0));
    EXPECT_EQ(s.run("acceptq(3)"), ok(1));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, TheBacklogIsClampedToSomaxconnAsAnUnsignedNumber) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("listen(3, -1)"), ok(0));
    EXPECT_EQ(s.run("backlog(3)"), ok(4096));
    EXPECT_EQ(s.run("listen(3, 0)"), ok(0));
    EXPECT_EQ(s.run("backlog(3)"), ok(0));
    s.run("!sysctl net.core.somaxconn=128");
    EXPECT_EQ(s.run("listen(3, 1000)"), ok(0));
    EXPECT_EQ(s.sk(3).sk_max_ack_backlog, 128u);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

// ---------------------------------------------------------------- connect

TEST(AfInet, ANonblockingConnectIsEinprogressThenZeroThenEisconn) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), err(EINPROGRESS));
    EXPECT_EQ(socket_state(s, 4), SS_CONNECTING);
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_ESTABLISHED));
    EXPECT_EQ(s.run("getsockopt(4, SOL_SOCKET, SO_ERROR)"), ok(0));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(socket_state(s, 4), SS_CONNECTED);
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), err(EISCONN));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:9999)"), err(EISCONN));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, ASecondConnectWhileTheSynIsUnansweredIsEalready) {
    Sim s;
    full_listener(s, 8080);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(5));
    EXPECT_EQ(s.run("connect(5, 127.0.0.1:8080)"), err(EINPROGRESS));
    EXPECT_EQ(s.run("connect(5, 127.0.0.1:8080)"), err(EALREADY));
    EXPECT_EQ(s.run("connect(5, 127.0.0.1:8081)"), err(EALREADY));
    EXPECT_EQ(socket_state(s, 5), SS_CONNECTING);
    EXPECT_EQ(s.run("getsockopt(5, SOL_SOCKET, SO_ERROR)"), ok(0));
    EXPECT_EQ(s.run("bind(5, 127.0.0.1:9000)"), err(EINVAL));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, ARefusedConnectReportsItsErrorOnceThenEconnaborted) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("connect(3, 127.0.0.1:7500)"), err(ECONNREFUSED));
    EXPECT_EQ(socket_state(s, 3), SS_UNCONNECTED);
    EXPECT_EQ(s.run("tcp_state(3)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:7500)"), err(EINPROGRESS));
    EXPECT_EQ(s.run("getsockopt(4, SOL_SOCKET, SO_ERROR)"), ok(ECONNREFUSED));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:7500)"), err(ECONNABORTED));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:7500)"), err(EINPROGRESS));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:7500)"), err(ECONNREFUSED));
    EXPECT_EQ(s.run("getsockopt(4, SOL_SOCKET, SO_ERROR)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, ConnectOnAListenerOrAnAcceptedSocketIsEisconn) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.run("connect(3, 127.0.0.1:8080)"), err(EISCONN));
    EXPECT_EQ(socket_state(s, 3), SS_UNCONNECTED);
    EXPECT_EQ(s.run("tcp_state(3)"), ok(TCP_LISTEN));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("accept(3)"), ok(5));
    EXPECT_EQ(socket_state(s, 5), SS_CONNECTED);
    EXPECT_EQ(s.run("connect(5, 127.0.0.1:8080)"), err(EISCONN));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, ConnectChecksTheAddressLengthFamilyAndRoute) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("connect(3, 127.0.0.1:8080, 1)"), err(EINVAL));
    EXPECT_EQ(s.run("connect(3, 127.0.0.1:8080, 8)"), err(EINVAL));
    EXPECT_EQ(s.run("connect(3, 127.0.0.1:8080, 129)"), err(EINVAL));
    EXPECT_EQ(s.run("connect(3, 127.0.0.1:8080, 16, AF_INET6)"), err(EAFNOSUPPORT));
    EXPECT_EQ(s.run("connect(3, 192.0.2.1:8080)"), err(ENETUNREACH));
    EXPECT_EQ(s.run("connect(3, 224.0.0.1:8080)"), err(ENETUNREACH));
    EXPECT_EQ(s.run("connect(3, 255.255.255.255:8080)"), err(ENETUNREACH));
    EXPECT_EQ(socket_state(s, 3), SS_UNCONNECTED);
    EXPECT_EQ(s.run("tcp_state(3)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.sk(3).inet_num, 0);
    EXPECT_EQ(s.mib(Mib::ActiveOpens), 0);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, ConnectAfUnspecResetsAnEstablishedConnectionAndLeavesAReusableSocket) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("accept(3)"), ok(5));
    EXPECT_EQ(s.run("connect(4, 0.0.0.0:0, 16, AF_UNSPEC)"), ok(0));
    EXPECT_EQ(socket_state(s, 4), SS_UNCONNECTED);
    EXPECT_EQ(s.sk(4).sk_disconnects, 1);
    EXPECT_EQ(s.sk(4).inet_num, 0);  // the autobound port went back
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.run("tcp_state(5)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.run("getsockopt(5, SOL_SOCKET, SO_ERROR)"), ok(ECONNRESET));
    EXPECT_EQ(s.run("getsockopt(4, SOL_SOCKET, SO_ERROR)"), ok(ECONNRESET));
    EXPECT_EQ(s.mib(Mib::EstabResets), 2);
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("acceptq(3)"), ok(1));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, ConnectAfUnspecOnAListenerStopsItButKeepsItsPort) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("connect(3, 0.0.0.0:0, 16, AF_UNSPEC)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(3)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.run("getsockopt(4, SOL_SOCKET, SO_ERROR)"), ok(ECONNRESET));
    EXPECT_EQ(s.run("accept(3)"), err(EINVAL));
    EXPECT_EQ(s.sk(3).inet_num, 8080);
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(3)"), ok(TCP_LISTEN));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, ABlockingConnectSleepsUntilARetransmittedSynGetsIn) {
    Sim s;
    full_listener(s, 8080);
    s.run("T = thread()");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    EXPECT_EQ(s.run("T: connect(5, 127.0.0.1:8080)"), (script::Result{0, -1}));
    EXPECT_TRUE(s.slept());
    EXPECT_EQ(s.run("tcp_state(5)"), ok(TCP_SYN_SENT));
    EXPECT_EQ(s.run("accept(3)"), ok(6));  // room in the queue
    EXPECT_FALSE(printed(s, "T: connect(5, 127.0.0.1:8080) = 0"));
    EXPECT_EQ(s.run("sleep(1000)"), ok(0));  // the SYN is retransmitted after 1 s
    EXPECT_TRUE(printed(s, "T: connect(5, 127.0.0.1:8080) = 0"));
    EXPECT_EQ(socket_state(s, 5), SS_CONNECTED);
    EXPECT_EQ(s.run("tcp_state(5)"), ok(TCP_ESTABLISHED));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, SoSndtimeoEndsABlockingConnectWithEinprogressAndTheHandshakeGoesOn) {
    Sim s;
    full_listener(s, 8080);
    s.run("T = thread()");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    EXPECT_EQ(s.run("setsockopt(5, SOL_SOCKET, SO_SNDTIMEO, 5000)"), ok(0));
    s.run("T: connect(5, 127.0.0.1:8080)");
    EXPECT_TRUE(s.slept());
    EXPECT_EQ(s.run("sleep(4999)"), ok(0));
    EXPECT_FALSE(printed(s, "T: connect(5, 127.0.0.1:8080) = -1 EINPROGRESS"));
    EXPECT_EQ(s.run("sleep(1)"), ok(0));
    EXPECT_TRUE(printed(s, "T: connect(5, 127.0.0.1:8080) = -1 EINPROGRESS"));
    EXPECT_EQ(socket_state(s, 5), SS_CONNECTING);
    EXPECT_EQ(s.run("tcp_state(5)"), ok(TCP_SYN_SENT));
    EXPECT_EQ(s.run("accept(3)"), ok(6));
    EXPECT_EQ(s.run("sleep(3000)"), ok(0));  // the retry at 7 s gets in
    EXPECT_EQ(s.run("tcp_state(5)"), ok(TCP_ESTABLISHED));
    EXPECT_EQ(s.run("T: connect(5, 127.0.0.1:8080)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, ASignalInterruptsABlockingConnectWithEintrAndTheSynStaysInFlight) {
    Sim s;
    full_listener(s, 8080);
    s.run("T = thread()");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    s.run("T: connect(5, 127.0.0.1:8080)");
    EXPECT_TRUE(s.slept());
    EXPECT_EQ(s.run("signal(T)"), ok(0));
    EXPECT_TRUE(printed(s, "T: connect(5, 127.0.0.1:8080) = -1 EINTR"));
    EXPECT_EQ(s.run("tcp_state(5)"), ok(TCP_SYN_SENT));
    EXPECT_EQ(socket_state(s, 5), SS_CONNECTING);
    EXPECT_EQ(s.run("fcntl(5, F_SETFL, O_NONBLOCK)"), ok(0));
    EXPECT_EQ(s.run("connect(5, 127.0.0.1:8080)"), err(EALREADY));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, DisconnectingASocketWhileAnotherThreadWaitsInConnectMakesThatConnectEpipe) {
    Sim s;
    full_listener(s, 8080);
    s.run("T = thread()");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    s.run("T: connect(5, 127.0.0.1:8080)");
    EXPECT_TRUE(s.slept());
    EXPECT_EQ(s.run("connect(5, 0.0.0.0:0, 16, AF_UNSPEC)"), ok(0));
    EXPECT_TRUE(printed(s, "T: connect(5, 127.0.0.1:8080) = -1 EPIPE"));
    EXPECT_EQ(s.run("tcp_state(5)"), ok(TCP_CLOSE));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

// ---------------------------------------------------------------- shutdown

TEST(AfInet, ShutdownChecksHowFirstAndIsEnotconnOnAnUnconnectedSocket) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("shutdown(3, 3)"), err(EINVAL));
    EXPECT_EQ(s.run("shutdown(3, -1)"), err(EINVAL));
    EXPECT_EQ(s.run("shutdown(3, SHUT_RD)"), err(ENOTCONN));
    EXPECT_EQ(s.sk(3).sk_shutdown, RCV_SHUTDOWN);  // recorded all the same
    EXPECT_EQ(s.run("shutdown(3, SHUT_RDWR)"), err(ENOTCONN));
    EXPECT_EQ(s.sk(3).sk_shutdown, SHUTDOWN_MASK);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(4));
    EXPECT_EQ(s.run("shutdown(4, SHUT_WR)"), err(ENOTCONN));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:53)"), ok(0));
    EXPECT_EQ(s.run("shutdown(4, SHUT_WR)"), ok(0));
    EXPECT_EQ(s.sk(4).sk_shutdown, SEND_SHUTDOWN);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, ShutdownWrOfAConnectionSendsAFinAndShutdownRdSendsNothing) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("accept(3)"), ok(5));
    int64_t segs = s.mib(Mib::OutSegs);
    EXPECT_EQ(s.run("shutdown(4, SHUT_RD)"), ok(0));
    EXPECT_EQ(s.mib(Mib::OutSegs), segs);
    EXPECT_EQ(s.sk(4).sk_shutdown, RCV_SHUTDOWN);
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_ESTABLISHED));
    EXPECT_EQ(s.run("shutdown(4, SHUT_WR)"), ok(0));
    EXPECT_TRUE(s.sk(4).fin_sent);
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_FIN_WAIT2));
    EXPECT_EQ(s.run("tcp_state(5)"), ok(TCP_CLOSE_WAIT));
    EXPECT_EQ(s.run("shutdown(4, SHUT_RDWR)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, ShutdownRdStopsAListenerAndWakesABlockedAcceptWithEinval) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.run("shutdown(3, SHUT_WR)"), ok(0));  // no effect on a listener
    EXPECT_EQ(s.run("tcp_state(3)"), ok(TCP_LISTEN));
    s.run("T = thread()");
    s.run("T: accept(3)");
    EXPECT_TRUE(s.slept());
    EXPECT_EQ(s.run("shutdown(3, SHUT_RD)"), ok(0));
    EXPECT_TRUE(printed(s, "T: accept(3) = -1 EINVAL"));
    EXPECT_EQ(s.run("tcp_state(3)"), ok(TCP_CLOSE));
    EXPECT_EQ(socket_state(s, 3), SS_UNCONNECTED);
    EXPECT_EQ(s.run("shutdown(3, SHUT_RDWR)"), err(ENOTCONN));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.run("local_port(3)"), ok(8080));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, ShutdownOfASocketStillInSynSentDisconnectsIt) {
    Sim s;
    full_listener(s, 8080);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(5));
    EXPECT_EQ(s.run("connect(5, 127.0.0.1:8080)"), err(EINPROGRESS));
    EXPECT_EQ(s.run("shutdown(5, SHUT_WR)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(5)"), ok(TCP_CLOSE));
    EXPECT_EQ(socket_state(s, 5), SS_UNCONNECTED);
    EXPECT_EQ(s.run("getsockopt(5, SOL_SOCKET, SO_ERROR)"), ok(ECONNRESET));
    EXPECT_EQ(s.mib(Mib::OutRsts), 0);  // nothing was ever acknowledged
    EXPECT_EQ(s.run("accept(3)"), ok(6));
    EXPECT_EQ(s.run("connect(5, 127.0.0.1:8080)"), err(EINPROGRESS));
    EXPECT_EQ(s.run("tcp_state(5)"), ok(TCP_ESTABLISHED));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

// ---------------------------------------------------------------- the in-kernel API

TEST(AfInet, KernelListenTakesTheBacklogUnclampedAndKernelSocketsUseNoFd) {
    Sim s;
    int64_t h = s.run("sock_create_kern(AF_INET, SOCK_STREAM, IPPROTO_TCP)").value;
    ASSERT_GT(h, 0);
    EXPECT_FALSE(s.w().sockets[SocketId(static_cast<uint32_t>(h))].file);
    EXPECT_TRUE(kernel_sk(s, h).sk_kern_sock);
    const std::string hs = std::to_string(h);
    EXPECT_EQ(s.run("kernel_bind(" + hs + ", 0.0.0.0:7000)"), ok(0));
    EXPECT_EQ(s.run("kernel_listen(" + hs + ", 100000)"), ok(0));
    EXPECT_EQ(kernel_sk(s, h).sk_max_ack_backlog, 100000u);
    EXPECT_EQ(kernel_sk(s, h).sk_state, TCP_LISTEN);
    EXPECT_EQ(s.run("kernel_accept(" + hs + ")"), err(EAGAIN));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));  // fd 3 was never used
    EXPECT_EQ(s.run("sock_release(" + hs + ")"), ok(0));
    EXPECT_EQ(s.run("kernel_listen(" + hs + ", 5)"), err(EBADF));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, KernelSocketsSkipTheRawCapabilityAndPrivilegedPortChecks) {
    Sim s;
    s.run("!user 1000");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)"), err(EPERM));
    int64_t r = s.run("sock_create_kern(AF_INET, SOCK_RAW, IPPROTO_ICMP)").value;
    ASSERT_GT(r, 0);
    EXPECT_EQ(kernel_sk(s, r).inet_num, IPPROTO_ICMP);
    int64_t h = s.run("sock_create_kern(AF_INET, SOCK_STREAM, 0)").value;
    ASSERT_GT(h, 0);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 0.0.0.0:80)"), err(EACCES));
    EXPECT_EQ(s.run("kernel_bind(" + std::to_string(h) + ", 0.0.0.0:80)"), ok(0));
    EXPECT_EQ(kernel_sk(s, h).inet_num, 80);
    EXPECT_EQ(s.run("sock_release(" + std::to_string(r) + ")"), ok(0));
    EXPECT_EQ(s.run("sock_release(" + std::to_string(h) + ")"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, AKernelThreadServerAcceptsReleasesAndLeavesNothingBehind) {
    Sim s;
    s.run("K = kthread_run(0.0.0.0:8888, 1024)");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("connect(3, 127.0.0.1:8888)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8888)"), ok(0));
    // The thread accepted and released both: each client saw the FIN.
    EXPECT_EQ(s.run("tcp_state(3)"), ok(TCP_CLOSE_WAIT));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_CLOSE_WAIT));
    TaskId k = s.in.tasks.at("K");
    EXPECT_EQ(s.w().tasks[k].kthread_accepted, 2);
    EXPECT_FALSE(s.w().tasks[k].files);  // a kernel thread has no fd table
    const Sock& l = s.w().socks[s.w().sockets[s.w().tasks[k].kthread_sock].sk];
    EXPECT_EQ(l.sk_max_ack_backlog, 1024u);
    EXPECT_EQ(l.sk_reuse, SK_CAN_REUSE);
    EXPECT_TRUE(l.sk_kern_sock);
    EXPECT_EQ(s.run("close(3)"), ok(0));
    EXPECT_EQ(s.run("close(4)"), ok(0));
    EXPECT_EQ(s.run("kthread_stop(K)"), ok(0));
    EXPECT_FALSE(s.w().tasks.contains(k));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("connect(3, 127.0.0.1:8888)"), err(ECONNREFUSED));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, KthreadStopOfAServerThatNeverGotAClientReleasesItsListener) {
    Sim s;
    s.run("K = kthread_run(127.0.0.1:8888, 16)");
    EXPECT_EQ(s.run("kthread_stop(K)"), ok(0));
    EXPECT_EQ(s.run("kthread_stop(K)"), err(ESRCH));
    EXPECT_TRUE(s.w().lhash.empty());
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

}  // namespace sockscope::test
