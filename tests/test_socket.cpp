// test_socket.cpp — core/net/socket.cpp: the BSD socket layer (net/socket.c)
// in Linux 6.x's order of checks: __sys_socket/__sock_create, the fd
// lookups of every call, accept's early fd reservation, the address copy,
// the in-kernel API and sock_register.
#include "support.h"

#include <algorithm>

#include "kernel/model.h"

namespace sockscope::script {
// Results print as the runner prints them ("3", "-1 EBADF").
static void PrintTo(const Result& r, std::ostream* os) { *os << format_result(r); }
}  // namespace sockscope::script

namespace sockscope::test {

namespace {

int fill_table(Sim& s, int fd) {
    int n = 0;
    while (s.run("dup(" + std::to_string(fd) + ")").err == 0) ++n;
    return n;
}

std::vector<std::string> frames_of_step(Sim& s, uint64_t step) {
    const Trace& t = s.h.trace();
    std::vector<std::string> out;
    for (size_t i = t.step_begin(step); i < t.step_end(step); ++i)
        if (t.events[i].ev == Ev::Enter) out.push_back(kfunc(static_cast<Fn>(t.events[i].code)).name);
    return out;
}

}  // namespace

// ---------------------------------------------------------------- socket()

TEST(Socket, IllegalFlagBitsAreEinvalBeforeTheFamilyIsLookedAt) {
    Sim s;
    EXPECT_EQ(s.run("socket(-1, SOCK_STREAM|0x40, 0)"), err(EINVAL));
    EXPECT_EQ(s.run("socket(1000, SOCK_STREAM|0x40, 0)"), err(EINVAL));
    EXPECT_EQ(s.run("socket(-1, 99, 0)"), err(EINVAL));  // 99 = 0x63: flag bits 0x60
    EXPECT_EQ(s.run("socket(AF_INET, -1, 0)"), err(EINVAL));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM|0x40, 0)"), err(EINVAL));
}

TEST(Socket, TheFamilyIsCheckedBeforeTheType) {
    Sim s;
    EXPECT_EQ(s.run("socket(-1, SOCK_STREAM, 0)"), err(EAFNOSUPPORT));
    EXPECT_EQ(s.run("socket(46, SOCK_STREAM, 0)"), err(EAFNOSUPPORT));
    EXPECT_EQ(s.run("socket(1000, SOCK_STREAM, 0)"), err(EAFNOSUPPORT));
    EXPECT_EQ(s.run("socket(-1, 15, 0)"), err(EAFNOSUPPORT));
    EXPECT_EQ(s.run("socket(46, 11, 0)"), err(EAFNOSUPPORT));
}

TEST(Socket, ATypeOfElevenToFifteenIsEinval) {
    Sim s;
    for (int type = 11; type <= 15; ++type)
        EXPECT_EQ(s.run("socket(AF_INET, " + std::to_string(type) + ", 0)"), err(EINVAL)) << type;
}

TEST(Socket, AnUnregisteredFamilyIsEafnosupportOnlyAfterTheTypeCheck) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_UNSPEC, SOCK_STREAM, 0)"), err(EAFNOSUPPORT));
    EXPECT_EQ(s.run("socket(AF_UNSPEC, 12, 0)"), err(EINVAL));
    EXPECT_EQ(s.run("socket(30, SOCK_STREAM, 0)"), err(EAFNOSUPPORT));
}

TEST(Socket, TheProtocolRangeIsInetCreatesFirstCheck) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, -1)"), err(EINVAL));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 300)"), err(EINVAL));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, IPPROTO_MAX)"), err(EINVAL));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 1000)"), err(EINVAL));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, 263)"), err(EINVAL));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_SEQPACKET, -1)"), err(EINVAL));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
}

TEST(Socket, AFailedSocketCallLeavesNoObjectAndNoFdBehind) {
    Sim s;
    for (const char* call : {"socket(AF_INET, SOCK_RAW, 0)", "socket(AF_UNSPEC, SOCK_STREAM, 0)",
                             "socket(AF_INET, SOCK_SEQPACKET, 0)", "socket(AF_INET, SOCK_STREAM, -1)",
                             "socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)"}) {
        EXPECT_NE(s.run(call).err, 0) << call;
        EXPECT_EQ(s.w().sockets.size(), 0u) << call;
        EXPECT_EQ(s.w().socks.size(), 0u) << call;
        EXPECT_EQ(s.w().nr_files, 0) << call;
    }
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
}

