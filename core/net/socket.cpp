// socket.cpp — the BSD socket layer: net/socket.c.
//
// Models the syscall entries (__sys_socket, __sys_bind, __sys_listen,
// __sys_accept4/do_accept, __sys_connect, __sys_shutdown, setsockopt,
// getsockopt), socket creation (__sock_create, sock_alloc, sock_map_fd,
// sock_alloc_file), release (sock_close, __sock_release, sock_release),
// sock_register, and the in-kernel API (sock_create_kern, kernel_bind,
// kernel_listen, kernel_accept). Checks run in Linux 6.x's order: flags,
// then family, then type, then the protocol switch, and only then the fd.
// Left out: LSM and BPF hooks (they pass), module autoloading (nothing is
// loadable), getname/peer addresses, socketpair, send/recv.
//
// Sections: 1 creation · 2 bind/listen · 3 accept · 4 connect/shutdown ·
// 5 options · 6 release · 7 in-kernel API
#include "kernel/model.h"

namespace sockscope {
inline namespace SOCKSCOPE_MODEL_VARIANT {  // kernel.h: built twice

// ================================================================ 1 creation

SocketId sock_alloc(Kernel& k, TaskId t) {
    KFRAME(k, sock_alloc);
    SocketId s = create<SocketId>(k);
    KSET(k, s, state, SS_UNCONNECTED);
    KSET(k, s, i_ino, k.w.next_ino);
    ++k.w.next_ino;
    return s;
}

SocketId sock_from_file(Kernel& k, FileId f) {
    const File& file = k.w.files[f];
    return file.f_op == FileOps::socket_file_ops ? file.private_data : SocketId{};
}

// packet_create (net/packet/af_packet.c), only as far as SOCK_PACKET's
// redirect needs: CAP_NET_RAW first, then the type.
static int packet_create(Kernel& k, TaskId t, SocketId sock, int protocol, bool kern) {
    if (!kern && !capable(k, t, CAP_NET_RAW)) return -EPERM;
    int type = k.w.sockets[sock].type;
    if (type != SOCK_DGRAM && type != SOCK_RAW && type != SOCK_PACKET) return -ESOCKTNOSUPPORT;
    KSET(k, sock, state, SS_UNCONNECTED);
    KSET(k, sock, ops, OpsKind::packet_ops);
    SockId sk = sk_alloc(k, t, AF_PACKET, ProtKind::packet_prot, kern);
    sock_init_data(k, sock, sk);
    // The protocol is the ethertype of the packet hook (po->num), not
    // sk_protocol, which stays 0: SO_PROTOCOL reads 0.
    (void)protocol;
    return 0;
}

// packet_bind_spkt: the 14 bytes of sa_data are a device name. For a
// sockaddr_in they are the port (network order) and the address, so the
// name is nearly always one no device has; "lo" is port 27759 with an
// address whose first byte is 0.
static int packet_bind_spkt(const SockAddrIn& a) {
    if (a.len != 16) return -EINVAL;  // sizeof(struct sockaddr)
    const unsigned char b[] = {static_cast<unsigned char>(a.port >> 8), static_cast<unsigned char>(a.port),
                               static_cast<unsigned char>(a.addr >> 24), 0};
    std::string name;
    for (unsigned char c : b) {
        if (!c) break;
        name += static_cast<char>(c);
    }
    return name == "lo" ? 0 : -ENODEV;
}

int __sock_create(Kernel& k, TaskId t, int family, int type, int protocol, SocketId* res, bool kern) {
    KFRAME(k, __sock_create);
    if (family < 0 || family >= NPROTO) KRET(-EAFNOSUPPORT);
    if (type < 0 || type >= SOCK_MAX) KRET(-EINVAL);
    // Compatibility: SOCK_PACKET on PF_INET is really PF_PACKET.
    if (family == AF_INET && type == SOCK_PACKET) family = AF_PACKET;
    SocketId sock = sock_alloc(k, t);
    KSET(k, sock, type, type);
    KSET(k, sock, family, family);
    if (!k.w.net_families[family].registered) {
        // request_module("net-pf-%d") finds nothing in the model.
        sock_release(k, sock);
        KRET(-EAFNOSUPPORT);
    }
    int err = family == AF_PACKET ? packet_create(k, t, sock, protocol, kern)
                                  : inet_create(k, t, sock, protocol, kern);
    if (err < 0) {
        KSET(k, sock, ops, OpsKind::none);
        sock_release(k, sock);
        KRET(err);
    }
    *res = sock;
    KRET(0);
}

FileId sock_alloc_file(Kernel& k, SocketId sock, int flags) {
    KFRAME(k, sock_alloc_file);
    FileId f = alloc_file_pseudo(k, sock, flags);
    KSET(k, sock, file, f);
    return f;
}

int sock_map_fd(Kernel& k, TaskId t, SocketId sock, int flags) {
    KFRAME(k, sock_map_fd);
    int fd = get_unused_fd_flags(k, t, flags);
    if (fd < 0) {
        sock_release(k, sock);
        KRET(fd);
    }
    FileId f = sock_alloc_file(k, sock, flags);
    fd_install(k, t, fd, f);
    KRET(fd);
}

int sys_socket(Kernel& k, TaskId t, int family, int type, int protocol) {
    KFRAME(k, __sys_socket);
    int flags = type & ~SOCK_TYPE_MASK;
    SocketId sock;
    {
        FrameGuard g(k, Fn::__sys_socket_create);
        if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) { g.ret(-EINVAL); KRET(-EINVAL); }
        type &= SOCK_TYPE_MASK;
        FrameGuard g2(k, Fn::sock_create);
        int err = __sock_create(k, t, family, type, protocol, &sock, false);
        if (err < 0) { g2.ret(err); g.ret(err); KRET(err); }
    }
    KRET(sock_map_fd(k, t, sock, flags & (O_CLOEXEC | O_NONBLOCK)));
}

// ================================================================ 2 bind, listen

// Looks up fd -> file -> socket the way sockfd_lookup_light does.
static int lookup_socket(Kernel& k, TaskId t, int fd, SocketId* out) {
    FileId f = fget(k, t, fd);
    if (!f) return -EBADF;
    SocketId s = sock_from_file(k, f);
    if (!s) return -ENOTSOCK;
    *out = s;
    return 0;
}

static int move_addr_to_kernel(Kernel& k, int len) {
    KFRAME(k, move_addr_to_kernel);
    if (len < 0 || len > 128) KRET(-EINVAL);  // sizeof(struct sockaddr_storage)
    KRET(0);
}

static int ops_bind(Kernel& k, TaskId t, SocketId sock, const SockAddrIn& a) {
    switch (k.w.sockets[sock].ops) {
    case OpsKind::inet_stream_ops:
    case OpsKind::inet_dgram_ops:
    case OpsKind::inet_sockraw_ops: return inet_bind(k, t, sock, a);
    case OpsKind::packet_ops: return packet_bind_spkt(a);
    default: return -EINVAL;
    }
}

int sys_bind(Kernel& k, TaskId t, int fd, const SockAddrIn& a) {
    KFRAME(k, __sys_bind);
    SocketId sock;
    int err = lookup_socket(k, t, fd, &sock);
    if (err) KRET(err);
    err = move_addr_to_kernel(k, a.len);
    if (err) KRET(err);
    KRET(ops_bind(k, t, sock, a));
}

static int ops_listen(Kernel& k, SocketId sock, int backlog) {
    if (k.w.sockets[sock].ops == OpsKind::inet_stream_ops) return inet_listen(k, sock, backlog);
    KFRAME(k, sock_no_listen);
    KRET(-EOPNOTSUPP);
}

int sys_listen(Kernel& k, TaskId t, int fd, int backlog) {
    KFRAME(k, __sys_listen);
    SocketId sock;
    int err = lookup_socket(k, t, fd, &sock);
    if (err) KRET(err);
    // (unsigned) comparison: a negative backlog becomes somaxconn.
    unsigned somaxconn = static_cast<unsigned>(k.w.sysctl.somaxconn);
    if (static_cast<unsigned>(backlog) > somaxconn) backlog = static_cast<int>(somaxconn);
    KRET(ops_listen(k, sock, backlog));
}

// ================================================================ 3 accept

// inet_accept after inet_csk_accept produced a child: graft it onto the
// new socket (__inet_accept).
static void inet_accept_graft(Kernel& k, SockId child, SocketId newsock) {
    sock_graft(k, child, newsock);
    KSET(k, newsock, state, SS_CONNECTED);
}

// The end of __sys_accept4_file for a child (or an error): install the fd,
// or give back everything do_accept allocated.
static int accept_finish(Kernel& k, TaskId t, const SyscallFrame& fr, SockId child, int err) {
    if (fr.file && k.w.files.contains(fr.file)) fput(k, fr.file);  // fdput
    if (!child) {
        fput(k, fr.newfile);  // releases newsock through sock_close
        put_unused_fd(k, t, fr.newfd);
        return err;
    }
    inet_accept_graft(k, child, fr.newsock);
    fd_install(k, t, fr.newfd, fr.newfile);
    return fr.newfd;
}

int sys_accept4(Kernel& k, TaskId t, int fd, int flags) {
    KFRAME(k, __sys_accept4);
    FileId file = fget(k, t, fd);
    if (!file) KRET(-EBADF);
    if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) KRET(-EINVAL);
    // 6.x reserves the new fd before it even looks at the socket.
    int newfd = get_unused_fd_flags(k, t, flags);
    if (newfd < 0) KRET(newfd);
    SyscallFrame fr;
    fr.kind = WaitKind::Accept;
    fr.fd = fd;
    fr.newfd = newfd;
    fr.flags = flags;
    {
        FrameGuard g(k, Fn::do_accept);
        SocketId sock = sock_from_file(k, file);
        if (!sock) {
            g.ret(-ENOTSOCK);
            put_unused_fd(k, t, newfd);
            KRET(-ENOTSOCK);
        }
        fr.sock = sock;
        fr.newsock = sock_alloc(k, t);
        KSET(k, fr.newsock, type, k.w.sockets[sock].type);
        KSET(k, fr.newsock, family, k.w.sockets[sock].family);
        KSET(k, fr.newsock, ops, k.w.sockets[sock].ops);
        fr.newfile = sock_alloc_file(k, fr.newsock, flags);
        OpsKind ops = k.w.sockets[sock].ops;
        if (ops != OpsKind::inet_stream_ops) {
            FrameGuard g2(k, Fn::sock_no_accept);
            g2.ret(-EOPNOTSUPP);
            g.ret(-EOPNOTSUPP);
            KRET(accept_finish(k, t, fr, SockId{}, -EOPNOTSUPP));
        }
        // A shared table lets another thread close fd meanwhile: fdget
        // holds a reference for the length of the call.
        if (k.w.files_structs[k.w.tasks[t].files].count > 1) {
            get_file(k, file);
            fr.file = file;
        }
        // Blocking follows the listener's O_NONBLOCK, never accept4's flags.
        int ff = k.w.files[file].f_flags;
        FrameGuard g3(k, Fn::inet_accept);
        SockId lsk = k.w.sockets[sock].sk;
        int err = -EINVAL;
        SockId child = inet_csk_accept(k, t, lsk, ff, &err, false);
        if (!child && err == SLEEPING) {
            Task& task = k.w.tasks[t];
            fr.deadline = task.wait.deadline;  // SO_RCVTIMEO, set by the sleep
            task.wait = fr;  // the rest of the call, for accept_resume
            KRET(SLEEPING);
        }
        g3.ret(child ? 0 : err);
        g.ret(child ? 0 : err);
        KRET(accept_finish(k, t, fr, child, err));
    }
}

