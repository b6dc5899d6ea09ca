// Tests for core/script/constants.cpp: the Linux spellings of uapi.h.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "script/constants.h"
#include "uapi.h"

using namespace sockscope::script;
namespace k = sockscope;

namespace {
// Every errno name the model knows (uapi.h takes them from <cerrno>, plus
// the kernel-internal ERESTARTSYS).
constexpr int kUapiErrnos[] = {
    EPERM, ENOENT, ESRCH, EINTR, EIO, ENXIO, E2BIG,
    ENOEXEC, EBADF, ECHILD, EAGAIN, ENOMEM, EACCES, EFAULT,
    EBUSY, EEXIST, ENODEV, ENOTDIR, EINVAL, ENFILE, EMFILE,
    ENOTTY, ENOSPC, EPIPE, ERANGE, ENOSYS, ENOTSOCK,
    EDESTADDRREQ, EMSGSIZE, EPROTOTYPE, ENOPROTOOPT,
    EPROTONOSUPPORT, ESOCKTNOSUPPORT, EOPNOTSUPP, EPFNOSUPPORT,
    EAFNOSUPPORT, EADDRINUSE, EADDRNOTAVAIL, ENETDOWN,
    ENETUNREACH, ENETRESET, ECONNABORTED, ECONNRESET, ENOBUFS,
    EISCONN, ENOTCONN, ESHUTDOWN, ETIMEDOUT, ECONNREFUSED,
    EHOSTDOWN, EHOSTUNREACH, EALREADY, EINPROGRESS, k::ERESTARTSYS,
};
}  // namespace

TEST(ScriptConstants, FamiliesResolveInBothSpellings) {
    EXPECT_EQ(lookup_constant("AF_INET"), 2);
    EXPECT_EQ(lookup_constant("PF_INET"), 2);
    EXPECT_EQ(lookup_constant("AF_UNSPEC"), 0);
    EXPECT_EQ(lookup_constant("AF_INET6"), 10);
    EXPECT_EQ(lookup_constant("PF_PACKET"), 17);
    EXPECT_EQ(lookup_constant("AF_MAX"), 46);
}

TEST(ScriptConstants, SocketTypesAndTheirFlagsHaveTheirX86Values) {
    EXPECT_EQ(lookup_constant("SOCK_STREAM"), 1);
    EXPECT_EQ(lookup_constant("SOCK_DGRAM"), 2);
    EXPECT_EQ(lookup_constant("SOCK_RAW"), 3);
    EXPECT_EQ(lookup_constant("SOCK_SEQPACKET"), 5);
    EXPECT_EQ(lookup_constant("SOCK_PACKET"), 10);
    EXPECT_EQ(lookup_constant("SOCK_NONBLOCK"), 0x800);
    EXPECT_EQ(lookup_constant("SOCK_CLOEXEC"), 0x80000);
    EXPECT_EQ(lookup_constant("SOCK_NONBLOCK"), lookup_constant("O_NONBLOCK"));
}

TEST(ScriptConstants, ProtocolsLevelsAndOptionsResolve) {
    EXPECT_EQ(lookup_constant("IPPROTO_TCP"), 6);
    EXPECT_EQ(lookup_constant("IPPROTO_UDP"), 17);
    EXPECT_EQ(lookup_constant("IPPROTO_ICMP"), 1);
    EXPECT_EQ(lookup_constant("IPPROTO_MPTCP"), 262);
    EXPECT_EQ(lookup_constant("IPPROTO_MAX"), 263);
    EXPECT_EQ(lookup_constant("SOL_SOCKET"), 1);
    EXPECT_EQ(lookup_constant("SOL_TCP"), 6);
    EXPECT_EQ(lookup_constant("SO_REUSEADDR"), 2);
    EXPECT_EQ(lookup_constant("SO_ERROR"), 4);
    EXPECT_EQ(lookup_constant("SO_LINGER"), 13);
    EXPECT_EQ(lookup_constant("SO_REUSEPORT"), 15);
    EXPECT_EQ(lookup_constant("SO_ACCEPTCONN"), 30);
    EXPECT_EQ(lookup_constant("SO_PROTOCOL"), 38);
    EXPECT_EQ(lookup_constant("SO_DOMAIN"), 39);
}

