// test_tcp_output.cpp — core/ipv4/tcp_output.cpp: tcp_connect (the SYN,
// ActiveOpens, the 1 s retransmit timer), the SYN-ACK, ACK, FIN and active
// RST, and tcp_retransmit_timer for a connecting sock (linear then
// exponential backoff, ETIMEDOUT after about 131 s) and for a FIN the peer
// does not acknowledge (from 200 ms doubling; 8 retries for an orphan, 15
// for a socket still open).
#include "support.h"

namespace sockscope::test {

namespace {

bool printed(const Sim& s, const std::string& line) { return s.out.find(line + "\n") != std::string::npos; }

const Peer& peer(Sim& s, const std::string& name) {
    return s.w().peers[PeerId(static_cast<uint32_t>(s.in.vars.at(name)))];
}

std::vector<int64_t> sent_times(Sim& s, const std::string& name, uint8_t flags) {
    std::vector<int64_t> out;
    for (const Packet& p : peer(s, name).inbox)
        if (p.flags == flags) out.push_back(p.sent_at);
    return out;
}

// A peer P that never answers, and fd 3 connecting to it without blocking.
void silent_peer_connect(Sim& s) {
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(3));
    EXPECT_EQ(s.run("connect(3, 10.0.0.2:80)"), err(EINPROGRESS));
}

}  // namespace

