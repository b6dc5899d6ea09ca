// raw.cpp — raw and ping sockets as far as socket()/bind() see them:
// net/ipv4/raw.c (raw_bind) and net/ipv4/ping.c (ping_init_sock).
//
// A raw socket is bound at creation to its protocol number (inet_num) and
// may then bind only an address. Ping sockets are allowed only to groups in
// net.ipv4.ping_group_range, whose kernel default "1 0" is empty: no one,
// not even root, may create one until it is widened. Left out: raw and
// ICMP traffic, the raw hash table.
#include "kernel/model.h"

namespace sockscope {
inline namespace SOCKSCOPE_MODEL_VARIANT {  // kernel.h: built twice

int raw_bind(Kernel& k, SockId sk, const SockAddrIn& a) {
    KFRAME(k, raw_bind);
    if (k.w.socks[sk].sk_state != TCP_CLOSE || a.len < 16) KRET(-EINVAL);
    if (!inet_addr_valid_or_nonlocal(k, a.addr)) KRET(-EADDRNOTAVAIL);
    KSET(k, sk, inet_rcv_saddr, a.addr);
    KSET(k, sk, inet_saddr, (addr_is_multicast(a.addr) || addr_is_broadcast(a.addr)) ? 0 : a.addr);
    KRET(0);
}

// ping_bind (ping_check_bind_addr + ping_get_port): an ICMP echo identifier
// takes the place of the port; ping socks carry SO_REUSEADDR, so
// identifiers are shared unless one side cleared it.
int ping_bind(Kernel& k, SockId sk, const SockAddrIn& a) {
    KFRAME(k, raw_bind);
    if (a.len < 16) KRET(-EINVAL);
    if (a.family != AF_INET && !(a.family == AF_UNSPEC && a.addr == INADDR_ANY)) KRET(-EAFNOSUPPORT);
    if (!inet_addr_valid_or_nonlocal(k, a.addr)) KRET(-EADDRNOTAVAIL);
    if (k.w.socks[sk].inet_num) KRET(-EINVAL);
    uint16_t ident = a.port;
    bool clash = false;
    k.w.socks.each([&](SockId o, const Sock& s) {
        if (o != sk && s.sk_prot == ProtKind::ping_prot && ident && s.inet_num == ident &&
            (!s.sk_reuse || !k.w.socks[sk].sk_reuse))
            clash = true;
    });
    if (clash) KRET(-EADDRINUSE);
    if (!ident) {
        // the kernel walks a rover from a random point; the model takes the
        // lowest identifier no other ping sock uses
        for (ident = 1; ident < 65535; ++ident) {
            bool used = false;
            k.w.socks.each([&](SockId o, const Sock& s) {
                if (o != sk && s.sk_prot == ProtKind::ping_prot && s.inet_num == ident) used = true;
            });
            if (!used) break;
        }
    }
    KSET(k, sk, inet_rcv_saddr, a.addr);
    KSET(k, sk, inet_saddr, a.addr);
    KSET(k, sk, inet_num, ident);
    KSET(k, sk, inet_sport, ident);
    KRET(0);
}

int ping_init_sock(Kernel& k, TaskId t, SockId sk) {
    KFRAME(k, ping_init_sock);
    if (!t) KRET(0);  // kernel sockets
    uint32_t gid = k.w.tasks[t].gid;
    int lo = k.w.sysctl.ping_group_range_lo, hi = k.w.sysctl.ping_group_range_hi;
    if (static_cast<int64_t>(lo) <= gid && gid <= static_cast<uint32_t>(hi) && hi >= 0) KRET(0);
    KRET(-EACCES);
}

}  // inline namespace SOCKSCOPE_MODEL_VARIANT
}  // namespace sockscope
