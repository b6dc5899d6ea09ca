// test_syncookies.cpp — core/ipv4/syncookies.cpp: SYN cookies sent when the
// SYN queue is full (or always, with tcp_syncookies=2), checked on the
// returning ACK within two minutes of an overflow, and only then turned into
// a request sock, a child and an accept-queue entry.
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

TEST(Syncookies, AFloodFillsTheSynQueueToBacklogPlusOneAndTheRestGetCookies) {
    Sim s;
    listener(s, "0.0.0.0:80", 4);
    EXPECT_EQ(s.run("synflood(127.0.0.1:80, 10)"), ok(10));
    EXPECT_EQ(s.run("synq(3)"), ok(5));
    EXPECT_EQ(s.w().reqs.size(), 5u);  // a cookie keeps no request sock
    EXPECT_EQ(s.mib(Mib::TCPReqQFullDoCookies), 5);
    EXPECT_EQ(s.mib(Mib::SyncookiesSent), 5);
    EXPECT_EQ(s.mib(Mib::TCPReqQFullDrop), 0);
    EXPECT_EQ(s.mib(Mib::ListenDrops), 0);
    EXPECT_TRUE(s.sk(3).synflood_warned);
    EXPECT_EQ(s.sk(3).last_overflow, 0);
    EXPECT_EQ(s.mib(Mib::OutSegs), 10);  // every SYN got a SYN-ACK
    EXPECT_EQ(s.run("sleep(64000)"), ok(0));  // the flood's requests expire
    EXPECT_EQ(s.run("synq(3)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Syncookies, AClientStillGetsInThroughACookieDuringAFlood) {
    Sim s;
    listener(s, "0.0.0.0:80", 4);
    EXPECT_EQ(s.run("synflood(127.0.0.1:80, 10)"), ok(10));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:80)"), ok(0));
    EXPECT_EQ(s.run("acceptq(3)"), ok(1));
    EXPECT_EQ(s.run("synq(3)"), ok(5));
    EXPECT_EQ(s.mib(Mib::SyncookiesSent), 6);
    EXPECT_EQ(s.mib(Mib::SyncookiesRecv), 1);
    EXPECT_EQ(s.mib(Mib::SyncookiesFailed), 0);
    EXPECT_EQ(s.mib(Mib::PassiveOpens), 1);
    EXPECT_EQ(s.run("accept(3)"), ok(5));
    EXPECT_EQ(s.run("tcp_state(5)"), ok(TCP_ESTABLISHED));
    EXPECT_EQ(s.sk(5).rcv_nxt, s.sk(4).snd_nxt);
    EXPECT_EQ(s.sk(4).rcv_nxt, s.sk(5).snd_nxt);
    EXPECT_EQ(s.run("sleep(64000)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Syncookies, WithTcpSyncookiesTwoEverySynGetsACookieAndTheConnectionStillQueues) {
    Sim s;
    s.run("!sysctl net.ipv4.tcp_syncookies=2");
    listener(s, "127.0.0.1:8080", 5);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.mib(Mib::SyncookiesSent), 1);
    EXPECT_EQ(s.mib(Mib::SyncookiesRecv), 1);
    EXPECT_EQ(s.mib(Mib::SyncookiesFailed), 0);
    EXPECT_EQ(s.mib(Mib::TCPReqQFullDoCookies), 1);  // counted even with the queue empty
    EXPECT_FALSE(s.sk(3).synflood_warned);           // never logged with syncookies=2
    EXPECT_EQ(s.run("acceptq(3)"), ok(1));
    EXPECT_EQ(s.run("synq(3)"), ok(0));
    EXPECT_EQ(s.run("accept(3)"), ok(5));
    EXPECT_EQ(s.run("tcp_state(5)"), ok(TCP_ESTABLISHED));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Syncookies, ACookieConnectionKeepsNoStateUntilItsAckComesBack) {
    Sim s;
    s.run("!sysctl net.ipv4.tcp_syncookies=2");
    listener(s, "0.0.0.0:8080", 5);
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("synq(3)"), ok(0));
    EXPECT_EQ(s.w().reqs.size(), 0u);
    EXPECT_EQ(s.w().timers.size(), 0u);  // and so nothing to retransmit
    EXPECT_TRUE(s.w().ehash.empty());
    ASSERT_EQ(peer(s, "P").inbox.size(), 1u);
    EXPECT_EQ(peer(s, "P").inbox[0].flags, TH_SYN | TH_ACK);
    EXPECT_EQ(s.run("sleep(10000)"), ok(0));
    EXPECT_EQ(peer(s, "P").inbox.size(), 1u);
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.mib(Mib::SyncookiesRecv), 1);
    EXPECT_EQ(s.run("acceptq(3)"), ok(1));
    EXPECT_EQ(s.run("accept(3)"), ok(4));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_ESTABLISHED));
    EXPECT_EQ(s.sk(4).snd_isn, peer(s, "P").inbox[0].seq);  // the cookie is the ISN
    EXPECT_EQ(s.sk(4).inet_dport, 40000);
    EXPECT_EQ(s.run("peer_rst(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Syncookies, ACookieOlderThanTwoMinutesFailsItsCheckAndIsReset) {
    Sim s;
    s.run("!sysctl net.ipv4.tcp_syncookies=2");
    listener(s, "0.0.0.0:8080", 5);
    EXPECT_EQ(s.run("sleep(50000)"), ok(0));  // minute 0
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("sleep(71000)"), ok(0));  // minute 2, 71 s after the overflow
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.mib(Mib::SyncookiesFailed), 1);
    EXPECT_EQ(s.mib(Mib::SyncookiesRecv), 0);
    EXPECT_EQ(s.run("acceptq(3)"), ok(0));
    ASSERT_EQ(peer(s, "P").inbox.size(), 2u);
    EXPECT_EQ(peer(s, "P").inbox[1].flags, TH_RST);
    EXPECT_EQ(s.mib(Mib::OutRsts), 1);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Syncookies, ACookieFromTheMinuteBeforeIsStillAccepted) {
    Sim s;
    s.run("!sysctl net.ipv4.tcp_syncookies=2");
    listener(s, "0.0.0.0:8080", 5);
    EXPECT_EQ(s.run("sleep(50000)"), ok(0));  // minute 0
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("sleep(60000)"), ok(0));  // minute 1
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.mib(Mib::SyncookiesRecv), 1);
    EXPECT_EQ(s.mib(Mib::SyncookiesFailed), 0);
    EXPECT_EQ(s.run("acceptq(3)"), ok(1));
    EXPECT_EQ(s.run("accept(3)"), ok(4));
    EXPECT_EQ(s.run("peer_rst(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Syncookies, AnAckLongAfterTheLastOverflowIsNotCheckedAndGetsARst) {
    Sim s;
    s.run("!sysctl net.ipv4.tcp_syncookies=2");
    listener(s, "0.0.0.0:8080", 5);
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("sleep(121000)"), ok(0));
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.mib(Mib::SyncookiesFailed), 0);
    EXPECT_EQ(s.mib(Mib::SyncookiesRecv), 0);
    EXPECT_EQ(peer(s, "P").inbox.back().flags, TH_RST);
    EXPECT_EQ(s.run("acceptq(3)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Syncookies, ACookieAckIsNotCheckedOnceCookiesAreTurnedOff) {
    Sim s;
    s.run("!sysctl net.ipv4.tcp_syncookies=2");
    listener(s, "0.0.0.0:8080", 5);
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
    s.run("!sysctl net.ipv4.tcp_syncookies=0");
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.mib(Mib::SyncookiesRecv), 0);
    EXPECT_EQ(s.mib(Mib::SyncookiesFailed), 0);
    EXPECT_EQ(peer(s, "P").inbox.back().flags, TH_RST);
    EXPECT_EQ(s.mib(Mib::OutRsts), 1);
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Syncookies, AValidCookieAckToAFullAcceptQueueIsDroppedWithoutARst) {
    Sim s;
    s.run("!sysctl net.ipv4.tcp_syncookies=2");
    listener(s, "0.0.0.0:8080", 0);
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));  // its cookie SYN-ACK goes out
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(4, 127.0.0.1:8080)"), ok(0));     // the one place is taken
    EXPECT_EQ(s.run("acceptq(3)"), ok(1));
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.mib(Mib::SyncookiesRecv), 2);
    EXPECT_EQ(s.mib(Mib::ListenOverflows), 1);
    EXPECT_EQ(s.mib(Mib::ListenDrops), 1);
    EXPECT_EQ(s.mib(Mib::OutRsts), 0);
    EXPECT_EQ(peer(s, "P").inbox.size(), 1u);
    EXPECT_EQ(s.run("acceptq(3)"), ok(1));
    EXPECT_EQ(s.w().reqs.size(), 1u);  // only the loopback client's, in the accept queue
    EXPECT_EQ(s.run("synq(3)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Syncookies, TheFloodIsLoggedOnceButEveryCookieIsCounted) {
    Sim s;
    listener(s, "0.0.0.0:80", 1);
    EXPECT_FALSE(s.sk(3).synflood_warned);
    EXPECT_EQ(s.run("synflood(127.0.0.1:80, 3)"), ok(3));
    EXPECT_TRUE(s.sk(3).synflood_warned);
    EXPECT_EQ(s.run("synq(3)"), ok(2));
    EXPECT_EQ(s.mib(Mib::TCPReqQFullDoCookies), 1);
    EXPECT_EQ(s.run("synflood(127.0.0.1:80, 3)"), ok(3));  // the same three hosts again
    EXPECT_TRUE(s.sk(3).synflood_warned);
    EXPECT_EQ(s.mib(Mib::TCPReqQFullDoCookies), 4);
    EXPECT_EQ(s.mib(Mib::SyncookiesSent), 4);
    EXPECT_EQ(s.run("sleep(64000)"), ok(0));
    EXPECT_EQ(s.run("synq(3)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

}  // namespace sockscope::test
