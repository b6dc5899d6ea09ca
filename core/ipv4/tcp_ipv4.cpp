// tcp_ipv4.cpp — TCP over IPv4: net/ipv4/tcp_ipv4.c.
//
// Models tcp_v4_connect (route check, source address, SYN_SENT, ephemeral
// port, tcp_connect), tcp_v4_rcv's demultiplexing (established hash first:
// full sock, request sock or timewait; then the listening hash; no one
// there means RST), tcp_v4_do_rcv, tcp_v4_conn_request, tcp_v4_syn_recv_sock
// (accept queue full -> ListenOverflows + ListenDrops, else the child),
// tcp_v4_send_reset and tcp_v4_destroy_sock. Routing is the model's: the
// loopback range is local, a user-driven peer's address is reachable, any
// other destination is ENETUNREACH (as in a network namespace with only lo).
// Left out: MD5/AO signatures, PAWS and timestamps, window checks beyond
// exact sequence numbers, reuseport BPF selection.
#include "kernel/model.h"

namespace sockscope {
inline namespace SOCKSCOPE_MODEL_VARIANT {  // kernel.h: built twice

static bool route_exists(Kernel& k, uint32_t daddr) {
    if (addr_is_loopback(daddr)) return true;
    return static_cast<bool>(peer_at(k.w, daddr));
}

int tcp_v4_connect(Kernel& k, TaskId t, SockId sk, const SockAddrIn& a) {
    KFRAME(k, tcp_v4_connect);
    if (a.len < 16) KRET(-EINVAL);
    if (a.family != AF_INET) KRET(-EAFNOSUPPORT);
    // ip_route_connect: 0.0.0.0 means this host (the bound address or
    // 127.0.0.1).
    uint32_t daddr = a.addr;
    if (!daddr) daddr = k.w.socks[sk].inet_saddr ? k.w.socks[sk].inet_saddr : INADDR_LOOPBACK;
    if (addr_is_multicast(daddr) || addr_is_broadcast(daddr) || !route_exists(k, daddr))
        KRET(-ENETUNREACH);
    if (!k.w.socks[sk].inet_saddr) {
        // the route's source: 127.0.0.1 for every destination the model has
        KSET(k, sk, inet_saddr, static_cast<uint32_t>(INADDR_LOOPBACK));
        KSET(k, sk, inet_rcv_saddr, static_cast<uint32_t>(INADDR_LOOPBACK));
    }
    KSET(k, sk, inet_dport, a.port);
    KSET(k, sk, inet_daddr, daddr);
    tcp_set_state(k, sk, TCP_SYN_SENT);
    // Measured on 6.18: a sock that once listened cannot be hashed for a
    // connection (EINVAL); see Sock::connect_tried for the mirror case.
    int err = k.w.socks[sk].listen_tried ? -EINVAL : inet_hash_connect(k, sk);
    if (err) {
        tcp_set_state(k, sk, TCP_CLOSE);
        if (!(k.w.socks[sk].sk_userlocks & SOCK_BINDADDR_LOCK)) {
            KSET(k, sk, inet_saddr, 0u);
            KSET(k, sk, inet_rcv_saddr, 0u);
        }
        KSET(k, sk, inet_dport, 0);
        KRET(err);
    }
    {
        const Sock& s = k.w.socks[sk];
        KSET(k, sk, snd_isn, secure_tcp_seq(k, s.inet_saddr, s.inet_daddr, s.inet_sport, s.inet_dport));
    }
    tcp_connect(k, sk);
    KRET(0);
}

void tcp_v4_send_reset(Kernel& k, const Packet& in) {
    KFRAME(k, tcp_v4_send_reset);
    if (in.flags & TH_RST) return;  // never answer a RST with a RST
    Packet rst;
    rst.saddr = in.daddr;
    rst.sport = in.dport;
    rst.daddr = in.saddr;
    rst.dport = in.sport;
    if (in.flags & TH_ACK) {
        rst.flags = TH_RST;
        rst.seq = in.ack_seq;
    } else {
        rst.flags = TH_RST | TH_ACK;
        rst.ack_seq = in.seq + ((in.flags & TH_SYN) ? 1 : 0) + ((in.flags & TH_FIN) ? 1 : 0);
    }
    mib_inc(k, Mib::OutRsts);
    ip_queue_xmit(k, rst);
}

void tcp_v4_destroy_sock(Kernel& k, SockId sk) {
    KFRAME(k, tcp_v4_destroy_sock);
    tcp_clear_xmit_timers(k, sk);
    if (k.w.socks[sk].icsk_bind_hash) inet_put_port(k, sk);
}

// tcp_listendrop: every listener-side drop.
static void tcp_listendrop(Kernel& k) { mib_inc(k, Mib::ListenDrops); }

// tcp_v4_syn_recv_sock: a full accept queue refuses the child.
static SockId tcp_v4_syn_recv_sock(Kernel& k, SockId listener, ReqId req) {
    KFRAME(k, tcp_v4_syn_recv_sock);
    if (sk_acceptq_is_full(k, listener)) {
        mib_inc(k, Mib::ListenOverflows);
        tcp_listendrop(k);
        return SockId{};
    }
    SockId child;
    {
        FrameGuard g(k, Fn::tcp_create_openreq_child);
        child = inet_csk_clone_lock(k, listener, req);
        mib_inc(k, Mib::PassiveOpens);
    }
    __inet_inherit_port(k, listener, child);
    // inet_ehash_nolisten: the child replaces the request in ehash.
    {
        FrameGuard g(k, Fn::inet_ehash_nolisten);
        const RequestSock& r = k.w.reqs[req];
        FourTuple key{r.ir_loc_addr, r.ir_num, r.ir_rmt_addr, r.ir_rmt_port};
        inet_ehash_replace(k, key, ObjKind::Sock, child.v);
        KSET(k, child, ehashed, true);
    }
    return child;
}

// Builds a request sock for an incoming SYN and runs tcp_conn_request's
// later half; exposed for the cookie path too.
SockId tcp_v4_make_child(Kernel& k, SockId listener, ReqId req) { return tcp_v4_syn_recv_sock(k, listener, req); }

// Lookup: the best-scoring listener for (daddr, dport). An exact address
// beats the wildcard; among SO_REUSEPORT equals the 4-tuple hash picks.
static SockId inet_lookup_listener(Kernel& k, const Packet& p) {
    auto it = k.w.lhash.find(p.dport);
    if (it == k.w.lhash.end()) return SockId{};
    // The reuseport group is the best listener and every later one of the
    // same score (when both set SO_REUSEPORT). Counted in one pass and
    // picked in a second, rather than gathered into a vector: this runs
    // for every segment a listener's port receives.
    const std::vector<SockId>& ls = it->second;
    auto score_of = [&](const Sock& s) {
        if (s.inet_rcv_saddr == p.daddr) return 2;
        if (s.inet_rcv_saddr == 0) return 1;
        return 0;
    };
    SockId best;
    size_t best_at = 0;
    int best_score = 0;
    size_t group = 0;
    for (size_t i = 0; i < ls.size(); ++i) {
        const Sock& s = k.w.socks[ls[i]];
        int score = score_of(s);
        if (!score) continue;
        if (score > best_score) {
            best_score = score;
            best = ls[i];
            best_at = i;
            group = 1;
        } else if (score == best_score && s.sk_reuseport && k.w.socks[best].sk_reuseport) {
            ++group;
        }
    }
    if (group > 1) {
        // the kernel hashes the 4-tuple; any good mix spreads clients
        uint32_t h = (p.saddr ^ (static_cast<uint32_t>(p.sport) << 16 | p.dport)) * 0x9E3779B1u;
        h ^= h >> 15;
        h *= 0x85EBCA6Bu;
        h ^= h >> 13;
        size_t pick = h % group;
        // best's own reuseport flag is fixed, so the members are best and
        // the later reuseport listeners of its score, in list order.
        if (pick == 0) return best;
        for (size_t i = best_at + 1; i < ls.size(); ++i) {
            const Sock& s = k.w.socks[ls[i]];
            if (score_of(s) == best_score && s.sk_reuseport && --pick == 0) return ls[i];
        }
    }
    return best;
}

static void tcp_v4_do_rcv(Kernel& k, SockId sk, const Packet& p) {
    KFRAME(k, tcp_v4_do_rcv);
    if (tcp_rcv_state_process(k, sk, p)) tcp_v4_send_reset(k, p);
}

void tcp_v4_rcv(Kernel& k, const Packet& p) {
    KFRAME(k, tcp_v4_rcv);
    for (int lookup = 0; lookup < 2; ++lookup) {
        FourTuple key{p.daddr, p.dport, p.saddr, p.sport};
        auto it = k.w.ehash.find(key);
        if (it != k.w.ehash.end()) {
            EhashEntry e = it->second;
            if (e.kind == ObjKind::Req) {
                ReqId req(e.id);
                SockId listener = k.w.reqs[req].rsk_listener;
                if (k.w.socks[listener].sk_state != TCP_LISTEN) {
                    // The listener closed: drop the request, look again.
                    inet_csk_reqsk_queue_drop(k, listener, req);
                    reqsk_free(k, req);
                    continue;
                }
                bool to_listener = false;
                SockId child = tcp_check_req(k, req, p, &to_listener);
                if (to_listener) { tcp_v4_do_rcv(k, listener, p); return; }
                if (child) {
                    FrameGuard g(k, Fn::tcp_child_process);
                    tcp_rcv_state_process(k, child, p);
                    sk_data_ready(k, listener);  // wakes one accept()
                }
                return;
            }
            if (e.kind == ObjKind::Tw) {
                bool tw_syn = false;
                tcp_timewait_state_process(k, TwId(e.id), p, &tw_syn);
                if (!tw_syn) return;
                // the timewait sock is gone: a listener may take the SYN
                SockId l = inet_lookup_listener(k, p);
                if (l) tcp_v4_do_rcv(k, l, p);
                else tcp_v4_send_reset(k, p);
                return;
            }
            tcp_v4_do_rcv(k, SockId(e.id), p);
            return;
        }
        SockId l;
        {
            FrameGuard g(k, Fn::__inet_lookup_skb);
            l = inet_lookup_listener(k, p);
        }
        if (l) { tcp_v4_do_rcv(k, l, p); return; }
        break;
    }
    // no socket: "connection refused"
    tcp_v4_send_reset(k, p);
}

}  // inline namespace SOCKSCOPE_MODEL_VARIANT
}  // namespace sockscope
