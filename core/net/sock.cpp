// sock.cpp — struct sock basics: net/core/sock.c and include/net/sock.h.
//
// Models sk_alloc and sock_init_data (the sock <-> socket link, TCP_CLOSE,
// refcount 1), the SOL_SOCKET options the model knows (SO_REUSEADDR,
// SO_REUSEPORT, SO_LINGER, SO_KEEPALIVE as accepted-and-ignored, SO_RCVTIMEO
// and SO_SNDTIMEO in milliseconds, and the read-only SO_TYPE, SO_PROTOCOL,
// SO_DOMAIN, SO_ERROR, SO_ACCEPTCONN), sock_error, the default wakeup
// callbacks, sock_orphan/sock_graft and reference counting.
// Left out: buffers and memory accounting, SO_SNDBUF/SO_RCVBUF sizes,
// timestamps, filters, cgroups.
#include "kernel/model.h"

namespace sockscope {
inline namespace SOCKSCOPE_MODEL_VARIANT {  // kernel.h: built twice

SockId sk_alloc(Kernel& k, TaskId t, int family, ProtKind prot, bool kern) {
    KFRAME(k, sk_alloc);
    SockId sk = create<SockId>(k);
    KSET(k, sk, sk_family, family);
    KSET(k, sk, sk_prot, prot);
    KSET(k, sk, sk_kern_sock, kern);
    KSET(k, sk, sk_refcnt, 1);
    return sk;
}

void sock_init_data(Kernel& k, SocketId sock, SockId sk) {
    KFRAME(k, sock_init_data);
    KSET(k, sk, sk_state, TCP_CLOSE);
    KSET(k, sk, sk_type, k.w.sockets[sock].type);
    KSET(k, sock, sk, sk);
    KSET(k, sk, sk_socket, sock);
    KSET(k, sk, sk_flags, k.w.socks[sk].sk_flags | SOCK_ZAPPED);
}

// The boolean options kept as sk_flags bits.
static uint32_t flag_of(int optname) {
    switch (optname) {
    case SO_KEEPALIVE: return SOCK_KEEPOPEN;
    case SO_BROADCAST: return SOCK_BROADCAST;
    case SO_OOBINLINE: return SOCK_URGINLINE;
    case SO_DONTROUTE: return SOCK_LOCALROUTE;
    default: return 0;
    }
}

int sk_setsockopt(Kernel& k, SockId sk, int optname, int64_t v1, int64_t v2, int optlen) {
    KFRAME(k, sk_setsockopt);
    bool valbool = v1 != 0;
    switch (optname) {
    case SO_REUSEADDR:
        KSET(k, sk, sk_reuse, valbool ? SK_CAN_REUSE : SK_NO_REUSE);
        KRET(0);
    case SO_REUSEPORT:
        if (valbool && k.w.socks[sk].sk_family != AF_INET) KRET(-EOPNOTSUPP);
        KSET(k, sk, sk_reuseport, valbool ? 1 : 0);
        KRET(0);
    case SO_LINGER:
        if (optlen < 8) KRET(-EINVAL);  // sizeof(struct linger)
        if (!valbool) {
            KSET(k, sk, sk_flags, k.w.socks[sk].sk_flags & ~SOCK_LINGER);
        } else {
            KSET(k, sk, sk_lingertime, static_cast<int>(v2 < 0 ? 0 : v2));
            KSET(k, sk, sk_flags, k.w.socks[sk].sk_flags | SOCK_LINGER);
        }
        KRET(0);
    case SO_RCVTIMEO:
        KSET(k, sk, sk_rcvtimeo, v1 <= 0 ? -1 : v1);
        KRET(0);
    case SO_SNDTIMEO:
        KSET(k, sk, sk_sndtimeo, v1 <= 0 ? -1 : v1);
        KRET(0);
    case SO_KEEPALIVE:
    case SO_DONTROUTE:
    case SO_BROADCAST:
    case SO_OOBINLINE: {
        // kept, so getsockopt reads them back; nothing else depends on them
        uint32_t f = flag_of(optname), flags = k.w.socks[sk].sk_flags;
        KSET(k, sk, sk_flags, valbool ? (flags | f) : (flags & ~f));
        KRET(0);
    }
    default:
        // SO_TYPE, SO_ERROR, SO_ACCEPTCONN ... are read-only.
        KRET(-ENOPROTOOPT);
    }
}

int sock_error(Kernel& k, SockId sk) {
    KFRAME(k, sock_error);
    int err = k.w.socks[sk].sk_err;
    if (!err) KRET(0);
    KSET(k, sk, sk_err, 0);  // xchg: reading consumes it
    KRET(-err);
}

int64_t sk_getsockopt(Kernel& k, SocketId sock, int optname) {
    KFRAME(k, sk_getsockopt);
    SockId sk = k.w.sockets[sock].sk;
    const Sock& s = k.w.socks[sk];
    switch (optname) {
    case SO_REUSEADDR: KRET(s.sk_reuse);
    case SO_REUSEPORT: KRET(s.sk_reuseport);
    case SO_TYPE: KRET(k.w.sockets[sock].type);
    case SO_PROTOCOL: KRET(s.sk_protocol);
    case SO_DOMAIN: KRET(s.sk_family);
    case SO_ACCEPTCONN: KRET(s.sk_state == TCP_LISTEN ? 1 : 0);
    case SO_ERROR: KRET(-sock_error(k, sk));
    case SO_LINGER: KRET((s.sk_flags & SOCK_LINGER) ? 1 : 0);
    case SO_KEEPALIVE:
    case SO_DONTROUTE:
    case SO_BROADCAST:
    case SO_OOBINLINE: KRET((s.sk_flags & flag_of(optname)) ? 1 : 0);
    default: KRET(-ENOPROTOOPT);
    }
}

// sk_state_change: wake_up_interruptible_all on the socket's wait queue.
void sk_state_change(Kernel& k, SockId sk) {
    KFRAME(k, sock_def_wakeup);
    SocketId sock = k.w.socks[sk].sk_socket;
    if (sock) wake_up_socket(k, sock, true);
}

// sk_data_ready: one exclusive waiter (accept) and every other waiter.
void sk_data_ready(Kernel& k, SockId sk) {
    KFRAME(k, sock_def_readable);
    SocketId sock = k.w.socks[sk].sk_socket;
    if (sock) wake_up_socket(k, sock, false);
}

void sock_orphan(Kernel& k, SockId sk) {
    KFRAME(k, sock_orphan);
    KSET(k, sk, sk_flags, k.w.socks[sk].sk_flags | SOCK_DEAD);
    KSET(k, sk, sk_socket, SocketId{});
}

void sock_graft(Kernel& k, SockId sk, SocketId sock) {
    KFRAME(k, sock_graft);
    KSET(k, sock, sk, sk);
    KSET(k, sk, sk_socket, sock);
    KSET(k, sk, sk_uid, k.w.socks[sk].sk_uid);
}

void sock_hold(Kernel& k, SockId sk) { KSET(k, sk, sk_refcnt, k.w.socks[sk].sk_refcnt + 1); }

void sock_put(Kernel& k, SockId sk) {
    KFRAME(k, sock_put);
    KSET(k, sk, sk_refcnt, k.w.socks[sk].sk_refcnt - 1);
    if (k.w.socks[sk].sk_refcnt > 0) return;
    FrameGuard g(k, Fn::sk_free);
    destroy(k, sk);
}

// The close of datagram and raw socks: unhash (which gives back a UDP
// port), orphan, drop the last reference.
void sk_common_release(Kernel& k, SockId sk) {
    KFRAME(k, sk_common_release);
    Sock& s = k.w.socks[sk];
    if (s.icsk_bind_hash) inet_put_port(k, sk);
    KSET(k, sk, sk_state, TCP_CLOSE);
    sock_orphan(k, sk);
    sock_put(k, sk);
}

}  // inline namespace SOCKSCOPE_MODEL_VARIANT
}  // namespace sockscope
