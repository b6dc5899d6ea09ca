// test_af_inet.cpp — core/ipv4/af_inet.cpp: inet_create, bind, listen,
// connect, shutdown as Linux 6.x answers them.
#include "support.h"

namespace sockscope::test {

TEST(AfInet, TheSeedProgramsSevenSocketCallsGiveThreeFourMinusOneFiveSixSevenEight) {
    Sim s;
    s.run("!define MY_PF_INET 30");
    EXPECT_EQ(s.run("sock_register(MY_PF_INET, \"MY_PF_INET\")"), ok(0));
    EXPECT_EQ(s.run("inet_register_protosw(MY_PF_INET, SOCK_STREAM, IPPROTO_TCP, tcp)"), ok(0));
    EXPECT_EQ(s.run("inet_register_protosw(MY_PF_INET, SOCK_DGRAM, IPPROTO_UDP, udp)"), ok(0));
    EXPECT_EQ(s.run("inet_register_protosw(MY_PF_INET, SOCK_RAW, IPPROTO_IP, raw)"), ok(0));
    EXPECT_EQ(s.run("socket(MY_PF_INET, SOCK_RAW, IPPROTO_ICMP)"), ok(3));
    EXPECT_EQ(s.run("socket(MY_PF_INET, SOCK_RAW, IPPROTO_IGMP)"), ok(4));
    EXPECT_EQ(s.run("socket(MY_PF_INET, SOCK_RAW, IPPROTO_IP)"), err(EPROTONOSUPPORT));
    EXPECT_EQ(s.run("socket(MY_PF_INET, SOCK_DGRAM, IPPROTO_UDP)"), ok(5));
    EXPECT_EQ(s.run("socket(MY_PF_INET, SOCK_DGRAM, IPPROTO_IP)"), ok(6));
    EXPECT_EQ(s.run("socket(MY_PF_INET, SOCK_STREAM, IPPROTO_TCP)"), ok(7));
    EXPECT_EQ(s.run("socket(MY_PF_INET, SOCK_STREAM, IPPROTO_IP)"), ok(8));
}

TEST(AfInet, AnEmptyInetswListIsEsocktnosupportAndANonMatchingOneIsEprotonosupport) {
    Sim s;
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_SEQPACKET, 0)"), err(ESOCKTNOSUPPORT));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, IPPROTO_UDP)"), err(EPROTONOSUPPORT));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(AfInet, AFailedSocketCallLeavesNoObjectBehind) {
    Sim s;
    size_t sockets = s.w().sockets.size(), files = s.w().files.size();
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_RAW, 0)"), err(EPROTONOSUPPORT));
    EXPECT_EQ(s.w().sockets.size(), sockets);
    EXPECT_EQ(s.w().files.size(), files);
    EXPECT_GT(s.steps_checked, 0);
}

}  // namespace sockscope::test
