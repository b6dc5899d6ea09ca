// tcp_output.cpp — segments a TCP sock sends: net/ipv4/tcp_output.c and the
// SYN retransmission of net/ipv4/tcp_timer.c.
//
// Models tcp_connect (SYN, ActiveOpens, the retransmit timer at 1 s), the
// SYN-ACK, bare ACK, FIN and active RST, and tcp_retransmit_timer:
//   - for a connecting sock, linear timeouts for the first
//     tcp_syn_linear_timeouts retries (6.5+), then exponential backoff,
//     giving up after tcp_syn_retries + tcp_syn_linear_timeouts retries
//     (about 131 s) with ETIMEDOUT;
//   - for a FIN not yet acknowledged (FIN_WAIT1, CLOSING, LAST_ACK), resent
//     from TCP_RTO_MIN with doubling up to TCP_RTO_MAX, giving up after
//     tcp_retries2 (15) retries, or 8 for an orphan (tcp_orphan_retries 0
//     means 8 while the RTO is below TCP_RTO_MAX): about 102 s for a closed
//     socket whose peer went silent.
// ISNs come from a seeded generator so runs are reproducible.
// Left out: data, congestion control, window probes, keepalives, RTT
// measurement (a round trip takes no virtual time, so an established
// connection's RTO is TCP_RTO_MIN), tcp_out_of_resources.
#include <algorithm>

#include "kernel/model.h"

