// tcp_minisocks.cpp — the small socks: net/ipv4/tcp_minisocks.c and
// inet_timewait_sock.c.
//
// Models tcp_check_req (a retransmitted SYN resends the SYN-ACK; a wrong
// ACK goes to the listener, which resets; RST or SYN resets the embryo; an
// ACK makes the child unless the accept queue is full, in which case the
// ACK is silently dropped and the request marked acked — or reset with
// tcp_abort_on_overflow), tcp_time_wait (a timewait sock takes the full
// sock's place in ehash and in the bind bucket), the timewait state machine
// (FIN_WAIT2 substate waiting for the peer's FIN, then TIME_WAIT for 60 s)
// and inet_twsk_kill. Left out: PAWS, tcp_tw_reuse/recycle, TFO, defer-accept.
#include "kernel/model.h"

namespace sockscope {
inline namespace SOCKSCOPE_MODEL_VARIANT {  // kernel.h: built twice

SockId tcp_v4_make_child(Kernel& k, SockId listener, ReqId req);  // tcp_ipv4.cpp

static void embryonic_reset(Kernel& k, ReqId req, const Packet& p) {
    SockId listener = k.w.reqs[req].rsk_listener;
    if (!(p.flags & TH_RST)) tcp_v4_send_reset(k, p);
    inet_csk_reqsk_queue_drop(k, listener, req);
    mib_inc(k, Mib::EmbryonicRsts);
    reqsk_free(k, req);
}

SockId tcp_check_req(Kernel& k, ReqId req, const Packet& p, bool* to_listener) {
    KFRAME(k, tcp_check_req);
    const RequestSock& r = k.w.reqs[req];
    SockId listener = r.rsk_listener;
    // 1. A retransmitted SYN: answer it again.
    if (p.flags == TH_SYN && p.seq == r.rcv_isn) {
        tcp_send_synack(k, req, false, r.snt_isn);
        KSET(k, req, num_retrans, k.w.reqs[req].num_retrans + 1);
        return SockId{};
    }
    // 2. An ACK for something we never sent: the listener answers (RST).
    if ((p.flags & TH_ACK) && p.ack_seq != r.snt_isn + 1) {
        *to_listener = true;
        return SockId{};
    }
    // 4. RST or SYN kills the embryo.
    if (p.flags & (TH_RST | TH_SYN)) {
        mib_inc(k, Mib::AttemptFails);
        embryonic_reset(k, req, p);
        return SockId{};
    }
    // 5. Nothing to acknowledge: drop.
    if (!(p.flags & TH_ACK)) return SockId{};
    // 8. The child, if the accept queue has room.
    SockId child = tcp_v4_make_child(k, listener, req);
    if (!child) {
        if (!k.w.sysctl.tcp_abort_on_overflow) {
            // listen_overflow: the ACK is dropped; the request stays and
            // keeps resending SYN-ACKs, each answered by a new ACK.
            KSET(k, req, acked, true);
            return SockId{};
        }
        embryonic_reset(k, req, p);
        return SockId{};
    }
    return inet_csk_complete_hashdance(k, listener, child, req);
}

void tcp_time_wait(Kernel& k, SockId sk, int state, int timeo_ms) {
    KFRAME(k, tcp_time_wait);
    const Sock& s = k.w.socks[sk];
    TwId tw = create<TwId>(k);
    KSET(k, tw, tw_substate, state);
    KSET(k, tw, tw_reuse, s.sk_reuse);
    KSET(k, tw, tw_reuseport, s.sk_reuseport);
    KSET(k, tw, tw_uid, s.sk_uid);
    KSET(k, tw, tw_rcv_saddr, s.inet_rcv_saddr);
    KSET(k, tw, tw_daddr, s.inet_daddr);
    KSET(k, tw, tw_num, s.inet_num);
    KSET(k, tw, tw_dport, s.inet_dport);
    KSET(k, tw, tw_snd_nxt, s.snd_nxt);
    KSET(k, tw, tw_rcv_nxt, s.rcv_nxt);
    // inet_twsk_hashdance_schedule: the timewait sock joins the bind bucket
    // and takes the full sock's place in ehash.
    BucketId tb = k.w.socks[sk].icsk_bind_hash;
    if (tb) {
        KSET(k, tw, tw_tb, tb);
        k.w.buckets[tb].tw_owners.push_back(tw);
        link(k, Ev::LinkAdd, ObjKind::Bucket, tb.v, Link::bucket_tw, 0, tw.v);
    }
    inet_ehash_replace(k, sk_four_tuple(k.w.socks[sk]), ObjKind::Tw, tw.v);
    KSET(k, sk, ehashed, false);
    if (state == TCP_TIME_WAIT) timeo_ms = 60000;  // TCP_TIMEWAIT_LEN
    TimerId tm = mod_timer(k, TimerId{}, TimerKind::tw_timer, tw.v, k.w.now + timeo_ms);
    KSET(k, tw, tw_timer, tm);
    tcp_done(k, sk);
}

void inet_twsk_kill(Kernel& k, TwId tw) {
    KFRAME(k, inet_twsk_kill);
    const TimewaitSock& t = k.w.tws[tw];
    inet_ehash_remove_if(k, FourTuple{t.tw_rcv_saddr, t.tw_num, t.tw_daddr, t.tw_dport}, ObjKind::Tw, tw.v);
    BucketId tb = t.tw_tb;
    if (tb) {
        auto& v = k.w.buckets[tb].tw_owners;
        for (size_t i = 0; i < v.size(); ++i)
            if (v[i] == tw) { v.erase(v.begin() + static_cast<long>(i)); break; }
        link(k, Ev::LinkDel, ObjKind::Bucket, tb.v, Link::bucket_tw, 0, tw.v);
        const BindBucket& b = k.w.buckets[tb];
        if (b.owners.empty() && b.tw_owners.empty()) {
            k.w.bhash.erase({b.table, b.port});
            destroy(k, tb);
        }
    }
    TimerId tm = k.w.tws[tw].tw_timer;
    if (tm) del_timer(k, tm);
    destroy(k, tw);
}

static void tw_send(Kernel& k, TwId tw, uint8_t flags) {
    const TimewaitSock& t = k.w.tws[tw];
    Packet p;
    p.saddr = t.tw_rcv_saddr;
    p.sport = t.tw_num;
    p.daddr = t.tw_daddr;
    p.dport = t.tw_dport;
    p.flags = flags;
    p.seq = t.tw_snd_nxt;
    p.ack_seq = t.tw_rcv_nxt;
    ip_queue_xmit(k, p);
}

static void tw_reschedule(Kernel& k, TwId tw, int64_t ms) {
    TimerId tm = mod_timer(k, k.w.tws[tw].tw_timer, TimerKind::tw_timer, tw.v, k.w.now + ms);
    KSET(k, tw, tw_timer, tm);
}

void tcp_timewait_state_process(Kernel& k, TwId tw, const Packet& p, bool* tw_syn) {
    KFRAME(k, tcp_timewait_state_process);
    const TimewaitSock& t = k.w.tws[tw];
    if (t.tw_substate == TCP_FIN_WAIT2) {
        if (p.flags & TH_RST) { inet_twsk_kill(k, tw); return; }
        // !before(seq, tw_rcv_nxt), in sequence-space arithmetic
        if ((p.flags & TH_SYN) && static_cast<int32_t>(p.seq - t.tw_rcv_nxt) >= 0) { tcp_v4_send_reset(k, p); return; }
        if (!(p.flags & TH_FIN)) return;  // a duplicate ACK
        if (p.seq != t.tw_rcv_nxt) { tcp_v4_send_reset(k, p); return; }
        // The peer's FIN: true TIME_WAIT now.
        KSET(k, tw, tw_substate, TCP_TIME_WAIT);
        KSET(k, tw, tw_rcv_nxt, p.seq + 1);
        tw_reschedule(k, tw, 60000);
        tw_send(k, tw, TH_ACK);
        return;
    }
    // Real TIME_WAIT: a RST kills it (RFC 1337 not enabled), a
    // retransmitted FIN is ACKed again and restarts the 60 s.
    if (p.flags & TH_RST) {
        inet_twsk_kill(k, tw);
        return;
    }
    if ((p.flags & TH_FIN) && p.seq + 1 == t.tw_rcv_nxt) {
        tw_reschedule(k, tw, 60000);
        tw_send(k, tw, TH_ACK);
        return;
    }
    if ((p.flags & TH_SYN) && !(p.flags & (TH_RST | TH_ACK)) &&
        static_cast<int32_t>(p.seq - t.tw_rcv_nxt) > 0) {
        // TCP_TW_SYN: a new connection on the same 4-tuple with a higher
        // sequence number ends TIME_WAIT early; a listener takes the SYN.
        *tw_syn = true;
        inet_twsk_kill(k, tw);
        return;
    }
    tw_send(k, tw, TH_ACK);  // out of window: tell the sender where we are
}

}  // inline namespace SOCKSCOPE_MODEL_VARIANT
}  // namespace sockscope
