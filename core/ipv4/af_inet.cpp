// af_inet.cpp — the INET family's socket operations: net/ipv4/af_inet.c.
//
// Models inet_create with the exact inetsw matching loop (the IPPROTO_IP
// wildcard both ways, ESOCKTNOSUPPORT for an empty list, EPROTONOSUPPORT
// for no match, EPERM for raw only after a match), inet_release,
// inet_bind/__inet_bind with 6.x's order of checks, inet_listen,
// __inet_stream_connect's SS_* state machine including the sleep in
// inet_wait_for_connect, inet_dgram_connect, inet_shutdown, inet_autobind
// and inet_register_protosw. A family registered by the user (seed 001's
// MY_PF_INET) is served by the same inet_create over its own table.
// Left out: module autoloading, IPv6-mapped sockets, BPF hooks, multicast,
// TCP Fast Open, IP_FREEBIND/IP_TRANSPARENT.
#include "kernel/model.h"

namespace sockscope {
inline namespace SOCKSCOPE_MODEL_VARIANT {  // kernel.h: built twice

// ---------------------------------------------------------------- create

int inet_create(Kernel& k, TaskId t, SocketId sock, int protocol, bool kern) {
    KFRAME(k, inet_create);
    if (protocol < 0 || protocol >= IPPROTO_MAX) KRET(-EINVAL);
    KSET(k, sock, state, SS_UNCONNECTED);
    const Socket& so = k.w.sockets[sock];
    const NetProtoFamily& fam = k.w.net_families[so.family];
    // lookup_protocol: the loop of the kernel, check for check.
    int err = -ESOCKTNOSUPPORT;
    const InetProtosw* answer = nullptr;
    for (const InetProtosw& e : fam.inetsw[so.type]) {
        err = 0;
        if (protocol == e.protocol) {
            if (protocol != IPPROTO_IP) { answer = &e; break; }
        } else {
            if (protocol == IPPROTO_IP) { protocol = e.protocol; answer = &e; break; }
            if (e.protocol == IPPROTO_IP) { answer = &e; break; }
        }
        err = -EPROTONOSUPPORT;
    }
    if (err) KRET(err);
    InetProtosw entry = *answer;
    if (so.type == SOCK_RAW && !kern && !capable(k, t, CAP_NET_RAW)) KRET(-EPERM);
    KSET(k, sock, ops, entry.ops);
    SockId sk = sk_alloc(k, t, so.family, entry.prot, kern);
    if (entry.flags & INET_PROTOSW_REUSE) KSET(k, sk, sk_reuse, SK_CAN_REUSE);
    if (so.type == SOCK_RAW) KSET(k, sk, inet_num, protocol);
    sock_init_data(k, sock, sk);
    KSET(k, sk, sk_protocol, protocol);
    if (t) KSET(k, sk, sk_uid, k.w.tasks[t].uid);
    if (k.w.socks[sk].inet_num) {
        // raw sockets are hashed at once under their protocol number
        FrameGuard g(k, Fn::raw_hash_sk);
        KSET(k, sk, inet_sport, k.w.socks[sk].inet_num);
    }
    int ierr = 0;
    if (entry.prot == ProtKind::tcp_prot) tcp_init_sock(k, sk);
    else if (entry.prot == ProtKind::ping_prot) ierr = ping_init_sock(k, t, sk);
    if (ierr) {
        sk_common_release(k, sk);
        KSET(k, sock, sk, SockId{});
        KRET(ierr);
    }
    KRET(0);
}

int inet_register_protosw(Kernel& k, int family, const InetProtosw& p) {
    KFRAME(k, inet_register_protosw);
    if (family < 0 || family >= NPROTO || !k.w.net_families[family].registered) KRET(-EAFNOSUPPORT);
    if (p.type < 0 || p.type >= SOCK_MAX) KRET(-EINVAL);  // "Attempt to register invalid socket type"
    auto& list = k.w.net_families[family].inetsw[p.type];
    // A new entry goes after the last permanent one; an existing permanent
    // entry with the same protocol cannot be overridden.
    size_t pos = 0;
    for (size_t i = 0; i < list.size(); ++i) {
        if (list[i].flags & INET_PROTOSW_PERMANENT) {
            if (list[i].protocol == p.protocol) KRET(-EPERM);
            pos = i + 1;
        }
    }
    list.insert(list.begin() + static_cast<long>(pos), p);
    link(k, Ev::LinkAdd, ObjKind::Net, 0, Link::protosw, (family << 8) | p.type, p.protocol);
    KRET(0);
}

// ---------------------------------------------------------------- release

int inet_release(Kernel& k, SocketId sock) {
    KFRAME(k, inet_release);
    SockId sk = k.w.sockets[sock].sk;
    if (!sk) KRET(0);
    const Sock& s = k.w.socks[sk];
    int timeout = (s.sk_flags & SOCK_LINGER) ? s.sk_lingertime : 0;
    switch (s.sk_prot) {
    case ProtKind::tcp_prot: tcp_close(k, sk, timeout); break;
    case ProtKind::udp_prot:
    case ProtKind::udplite_prot: {
        FrameGuard g(k, Fn::udp_lib_close);
        sk_common_release(k, sk);
        break;
    }
    default: {
        FrameGuard g(k, Fn::raw_close);
        sk_common_release(k, sk);
        break;
    }
    }
    KSET(k, sock, sk, SockId{});
    KRET(0);
}

// ---------------------------------------------------------------- bind

bool inet_addr_valid_or_nonlocal(Kernel& k, uint32_t addr) {
    return k.w.sysctl.ip_nonlocal_bind || addr == INADDR_ANY || addr_is_loopback(addr) ||
           addr_is_multicast(addr) || addr_is_broadcast(addr);
}

static int __inet_bind(Kernel& k, TaskId t, SockId sk, const SockAddrIn& a) {
    KFRAME(k, __inet_bind);
    if (a.family != AF_INET) {
        // AF_UNSPEC is accepted as AF_INET only with INADDR_ANY.
        if (a.family != AF_UNSPEC || a.addr != INADDR_ANY) KRET(-EAFNOSUPPORT);
    }
    if (!inet_addr_valid_or_nonlocal(k, a.addr)) KRET(-EADDRNOTAVAIL);
    uint16_t snum = a.port;
    if (snum && snum < k.w.sysctl.ip_unprivileged_port_start && t &&
        !capable(k, t, CAP_NET_BIND_SERVICE))
        KRET(-EACCES);
    const Sock& s = k.w.socks[sk];
    if (s.sk_state != TCP_CLOSE || s.inet_num) KRET(-EINVAL);
    KSET(k, sk, inet_rcv_saddr, a.addr);
    KSET(k, sk, inet_saddr, (addr_is_multicast(a.addr) || addr_is_broadcast(a.addr)) ? 0 : a.addr);
    int err = prot_is_udp(k.w.socks[sk].sk_prot) ? udp_v4_get_port(k, sk, snum)
                                                          : inet_csk_get_port(k, sk, snum);
    if (err) {
        KSET(k, sk, inet_saddr, 0u);
        KSET(k, sk, inet_rcv_saddr, 0u);
        KRET(err);
    }
    int locks = k.w.socks[sk].sk_userlocks;
    if (k.w.socks[sk].inet_rcv_saddr) locks |= SOCK_BINDADDR_LOCK;
    if (snum) locks |= SOCK_BINDPORT_LOCK;
    KSET(k, sk, sk_userlocks, locks);
    KSET(k, sk, inet_sport, k.w.socks[sk].inet_num);
    KSET(k, sk, inet_daddr, 0u);
    KSET(k, sk, inet_dport, 0);
    KRET(0);
}

int inet_bind(Kernel& k, TaskId t, SocketId sock, const SockAddrIn& a) {
    KFRAME(k, inet_bind);
    SockId sk = k.w.sockets[sock].sk;
    if (k.w.socks[sk].sk_prot == ProtKind::raw_prot) KRET(raw_bind(k, sk, a));
    if (k.w.socks[sk].sk_prot == ProtKind::ping_prot) KRET(ping_bind(k, sk, a));
    if (a.len < 16) KRET(-EINVAL);  // sizeof(struct sockaddr_in)
    KRET(__inet_bind(k, t, sk, a));
}

int inet_autobind(Kernel& k, SockId sk) {
    KFRAME(k, inet_autobind);
    if (k.w.socks[sk].inet_num) KRET(0);
    int err = prot_is_udp(k.w.socks[sk].sk_prot) ? udp_v4_get_port(k, sk, 0)
                                                          : inet_csk_get_port(k, sk, 0);
    if (err) KRET(-EAGAIN);
    KSET(k, sk, inet_sport, k.w.socks[sk].inet_num);
    KRET(0);
}

// ---------------------------------------------------------------- listen

int inet_listen(Kernel& k, SocketId sock, int backlog) {
    KFRAME(k, inet_listen);
    FrameGuard g(k, Fn::__inet_listen_sk);
    const Socket& so = k.w.sockets[sock];
    if (so.state != SS_UNCONNECTED || so.type != SOCK_STREAM) KRET(g.ret(-EINVAL));
    SockId sk = so.sk;
    int old_state = k.w.socks[sk].sk_state;
    if (old_state != TCP_CLOSE && old_state != TCP_LISTEN) KRET(g.ret(-EINVAL));
    // Stored before the listen starts: a failed start keeps the new value.
    KSET(k, sk, sk_max_ack_backlog, static_cast<uint32_t>(backlog));
    if (old_state != TCP_LISTEN) {
        int err = inet_csk_listen_start(k, sk);
        if (err) KRET(g.ret(err));
    }
    KRET(0);
}

// ---------------------------------------------------------------- connect

// The tail of __inet_stream_connect once the socket is past SYN_SENT, or a
// sleep ended: sock_error on CLOSE, SS_CONNECTED otherwise.
static int stream_connect_finish(Kernel& k, SocketId sock, SockId sk) {
    if (k.w.socks[sk].sk_state == TCP_CLOSE) {
        int err = sock_error(k, sk);
        if (!err) err = -ECONNABORTED;
        KSET(k, sock, state, SS_UNCONNECTED);
        KSET(k, sk, sk_disconnects, k.w.socks[sk].sk_disconnects + 1);
        if (tcp_disconnect(k, sk, 0)) KSET(k, sock, state, SS_DISCONNECTING);
        return err;
    }
    KSET(k, sock, state, SS_CONNECTED);
    return 0;
}

static bool connecting_state(int st) { return st == TCP_SYN_SENT || st == TCP_SYN_RECV; }

int inet_stream_connect(Kernel& k, TaskId t, SocketId sock, const SockAddrIn& a, int flags) {
    KFRAME(k, inet_stream_connect);
    FrameGuard g(k, Fn::__inet_stream_connect);
    SockId sk = k.w.sockets[sock].sk;
    if (a.len < 2) KRET(g.ret(-EINVAL));  // sizeof(sa_family)
    if (a.family == AF_UNSPEC) {
        KSET(k, sk, sk_disconnects, k.w.socks[sk].sk_disconnects + 1);
        int err = tcp_disconnect(k, sk, flags);
        KSET(k, sock, state, err ? SS_DISCONNECTING : SS_UNCONNECTED);
        KRET(g.ret(err));
    }
    int err;
    switch (k.w.sockets[sock].state) {
    default: KRET(g.ret(-EINVAL));
    case SS_CONNECTED: KRET(g.ret(-EISCONN));
    case SS_CONNECTING: err = -EALREADY; break;
    case SS_UNCONNECTED:
        if (k.w.socks[sk].sk_state != TCP_CLOSE) KRET(g.ret(-EISCONN));
        err = tcp_v4_connect(k, t, sk, a);
        if (err < 0) KRET(g.ret(err));
        KSET(k, sock, state, SS_CONNECTING);
        err = -EINPROGRESS;
        break;
    }
    int64_t timeo = (flags & O_NONBLOCK) ? 0 : k.w.socks[sk].sk_sndtimeo;  // -1 = forever
    if (connecting_state(k.w.socks[sk].sk_state)) {
        if (timeo == 0) KRET(g.ret(err));
        // inet_wait_for_connect: a non-exclusive sleep on the socket.
        FrameGuard w(k, Fn::inet_wait_for_connect);
        SyscallFrame fr;
        fr.kind = WaitKind::Connect;
        fr.sock = sock;
        fr.flags = flags;
        fr.err = err;
        fr.disconnects = k.w.socks[sk].sk_disconnects;
        prepare_to_wait(k, sock, t, false);
        task_sleep(k, t, fr, timeo);
        KRET(SLEEPING);
    }
    KRET(g.ret(stream_connect_finish(k, sock, sk)));
}

int connect_resume(Kernel& k, TaskId t) {
    SyscallFrame fr = k.w.tasks[t].wait;
    KFRAME(k, __sys_connect);
    FrameGuard g0(k, Fn::inet_stream_connect);
    FrameGuard g(k, Fn::__inet_stream_connect);
    SocketId sock = fr.sock;
    auto done = [&](int r) {
        finish_wait(k, sock, t);
        if (fr.file && k.w.files.contains(fr.file)) fput(k, fr.file);
        k.w.tasks[t].wait = SyscallFrame{};
        g.ret(r);
        g0.ret(r);
        return r;
    };
    if (!k.w.sockets.contains(sock) || !k.w.sockets[sock].sk) KRET(done(-EBADF));
    SockId sk = k.w.sockets[sock].sk;
    Task& task = k.w.tasks[t];
    bool timed_out = fr.deadline >= 0 && k.w.now >= fr.deadline;
    bool disconnected = k.w.socks[sk].sk_disconnects != fr.disconnects;
    // inet_wait_for_connect's loop: sleep on while still connecting and
    // nothing (signal, timeout, another thread's disconnect) broke it.
    if (connecting_state(k.w.socks[sk].sk_state) && !task.signal_pending && !timed_out && !disconnected) {
        FrameGuard w(k, Fn::inet_wait_for_connect);
        prepare_to_wait(k, sock, t, false);
        task_sleep(k, t, fr, fr.deadline < 0 ? -1 : fr.deadline - k.w.now);
        KRET(SLEEPING);
    }
    if (timed_out && connecting_state(k.w.socks[sk].sk_state)) KRET(done(fr.err));  // SO_SNDTIMEO quirk
    if (task.signal_pending) {
        KSET(k, t, signal_pending, false);
        // sock_intr_errno: -ERESTARTSYS without a timeout, -EINTR with one;
        // the model's signals have no SA_RESTART handler: EINTR.
        KRET(done(-EINTR));
    }
    if (disconnected) KRET(done(-EPIPE));
    KRET(done(stream_connect_finish(k, sock, sk)));
}

int inet_dgram_connect(Kernel& k, TaskId t, SocketId sock, const SockAddrIn& a) {
    KFRAME(k, inet_dgram_connect);
    SockId sk = k.w.sockets[sock].sk;
    if (a.len < 2) KRET(-EINVAL);
    if (a.family == AF_UNSPEC) {
        // udp_disconnect / raw: forget the peer; keep what bind() locked.
        Sock& s = k.w.socks[sk];
        KSET(k, sk, sk_state, TCP_CLOSE);
        KSET(k, sk, inet_daddr, 0u);
        KSET(k, sk, inet_dport, 0);
        if (!(s.sk_userlocks & SOCK_BINDADDR_LOCK)) {
            KSET(k, sk, inet_saddr, 0u);
            KSET(k, sk, inet_rcv_saddr, 0u);
        }
        if (!(k.w.socks[sk].sk_userlocks & SOCK_BINDPORT_LOCK)) {
            // __udp_disconnect (raw uses it too): unhash, forget the port
            if (prot_is_udp(k.w.socks[sk].sk_prot) && k.w.socks[sk].icsk_bind_hash) inet_put_port(k, sk);
            KSET(k, sk, inet_sport, 0);
        }
        KRET(0);
    }
    if (!k.w.socks[sk].inet_num && inet_autobind(k, sk)) KRET(-EAGAIN);
    FrameGuard g(k, Fn::ip4_datagram_connect);
    if (a.len < 16) KRET(g.ret(-EINVAL));
    if (a.family != AF_INET) KRET(g.ret(-EAFNOSUPPORT));
    uint32_t daddr = a.addr ? a.addr : INADDR_LOOPBACK;
    bool routed = addr_is_loopback(daddr) || peer_at(k.w, daddr);
    if (!routed || addr_is_multicast(daddr) || addr_is_broadcast(daddr)) KRET(g.ret(-ENETUNREACH));
    uint32_t src = addr_is_loopback(daddr) ? INADDR_LOOPBACK : INADDR_LOOPBACK;
    if (!k.w.socks[sk].inet_saddr) KSET(k, sk, inet_saddr, src);
    if (!k.w.socks[sk].inet_rcv_saddr) KSET(k, sk, inet_rcv_saddr, src);
    KSET(k, sk, inet_daddr, daddr);
    KSET(k, sk, inet_dport, a.port);
    KSET(k, sk, sk_state, TCP_ESTABLISHED);
    KRET(0);
}

// ---------------------------------------------------------------- shutdown

int inet_shutdown(Kernel& k, SocketId sock, int how) {
    KFRAME(k, inet_shutdown);
    ++how;  // SHUT_RD 0 -> RCV_SHUTDOWN 1, SHUT_WR -> 2, SHUT_RDWR -> 3
    if ((how & ~SHUTDOWN_MASK) || !how) KRET(-EINVAL);
    SockId sk = k.w.sockets[sock].sk;
    int st = k.w.socks[sk].sk_state;
    if (k.w.sockets[sock].state == SS_CONNECTING) {
        if (st == TCP_SYN_SENT || st == TCP_SYN_RECV || st == TCP_CLOSE)
            KSET(k, sock, state, SS_DISCONNECTING);
        else
            KSET(k, sock, state, SS_CONNECTED);
    }
    int err = 0;
    bool disconnect = false;
    switch (st) {
    case TCP_CLOSE:
        err = -ENOTCONN;
        KSET(k, sk, sk_shutdown, k.w.socks[sk].sk_shutdown | how);
        break;
    default:
        KSET(k, sk, sk_shutdown, k.w.socks[sk].sk_shutdown | how);
        if (k.w.socks[sk].sk_prot == ProtKind::tcp_prot) tcp_shutdown(k, sk, how);
        break;
    case TCP_LISTEN:
        if (!(how & RCV_SHUTDOWN)) break;
        disconnect = true;
        break;
    case TCP_SYN_SENT:
        disconnect = true;
        break;
    }
    if (disconnect) {
        err = tcp_disconnect(k, sk, O_NONBLOCK);
        KSET(k, sock, state, err ? SS_DISCONNECTING : SS_UNCONNECTED);
    }
    sk_state_change(k, sk);  // wakes accept() sleepers, which see EINVAL
    KRET(err);
}

}  // inline namespace SOCKSCOPE_MODEL_VARIANT
}  // namespace sockscope
