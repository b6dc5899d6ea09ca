// test_tcp_ipv4.cpp — core/ipv4/tcp_ipv4.cpp: tcp_v4_connect (route,
// source address, SYN_SENT, ephemeral port), tcp_v4_rcv's demultiplexing
// (established hash, request socks, listeners, RST for no one),
// tcp_v4_syn_recv_sock, tcp_v4_send_reset and tcp_v4_destroy_sock.
#include "support.h"

namespace sockscope::test {

namespace {

const Peer& peer(Sim& s, const std::string& name) {
    return s.w().peers[PeerId(static_cast<uint32_t>(s.in.vars.at(name)))];
}

}  // namespace

TEST(TcpIpv4, ConnectWithoutARouteIsEnetunreachAndSendsNothing) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("connect(3, 192.0.2.1:80)"), err(ENETUNREACH));
    EXPECT_EQ(s.run("connect(3, 224.0.0.1:80)"), err(ENETUNREACH));
    EXPECT_EQ(s.run("connect(3, 255.255.255.255:80)"), err(ENETUNREACH));
    EXPECT_EQ(s.run("tcp_state(3)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.sk(3).inet_saddr, 0u);
    EXPECT_EQ(s.sk(3).inet_daddr, 0u);
    EXPECT_EQ(s.sk(3).inet_num, 0);
    EXPECT_EQ(s.mib(Mib::ActiveOpens), 0);
    EXPECT_EQ(s.mib(Mib::OutSegs), 0);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpIpv4, ConnectFillsInTheSourceAddressPortAndDestination) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    const Sock& c = s.sk(4);
    EXPECT_EQ(c.inet_saddr, INADDR_LOOPBACK);
    EXPECT_EQ(c.inet_rcv_saddr, INADDR_LOOPBACK);
    EXPECT_EQ(c.inet_daddr, INADDR_LOOPBACK);
    EXPECT_EQ(c.inet_dport, 8080);
    EXPECT_EQ(c.inet_num, 32768);
    EXPECT_EQ(c.inet_sport, 32768);
    EXPECT_TRUE(c.ehashed);
    EXPECT_EQ(c.snd_una, c.snd_isn + 1);  // our SYN was acknowledged
    EXPECT_EQ(s.mib(Mib::ActiveOpens), 1);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpIpv4, ConnectToTheWildcardAddressReachesThisHost) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 0.0.0.0:8080)"), ok(0));
    EXPECT_EQ(s.sk(4).inet_daddr, INADDR_LOOPBACK);
    EXPECT_EQ(s.run("acceptq(3)"), ok(1));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpIpv4, ASynToAPortWithNoListenerIsAnsweredWithARstAck) {
    Sim s;
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:9)"), ok(0));
    ASSERT_EQ(peer(s, "P").inbox.size(), 1u);
    const Packet& rst = peer(s, "P").inbox[0];
    EXPECT_EQ(rst.flags, TH_RST | TH_ACK);
    EXPECT_EQ(rst.ack_seq, peer(s, "P").conns[0].snd_nxt);  // the SYN's seq + 1
    EXPECT_EQ(rst.seq, 0u);
    EXPECT_EQ(rst.sport, 9);
    EXPECT_EQ(rst.dport, 40000);
    EXPECT_EQ(s.mib(Mib::OutRsts), 1);
    EXPECT_EQ(peer(s, "P").conns[0].state, TCP_CLOSE);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpIpv4, ARstIsNeverAnsweredWithARst) {
    Sim s;
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:9)"), ok(0));
    EXPECT_EQ(s.run("peer_rst(P, 127.0.0.1:9)"), ok(0));
    EXPECT_EQ(peer(s, "P").inbox.size(), 1u);
    EXPECT_EQ(s.mib(Mib::OutRsts), 1);
    EXPECT_EQ(s.mib(Mib::InSegs), 2);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpIpv4, AnAckForARequestOfAClosedListenerFindsNoOneAndGetsARstWithItsAckNumber) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 0.0.0.0:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
    uint32_t synack_seq = peer(s, "P").inbox[0].seq;
    EXPECT_EQ(s.run("close(3)"), ok(0));
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    ASSERT_EQ(peer(s, "P").inbox.size(), 2u);
    EXPECT_EQ(peer(s, "P").inbox[1].flags, TH_RST);
    EXPECT_EQ(peer(s, "P").inbox[1].seq, synack_seq + 1);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpIpv4, AListenerOnAnExactAddressWinsOverAWildcardListener) {
    Sim s;
    for (int fd = 3; fd <= 4; ++fd) {
        EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(fd));
        EXPECT_EQ(s.run("setsockopt(" + std::to_string(fd) + ", SOL_SOCKET, SO_REUSEPORT, 1)"), ok(0));
    }
    EXPECT_EQ(s.run("bind(3, 0.0.0.0:8080)"), ok(0));
    EXPECT_EQ(s.run("bind(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.run("listen(4, 5)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    EXPECT_EQ(s.run("connect(5, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("acceptq(4)"), ok(1));
    EXPECT_EQ(s.run("acceptq(3)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(6));
    EXPECT_EQ(s.run("connect(6, 127.0.0.2:8080)"), ok(0));
    EXPECT_EQ(s.run("acceptq(3)"), ok(1));
    EXPECT_EQ(s.run("acceptq(4)"), ok(1));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpIpv4, AListenerBoundToAnotherLoopbackAddressDoesNotAnswer) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.2:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), err(ECONNREFUSED));
    EXPECT_EQ(s.run("connect(4, 127.0.0.2:8080)"), ok(0));
    EXPECT_EQ(s.run("acceptq(3)"), ok(1));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpIpv4, ConnectionsFromPeersAreSpreadOverTwoReuseportListeners) {
    Sim s;
    for (int fd = 3; fd <= 4; ++fd) {
        EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(fd));
        EXPECT_EQ(s.run("setsockopt(" + std::to_string(fd) + ", SOL_SOCKET, SO_REUSEPORT, 1)"), ok(0));
        EXPECT_EQ(s.run("bind(" + std::to_string(fd) + ", 0.0.0.0:8080)"), ok(0));
        EXPECT_EQ(s.run("listen(" + std::to_string(fd) + ", 16)"), ok(0));
    }
    s.run("P = peer(10.0.0.2:0)");
    for (int i = 0; i < 8; ++i) {
        EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
        EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    }
    int64_t a = s.run("acceptq(3)").value, b = s.run("acceptq(4)").value;
    EXPECT_EQ(a + b, 8);
    EXPECT_GT(a, 0);
    EXPECT_GT(b, 0);
    for (int i = 0; i < 8; ++i) EXPECT_EQ(s.run("peer_rst(P, 127.0.0.1:8080, " + std::to_string(i) + ")"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpIpv4, LoopbackConnectionsAreSpreadOverTwoReuseportListeners) {
    Sim s;
    for (int fd = 3; fd <= 4; ++fd) {
        EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(fd));
        EXPECT_EQ(s.run("setsockopt(" + std::to_string(fd) + ", SOL_SOCKET, SO_REUSEPORT, 1)"), ok(0));
        EXPECT_EQ(s.run("bind(" + std::to_string(fd) + ", 0.0.0.0:8080)"), ok(0));
        EXPECT_EQ(s.run("listen(" + std::to_string(fd) + ", 16)"), ok(0));
    }
    for (int fd = 5; fd < 13; ++fd) {
        EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(fd));
        EXPECT_EQ(s.run("connect(" + std::to_string(fd) + ", 127.0.0.1:8080)"), ok(0));
    }
    int64_t a = s.run("acceptq(3)").value, b = s.run("acceptq(4)").value;
    EXPECT_EQ(a + b, 8);
    EXPECT_GT(a, 0);
    EXPECT_GT(b, 0);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpIpv4, ThePeersFinalAckMakesAChildOnTheListenersPortAndCountsAPassiveOpen) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 0.0.0.0:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.mib(Mib::PassiveOpens), 0);
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.mib(Mib::PassiveOpens), 1);
    EXPECT_EQ(s.mib(Mib::CurrEstab), 1);
    EXPECT_EQ(s.run("accept(3)"), ok(4));
    const Sock& c = s.sk(4);
    EXPECT_EQ(c.inet_num, 8080);
    EXPECT_EQ(c.inet_rcv_saddr, INADDR_LOOPBACK);  // the address the SYN was sent to
    EXPECT_EQ(c.inet_daddr, 0x0a000002u);
    EXPECT_EQ(c.inet_dport, 40000);
    EXPECT_EQ(c.icsk_bind_hash, s.sk(3).icsk_bind_hash);
    EXPECT_EQ(c.sk_max_ack_backlog, 5u);  // copied from the listener
    EXPECT_TRUE(c.rskq_accept.empty());
    EXPECT_FALSE(c.listener_hashed);
    EXPECT_TRUE(c.ehashed);
    EXPECT_EQ(s.run("peer_rst(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpIpv4, ConnectToAPeerSendsItsSynToThatPeer) {
    Sim s;
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(3));
    EXPECT_EQ(s.run("connect(3, 10.0.0.2:80)"), err(EINPROGRESS));
    EXPECT_EQ(s.run("tcp_state(3)"), ok(TCP_SYN_SENT));
    ASSERT_EQ(peer(s, "P").inbox.size(), 1u);
    const Packet& syn = peer(s, "P").inbox[0];
    EXPECT_EQ(syn.flags, TH_SYN);
    EXPECT_EQ(syn.dport, 80);
    EXPECT_EQ(syn.daddr, 0x0a000002u);
    EXPECT_EQ(syn.sport, s.sk(3).inet_num);
    EXPECT_EQ(syn.seq, s.sk(3).snd_isn);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpIpv4, DestroyingABoundSocketGivesItsPortBack) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.w().bhash.size(), 1u);
    EXPECT_EQ(s.run("close(3)"), ok(0));
    EXPECT_TRUE(s.w().bhash.empty());
    EXPECT_EQ(s.w().socks.size(), 0u);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpIpv4, ASegmentForAnEstablishedConnectionGoesToItsSockNotTheListener) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 0.0.0.0:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("peer_fin(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(3)"), ok(TCP_LISTEN));
    EXPECT_EQ(s.mib(Mib::OutRsts), 0);
    EXPECT_EQ(s.run("accept(3)"), ok(4));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_CLOSE_WAIT));
    EXPECT_EQ(s.run("close(4)"), ok(0));
    EXPECT_EQ(s.run("peer_rst(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpIpv4, ABoundAddressIsTheSourceOfTheConnection) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 0.0.0.0:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("bind(4, 127.0.0.2:0)"), ok(0));
    uint16_t port = s.sk(4).inet_num;
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.sk(4).inet_saddr, 0x7f000002u);
    EXPECT_EQ(s.sk(4).inet_num, port);  // the port bind chose is kept
    EXPECT_EQ(s.run("accept(3)"), ok(5));
    EXPECT_EQ(s.sk(5).inet_daddr, 0x7f000002u);
    EXPECT_EQ(s.sk(5).inet_dport, port);
    EXPECT_EQ(s.sk(5).inet_rcv_saddr, INADDR_LOOPBACK);
    // Disconnecting keeps what bind() locked: the address.
    EXPECT_EQ(s.run("connect(4, 0.0.0.0:0, 16, AF_UNSPEC)"), ok(0));
    EXPECT_EQ(s.sk(4).inet_rcv_saddr, 0x7f000002u);
    EXPECT_EQ(s.sk(4).inet_num, 0);  // the port was not locked
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

}  // namespace sockscope::test
