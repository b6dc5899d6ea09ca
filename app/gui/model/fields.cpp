// fields.cpp — see fields.h.
#include "app/gui/model/fields.h"

#include <algorithm>
#include <map>
#include <type_traits>

namespace sockscope::gui {

namespace {

template <class T> int64_t to_i(const T& v) {
    if constexpr (std::is_enum_v<T>) return static_cast<int64_t>(v);
    else if constexpr (std::is_same_v<T, bool>) return v ? 1 : 0;
    else if constexpr (std::is_integral_v<T>) return static_cast<int64_t>(v);
    else return static_cast<int64_t>(v.v);  // a typed id
}

template <class T> void from_i(T& slot, int64_t v) {
    if constexpr (std::is_enum_v<T>) slot = static_cast<T>(v);
    else if constexpr (std::is_same_v<T, bool>) slot = v != 0;
    else if constexpr (std::is_integral_v<T>) {
        // Set events carry 32 bits; unsigned fields come back unsigned.
        if constexpr (std::is_unsigned_v<T> && sizeof(T) >= 4) slot = static_cast<T>(static_cast<uint32_t>(v));
        else slot = static_cast<T>(v);
    } else {
        slot = T(static_cast<uint32_t>(v));
    }
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
#define ACC(K, T, tbl, IdT, field)                                                                  \
    FieldAccess{ObjKind::K, static_cast<uint16_t>(offsetof(T, field)),                             \
                [](const World& w, uint32_t id) -> int64_t { return to_i(w.tbl[IdT(id)].field); }, \
                [](World& w, uint32_t id, int64_t v) { from_i(w.tbl[IdT(id)].field, v); }}
#define TASK(f) ACC(Task, Task, tasks, TaskId, f)
#define FILES(f) ACC(Files, FilesStruct, files_structs, FilesId, f)
#define FILE_(f) ACC(File, File, files, FileId, f)
#define SOCKET(f) ACC(Socket, Socket, sockets, SocketId, f)
#define SOCK(f) ACC(Sock, Sock, socks, SockId, f)
#define REQ(f) ACC(Req, RequestSock, reqs, ReqId, f)
#define TW(f) ACC(Tw, TimewaitSock, tws, TwId, f)
#define BUCKET(f) ACC(Bucket, BindBucket, buckets, BucketId, f)
#define TIMER(f) ACC(Timer, Timer, timers, TimerId, f)
#define PEER(f) ACC(Peer, Peer, peers, PeerId, f)

const std::vector<FieldAccess> kAccess = {
    TASK(pid), TASK(tgid), TASK(uid), TASK(gid), TASK(cap_effective), TASK(kthread), TASK(files),
    TASK(rlim_nofile), TASK(state), TASK(on_runqueue), TASK(signal_pending), TASK(kthread_should_stop),
    TASK(kthread_sock), TASK(kthread_pc), TASK(exit_code), TASK(kthread_addr), TASK(kthread_port),
    TASK(kthread_backlog), TASK(kthread_accepted), TASK(timeout_timer),
    FILES(count), FILES(next_fd),
    FILE_(f_count), FILE_(f_flags), FILE_(f_op), FILE_(private_data),
    SOCKET(state), SOCKET(type), SOCKET(family), SOCKET(ops), SOCKET(file), SOCKET(sk), SOCKET(i_ino),
    SOCK(sk_family), SOCK(sk_state), SOCK(sk_type), SOCK(sk_protocol), SOCK(sk_prot), SOCK(sk_reuse),
    SOCK(sk_reuseport), SOCK(sk_err), SOCK(sk_shutdown), SOCK(sk_userlocks), SOCK(sk_flags),
    SOCK(sk_lingertime), SOCK(sk_rcvtimeo), SOCK(sk_sndtimeo), SOCK(sk_ack_backlog),
    SOCK(sk_max_ack_backlog), SOCK(sk_socket), SOCK(sk_uid), SOCK(sk_refcnt), SOCK(sk_kern_sock),
    SOCK(sk_disconnects), SOCK(connect_tried), SOCK(listen_tried), SOCK(inet_num), SOCK(inet_sport), SOCK(inet_saddr), SOCK(inet_rcv_saddr),
    SOCK(inet_daddr), SOCK(inet_dport), SOCK(icsk_bind_hash), SOCK(qlen), SOCK(young),
    SOCK(synflood_warned), SOCK(icsk_retransmits), SOCK(icsk_rto), SOCK(icsk_retransmit_timer),
    SOCK(snd_isn), SOCK(snd_nxt), SOCK(snd_una), SOCK(rcv_nxt), SOCK(fin_sent), SOCK(last_overflow),
    SOCK(nonagle), SOCK(listener_hashed), SOCK(ehashed), SOCK(sk_timer), SOCK(destroyed),
    REQ(rsk_listener), REQ(sk), REQ(ir_loc_addr), REQ(ir_rmt_addr), REQ(ir_num), REQ(ir_rmt_port),
    REQ(snt_isn), REQ(rcv_isn), REQ(num_timeout), REQ(num_retrans), REQ(acked), REQ(in_accept_queue),
    REQ(rsk_timer),
    TW(tw_substate), TW(tw_reuse), TW(tw_reuseport), TW(tw_uid), TW(tw_rcv_saddr), TW(tw_daddr),
    TW(tw_num), TW(tw_dport), TW(tw_snd_nxt), TW(tw_rcv_nxt), TW(tw_tb), TW(tw_timer),
    BUCKET(table), BUCKET(port), BUCKET(fastreuse), BUCKET(fastreuseport), BUCKET(fastuid),
    TIMER(kind), TIMER(owner), TIMER(expires),
    PEER(addr), PEER(next_port),
};
#undef ACC
#pragma GCC diagnostic pop

template <class F>
bool with_table(World& w, ObjKind k, F&& f) {
    switch (k) {
    case ObjKind::Task: f(w.tasks); return true;
    case ObjKind::Files: f(w.files_structs); return true;
    case ObjKind::File: f(w.files); return true;
    case ObjKind::Socket: f(w.sockets); return true;
    case ObjKind::Sock: f(w.socks); return true;
    case ObjKind::Req: f(w.reqs); return true;
    case ObjKind::Tw: f(w.tws); return true;
    case ObjKind::Bucket: f(w.buckets); return true;
    case ObjKind::Timer: f(w.timers); return true;
    case ObjKind::Peer: f(w.peers); return true;
    default: return false;
    }
}

template <class Tbl> using IdOf = typename decltype(std::declval<Tbl&>().ids())::value_type;

// Grows an fd table the way expand_files does, so slot fd exists.
void ensure_slot(FilesStruct& fs, int fd) {
    if (fd < static_cast<int>(fs.fd.size())) return;
    size_t n = fs.fd.empty() ? 64 : fs.fd.size();
    while (n <= static_cast<size_t>(fd)) n *= 2;
    fs.fd.resize(n);
    fs.open_fds.resize(n);
    fs.close_on_exec.resize(n);
}

// Applies (forward) or undoes (backward) one container link event.
void apply_link(World& w, const TraceEvent& e, bool forward) {
    bool add = (e.ev == Ev::LinkAdd) == forward;
    Link l = static_cast<Link>(e.code);
    switch (l) {
    case Link::fd:
    case Link::open_fd:
    case Link::close_on_exec: {
        FilesStruct* fs = w.files_structs.find(FilesId(e.id));
        if (!fs || e.a < 0) return;
        ensure_slot(*fs, e.a);
        if (l == Link::fd) fs->fd[e.a] = add ? FileId(static_cast<uint32_t>(e.b)) : FileId{};
        else if (l == Link::open_fd) fs->open_fds[e.a] = add;
        else fs->close_on_exec[e.a] = add;
        return;
    }
    case Link::accept_queue: {
        Sock* s = w.socks.find(SockId(e.id));
        if (!s) return;
        ReqId r(static_cast<uint32_t>(e.b));
        auto it = std::find(s->rskq_accept.begin(), s->rskq_accept.end(), r);
        if (add) {
            if (it != s->rskq_accept.end()) return;
            size_t pos = std::min<size_t>(static_cast<size_t>(std::max(0, e.a)), s->rskq_accept.size());
            s->rskq_accept.insert(s->rskq_accept.begin() + static_cast<long>(pos), r);
        } else if (it != s->rskq_accept.end()) {
            s->rskq_accept.erase(it);
        }
        return;
    }
    case Link::wait_queue: {
        Socket* so = w.sockets.find(SocketId(e.id));
        if (!so) return;
        TaskId t(static_cast<uint32_t>(e.b));
        auto it = std::find_if(so->wq.begin(), so->wq.end(), [&](const Waiter& x) { return x.task == t; });
        if (add) {
            if (it == so->wq.end()) so->wq.push_back(Waiter{t, e.a != 0});
        } else if (it != so->wq.end()) {
            so->wq.erase(it);
        }
        return;
    }
    case Link::bucket_owner:
    case Link::bucket_tw: {
        BindBucket* b = w.buckets.find(BucketId(e.id));
        if (!b) return;
        if (l == Link::bucket_owner) {
            SockId s(static_cast<uint32_t>(e.b));
            auto it = std::find(b->owners.begin(), b->owners.end(), s);
            if (add && it == b->owners.end()) b->owners.push_back(s);
            if (!add && it != b->owners.end()) b->owners.erase(it);
        } else {
            TwId s(static_cast<uint32_t>(e.b));
            auto it = std::find(b->tw_owners.begin(), b->tw_owners.end(), s);
            if (add && it == b->tw_owners.end()) b->tw_owners.push_back(s);
            if (!add && it != b->tw_owners.end()) b->tw_owners.erase(it);
        }
        return;
    }
    case Link::runqueue: {
        TaskId t(static_cast<uint32_t>(e.b));
        auto it = std::find(w.runqueue.begin(), w.runqueue.end(), t);
        if (add && it == w.runqueue.end()) w.runqueue.push_back(t);
        if (!add && it != w.runqueue.end()) w.runqueue.erase(it);
        return;
    }
    default: return;  // hashes and protocol tables: untraced containers
    }
}

}  // namespace

const std::vector<FieldAccess>& field_accessors() { return kAccess; }

const FieldAccess* field_access(ObjKind kind, uint16_t offset) {
    static const std::map<std::pair<int, int>, const FieldAccess*> index = [] {
        std::map<std::pair<int, int>, const FieldAccess*> m;
        for (const FieldAccess& a : kAccess) m[{static_cast<int>(a.kind), a.offset}] = &a;
        return m;
    }();
    auto it = index.find({static_cast<int>(kind), offset});
    return it == index.end() ? nullptr : it->second;
}

bool object_exists(const World& w, ObjKind kind, uint32_t id) {
    bool found = false;
    if (kind == ObjKind::Net) return true;
    with_table(const_cast<World&>(w), kind, [&](auto& tbl) {
        using I = IdOf<std::remove_reference_t<decltype(tbl)>>;
        found = tbl.contains(I(id));
    });
    return found;
}

std::optional<int64_t> read_field(const World& w, ObjKind kind, uint32_t id, uint16_t offset) {
    const FieldAccess* a = field_access(kind, offset);
    if (!a || !object_exists(w, kind, id)) return std::nullopt;
    return a->get(w, id);
}

World world_mid_step(const World& before, const World& after, const Trace& t, size_t step, size_t upto) {
    World mid = before;
    size_t b = t.step_begin(step), end = t.step_end(step);
    upto = std::clamp(upto, b, end);
    for (size_t i = b; i < upto; ++i) {
        const TraceEvent& e = t.events[i];
        switch (e.ev) {
        case Ev::Create: {
            bool ok = with_table(mid, e.kind, [&](auto& tbl) {
                using I = IdOf<std::remove_reference_t<decltype(tbl)>>;
                I id = tbl.alloc();
                if (id.v != e.id) {      // not the id the kernel got: leave it out
                    tbl.free(id);
                    return;
                }
                // Start from the object as the step leaves it (its untraced
                // parts), then take back what the step does after `upto`.
                with_table(const_cast<World&>(after), e.kind, [&](auto& atbl) {
                    using J = IdOf<std::remove_reference_t<decltype(atbl)>>;
                    if constexpr (std::is_same_v<I, J>) {
                        if (atbl.contains(J(e.id))) tbl[id] = atbl[J(e.id)];
                    }
                });
            });
            if (!ok) break;
            if (!object_exists(mid, e.kind, e.id)) break;
            std::map<uint16_t, bool> seen;
            for (size_t j = upto; j < end; ++j) {
                const TraceEvent& f = t.events[j];
                if (f.ev != Ev::Set || f.kind != e.kind || f.id != e.id || seen[f.code]) continue;
                seen[f.code] = true;
                if (const FieldAccess* a = field_access(f.kind, f.code)) a->set(mid, f.id, f.a);
            }
            for (size_t j = end; j-- > upto;) {
                const TraceEvent& f = t.events[j];
                if ((f.ev == Ev::LinkAdd || f.ev == Ev::LinkDel) && f.kind == e.kind && f.id == e.id)
                    apply_link(mid, f, false);
            }
            break;
        }
        case Ev::Destroy:
            with_table(mid, e.kind, [&](auto& tbl) {
                using I = IdOf<std::remove_reference_t<decltype(tbl)>>;
                if (tbl.contains(I(e.id))) tbl.free(I(e.id));
            });
            break;
        case Ev::Set:
            if (object_exists(mid, e.kind, e.id))
                if (const FieldAccess* a = field_access(e.kind, e.code)) a->set(mid, e.id, e.b);
            break;
        case Ev::LinkAdd:
        case Ev::LinkDel: apply_link(mid, e, true); break;
        case Ev::Counter:
            if (e.code < mid.mib.size()) mid.mib[e.code] = e.b;
            break;
        default: break;
        }
    }
    return mid;
}

std::vector<FieldChange> step_changes(const Trace& t, size_t step, size_t upto) {
    std::vector<FieldChange> out;
    std::map<std::tuple<int, uint32_t, uint16_t>, size_t> at;
    size_t b = t.step_begin(step), end = std::min(upto, t.step_end(step));
    for (size_t i = b; i < end; ++i) {
        const TraceEvent& e = t.events[i];
        if (e.ev != Ev::Set) continue;
        auto key = std::make_tuple(static_cast<int>(e.kind), e.id, e.code);
        auto it = at.find(key);
        if (it == at.end()) {
            at[key] = out.size();
            out.push_back(FieldChange{e.kind, e.id, e.code, e.a, e.b, i});
        } else {
            out[it->second].after = e.b;
        }
    }
    return out;
}

}  // namespace sockscope::gui
