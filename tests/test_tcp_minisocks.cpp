// test_tcp_minisocks.cpp — core/ipv4/tcp_minisocks.cpp: tcp_check_req (the
// final ACK makes the child; RST kills the embryo; a full accept queue drops
// the ACK or, with tcp_abort_on_overflow, resets), tcp_time_wait and the
// timewait state machine (FIN_WAIT2 substate, TIME_WAIT for 60 s), and
// inet_twsk_kill.
#include "support.h"

namespace sockscope::test {

namespace {

const Peer& peer(Sim& s, const std::string& name) {
    return s.w().peers[PeerId(static_cast<uint32_t>(s.in.vars.at(name)))];
}

const RequestSock& syn_req(Sim& s) {
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

const TimewaitSock& only_tw(Sim& s) {
    const TimewaitSock* found = nullptr;
    s.w().tws.each([&](TwId, const TimewaitSock& t) { found = &t; });
    EXPECT_NE(found, nullptr);
    return *found;
}

const Timer& tw_timer(Sim& s) { return s.w().timers[only_tw(s).tw_timer]; }

void listener(Sim& s, const std::string& addr, int backlog) {
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, " + addr + ")"), ok(0));
    EXPECT_EQ(s.run("listen(3, " + std::to_string(backlog) + ")"), ok(0));
}

// Listener fd 3 on 127.0.0.1:8080 (backlog 1) with a request from peer P in
// its SYN queue and two loopback connections (fds 4, 5) filling its accept
// queue.
void full_queue_with_peer_request(Sim& s) {
    listener(s, "127.0.0.1:8080", 1);
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
    for (int fd = 4; fd <= 5; ++fd) {
        EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(fd));
        EXPECT_EQ(s.run("connect(" + std::to_string(fd) + ", 127.0.0.1:8080)"), ok(0));
    }
    EXPECT_EQ(s.run("acceptq(3)"), ok(2));
    EXPECT_EQ(s.run("synq(3)"), ok(1));
}

}  // namespace