namespace sockscope {
inline namespace SOCKSCOPE_MODEL_VARIANT {  // kernel.h: built twice

// secure_tcp_seq (net/core/secure_seq.c): a keyed hash of the 4-tuple plus
// a clock ticking every 64 ns. The clock is what matters here: a new
// connection on the 4-tuple of an old one always starts after the old
// one's sequence numbers, which is what lets a SYN reopen a TIME_WAIT.
// Virtual time is in milliseconds (15625 ticks of 64 ns each); isn_state
// counts the calls, standing for the nanoseconds that pass between two
// calls in the same millisecond, so equal tuples never get equal ISNs.
uint32_t secure_tcp_seq(Kernel& k, uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport) {
    uint64_t h = (uint64_t{saddr} << 32 | daddr) ^ (uint64_t{sport} << 16 | dport) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9ull;  // splitmix64 finaliser: a fixed key, so runs repeat
    h ^= h >> 29;
    k.w.isn_state += 1;
    return static_cast<uint32_t>(h) + static_cast<uint32_t>(k.w.now) * 15625u + k.w.isn_state;
}

static Packet make_packet(const Sock& s, uint8_t flags) {
    Packet p;
    p.saddr = s.inet_saddr ? s.inet_saddr : s.inet_rcv_saddr;
    p.sport = s.inet_sport;  // still set after the port went back to the table
    p.daddr = s.inet_daddr;
    p.dport = s.inet_dport;
    p.flags = flags;
    p.seq = s.snd_nxt;
    p.ack_seq = (flags & TH_ACK) ? s.rcv_nxt : 0;
    return p;
}

// include/net/tcp.h, in milliseconds. An established connection's first RTT
// sample sets rto = srtt + max(2 * srtt, TCP_RTO_MIN); the model's round
// trips take no virtual time, so that is TCP_RTO_MIN.
constexpr int64_t TCP_RTO_MIN = 200;
constexpr int64_t TCP_RTO_MAX = 120000;
// The defaults of net.ipv4.tcp_retries2 and the 8 that tcp_orphan_retries()
// makes of net.ipv4.tcp_orphan_retries = 0 (not sysctls of the model).
constexpr int TCP_RETR2 = 15;
constexpr int TCP_ORPHAN_RETRIES_ALIVE = 8;

static void arm_retransmit(Kernel& k, SockId sk) {
    TimerId tm = mod_timer(k, k.w.socks[sk].icsk_retransmit_timer, TimerKind::tcp_retransmit, sk.v,
                           k.w.now + k.w.socks[sk].icsk_rto);
    KSET(k, sk, icsk_retransmit_timer, tm);
}

void tcp_connect(Kernel& k, SockId sk) {
    KFRAME(k, tcp_connect);
    const Sock& s = k.w.socks[sk];
    Packet syn = make_packet(s, TH_SYN);
    syn.seq = s.snd_isn;
    KSET(k, sk, snd_una, s.snd_isn);
    KSET(k, sk, snd_nxt, k.w.socks[sk].snd_isn + 1);
    KSET(k, sk, icsk_rto, 1000);
    KSET(k, sk, icsk_retransmits, 0);
    // tcp_connect_init: a fresh connection forgets the last one's error
    KSET(k, sk, sk_err, 0);
    KSET(k, sk, sk_flags, k.w.socks[sk].sk_flags & ~SOCK_DONE);
    mib_inc(k, Mib::ActiveOpens);
    KSET(k, sk, connect_tried, true);
    ip_queue_xmit(k, syn);
    arm_retransmit(k, sk);
}

void tcp_send_synack(Kernel& k, ReqId req, bool cookie, uint32_t isn) {
    KFRAME(k, tcp_send_synack);
    const RequestSock& r = k.w.reqs[req];
    Packet p;
    p.saddr = r.ir_loc_addr;
    p.sport = r.ir_num;
    p.daddr = r.ir_rmt_addr;
    p.dport = r.ir_rmt_port;
    p.flags = TH_SYN | TH_ACK;
    p.seq = isn;
    p.ack_seq = r.rcv_isn + 1;
    ip_queue_xmit(k, p);
}

// tcp_send_synack for a full sock in SYN_RECV (a simultaneous open): the
// SYN again, now with the ACK of the peer's SYN.
void tcp_send_synack(Kernel& k, SockId sk) {
    KFRAME(k, tcp_send_synack);
    Packet p = make_packet(k.w.socks[sk], TH_SYN | TH_ACK);
    p.seq = k.w.socks[sk].snd_isn;
    ip_queue_xmit(k, p);
}

void tcp_send_ack(Kernel& k, SockId sk) {
    KFRAME(k, tcp_send_ack);
    ip_queue_xmit(k, make_packet(k.w.socks[sk], TH_ACK));
}

// The FIN waits in the retransmit queue until it is acknowledged: sending
// it arms the retransmit timer (tcp_event_new_data_sent -> tcp_rearm_rto).
void tcp_send_fin(Kernel& k, SockId sk) {
    KFRAME(k, tcp_send_fin);
    Packet p = make_packet(k.w.socks[sk], TH_FIN | TH_ACK);
    KSET(k, sk, snd_nxt, k.w.socks[sk].snd_nxt + 1);
    KSET(k, sk, fin_sent, true);
    ip_queue_xmit(k, p);
    KSET(k, sk, icsk_rto, TCP_RTO_MIN);
    KSET(k, sk, icsk_retransmits, 0);
    arm_retransmit(k, sk);
}

// Nothing is left in flight (tcp_rearm_rto with packets_out == 0): the
// retransmit timer stops and the retry count starts over.
void tcp_clear_retransmit_timer(Kernel& k, SockId sk) {
    inet_csk_clear_xmit_timer(k, sk);
    KSET(k, sk, icsk_retransmits, 0);
}

// inet_csk_clear_xmit_timer(sk, ICSK_TIME_RETRANS): stop the retransmit
// timer if it is armed.
void inet_csk_clear_xmit_timer(Kernel& k, SockId sk) {
    TimerId tm = k.w.socks[sk].icsk_retransmit_timer;
    if (!tm) return;
    del_timer(k, tm);
    KSET(k, sk, icsk_retransmit_timer, TimerId{});
}

void tcp_send_active_reset(Kernel& k, SockId sk) {
    KFRAME(k, tcp_send_active_reset);
    mib_inc(k, Mib::OutRsts);
    ip_queue_xmit(k, make_packet(k.w.socks[sk], TH_RST | TH_ACK));
}

void tcp_write_err(Kernel& k, SockId sk) {
    KFRAME(k, tcp_write_err);
    KSET(k, sk, sk_err, ETIMEDOUT);
    tcp_done(k, sk);
    mib_inc(k, Mib::TCPAbortOnTimeout);
}

// tcp_write_timeout: whether the retries are used up. The kernel compares
// the time since the first retransmission with the time `boundary` doubling
// retries from TCP_RTO_MIN take; with the RTO starting at TCP_RTO_MIN (a
// FIN) that is the same as counting the retries, which is what this does.
static bool tcp_write_timeout(const Kernel& k, const Sock& s) {
    if (s.sk_state == TCP_SYN_SENT)
        return s.icsk_retransmits >= k.w.sysctl.tcp_syn_retries + k.w.sysctl.tcp_syn_linear_timeouts;
    int retry_until = TCP_RETR2;
    if (s.sk_flags & SOCK_DEAD) retry_until = s.icsk_rto < TCP_RTO_MAX ? TCP_ORPHAN_RETRIES_ALIVE : 0;
    return s.icsk_retransmits >= retry_until;
}

void tcp_retransmit_timer(Kernel& k, SockId sk) {
    KFRAME(k, tcp_retransmit_timer);
    KSET(k, sk, icsk_retransmit_timer, TimerId{});  // it just fired
    const Sock& s = k.w.socks[sk];
    bool syn = s.sk_state == TCP_SYN_SENT;
    bool fin = s.fin_sent && (s.sk_state == TCP_FIN_WAIT1 || s.sk_state == TCP_CLOSING ||
                              s.sk_state == TCP_LAST_ACK);
    if (!syn && !fin) return;  // nothing in flight
    mib_inc(k, Mib::TCPTimeouts);
    if (tcp_write_timeout(k, k.w.socks[sk])) {
        tcp_write_err(k, sk);
        return;
    }
    Packet again = make_packet(k.w.socks[sk], syn ? TH_SYN : TH_FIN | TH_ACK);
    if (syn) {
        again.seq = k.w.socks[sk].snd_isn;
        mib_inc(k, Mib::TCPSynRetrans);
    } else {
        again.seq = k.w.socks[sk].snd_nxt - 1;  // the FIN's own sequence number
    }
    mib_inc(k, Mib::RetransSegs);
    ip_queue_xmit(k, again);
    KSET(k, sk, icsk_retransmits, k.w.socks[sk].icsk_retransmits + 1);
    if (!syn || k.w.socks[sk].icsk_retransmits > k.w.sysctl.tcp_syn_linear_timeouts)
        KSET(k, sk, icsk_rto, std::min<int64_t>(k.w.socks[sk].icsk_rto * 2, TCP_RTO_MAX));
    arm_retransmit(k, sk);
}

}  // inline namespace SOCKSCOPE_MODEL_VARIANT
}  // namespace sockscope
