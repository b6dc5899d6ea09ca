// inet_connection_sock.c's model: ports, listening, the two queues.
//
// From net/ipv4/inet_connection_sock.c: inet_csk_get_port with
// inet_csk_find_open_port (odd ports first, the lower half first under
// SO_REUSEADDR) and inet_bind_conflict's rules (SO_REUSEADDR shares a port
// only while no one listens on it; SO_REUSEPORT needs the same uid; a
// timewait owner counts with the reuse flags of the sock it came from),
// inet_csk_listen_start/stop, inet_csk_accept with its exclusive sleep, the
// request-sock queue (SYN queue length qlen/young, request timers with
// SYN-ACK backoff and pruning), the hashdance that moves a connection from
// the SYN queue to the accept queue, inet_child_forget and
// inet_csk_destroy_sock. The kernel picks a random start in the port range;
// the model starts at low + 1 so runs are reproducible.
// Left out: reuseport migration, TFO, ULPs, bhash2, l3mdev.
#include <algorithm>

#include "kernel/model.h"

namespace sockscope {
inline namespace SOCKSCOPE_MODEL_VARIANT {  // kernel.h: built twice

// ---------------------------------------------------------------- ports

namespace {

struct Owner {          // a sock or a timewait sock, as the conflict test sees it
    bool is_self = false;
    int reuse = 0, reuseport = 0, state = TCP_CLOSE;
    uint32_t uid = 0, rcv_saddr = 0;
};

// inet_bind_conflict for one pair, then the address overlap test
// (inet_rcv_saddr_equal with wildcards).
bool pair_conflicts(const Sock& sk, const Owner& o, bool relax, bool reuseport_ok) {
    bool conflict;
    if (sk.sk_reuse && o.reuse && o.state != TCP_LISTEN) {
        conflict = !relax || (!reuseport_ok && sk.sk_reuseport && o.reuseport &&
                              (o.state == TCP_TIME_WAIT || sk.sk_uid == o.uid));
    } else {
        conflict = !reuseport_ok || !sk.sk_reuseport || !o.reuseport ||
                   (o.state != TCP_TIME_WAIT && sk.sk_uid != o.uid);
    }
    if (!conflict) return false;
    return sk.inet_rcv_saddr == 0 || o.rcv_saddr == 0 || sk.inet_rcv_saddr == o.rcv_saddr;
}

std::vector<Owner> owners_of(Kernel& k, BucketId tb, SockId self) {
    std::vector<Owner> out;
    const BindBucket& b = k.w.buckets[tb];
    for (SockId o : b.owners) {
        if (o == self) continue;
        const Sock& s = k.w.socks[o];
        out.push_back({false, s.sk_reuse, s.sk_reuseport, s.sk_state, s.sk_uid, s.inet_rcv_saddr});
    }
    for (TwId t : b.tw_owners) {
        const TimewaitSock& tw = k.w.tws[t];
        out.push_back({false, tw.tw_reuse, tw.tw_reuseport, TCP_TIME_WAIT, tw.tw_uid, tw.tw_rcv_saddr});
    }
    return out;
}

}  // namespace

static bool inet_csk_bind_conflict(Kernel& k, SockId sk, BucketId tb, bool relax, bool reuseport_ok) {
    KFRAME(k, inet_csk_bind_conflict);
    const Sock& s = k.w.socks[sk];
    for (const Owner& o : owners_of(k, tb, sk))
        if (pair_conflicts(s, o, relax, reuseport_ok)) { kframe_.ret(1); return true; }
    return false;
}

constexpr int FASTREUSEPORT_ANY = 1, FASTREUSEPORT_STRICT = 2;

// The bucket's reuseport fast path: every owner so far set SO_REUSEPORT
// with this uid (ANY), or the fast path was reset by a later reuseport
// owner (STRICT) and holds only for its address or when it was a wildcard.
static bool sk_reuseport_match(Kernel& k, BucketId tb, SockId sk) {
    const BindBucket& b = k.w.buckets[tb];
    const Sock& s = k.w.socks[sk];
    if (b.fastreuseport <= 0 || !s.sk_reuseport || b.fastuid != s.sk_uid) return false;
    if (b.fastreuseport == FASTREUSEPORT_ANY) return true;
    return b.fast_rcv_saddr == s.inet_rcv_saddr || b.fast_rcv_saddr == 0;
}

static void set_fast_reuseport(Kernel& k, BucketId tb, const Sock& s, int mode) {
    KSET(k, tb, fastreuseport, mode);
    KSET(k, tb, fastuid, s.sk_uid);
    KSET(k, tb, fast_rcv_saddr, s.inet_rcv_saddr);
}

static void inet_csk_update_fastreuse(Kernel& k, BucketId tb, SockId sk) {
    const Sock& s = k.w.socks[sk];
    bool reuse = s.sk_reuse && s.sk_state != TCP_LISTEN;
    const BindBucket& b = k.w.buckets[tb];
    if (b.owners.empty() && b.tw_owners.empty()) {
        KSET(k, tb, fastreuse, reuse ? 1 : 0);
        if (s.sk_reuseport) set_fast_reuseport(k, tb, s, FASTREUSEPORT_ANY);
        else KSET(k, tb, fastreuseport, 0);
    } else {
        if (!reuse) KSET(k, tb, fastreuse, 0);
        // A reuseport sock that got here has no conflict with any owner:
        // the fast path restarts from it, STRICT so later socks are
        // checked against its address.
        if (!s.sk_reuseport) KSET(k, tb, fastreuseport, 0);
        else if (!sk_reuseport_match(k, tb, sk)) set_fast_reuseport(k, tb, s, FASTREUSEPORT_STRICT);
    }
}

// Returns the port, or 0 when the range is exhausted; *tbp is the existing
// bucket (or null).
static uint16_t inet_csk_find_open_port(Kernel& k, SockId sk, BucketId* tbp) {
    KFRAME(k, inet_csk_find_open_port);
    int attempt_half = k.w.socks[sk].sk_reuse == SK_CAN_REUSE ? 1 : 0;
    for (;;) {
        int low = k.w.sysctl.ip_local_port_range_lo;
        int high = k.w.sysctl.ip_local_port_range_hi + 1;
        if (high - low < 4) attempt_half = 0;
        if (attempt_half) {
            int half = low + (((high - low) >> 2) << 1);
            if (attempt_half == 1) high = half; else low = half;
        }
        int remaining = high - low;
        if (remaining > 1) remaining &= ~1;
        // The kernel starts at a random odd offset; the model at 1.
        for (int offset = 1; offset >= 0; --offset) {
            int port = low + offset;
            for (int i = 0; i < remaining; i += 2, port += 2) {
                if (port >= high) port -= remaining;
                BucketId tb = inet_bind_bucket_find(k, PortTable::tcp, static_cast<uint16_t>(port));
                // relax stays false: ip_autobind_reuse (default 0) would allow a
                // relaxed second search; the model has no such retry.
                if (tb && inet_csk_bind_conflict(k, sk, tb, false, false)) continue;
                *tbp = tb;
                return static_cast<uint16_t>(port);
            }
        }
        if (attempt_half == 1) { attempt_half = 2; continue; }
        return 0;
    }
}

int inet_csk_get_port(Kernel& k, SockId sk, uint16_t snum) {
    KFRAME(k, inet_csk_get_port);
    const Sock& s = k.w.socks[sk];
    bool reuse = s.sk_reuse && s.sk_state != TCP_LISTEN;
    BucketId tb;
    uint16_t port = snum;
    if (!snum) {
        port = inet_csk_find_open_port(k, sk, &tb);
        if (!port) KRET(-EADDRINUSE);
        if (!tb) tb = inet_bind_bucket_create(k, PortTable::tcp, port);
    } else {
        tb = inet_bind_bucket_find(k, PortTable::tcp, port);
        if (!tb) {
            tb = inet_bind_bucket_create(k, PortTable::tcp, port);
        } else if (!k.w.buckets[tb].owners.empty() || !k.w.buckets[tb].tw_owners.empty()) {
            bool fast = k.w.socks[sk].sk_reuse == SK_FORCE_REUSE ||
                        (k.w.buckets[tb].fastreuse > 0 && reuse) || sk_reuseport_match(k, tb, sk);
            if (!fast && inet_csk_bind_conflict(k, sk, tb, true, true)) KRET(-EADDRINUSE);
        }
    }
    inet_csk_update_fastreuse(k, tb, sk);
    if (!k.w.socks[sk].icsk_bind_hash) inet_bind_hash(k, sk, tb, port);
    KRET(0);
}

// ---------------------------------------------------------------- listen

int inet_csk_listen_start(Kernel& k, SockId sk) {
    KFRAME(k, inet_csk_listen_start);
    // reqsk_queue_alloc: an empty accept queue; nothing is sized.
    // (qlen, young and the SYN-flood warning belong to the socket's life,
    // not to one listen: requests left from before shutdown still count.)
    KSET(k, sk, sk_ack_backlog, 0u);
    // The state is set before the port is validated (harmless: hashing
    // comes later).
    KSET(k, sk, sk_state, TCP_LISTEN);
    int err = inet_csk_get_port(k, sk, k.w.socks[sk].inet_num);
    if (!err) {
        KSET(k, sk, inet_sport, k.w.socks[sk].inet_num);
        if (k.w.socks[sk].connect_tried) {
            // Measured on 6.18: a socket that once sent a SYN gets its port
            // here and then fails to hash as a listener (EINVAL); the state
            // goes back to CLOSE without tcp_set_state, so the port stays
            // and a later bind() is EINVAL too. See Sock::connect_tried.
            KSET(k, sk, sk_state, TCP_CLOSE);
            KRET(-EINVAL);
        }
        err = inet_hash(k, sk);
        if (!err) {
            KSET(k, sk, listen_tried, true);
            KRET(0);
        }
    }
    KSET(k, sk, sk_state, TCP_CLOSE);
    KRET(err);
}

// Unlink the head of the accept queue (reqsk_queue_remove).
static ReqId reqsk_queue_remove(Kernel& k, SockId sk) {
    KFRAME(k, reqsk_queue_remove);
    auto& q = k.w.socks[sk].rskq_accept;
    if (q.empty()) return ReqId{};
    ReqId req = q.front();
    q.erase(q.begin());
    link(k, Ev::LinkDel, ObjKind::Sock, sk.v, Link::accept_queue, 0, req.v);
    KSET(k, req, in_accept_queue, false);
    KSET(k, sk, sk_ack_backlog, k.w.socks[sk].sk_ack_backlog - 1);
    return req;
}

void inet_csk_listen_stop(Kernel& k, SockId sk) {
    KFRAME(k, inet_csk_listen_stop);
    // Children in the accept queue are reset and freed. Request socks
    // still in the SYN queue are not walked: their timers or the client's
    // final ACK will find the listener closed.
    while (ReqId req = reqsk_queue_remove(k, sk)) {
        SockId child = k.w.reqs[req].sk;
        inet_child_forget(k, sk, req, child);
        reqsk_free(k, req);
    }
}

// ---------------------------------------------------------------- accept

SockId inet_csk_accept(Kernel& k, TaskId t, SockId sk, int file_flags, int* err, bool resume) {
    KFRAME(k, inet_csk_accept);
    if (!sk) { *err = -EINVAL; kframe_.ret(-EINVAL); return SockId{}; }
    SocketId sock = k.w.socks[sk].sk_socket;
    if (!resume) {
        if (k.w.socks[sk].sk_state != TCP_LISTEN) { *err = -EINVAL; kframe_.ret(-EINVAL); return SockId{}; }
    }
    if (resume || k.w.socks[sk].rskq_accept.empty()) {
        FrameGuard g(k, Fn::inet_csk_wait_for_connect);
        int64_t timeo;
        if (!resume) {
            timeo = (file_flags & O_NONBLOCK) ? 0 : k.w.socks[sk].sk_rcvtimeo;
            if (timeo == 0) { *err = -EAGAIN; g.ret(-EAGAIN); kframe_.ret(-EAGAIN); return SockId{}; }
        } else {
            if (sock) finish_wait(k, sock, t);
            const Task& task = k.w.tasks[t];
            int e = 0;
            if (!k.w.socks[sk].rskq_accept.empty()) e = 0;
            else if (k.w.socks[sk].sk_state != TCP_LISTEN) e = -EINVAL;
            else if (task.signal_pending) { KSET(k, t, signal_pending, false); e = -EINTR; }
            else if (task.wait.deadline >= 0 && k.w.now >= task.wait.deadline) e = -EAGAIN;
            else e = 1;  // still nothing: sleep again
            if (e < 0) { *err = e; g.ret(e); kframe_.ret(e); return SockId{}; }
            if (e == 1) {
                prepare_to_wait(k, sock, t, true);
                SyscallFrame fr = task.wait;
                task_sleep(k, t, fr, fr.deadline < 0 ? -1 : fr.deadline - k.w.now);
                *err = SLEEPING;
                return SockId{};
            }
            timeo = 0;
        }
        if (!resume) {
            prepare_to_wait(k, sock, t, true);
            SyscallFrame fr;
            fr.kind = WaitKind::Accept;
            task_sleep(k, t, fr, timeo);
            *err = SLEEPING;
            return SockId{};
        }
    }
    ReqId req = reqsk_queue_remove(k, sk);
    SockId child = k.w.reqs[req].sk;
    reqsk_free(k, req);  // reqsk_put: the last reference
    *err = 0;
    return child;
}

// ---------------------------------------------------------------- request socks

void inet_csk_reqsk_queue_hash_add(Kernel& k, SockId listener, ReqId req) {
    KFRAME(k, inet_csk_reqsk_queue_hash_add);
    const RequestSock& r = k.w.reqs[req];
    TimerId tm = mod_timer(k, TimerId{}, TimerKind::reqsk_timer, req.v, k.w.now + 1000);  // TCP_TIMEOUT_INIT
    KSET(k, req, rsk_timer, tm);
    inet_ehash_insert(k, FourTuple{r.ir_loc_addr, r.ir_num, r.ir_rmt_addr, r.ir_rmt_port}, ObjKind::Req, req.v);
    KSET(k, listener, qlen, k.w.socks[listener].qlen + 1);
    KSET(k, listener, young, k.w.socks[listener].young + 1);
}

// reqsk_queue_removed: one request fewer in the SYN queue.
static void reqsk_queue_removed(Kernel& k, SockId listener, ReqId req) {
    KSET(k, listener, qlen, k.w.socks[listener].qlen - 1);
    if (k.w.reqs[req].num_timeout == 0) KSET(k, listener, young, k.w.socks[listener].young - 1);
}

// Out of the SYN queue: unhash, stop the timer, and count it out if it was
// still hashed (the hashdance has already swapped it for the child in
// ehash, and counts it out itself). Not freed here.
void inet_csk_reqsk_queue_drop(Kernel& k, SockId listener, ReqId req) {
    KFRAME(k, inet_csk_reqsk_queue_drop);
    RequestSock& r = k.w.reqs[req];
    bool unlinked = inet_ehash_remove_if(k, FourTuple{r.ir_loc_addr, r.ir_num, r.ir_rmt_addr, r.ir_rmt_port},
                                         ObjKind::Req, req.v);
    TimerId tm = k.w.reqs[req].rsk_timer;
    if (tm) {
        del_timer(k, tm);
        KSET(k, req, rsk_timer, TimerId{});
    }
    if (unlinked) reqsk_queue_removed(k, listener, req);
}

void reqsk_free(Kernel& k, ReqId req) {
    SockId listener = k.w.reqs[req].rsk_listener;
    TimerId tm = k.w.reqs[req].rsk_timer;
    if (tm) del_timer(k, tm);
    destroy(k, req);
    if (listener) sock_put(k, listener);  // the request held its listener
}

SockId inet_csk_clone_lock(Kernel& k, SockId listener, ReqId req) {
    KFRAME(k, inet_csk_clone_lock);
    SockId child = create<SockId>(k);
    Sock copy = k.w.socks[listener];  // sk_clone_lock copies the listener...
    const RequestSock& r = k.w.reqs[req];
    // ...then resets what must not be shared.
    copy.sk_state = TCP_SYN_RECV;
    copy.sk_socket = SocketId{};
    copy.sk_refcnt = 1;
    copy.sk_ack_backlog = 0;
    copy.rskq_accept.clear();
    copy.qlen = copy.young = 0;
    copy.icsk_bind_hash = BucketId{};
    copy.listener_hashed = false;
    copy.ehashed = false;
    copy.icsk_retransmit_timer = TimerId{};
    copy.icsk_retransmits = 0;
    copy.synflood_warned = false;
    copy.last_overflow = -1;
    copy.inet_dport = r.ir_rmt_port;
    copy.inet_daddr = r.ir_rmt_addr;
    copy.inet_num = r.ir_num;
    copy.inet_sport = r.ir_num;
    copy.inet_rcv_saddr = r.ir_loc_addr;
    copy.inet_saddr = r.ir_loc_addr;
    copy.snd_isn = r.snt_isn;
    copy.snd_nxt = r.snt_isn + 1;
    copy.snd_una = r.snt_isn + 1;
    copy.rcv_nxt = r.rcv_isn + 1;
    copy.fin_sent = false;
    copy.sk_err = 0;
    // sk_shutdown is copied as it is: a listener that was shut down for
    // writing (even by a shutdown() that said ENOTCONN) has children that
    // send their FIN as soon as they are established. The port lock is
    // not copied: the child only borrows the listener's port.
    copy.sk_userlocks &= ~SOCK_BINDPORT_LOCK;
    copy.listen_tried = false;  // the child never listened itself
    k.w.socks[child] = copy;
    KSET(k, child, sk_state, TCP_SYN_RECV);
    return child;
}

// The final ACK found a request: it leaves the SYN queue and its child
// joins the accept queue (or is forgotten if the listener closed).
SockId inet_csk_complete_hashdance(Kernel& k, SockId listener, SockId child, ReqId req) {
    KFRAME(k, inet_csk_complete_hashdance);
    inet_csk_reqsk_queue_drop(k, listener, req);
    reqsk_queue_removed(k, listener, req);
    FrameGuard g(k, Fn::inet_csk_reqsk_queue_add);
    if (k.w.socks[listener].sk_state != TCP_LISTEN) {
        inet_child_forget(k, listener, req, child);
        reqsk_free(k, req);
        return SockId{};
    }
    KSET(k, req, sk, child);
    k.w.socks[listener].rskq_accept.push_back(req);
    link(k, Ev::LinkAdd, ObjKind::Sock, listener.v, Link::accept_queue,
           static_cast<int64_t>(k.w.socks[listener].rskq_accept.size() - 1), req.v);
    KSET(k, req, in_accept_queue, true);
    KSET(k, listener, sk_ack_backlog, k.w.socks[listener].sk_ack_backlog + 1);
    return child;
}

void inet_child_forget(Kernel& k, SockId listener, ReqId req, SockId child) {
    KFRAME(k, inet_child_forget);
    tcp_disconnect(k, child, O_NONBLOCK);
    sock_orphan(k, child);
    ++k.w.orphan_count;
    inet_csk_destroy_sock(k, child);
}

void inet_csk_destroy_sock(Kernel& k, SockId sk) {
    KFRAME(k, inet_csk_destroy_sock);
    if (k.w.socks[sk].sk_prot == ProtKind::tcp_prot) tcp_v4_destroy_sock(k, sk);
    KSET(k, sk, destroyed, true);
    --k.w.orphan_count;
    sock_put(k, sk);
}

// SYN-ACK timer (reqsk_timer_handler): resend with backoff, prune old
// requests when the queue is half full of them, expire after
// tcp_synack_retries.
void reqsk_timer_handler(Kernel& k, ReqId req) {
    KFRAME(k, reqsk_timer_handler);
    KSET(k, req, rsk_timer, TimerId{});  // the one-shot timer just fired
    SockId listener = k.w.reqs[req].rsk_listener;
    auto drop = [&] {
        inet_csk_reqsk_queue_drop(k, listener, req);
        reqsk_free(k, req);
    };
    if (k.w.socks[listener].sk_state != TCP_LISTEN) { drop(); return; }
    int max_retries = k.w.sysctl.tcp_synack_retries;
    int qlen = k.w.socks[listener].qlen;
    uint32_t backlog = k.w.socks[listener].sk_max_ack_backlog;
    if (static_cast<uint32_t>(qlen << 1) > std::max<uint32_t>(8u, backlog)) {
        int young = k.w.socks[listener].young << 1;
        while (max_retries > 2) {
            if (qlen < young) break;
            --max_retries;
            young <<= 1;
        }
    }
    RequestSock& r = k.w.reqs[req];
    bool expire = r.num_timeout >= max_retries;
    if (!expire) {
        tcp_send_synack(k, req, false, k.w.reqs[req].snt_isn);
        KSET(k, req, num_retrans, k.w.reqs[req].num_retrans + 1);
        if (k.w.reqs[req].num_timeout == 0) KSET(k, listener, young, k.w.socks[listener].young - 1);
        KSET(k, req, num_timeout, k.w.reqs[req].num_timeout + 1);
        int64_t timeout = std::min<int64_t>(1000LL << k.w.reqs[req].num_timeout, 120000);
        TimerId tm = mod_timer(k, TimerId{}, TimerKind::reqsk_timer, req.v, k.w.now + timeout);
        KSET(k, req, rsk_timer, tm);
        return;
    }
    drop();
}

}  // inline namespace SOCKSCOPE_MODEL_VARIANT
}  // namespace sockscope
