// test_tcp_input.cpp — core/ipv4/tcp_input.cpp: tcp_conn_request's order of
// checks (SYN queue, accept queue, tcp_max_syn_backlog), the LISTEN,
// SYN_SENT and synchronised cases of tcp_rcv_state_process, tcp_reset's
// errno by state, and tcp_fin.
#include "support.h"

namespace sockscope::test {

namespace {

const Peer& peer(Sim& s, const std::string& name) {
    return s.w().peers[PeerId(static_cast<uint32_t>(s.in.vars.at(name)))];
}

void listener(Sim& s, const std::string& addr, int backlog) {
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, " + addr + ")"), ok(0));
    EXPECT_EQ(s.run("listen(3, " + std::to_string(backlog) + ")"), ok(0));
}


}  // namespace

TEST(TcpInput, ASynToAFullAcceptQueueIsDroppedSilentlyAndItsRetransmissionCountedAgain) {
    Sim s;
    listener(s, "127.0.0.1:8080", 0);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), err(EINPROGRESS));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_ESTABLISHED));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(5));
    int64_t segs = s.mib(Mib::OutSegs);
    EXPECT_EQ(s.run("connect(5, 127.0.0.1:8080)"), err(EINPROGRESS));
    EXPECT_EQ(s.mib(Mib::OutSegs), segs + 1);  // our SYN, and no answer
    EXPECT_EQ(s.run("tcp_state(5)"), ok(TCP_SYN_SENT));
    EXPECT_EQ(s.run("synq(3)"), ok(0));
    EXPECT_EQ(s.mib(Mib::ListenOverflows), 1);
    EXPECT_EQ(s.mib(Mib::ListenDrops), 1);
    EXPECT_EQ(s.mib(Mib::OutRsts), 0);
    EXPECT_EQ(s.mib(Mib::TCPReqQFullDoCookies), 0);
    EXPECT_EQ(s.run("sleep(1000)"), ok(0));
    EXPECT_EQ(s.mib(Mib::ListenOverflows), 2);
    EXPECT_EQ(s.mib(Mib::ListenDrops), 2);
    EXPECT_EQ(s.run("accept(3)"), ok(6));
    EXPECT_EQ(s.run("sleep(1000)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(5)"), ok(TCP_ESTABLISHED));
    EXPECT_EQ(s.mib(Mib::ListenOverflows), 2);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpInput, ABacklogOfZeroStillTakesOneConnectionEvenWithoutCookies) {
    Sim s;
    s.run("!sysctl net.ipv4.tcp_syncookies=0");
    listener(s, "127.0.0.1:8080", 0);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("acceptq(3)"), ok(1));
    EXPECT_EQ(s.mib(Mib::TCPReqQFullDrop), 0);
    EXPECT_EQ(s.mib(Mib::TCPReqQFullDoCookies), 0);
    EXPECT_EQ(s.mib(Mib::SyncookiesSent), 0);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpInput, WithoutCookiesASynQueueOverTheBacklogDropsTheSyn) {
    Sim s;
    s.run("!sysctl net.ipv4.tcp_syncookies=0");
    listener(s, "0.0.0.0:80", 4);
    EXPECT_EQ(s.run("synflood(127.0.0.1:80, 10)"), ok(10));
    EXPECT_EQ(s.run("synq(3)"), ok(5));  // the full test is qlen > backlog
    EXPECT_EQ(s.mib(Mib::TCPReqQFullDrop), 5);
    EXPECT_EQ(s.mib(Mib::ListenDrops), 5);
    EXPECT_EQ(s.mib(Mib::ListenOverflows), 0);
    EXPECT_EQ(s.mib(Mib::SyncookiesSent), 0);
    EXPECT_TRUE(s.sk(3).synflood_warned);
    EXPECT_EQ(s.run("sleep(64000)"), ok(0));  // the requests expire before the listener closes
    EXPECT_EQ(s.run("synq(3)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpInput, TcpMaxSynBacklogReservesItsLastQuarterOnlyWhenCookiesAreOff) {
    for (int cookies : {0, 1}) {
        Sim s;
        s.run("!sysctl net.ipv4.tcp_syncookies=" + std::to_string(cookies));
        s.run("!sysctl net.ipv4.tcp_max_syn_backlog=8");
        listener(s, "0.0.0.0:80", 100);
        EXPECT_EQ(s.run("synflood(127.0.0.1:80, 10)"), ok(10));
        // Without cookies a SYN is dropped once fewer than 8/4 slots are left.
        EXPECT_EQ(s.run("synq(3)"), ok(cookies ? 10 : 7));
        EXPECT_EQ(s.mib(Mib::ListenDrops), cookies ? 0 : 3);
        EXPECT_EQ(s.mib(Mib::TCPReqQFullDrop), 0);
        EXPECT_EQ(s.run("sleep(64000)"), ok(0));
        EXPECT_EQ(s.run("synq(3)"), ok(0));
        EXPECT_TRUE(s.close_all_and_wait().empty());
    }
}

TEST(TcpInput, TheAcceptQueueTestDropsASynEvenWhenACookieWouldBeSent) {
    Sim s;
    s.run("!sysctl net.ipv4.tcp_syncookies=2");
    listener(s, "127.0.0.1:8080", 0);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(5));
    EXPECT_EQ(s.run("connect(5, 127.0.0.1:8080)"), err(EINPROGRESS));
    EXPECT_EQ(s.run("tcp_state(5)"), ok(TCP_SYN_SENT));
    EXPECT_EQ(s.mib(Mib::TCPReqQFullDoCookies), 2);  // chosen for both SYNs
    EXPECT_EQ(s.mib(Mib::SyncookiesSent), 1);          // but sent only for the first
    EXPECT_EQ(s.mib(Mib::ListenOverflows), 1);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpInput, ASynToAListenerMakesARequestAndASynAckAcknowledgingIt) {
    Sim s;
    listener(s, "0.0.0.0:8080", 5);
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("synq(3)"), ok(1));
    ASSERT_EQ(peer(s, "P").inbox.size(), 1u);
    const Packet& sa = peer(s, "P").inbox[0];
    EXPECT_EQ(sa.flags, TH_SYN | TH_ACK);
    EXPECT_EQ(sa.ack_seq, peer(s, "P").conns[0].snd_nxt);
    EXPECT_EQ(sa.sport, 8080);
    EXPECT_EQ(sa.saddr, INADDR_LOOPBACK);
    EXPECT_EQ(s.mib(Mib::PassiveOpens), 0);  // only the final ACK makes a child
    EXPECT_EQ(s.run("peer_rst(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("synq(3)"), ok(0));
    EXPECT_EQ(s.mib(Mib::EmbryonicRsts), 1);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpInput, AnAckToAListenerWithNoRequestIsAnsweredWithARst) {
    Sim s;
    listener(s, "0.0.0.0:8080", 0);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));  // fills the queue
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));  // dropped: nothing comes back
    EXPECT_TRUE(peer(s, "P").inbox.empty());
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    ASSERT_EQ(peer(s, "P").inbox.size(), 1u);
    EXPECT_EQ(peer(s, "P").inbox[0].flags, TH_RST);
    EXPECT_EQ(s.mib(Mib::OutRsts), 1);
    EXPECT_EQ(s.mib(Mib::SyncookiesFailed), 0);  // no recent overflow: never checked
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpInput, ARstToAListenerIsIgnored) {
    Sim s;
    listener(s, "0.0.0.0:8080", 5);
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8081)"), ok(0));  // a conn to rst with
    EXPECT_EQ(s.run("peer_rst(P, 127.0.0.1:8080, 0)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(3)"), ok(TCP_LISTEN));
    EXPECT_EQ(s.mib(Mib::OutRsts), 1);  // only for the SYN to 8081
    EXPECT_EQ(peer(s, "P").inbox.size(), 1u);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpInput, TcpResetSetsEconnrefusedInSynSentEpipeInCloseWaitAndEconnresetOtherwise) {
    {
        Sim s;
        EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(3));
        EXPECT_EQ(s.run("connect(3, 127.0.0.1:9)"), err(EINPROGRESS));
        EXPECT_EQ(s.run("getsockopt(3, SOL_SOCKET, SO_ERROR)"), ok(ECONNREFUSED));
        EXPECT_EQ(s.mib(Mib::AttemptFails), 1);
        EXPECT_TRUE(s.close_all_and_wait().empty());
    }
    {
        Sim s;
        peer_connection(s);
        EXPECT_EQ(s.run("peer_rst(P, 127.0.0.1:8080)"), ok(0));
        EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_CLOSE));
        EXPECT_EQ(s.run("getsockopt(4, SOL_SOCKET, SO_ERROR)"), ok(ECONNRESET));
        EXPECT_EQ(s.mib(Mib::EstabResets), 1);
        EXPECT_TRUE(s.close_all_and_wait().empty());
    }
    {
        Sim s;
        peer_connection(s);
        EXPECT_EQ(s.run("peer_fin(P, 127.0.0.1:8080)"), ok(0));
        EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_CLOSE_WAIT));
        EXPECT_EQ(s.run("peer_rst(P, 127.0.0.1:8080)"), ok(0));
        EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_CLOSE));
        EXPECT_EQ(s.run("getsockopt(4, SOL_SOCKET, SO_ERROR)"), ok(EPIPE));
        EXPECT_EQ(s.mib(Mib::EstabResets), 1);
        EXPECT_TRUE(s.close_all_and_wait().empty());
    }
}

