// sysctl_names.h — the sysctls the model knows, by their /proc/sys names.
//
// A header of plain strings with no other dependency, so that the
// real-kernel runner (which includes the system's socket headers) and the
// model share one list: the runner reports these from a fresh namespace,
// and the model takes those values for the run.
#pragma once

namespace sockscope {

inline constexpr const char* kSysctlNames[] = {
    "net.core.somaxconn",
    "net.ipv4.tcp_max_syn_backlog",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.tcp_abort_on_overflow",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_synack_retries",
    "net.ipv4.tcp_syn_retries",
    "net.ipv4.tcp_syn_linear_timeouts",
    "net.ipv4.ping_group_range",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.ip_nonlocal_bind",
};

}  // namespace sockscope
