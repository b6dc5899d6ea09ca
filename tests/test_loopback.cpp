// test_loopback.cpp — core/net/loopback.cpp: the wire. Segments to a
// loopback address are delivered first in first out, one per step, before
// the command that sent them ends; segments to a peer land in its inbox.
#include "support.h"

#include "kernel/model.h"

namespace sockscope::script {
// Results print as the runner prints them ("3", "-1 EBADF").
static void PrintTo(const Result& r, std::ostream* os) { *os << format_result(r); }
}  // namespace sockscope::script

namespace sockscope::test {

namespace {

void listener(Sim& s, const std::string& addr) {
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(l, " + addr + ")"), ok(0));
    ASSERT_EQ(s.run("listen(l, 5)"), ok(0));
}

std::vector<StepKind> kinds_since(Sim& s, uint64_t first) {
    std::vector<StepKind> out;
    for (uint64_t i = first; i < s.h.step_count(); ++i) out.push_back(s.h.trace().steps[i].kind);
    return out;
}

// The segments of events `ev` in steps [first, end), in event order.
std::vector<Packet> packets(Sim& s, Ev ev, uint64_t first) {
    const Trace& t = s.h.trace();
    std::vector<Packet> out;
    for (size_t i = t.step_begin(first); i < t.events.size(); ++i)
        if (t.events[i].ev == ev) out.push_back(t.packets[t.events[i].id]);
    return out;
}

std::vector<uint8_t> flags_of(const std::vector<Packet>& v) {
    std::vector<uint8_t> out;
    for (const Packet& p : v) out.push_back(p.flags);
    return out;
}

const Peer& peer(Sim& s, const std::string& name) {
    return s.w().peers[PeerId(static_cast<uint32_t>(s.in.vars.at(name)))];
}

}  // namespace

TEST(Loopback, ABlockingConnectIsOneSyscallThreeDeliveriesAndOneResume) {
    Sim s;
    listener(s, "127.0.0.1:7000");
    ASSERT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    uint64_t first = s.h.step_count();
    EXPECT_EQ(s.run("connect(c, 127.0.0.1:7000)"), ok(0));
    EXPECT_EQ(kinds_since(s, first), (std::vector<StepKind>{StepKind::Syscall, StepKind::Deliver, StepKind::Deliver,
                                                            StepKind::Deliver, StepKind::Resume}));
}

TEST(Loopback, SegmentsAreDeliveredInTheOrderTheyWereSentOnePerStep) {
    Sim s;
    listener(s, "127.0.0.1:7001");
    ASSERT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    uint64_t first = s.h.step_count();
    ASSERT_EQ(s.run("connect(c, 127.0.0.1:7001)"), ok(0));
    std::vector<Packet> sent = packets(s, Ev::PacketSend, first);
    std::vector<Packet> delivered = packets(s, Ev::PacketDeliver, first);
    EXPECT_EQ(flags_of(sent), (std::vector<uint8_t>{TH_SYN, TH_SYN | TH_ACK, TH_ACK}));
    ASSERT_EQ(delivered.size(), sent.size());
    for (size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(delivered[i].serial, sent[i].serial) << i;
    // one delivery per Deliver step, none elsewhere
    const Trace& t = s.h.trace();
    for (uint64_t st = first; st < s.h.step_count(); ++st) {
        int n = 0;
        for (size_t i = t.step_begin(st); i < t.step_end(st); ++i) n += t.events[i].ev == Ev::PacketDeliver;
        EXPECT_EQ(n, t.steps[st].kind == StepKind::Deliver ? 1 : 0) << "step " << st;
    }
}

TEST(Loopback, TheHandshakesSegmentsCarryTheRightPortsAndSequenceNumbers) {
    Sim s;
    listener(s, "127.0.0.1:7002");
    ASSERT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    uint64_t first = s.h.step_count();
    ASSERT_EQ(s.run("connect(c, 127.0.0.1:7002)"), ok(0));
    std::vector<Packet> p = packets(s, Ev::PacketSend, first);
    ASSERT_EQ(p.size(), 3u);
    uint16_t cport = static_cast<uint16_t>(s.run("local_port(c)").value);
    EXPECT_EQ(p[0].sport, cport);
    EXPECT_EQ(p[0].dport, 7002);
    EXPECT_EQ(p[0].saddr, INADDR_LOOPBACK);
    EXPECT_EQ(p[1].sport, 7002);
    EXPECT_EQ(p[1].dport, cport);
    EXPECT_EQ(p[1].ack_seq, p[0].seq + 1);
    EXPECT_EQ(p[2].seq, p[0].seq + 1);
    EXPECT_EQ(p[2].ack_seq, p[1].seq + 1);
    EXPECT_LT(p[0].serial, p[1].serial);
    EXPECT_LT(p[1].serial, p[2].serial);
}

TEST(Loopback, TheWireIsEmptyWhenACommandEnds) {
    Sim s;
    listener(s, "127.0.0.1:7003");
    for (const char* line : {"c = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)", "connect(c, 127.0.0.1:7003)",
                             "a = accept(l)", "close(a)", "close(c)", "close(l)"}) {
        s.run(line);
        EXPECT_TRUE(s.w().wire.empty()) << line;
        EXPECT_FALSE(s.h.live().has_pending()) << line;
    }
}

TEST(Loopback, EverySegmentSentAndReceivedIsCounted) {
    Sim s;
    listener(s, "127.0.0.1:7004");
    ASSERT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    ASSERT_EQ(s.run("connect(c, 127.0.0.1:7004)"), ok(0));
    EXPECT_EQ(s.mib(Mib::OutSegs), 3);
    EXPECT_EQ(s.mib(Mib::InSegs), 3);
    ASSERT_EQ(s.run("r = socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    EXPECT_EQ(s.run("connect(r, 127.0.0.1:7005)"), err(ECONNREFUSED));
    EXPECT_EQ(s.mib(Mib::OutSegs), 5);  // SYN, and the RST that answers it
    EXPECT_EQ(s.mib(Mib::InSegs), 5);
}

TEST(Loopback, ASynToAClosedPortIsAnsweredWithRstAck) {
    Sim s;
    ASSERT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(3));
    uint64_t first = s.h.step_count();
    EXPECT_EQ(s.run("connect(c, 127.0.0.1:7006)"), err(EINPROGRESS));
    std::vector<Packet> p = packets(s, Ev::PacketSend, first);
    ASSERT_EQ(p.size(), 2u);
    EXPECT_EQ(p[0].flags, TH_SYN);
    EXPECT_EQ(p[1].flags, TH_RST | TH_ACK);
    EXPECT_EQ(p[1].ack_seq, p[0].seq + 1);
    EXPECT_EQ(p[1].seq, 0u);
    EXPECT_EQ(s.run("tcp_state(c)"), ok(TCP_CLOSE));
}

TEST(Loopback, SegmentsForAPeerLandInItsInboxInOrder) {
    Sim s;
    listener(s, "0.0.0.0:7010");
    ASSERT_EQ(s.run("P = peer(10.0.0.2:0)").err, 0);
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:7010)"), ok(0));
    ASSERT_EQ(peer(s, "P").inbox.size(), 1u);
    const Packet synack = peer(s, "P").inbox[0];
    EXPECT_EQ(synack.flags, TH_SYN | TH_ACK);
    EXPECT_EQ(synack.daddr, 0x0a000002u);
    EXPECT_EQ(synack.dport, 40000);
    EXPECT_EQ(synack.sport, 7010);
    EXPECT_EQ(s.run("synq(l)"), ok(1));
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:7010)"), ok(0));
    EXPECT_EQ(peer(s, "P").inbox.size(), 1u);  // an ACK is not answered
    EXPECT_EQ(s.run("acceptq(l)"), ok(1));
    ASSERT_EQ(s.run("a = accept(l)"), ok(4));
    EXPECT_EQ(s.run("close(a)"), ok(0));
    ASSERT_EQ(peer(s, "P").inbox.size(), 2u);
    EXPECT_EQ(peer(s, "P").inbox[1].flags, TH_FIN | TH_ACK);
    EXPECT_EQ(peer(s, "P").inbox[1].seq, synack.seq + 1);
    EXPECT_LT(synack.serial, peer(s, "P").inbox[1].serial);
}

TEST(Loopback, APeerLearnsTheSequenceToAcknowledgeFromTheSynAck) {
    Sim s;
    listener(s, "0.0.0.0:7011");
    ASSERT_EQ(s.run("P = peer(10.0.0.2:0)").err, 0);
    ASSERT_EQ(s.run("peer_syn(P, 127.0.0.1:7011)"), ok(0));
    const PeerConn& c = peer(s, "P").conns.at(0);
    EXPECT_EQ(c.rcv_nxt, peer(s, "P").inbox[0].seq + 1);
    EXPECT_EQ(c.state, TCP_SYN_RECV);
    ASSERT_EQ(s.run("peer_ack(P, 127.0.0.1:7011)"), ok(0));
    EXPECT_EQ(peer(s, "P").conns.at(0).state, TCP_ESTABLISHED);
    EXPECT_EQ(s.run("tcp_state(4)"), err(EBADF));
    ASSERT_EQ(s.run("a = accept(l)"), ok(4));
    EXPECT_EQ(s.run("tcp_state(a)"), ok(TCP_ESTABLISHED));
}

TEST(Loopback, EveryPeerSynOpensAConnectionFromTheNextPort) {
    Sim s;
    listener(s, "0.0.0.0:7012");
    ASSERT_EQ(s.run("P = peer(10.0.0.2:0)").err, 0);
    ASSERT_EQ(s.run("peer_syn(P, 127.0.0.1:7012)"), ok(0));
    ASSERT_EQ(s.run("peer_syn(P, 127.0.0.1:7012)"), ok(0));
    ASSERT_EQ(peer(s, "P").conns.size(), 2u);
    EXPECT_EQ(peer(s, "P").conns[0].pport, 40000);
    EXPECT_EQ(peer(s, "P").conns[1].pport, 40001);
    EXPECT_EQ(s.run("synq(l)"), ok(2));
    // an ACK without a connection index goes to the newest connection
    ASSERT_EQ(s.run("peer_ack(P, 127.0.0.1:7012)"), ok(0));
    ASSERT_EQ(s.run("a = accept(l)"), ok(4));
    EXPECT_EQ(s.sk(4).inet_dport, 40001);
    ASSERT_EQ(s.run("peer_ack(P, 127.0.0.1:7012, 0)"), ok(0));
    ASSERT_EQ(s.run("b = accept(l)"), ok(5));
    EXPECT_EQ(s.sk(5).inet_dport, 40000);
}

TEST(Loopback, APeerSynToAClosedPortGetsRstAck) {
    Sim s;
    ASSERT_EQ(s.run("P = peer(10.0.0.2:0)").err, 0);
    ASSERT_EQ(s.run("peer_syn(P, 127.0.0.1:7013)"), ok(0));
    ASSERT_EQ(peer(s, "P").inbox.size(), 1u);
    const Packet& rst = peer(s, "P").inbox[0];
    EXPECT_EQ(rst.flags, TH_RST | TH_ACK);
    EXPECT_EQ(rst.ack_seq, peer(s, "P").conns[0].snd_nxt);
    EXPECT_EQ(peer(s, "P").conns[0].state, TCP_CLOSE);
    EXPECT_EQ(s.mib(Mib::OutRsts), 1);
}

TEST(Loopback, APeerRstResetsTheConnectionItBelongsTo) {
    Sim s;
    listener(s, "0.0.0.0:7014");
    ASSERT_EQ(s.run("P = peer(10.0.0.2:0)").err, 0);
    ASSERT_EQ(s.run("peer_syn(P, 127.0.0.1:7014)"), ok(0));
    ASSERT_EQ(s.run("peer_ack(P, 127.0.0.1:7014)"), ok(0));
    ASSERT_EQ(s.run("a = accept(l)"), ok(4));
    EXPECT_EQ(s.run("peer_rst(P, 127.0.0.1:7014)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(a)"), ok(TCP_CLOSE));
    EXPECT_EQ(s.run("getsockopt(a, SOL_SOCKET, SO_ERROR)"), ok(ECONNRESET));
    EXPECT_EQ(peer(s, "P").inbox.size(), 1u);  // a RST is never answered
}

TEST(Loopback, AConnectToAPeerSendsItsSynToTheInbox) {
    Sim s;
    ASSERT_EQ(s.run("P = peer(10.0.0.2:0)").err, 0);
    ASSERT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(3));
    EXPECT_EQ(s.run("connect(c, 10.0.0.2:80)"), err(EINPROGRESS));
    EXPECT_EQ(s.run("tcp_state(c)"), ok(TCP_SYN_SENT));
    ASSERT_EQ(peer(s, "P").inbox.size(), 1u);
    EXPECT_EQ(peer(s, "P").inbox[0].flags, TH_SYN);
    EXPECT_EQ(peer(s, "P").inbox[0].dport, 80);
    EXPECT_EQ(s.mib(Mib::InSegs), 0);
    s.run("sleep(1000)");
    ASSERT_EQ(peer(s, "P").inbox.size(), 2u);  // the SYN retransmitted after 1 s
    EXPECT_EQ(peer(s, "P").inbox[1].seq, peer(s, "P").inbox[0].seq);
    EXPECT_EQ(peer(s, "P").inbox[1].sent_at, 1000);
}

