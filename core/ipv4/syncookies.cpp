// syncookies.cpp — SYN cookies: net/ipv4/syncookies.c.
//
// When the SYN queue is full and tcp_syncookies allows it, the listener
// answers with a SYN-ACK whose sequence number encodes the connection and
// keeps nothing. The returning ACK is checked against the cookie (and a
// recent overflow, within two minutes), and only then does a request sock
// exist, straight into syn_recv_sock and the accept queue. The model's
// cookie is a hash of the 4-tuple and a per-minute counter; the kernel's
// also encodes MSS and uses secret keys. Left out: timestamps, ECN bits.
#include "kernel/model.h"

namespace sockscope {
inline namespace SOCKSCOPE_MODEL_VARIANT {  // kernel.h: built twice

SockId tcp_v4_make_child(Kernel& k, SockId listener, ReqId req);  // tcp_ipv4.cpp
SockId inet_csk_complete_hashdance(Kernel& k, SockId listener, SockId child, ReqId req);

static uint32_t cookie_hash(const Packet& p, int64_t minute) {
    uint32_t h = 0x9e3779b9u;
    for (uint32_t v : {p.saddr, p.daddr, static_cast<uint32_t>(p.sport), static_cast<uint32_t>(p.dport),
                       static_cast<uint32_t>(minute)})
        h = (h ^ v) * 0x01000193u;
    return h;
}

uint32_t cookie_v4_init_sequence(Kernel& k, SockId listener, const Packet& p) {
    KFRAME(k, cookie_init_sequence);
    KSET(k, listener, last_overflow, k.w.now);  // tcp_synq_overflow
    mib_inc(k, Mib::SyncookiesSent);
    return cookie_hash(p, k.w.now / 60000) + p.seq;
}

bool cookie_v4_check(Kernel& k, SockId listener, const Packet& p) {
    if (!k.w.sysctl.tcp_syncookies) return false;
    const Sock& l = k.w.socks[listener];
    // tcp_synq_no_recent_overflow: cookies only shortly after sending them.
    if (l.last_overflow < 0 || k.w.now - l.last_overflow > 120000) return false;
    KFRAME(k, cookie_v4_check);
    uint32_t seq_sent = p.seq - 1;  // the client's ISN
    uint32_t cookie = p.ack_seq - 1;
    int64_t minute = k.w.now / 60000;
    bool ok = false;
    for (int64_t m = minute; m >= minute - 1 && m >= 0; --m)
        if (cookie == cookie_hash(p, m) + seq_sent) ok = true;
    if (!ok) {
        mib_inc(k, Mib::SyncookiesFailed);
        kframe_.ret(-1);
        return false;
    }
    mib_inc(k, Mib::SyncookiesRecv);
    // Rebuild the request the cookie stood for, then the usual child path.
    ReqId req = inet_reqsk_alloc(k, listener, p, seq_sent);
    KSET(k, req, snt_isn, cookie);
    SockId child = tcp_v4_make_child(k, listener, req);
    if (!child) {
        reqsk_free(k, req);
        return true;  // dropped, but handled: no RST
    }
    // A cookie request never sat in the SYN queue: count it in so the
    // hashdance's count-out balances.
    KSET(k, listener, qlen, k.w.socks[listener].qlen + 1);
    KSET(k, listener, young, k.w.socks[listener].young + 1);
    child = inet_csk_complete_hashdance(k, listener, child, req);
    if (child) {
        FrameGuard g(k, Fn::tcp_child_process);
        tcp_rcv_state_process(k, child, p);
        sk_data_ready(k, listener);
    }
    return true;
}

}  // inline namespace SOCKSCOPE_MODEL_VARIANT
}  // namespace sockscope
