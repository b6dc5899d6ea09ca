// test_fcntl.cpp — core/fs/fcntl.cpp: fcntl(2) as fs/fcntl.c answers it:
// F_DUPFD/F_DUPFD_CLOEXEC, the per-fd FD_CLOEXEC, the per-file status
// flags F_SETFL may change.
#include "support.h"

namespace sockscope::script {
// Results print as the runner prints them ("3", "-1 EBADF").
static void PrintTo(const Result& r, std::ostream* os) { *os << format_result(r); }
}  // namespace sockscope::script

namespace sockscope::test {

TEST(Fcntl, GetflOfASocketIsORdwrPlusONonblockWhenSet) {
    Sim s;
    ASSERT_EQ(s.run("a = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("fcntl(a, F_GETFL)"), ok(O_RDWR));
    ASSERT_EQ(s.run("b = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC, 0)"), ok(4));
    EXPECT_EQ(s.run("fcntl(b, F_GETFL)"), ok(2050));
    EXPECT_EQ(s.run("fcntl(b, F_GETFD)"), ok(FD_CLOEXEC));
    ASSERT_EQ(s.run("c = socket(AF_INET, SOCK_DGRAM|SOCK_NONBLOCK, 0)"), ok(5));
    EXPECT_EQ(s.run("fcntl(c, F_GETFL)"), ok(2050));
    EXPECT_EQ(s.run("fcntl(c, F_GETFD)"), ok(0));
}

TEST(Fcntl, SetflChangesOnlyTheChangeableFlagsAndKeepsTheAccessMode) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("fcntl(s, F_SETFL, O_NONBLOCK)"), ok(0));
    EXPECT_EQ(s.run("fcntl(s, F_GETFL)"), ok(2050));
    EXPECT_EQ(s.run("fcntl(s, F_SETFL, O_RDONLY)"), ok(0));
    EXPECT_EQ(s.run("fcntl(s, F_GETFL)"), ok(2));
    EXPECT_EQ(s.run("fcntl(s, F_SETFL, O_WRONLY|O_NONBLOCK)"), ok(0));
    EXPECT_EQ(s.run("fcntl(s, F_GETFL)"), ok(2050));
    EXPECT_EQ(s.run("fcntl(s, F_SETFL, O_CLOEXEC)"), ok(0));
    EXPECT_EQ(s.run("fcntl(s, F_GETFL)"), ok(2));
    EXPECT_EQ(s.run("fcntl(s, F_GETFD)"), ok(0));
}

TEST(Fcntl, SetflKeepsOAppendAndOAsyncOnASocket) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("fcntl(s, F_SETFL, O_APPEND)"), ok(0));
    EXPECT_EQ(s.run("fcntl(s, F_GETFL)"), ok(1026));
    EXPECT_EQ(s.run("fcntl(s, F_SETFL, O_ASYNC)"), ok(0));
    EXPECT_EQ(s.run("fcntl(s, F_GETFL)"), ok(8194));
    EXPECT_EQ(s.run("fcntl(s, F_SETFL, 0)"), ok(0));
    EXPECT_EQ(s.run("fcntl(s, F_GETFL)"), ok(2));
}

TEST(Fcntl, SetflIgnoresBitsOutsideSetflMask) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("fcntl(s, F_SETFL, O_NONBLOCK|O_RDONLY|0x40)"), ok(0));  // 0x40 = O_CREAT
    EXPECT_EQ(s.run("fcntl(s, F_GETFL)"), ok(2050));
    EXPECT_EQ(s.run("fcntl(s, F_SETFL, 0x4)"), ok(0));
    EXPECT_EQ(s.run("fcntl(s, F_GETFL)"), ok(2));
}

TEST(Fcntl, ONdelayIsONonblock) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("fcntl(s, F_SETFL, O_NDELAY)"), ok(0));
    EXPECT_EQ(s.run("fcntl(s, F_GETFL)"), ok(2050));
}