TEST(ScriptConstants, ShutdownAndFcntlNamesResolve) {
    EXPECT_EQ(lookup_constant("SHUT_RD"), 0);
    EXPECT_EQ(lookup_constant("SHUT_WR"), 1);
    EXPECT_EQ(lookup_constant("SHUT_RDWR"), 2);
    EXPECT_EQ(lookup_constant("F_GETFL"), 3);
    EXPECT_EQ(lookup_constant("F_SETFL"), 4);
    EXPECT_EQ(lookup_constant("F_DUPFD_CLOEXEC"), 1030);
    EXPECT_EQ(lookup_constant("FD_CLOEXEC"), 1);
    EXPECT_EQ(lookup_constant("O_RDWR"), 2);
}

TEST(ScriptConstants, StatesResolveByName) {
    EXPECT_EQ(lookup_constant("TCP_ESTABLISHED"), 1);
    EXPECT_EQ(lookup_constant("TCP_TIME_WAIT"), 6);
    EXPECT_EQ(lookup_constant("TCP_CLOSE"), 7);
    EXPECT_EQ(lookup_constant("TCP_LISTEN"), 10);
    EXPECT_EQ(lookup_constant("TCP_NEW_SYN_RECV"), 12);
    EXPECT_EQ(lookup_constant("SS_UNCONNECTED"), 1);
    EXPECT_EQ(lookup_constant("SS_DISCONNECTING"), 4);
}

TEST(ScriptConstants, UnknownOrMiscasedNamesAreNotFound) {
    EXPECT_FALSE(lookup_constant("AF_INETX").has_value());
    EXPECT_FALSE(lookup_constant("af_inet").has_value());
    EXPECT_FALSE(lookup_constant("").has_value());
    EXPECT_FALSE(errno_from_name("SOCK_STREAM").has_value());
    EXPECT_FALSE(errno_from_name("EFOO").has_value());
}

TEST(ScriptConstants, EveryErrnoOfUapiResolvesBothWays) {
    for (int e : kUapiErrnos) {
        const char* name = errno_name(e);
        ASSERT_NE(name, nullptr) << e;
        EXPECT_EQ(errno_from_name(name), e) << name;
        EXPECT_EQ(lookup_constant(name), e) << name;
    }
    EXPECT_STREQ(errno_name(98), "EADDRINUSE");
    EXPECT_STREQ(errno_name(115), "EINPROGRESS");
    EXPECT_EQ(errno_from_name("ECONNREFUSED"), 111);
}

TEST(ScriptConstants, EwouldblockIsAnAliasThatPrintsAsEagain) {
    EXPECT_EQ(errno_from_name("EWOULDBLOCK"), 11);
    EXPECT_EQ(errno_from_name("EAGAIN"), 11);
    EXPECT_STREQ(errno_name(11), "EAGAIN");
}

TEST(ScriptConstants, AnUnknownErrnoNumberHasNoName) {
    EXPECT_EQ(errno_name(0), nullptr);
    EXPECT_EQ(errno_name(15), nullptr);
    EXPECT_EQ(errno_name(-1), nullptr);
    EXPECT_EQ(errno_name(100000), nullptr);
}

TEST(ScriptConstants, TcpStateNamesCoverEveryStateAndNothingElse) {
    EXPECT_EQ(tcp_state_name(0), nullptr);
    EXPECT_STREQ(tcp_state_name(k::TCP_ESTABLISHED), "TCP_ESTABLISHED");
    EXPECT_STREQ(tcp_state_name(k::TCP_SYN_SENT), "TCP_SYN_SENT");
    EXPECT_STREQ(tcp_state_name(k::TCP_CLOSE), "TCP_CLOSE");
    EXPECT_STREQ(tcp_state_name(k::TCP_LISTEN), "TCP_LISTEN");
    EXPECT_STREQ(tcp_state_name(k::TCP_NEW_SYN_RECV), "TCP_NEW_SYN_RECV");
    EXPECT_EQ(tcp_state_name(k::TCP_MAX_STATES), nullptr);
    EXPECT_EQ(tcp_state_name(-3), nullptr);
    for (int s = k::TCP_ESTABLISHED; s < k::TCP_MAX_STATES; ++s)
        EXPECT_EQ(lookup_constant(tcp_state_name(s)), s);
}