TEST(Socket, SockNonblockAndSockCloexecRideOnTheType) {
    Sim s;
    EXPECT_EQ(s.run("b = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC, 0)"), ok(3));
    EXPECT_EQ(s.run("fcntl(b, F_GETFL)"), ok(O_RDWR | O_NONBLOCK));
    EXPECT_EQ(s.run("fcntl(b, F_GETFD)"), ok(FD_CLOEXEC));
    EXPECT_EQ(s.run("getsockopt(b, SOL_SOCKET, SO_TYPE)"), ok(SOCK_STREAM));
    EXPECT_EQ(s.run("d = socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0)"), ok(4));
    EXPECT_EQ(s.run("fcntl(d, F_GETFL)"), ok(O_RDWR));
    EXPECT_EQ(s.run("fcntl(d, F_GETFD)"), ok(FD_CLOEXEC));
}

TEST(Socket, AFullTableIsEmfileButCreationErrorsComeFirst) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(fill_table(s, 3), 1020);
    size_t sockets = s.w().sockets.size();
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), err(EMFILE));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, 0)"), err(EPROTONOSUPPORT));
    EXPECT_EQ(s.run("socket(-1, SOCK_STREAM, 0)"), err(EAFNOSUPPORT));
    EXPECT_EQ(s.run("socket(AF_INET, 11, 0)"), err(EINVAL));
    EXPECT_EQ(s.w().sockets.size(), sockets);  // sock_map_fd released the new socket
}

TEST(Socket, TheNewSocketIsUnconnectedAndItsSockIsClose) {
    Sim s;
    ASSERT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    const Socket& so = s.w().sockets[s.w().files[s.w().files_structs[s.w().tasks[s.main()].files].fd[3]].private_data];
    EXPECT_EQ(so.state, SS_UNCONNECTED);
    EXPECT_EQ(so.type, SOCK_STREAM);
    EXPECT_EQ(so.family, AF_INET);
    EXPECT_EQ(so.ops, OpsKind::inet_stream_ops);
    EXPECT_EQ(s.sk(3).sk_state, TCP_CLOSE);
    EXPECT_EQ(s.sk(3).sk_protocol, IPPROTO_TCP);
    EXPECT_EQ(s.run("tcp_state(3)"), ok(TCP_CLOSE));
}

TEST(Socket, SocketCreationRunsTheKernelPathInOrder) {
    Sim s;
    uint64_t step = s.h.step_count();
    ASSERT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    std::vector<std::string> f = frames_of_step(s, step);
    std::vector<std::string> want = {"__sys_socket", "__sys_socket_create", "sock_create", "__sock_create",
                                     "sock_alloc", "inet_create", "sk_alloc", "sock_init_data",
                                     "tcp_init_sock", "sock_map_fd", "get_unused_fd_flags", "alloc_fd",
                                     "sock_alloc_file", "alloc_file_pseudo", "fd_install"};
    EXPECT_EQ(f, want);
}

// ---------------------------------------------------------------- SOCK_PACKET and PF_PACKET

TEST(Socket, SockPacketOnInetIsRedirectedToPacket) {
    Sim s;
    EXPECT_EQ(s.run("p = socket(AF_INET, SOCK_PACKET, 0)"), ok(3));
    EXPECT_EQ(s.run("getsockopt(p, SOL_SOCKET, SO_DOMAIN)"), ok(AF_PACKET));
    EXPECT_EQ(s.run("getsockopt(p, SOL_SOCKET, SO_TYPE)"), ok(SOCK_PACKET));
    EXPECT_EQ(s.run("listen(p, 1)"), err(EOPNOTSUPP));
    EXPECT_EQ(s.run("accept(p)"), err(EOPNOTSUPP));
    EXPECT_EQ(s.run("connect(p, 127.0.0.1:7000)"), err(EOPNOTSUPP));
    EXPECT_EQ(s.run("shutdown(p, SHUT_RD)"), err(EOPNOTSUPP));
    EXPECT_EQ(s.run("setsockopt(p, SOL_SOCKET, SO_REUSEPORT, 1)"), err(EOPNOTSUPP));
    EXPECT_EQ(s.run("setsockopt(p, SOL_SOCKET, SO_REUSEADDR, 1)"), ok(0));
    EXPECT_EQ(s.run("bind(p, 0.0.0.0:0, 15)"), err(EINVAL));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Socket, APacketSocketOfAnUnsupportedTypeIsEsocktnosupportAfterTheCapabilityCheck) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_PACKET, SOCK_STREAM, 0)"), err(ESOCKTNOSUPPORT));
    EXPECT_EQ(s.run("socket(AF_PACKET, SOCK_SEQPACKET, 0)"), err(ESOCKTNOSUPPORT));
    EXPECT_EQ(s.run("q = socket(AF_PACKET, SOCK_DGRAM, 0)"), ok(3));
    EXPECT_EQ(s.run("getsockopt(q, SOL_SOCKET, SO_TYPE)"), ok(SOCK_DGRAM));
    s.run("!user 1000");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_PACKET, 0)"), err(EPERM));
    EXPECT_EQ(s.run("socket(AF_PACKET, SOCK_STREAM, 0)"), err(EPERM));
}

