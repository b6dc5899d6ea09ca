// uapi.h — the numbers user space and the kernel agree on.
//
// Models: the x86-64 values of include/uapi/asm-generic/errno*.h,
// include/linux/socket.h, include/linux/net.h, include/net/tcp_states.h,
// include/uapi/linux/in.h and fcntl.h. Only the constants the model uses are
// here; their spellings are the kernel's so scripts and code read alike.
// The name tables that map spellings to these values live in
// core/script/constants.cpp; this header is only numbers.
#pragma once
#include <cerrno>
#include <cstdint>

namespace sockscope {

// ---- errno (x86-64) ----
// The C++ library already defines the errno names as macros (<cerrno>), and
// on x86-64 Linux they are the kernel's numbers; the model uses them as they
// are and checks the ones it relies on.
static_assert(EPERM == 1 && EBADF == 9 && EAGAIN == 11 && ENOMEM == 12 && EACCES == 13 &&
              EINVAL == 22 && ENFILE == 23 && EMFILE == 24 && EPIPE == 32 &&
              ENOTSOCK == 88 && EPROTONOSUPPORT == 93 && ESOCKTNOSUPPORT == 94 &&
              EOPNOTSUPP == 95 && EAFNOSUPPORT == 97 && EADDRINUSE == 98 &&
              EADDRNOTAVAIL == 99 && ENETUNREACH == 101 && ECONNABORTED == 103 &&
              ECONNRESET == 104 && EISCONN == 106 && ENOTCONN == 107 && ETIMEDOUT == 110 &&
              ECONNREFUSED == 111 && EALREADY == 114 && EINPROGRESS == 115,
              "sockscope models x86-64 Linux errno values");
// kernel-internal, never seen by user space: a signal turns it into a
// restart or EINTR.
constexpr int ERESTARTSYS = 512;

// ---- address and protocol families ----
constexpr int AF_UNSPEC = 0, AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10,
              AF_NETLINK = 16, AF_PACKET = 17;
constexpr int NPROTO = 46;  // AF_MAX in 6.x (AF_MCTP = 45 is the last)

// ---- socket types (include/linux/net.h) ----
constexpr int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_RDM = 4,
              SOCK_SEQPACKET = 5, SOCK_DCCP = 6, SOCK_PACKET = 10;
constexpr int SOCK_MAX = 11, SOCK_TYPE_MASK = 0xf;

// ---- fcntl / open flags (x86) ----
constexpr int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2;
constexpr int O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
constexpr int SOCK_NONBLOCK = O_NONBLOCK, SOCK_CLOEXEC = O_CLOEXEC;
constexpr int F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4,
              F_DUPFD_CLOEXEC = 1030;
constexpr int FD_CLOEXEC = 1;
constexpr int O_APPEND = 0x400, O_ASYNC = 0x2000, O_DIRECT = 0x4000, O_LARGEFILE = 0x8000,
              O_NOATIME = 0x40000;
// F_SETFL may change only these (fs/fcntl.c SETFL_MASK; O_ASYNC is set by
// ->fasync, which sockets and the terminal both have)
constexpr int SETFL_MASK = O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME | O_ASYNC;

// ---- protocols (include/uapi/linux/in.h) ----
constexpr int IPPROTO_IP = 0, IPPROTO_ICMP = 1, IPPROTO_IGMP = 2,
              IPPROTO_TCP = 6, IPPROTO_UDP = 17, IPPROTO_UDPLITE = 136,
              IPPROTO_SCTP = 132, IPPROTO_RAW = 255, IPPROTO_MPTCP = 262;
constexpr int IPPROTO_MAX = 263;

// ---- socket options ----
constexpr int SOL_SOCKET = 1, SOL_TCP = 6, SOL_IP = 0;
constexpr int SO_DEBUG = 1, SO_REUSEADDR = 2, SO_TYPE = 3, SO_ERROR = 4,
              SO_DONTROUTE = 5, SO_BROADCAST = 6, SO_SNDBUF = 7, SO_RCVBUF = 8,
              SO_KEEPALIVE = 9, SO_OOBINLINE = 10, SO_LINGER = 13,
              SO_REUSEPORT = 15, SO_RCVTIMEO = 20, SO_SNDTIMEO = 21,
              SO_ACCEPTCONN = 30, SO_PROTOCOL = 38, SO_DOMAIN = 39;

// ---- shutdown ----
constexpr int SHUT_RD = 0, SHUT_WR = 1, SHUT_RDWR = 2;
constexpr int RCV_SHUTDOWN = 1, SEND_SHUTDOWN = 2, SHUTDOWN_MASK = 3;

// ---- struct socket ->state (include/uapi/linux/net.h) ----
enum SocketState : int {
    SS_FREE = 0, SS_UNCONNECTED, SS_CONNECTING, SS_CONNECTED, SS_DISCONNECTING
};

// ---- TCP states (include/net/tcp_states.h) ----
enum TcpState : int {
    TCP_ESTABLISHED = 1, TCP_SYN_SENT, TCP_SYN_RECV, TCP_FIN_WAIT1,
    TCP_FIN_WAIT2, TCP_TIME_WAIT, TCP_CLOSE, TCP_CLOSE_WAIT, TCP_LAST_ACK,
    TCP_LISTEN, TCP_CLOSING, TCP_NEW_SYN_RECV, TCP_MAX_STATES
};

// ---- sk_reuse values ----
constexpr int SK_NO_REUSE = 0, SK_CAN_REUSE = 1, SK_FORCE_REUSE = 2;
// ---- sk_userlocks ----
constexpr int SOCK_SNDBUF_LOCK = 1, SOCK_RCVBUF_LOCK = 2,
              SOCK_BINDADDR_LOCK = 4, SOCK_BINDPORT_LOCK = 8;

// ---- well-known addresses (host byte order in the model) ----
constexpr uint32_t INADDR_ANY = 0, INADDR_LOOPBACK = 0x7f000001;
constexpr int PROT_SOCK = 1024;

// ---- capabilities the model checks ----
constexpr int CAP_NET_BIND_SERVICE = 10, CAP_NET_ADMIN = 12, CAP_NET_RAW = 13;

// ---- the model's own limits ----
constexpr int TTY_FDS = 3;              // a new process starts with 0, 1, 2
constexpr int RLIMIT_NOFILE_DEFAULT = 1024;

}  // namespace sockscope