TEST(TcpMinisocks, TheFinalAckTurnsTheRequestIntoAnEstablishedChild) {
    Sim s;
    listener(s, "0.0.0.0:8080", 5);
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
    uint32_t snt_isn = syn_req(s).snt_isn, rcv_isn = syn_req(s).rcv_isn;
    EXPECT_EQ(peer(s, "P").inbox[0].seq, snt_isn);
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("synq(3)"), ok(0));
    EXPECT_EQ(s.run("accept(3)"), ok(4));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_ESTABLISHED));
    EXPECT_EQ(s.sk(4).snd_isn, snt_isn);
    EXPECT_EQ(s.sk(4).snd_nxt, snt_isn + 1);
    EXPECT_EQ(s.sk(4).snd_una, snt_isn + 1);
    EXPECT_EQ(s.sk(4).rcv_nxt, rcv_isn + 1);
    EXPECT_EQ(s.sk(4).sk_refcnt, 1);
    EXPECT_FALSE(s.sk(4).icsk_retransmit_timer);
    EXPECT_EQ(s.mib(Mib::PassiveOpens), 1);
    EXPECT_EQ(peer(s, "P").inbox.size(), 1u);  // the ACK is not answered
    EXPECT_EQ(s.run("peer_rst(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpMinisocks, ARstFromThePeerKillsTheEmbryoWithoutAnAnswer) {
    Sim s;
    listener(s, "0.0.0.0:8080", 5);
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("peer_rst(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("synq(3)"), ok(0));
    EXPECT_EQ(s.sk(3).young, 0);
    EXPECT_EQ(s.w().reqs.size(), 0u);
    EXPECT_EQ(s.w().ehash.size(), 0u);
    EXPECT_EQ(s.mib(Mib::EmbryonicRsts), 1);
    EXPECT_EQ(s.mib(Mib::AttemptFails), 1);
    EXPECT_EQ(s.mib(Mib::OutRsts), 0);
    EXPECT_EQ(peer(s, "P").inbox.size(), 1u);
    EXPECT_EQ(s.sk(3).sk_refcnt, 1);  // the request let go of its listener
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpMinisocks, AFinalAckToAFullAcceptQueueIsDroppedAndTheRequestMarkedAcked) {
    Sim s;
    full_queue_with_peer_request(s);
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("synq(3)"), ok(1));
    EXPECT_TRUE(syn_req(s).acked);
    EXPECT_EQ(s.mib(Mib::ListenOverflows), 1);
    EXPECT_EQ(s.mib(Mib::ListenDrops), 1);
    EXPECT_EQ(s.mib(Mib::EmbryonicRsts), 0);
    EXPECT_EQ(s.mib(Mib::PassiveOpens), 2);
    EXPECT_EQ(peer(s, "P").inbox.size(), 1u);  // nothing answers the dropped ACK
    // The SYN-ACK timer keeps resending; the peer answers once there is room.
    EXPECT_EQ(s.run("sleep(1000)"), ok(0));
    EXPECT_EQ(peer(s, "P").inbox.size(), 2u);
    EXPECT_EQ(s.run("accept(3)"), ok(6));
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("synq(3)"), ok(0));
    EXPECT_EQ(s.run("acceptq(3)"), ok(2));
    EXPECT_EQ(s.mib(Mib::PassiveOpens), 3);
    EXPECT_EQ(s.run("accept(3)"), ok(7));
    EXPECT_EQ(s.run("accept(3)"), ok(8));
    EXPECT_EQ(s.run("tcp_state(8)"), ok(TCP_ESTABLISHED));
    EXPECT_EQ(s.sk(8).inet_daddr, 0x0a000002u);
    EXPECT_EQ(s.run("peer_rst(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpMinisocks, AnAckedRequestThatNeverFindsRoomExpiresWithItsSynAckRetries) {
    Sim s;
    full_queue_with_peer_request(s);
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("sleep(62999)"), ok(0));
    EXPECT_EQ(s.run("synq(3)"), ok(1));
    EXPECT_EQ(s.run("sleep(1)"), ok(0));
    EXPECT_EQ(s.run("synq(3)"), ok(0));
    EXPECT_EQ(peer(s, "P").inbox.size(), 6u);
    // The peer believes it is connected; its next segment finds no one.
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(peer(s, "P").inbox.back().flags, TH_RST);
    EXPECT_EQ(peer(s, "P").conns[0].state, TCP_CLOSE);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpMinisocks, WithTcpAbortOnOverflowAFinalAckToAFullQueueIsAnsweredWithARst) {
    Sim s;
    s.run("!sysctl net.ipv4.tcp_abort_on_overflow=1");
    full_queue_with_peer_request(s);
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("synq(3)"), ok(0));
    EXPECT_EQ(s.w().reqs.size(), 2u);  // only the two queued ones are left
    EXPECT_EQ(s.mib(Mib::ListenOverflows), 1);
    EXPECT_EQ(s.mib(Mib::EmbryonicRsts), 1);
    EXPECT_EQ(s.mib(Mib::OutRsts), 1);
    ASSERT_EQ(peer(s, "P").inbox.size(), 2u);
    const Packet& rst = peer(s, "P").inbox[1];
    EXPECT_EQ(rst.flags, TH_RST);
    EXPECT_EQ(rst.seq, peer(s, "P").inbox[0].seq + 1);
    EXPECT_EQ(peer(s, "P").conns[0].state, TCP_CLOSE);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpMinisocks, TcpAbortOnOverflowDoesNotTouchASynDroppedForAFullQueue) {
    Sim s;
    s.run("!sysctl net.ipv4.tcp_abort_on_overflow=1");
    listener(s, "127.0.0.1:8080", 0);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(5));
    EXPECT_EQ(s.run("connect(5, 127.0.0.1:8080)"), err(EINPROGRESS));
    EXPECT_EQ(s.run("tcp_state(5)"), ok(TCP_SYN_SENT));
    EXPECT_EQ(s.run("getsockopt(5, SOL_SOCKET, SO_ERROR)"), ok(0));
    EXPECT_EQ(s.mib(Mib::ListenOverflows), 1);
    EXPECT_EQ(s.mib(Mib::EmbryonicRsts), 0);
    EXPECT_EQ(s.mib(Mib::OutRsts), 0);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpMinisocks, TheSideThatClosesFirstLeavesATimeWaitSockForSixtySeconds) {
    Sim s;
    listener(s, "127.0.0.1:8080", 5);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("accept(3)"), ok(5));
    uint16_t cport = s.sk(4).inet_num;
    EXPECT_EQ(s.run("close(5)"), ok(0));
    EXPECT_EQ(s.run("close(4)"), ok(0));
    ASSERT_EQ(s.w().tws.size(), 1u);
    const TimewaitSock& tw = only_tw(s);
    EXPECT_EQ(tw.tw_substate, TCP_TIME_WAIT);
    EXPECT_EQ(tw.tw_num, 8080);
    EXPECT_EQ(tw.tw_rcv_saddr, INADDR_LOOPBACK);
    EXPECT_EQ(tw.tw_daddr, INADDR_LOOPBACK);
    EXPECT_EQ(tw.tw_dport, cport);
    EXPECT_EQ(tw.tw_reuse, SK_NO_REUSE);
    EXPECT_EQ(tw.tw_tb, s.sk(3).icsk_bind_hash);
    EXPECT_EQ(tw_timer(s).expires, s.w().now + 60000);
    EXPECT_EQ(s.run("close(3)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), err(EADDRINUSE));
    EXPECT_EQ(s.run("sleep(59999)"), ok(0));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), err(EADDRINUSE));
    EXPECT_EQ(s.mib(Mib::TW), 0);
    EXPECT_EQ(s.run("sleep(1)"), ok(0));
    EXPECT_EQ(s.w().tws.size(), 0u);
    EXPECT_EQ(s.mib(Mib::TW), 1);
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpMinisocks, AnOrphanWaitingForThePeersFinIsATimewaitSockInTheFinWait2Substate) {
    Sim s;
    s.run("!sysctl net.ipv4.tcp_fin_timeout=5");
    listener(s, "127.0.0.1:8080", 5);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("accept(3)"), ok(5));
    EXPECT_EQ(s.run("close(5)"), ok(0));
    ASSERT_EQ(s.w().tws.size(), 1u);
    EXPECT_EQ(only_tw(s).tw_substate, TCP_FIN_WAIT2);
    EXPECT_EQ(tw_timer(s).expires, s.w().now + 5000);
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_CLOSE_WAIT));
    // The peer's FIN turns it into a real TIME_WAIT, 60 s from now.
    EXPECT_EQ(s.run("sleep(2000)"), ok(0));
    EXPECT_EQ(s.run("close(4)"), ok(0));
    ASSERT_EQ(s.w().tws.size(), 1u);
    EXPECT_EQ(only_tw(s).tw_substate, TCP_TIME_WAIT);
    EXPECT_EQ(tw_timer(s).expires, s.w().now + 60000);
    EXPECT_EQ(s.run("sleep(59999)"), ok(0));
    EXPECT_EQ(s.w().tws.size(), 1u);
    EXPECT_EQ(s.run("sleep(1)"), ok(0));
    EXPECT_EQ(s.w().tws.size(), 0u);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpMinisocks, AFinWait2TimewaitSockWhoseTimeoutEndsJustGoesAway) {
    Sim s;
    s.run("!sysctl net.ipv4.tcp_fin_timeout=5");
    listener(s, "127.0.0.1:8080", 5);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("accept(3)"), ok(5));
    EXPECT_EQ(s.run("close(5)"), ok(0));
    EXPECT_EQ(s.run("sleep(5000)"), ok(0));
    EXPECT_EQ(s.w().tws.size(), 0u);
    EXPECT_EQ(s.mib(Mib::TW), 1);
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_CLOSE_WAIT));
    // The client's FIN now meets the listener, which answers with RST.
    EXPECT_EQ(s.run("close(4)"), ok(0));
    EXPECT_EQ(s.mib(Mib::OutRsts), 1);
    EXPECT_EQ(s.w().socks.size(), 1u);  // only the listener is left
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpMinisocks, ATimeWaitSockRemembersTheReuseFlagsOfTheSockItReplaced) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("setsockopt(3, SOL_SOCKET, SO_REUSEADDR, 1)"), ok(0));
    EXPECT_EQ(s.run("setsockopt(3, SOL_SOCKET, SO_REUSEPORT, 1)"), ok(0));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("accept(3)"), ok(5));
    EXPECT_EQ(s.run("close(5)"), ok(0));
    EXPECT_EQ(s.run("close(4)"), ok(0));
    ASSERT_EQ(s.w().tws.size(), 1u);
    EXPECT_EQ(only_tw(s).tw_reuse, SK_CAN_REUSE);
    EXPECT_EQ(only_tw(s).tw_reuseport, 1);
    EXPECT_EQ(only_tw(s).tw_uid, 0u);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpMinisocks, ANewSynFromTheSamePortEndsTheServersTimeWaitAndConnects) {
    Sim s;
    listener(s, "127.0.0.1:8080", 5);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("bind(4, 127.0.0.1:9000)"), ok(0));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("accept(3)"), ok(5));
    EXPECT_EQ(s.run("close(5)"), ok(0));  // the server's side ends in TIME_WAIT
    EXPECT_EQ(s.run("close(4)"), ok(0));
    ASSERT_EQ(s.w().tws.size(), 1u);
    EXPECT_EQ(only_tw(s).tw_dport, 9000);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(4));
    EXPECT_EQ(s.run("bind(4, 127.0.0.1:9000)"), ok(0));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), err(EINPROGRESS));
    EXPECT_EQ(s.run("sleep(1500)"), ok(0));  // at most one SYN retransmission later
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_ESTABLISHED));
    EXPECT_EQ(s.w().tws.size(), 0u);
    EXPECT_EQ(s.run("acceptq(3)"), ok(1));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

}  // namespace sockscope::test
