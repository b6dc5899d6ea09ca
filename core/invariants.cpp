// invariants.cpp — see invariants.h.
#include "invariants.h"

#include <map>

namespace sockscope {

namespace {

struct Out {
    std::vector<std::string> v;
    template <class... A> void bad(A&&... parts) {
        std::string s;
        (s += ... += std::string(parts));
        v.push_back(std::move(s));
    }
};

std::string id(const char* kind, uint32_t v) { return std::string(kind) + "#" + std::to_string(v); }

}  // namespace

std::vector<std::string> check_invariants(const World& w) {
    Out o;
    // ---- files_structs: users ----
    std::map<uint32_t, int> fs_users;
    w.tasks.each([&](TaskId, const Task& t) { if (t.files) ++fs_users[t.files.v]; });
    w.files_structs.each([&](FilesId fid, const FilesStruct& fs) {
        if (fs.count != fs_users[fid.v])
            o.bad(id("files_struct", fid.v), ".count ", std::to_string(fs.count), " but ", std::to_string(fs_users[fid.v]), " tasks use it");
        for (size_t i = 0; i < fs.fd.size(); ++i) {
            if (fs.fd[i] && !fs.open_fds[i]) o.bad(id("files_struct", fid.v), " fd ", std::to_string(i), " installed but not open");
            if (fs.fd[i] && !w.files.contains(fs.fd[i])) o.bad(id("files_struct", fid.v), " fd ", std::to_string(i), " points to a freed file");
        }
        if (fs.next_fd < 0) o.bad(id("files_struct", fid.v), " next_fd negative");
    });
    w.tasks.each([&](TaskId tid, const Task& t) {
        if (t.files && !w.files_structs.contains(t.files)) o.bad(id("task", tid.v), " has a freed files_struct");
    });
    // ---- f_count = fd slots + references held by sleeping syscalls ----
    std::map<uint32_t, int> frefs;
    w.files_structs.each([&](FilesId, const FilesStruct& fs) {
        for (FileId f : fs.fd) if (f) ++frefs[f.v];
    });
    w.tasks.each([&](TaskId, const Task& t) {
        if (t.state != TASK_INTERRUPTIBLE && !t.on_runqueue) return;
        if (t.wait.file) ++frefs[t.wait.file.v];
        if (t.wait.newfile) ++frefs[t.wait.newfile.v];
    });
    w.files.each([&](FileId fid, const File& f) {
        if (f.f_count != frefs[fid.v])
            o.bad(id("file", fid.v), ".f_count ", std::to_string(f.f_count), " but ", std::to_string(frefs[fid.v]), " references");
        if (f.f_op == FileOps::socket_file_ops) {
            if (!w.sockets.contains(f.private_data)) o.bad(id("file", fid.v), " private_data is not a live socket");
            else if (w.sockets[f.private_data].file != fid) o.bad(id("file", fid.v), " -> socket whose file is not it");
        }
    });
    // ---- socket <-> sock ----
    w.sockets.each([&](SocketId sid, const Socket& s) {
        if (s.file && (!w.files.contains(s.file) || w.files[s.file].private_data != sid))
            o.bad(id("socket", sid.v), ".file does not point back");
        if (s.sk) {
            if (!w.socks.contains(s.sk)) o.bad(id("socket", sid.v), ".sk is freed");
            else if (w.socks[s.sk].sk_socket != sid) o.bad(id("socket", sid.v), ".sk's sk_socket is not it");
        }
        for (const Waiter& wt : s.wq) {
            if (!w.tasks.contains(wt.task)) o.bad(id("socket", sid.v), " wait queue holds a dead task");
            else if (w.tasks[wt.task].state != TASK_INTERRUPTIBLE) o.bad(id("socket", sid.v), " wait queue holds a running task");
        }
    });
    std::map<uint32_t, int> req_refs;
    w.reqs.each([&](ReqId, const RequestSock& r) { if (r.rsk_listener) ++req_refs[r.rsk_listener.v]; });
    std::map<uint32_t, int> pending_reqs;
    w.reqs.each([&](ReqId rid, const RequestSock& r) {
        if (!w.socks.contains(r.rsk_listener)) o.bad(id("request_sock", rid.v), " has a freed listener");
        if (!r.in_accept_queue && !r.sk) ++pending_reqs[r.rsk_listener.v];
        if (r.in_accept_queue && !w.socks.contains(r.sk)) o.bad(id("request_sock", rid.v), " in the accept queue without a child");
        if (r.rsk_timer && (!w.timers.contains(r.rsk_timer) || w.timers[r.rsk_timer].owner != rid.v))
            o.bad(id("request_sock", rid.v), ".rsk_timer is not its timer");
    });
    w.socks.each([&](SockId kid, const Sock& s) {
        std::string me = id("sock", kid.v);
        if (s.sk_socket) {
            if (!w.sockets.contains(s.sk_socket)) o.bad(me, ".sk_socket is freed");
            else if (w.sockets[s.sk_socket].sk != kid) o.bad(me, ".sk_socket's sk is not it");
        }
        if ((s.sk_flags & SOCK_DEAD) && s.sk_socket) o.bad(me, " is SOCK_DEAD but still has a socket");
        int want_ref = (s.destroyed ? 0 : 1) + req_refs[kid.v];
        if (s.sk_refcnt != want_ref)
            o.bad(me, ".sk_refcnt ", std::to_string(s.sk_refcnt), " but ", std::to_string(want_ref), " references");
        if (s.sk_ack_backlog != s.rskq_accept.size())
            o.bad(me, ".sk_ack_backlog ", std::to_string(s.sk_ack_backlog), " but the accept queue holds ", std::to_string(s.rskq_accept.size()));
        for (ReqId r : s.rskq_accept) {
            if (!w.reqs.contains(r)) { o.bad(me, " accept queue holds a freed request"); continue; }
            const RequestSock& q = w.reqs[r];
            if (!q.in_accept_queue || q.rsk_listener != kid) o.bad(me, " accept queue entry ", id("request_sock", r.v), " does not point back");
            if (q.sk && w.socks.contains(q.sk) && w.socks[q.sk].sk_socket) o.bad(me, " queued child already has a socket");
        }
        if (s.qlen != pending_reqs[kid.v])
            o.bad(me, ".qlen ", std::to_string(s.qlen), " but ", std::to_string(pending_reqs[kid.v]), " request socks wait");
        if (s.young < 0 || s.young > s.qlen) o.bad(me, ".young ", std::to_string(s.young), " outside 0..qlen");
        if (s.icsk_bind_hash) {
            if (!w.buckets.contains(s.icsk_bind_hash)) o.bad(me, " bound to a freed bucket");
            else {
                const BindBucket& b = w.buckets[s.icsk_bind_hash];
                bool in = false;
                for (SockId x : b.owners) in |= x == kid;
                if (!in) o.bad(me, " not among its bucket's owners");
                if (b.port != s.inet_num) o.bad(me, ".inet_num ", std::to_string(s.inet_num), " but bucket port ", std::to_string(b.port));
            }
        }
        if (s.sk_state == TCP_LISTEN && s.sk_prot == ProtKind::tcp_prot && !s.listener_hashed) o.bad(me, " LISTEN but not in the listening hash");
        if (s.listener_hashed && s.sk_state != TCP_LISTEN) o.bad(me, " in the listening hash but not LISTEN");
        if (s.icsk_retransmit_timer && (!w.timers.contains(s.icsk_retransmit_timer) || w.timers[s.icsk_retransmit_timer].owner != kid.v))
            o.bad(me, ".icsk_retransmit_timer is not its timer");
    });
    // ---- buckets ----
    w.buckets.each([&](BucketId bid, const BindBucket& b) {
        std::string me = id("bind_bucket", bid.v);
        if (b.owners.empty() && b.tw_owners.empty()) o.bad(me, " is empty but alive");
        auto it = w.bhash.find({b.table, b.port});
        if (it == w.bhash.end() || it->second != bid) o.bad(me, " not in the bind hash under its port");
        for (SockId s : b.owners)
            if (!w.socks.contains(s) || w.socks[s].icsk_bind_hash != bid) o.bad(me, " owner ", id("sock", s.v), " does not point back");
        for (TwId t : b.tw_owners)
            if (!w.tws.contains(t) || w.tws[t].tw_tb != bid) o.bad(me, " timewait owner does not point back");
    });
    for (const auto& [key, b] : w.bhash)
        if (!w.buckets.contains(b)) o.bad("bind hash port ", std::to_string(key.second), " -> freed bucket");
    // ---- hashes ----
    for (const auto& [port, v] : w.lhash)
        for (SockId s : v)
            if (!w.socks.contains(s) || w.socks[s].inet_num != port || !w.socks[s].listener_hashed)
                o.bad("listening hash port ", std::to_string(port), " holds a stale sock");
    for (const auto& [key, e] : w.ehash) {
        std::string at = "ehash " + endpoint_str(key.laddr, key.lport) + "<->" + endpoint_str(key.raddr, key.rport);
        if (e.kind == ObjKind::Sock) {
            SockId s(e.id);
            if (!w.socks.contains(s) || !w.socks[s].ehashed) o.bad(at, " holds a stale sock");
        } else if (e.kind == ObjKind::Req) {
            ReqId r(e.id);
            if (!w.reqs.contains(r)) o.bad(at, " holds a freed request");
        } else if (e.kind == ObjKind::Tw) {
            if (!w.tws.contains(TwId(e.id))) o.bad(at, " holds a freed timewait sock");
        }
    }
    // ---- timers ----
    if (w.timer_queue.size() != w.timers.size()) o.bad("timer queue holds ", std::to_string(w.timer_queue.size()), " entries for ", std::to_string(w.timers.size()), " timers");
    for (const auto& [exp, seq, tid] : w.timer_queue)
        if (!w.timers.contains(TimerId(tid)) || w.timers[TimerId(tid)].expires != exp || w.timers[TimerId(tid)].seq != seq)
            o.bad("timer queue entry for timer#", std::to_string(tid), " is stale");
    w.timers.each([&](TimerId tid, const Timer& t) {
        bool ok = false;
        switch (t.kind) {
        case TimerKind::tcp_retransmit: ok = w.socks.contains(SockId(t.owner)) && w.socks[SockId(t.owner)].icsk_retransmit_timer == tid; break;
        case TimerKind::reqsk_timer: ok = w.reqs.contains(ReqId(t.owner)) && w.reqs[ReqId(t.owner)].rsk_timer == tid; break;
        case TimerKind::tcp_keepalive: ok = w.socks.contains(SockId(t.owner)) && w.socks[SockId(t.owner)].sk_timer == tid; break;
        case TimerKind::tw_timer: ok = w.tws.contains(TwId(t.owner)) && w.tws[TwId(t.owner)].tw_timer == tid; break;
        case TimerKind::sock_timeout: ok = w.tasks.contains(TaskId(t.owner)) && w.tasks[TaskId(t.owner)].timeout_timer == tid; break;
        }
        if (!ok) o.bad(id("timer", tid.v), " has no owner that knows it");
        if (t.expires < w.now) o.bad(id("timer", tid.v), " expired in the past and never ran");
    });
    // ---- tasks ----
    for (TaskId t : w.runqueue)
        if (!w.tasks.contains(t) || !w.tasks[t].on_runqueue) o.bad("run queue holds a task that is not runnable");
    w.tasks.each([&](TaskId tid, const Task& t) {
        if (t.state == TASK_INTERRUPTIBLE && t.wait.sock && t.wait.kind != WaitKind::KthreadStop) {
            bool on = false;
            if (w.sockets.contains(t.wait.sock))
                for (const Waiter& x : w.sockets[t.wait.sock].wq) on |= x.task == tid;
            if (!on) o.bad(id("task", tid.v), " asleep but on no wait queue");
        }
    });
    return o.v;
}

std::vector<std::string> leftovers(const World& w) {
    Out o;
    w.files.each([&](FileId f, const File& file) {
        if (file.f_op != FileOps::tty_fops) o.bad(id("file", f.v), " still open");
    });
    w.sockets.each([&](SocketId s, const Socket&) { o.bad(id("socket", s.v), " left"); });
    w.socks.each([&](SockId s, const Sock&) { o.bad(id("sock", s.v), " left"); });
    w.reqs.each([&](ReqId r, const RequestSock&) { o.bad(id("request_sock", r.v), " left"); });
    w.tws.each([&](TwId t, const TimewaitSock&) { o.bad(id("timewait_sock", t.v), " left"); });
    w.buckets.each([&](BucketId b, const BindBucket&) { o.bad(id("bind_bucket", b.v), " left"); });
    w.timers.each([&](TimerId t, const Timer&) { o.bad(id("timer", t.v), " left"); });
    if (!w.wire.empty()) o.bad(std::to_string(w.wire.size()), " segments still on the wire");
    if (!w.ehash.empty()) o.bad("established hash not empty");
    if (!w.lhash.empty()) o.bad("listening hash not empty");
    return o.v;
}

}  // namespace sockscope
