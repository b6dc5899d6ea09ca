// udp.cpp — the UDP port table: net/ipv4/udp.c (udp_lib_get_port).
//
// UDP keeps its own port table apart from TCP's, so a UDP and a TCP socket
// can hold the same number. Two UDP socks may share a port only when both
// set SO_REUSEADDR (or both SO_REUSEPORT with the same uid); the wildcard
// address overlaps every address. Autobind picks the first free port of
// the local range from its bottom (the kernel starts at a random point).
// Left out: datagrams themselves, multicast, the hash2 table.
#include "kernel/model.h"

namespace sockscope {
inline namespace SOCKSCOPE_MODEL_VARIANT {  // kernel.h: built twice

static bool udp_conflict(const Sock& a, const Sock& b) {
    if (a.inet_rcv_saddr && b.inet_rcv_saddr && a.inet_rcv_saddr != b.inet_rcv_saddr) return false;
    if (a.sk_reuse && b.sk_reuse) return false;
    if (a.sk_reuseport && b.sk_reuseport && a.sk_uid == b.sk_uid) return false;
    return true;
}

// udp_table and udplite_table: the same code over two tables.
static PortTable udp_table_of(const Sock& s) {
    return s.sk_prot == ProtKind::udplite_prot ? PortTable::udplite : PortTable::udp;
}

static bool udp_port_in_use(Kernel& k, SockId sk, uint16_t port) {
    BucketId tb = inet_bind_bucket_find(k, udp_table_of(k.w.socks[sk]), port);
    if (!tb) return false;
    for (SockId o : k.w.buckets[tb].owners)
        if (o != sk && udp_conflict(k.w.socks[sk], k.w.socks[o])) return true;
    return false;
}

int udp_v4_get_port(Kernel& k, SockId sk, uint16_t snum) {
    KFRAME(k, udp_v4_get_port);
    if (!snum) {
        int low = k.w.sysctl.ip_local_port_range_lo, high = k.w.sysctl.ip_local_port_range_hi;
        for (int p = low; p <= high; ++p)
            if (!udp_port_in_use(k, sk, static_cast<uint16_t>(p))) { snum = static_cast<uint16_t>(p); break; }
        if (!snum) KRET(-EADDRINUSE);
    } else if (udp_port_in_use(k, sk, snum)) {
        KRET(-EADDRINUSE);
    }
    const PortTable table = udp_table_of(k.w.socks[sk]);
    BucketId tb = inet_bind_bucket_find(k, table, snum);
    if (!tb) tb = inet_bind_bucket_create(k, table, snum);
    inet_bind_hash(k, sk, tb, snum);
    KRET(0);
}

}  // inline namespace SOCKSCOPE_MODEL_VARIANT
}  // namespace sockscope