TEST(Fcntl, SetflODirectOnASocketIsEinval) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("fcntl(s, F_SETFL, 0x4000)"), err(EINVAL));
    EXPECT_EQ(s.run("fcntl(s, F_SETFL, O_NONBLOCK|0x4000)"), err(EINVAL));
    EXPECT_EQ(s.run("fcntl(s, F_GETFL)"), ok(2));
}

TEST(Fcntl, SetflONoatimeIsKeptForTheOwner) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("fcntl(s, F_SETFL, 0x40000)"), ok(0));
    EXPECT_EQ(s.run("fcntl(s, F_GETFL)"), ok(262146));
}

TEST(Fcntl, StatusFlagsBelongToTheFileSoADupSeesThem) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("d = dup(s)"), ok(4));
    EXPECT_EQ(s.run("fcntl(s, F_SETFL, O_NONBLOCK)"), ok(0));
    EXPECT_EQ(s.run("fcntl(d, F_GETFL)"), ok(2050));
    EXPECT_EQ(s.run("C = fork()").err, 0);
    EXPECT_EQ(s.run("C: fcntl(3, F_SETFL, 0)"), ok(0));
    EXPECT_EQ(s.run("fcntl(s, F_GETFL)"), ok(2));
}

TEST(Fcntl, CloseOnExecBelongsToTheDescriptor) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("fcntl(s, F_GETFD)"), ok(0));
    EXPECT_EQ(s.run("fcntl(s, F_SETFD, FD_CLOEXEC)"), ok(0));
    EXPECT_EQ(s.run("fcntl(s, F_GETFD)"), ok(FD_CLOEXEC));
    ASSERT_EQ(s.run("d = dup(s)"), ok(4));
    EXPECT_EQ(s.run("fcntl(d, F_GETFD)"), ok(0));
    EXPECT_EQ(s.run("fcntl(s, F_SETFD, 0)"), ok(0));
    EXPECT_EQ(s.run("fcntl(s, F_GETFD)"), ok(0));
}

TEST(Fcntl, SetfdLooksOnlyAtTheFdCloexecBit) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("fcntl(s, F_SETFD, 2)"), ok(0));
    EXPECT_EQ(s.run("fcntl(s, F_GETFD)"), ok(0));
    EXPECT_EQ(s.run("fcntl(s, F_SETFD, -1)"), ok(0));
    EXPECT_EQ(s.run("fcntl(s, F_GETFD)"), ok(FD_CLOEXEC));
    EXPECT_EQ(s.run("fcntl(s, F_SETFD, 3)"), ok(0));
    EXPECT_EQ(s.run("fcntl(s, F_GETFD)"), ok(FD_CLOEXEC));
}

TEST(Fcntl, DupfdTakesTheLowestFreeFdAtOrAboveTheMinimum) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("fcntl(s, F_DUPFD, 10)"), ok(10));
    EXPECT_EQ(s.run("fcntl(s, F_DUPFD, 10)"), ok(11));
    EXPECT_EQ(s.run("fcntl(s, F_DUPFD, 0)"), ok(4));
    EXPECT_EQ(s.run("fcntl(s, F_DUPFD, 1023)"), ok(1023));
    EXPECT_EQ(s.run("fcntl(s, F_DUPFD, 1023)"), err(EMFILE));
    EXPECT_EQ(s.run("c = fcntl(s, F_DUPFD_CLOEXEC, 20)"), ok(20));
    EXPECT_EQ(s.run("fcntl(c, F_GETFD)"), ok(FD_CLOEXEC));
    EXPECT_EQ(s.run("fcntl(s, F_DUPFD, 12)"), ok(12));
    EXPECT_EQ(s.run("fcntl(12, F_GETFD)"), ok(0));
}