int accept_resume(Kernel& k, TaskId t) {
    SyscallFrame fr = k.w.tasks[t].wait;
    KFRAME(k, __sys_accept4);
    FrameGuard g(k, Fn::do_accept);
    FrameGuard g3(k, Fn::inet_accept);
    SockId lsk = k.w.sockets.contains(fr.sock) ? k.w.sockets[fr.sock].sk : SockId{};
    int err = -EINVAL;
    SockId child = inet_csk_accept(k, t, lsk, 0, &err, true);
    if (!child && err == SLEEPING) KRET(SLEEPING);
    k.w.tasks[t].wait = SyscallFrame{};
    g3.ret(child ? 0 : err);
    g.ret(child ? 0 : err);
    KRET(accept_finish(k, t, fr, child, err));
}

// ================================================================ 4 connect, shutdown

int sys_connect(Kernel& k, TaskId t, int fd, const SockAddrIn& a) {
    KFRAME(k, __sys_connect);
    FileId file = fget(k, t, fd);
    if (!file) KRET(-EBADF);
    int err = move_addr_to_kernel(k, a.len);
    if (err) KRET(err);
    SocketId sock = sock_from_file(k, file);
    if (!sock) KRET(-ENOTSOCK);
    switch (k.w.sockets[sock].ops) {
    case OpsKind::inet_stream_ops: {
        int ff = k.w.files[file].f_flags;
        err = inet_stream_connect(k, t, sock, a, ff);
        if (err == SLEEPING) {
            Task& task = k.w.tasks[t];
            task.wait.fd = fd;
            if (k.w.files_structs[task.files].count > 1) {
                get_file(k, file);
                k.w.tasks[t].wait.file = file;
            }
        }
        KRET(err);
    }
    case OpsKind::inet_dgram_ops:
    case OpsKind::inet_sockraw_ops:
        KRET(inet_dgram_connect(k, t, sock, a));
    default:
        KRET(-EOPNOTSUPP);
    }
}