TEST(Loopback, PeerCommandsAreChecked) {
    Sim s;
    EXPECT_EQ(s.run("peer(127.0.0.2:0)"), err(EADDRNOTAVAIL));
    EXPECT_EQ(s.run("peer(0.0.0.0:0)"), err(EADDRNOTAVAIL));
    EXPECT_EQ(s.run("peer(224.0.0.1:0)"), err(EADDRNOTAVAIL));
    EXPECT_EQ(s.run("peer(255.255.255.255:0)"), err(EADDRNOTAVAIL));
    ASSERT_EQ(s.run("P = peer(10.0.0.2:0)").err, 0);
    EXPECT_EQ(s.run("peer(10.0.0.2:0)"), err(EADDRINUSE));
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:7015)"), err(ENOTCONN));
    EXPECT_EQ(s.run("peer_fin(P, 127.0.0.1:7015)"), err(ENOTCONN));
    EXPECT_EQ(s.run("peer_syn(99, 127.0.0.1:7015)"), err(ESRCH));
    EXPECT_EQ(s.w().peers.size(), 1u);
    EXPECT_EQ(peer_at(s.w(), 0x0a000002u), PeerId(static_cast<uint32_t>(s.in.vars.at("P"))));
}

TEST(Loopback, DeliveringFromAnEmptyWireDoesNothing) {
    Kernel k;
    EXPECT_FALSE(deliver_next_packet(k));
    Packet p;
    p.saddr = p.daddr = INADDR_LOOPBACK;
    p.sport = 40000;
    p.dport = 9;
    p.flags = TH_SYN;
    ip_queue_xmit(k, p);
    ASSERT_EQ(k.w.wire.size(), 1u);
    EXPECT_EQ(k.w.wire[0].serial, 1u);
    EXPECT_EQ(k.w.mib[static_cast<size_t>(Mib::OutSegs)], 1);
    EXPECT_TRUE(deliver_next_packet(k));  // no listener: answered with RST
    ASSERT_EQ(k.w.wire.size(), 1u);
    EXPECT_EQ(k.w.wire[0].flags, TH_RST | TH_ACK);
    EXPECT_TRUE(deliver_next_packet(k));  // a RST to nobody: dropped silently
    EXPECT_TRUE(k.w.wire.empty());
    EXPECT_FALSE(deliver_next_packet(k));
}

TEST(Loopback, ASegmentWithNoRouteIsDroppedAndRecordedAsSuch) {
    Kernel k;
    Trace t;
    k.trace = &t;
    k.begin_step(StepKind::Control, 0, 0);
    Packet p;
    p.saddr = INADDR_LOOPBACK;
    p.daddr = 0xc0000201u;  // 192.0.2.1: no peer there
    p.flags = TH_RST;
    ip_queue_xmit(k, p);
    EXPECT_TRUE(k.w.wire.empty());
    int drops = 0;
    for (const TraceEvent& e : t.events)
        if (e.ev == Ev::PacketDrop) {
            ++drops;
            EXPECT_EQ(e.a, static_cast<int32_t>(DropReason::no_route));
        }
    EXPECT_EQ(drops, 1);
}

}  // namespace sockscope::test