TEST(TcpInput, ARefusedSynSentSocketIsClosedAndItsRetransmitTimerStopped) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(3));
    EXPECT_EQ(s.run("connect(3, 127.0.0.1:9)"), err(EINPROGRESS));
    EXPECT_EQ(s.run("tcp_state(3)"), ok(TCP_CLOSE));
    EXPECT_FALSE(s.sk(3).icsk_retransmit_timer);
    EXPECT_EQ(s.sk(3).sk_shutdown, SHUTDOWN_MASK);
    EXPECT_EQ(s.w().timers.size(), 0u);
    EXPECT_EQ(s.mib(Mib::OutRsts), 1);
    EXPECT_EQ(s.mib(Mib::TCPSynRetrans), 0);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpInput, APeersFinMovesAnEstablishedSockToCloseWaitAndIsAcknowledged) {
    Sim s;
    peer_connection(s);
    uint32_t fin_seq = peer(s, "P").conns[0].snd_nxt;
    EXPECT_EQ(s.run("peer_fin(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_CLOSE_WAIT));
    EXPECT_EQ(s.sk(4).sk_shutdown, RCV_SHUTDOWN);
    EXPECT_NE(s.sk(4).sk_flags & SOCK_DONE, 0u);
    EXPECT_EQ(s.sk(4).rcv_nxt, fin_seq + 1);
    const Packet& ack = peer(s, "P").inbox.back();
    EXPECT_EQ(ack.flags, TH_ACK);
    EXPECT_EQ(ack.ack_seq, fin_seq + 1);
    EXPECT_EQ(s.mib(Mib::CurrEstab), 1);  // CLOSE_WAIT still counts (6.10 on)
    EXPECT_EQ(s.mib(Mib::EstabResets), 0);
    EXPECT_EQ(s.run("close(4)"), ok(0));
    EXPECT_EQ(s.run("peer_rst(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpInput, AFinArrivingInFinWait1WithoutAnAckOfOursLeadsToClosing) {
    Sim s;
    peer_connection(s);
    EXPECT_EQ(s.run("shutdown(4, SHUT_WR)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_FIN_WAIT1));
    EXPECT_EQ(s.run("peer_fin_crossing(P, 127.0.0.1:8080)"), ok(0));  // it does not acknowledge our FIN
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_CLOSING));
    EXPECT_EQ(peer(s, "P").inbox.back().flags, TH_ACK);
    EXPECT_EQ(s.run("peer_rst(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.run("getsockopt(4, SOL_SOCKET, SO_ERROR)"), ok(ECONNRESET));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpInput, AFinTogetherWithTheFinalAckGivesAChildInCloseWait) {
    Sim s;
    listener(s, "0.0.0.0:8080", 5);
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("peer_fin(P, 127.0.0.1:8080)"), ok(0));  // FIN|ACK as the third segment
    EXPECT_EQ(s.run("synq(3)"), ok(0));
    EXPECT_EQ(s.run("acceptq(3)"), ok(1));
    EXPECT_EQ(s.run("accept(3)"), ok(4));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_CLOSE_WAIT));
    EXPECT_EQ(s.mib(Mib::PassiveOpens), 1);
    EXPECT_EQ(s.run("close(4)"), ok(0));
    EXPECT_EQ(s.run("peer_rst(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpInput, ASynAckAnswersTheClientsSynAndCompletesItsHandshake) {
    Sim s;
    listener(s, "127.0.0.1:8080", 5);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), err(EINPROGRESS));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_ESTABLISHED));
    EXPECT_FALSE(s.sk(4).icsk_retransmit_timer);
    EXPECT_EQ(s.sk(4).snd_una, s.sk(4).snd_nxt);
    EXPECT_EQ(s.run("accept(3)"), ok(5));
    EXPECT_EQ(s.sk(4).rcv_nxt, s.sk(5).snd_nxt);
    EXPECT_EQ(s.sk(5).rcv_nxt, s.sk(4).snd_nxt);
    EXPECT_EQ(s.mib(Mib::CurrEstab), 2);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

}  // namespace sockscope::test
