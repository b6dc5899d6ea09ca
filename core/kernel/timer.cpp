// timer.cpp — timers on virtual time: kernel/time/timer.c.
//
// Timers are objects in the world (so history, comparison and snapshots
// see them) ordered by expiry and then by arming order. Time moves only
// when the user asks (sleep/advance); each expiring timer is one step that
// runs its function: the SYN retransmit timer, a request sock's SYN-ACK
// timer, a TIME_WAIT expiry, or a sleeping task's SO_RCVTIMEO/SO_SNDTIMEO.
// An ordered queue (World::timer_queue) finds the next one in log time.
// Left out: jitter, slack, hrtimers; the kernel's jiffies become ms.
#include "kernel/model.h"

namespace sockscope {
inline namespace SOCKSCOPE_MODEL_VARIANT {  // kernel.h: built twice

// find + erase(iterator): one tree walk where erase(key) makes two (its
// equal_range) for a key that is there at most once.
static void unqueue(World& w, TimerId t) {
    const Timer& tm = w.timers[t];
    auto it = w.timer_queue.find({tm.expires, tm.seq, t.v});
    if (it != w.timer_queue.end()) w.timer_queue.erase(it);
}

TimerId mod_timer(Kernel& k, TimerId existing, TimerKind kind, uint32_t owner, int64_t expires) {
    TimerId t = existing;
    if (!t || !k.w.timers.contains(t)) t = create<TimerId>(k);
    else unqueue(k.w, t);
    KSET(k, t, kind, kind);
    KSET(k, t, owner, owner);
    KSET(k, t, expires, expires);
    k.w.timers[t].seq = k.w.next_timer_seq++;
    k.w.timer_queue.insert({expires, k.w.timers[t].seq, t.v});
    return t;
}

void del_timer(Kernel& k, TimerId& t) {
    if (t && k.w.timers.contains(t)) {
        unqueue(k.w, t);
        destroy(k, t);
    }
    t = TimerId{};
}

bool timer_due(const World& w, int64_t until) {
    return !w.timer_queue.empty() && std::get<0>(*w.timer_queue.begin()) <= until;
}

bool run_next_timer(Kernel& k, int64_t until) {
    if (!timer_due(k.w, until)) return false;
    TimerId best(std::get<2>(*k.w.timer_queue.begin()));
    Timer tm = k.w.timers[best];
    if (tm.expires > k.w.now) k.w.now = tm.expires;
    unqueue(k.w, best);
    destroy(k, best);
    KFRAME(k, run_timer_softirq);
    switch (tm.kind) {
    case TimerKind::tcp_retransmit: {
        SockId sk(tm.owner);
        if (k.w.socks.contains(sk)) tcp_retransmit_timer(k, sk);
        break;
    }
    case TimerKind::tcp_keepalive: {
        SockId sk(tm.owner);
        if (k.w.socks.contains(sk)) tcp_keepalive_timer(k, sk);
        break;
    }
    case TimerKind::reqsk_timer: {
        ReqId r(tm.owner);
        if (k.w.reqs.contains(r)) reqsk_timer_handler(k, r);
        break;
    }
    case TimerKind::tw_timer: {
        TwId tw(tm.owner);
        if (k.w.tws.contains(tw)) {
            KSET(k, tw, tw_timer, TimerId{});
            mib_inc(k, Mib::TW);
            inet_twsk_kill(k, tw);
        }
        break;
    }
    case TimerKind::sock_timeout: {
        TaskId t(tm.owner);
        if (k.w.tasks.contains(t)) {
            KSET(k, t, timeout_timer, TimerId{});
            SocketId s = k.w.tasks[t].wait.sock;
            if (s && k.w.sockets.contains(s)) finish_wait(k, s, t);
            try_to_wake_up(k, t);
        }
        break;
    }
    }
    return true;
}

}  // inline namespace SOCKSCOPE_MODEL_VARIANT
}  // namespace sockscope
