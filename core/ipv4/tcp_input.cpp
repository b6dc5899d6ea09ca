// tcp_input.cpp — segments arriving at a TCP sock: net/ipv4/tcp_input.c.
//
// Models tcp_conn_request in 6.x order (SYN queue full -> cookie or drop via
// tcp_syn_flood_action; accept queue full -> ListenOverflows and drop,
// even when a cookie would be sent; tcp_max_syn_backlog only without
// cookies; the request sock, its timer and the SYN-ACK), the LISTEN,
// SYN_SENT and synchronised cases of tcp_rcv_state_process, tcp_reset's
// errno by state, and tcp_fin. The SYN-queue test is the one with commit
// 3479c7549fb1 (qlen > backlog), which Linux 6.13+ and the stable trees
// carry. Left out: data, windows, SACK, timestamps, ECN, TFO, challenge
// ACKs and rate limits.
#include "kernel/model.h"

namespace sockscope {
inline namespace SOCKSCOPE_MODEL_VARIANT {  // kernel.h: built twice

SockId tcp_v4_make_child(Kernel& k, SockId listener, ReqId req);  // tcp_ipv4.cpp
bool cookie_v4_check(Kernel& k, SockId listener, const Packet& p);  // syncookies.cpp
uint32_t cookie_v4_init_sequence(Kernel& k, SockId listener, const Packet& p);

// inet_reqsk_alloc + tcp_openreq_init: a request sock for the segment's
// 4-tuple, holding a reference on its listener.
ReqId inet_reqsk_alloc(Kernel& k, SockId listener, const Packet& p, uint32_t rcv_isn) {
    ReqId req = create<ReqId>(k);
    KSET(k, req, rsk_listener, listener);
    sock_hold(k, listener);
    KSET(k, req, ir_loc_addr, p.daddr);
    KSET(k, req, ir_num, p.dport);
    KSET(k, req, ir_rmt_addr, p.saddr);
    KSET(k, req, ir_rmt_port, p.sport);
    KSET(k, req, rcv_isn, rcv_isn);
    return req;
}

bool sk_acceptq_is_full(Kernel& k, SockId sk) {
    KFRAME(k, sk_acceptq_is_full);
    const Sock& s = k.w.socks[sk];
    bool full = s.sk_ack_backlog > s.sk_max_ack_backlog;
    kframe_.ret(full);
    return full;
}

static bool inet_csk_reqsk_queue_is_full(Kernel& k, SockId sk) {
    KFRAME(k, inet_csk_reqsk_queue_is_full);
    const Sock& s = k.w.socks[sk];
    bool full = static_cast<uint32_t>(s.qlen) > s.sk_max_ack_backlog;
    kframe_.ret(full);
    return full;
}

static bool tcp_syn_flood_action(Kernel& k, SockId sk) {
    KFRAME(k, tcp_syn_flood_action);
    bool want_cookie = false;
    if (k.w.sysctl.tcp_syncookies) {
        want_cookie = true;
        mib_inc(k, Mib::TCPReqQFullDoCookies);
    } else {
        mib_inc(k, Mib::TCPReqQFullDrop);
    }
    // "Possible SYN flooding on port N" is logged once per listener.
    if (!k.w.socks[sk].synflood_warned && k.w.sysctl.tcp_syncookies != 2)
        KSET(k, sk, synflood_warned, true);
    kframe_.ret(want_cookie);
    return want_cookie;
}

void tcp_conn_request(Kernel& k, SockId sk, const Packet& p) {
    KFRAME(k, tcp_conn_request);
    int syncookies = k.w.sysctl.tcp_syncookies;
    bool want_cookie = false;
    if (syncookies == 2 || inet_csk_reqsk_queue_is_full(k, sk)) {
        want_cookie = tcp_syn_flood_action(k, sk);
        if (!want_cookie) { mib_inc(k, Mib::ListenDrops); return; }
    }
    if (sk_acceptq_is_full(k, sk)) {
        mib_inc(k, Mib::ListenOverflows);
        mib_inc(k, Mib::ListenDrops);
        return;
    }
    if (!want_cookie) {
        int max_syn_backlog = k.w.sysctl.tcp_max_syn_backlog;
        if (!syncookies && (max_syn_backlog - k.w.socks[sk].qlen < (max_syn_backlog >> 2))) {
            mib_inc(k, Mib::ListenDrops);  // "drop open request from ..."
            return;
        }
    }
    ReqId req = inet_reqsk_alloc(k, sk, p, p.seq);
    uint32_t isn = want_cookie ? cookie_v4_init_sequence(k, sk, p)
                               : secure_tcp_seq(k, p.daddr, p.saddr, p.dport, p.sport);
    KSET(k, req, snt_isn, isn);
    if (want_cookie) {
        tcp_send_synack(k, req, true, isn);
        reqsk_free(k, req);  // a cookie connection keeps no state
        return;
    }
    inet_csk_reqsk_queue_hash_add(k, sk, req);
    tcp_send_synack(k, req, false, isn);
}

void tcp_reset(Kernel& k, SockId sk) {
    KFRAME(k, tcp_reset);
    switch (k.w.socks[sk].sk_state) {
    case TCP_SYN_SENT: KSET(k, sk, sk_err, ECONNREFUSED); break;
    case TCP_CLOSE_WAIT: KSET(k, sk, sk_err, EPIPE); break;
    case TCP_CLOSE: return;
    default: KSET(k, sk, sk_err, ECONNRESET); break;
    }
    tcp_done(k, sk);
}

static void tcp_fin(Kernel& k, SockId sk) {
    KFRAME(k, tcp_fin);
    KSET(k, sk, sk_shutdown, k.w.socks[sk].sk_shutdown | RCV_SHUTDOWN);
    KSET(k, sk, sk_flags, k.w.socks[sk].sk_flags | SOCK_DONE);
    switch (k.w.socks[sk].sk_state) {
    case TCP_SYN_RECV:
    case TCP_ESTABLISHED:
        tcp_set_state(k, sk, TCP_CLOSE_WAIT);
        tcp_send_ack(k, sk);
        break;
    case TCP_CLOSE_WAIT:
    case TCP_CLOSING:
    case TCP_LAST_ACK:
        break;  // a retransmitted FIN
    case TCP_FIN_WAIT1:
        tcp_send_ack(k, sk);
        tcp_set_state(k, sk, TCP_CLOSING);
        break;
    case TCP_FIN_WAIT2:
        tcp_send_ack(k, sk);
        tcp_time_wait(k, sk, TCP_TIME_WAIT, 0);
        return;
    default:
        break;
    }
    if (!(k.w.socks[sk].sk_flags & SOCK_DEAD)) sk_state_change(k, sk);
}

// Our SYN is acknowledged (a SYN-ACK, or the ACK of a simultaneous open):
// nothing is left to retransmit.
static void tcp_syn_acked(Kernel& k, SockId sk) { tcp_clear_retransmit_timer(k, sk); }

// SYN_SENT: the answer to our SYN.
static int tcp_rcv_synsent_state_process(Kernel& k, SockId sk, const Packet& p) {
    KFRAME(k, tcp_rcv_synsent_state_process);
    Sock& s = k.w.socks[sk];
    if (p.flags & TH_ACK) {
        if (p.ack_seq != s.snd_nxt) {
            if (p.flags & TH_RST) KRET(0);  // not ours: discard
            KRET(1);                          // reset the sender
        }
        if (p.flags & TH_RST) { tcp_reset(k, sk); KRET(0); }
        if (!(p.flags & TH_SYN)) KRET(0);
        // tcp_finish_connect
        KSET(k, sk, rcv_nxt, p.seq + 1);
        KSET(k, sk, snd_una, p.ack_seq);
        tcp_syn_acked(k, sk);
        tcp_set_state(k, sk, TCP_ESTABLISHED);
        tcp_send_ack(k, sk);
        if (!(k.w.socks[sk].sk_flags & SOCK_DEAD)) sk_state_change(k, sk);
        KRET(0);
    }
    // No ACK: a RST is ignored. A bare SYN means the SYNs crossed: a
    // simultaneous open, and connect() to the socket's own address and
    // port is one (its SYN comes back to it). SYN_RECV, and our SYN goes
    // out again carrying the ACK.
    if (p.flags & TH_RST) KRET(0);
    if (p.flags & TH_SYN) {
        tcp_set_state(k, sk, TCP_SYN_RECV);
        KSET(k, sk, rcv_nxt, p.seq + 1);
        tcp_send_synack(k, sk);
    }
    KRET(0);
}

// Returns nonzero when the caller must answer with RST.
int tcp_rcv_state_process(Kernel& k, SockId sk, const Packet& p) {
    KFRAME(k, tcp_rcv_state_process);
    switch (k.w.socks[sk].sk_state) {
    case TCP_CLOSE:
        KRET(1);
    case TCP_LISTEN:
        if (p.flags & TH_ACK) {
            // An ACK for no request: maybe a SYN cookie.
            if (!(p.flags & TH_RST) && cookie_v4_check(k, sk, p)) KRET(0);
            KRET(1);
        }
        if (p.flags & TH_RST) KRET(0);
        if (p.flags & TH_SYN) {
            if (p.flags & TH_FIN) KRET(0);
            FrameGuard g(k, Fn::tcp_v4_conn_request);
            if (addr_is_multicast(p.daddr) || addr_is_broadcast(p.daddr)) {
                mib_inc(k, Mib::ListenDrops);
                KRET(0);
            }
            tcp_conn_request(k, sk, p);
            KRET(0);  // a dropped SYN is never answered with RST
        }
        KRET(0);
    case TCP_SYN_SENT:
        KRET(tcp_rcv_synsent_state_process(k, sk, p));
    default:
        break;
    }
    Sock& s = k.w.socks[sk];
    if (p.flags & TH_RST) {
        if (p.seq == s.rcv_nxt) tcp_reset(k, sk);
        KRET(0);
    }
    // The SYN-ACK of a simultaneous open, in SYN_RECV on a full sock: it
    // acknowledges our SYN and repeats theirs, so it passes (the check of
    // tcp_validate_incoming) and the ACK below completes the handshake.
    bool crossed_synack = s.sk_state == TCP_SYN_RECV && s.sk_socket && (p.flags & TH_SYN) &&
                          (p.flags & TH_ACK) && p.seq + 1 == s.rcv_nxt && p.ack_seq == s.snd_nxt;
    if ((p.flags & TH_SYN) && !crossed_synack) {
        // A retransmitted SYN-ACK for a connection we already ACKed: the
        // old sequence number is out of window, answer with a dup ACK.
        if (p.seq + 1 == s.rcv_nxt) tcp_send_ack(k, sk);
        KRET(0);
    }
    if (!(p.flags & TH_ACK)) KRET(0);
    int st = k.w.socks[sk].sk_state;
    bool fin_acked = k.w.socks[sk].fin_sent && p.ack_seq == k.w.socks[sk].snd_nxt;
    if (p.ack_seq == k.w.socks[sk].snd_nxt) KSET(k, sk, snd_una, p.ack_seq);
    // tcp_ack: the FIN is acknowledged, nothing is left to retransmit.
    if (fin_acked && k.w.socks[sk].icsk_retransmit_timer) tcp_clear_retransmit_timer(k, sk);
    switch (st) {
    case TCP_SYN_RECV:
        if (p.ack_seq != k.w.socks[sk].snd_nxt) KRET(1);
        tcp_syn_acked(k, sk);
        tcp_set_state(k, sk, TCP_ESTABLISHED);
        if (!(k.w.socks[sk].sk_flags & SOCK_DEAD)) sk_state_change(k, sk);
        // A child inherits sk_shutdown from its listener; a write shutdown
        // that came before the handshake is carried out now.
        if (k.w.socks[sk].sk_shutdown & SEND_SHUTDOWN) tcp_shutdown(k, sk, SEND_SHUTDOWN);
        break;
    case TCP_FIN_WAIT1:
        if (!fin_acked) break;
        tcp_set_state(k, sk, TCP_FIN_WAIT2);
        KSET(k, sk, sk_shutdown, k.w.socks[sk].sk_shutdown | SEND_SHUTDOWN);
        if (!(k.w.socks[sk].sk_flags & SOCK_DEAD)) {
            sk_state_change(k, sk);
            break;
        }
        // An orphan. A FIN beyond the next byte we expect means data came
        // after close(): abort and reset the peer.
        if ((p.flags & TH_FIN) && static_cast<int32_t>(p.seq - k.w.socks[sk].rcv_nxt) > 0) {
            tcp_done(k, sk);
            mib_inc(k, Mib::TCPAbortOnData);
            KRET(1);
        }
        // Otherwise it waits for the peer's FIN (as a timewait sock, or on
        // the keepalive timer when that FIN is in this very segment).
        if (tcp_fin_wait2_orphan(k, sk, p.flags & TH_FIN)) KRET(0);
        break;
    case TCP_CLOSING:
        if (fin_acked) {
            tcp_time_wait(k, sk, TCP_TIME_WAIT, 0);
            KRET(0);
        }
        break;
    case TCP_LAST_ACK:
        if (fin_acked) {
            tcp_done(k, sk);
            KRET(0);
        }
        break;
    default:
        break;
    }
    if ((p.flags & TH_FIN) && k.w.socks.contains(sk) && p.seq == k.w.socks[sk].rcv_nxt) {
        KSET(k, sk, rcv_nxt, p.seq + 1);
        tcp_fin(k, sk);
    }
    KRET(0);
}

}  // inline namespace SOCKSCOPE_MODEL_VARIANT
}  // namespace sockscope
