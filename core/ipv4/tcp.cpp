// tcp.cpp — TCP's socket-facing side: net/ipv4/tcp.c.
//
// Models tcp_init_sock, tcp_set_state (the single place a TCP state changes:
// CurrEstab, EstabResets, unhash, and giving back an unlocked port on
// CLOSE), tcp_close with its three exits (listen_stop for a listener, RST
// for SO_LINGER {1, 0}, FIN through the new_state table otherwise; then the
// orphan is kept for FIN_WAIT2/TIME_WAIT or destroyed), tcp_shutdown,
// tcp_disconnect and tcp_done. Left out: data and receive queues (so
// "close with unread data" never happens), tcp_check_oom, TCP_REPAIR, the
// wait for a lingering close (on loopback the FIN is acknowledged before
// close returns, so it never waits).
#include "kernel/model.h"

namespace sockscope {
inline namespace SOCKSCOPE_MODEL_VARIANT {  // kernel.h: built twice

void tcp_init_sock(Kernel& k, SockId sk) {
    KFRAME(k, tcp_init_sock);
    KSET(k, sk, icsk_rto, 1000);  // TCP_TIMEOUT_INIT
    KSET(k, sk, sk_state, TCP_CLOSE);
}

void tcp_set_state(Kernel& k, SockId sk, int state) {
    KFRAME(k, tcp_set_state);
    int old = k.w.socks[sk].sk_state;
    switch (state) {
    case TCP_ESTABLISHED:
        if (old != TCP_ESTABLISHED) mib_inc(k, Mib::CurrEstab);
        break;
    // CurrEstab counts ESTABLISHED and CLOSE_WAIT (Linux 6.10 on): a FIN
    // that arrives before the final ACK takes SYN_RECV straight here.
    case TCP_CLOSE_WAIT:
        if (old == TCP_SYN_RECV) mib_inc(k, Mib::CurrEstab);
        break;
    case TCP_CLOSE:
        if (old == TCP_CLOSE_WAIT || old == TCP_ESTABLISHED) mib_inc(k, Mib::EstabResets);
        inet_unhash(k, sk);
        if (k.w.socks[sk].icsk_bind_hash && !(k.w.socks[sk].sk_userlocks & SOCK_BINDPORT_LOCK))
            inet_put_port(k, sk);
        [[fallthrough]];
    default:
        if (old == TCP_ESTABLISHED || old == TCP_CLOSE_WAIT) mib_inc(k, Mib::CurrEstab, -1);
    }
    KSET(k, sk, sk_state, state);
}

// tcp_close_state: the new_state table; returns whether to send FIN.
static bool tcp_close_state(Kernel& k, SockId sk) {
    KFRAME(k, tcp_close_state);
    int next;
    bool fin = false;
    switch (k.w.socks[sk].sk_state) {
    case TCP_ESTABLISHED: next = TCP_FIN_WAIT1; fin = true; break;
    case TCP_SYN_RECV: next = TCP_FIN_WAIT1; fin = true; break;
    case TCP_CLOSE_WAIT: next = TCP_LAST_ACK; fin = true; break;
    case TCP_FIN_WAIT1: case TCP_FIN_WAIT2: case TCP_LAST_ACK: case TCP_CLOSING:
        next = k.w.socks[sk].sk_state; break;
    default: next = TCP_CLOSE; break;  // SYN_SENT, LISTEN, TIME_WAIT, CLOSE
    }
    tcp_set_state(k, sk, next);
    return fin;
}

void tcp_clear_xmit_timers(Kernel& k, SockId sk) {
    inet_csk_clear_xmit_timer(k, sk);
    TimerId ka = k.w.socks[sk].sk_timer;
    if (ka) {
        del_timer(k, ka);
        KSET(k, sk, sk_timer, TimerId{});
    }
}

// An orphan in FIN_WAIT2 waits tcp_fin_timeout for the peer's FIN: up to
// TCP_TIMEWAIT_LEN as a timewait sock at once, anything longer first on the
// keepalive timer as a full sock. When the peer's FIN came with the ACK that
// brought the orphan here (fin_came), it stays a full sock on the keepalive
// timer for the whole tcp_fin_timeout, so that FIN is not lost (tcp_fin
// then takes it on to TIME_WAIT). Returns true when the sock was replaced.
bool tcp_fin_wait2_orphan(Kernel& k, SockId sk, bool fin_came) {
    int tmo = k.w.sysctl.tcp_fin_timeout * 1000;
    if (tmo > 60000 || fin_came) {
        int64_t wait = tmo > 60000 ? tmo - 60000 : tmo;
        TimerId tm = mod_timer(k, k.w.socks[sk].sk_timer, TimerKind::tcp_keepalive, sk.v, k.w.now + wait);
        KSET(k, sk, sk_timer, tm);
        return false;
    }
    tcp_time_wait(k, sk, TCP_FIN_WAIT2, tmo);
    return true;
}

// tcp_keepalive_timer for a FIN_WAIT2 orphan: after tcp_fin_timeout - 60 s
// on this timer it becomes a timewait sock for tcp_fin_timeout - 60 s more,
// as Linux does; with nothing of tcp_fin_timeout left, it resets the peer
// and dies.
void tcp_keepalive_timer(Kernel& k, SockId sk) {
    KSET(k, sk, sk_timer, TimerId{});
    if (k.w.socks[sk].sk_state != TCP_FIN_WAIT2 || !(k.w.socks[sk].sk_flags & SOCK_DEAD)) return;
    int tmo = k.w.sysctl.tcp_fin_timeout * 1000 - 60000;
    if (tmo > 0) {
        tcp_time_wait(k, sk, TCP_FIN_WAIT2, tmo);
        return;
    }
    tcp_send_active_reset(k, sk);
    tcp_done(k, sk);
}

void tcp_close(Kernel& k, SockId sk, int timeout) {
    KFRAME(k, tcp_close);
    KSET(k, sk, sk_shutdown, SHUTDOWN_MASK);
    if (k.w.socks[sk].sk_state == TCP_LISTEN) {
        tcp_set_state(k, sk, TCP_CLOSE);
        inet_csk_listen_stop(k, sk);
    } else if (k.w.socks[sk].sk_state != TCP_CLOSE) {
        const Sock& s = k.w.socks[sk];
        if ((s.sk_flags & SOCK_LINGER) && s.sk_lingertime == 0) {
            // Zero linger: abort with RST, no TIME_WAIT.
            tcp_disconnect(k, sk, 0);
            mib_inc(k, Mib::TCPAbortOnData);
        } else if (tcp_close_state(k, sk)) {
            tcp_send_fin(k, sk);
        }
    }
    // adjudge_to_death
    int state = k.w.socks[sk].sk_state;
    sock_orphan(k, sk);
    ++k.w.orphan_count;
    if (state == TCP_FIN_WAIT2 && tcp_fin_wait2_orphan(k, sk)) return;
    if (k.w.socks[sk].sk_state == TCP_CLOSE) inet_csk_destroy_sock(k, sk);
    // otherwise the orphan lives on until the protocol finishes with it
}

void tcp_shutdown(Kernel& k, SockId sk, int how) {
    KFRAME(k, tcp_shutdown);
    if (!(how & SEND_SHUTDOWN)) return;
    int st = k.w.socks[sk].sk_state;
    if (st == TCP_ESTABLISHED || st == TCP_SYN_SENT || st == TCP_SYN_RECV || st == TCP_CLOSE_WAIT) {
        if (tcp_close_state(k, sk)) tcp_send_fin(k, sk);
    }
}

static bool tcp_need_reset(int st) {
    return st == TCP_ESTABLISHED || st == TCP_CLOSE_WAIT || st == TCP_FIN_WAIT1 ||
           st == TCP_FIN_WAIT2 || st == TCP_SYN_RECV;
}

int tcp_disconnect(Kernel& k, SockId sk, int flags) {
    KFRAME(k, tcp_disconnect);
    int old = k.w.socks[sk].sk_state;
    if (old != TCP_CLOSE) tcp_set_state(k, sk, TCP_CLOSE);
    if (old == TCP_LISTEN) {
        inet_csk_listen_stop(k, sk);
    } else if (tcp_need_reset(old) ||
               (!k.w.socks[sk].fin_sent && (old == TCP_CLOSING || old == TCP_LAST_ACK))) {
        tcp_send_active_reset(k, sk);
        KSET(k, sk, sk_err, ECONNRESET);
    } else if (old == TCP_SYN_SENT) {
        KSET(k, sk, sk_err, ECONNRESET);
    }
    tcp_clear_xmit_timers(k, sk);
    if (!(k.w.socks[sk].sk_userlocks & SOCK_BINDADDR_LOCK)) {
        KSET(k, sk, inet_saddr, 0u);
        KSET(k, sk, inet_rcv_saddr, 0u);
    }
    KSET(k, sk, sk_shutdown, 0);
    KSET(k, sk, sk_flags, k.w.socks[sk].sk_flags & ~SOCK_DONE);
    KSET(k, sk, inet_dport, 0);
    KSET(k, sk, inet_daddr, 0u);
    KSET(k, sk, icsk_retransmits, 0);
    KSET(k, sk, icsk_rto, 1000);
    KSET(k, sk, fin_sent, false);
    KSET(k, sk, snd_isn, 0u);
    KSET(k, sk, snd_nxt, 0u);
    KSET(k, sk, snd_una, 0u);
    KSET(k, sk, rcv_nxt, 0u);
    sk_state_change(k, sk);  // sk_error_report: a blocked connect() must look again
    KRET(0);
}

// The model keeps no write queue: packets_out is snd_nxt - snd_una (an
// unacknowledged SYN or FIN), so purging the queue is snd_una catching up.
void tcp_write_queue_purge(Kernel& k, SockId sk) {
    KFRAME(k, tcp_write_queue_purge);
    KSET(k, sk, snd_una, k.w.socks[sk].snd_nxt);
}

void tcp_done(Kernel& k, SockId sk) {
    KFRAME(k, tcp_done);
    int st = k.w.socks[sk].sk_state;
    if (st == TCP_SYN_SENT || st == TCP_SYN_RECV) mib_inc(k, Mib::AttemptFails);
    tcp_set_state(k, sk, TCP_CLOSE);
    tcp_write_queue_purge(k, sk);
    tcp_clear_xmit_timers(k, sk);
    KSET(k, sk, sk_shutdown, SHUTDOWN_MASK);
    if (!(k.w.socks[sk].sk_flags & SOCK_DEAD))
        sk_state_change(k, sk);
    else
        inet_csk_destroy_sock(k, sk);
}

}  // inline namespace SOCKSCOPE_MODEL_VARIANT
}  // namespace sockscope
