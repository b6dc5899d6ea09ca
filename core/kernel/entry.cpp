// entry.cpp — where a step enters the model: a command's system call by
// number (the kernel's sys_call_table, arch/x86/entry), the next segment
// off the wire (the softirq, net/core/dev.c), a woken task going on with
// its syscall (the scheduler returning to it), a timer (kernel/time).
//
// Built twice, like the rest of the model (kernel.h): this file's table is
// kTracedModel in one build and kUntracedModel in the other, and the
// Machine (machine.cpp) enters through the one its step needs. The step
// itself (its budget, its record, the hooks after it) is the Machine's;
// this is only what the kernel does inside it.
#include "kernel/entry.h"

#include "kernel/model.h"

namespace sockscope {
inline namespace SOCKSCOPE_MODEL_VARIANT {  // kernel.h: built twice

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

// A command's step, already begun: run the call and record what it returned
// (a call that went to sleep returns later, from pending()).
static Outcome command(Machine& m, const Command& c, uint32_t idx) {
    Kernel& k = m.k;
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
        m.advance(a[0] < 0 ? 0 : a[0], idx);
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
        const auto& names = Machine::sysctl_names();
        if (a[0] < 0 || a[0] >= static_cast<int64_t>(names.size())) { r = -ENOENT; break; }
        r = Machine::set_sysctl(k.w, names[static_cast<size_t>(a[0])], a[1], a[2]) ? 0 : -EINVAL;
        break;
    }
    case Op::Count: r = -ENOSYS; break;
    }
    Outcome o;
    if (r == SLEEPING) {
        o.sleeping = true;
    } else {
        o.ret = r;
        if (t && c.op != Op::Sleep) rec(k, Ev::Return, ObjKind::Task, 0, t.v, r < 0 ? -1 : r, r < 0 ? -r : 0);
    }
    return o;
}

// A step already begun for what is pending: the wire's next segment first
// (the softirq runs before anything else), then the first woken task.
static void pending(Kernel& k) {
    if (!k.w.wire.empty()) {
        deliver_next_packet(k);
        return;
    }
    TaskId t = k.w.runqueue.front();
    k.w.runqueue.erase(k.w.runqueue.begin());
    link(k, Ev::LinkDel, ObjKind::Net, 0, Link::runqueue, 0, t.v);
    if (!k.w.tasks.contains(t)) return;
    KSET(k, t, on_runqueue, false);
    Task& task = k.w.tasks[t];
    if (task.kthread && task.wait.kind != WaitKind::KthreadStop) {
        kthread_resume(k, t);
        return;
    }
    int64_t r;
    switch (task.wait.kind) {
    case WaitKind::Accept: r = accept_resume(k, t); break;
    case WaitKind::Connect: r = connect_resume(k, t); break;
    case WaitKind::KthreadStop:
        r = task.exit_code;
        k.w.tasks[t].wait = SyscallFrame{};
        break;
    default: return;  // woken with nothing to finish
    }
    if (r != SLEEPING) complete(k, t, r);
}


}  // inline namespace SOCKSCOPE_MODEL_VARIANT

#ifdef SOCKSCOPE_UNTRACED
const ModelEntry kUntracedModel = {command, pending, run_next_timer};
#else
const ModelEntry kTracedModel = {command, pending, run_next_timer};
#endif

}  // namespace sockscope