int sys_shutdown(Kernel& k, TaskId t, int fd, int how) {
    KFRAME(k, __sys_shutdown);
    SocketId sock;
    int err = lookup_socket(k, t, fd, &sock);
    if (err) KRET(err);
    if (k.w.sockets[sock].ops == OpsKind::packet_ops) KRET(-EOPNOTSUPP);  // sock_no_shutdown
    KRET(inet_shutdown(k, sock, how));
}

// ================================================================ 5 options

// Levels other than SOL_SOCKET go to the protocol (tcp_setsockopt,
// udp_setsockopt), which hands unknown levels to ip_setsockopt: that answers
// ENOPROTOOPT for a level it does not know, where ip_getsockopt answers
// EOPNOTSUPP — an asymmetry of the kernel the model keeps.
int sys_setsockopt(Kernel& k, TaskId t, int fd, int level, int optname, int64_t v1, int64_t v2, int optlen) {
    KFRAME(k, __sys_setsockopt);
    SocketId sock;
    int err = lookup_socket(k, t, fd, &sock);
    if (err) KRET(err);
    SockId sk = k.w.sockets[sock].sk;
    if (level == SOL_SOCKET) KRET(sk_setsockopt(k, sk, optname, v1, v2, optlen));
    // packet_ops_spkt has no ->setsockopt: every other level is EOPNOTSUPP.
    if (k.w.sockets[sock].ops == OpsKind::packet_ops) KRET(-EOPNOTSUPP);
    if (level == SOL_TCP && k.w.socks[sk].sk_prot == ProtKind::tcp_prot) {
        if (optname == 1 /* TCP_NODELAY */) {
            KSET(k, sk, nonagle, v1 ? 1 : 0);
            KRET(0);
        }
    }
    KRET(-ENOPROTOOPT);
}