TEST(TcpOutput, ConnectSendsOneSynAndArmsTheRetransmitTimerForOneSecond) {
    Sim s;
    silent_peer_connect(s);
    ASSERT_EQ(peer(s, "P").inbox.size(), 1u);
    const Packet& syn = peer(s, "P").inbox[0];
    EXPECT_EQ(syn.flags, TH_SYN);
    EXPECT_EQ(syn.seq, s.sk(3).snd_isn);
    EXPECT_EQ(syn.ack_seq, 0u);
    EXPECT_EQ(s.sk(3).snd_nxt, s.sk(3).snd_isn + 1);
    EXPECT_EQ(s.sk(3).snd_una, s.sk(3).snd_isn);
    EXPECT_EQ(s.sk(3).icsk_rto, 1000);
    ASSERT_TRUE(s.sk(3).icsk_retransmit_timer);
    const Timer& t = s.w().timers[s.sk(3).icsk_retransmit_timer];
    EXPECT_EQ(t.kind, TimerKind::tcp_retransmit);
    EXPECT_EQ(t.expires, 1000);
    EXPECT_EQ(s.mib(Mib::ActiveOpens), 1);
    EXPECT_EQ(s.mib(Mib::OutSegs), 1);
    EXPECT_EQ(s.run("acceptq(3)"), ok(1));  // the SYN is unacknowledged
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpOutput, AnUnansweredSynIsResentOnTheLinearThenExponentialSchedule) {
    Sim s;
    silent_peer_connect(s);
    EXPECT_EQ(s.run("sleep(130999)"), ok(0));
    const std::vector<int64_t> want{0, 1000, 2000, 3000, 4000, 5000, 7000, 11000, 19000, 35000, 67000};
    EXPECT_EQ(sent_times(s, "P", TH_SYN), want);
    for (const Packet& p : peer(s, "P").inbox) EXPECT_EQ(p.seq, s.sk(3).snd_isn);
    EXPECT_EQ(s.sk(3).icsk_retransmits, 10);
    EXPECT_EQ(s.sk(3).icsk_rto, 64000);
    EXPECT_EQ(s.mib(Mib::TCPSynRetrans), 10);
    EXPECT_EQ(s.mib(Mib::RetransSegs), 10);
    EXPECT_EQ(s.mib(Mib::TCPTimeouts), 10);
    EXPECT_EQ(s.run("tcp_state(3)"), ok(TCP_SYN_SENT));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpOutput, ConnectGivesUpWithEtimedoutAfter131Seconds) {
    Sim s;
    silent_peer_connect(s);
    EXPECT_EQ(s.run("sleep(130999)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(3)"), ok(TCP_SYN_SENT));
    EXPECT_EQ(s.run("sleep(1)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(3)"), ok(TCP_CLOSE));
    EXPECT_EQ(peer(s, "P").inbox.size(), 11u);  // giving up sends nothing
    EXPECT_EQ(s.mib(Mib::TCPAbortOnTimeout), 1);
    EXPECT_EQ(s.mib(Mib::TCPTimeouts), 11);  // the last firing counts before giving up
    EXPECT_EQ(s.mib(Mib::AttemptFails), 1);
    EXPECT_EQ(s.mib(Mib::OutRsts), 0);
    EXPECT_EQ(s.run("getsockopt(3, SOL_SOCKET, SO_ERROR)"), ok(ETIMEDOUT));
    EXPECT_EQ(s.run("getsockopt(3, SOL_SOCKET, SO_ERROR)"), ok(0));
    EXPECT_EQ(s.w().timers.size(), 0u);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpOutput, ABlockingConnectToASilentPeerReturnsEtimedout) {
    Sim s;
    s.run("P = peer(10.0.0.2:0)");
    s.run("T = thread()");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    s.run("T: connect(3, 10.0.0.2:80)");
    EXPECT_TRUE(s.slept());
    EXPECT_EQ(s.run("sleep(131000)"), ok(0));
    EXPECT_TRUE(printed(s, "T: connect(3, 10.0.0.2:80) = -1 ETIMEDOUT"));
    EXPECT_EQ(s.run("tcp_state(3)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.run("getsockopt(3, SOL_SOCKET, SO_ERROR)"), ok(0));  // connect consumed it
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpOutput, FewerSynRetriesAndNoLinearTimeoutsGiveUpSooner) {
    Sim s;
    s.run("!sysctl net.ipv4.tcp_syn_retries=2");
    s.run("!sysctl net.ipv4.tcp_syn_linear_timeouts=0");
    silent_peer_connect(s);
    EXPECT_EQ(s.run("sleep(6999)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(3)"), ok(TCP_SYN_SENT));
    EXPECT_EQ(sent_times(s, "P", TH_SYN), (std::vector<int64_t>{0, 1000, 3000}));
    EXPECT_EQ(s.run("sleep(1)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(3)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.run("getsockopt(3, SOL_SOCKET, SO_ERROR)"), ok(ETIMEDOUT));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpOutput, ASynThatGetsInOnARetryStopsTheTimerAndResetsTheBackoff) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 0)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(5));
    EXPECT_EQ(s.run("connect(5, 127.0.0.1:8080)"), err(EINPROGRESS));
    EXPECT_EQ(s.run("sleep(5000)"), ok(0));  // resent at 1, 2, 3, 4 and 5 s
    EXPECT_EQ(s.sk(5).icsk_retransmits, 5);
    EXPECT_EQ(s.sk(5).icsk_rto, 2000);
    EXPECT_EQ(s.run("accept(3)"), ok(6));
    EXPECT_EQ(s.run("sleep(2000)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(5)"), ok(TCP_ESTABLISHED));
    EXPECT_EQ(s.sk(5).icsk_retransmits, 0);
    EXPECT_FALSE(s.sk(5).icsk_retransmit_timer);
    EXPECT_EQ(s.mib(Mib::TCPSynRetrans), 6);
    EXPECT_EQ(s.mib(Mib::ListenOverflows), 6);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpOutput, TheSynAckCarriesTheRequestsIsnAndAcknowledgesTheSyn) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 0.0.0.0:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
    uint32_t peer_isn = peer(s, "P").conns[0].snd_nxt - 1;
    const RequestSock* req = nullptr;
    s.w().reqs.each([&](ReqId, const RequestSock& r) { req = &r; });
    ASSERT_NE(req, nullptr);
    ASSERT_EQ(peer(s, "P").inbox.size(), 1u);
    const Packet& sa = peer(s, "P").inbox[0];
    EXPECT_EQ(sa.flags, TH_SYN | TH_ACK);
    EXPECT_EQ(sa.seq, req->snt_isn);
    EXPECT_EQ(sa.ack_seq, peer_isn + 1);
    EXPECT_EQ(req->rcv_isn, peer_isn);
    EXPECT_EQ(sa.saddr, INADDR_LOOPBACK);
    EXPECT_EQ(sa.sport, 8080);
    EXPECT_EQ(sa.daddr, 0x0a000002u);
    EXPECT_EQ(sa.dport, 40000);
    EXPECT_EQ(s.run("peer_rst(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpOutput, AFinTakesOneSequenceNumber) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("accept(3)"), ok(5));
    uint32_t isn = s.sk(4).snd_isn;
    EXPECT_EQ(s.sk(4).snd_nxt, isn + 1);
    EXPECT_FALSE(s.sk(4).fin_sent);
    EXPECT_EQ(s.run("shutdown(4, SHUT_WR)"), ok(0));
    EXPECT_TRUE(s.sk(4).fin_sent);
    EXPECT_EQ(s.sk(4).snd_nxt, isn + 2);
    EXPECT_EQ(s.sk(4).snd_una, isn + 2);  // and it was acknowledged
    EXPECT_EQ(s.sk(5).rcv_nxt, isn + 2);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpOutput, AnActiveResetCountsOutRstsAndCarriesTheSocksSequence) {
    Sim s;
    peer_connection(s);
    uint32_t nxt = s.sk(4).snd_nxt, rcv = s.sk(4).rcv_nxt;
    EXPECT_EQ(s.run("setsockopt(4, SOL_SOCKET, SO_LINGER, 1, 0)"), ok(0));
    EXPECT_EQ(s.run("close(4)"), ok(0));
    const Packet& rst = peer(s, "P").inbox.back();
    EXPECT_EQ(rst.flags, TH_RST | TH_ACK);
    EXPECT_EQ(rst.seq, nxt);
    EXPECT_EQ(rst.ack_seq, rcv);
    EXPECT_EQ(s.mib(Mib::OutRsts), 1);
    EXPECT_EQ(peer(s, "P").conns[0].state, TCP_CLOSE);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpOutput, TwoConnectionsGetDifferentInitialSequenceNumbers) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    EXPECT_EQ(s.run("connect(5, 127.0.0.1:8080)"), ok(0));
    EXPECT_NE(s.sk(4).snd_isn, s.sk(5).snd_isn);
    EXPECT_EQ(s.run("accept(3)"), ok(6));
    EXPECT_NE(s.sk(6).snd_isn, s.sk(4).snd_isn);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpOutput, AClosedSocketWhosePeerNeverAcksItsFinResendsItAndIsDestroyedAfter102Seconds) {
    Sim s;
    peer_connection(s);
    EXPECT_EQ(s.run("close(4)"), ok(0));
    EXPECT_EQ(s.run("close(3)"), ok(0));
    EXPECT_EQ(s.w().socks.size(), 1u);  // the orphan in FIN_WAIT1
    EXPECT_EQ(s.run("sleep(102199)"), ok(0));
    // The FIN, then 8 retransmissions: 200 ms doubling (tcp_orphan_retries).
    const std::vector<int64_t> want{0, 200, 600, 1400, 3000, 6200, 12600, 25400, 51000};
    EXPECT_EQ(sent_times(s, "P", TH_FIN | TH_ACK), want);
    for (const Packet& p : peer(s, "P").inbox) {
        if (!(p.flags & TH_FIN)) continue;
        EXPECT_EQ(p.seq, peer(s, "P").inbox.back().seq);  // the same FIN each time
    }
    EXPECT_EQ(s.w().socks.size(), 1u);
    EXPECT_EQ(s.mib(Mib::RetransSegs), 8);
    EXPECT_EQ(s.run("sleep(1)"), ok(0));  // the ninth firing gives up
    EXPECT_EQ(s.w().socks.size(), 0u);
    EXPECT_EQ(s.w().timers.size(), 0u);
    EXPECT_EQ(s.mib(Mib::TCPTimeouts), 9);
    EXPECT_EQ(s.mib(Mib::TCPAbortOnTimeout), 1);
    EXPECT_EQ(peer(s, "P").inbox.size(), 10u);  // SYN-ACK and 9 FINs; giving up sends nothing
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpOutput, APeerThatAcksTheFinStopsTheRetransmitTimer) {
    Sim s;
    peer_connection(s);
    EXPECT_EQ(s.run("shutdown(4, SHUT_WR)"), ok(0));
    EXPECT_EQ(s.run("sleep(200)"), ok(0));  // one retransmission
    EXPECT_EQ(s.sk(4).icsk_retransmits, 1);
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_FIN_WAIT2));
    EXPECT_FALSE(s.sk(4).icsk_retransmit_timer);  // no FIN left to resend
    EXPECT_EQ(s.sk(4).icsk_retransmits, 0);
    EXPECT_EQ(s.mib(Mib::RetransSegs), 1);
    EXPECT_EQ(s.run("sleep(1000000)"), ok(0));  // and nothing fires later
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_FIN_WAIT2));
    EXPECT_EQ(s.mib(Mib::RetransSegs), 1);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpOutput, AnOrphanWhoseFinIsAckedWaitsForThePeersFinAsATimewaitSock) {
    Sim s;
    peer_connection(s);
    EXPECT_EQ(s.run("close(4)"), ok(0));
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.w().socks.size(), 1u);  // only the listener
    ASSERT_EQ(s.w().tws.size(), 1u);
    s.w().tws.each([&](TwId, const TimewaitSock& tw) { EXPECT_EQ(tw.tw_substate, TCP_FIN_WAIT2); });
    EXPECT_EQ(s.w().timers.size(), 1u);  // the timewait timer, no retransmit timer
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(TcpOutput, ASocketStillOpenGivesUpOnItsFinAfter15RetriesWithEtimedout) {
    Sim s;
    peer_connection(s);
    EXPECT_EQ(s.run("shutdown(4, SHUT_WR)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_FIN_WAIT1));
    // 200 ms doubling to 102.4 s, then TCP_RTO_MAX (120 s): the 16th firing,
    // at 924.6 s, gives up.
    EXPECT_EQ(s.run("sleep(924599)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_FIN_WAIT1));
    EXPECT_EQ(s.sk(4).icsk_retransmits, 15);
    EXPECT_EQ(s.sk(4).icsk_rto, 120000);
    EXPECT_EQ(s.run("sleep(1)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.run("getsockopt(4, SOL_SOCKET, SO_ERROR)"), ok(ETIMEDOUT));
    EXPECT_EQ(s.mib(Mib::TCPAbortOnTimeout), 1);
    EXPECT_EQ(sent_times(s, "P", TH_FIN | TH_ACK).size(), 16u);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

}  // namespace sockscope::test
