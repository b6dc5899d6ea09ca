// test_tcp.cpp — core/ipv4/tcp.cpp: tcp_init_sock, tcp_set_state and its
// counters, tcp_close's three exits (listen_stop, the zero-linger RST, the
// FIN table), tcp_shutdown, tcp_disconnect and tcp_done.
#include "support.h"

namespace sockscope::test {

namespace {

const Peer& peer(Sim& s, const std::string& name) {
    return s.w().peers[PeerId(static_cast<uint32_t>(s.in.vars.at(name)))];
}

// fd 3 listens on 127.0.0.1:8080; fd 4 is connected to it and fd 5 is the
// accepted end.
void connected_pair(Sim& s) {
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("accept(3)"), ok(5));
}


const TimewaitSock& only_tw(Sim& s) {
    const TimewaitSock* found = nullptr;
    s.w().tws.each([&](TwId, const TimewaitSock& t) { found = &t; });
    EXPECT_NE(found, nullptr);
    return *found;
}

}  // namespace

TEST(Tcp, AFreshTcpSockIsClosedWithAOneSecondRtoAndNoTimers) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("tcp_state(3)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.sk(3).icsk_rto, 1000);
    EXPECT_EQ(s.sk(3).icsk_retransmits, 0);
    EXPECT_FALSE(s.sk(3).icsk_retransmit_timer);
    EXPECT_EQ(s.sk(3).sk_shutdown, 0);
    EXPECT_EQ(s.w().timers.size(), 0u);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Tcp, CurrEstabCountsEstablishedSocksAndEstabResetsCountsTheirAborts) {
    Sim s;
    connected_pair(s);
    EXPECT_EQ(s.mib(Mib::CurrEstab), 2);
    EXPECT_EQ(s.mib(Mib::ActiveOpens), 1);
    EXPECT_EQ(s.mib(Mib::PassiveOpens), 1);
    EXPECT_EQ(s.run("setsockopt(4, SOL_SOCKET, SO_LINGER, 1, 0)"), ok(0));
    EXPECT_EQ(s.run("close(4)"), ok(0));
    EXPECT_EQ(s.mib(Mib::CurrEstab), 0);
    EXPECT_EQ(s.mib(Mib::EstabResets), 2);
    EXPECT_EQ(s.mib(Mib::OutRsts), 1);
    EXPECT_EQ(s.mib(Mib::TCPAbortOnData), 1);
    EXPECT_EQ(s.mib(Mib::TCPAbortOnClose), 0);
    EXPECT_EQ(s.run("tcp_state(5)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.run("getsockopt(5, SOL_SOCKET, SO_ERROR)"), ok(ECONNRESET));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Tcp, LingerZeroCloseSendsARstLeavesNoTimeWaitAndFreesThePortAtOnce) {
    Sim s;
    connected_pair(s);
    EXPECT_EQ(s.run("setsockopt(5, SOL_SOCKET, SO_LINGER, 1, 0)"), ok(0));
    EXPECT_EQ(s.run("close(5)"), ok(0));
    EXPECT_EQ(s.w().tws.size(), 0u);
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.run("getsockopt(4, SOL_SOCKET, SO_ERROR)"), ok(ECONNRESET));
    EXPECT_EQ(s.run("close(3)"), ok(0));
    EXPECT_EQ(s.run("close(4)"), ok(0));
    EXPECT_TRUE(s.w().bhash.empty());
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Tcp, CloseOfAConnectionSendsAFinAndTheOrphanEndsAsAFinWait2TimewaitSock) {
    Sim s;
    connected_pair(s);
    SockId client = s.sock_of(4);
    EXPECT_EQ(s.run("close(4)"), ok(0));
    // FIN_WAIT1, then the ACK: an orphan in FIN_WAIT2 becomes a timewait sock.
    EXPECT_FALSE(s.w().socks.contains(client));
    ASSERT_EQ(s.w().tws.size(), 1u);
    EXPECT_EQ(only_tw(s).tw_substate, TCP_FIN_WAIT2);
    EXPECT_EQ(s.run("tcp_state(5)"), ok(TCP_CLOSE_WAIT));
    EXPECT_EQ(s.sk(5).sk_shutdown, RCV_SHUTDOWN);
    EXPECT_NE(s.sk(5).sk_flags & SOCK_DONE, 0u);
    EXPECT_EQ(s.run("close(5)"), ok(0));  // CLOSE_WAIT -> LAST_ACK -> CLOSE
    ASSERT_EQ(s.w().tws.size(), 1u);
    EXPECT_EQ(only_tw(s).tw_substate, TCP_TIME_WAIT);
    EXPECT_EQ(s.mib(Mib::EstabResets), 0);
    EXPECT_EQ(s.mib(Mib::OutRsts), 0);
    EXPECT_EQ(s.mib(Mib::CurrEstab), 0);
    EXPECT_TRUE(s.close_all_and_wait().empty());
    EXPECT_EQ(s.mib(Mib::TW), 1);
}

TEST(Tcp, ShutdownWrWalksAnOpenSocketThroughFinWait2AndTheOtherThroughLastAck) {
    Sim s;
    connected_pair(s);
    EXPECT_EQ(s.run("shutdown(4, SHUT_WR)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_FIN_WAIT2));
    EXPECT_EQ(s.sk(4).sk_shutdown, SEND_SHUTDOWN);
    EXPECT_EQ(s.run("tcp_state(5)"), ok(TCP_CLOSE_WAIT));
    EXPECT_EQ(s.run("shutdown(5, SHUT_WR)"), ok(0));
    // 5 went LAST_ACK and got its ACK; 4 got the FIN in FIN_WAIT2 and handed
    // its connection to a TIME_WAIT sock: both read as CLOSE.
    EXPECT_EQ(s.run("tcp_state(5)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_CLOSE));
    ASSERT_EQ(s.w().tws.size(), 1u);
    EXPECT_EQ(only_tw(s).tw_substate, TCP_TIME_WAIT);
    EXPECT_EQ(only_tw(s).tw_num, s.sk(4).inet_sport);
    EXPECT_EQ(s.run("shutdown(4, SHUT_WR)"), err(ENOTCONN));
    EXPECT_EQ(s.run("shutdown(5, SHUT_RDWR)"), err(ENOTCONN));
    EXPECT_EQ(s.mib(Mib::CurrEstab), 0);
    EXPECT_EQ(s.mib(Mib::EstabResets), 0);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Tcp, TheSideThatGetsTheFinGoesToCloseWaitAndThenLastAck) {
    Sim s;
    peer_connection(s);
    EXPECT_EQ(s.run("peer_fin(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_CLOSE_WAIT));
    EXPECT_EQ(s.sk(4).sk_shutdown, RCV_SHUTDOWN);
    EXPECT_EQ(s.run("shutdown(4, SHUT_WR)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_LAST_ACK));
    EXPECT_TRUE(s.sk(4).fin_sent);
    const Packet& fin = peer(s, "P").inbox.back();
    EXPECT_EQ(fin.flags, TH_FIN | TH_ACK);
    EXPECT_EQ(fin.seq + 1, s.sk(4).snd_nxt);
    // The peer resets instead of acknowledging the FIN.
    EXPECT_EQ(s.run("peer_rst(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.run("getsockopt(4, SOL_SOCKET, SO_ERROR)"), ok(ECONNRESET));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Tcp, CloseOfASynSentSocketSendsNothingAndFreesIt) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 0)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(5));
    EXPECT_EQ(s.run("connect(5, 127.0.0.1:8080)"), err(EINPROGRESS));
    SockId c = s.sock_of(5);
    int64_t segs = s.mib(Mib::OutSegs);
    EXPECT_EQ(s.run("close(5)"), ok(0));
    EXPECT_EQ(s.mib(Mib::OutSegs), segs);
    EXPECT_EQ(s.mib(Mib::OutRsts), 0);
    EXPECT_FALSE(s.w().socks.contains(c));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Tcp, ALingerZeroCloseOfASynSentSocketCountsAnAbortButSendsNoRst) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 0)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(5));
    EXPECT_EQ(s.run("connect(5, 127.0.0.1:8080)"), err(EINPROGRESS));
    EXPECT_EQ(s.run("setsockopt(5, SOL_SOCKET, SO_LINGER, 1, 0)"), ok(0));
    EXPECT_EQ(s.run("close(5)"), ok(0));
    EXPECT_EQ(s.mib(Mib::TCPAbortOnData), 1);
    EXPECT_EQ(s.mib(Mib::OutRsts), 0);
    EXPECT_EQ(s.w().timers.size(), 0u);  // its SYN timer went with it
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Tcp, ARefusedAutoboundSocketGivesItsPortBackButAnExplicitlyBoundOneKeepsIt) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("connect(3, 127.0.0.1:9)"), err(ECONNREFUSED));
    EXPECT_EQ(s.sk(3).inet_num, 0);
    EXPECT_FALSE(s.sk(3).icsk_bind_hash);
    EXPECT_EQ(s.sk(3).inet_rcv_saddr, 0u);  // the route's address went too
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("bind(4, 127.0.0.1:9000)"), ok(0));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:9)"), err(ECONNREFUSED));
    EXPECT_EQ(s.sk(4).inet_num, 9000);
    EXPECT_EQ(s.sk(4).inet_rcv_saddr, INADDR_LOOPBACK);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    EXPECT_EQ(s.run("bind(5, 127.0.0.1:9000)"), err(EADDRINUSE));
    EXPECT_EQ(s.mib(Mib::AttemptFails), 2);
    EXPECT_EQ(s.mib(Mib::ActiveOpens), 2);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Tcp, DisconnectingASynSentSocketLeavesEconnresetPendingUntilTheNextConnect) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 0)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(5));
    EXPECT_EQ(s.run("connect(5, 127.0.0.1:8080)"), err(EINPROGRESS));
    EXPECT_EQ(s.run("connect(5, 0.0.0.0:0, 16, AF_UNSPEC)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(5)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.sk(5).sk_err, ECONNRESET);
    EXPECT_FALSE(s.sk(5).icsk_retransmit_timer);
    EXPECT_EQ(s.mib(Mib::OutRsts), 0);
    EXPECT_EQ(s.run("accept(3)"), ok(6));
    EXPECT_EQ(s.run("connect(5, 127.0.0.1:8080)"), err(EINPROGRESS));  // tcp_connect clears sk_err
    EXPECT_EQ(s.run("getsockopt(5, SOL_SOCKET, SO_ERROR)"), ok(0));
    EXPECT_EQ(s.run("connect(5, 127.0.0.1:8080)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Tcp, DisconnectingALastAckSocketWhoseFinWasSentSendsNoRst) {
    Sim s;
    peer_connection(s);
    EXPECT_EQ(s.run("peer_fin(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("shutdown(4, SHUT_WR)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_LAST_ACK));
    int64_t rsts = s.mib(Mib::OutRsts);
    EXPECT_EQ(s.run("connect(4, 0.0.0.0:0, 16, AF_UNSPEC)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.mib(Mib::OutRsts), rsts);
    EXPECT_EQ(peer(s, "P").inbox.back().flags, TH_FIN | TH_ACK);
    EXPECT_EQ(s.run("getsockopt(4, SOL_SOCKET, SO_ERROR)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Tcp, ClosingAListenerGoesStraightToCloseAndIsDestroyed) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    SockId l = s.sock_of(3);
    EXPECT_EQ(s.run("close(3)"), ok(0));
    EXPECT_FALSE(s.w().socks.contains(l));
    EXPECT_EQ(s.w().orphan_count, 0);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Tcp, AFinWait2OrphanLastsTcpFinTimeoutWithoutThePeersFin) {
    Sim s;
    s.run("!sysctl net.ipv4.tcp_fin_timeout=10");
    connected_pair(s);
    EXPECT_EQ(s.run("close(5)"), ok(0));  // the server closes; the client never does
    ASSERT_EQ(s.w().tws.size(), 1u);
    EXPECT_EQ(only_tw(s).tw_substate, TCP_FIN_WAIT2);
    EXPECT_EQ(s.run("sleep(9999)"), ok(0));
    EXPECT_EQ(s.w().tws.size(), 1u);
    EXPECT_EQ(s.run("sleep(1)"), ok(0));
    EXPECT_EQ(s.w().tws.size(), 0u);
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_CLOSE_WAIT));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Tcp, ShutdownOnlyActsOnTheSendSideInStatesThatCanStillSend) {
    Sim s;
    connected_pair(s);
    EXPECT_EQ(s.run("shutdown(4, SHUT_RD)"), ok(0));
    EXPECT_FALSE(s.sk(4).fin_sent);
    EXPECT_EQ(s.run("shutdown(4, SHUT_WR)"), ok(0));
    uint32_t nxt = s.sk(4).snd_nxt;
    EXPECT_EQ(s.run("shutdown(4, SHUT_WR)"), ok(0));  // FIN_WAIT2: nothing more to send
    EXPECT_EQ(s.sk(4).snd_nxt, nxt);
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_FIN_WAIT2));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Tcp, WithTcpFinTimeoutOverSixtySecondsAFinWait2OrphanIsStillGoneAfterSixtySeconds) {
    Sim s;
    s.run("!sysctl net.ipv4.tcp_fin_timeout=90");
    connected_pair(s);
    EXPECT_EQ(s.run("shutdown(4, SHUT_WR)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_FIN_WAIT2));
    SockId client = s.sock_of(4);
    EXPECT_EQ(s.run("close(4)"), ok(0));  // an orphan in FIN_WAIT2; 5 never closes
    EXPECT_EQ(s.run("sleep(59999)"), ok(0));
    EXPECT_TRUE(s.w().socks.contains(client) || s.w().tws.size() == 1u);
    EXPECT_EQ(s.run("sleep(1)"), ok(0));
    EXPECT_FALSE(s.w().socks.contains(client));
    EXPECT_EQ(s.w().tws.size(), 0u);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

}  // namespace sockscope::test