TEST(ScriptConstants, SocketStateNamesCoverSsFreeToSsDisconnecting) {
    EXPECT_STREQ(socket_state_name(k::SS_FREE), "SS_FREE");
    EXPECT_STREQ(socket_state_name(k::SS_UNCONNECTED), "SS_UNCONNECTED");
    EXPECT_STREQ(socket_state_name(k::SS_CONNECTING), "SS_CONNECTING");
    EXPECT_STREQ(socket_state_name(k::SS_CONNECTED), "SS_CONNECTED");
    EXPECT_STREQ(socket_state_name(k::SS_DISCONNECTING), "SS_DISCONNECTING");
    EXPECT_EQ(socket_state_name(5), nullptr);
    EXPECT_EQ(socket_state_name(-1), nullptr);
}

TEST(ScriptConstants, EveryNameIsUniqueAndEveryConstantHasAGroup) {
    std::set<std::string> seen;
    for (const Constant& c : all_constants()) {
        EXPECT_TRUE(seen.insert(c.name).second) << "duplicate " << c.name;
        ASSERT_NE(c.group, nullptr);
        EXPECT_NE(std::string(c.group), "") << c.name;
        EXPECT_EQ(lookup_constant(c.name), c.value) << c.name;
    }
}

TEST(ScriptConstants, ErrnoNamesAreExactlyTheErrnoGroup) {
    for (const Constant& c : all_constants()) {
        bool is_errno = std::string(c.group) == "errno";
        EXPECT_EQ(errno_from_name(c.name).has_value(), is_errno) << c.name;
    }
}

TEST(ScriptConstants, GroupsSortTheNamesTheWayTheManPagesDo) {
    auto group_of = [](const std::string& name) -> std::string {
        for (const Constant& c : all_constants())
            if (name == c.name) return c.group;
        return "";
    };
    EXPECT_EQ(group_of("AF_INET"), "family");
    EXPECT_EQ(group_of("SOCK_STREAM"), "type");
    EXPECT_EQ(group_of("SOCK_NONBLOCK"), "flag");
    EXPECT_EQ(group_of("IPPROTO_TCP"), "proto");
    EXPECT_EQ(group_of("SOL_SOCKET"), "level");
    EXPECT_EQ(group_of("SO_LINGER"), "optname");
    EXPECT_EQ(group_of("SHUT_WR"), "how");
    EXPECT_EQ(group_of("F_GETFL"), "fcntl");
    EXPECT_EQ(group_of("EINVAL"), "errno");
    EXPECT_EQ(group_of("TCP_LISTEN"), "state");
    EXPECT_EQ(group_of("SS_CONNECTED"), "sstate");
}

TEST(ScriptConstants, TheTableAgreesWithUapiH) {
    EXPECT_EQ(lookup_constant("NPROTO"), k::NPROTO);
    EXPECT_EQ(lookup_constant("SOCK_MAX"), k::SOCK_MAX);
    EXPECT_EQ(lookup_constant("SOCK_TYPE_MASK"), k::SOCK_TYPE_MASK);
    EXPECT_EQ(lookup_constant("SETFL_MASK"), k::SETFL_MASK);
    EXPECT_EQ(lookup_constant("RCV_SHUTDOWN"), k::RCV_SHUTDOWN);
    EXPECT_EQ(lookup_constant("SK_FORCE_REUSE"), k::SK_FORCE_REUSE);
    EXPECT_EQ(lookup_constant("SOCK_BINDPORT_LOCK"), k::SOCK_BINDPORT_LOCK);
    EXPECT_EQ(lookup_constant("INADDR_LOOPBACK"), k::INADDR_LOOPBACK);
    EXPECT_EQ(lookup_constant("PROT_SOCK"), k::PROT_SOCK);
    EXPECT_EQ(lookup_constant("CAP_NET_RAW"), k::CAP_NET_RAW);
    EXPECT_EQ(lookup_constant("SO_RCVTIMEO"), k::SO_RCVTIMEO);
    EXPECT_EQ(lookup_constant("O_CLOEXEC"), k::O_CLOEXEC);
}