TEST(Fcntl, DupfdDoesNotCopyCloseOnExec) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0)"), ok(3));
    EXPECT_EQ(s.run("fcntl(s, F_DUPFD, 0)"), ok(4));
    EXPECT_EQ(s.run("fcntl(4, F_GETFD)"), ok(0));
}

TEST(Fcntl, ADupfdMinimumAtOrAboveTheLimitOrNegativeIsEinval) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("fcntl(s, F_DUPFD, 1024)"), err(EINVAL));
    EXPECT_EQ(s.run("fcntl(s, F_DUPFD, -1)"), err(EINVAL));
    EXPECT_EQ(s.run("fcntl(s, F_DUPFD, 4294967295)"), err(EINVAL));
    EXPECT_EQ(s.run("fcntl(s, F_DUPFD_CLOEXEC, 1024)"), err(EINVAL));
}

TEST(Fcntl, AnUnknownCommandIsEinvalButABadFdComesFirst) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("fcntl(s, 9999)"), err(EINVAL));
    EXPECT_EQ(s.run("fcntl(99, 9999)"), err(EBADF));
}

TEST(Fcntl, EveryCommandOnAClosedFdIsEbadf) {
    Sim s;
    for (const char* cmd : {"F_GETFL", "F_GETFD"})
        EXPECT_EQ(s.run(std::string("fcntl(99, ") + cmd + ")"), err(EBADF)) << cmd;
    for (const char* cmd : {"F_SETFL, O_NONBLOCK", "F_SETFD, 1", "F_DUPFD, 0", "F_DUPFD_CLOEXEC, 0"})
        EXPECT_EQ(s.run(std::string("fcntl(-1, ") + cmd + ")"), err(EBADF)) << cmd;
}

TEST(Fcntl, FcntlWorksOnTheTerminalToo) {
    Sim s;
    EXPECT_EQ(s.run("fcntl(0, F_GETFD)"), ok(0));
    EXPECT_EQ(s.run("fcntl(0, F_DUPFD, 0)"), ok(3));
    EXPECT_EQ(s.run("fcntl(0, F_SETFL, O_NONBLOCK)"), ok(0));
    EXPECT_EQ(s.run("fcntl(3, F_GETFL)").value & O_NONBLOCK, O_NONBLOCK);
}

TEST(Fcntl, TheTerminalWasOpenedWithOLargefile) {
    Sim s;
    EXPECT_EQ(s.run("fcntl(0, F_GETFL)"), ok(O_RDWR | 0x8000));
    EXPECT_EQ(s.run("dup(0)"), ok(3));
    EXPECT_EQ(s.run("fcntl(3, F_GETFL)"), ok(O_RDWR | 0x8000));
}

TEST(Fcntl, ANonblockingListenerFromSetflMakesAcceptEagain) {
    Sim s;
    ASSERT_EQ(s.run("b = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("listen(b, 5)"), ok(0));
    EXPECT_EQ(s.run("fcntl(b, F_SETFL, O_NONBLOCK)"), ok(0));
    EXPECT_EQ(s.run("accept(b)"), err(EAGAIN));
    EXPECT_EQ(s.run("accept4(b, SOCK_CLOEXEC)"), err(EAGAIN));
    EXPECT_EQ(s.run("fcntl(b, F_SETFL, 0)"), ok(0));
    s.run("accept(b)");
    EXPECT_TRUE(s.slept());
}

TEST(Fcntl, SetflIsItsOwnFrameInsideDoFcntl) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    uint64_t step = s.h.step_count();
    s.run("fcntl(s, F_SETFL, O_NONBLOCK)");
    const Trace& t = s.h.trace();
    std::vector<std::string> frames;
    for (size_t i = t.step_begin(step); i < t.step_end(step); ++i)
        if (t.events[i].ev == Ev::Enter) frames.push_back(kfunc(static_cast<Fn>(t.events[i].code)).name);
    EXPECT_EQ(frames, (std::vector<std::string>{"do_fcntl", "setfl"}));
}

}  // namespace sockscope::test
