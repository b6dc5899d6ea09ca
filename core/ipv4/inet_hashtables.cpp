// inet_hashtables.cpp — who owns which port and 4-tuple:
// net/ipv4/inet_hashtables.c.
//
// Models the bind hash (inet_bind_bucket with owners and timewait owners),
// the listening hash (by port), the established hash (by 4-tuple, holding
// full socks, request socks and timewait socks), port inheritance by
// children, and connect()'s ephemeral port choice (__inet_hash_connect).
// The kernel starts the connect() search at a hashed random offset; the
// model starts at the bottom of ip_local_port_range (even ports first, as
// the kernel prefers), so runs are reproducible. Left out: bhash2 as a
// separate table (its answers are the same for the model's addresses),
// reuseport groups' BPF selection, tcp_tw_reuse.
#include "kernel/model.h"

namespace sockscope {
inline namespace SOCKSCOPE_MODEL_VARIANT {  // kernel.h: built twice

FourTuple sk_four_tuple(const Sock& s) {
    return FourTuple{s.inet_rcv_saddr, s.inet_num, s.inet_daddr, s.inet_dport};
}

BucketId inet_bind_bucket_find(Kernel& k, PortTable t, uint16_t port) {
    auto it = k.w.bhash.find({t, port});
    return it == k.w.bhash.end() ? BucketId{} : it->second;
}

BucketId inet_bind_bucket_create(Kernel& k, PortTable t, uint16_t port) {
    BucketId tb = create<BucketId>(k);
    KSET(k, tb, table, t);
    KSET(k, tb, port, port);
    k.w.bhash[{t, port}] = tb;
    return tb;
}

static void bucket_destroy_if_empty(Kernel& k, BucketId tb) {
    const BindBucket& b = k.w.buckets[tb];
    if (!b.owners.empty() || !b.tw_owners.empty()) return;
    auto it = k.w.bhash.find({b.table, b.port});
    if (it != k.w.bhash.end()) k.w.bhash.erase(it);
    destroy(k, tb);
}

void inet_bind_hash(Kernel& k, SockId sk, BucketId tb, uint16_t port) {
    KFRAME(k, inet_bind_hash);
    KSET(k, sk, inet_num, port);
    k.w.buckets[tb].owners.push_back(sk);
    link(k, Ev::LinkAdd, ObjKind::Bucket, tb.v, Link::bucket_owner, 0, sk.v);
    KSET(k, sk, icsk_bind_hash, tb);
}

void inet_put_port(Kernel& k, SockId sk) {
    KFRAME(k, inet_put_port);
    BucketId tb = k.w.socks[sk].icsk_bind_hash;
    if (!tb) return;
    auto& owners = k.w.buckets[tb].owners;
    for (size_t i = 0; i < owners.size(); ++i)
        if (owners[i] == sk) { owners.erase(owners.begin() + static_cast<long>(i)); break; }
    link(k, Ev::LinkDel, ObjKind::Bucket, tb.v, Link::bucket_owner, 0, sk.v);
    KSET(k, sk, icsk_bind_hash, BucketId{});
    KSET(k, sk, inet_num, 0);
    bucket_destroy_if_empty(k, tb);
}

void __inet_inherit_port(Kernel& k, SockId listener, SockId child) {
    KFRAME(k, __inet_inherit_port);
    BucketId tb = k.w.socks[listener].icsk_bind_hash;
    k.w.buckets[tb].owners.push_back(child);
    link(k, Ev::LinkAdd, ObjKind::Bucket, tb.v, Link::bucket_owner, 0, child.v);
    KSET(k, child, icsk_bind_hash, tb);
}

int inet_hash(Kernel& k, SockId sk) {
    KFRAME(k, inet_hash);
    uint16_t port = k.w.socks[sk].inet_num;
    k.w.lhash[port].push_back(sk);
    link(k, Ev::LinkAdd, ObjKind::Net, 0, Link::lhash, port, sk.v);
    KSET(k, sk, listener_hashed, true);
    KRET(0);
}

void inet_ehash_insert(Kernel& k, const FourTuple& key, ObjKind kind, uint32_t id) {
    k.w.ehash[key] = EhashEntry{kind, id};
    link(k, Ev::LinkAdd, ObjKind::Net, 0, Link::ehash, (static_cast<int64_t>(kind) << 16) | key.lport, id);
}

// Unlinks a slot already found (one tree walk, not two).
static void ehash_erase(Kernel& k, decltype(World::ehash)::iterator it) {
    link(k, Ev::LinkDel, ObjKind::Net, 0, Link::ehash,
         (static_cast<int64_t>(it->second.kind) << 16) | it->first.lport, it->second.id);
    k.w.ehash.erase(it);
}

void inet_ehash_remove(Kernel& k, const FourTuple& key) {
    auto it = k.w.ehash.find(key);
    if (it != k.w.ehash.end()) ehash_erase(k, it);
}

bool inet_ehash_remove_if(Kernel& k, const FourTuple& key, ObjKind kind, uint32_t id) {
    auto it = k.w.ehash.find(key);
    if (it == k.w.ehash.end() || it->second.kind != kind || it->second.id != id) return false;
    ehash_erase(k, it);
    return true;
}

// The trace says what remove + insert would (the old entry out, the new
// one in); the tree keeps its node, so nothing is rebalanced or allocated.
void inet_ehash_replace(Kernel& k, const FourTuple& key, ObjKind kind, uint32_t id) {
    auto [it, fresh] = k.w.ehash.try_emplace(key, EhashEntry{kind, id});
    if (!fresh) {
        link(k, Ev::LinkDel, ObjKind::Net, 0, Link::ehash,
             (static_cast<int64_t>(it->second.kind) << 16) | key.lport, it->second.id);
        it->second = EhashEntry{kind, id};
    }
    link(k, Ev::LinkAdd, ObjKind::Net, 0, Link::ehash, (static_cast<int64_t>(kind) << 16) | key.lport, id);
}

void inet_unhash(Kernel& k, SockId sk) {
    KFRAME(k, inet_unhash);
    Sock& s = k.w.socks[sk];
    if (s.listener_hashed) {
        auto lit = k.w.lhash.try_emplace(s.inet_num).first;
        auto& v = lit->second;
        for (size_t i = 0; i < v.size(); ++i)
            if (v[i] == sk) { v.erase(v.begin() + static_cast<long>(i)); break; }
        if (v.empty()) k.w.lhash.erase(lit);
        link(k, Ev::LinkDel, ObjKind::Net, 0, Link::lhash, s.inet_num, sk.v);
        KSET(k, sk, listener_hashed, false);
    }
    if (k.w.socks[sk].ehashed) {
        inet_ehash_remove_if(k, sk_four_tuple(k.w.socks[sk]), ObjKind::Sock, sk.v);
        KSET(k, sk, ehashed, false);
    }
}

static bool ehash_taken(Kernel& k, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport) {
    return k.w.ehash.count(FourTuple{laddr, lport, raddr, rport}) != 0;
}

int inet_hash_connect(Kernel& k, SockId sk) {
    KFRAME(k, inet_hash_connect);
    Sock& s = k.w.socks[sk];
    if (s.inet_num) {
        // Already bound: the 4-tuple must be unique (check_established).
        if (ehash_taken(k, s.inet_rcv_saddr, s.inet_num, s.inet_daddr, s.inet_dport))
            KRET(-EADDRNOTAVAIL);
    } else {
        int low = k.w.sysctl.ip_local_port_range_lo;
        int high = k.w.sysctl.ip_local_port_range_hi + 1;
        int remaining = high - low;
        if (remaining > 1) remaining &= ~1;
        uint16_t chosen = 0;
        BucketId ctb;
        int start = static_cast<int>(k.w.table_perturb % static_cast<uint32_t>(remaining)) & ~1;
        // First pass: ports of low's parity (even), then the other parity.
        for (int offset = start; offset < start + 2 && !chosen; ++offset) {
            int port = low + offset;
            for (int i = 0; i < remaining; i += 2, port += 2) {
                if (port >= high) port -= remaining;
                BucketId tb = inet_bind_bucket_find(k, PortTable::tcp, static_cast<uint16_t>(port));
                if (tb) {
                    const BindBucket& b = k.w.buckets[tb];
                    // Ports taken by bind() are never shared with connect().
                    if (b.fastreuse >= 0 || b.fastreuseport >= 0) continue;
                    if (ehash_taken(k, s.inet_rcv_saddr, static_cast<uint16_t>(port), s.inet_daddr,
                                    s.inet_dport))
                        continue;
                    chosen = static_cast<uint16_t>(port);
                    ctb = tb;
                    k.w.table_perturb += static_cast<uint32_t>(i + 2);
                    break;
                }
                chosen = static_cast<uint16_t>(port);
                k.w.table_perturb += static_cast<uint32_t>(i + 2);
                break;
            }
        }
        if (!chosen) KRET(-EADDRNOTAVAIL);
        if (!ctb) {
            ctb = inet_bind_bucket_create(k, PortTable::tcp, chosen);
            KSET(k, ctb, fastreuse, -1);
            KSET(k, ctb, fastreuseport, -1);
        }
        inet_bind_hash(k, sk, ctb, chosen);
        KSET(k, sk, inet_sport, chosen);
    }
    inet_ehash_insert(k, sk_four_tuple(k.w.socks[sk]), ObjKind::Sock, sk.v);
    KSET(k, sk, ehashed, true);
    KRET(0);
}

}  // inline namespace SOCKSCOPE_MODEL_VARIANT
}  // namespace sockscope