int64_t sys_getsockopt(Kernel& k, TaskId t, int fd, int level, int optname) {
    KFRAME(k, __sys_getsockopt);
    SocketId sock;
    int err = lookup_socket(k, t, fd, &sock);
    if (err) KRET(err);
    if (level == SOL_SOCKET) {
        int64_t v = sk_getsockopt(k, sock, optname);
        KRET(static_cast<int>(v));
    }
    if (k.w.sockets[sock].ops == OpsKind::packet_ops) KRET(-EOPNOTSUPP);  // no ->getsockopt
    SockId sk = k.w.sockets[sock].sk;
    bool tcp = k.w.socks[sk].sk_prot == ProtKind::tcp_prot;
    if (level == SOL_TCP && tcp) KRET(optname == 1 ? k.w.socks[sk].nonagle : -ENOPROTOOPT);
    if (level == SOL_IP) KRET(-ENOPROTOOPT);
    KRET(-EOPNOTSUPP);  // ip_getsockopt: not SOL_IP
}

// ================================================================ 6 release

void __sock_release(Kernel& k, SocketId sock, bool has_file) {
    KFRAME(k, __sock_release);
    if (k.w.sockets[sock].ops != OpsKind::none) {
        if (k.w.sockets[sock].sk) {
            switch (k.w.sockets[sock].ops) {
            case OpsKind::packet_ops: {
                SockId sk = k.w.sockets[sock].sk;
                sock_orphan(k, sk);
                sock_put(k, sk);
                break;
            }
            default: inet_release(k, sock); break;
            }
        }
        KSET(k, sock, sk, SockId{});
        KSET(k, sock, ops, OpsKind::none);
    }
    if (has_file) KSET(k, sock, file, FileId{});
    destroy(k, sock);  // the sockfs inode goes with it (iput)
}

