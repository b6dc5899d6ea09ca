// constants.cpp — the Linux spellings of the numbers in uapi.h.
//
// One table, in a stable order, grouped the way the man pages group them.
// Where Linux has two spellings for one number (EWOULDBLOCK and EAGAIN,
// PF_INET and AF_INET) both are listed; the first one listed is the one
// printed (errno_name(11) is "EAGAIN").
#include "script/constants.h"

#include <string>
#include <unordered_map>

#include "uapi.h"

namespace sockscope::script {

namespace {

#define C(name, group) Constant{#name, static_cast<int64_t>(name), group}

std::vector<Constant> make_table() {
    return {
        // ---- address and protocol families ----
        C(AF_UNSPEC, "family"), C(AF_UNIX, "family"), C(AF_INET, "family"),
        C(AF_INET6, "family"), C(AF_NETLINK, "family"), C(AF_PACKET, "family"),
        Constant{"AF_LOCAL", AF_UNIX, "family"},
        Constant{"AF_MAX", NPROTO, "limit"},
        C(NPROTO, "limit"),
        Constant{"PF_UNSPEC", AF_UNSPEC, "family"},
        Constant{"PF_UNIX", AF_UNIX, "family"},
        Constant{"PF_LOCAL", AF_UNIX, "family"},
        Constant{"PF_INET", AF_INET, "family"},
        Constant{"PF_INET6", AF_INET6, "family"},
        Constant{"PF_NETLINK", AF_NETLINK, "family"},
        Constant{"PF_PACKET", AF_PACKET, "family"},

        // ---- socket types and the flags that ride on them ----
        C(SOCK_STREAM, "type"), C(SOCK_DGRAM, "type"), C(SOCK_RAW, "type"),
        C(SOCK_RDM, "type"), C(SOCK_SEQPACKET, "type"), C(SOCK_DCCP, "type"),
        C(SOCK_PACKET, "type"),
        C(SOCK_MAX, "limit"), C(SOCK_TYPE_MASK, "limit"),
        C(SOCK_NONBLOCK, "flag"), C(SOCK_CLOEXEC, "flag"),

        // ---- protocols ----
        C(IPPROTO_IP, "proto"), C(IPPROTO_ICMP, "proto"),
        C(IPPROTO_IGMP, "proto"), C(IPPROTO_TCP, "proto"),
        C(IPPROTO_UDP, "proto"), C(IPPROTO_UDPLITE, "proto"),
        C(IPPROTO_SCTP, "proto"), C(IPPROTO_RAW, "proto"),
        C(IPPROTO_MPTCP, "proto"),
        C(IPPROTO_MAX, "limit"),

        // ---- socket option levels and names ----
        C(SOL_SOCKET, "level"), C(SOL_TCP, "level"), C(SOL_IP, "level"),
        C(SO_DEBUG, "optname"), C(SO_REUSEADDR, "optname"),
        C(SO_TYPE, "optname"), C(SO_ERROR, "optname"),
        C(SO_DONTROUTE, "optname"), C(SO_BROADCAST, "optname"),
        C(SO_SNDBUF, "optname"), C(SO_RCVBUF, "optname"),
        C(SO_KEEPALIVE, "optname"), C(SO_OOBINLINE, "optname"),
        C(SO_LINGER, "optname"), C(SO_REUSEPORT, "optname"),
        C(SO_RCVTIMEO, "optname"), C(SO_SNDTIMEO, "optname"),
        C(SO_ACCEPTCONN, "optname"), C(SO_PROTOCOL, "optname"),
        C(SO_DOMAIN, "optname"),

        // ---- shutdown ----
        C(SHUT_RD, "how"), C(SHUT_WR, "how"), C(SHUT_RDWR, "how"),
        C(RCV_SHUTDOWN, "shutdown"), C(SEND_SHUTDOWN, "shutdown"),
        C(SHUTDOWN_MASK, "shutdown"),

        // ---- fcntl and open flags ----
        C(F_DUPFD, "fcntl"), C(F_GETFD, "fcntl"), C(F_SETFD, "fcntl"),
        C(F_GETFL, "fcntl"), C(F_SETFL, "fcntl"), C(F_DUPFD_CLOEXEC, "fcntl"),
        C(FD_CLOEXEC, "fdflag"),
        C(O_RDONLY, "oflag"), C(O_WRONLY, "oflag"), C(O_RDWR, "oflag"),
        C(O_NONBLOCK, "oflag"), C(O_CLOEXEC, "oflag"),
        Constant{"O_NDELAY", O_NONBLOCK, "oflag"},
        Constant{"O_APPEND", 0x400, "oflag"},
        Constant{"O_ASYNC", 0x2000, "oflag"},
        C(SETFL_MASK, "limit"),

        // ---- errno (x86-64) ----
        C(EPERM, "errno"), C(ENOENT, "errno"), C(ESRCH, "errno"),
        C(EINTR, "errno"), C(EIO, "errno"), C(ENXIO, "errno"),
        C(E2BIG, "errno"), C(ENOEXEC, "errno"), C(EBADF, "errno"),
        C(ECHILD, "errno"), C(EAGAIN, "errno"), C(EWOULDBLOCK, "errno"),
        C(ENOMEM, "errno"), C(EACCES, "errno"), C(EFAULT, "errno"),
        C(EBUSY, "errno"), C(EEXIST, "errno"), C(ENODEV, "errno"),
        C(ENOTDIR, "errno"), C(EINVAL, "errno"), C(ENFILE, "errno"),
        C(EMFILE, "errno"), C(ENOTTY, "errno"), C(ENOSPC, "errno"),
        C(EPIPE, "errno"), C(ERANGE, "errno"), C(ENOSYS, "errno"),
        C(ENOTSOCK, "errno"), C(EDESTADDRREQ, "errno"),
        C(EMSGSIZE, "errno"), C(EPROTOTYPE, "errno"),
        C(ENOPROTOOPT, "errno"), C(EPROTONOSUPPORT, "errno"),
        C(ESOCKTNOSUPPORT, "errno"), C(EOPNOTSUPP, "errno"),
        C(EPFNOSUPPORT, "errno"), C(EAFNOSUPPORT, "errno"),
        C(EADDRINUSE, "errno"), C(EADDRNOTAVAIL, "errno"),
        C(ENETDOWN, "errno"), C(ENETUNREACH, "errno"),
        C(ENETRESET, "errno"), C(ECONNABORTED, "errno"),
        C(ECONNRESET, "errno"), C(ENOBUFS, "errno"), C(EISCONN, "errno"),
        C(ENOTCONN, "errno"), C(ESHUTDOWN, "errno"), C(ETIMEDOUT, "errno"),
        C(ECONNREFUSED, "errno"), C(EHOSTDOWN, "errno"),
        C(EHOSTUNREACH, "errno"), C(EALREADY, "errno"),
        C(EINPROGRESS, "errno"), C(ERESTARTSYS, "errno"),

        // ---- struct socket ->state ----
        C(SS_FREE, "sstate"), C(SS_UNCONNECTED, "sstate"),
        C(SS_CONNECTING, "sstate"), C(SS_CONNECTED, "sstate"),
        C(SS_DISCONNECTING, "sstate"),

        // ---- TCP states ----
        C(TCP_ESTABLISHED, "state"), C(TCP_SYN_SENT, "state"),
        C(TCP_SYN_RECV, "state"), C(TCP_FIN_WAIT1, "state"),
        C(TCP_FIN_WAIT2, "state"), C(TCP_TIME_WAIT, "state"),
        C(TCP_CLOSE, "state"), C(TCP_CLOSE_WAIT, "state"),
        C(TCP_LAST_ACK, "state"), C(TCP_LISTEN, "state"),
        C(TCP_CLOSING, "state"), C(TCP_NEW_SYN_RECV, "state"),
        C(TCP_MAX_STATES, "limit"),

        // ---- sk_reuse and sk_userlocks ----
        C(SK_NO_REUSE, "reuse"), C(SK_CAN_REUSE, "reuse"),
        C(SK_FORCE_REUSE, "reuse"),
        C(SOCK_SNDBUF_LOCK, "userlock"), C(SOCK_RCVBUF_LOCK, "userlock"),
        C(SOCK_BINDADDR_LOCK, "userlock"), C(SOCK_BINDPORT_LOCK, "userlock"),

        // ---- addresses, ports, capabilities ----
        C(INADDR_ANY, "addr"), C(INADDR_LOOPBACK, "addr"),
        C(PROT_SOCK, "limit"),
        C(CAP_NET_BIND_SERVICE, "cap"), C(CAP_NET_ADMIN, "cap"),
        C(CAP_NET_RAW, "cap"),
    };
}

#undef C

struct Index {
    std::unordered_map<std::string, int64_t> by_name;
    std::unordered_map<int, const char*> errno_names;
    std::unordered_map<std::string, int> errno_values;
};

const Index& index() {
    static const Index idx = [] {
        Index i;
        for (const Constant& c : all_constants()) {
            i.by_name.emplace(c.name, c.value);
            if (std::string_view(c.group) == "errno") {
                i.errno_values.emplace(c.name, static_cast<int>(c.value));
                // emplace keeps the first spelling: EAGAIN, not EWOULDBLOCK
                i.errno_names.emplace(static_cast<int>(c.value), c.name);
            }
        }
        return i;
    }();
    return idx;
}

}  // namespace

const std::vector<Constant>& all_constants() {
    static const std::vector<Constant> table = make_table();
    return table;
}

std::optional<int64_t> lookup_constant(std::string_view name) {
    const auto& m = index().by_name;
    auto it = m.find(std::string(name));
    if (it == m.end()) return std::nullopt;
    return it->second;
}

std::optional<int> errno_from_name(std::string_view name) {
    const auto& m = index().errno_values;
    auto it = m.find(std::string(name));
    if (it == m.end()) return std::nullopt;
    return it->second;
}

const char* errno_name(int err) {
    const auto& m = index().errno_names;
    auto it = m.find(err);
    return it == m.end() ? nullptr : it->second;
}

const char* tcp_state_name(int state) {
    static const char* const names[] = {
        nullptr,        "TCP_ESTABLISHED", "TCP_SYN_SENT",   "TCP_SYN_RECV",
        "TCP_FIN_WAIT1", "TCP_FIN_WAIT2",  "TCP_TIME_WAIT",  "TCP_CLOSE",
        "TCP_CLOSE_WAIT", "TCP_LAST_ACK",  "TCP_LISTEN",     "TCP_CLOSING",
        "TCP_NEW_SYN_RECV",
    };
    static_assert(sizeof(names) / sizeof(names[0]) == TCP_MAX_STATES);
    if (state <= 0 || state >= TCP_MAX_STATES) return nullptr;
    return names[state];
}

const char* socket_state_name(int state) {
    static const char* const names[] = {
        "SS_FREE", "SS_UNCONNECTED", "SS_CONNECTING", "SS_CONNECTED",
        "SS_DISCONNECTING",
    };
    if (state < 0 || state > SS_DISCONNECTING) return nullptr;
    return names[state];
}

}  // namespace sockscope::script
