// sched.cpp — tasks, sleeping and waking: kernel/fork.c, kernel/kthread.c,
// kernel/sched/wait.c, kernel/signal.c and kernel/exit.c, as far as sockets
// need them.
//
// A sleeping task is on a socket's wait queue in the kernel's order
// (non-exclusive waiters at the head, exclusive ones at the tail) with its
// syscall's state in Task::wait. __wake_up walks the queue: every
// non-exclusive waiter wakes, and one exclusive waiter (accept) unless the
// wake is for all (a state change). Woken tasks go on the run queue; the
// step driver (machine.cpp) resumes them one step each. The seed-000
// kernel-thread server runs here as a small state machine.
// Left out: scheduling classes and time slices (tasks run only when
// stepped), real signals (a signal here only interrupts a sleep), exec.
#include "kernel/model.h"

namespace sockscope {
inline namespace SOCKSCOPE_MODEL_VARIANT {  // kernel.h: built twice

// ---------------------------------------------------------------- tasks

bool capable(Kernel& k, TaskId t, int cap) {
    if (!t) return true;
    return (k.w.tasks[t].cap_effective >> cap) & 1;
}

TaskId create_process(Kernel& k, const char* comm, uint32_t uid, uint32_t gid, bool root) {
    TaskId t = create<TaskId>(k);
    KSET(k, t, pid, k.w.next_pid);
    KSET(k, t, tgid, k.w.next_pid);
    ++k.w.next_pid;
    k.w.tasks[t].comm = comm;
    KSET(k, t, uid, uid);
    KSET(k, t, gid, gid);
    KSET(k, t, cap_effective, root ? kRootCaps : 0);
    // fds 0, 1, 2: one open terminal, shared the way a shell hands it down
    FilesId fs = create<FilesId>(k);
    KSET(k, t, files, fs);
    FileId tty = create<FileId>(k);
    KSET(k, tty, f_count, 0);
    KSET(k, tty, f_flags, O_RDWR | O_LARGEFILE);  // open() adds O_LARGEFILE on 64-bit
    for (int fd = 0; fd < TTY_FDS; ++fd) {
        int got = alloc_fd(k, t, 0, k.w.tasks[t].rlim_nofile, 0);
        KSET(k, tty, f_count, k.w.files[tty].f_count + 1);
        fd_install(k, t, got, tty);
    }
    return t;
}

TaskId kernel_clone(Kernel& k, TaskId parent, bool thread, const char* comm) {
    KFRAME(k, kernel_clone);
    const Task p = k.w.tasks[parent];
    TaskId t = create<TaskId>(k);
    KSET(k, t, pid, k.w.next_pid);
    KSET(k, t, tgid, thread ? p.tgid : k.w.next_pid);
    ++k.w.next_pid;
    k.w.tasks[t].comm = comm;
    KSET(k, t, uid, p.uid);
    KSET(k, t, gid, p.gid);
    KSET(k, t, cap_effective, p.cap_effective);
    KSET(k, t, rlim_nofile, p.rlim_nofile);
    if (thread) {
        KSET(k, p.files, count, k.w.files_structs[p.files].count + 1);
        KSET(k, t, files, p.files);
    } else {
        KSET(k, t, files, dup_fd(k, p.files));
    }
    return t;
}

void task_exit(Kernel& k, TaskId t) {
    if (k.w.tasks[t].files) {
        FilesId fs = k.w.tasks[t].files;
        KSET(k, t, files, FilesId{});
        put_files_struct(k, fs);
    }
    KSET(k, t, state, TASK_DEAD);
    destroy(k, t);
}

// ---------------------------------------------------------------- wait queues

void prepare_to_wait(Kernel& k, SocketId s, TaskId t, bool exclusive) {
    KFRAME(k, prepare_to_wait);
    if (!s) return;
    auto& wq = k.w.sockets[s].wq;
    for (const Waiter& w : wq)
        if (w.task == t) return;
    if (exclusive) {
        wq.push_back({t, true});  // exclusive waiters queue at the tail
    } else {
        wq.insert(wq.begin(), Waiter{t, false});
    }
    link(k, Ev::LinkAdd, ObjKind::Socket, s.v, Link::wait_queue, exclusive, t.v);
}

void finish_wait(Kernel& k, SocketId s, TaskId t) {
    if (!s || !k.w.sockets.contains(s)) return;
    auto& wq = k.w.sockets[s].wq;
    for (size_t i = 0; i < wq.size(); ++i)
        if (wq[i].task == t) {
            bool ex = wq[i].exclusive;
            wq.erase(wq.begin() + static_cast<long>(i));
            KFRAME(k, finish_wait);
            link(k, Ev::LinkDel, ObjKind::Socket, s.v, Link::wait_queue, ex, t.v);
            return;
        }
}

void task_sleep(Kernel& k, TaskId t, const SyscallFrame& f, int64_t timeout_ms) {
    KFRAME(k, schedule_timeout);
    Task& task = k.w.tasks[t];
    task.wait = f;
    task.wait.deadline = timeout_ms < 0 ? -1 : k.w.now + timeout_ms;
    KSET(k, t, state, TASK_INTERRUPTIBLE);
    rec(k, Ev::Sleep, ObjKind::Task, 0, t.v, f.sock.v, static_cast<int64_t>(f.kind));
    if (timeout_ms >= 0) {
        TimerId tm = mod_timer(k, k.w.tasks[t].timeout_timer, TimerKind::sock_timeout, t.v,
                               k.w.now + timeout_ms);
        KSET(k, t, timeout_timer, tm);
    }
}

void try_to_wake_up(Kernel& k, TaskId t) {
    KFRAME(k, try_to_wake_up);
    if (k.w.tasks[t].state != TASK_INTERRUPTIBLE) return;
    KSET(k, t, state, TASK_RUNNING);
    TimerId tm = k.w.tasks[t].timeout_timer;
    // A timeout that has not run yet goes, even one due this very
    // millisecond (the wake-up came first).
    if (tm && k.w.timers.contains(tm)) del_timer(k, tm);
    KSET(k, t, timeout_timer, TimerId{});
    KSET(k, t, on_runqueue, true);
    k.w.runqueue.push_back(t);
    rec(k, Ev::Wake, ObjKind::Task, 0, t.v);
    link(k, Ev::LinkAdd, ObjKind::Net, 0, Link::runqueue, 0, t.v);
}

void wake_up_socket(Kernel& k, SocketId s, bool all_exclusive) {
    KFRAME(k, __wake_up);
    if (k.w.sockets[s].wq.empty()) return;  // most wake-ups find nobody: no copy
    auto wq = k.w.sockets[s].wq;  // a copy: waking edits the queue
    int nr_exclusive = 1;
    for (const Waiter& w : wq) {
        finish_wait(k, s, w.task);  // autoremove_wake_function
        try_to_wake_up(k, w.task);
        if (w.exclusive && !all_exclusive && --nr_exclusive == 0) break;
    }
}

void signal_task(Kernel& k, TaskId t) {
    KFRAME(k, signal_wake_up);
    // A task that is not inside a syscall takes the signal on its way back
    // to user space (the handler runs, nothing is left pending); only a
    // task in the middle of a call sees it there, as EINTR.
    if (k.w.tasks[t].wait.kind == WaitKind::None) return;
    KSET(k, t, signal_pending, true);
    if (k.w.tasks[t].state == TASK_INTERRUPTIBLE) finish_wait(k, k.w.tasks[t].wait.sock, t);
    try_to_wake_up(k, t);
}

// ---------------------------------------------------------------- kthreads

TaskId kthread_run(Kernel& k, uint32_t addr, uint16_t port, int backlog) {
    KFRAME(k, kthread_run);
    TaskId t = create<TaskId>(k);
    KSET(k, t, pid, k.w.next_pid);
    KSET(k, t, tgid, k.w.next_pid);
    ++k.w.next_pid;
    k.w.tasks[t].comm = "kthread_server";
    KSET(k, t, kthread, true);
    KSET(k, t, cap_effective, kRootCaps);
    KSET(k, t, kthread_addr, addr);
    KSET(k, t, kthread_port, port);
    KSET(k, t, kthread_backlog, backlog);
    // wake_up_process: it runs when the step driver gets to it.
    KSET(k, t, state, TASK_INTERRUPTIBLE);
    try_to_wake_up(k, t);
    return t;
}

// The seed-000 module's thread function, one wake-up at a time:
//   sock_create_kern; sk_reuse = 1; kernel_bind; kernel_listen;
//   while (!kthread_should_stop()) {
//       wait_event_interruptible(*sk_sleep(sk),
//           !reqsk_queue_empty(&icsk_accept_queue) || kthread_should_stop());
//       if (!empty) { kernel_accept(sock, &client, 0); sock_release(client); }
//   }
//   sock_release(sock);
void kthread_resume(Kernel& k, TaskId t) {
    Task& task = k.w.tasks[t];
    if (task.kthread_pc == 0) {
        SocketId s;
        int err = sock_create_kern(k, t, AF_INET, SOCK_STREAM, IPPROTO_TCP, &s);
        if (!err) {
            KSET(k, t, kthread_sock, s);
            KSET(k, k.w.sockets[s].sk, sk_reuse, SK_CAN_REUSE);
            SockAddrIn a;
            a.addr = k.w.tasks[t].kthread_addr;
            a.port = k.w.tasks[t].kthread_port;
            err = kernel_bind(k, s, a);
            if (!err) err = kernel_listen(k, s, k.w.tasks[t].kthread_backlog);
            if (err) {
                sock_release(k, s);
                KSET(k, t, kthread_sock, SocketId{});
            }
        }
        if (err) {
            KSET(k, t, exit_code, err);
            KSET(k, t, kthread_pc, 2);
        } else {
            KSET(k, t, kthread_pc, 1);
        }
    }
    while (k.w.tasks[t].kthread_pc == 1) {
        SocketId s = k.w.tasks[t].kthread_sock;
        SockId sk = k.w.sockets[s].sk;
        finish_wait(k, s, t);
        bool stop;
        {
            KFRAME(k, kthread_should_stop);
            stop = k.w.tasks[t].kthread_should_stop;
        }
        if (stop) {
            sock_release(k, s);
            KSET(k, t, kthread_sock, SocketId{});
            KSET(k, t, kthread_pc, 2);
            break;
        }
        if (k.w.socks[sk].rskq_accept.empty()) {
            prepare_to_wait(k, s, t, false);
            SyscallFrame fr;
            fr.kind = WaitKind::KthreadWait;
            fr.sock = s;
            task_sleep(k, t, fr, -1);
            return;
        }
        SocketId client;
        if (kernel_accept(k, t, s, &client, 0) == 0) {
            KSET(k, t, kthread_accepted, k.w.tasks[t].kthread_accepted + 1);
            sock_release(k, client);  // the seed logs the client and lets it go
        }
    }
    // pc 2: the thread function returned; wake whoever waits in kthread_stop
    TaskId waiter;
    k.w.tasks.each([&](TaskId id, const Task& o) {
        if (o.state == TASK_INTERRUPTIBLE && o.wait.kind == WaitKind::KthreadStop && o.wait.target == t)
            waiter = id;
    });
    int code = k.w.tasks[t].exit_code;
    task_exit(k, t);
    if (waiter) {
        KSET(k, waiter, exit_code, code);
        try_to_wake_up(k, waiter);
    }
}

int kthread_stop(Kernel& k, TaskId caller, TaskId kth) {
    KFRAME(k, kthread_stop);
    if (!kth || !k.w.tasks.contains(kth) || !k.w.tasks[kth].kthread) KRET(-ESRCH);
    KSET(k, kth, kthread_should_stop, true);
    if (k.w.tasks[kth].state == TASK_INTERRUPTIBLE) {
        finish_wait(k, k.w.tasks[kth].wait.sock, kth);
        try_to_wake_up(k, kth);
    }
    SyscallFrame fr;
    fr.kind = WaitKind::KthreadStop;
    fr.target = kth;
    task_sleep(k, caller, fr, -1);
    KRET(SLEEPING);
}

}  // inline namespace SOCKSCOPE_MODEL_VARIANT
}  // namespace sockscope