void sock_close(Kernel& k, FileId f) {
    KFRAME(k, sock_close);
    __sock_release(k, k.w.files[f].private_data, true);
}

void sock_release(Kernel& k, SocketId sock) {
    KFRAME(k, sock_release);
    __sock_release(k, sock, false);
}

int sock_register(Kernel& k, int family, const char* name) {
    KFRAME(k, sock_register);
    if (family < 0 || family >= NPROTO) KRET(-ENOBUFS);
    NetProtoFamily& f = k.w.net_families[family];
    if (f.registered) KRET(-EEXIST);
    f = NetProtoFamily{};
    f.registered = true;
    f.name = name;
    f.create = std::string("my") + "inet_create";
    link(k, Ev::LinkAdd, ObjKind::Net, 0, Link::family, family, 0);
    KRET(0);
}

// ================================================================ 7 in-kernel API

int sock_create_kern(Kernel& k, TaskId t, int family, int type, int protocol, SocketId* res) {
    KFRAME(k, sock_create_kern);
    KRET(__sock_create(k, t, family, type, protocol, res, true));
}

int kernel_bind(Kernel& k, SocketId sock, const SockAddrIn& a) {
    KFRAME(k, kernel_bind);
    KRET(ops_bind(k, TaskId{}, sock, a));
}

int kernel_listen(Kernel& k, SocketId sock, int backlog) {
    KFRAME(k, kernel_listen);
    KRET(ops_listen(k, sock, backlog));  // no somaxconn clamp
}

int kernel_accept(Kernel& k, TaskId t, SocketId sock, SocketId* newsock, int flags) {
    KFRAME(k, kernel_accept);
    SocketId ns;
    {
        KFRAME(k, sock_create_lite);
        ns = sock_alloc(k, t);
        KSET(k, ns, type, k.w.sockets[sock].type);
        KSET(k, ns, family, k.w.sockets[sock].family);
    }
    if (k.w.sockets[sock].ops != OpsKind::inet_stream_ops) {
        sock_release(k, ns);
        *newsock = SocketId{};
        KRET(-EOPNOTSUPP);
    }
    KSET(k, ns, ops, k.w.sockets[sock].ops);
    int err = -EINVAL;
    FrameGuard g(k, Fn::inet_accept);
    // The seed-000 server only accepts after its wait saw a connection; a
    // kernel thread never sleeps inside kernel_accept in the model, so an
    // empty queue answers as O_NONBLOCK would (-EAGAIN).
    SockId child = inet_csk_accept(k, t, k.w.sockets[sock].sk, flags | O_NONBLOCK, &err, false);
    if (!child) {
        g.ret(err);
        sock_release(k, ns);
        *newsock = SocketId{};
        KRET(err);
    }
    inet_accept_graft(k, child, ns);
    *newsock = ns;
    KRET(0);
}

}  // inline namespace SOCKSCOPE_MODEL_VARIANT
}  // namespace sockscope