TEST(Socket, BindingASockPacketSocketNamesADeviceThatDoesNotExist) {
    Sim s;
    ASSERT_EQ(s.run("p = socket(AF_INET, SOCK_PACKET, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(p, 0.0.0.0:0)"), err(ENODEV));
    EXPECT_EQ(s.run("bind(p, 127.0.0.1:7000)"), err(ENODEV));
}

TEST(Socket, APacketSocketsProtocolIsNotItsSkProtocol) {
    Sim s;
    ASSERT_EQ(s.run("p = socket(AF_INET, SOCK_PACKET, 5)"), ok(3));
    EXPECT_EQ(s.run("getsockopt(p, SOL_SOCKET, SO_PROTOCOL)"), ok(0));
}

// ---------------------------------------------------------------- fd lookups

TEST(Socket, EveryCallOnAnUnusedFdIsEbadfAndOnTheTerminalEnotsock) {
    Sim s;
    const std::vector<std::pair<std::string, std::string>> calls = {
        {"bind(", ", 0.0.0.0:7250)"},        {"listen(", ", 5)"},
        {"connect(", ", 127.0.0.1:7250)"},   {"accept(", ")"},
        {"accept4(", ", 0)"},                {"shutdown(", ", SHUT_RDWR)"},
        {"getsockopt(", ", SOL_SOCKET, SO_TYPE)"},
        {"setsockopt(", ", SOL_SOCKET, SO_REUSEADDR, 1)"},
        {"local_port(", ")"},                {"tcp_state(", ")"}};
    for (const auto& [head, tail] : calls) {
        EXPECT_EQ(s.run(head + "99" + tail), err(EBADF)) << head;
        EXPECT_EQ(s.run(head + "-1" + tail), err(EBADF)) << head;
        EXPECT_EQ(s.run(head + "0" + tail), err(ENOTSOCK)) << head;
    }
    EXPECT_EQ(s.w().sockets.size(), 0u);
}

TEST(Socket, AcceptChecksTheFdThenTheFlagsThenThatItIsASocket) {
    Sim s;
    EXPECT_EQ(s.run("accept4(99, 1)"), err(EBADF));
    EXPECT_EQ(s.run("accept4(0, 1)"), err(EINVAL));
    EXPECT_EQ(s.run("accept4(0, 0)"), err(ENOTSOCK));
    EXPECT_EQ(s.run("u = socket(AF_INET, SOCK_DGRAM, 0)"), ok(3));
    EXPECT_EQ(s.run("accept4(u, 1)"), err(EINVAL));
    EXPECT_EQ(s.run("accept4(u, 0)"), err(EOPNOTSUPP));
    EXPECT_EQ(s.run("accept4(u, SOCK_NONBLOCK)"), err(EOPNOTSUPP));
}

TEST(Socket, AcceptReservesItsFdFirstSoAFullTableIsEmfileBeforeEnotsock) {
    Sim s;
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(l, 127.0.0.1:7260)"), ok(0));
    ASSERT_EQ(s.run("listen(l, 5)"), ok(0));
    ASSERT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    ASSERT_EQ(s.run("connect(c, 127.0.0.1:7260)"), ok(0));
    ASSERT_EQ(fill_table(s, 4), 1019);
    EXPECT_EQ(s.run("accept(0)"), err(EMFILE));
    EXPECT_EQ(s.run("accept4(0, 1)"), err(EINVAL));
    EXPECT_EQ(s.run("accept(-1)"), err(EBADF));
    EXPECT_EQ(s.run("accept(l)"), err(EMFILE));
    EXPECT_EQ(s.run("acceptq(l)"), ok(1));  // the connection stays queued
    EXPECT_EQ(s.run("close(1000)"), ok(0));
    EXPECT_EQ(s.run("accept(0)"), err(ENOTSOCK));
    EXPECT_EQ(s.run("accept(l)"), ok(1000));
    EXPECT_EQ(s.run("acceptq(l)"), ok(0));
}

