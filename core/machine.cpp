// machine.cpp — running commands as steps (see machine.h).
#include "machine.h"

#include <iterator>

#include "kernel/entry.h"
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
    Outcome o = model_entry(k).command(*this, c, idx);
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
    bool wire = !k.w.wire.empty();
    if (!begin(*this, wire ? StepKind::Deliver : StepKind::Resume, idx, wire ? 0 : k.w.runqueue.front().v))
        return false;
    model_entry(k).pending(k);
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
        model_entry(k).timer(k, target);
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
