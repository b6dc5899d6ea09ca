// machine.cpp — running commands as steps (see machine.h).
#include "machine.h"

#include <iterator>

#include "kernel/model.h"
#include "sysctl_names.h"

namespace sockscope {

static const char* const kOpNames[] = {
    "socket", "bind", "listen", "connect", "accept", "accept4", "close", "dup", "dup2", "shutdown",
    "setsockopt", "getsockopt", "fcntl", "sleep", "fork", "thread", "spawn", "exit", "signal",
    "kthread_run", "kthread_stop", "sock_create_kern", "kernel_bind", "kernel_listen",
    "kernel_accept", "sock_release", "sock_register", "inet_register_protosw", "peer", "peer_send",
    "synflood", "sysctl", "setresuid",
};
static_assert(sizeof(kOpNames) / sizeof(kOpNames[0]) == static_cast<size_t>(Op::Count));

const char* op_name(Op op) { return kOpNames[static_cast<size_t>(op)]; }

static TaskId task_by_pid(const World& w, int64_t pid) {
    TaskId found;
    w.tasks.each([&](TaskId id, const Task& t) { if (t.pid == pid) found = id; });
    return found;
}

static SockAddrIn addr_of(const Command& c) {
    SockAddrIn a;
    a.addr = static_cast<uint32_t>(c.a[1]);
    a.port = static_cast<uint16_t>(c.a[2]);
    a.len = static_cast<int>(c.a[3]);
    a.family = static_cast<int>(c.a[4]);
    return a;
}

// A kernel socket handle from a script is a SocketId that must be a
// kernel socket (no file).
static bool kernel_socket(const World& w, int64_t h, SocketId* out) {
    if (h <= 0 || h > 0xffffffffLL) return false;
    SocketId s(static_cast<uint32_t>(h));
    if (!w.sockets.contains(s) || w.sockets[s].file) return false;
    // A kernel thread's own socket belongs to its code, not to the user.
    bool owned = false;
    w.tasks.each([&](TaskId, const Task& t) { if (t.kthread && t.kthread_sock == s) owned = true; });
    if (owned) return false;
    *out = s;
    return true;
}

// Opens a step unless the replay budget is spent.
static bool begin(Machine& m, StepKind kind, uint32_t idx, uint32_t task) {
    if (m.budget == 0) return false;
    if (m.budget > 0) --m.budget;
    ++m.steps_run;
    m.k.begin_step(kind, idx, task);
    return true;
}

Outcome Machine::exec(const Command& c, uint32_t idx) {
    if (!begin(*this, StepKind::Syscall, idx, c.task)) return Outcome{true, 0};
    TaskId t(c.task);
    int64_t r = 0;
    const auto& a = c.a;
    auto i = [&](int n) { return static_cast<int>(a[n]); };
    switch (c.op) {
    case Op::Socket: r = sys_socket(k, t, i(0), i(1), i(2)); break;
    case Op::Bind: r = sys_bind(k, t, i(0), addr_of(c)); break;
    case Op::Listen: r = sys_listen(k, t, i(0), i(1)); break;
    case Op::Connect: r = sys_connect(k, t, i(0), addr_of(c)); break;
    case Op::Accept: r = sys_accept4(k, t, i(0), 0); break;
    case Op::Accept4: r = sys_accept4(k, t, i(0), i(1)); break;
    case Op::Close: r = close_fd(k, t, i(0)); break;
    case Op::Dup: r = sys_dup(k, t, i(0)); break;
    case Op::Dup2: r = sys_dup2(k, t, i(0), i(1)); break;
    case Op::Shutdown: r = sys_shutdown(k, t, i(0), i(1)); break;
    case Op::Setsockopt: r = sys_setsockopt(k, t, i(0), i(1), i(2), a[3], a[4], i(5)); break;
    case Op::Getsockopt: r = sys_getsockopt(k, t, i(0), i(1), i(2)); break;
    case Op::Fcntl: r = do_fcntl(k, t, i(0), i(1), a[2]); break;
    case Op::Sleep:
        advance(a[0] < 0 ? 0 : a[0], idx);
        r = 0;
        break;
    case Op::Fork:
    case Op::Thread: {
        std::string comm = k.w.tasks[t].comm;  // a copy: cloning may move the task table
        TaskId child = kernel_clone(k, t, c.op == Op::Thread, comm.c_str());
        r = k.w.tasks[child].pid;
        break;
    }
    case Op::Spawn: {
        TaskId nt = create_process(k, "proc", static_cast<uint32_t>(a[0]), static_cast<uint32_t>(a[1]), a[2] != 0);
        r = k.w.tasks[nt].pid;
        break;
    }
    case Op::Setresuid:
        // setresuid + setresgid: the same process, other credentials. Leaving
        // uid 0 drops the capabilities (no PR_SET_KEEPCAPS in the model).
        KSET(k, t, uid, static_cast<uint32_t>(a[0]));
        KSET(k, t, gid, static_cast<uint32_t>(a[1]));
        KSET(k, t, cap_effective, a[0] == 0 ? kRootCaps : 0);
        r = 0;
        break;
    case Op::Exit: task_exit(k, t); r = 0; break;
    case Op::Signal: {
        TaskId target = task_by_pid(k.w, a[0]);
        if (!target) { r = -ESRCH; break; }
        signal_task(k, target);
        r = 0;
        break;
    }
    case Op::KthreadRun: {
        TaskId kt = kthread_run(k, static_cast<uint32_t>(a[0]), static_cast<uint16_t>(a[1]), i(2));
        r = k.w.tasks[kt].pid;
        break;
    }
    case Op::KthreadStop: r = kthread_stop(k, t, task_by_pid(k.w, a[0])); break;
    case Op::SockCreateKern: {
        SocketId s;
        r = sock_create_kern(k, t, i(0), i(1), i(2), &s);
        if (r == 0) r = s.v;
        break;
    }
    case Op::KernelBind: {
        SocketId s;
        if (!kernel_socket(k.w, a[0], &s)) { r = -EBADF; break; }
        r = kernel_bind(k, s, addr_of(c));
        break;
    }
    case Op::KernelListen: {
        SocketId s;
        if (!kernel_socket(k.w, a[0], &s)) { r = -EBADF; break; }
        r = kernel_listen(k, s, i(1));
        break;
    }
    case Op::KernelAccept: {
        SocketId s, ns;
        if (!kernel_socket(k.w, a[0], &s)) { r = -EBADF; break; }
        r = kernel_accept(k, t, s, &ns, i(1));
        if (r == 0) r = ns.v;
        break;
    }
    case Op::SockRelease: {
        SocketId s;
        if (!kernel_socket(k.w, a[0], &s)) { r = -EBADF; break; }
        sock_release(k, s);
        r = 0;
        break;
    }
    case Op::SockRegister: r = sock_register(k, i(0), c.text.c_str()); break;
    case Op::ProtoswRegister: {
        InetProtosw p;
        p.type = i(1);
        p.protocol = i(2);
        switch (a[3]) {
        case 1: p.prot = ProtKind::tcp_prot; p.ops = OpsKind::inet_stream_ops; p.flags = INET_PROTOSW_ICSK; break;
        case 2: p.prot = ProtKind::udp_prot; p.ops = OpsKind::inet_dgram_ops; break;
        case 3: p.prot = ProtKind::raw_prot; p.ops = OpsKind::inet_sockraw_ops; p.flags = INET_PROTOSW_REUSE; break;
        case 4: p.prot = ProtKind::ping_prot; p.ops = OpsKind::inet_sockraw_ops; p.flags = INET_PROTOSW_REUSE; break;
        default: r = -EINVAL; break;
        }
        if (r == 0) r = inet_register_protosw(k, i(0), p);
        break;
    }
    case Op::PeerCreate: {
        uint32_t addr = static_cast<uint32_t>(a[0]);
        if (addr_is_loopback(addr) || addr == 0 || addr_is_multicast(addr) || addr_is_broadcast(addr)) {
            r = -EADDRNOTAVAIL;
            break;
        }
        if (peer_at(k.w, addr)) { r = -EADDRINUSE; break; }
        r = peer_create(k, c.text.c_str(), addr).v;
        break;
    }
    case Op::PeerSend: {
        PeerId p(static_cast<uint32_t>(a[0]));
        if (!k.w.peers.contains(p)) { r = -ESRCH; break; }
        r = peer_send(k, p, static_cast<uint8_t>(a[1]), static_cast<uint32_t>(a[2]),
                      static_cast<uint16_t>(a[3]), i(4), a[5] != 0);
        break;
    }
    case Op::SynFlood: {
        // N SYNs from N addresses of 10.99.0.0/16, none ever answered.
        int n = i(2);
        for (int j = 0; j < n; ++j) {
            uint32_t addr = 0x0a630000u + static_cast<uint32_t>(j % 65534) + 1;
            PeerId p = peer_at(k.w, addr);
            if (!p) p = peer_create(k, "flood", addr);
            peer_send(k, p, TH_SYN, static_cast<uint32_t>(a[0]), static_cast<uint16_t>(a[1]), -1);
        }
        r = n;
        break;
    }
    case Op::Sysctl: {
        const auto& names = sysctl_names();
        if (a[0] < 0 || a[0] >= static_cast<int64_t>(names.size())) { r = -ENOENT; break; }
        r = set_sysctl(k.w, names[static_cast<size_t>(a[0])], a[1], a[2]) ? 0 : -EINVAL;
        break;
    }
    case Op::Count: r = -ENOSYS; break;
    }
    Outcome o;
    if (r == SLEEPING) {
        o.sleeping = true;
    } else {
        o.ret = r;
        if (t && c.op != Op::Sleep) k.rec(Ev::Return, ObjKind::Task, 0, t.v, r < 0 ? -1 : r, r < 0 ? -r : 0);
    }
    if (after_step && c.op != Op::Sleep) after_step(*this);
    return o;
}

bool Machine::step_pending(uint32_t idx) {
    bool ran = step_pending_inner(idx);
    if (ran && after_step) after_step(*this);
    return ran;
}

bool Machine::step_pending_inner(uint32_t idx) {
    if (!has_pending()) return false;
    if (!k.w.wire.empty()) {
        if (!begin(*this, StepKind::Deliver, idx, 0)) return false;
        deliver_next_packet(k);
        return true;
    }
    if (!begin(*this, StepKind::Resume, idx, k.w.runqueue.front().v)) return false;
    TaskId t = k.w.runqueue.front();
    k.w.runqueue.erase(k.w.runqueue.begin());
    k.link(Ev::LinkDel, ObjKind::Net, 0, Link::runqueue, 0, t.v);
    if (!k.w.tasks.contains(t)) return true;
    KSET(k, t, on_runqueue, false);
    Task& task = k.w.tasks[t];
    if (task.kthread && task.wait.kind != WaitKind::KthreadStop) {
        kthread_resume(k, t);
        return true;
    }
    int64_t r;
    switch (task.wait.kind) {
    case WaitKind::Accept: r = accept_resume(k, t); break;
    case WaitKind::Connect: r = connect_resume(k, t); break;
    case WaitKind::KthreadStop:
        r = task.exit_code;
        k.w.tasks[t].wait = SyscallFrame{};
        break;
    default: return true;  // woken with nothing to finish
    }
    if (r != SLEEPING) k.complete(t, r);
    return true;
}

void Machine::settle(uint32_t idx) {
    while (step_pending(idx)) {
    }
}

void Machine::advance(int64_t ms, uint32_t idx) {
    // The clock stops at the end of int64 rather than wrap.
    int64_t target = ms > INT64_MAX - k.w.now ? INT64_MAX : k.w.now + ms;
    for (;;) {
        // Is a timer due by target? Peek before opening its step.
        if (!timer_due(k.w, target)) break;
        if (budget == 0) return;  // a replay that stops here keeps the clock where it was
        // The clock reaches the timer before its step opens, so the step
        // carries the time at which it runs.
        int64_t due = std::get<0>(*k.w.timer_queue.begin());
        if (due > k.w.now) k.w.now = due;
        begin(*this, StepKind::Timer, idx, 0);
        run_next_timer(k, target);
        if (after_step) after_step(*this);
        settle(idx);
        // settle() may have stopped on the replay budget with packets still
        // on the wire: the live run was at this time then, not at target.
        // (With nothing left to do, the step was the command's last, and
        // the world after it is the one after the whole sleep.)
        if (budget == 0 && has_pending()) return;
    }
    k.w.now = target;
}

// ---------------------------------------------------------------- sysctls

static const std::vector<std::string> kSysctls(std::begin(kSysctlNames), std::end(kSysctlNames));

const std::vector<std::string>& Machine::sysctl_names() { return kSysctls; }

bool Machine::sysctl_id(const std::string& name, int* id) {
    for (size_t i = 0; i < kSysctls.size(); ++i)
        if (kSysctls[i] == name) { *id = static_cast<int>(i); return true; }
    return false;
}

// The limits are the kernel's proc handlers': proc_dou8vec_minmax for the
// u8 sysctls (0..255 unless a tighter range is given), proc_dointvec_minmax
// for somaxconn (>= 0), and the cross-checks of ipv4_local_port_range and
// ipv4_privileged_ports (the range may not start below the first
// unprivileged port, and that port may not lie above the range's start).
// A refused value changes nothing.
bool Machine::set_sysctl(World& w, const std::string& name, int64_t v1, int64_t v2) {
    return set_sysctl(w.sysctl, name, v1, v2);
}

bool Machine::set_sysctl(Sysctls& s, const std::string& name, int64_t v1, int64_t v2) {
    auto in = [](int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; };
    auto iv = static_cast<int>(v1);
    auto set_u8 = [&](int& field, int64_t lo, int64_t hi) {
        if (!in(v1, lo, hi)) return false;
        field = iv;
        return true;
    };
    if (name == "net.core.somaxconn") {
        if (!in(v1, 0, INT32_MAX)) return false;
        s.somaxconn = iv;
    } else if (name == "net.ipv4.tcp_max_syn_backlog") {
        if (!in(v1, INT32_MIN, INT32_MAX)) return false;
        s.tcp_max_syn_backlog = iv;
    } else if (name == "net.ipv4.tcp_syncookies") return set_u8(s.tcp_syncookies, 0, 255);
    else if (name == "net.ipv4.tcp_abort_on_overflow") return set_u8(s.tcp_abort_on_overflow, 0, 255);
    else if (name == "net.ipv4.ip_local_port_range") {
        if (!in(v1, 1, 65535) || !in(v2, 1, 65535) || v1 > v2 || v1 < s.ip_unprivileged_port_start) return false;
        s.ip_local_port_range_lo = iv;
        s.ip_local_port_range_hi = static_cast<int>(v2);
    } else if (name == "net.ipv4.ip_unprivileged_port_start") {
        if (!in(v1, 0, 65535) || v1 > s.ip_local_port_range_lo) return false;
        s.ip_unprivileged_port_start = iv;
    } else if (name == "net.ipv4.tcp_synack_retries") return set_u8(s.tcp_synack_retries, 0, 255);
    else if (name == "net.ipv4.tcp_syn_retries") return set_u8(s.tcp_syn_retries, 1, 127);  // MAX_TCP_SYNCNT
    else if (name == "net.ipv4.tcp_syn_linear_timeouts") return set_u8(s.tcp_syn_linear_timeouts, 0, 127);
    else if (name == "net.ipv4.ping_group_range") {
        if (!in(v1, 0, INT32_MAX) || !in(v2, 0, INT32_MAX)) return false;  // GID_T_MAX
        // An empty range (high < low) is stored as the default "1 0".
        s.ping_group_range_lo = v2 < v1 ? 1 : iv;
        s.ping_group_range_hi = v2 < v1 ? 0 : static_cast<int>(v2);
    } else if (name == "net.ipv4.tcp_fin_timeout") {
        if (!in(v1, 0, INT32_MAX / 1000)) return false;  // seconds, kept in jiffies
        s.tcp_fin_timeout = iv;
    } else if (name == "net.ipv4.ip_nonlocal_bind") return set_u8(s.ip_nonlocal_bind, 0, 255);
    else return false;
    return true;
}

}  // namespace sockscope