TEST(Socket, AcceptOnATcpSocketThatIsNotListeningIsEinval) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("accept(s)"), err(EINVAL));
    ASSERT_EQ(s.run("bind(s, 127.0.0.1:7410)"), ok(0));
    EXPECT_EQ(s.run("accept(s)"), err(EINVAL));
    ASSERT_EQ(s.run("listen(s, 5)"), ok(0));
    ASSERT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    ASSERT_EQ(s.run("connect(c, 127.0.0.1:7410)"), ok(0));
    EXPECT_EQ(s.run("accept(c)"), err(EINVAL));
    ASSERT_EQ(s.run("n = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(5));
    EXPECT_EQ(s.run("accept(n)"), err(EINVAL));
}

TEST(Socket, Accept4FlagsSetTheNewFdOnlyAndTheListenersONonblockDecidesBlocking) {
    Sim s;
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(l, 127.0.0.1:7420)"), ok(0));
    ASSERT_EQ(s.run("listen(l, 5)"), ok(0));
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM, 0)"), ok(4 + i));
        ASSERT_EQ(s.run("connect(c, 127.0.0.1:7420)"), ok(0));
    }
    EXPECT_EQ(s.run("accept4(l, O_RDWR)"), err(EINVAL));
    EXPECT_EQ(s.run("accept4(l, SOCK_NONBLOCK|1)"), err(EINVAL));
    EXPECT_EQ(s.run("a = accept(l)"), ok(7));
    EXPECT_EQ(s.run("fcntl(a, F_GETFL)"), ok(O_RDWR));
    EXPECT_EQ(s.run("fcntl(a, F_GETFD)"), ok(0));
    EXPECT_EQ(s.run("b = accept4(l, SOCK_NONBLOCK|SOCK_CLOEXEC)"), ok(8));
    EXPECT_EQ(s.run("fcntl(b, F_GETFL)"), ok(O_RDWR | O_NONBLOCK));
    EXPECT_EQ(s.run("fcntl(b, F_GETFD)"), ok(FD_CLOEXEC));
    EXPECT_EQ(s.run("accept4(l, 0)"), ok(9));
    EXPECT_EQ(s.run("accept4(l, SOCK_NONBLOCK)"), err(EAGAIN));
    // a blocking listener blocks even for accept4(SOCK_NONBLOCK)
    ASSERT_EQ(s.run("m = socket(AF_INET, SOCK_STREAM, 0)"), ok(10));
    ASSERT_EQ(s.run("listen(m, 5)"), ok(0));
    s.run("accept4(m, SOCK_NONBLOCK)");
    EXPECT_TRUE(s.slept());
}

TEST(Socket, AnAcceptedSocketIsConnectedAndGraftedToTheChild) {
    Sim s;
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(l, 127.0.0.1:7400)"), ok(0));
    ASSERT_EQ(s.run("listen(l, 5)"), ok(0));
    ASSERT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    ASSERT_EQ(s.run("connect(c, 127.0.0.1:7400)"), ok(0));
    ASSERT_EQ(s.run("a = accept(l)"), ok(5));
    SockId child = s.sock_of(5);
    const Sock& sk = s.w().socks[child];
    EXPECT_EQ(s.w().sockets[sk.sk_socket].state, SS_CONNECTED);
    EXPECT_EQ(s.w().sockets[sk.sk_socket].sk, child);
    EXPECT_EQ(s.w().sockets[sk.sk_socket].ops, OpsKind::inet_stream_ops);
    EXPECT_EQ(s.run("local_port(a)"), ok(7400));
    EXPECT_EQ(s.run("getsockopt(a, SOL_SOCKET, SO_ACCEPTCONN)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(a)"), ok(TCP_ESTABLISHED));
}

// ---------------------------------------------------------------- addresses

TEST(Socket, AnAddressLengthOver128OrNegativeIsEinvalFromMoveAddrToKernel) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(s, 0.0.0.0:7020, 200)"), err(EINVAL));
    EXPECT_EQ(s.run("bind(s, 0.0.0.0:7020, 129)"), err(EINVAL));
    EXPECT_EQ(s.run("bind(s, 0.0.0.0:7020, -1)"), err(EINVAL));
    EXPECT_EQ(s.run("connect(s, 127.0.0.1:7020, 200)"), err(EINVAL));
    EXPECT_EQ(s.run("connect(s, 127.0.0.1:7020, -1)"), err(EINVAL));
    EXPECT_EQ(s.run("bind(s, 0.0.0.0:7021, 128)"), ok(0));
    EXPECT_EQ(s.run("local_port(s)"), ok(7021));
}

TEST(Socket, BindLooksUpTheSocketBeforeCopyingTheAddressButConnectCopiesFirst) {
    Sim s;
    EXPECT_EQ(s.run("bind(0, 0.0.0.0:7000, 200)"), err(ENOTSOCK));
    EXPECT_EQ(s.run("connect(0, 127.0.0.1:7000, 200)"), err(EINVAL));
    EXPECT_EQ(s.run("bind(99, 0.0.0.0:7000, 200)"), err(EBADF));
    EXPECT_EQ(s.run("connect(99, 127.0.0.1:7000, 200)"), err(EBADF));
}

// ---------------------------------------------------------------- listen

TEST(Socket, ListenClampsTheBacklogToSomaxconnAsAnUnsignedNumber) {
    Sim s;
    ASSERT_EQ(s.run("a = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("listen(a, -1)"), ok(0));
    EXPECT_EQ(s.run("backlog(a)"), ok(4096));
    ASSERT_EQ(s.run("b = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("listen(b, 100000)"), ok(0));
    EXPECT_EQ(s.run("backlog(b)"), ok(4096));
    ASSERT_EQ(s.run("e = socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    EXPECT_EQ(s.run("listen(e, -2147483648)"), ok(0));
    EXPECT_EQ(s.run("backlog(e)"), ok(4096));
    s.run("!sysctl net.core.somaxconn=128");
    EXPECT_EQ(s.run("listen(b, 129)"), ok(0));
    EXPECT_EQ(s.run("backlog(b)"), ok(128));
    EXPECT_EQ(s.run("listen(b, 100)"), ok(0));
    EXPECT_EQ(s.run("backlog(b)"), ok(100));
}

TEST(Socket, ListenOnADatagramOrRawSocketIsEopnotsupp) {
    Sim s;
    ASSERT_EQ(s.run("u = socket(AF_INET, SOCK_DGRAM, 0)"), ok(3));
    EXPECT_EQ(s.run("listen(u, 5)"), err(EOPNOTSUPP));
    ASSERT_EQ(s.run("r = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)"), ok(4));
    EXPECT_EQ(s.run("listen(r, 5)"), err(EOPNOTSUPP));
    EXPECT_EQ(s.run("accept(r)"), err(EOPNOTSUPP));
}

// ---------------------------------------------------------------- the in-kernel API

TEST(Socket, AKernelSocketHasNoFileAndTakesNoFd) {
    Sim s;
    script::Result h = s.run("k = sock_create_kern(AF_INET, SOCK_STREAM, IPPROTO_TCP)");
    ASSERT_EQ(h.err, 0);
    SocketId ks(static_cast<uint32_t>(h.value));
    ASSERT_TRUE(s.w().sockets.contains(ks));
    EXPECT_FALSE(static_cast<bool>(s.w().sockets[ks].file));
    EXPECT_TRUE(s.w().socks[s.w().sockets[ks].sk].sk_kern_sock);
    EXPECT_EQ(s.w().nr_files, 0);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("kernel_bind(k, 0.0.0.0:7000)"), ok(0));
    EXPECT_EQ(s.run("kernel_listen(k, 100000)"), ok(0));
    EXPECT_EQ(s.w().socks[s.w().sockets[ks].sk].sk_max_ack_backlog, 100000u);
    EXPECT_EQ(s.run("kernel_accept(k, O_NONBLOCK)"), err(EAGAIN));
    EXPECT_EQ(s.run("sock_release(k)"), ok(0));
    EXPECT_FALSE(s.w().sockets.contains(ks));
    EXPECT_EQ(s.run("sock_release(k)"), err(EBADF));
    EXPECT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(c, 127.0.0.1:7000)"), err(ECONNREFUSED));
}

TEST(Socket, KernelAcceptGivesAHandleToTheQueuedConnection) {
    Sim s;
    script::Result h = s.run("k = sock_create_kern(AF_INET, SOCK_STREAM, 0)");
    ASSERT_EQ(h.err, 0);
    ASSERT_EQ(s.run("kernel_bind(k, 127.0.0.1:7001)"), ok(0));
    ASSERT_EQ(s.run("kernel_listen(k, 5)"), ok(0));
    ASSERT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("connect(c, 127.0.0.1:7001)"), ok(0));
    script::Result a = s.run("a = kernel_accept(k)");
    ASSERT_EQ(a.err, 0);
    SocketId as(static_cast<uint32_t>(a.value));
    ASSERT_TRUE(s.w().sockets.contains(as));
    EXPECT_FALSE(static_cast<bool>(s.w().sockets[as].file));
    EXPECT_EQ(s.w().sockets[as].state, SS_CONNECTED);
    EXPECT_EQ(s.w().socks[s.w().sockets[as].sk].sk_state, TCP_ESTABLISHED);
    EXPECT_EQ(s.run("sock_release(a)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(c)"), ok(TCP_CLOSE_WAIT));
    EXPECT_EQ(s.run("sock_release(k)"), ok(0));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(Socket, TheKernelApiRefusesAUserSocketsHandle) {
    Sim s;
    ASSERT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    uint32_t user = s.w().files[s.w().files_structs[s.w().tasks[s.main()].files].fd[3]].private_data.v;
    std::string h = std::to_string(user);
    EXPECT_EQ(s.run("kernel_bind(" + h + ", 0.0.0.0:7002)"), err(EBADF));
    EXPECT_EQ(s.run("kernel_listen(" + h + ", 5)"), err(EBADF));
    EXPECT_EQ(s.run("kernel_accept(" + h + ")"), err(EBADF));
    EXPECT_EQ(s.run("sock_release(" + h + ")"), err(EBADF));
    EXPECT_EQ(s.run("sock_release(0)"), err(EBADF));
    EXPECT_EQ(s.run("sock_release(-1)"), err(EBADF));
}

TEST(Socket, AKernelSocketSkipsTheCapNetRawCheck) {
    Sim s;
    s.run("!user 1000");
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)"), err(EPERM));
    EXPECT_EQ(s.run("sock_create_kern(AF_INET, SOCK_RAW, IPPROTO_ICMP)").err, 0);
    EXPECT_EQ(s.run("sock_create_kern(AF_INET, SOCK_RAW, 0)"), err(EPROTONOSUPPORT));
}

TEST(Socket, KernelAcceptOnADatagramSocketIsEopnotsupp) {
    Sim s;
    script::Result h = s.run("k = sock_create_kern(AF_INET, SOCK_DGRAM, 0)");
    ASSERT_EQ(h.err, 0);
    size_t sockets = s.w().sockets.size();
    EXPECT_EQ(s.run("kernel_accept(k)"), err(EOPNOTSUPP));
    EXPECT_EQ(s.run("kernel_listen(k, 5)"), err(EOPNOTSUPP));
    EXPECT_EQ(s.w().sockets.size(), sockets);
}

// ---------------------------------------------------------------- sock_register

TEST(Socket, SockRegisterRefusesATakenSlotWithEexistAndOneOutOfRangeWithEnobufs) {
    Sim s;
    EXPECT_EQ(s.run("sock_register(AF_INET)"), err(EEXIST));
    EXPECT_EQ(s.run("sock_register(AF_PACKET)"), err(EEXIST));
    EXPECT_EQ(s.run("sock_register(46)"), err(ENOBUFS));
    EXPECT_EQ(s.run("sock_register(1000)"), err(ENOBUFS));
    EXPECT_EQ(s.run("sock_register(30, \"MY_PF_INET\")"), ok(0));
    EXPECT_EQ(s.run("sock_register(30, \"again\")"), err(EEXIST));
    EXPECT_TRUE(s.w().net_families[30].registered);
    EXPECT_EQ(s.w().net_families[30].name, "MY_PF_INET");
}

TEST(Socket, ARegisteredFamilyWithAnEmptyInetswIsEsocktnosupport) {
    Sim s;
    ASSERT_EQ(s.run("sock_register(30)"), ok(0));
    EXPECT_EQ(s.run("socket(30, SOCK_STREAM, 0)"), err(ESOCKTNOSUPPORT));
    ASSERT_EQ(s.run("inet_register_protosw(30, SOCK_STREAM, IPPROTO_TCP, tcp)"), ok(0));
    EXPECT_EQ(s.run("socket(30, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("getsockopt(3, SOL_SOCKET, SO_PROTOCOL)"), ok(IPPROTO_TCP));
}

}  // namespace sockscope::test
