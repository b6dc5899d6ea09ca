// test_file.cpp — core/fs/file.cpp: descriptor tables (fs/file.c) as Linux
// 6.x keeps them: the lowest free fd, next_fd, EMFILE at RLIMIT_NOFILE,
// dup/dup2, close, the reserved-but-empty slot, fork and exit.
#include "support.h"

#include "kernel/model.h"

namespace sockscope::script {
// Results print as the runner prints them ("3", "-1 EBADF").
static void PrintTo(const Result& r, std::ostream* os) { *os << format_result(r); }
}  // namespace sockscope::script

namespace sockscope::test {

namespace {

const FilesStruct& table_of(Sim& s, const std::string& task = "") {
    return s.w().files_structs[s.w().tasks[s.in.tasks.at(task)].files];
}
FileId file_at(Sim& s, int fd, const std::string& task = "") {
    const FilesStruct& fs = table_of(s, task);
    return fd < static_cast<int>(fs.fd.size()) ? fs.fd[fd] : FileId{};
}
int f_count(Sim& s, int fd, const std::string& task = "") { return s.w().files[file_at(s, fd, task)].f_count; }

// dup(fd) until the table is full; returns how many dups succeeded.
int fill_table(Sim& s, int fd) {
    int n = 0;
    for (;;) {
        script::Result r = s.run("dup(" + std::to_string(fd) + ")");
        if (r.err) {
            EXPECT_EQ(r, err(EMFILE));
            return n;
        }
        ++n;
    }
}

// A listener on 127.0.0.1:port at fd 3.
void listener(Sim& s, int port) {
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(l, 127.0.0.1:" + std::to_string(port) + ")"), ok(0));
    ASSERT_EQ(s.run("listen(l, 5)"), ok(0));
}

}  // namespace

TEST(File, ANewProcessStartsWithOneTerminalFileOnZeroOneAndTwo) {
    Sim s;
    const FilesStruct& fs = table_of(s);
    ASSERT_GE(fs.fd.size(), 3u);
    FileId tty = fs.fd[0];
    EXPECT_EQ(fs.fd[1], tty);
    EXPECT_EQ(fs.fd[2], tty);
    EXPECT_EQ(s.w().files[tty].f_op, FileOps::tty_fops);
    EXPECT_EQ(s.w().files[tty].f_count, 3);
    EXPECT_EQ(fs.next_fd, 3);
    EXPECT_EQ(fs.count, 1);
}

TEST(File, SocketGetsTheLowestFreeDescriptor) {
    Sim s;
    EXPECT_EQ(s.run("s1 = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("s2 = socket(AF_INET, SOCK_DGRAM, 0)"), ok(4));
    EXPECT_EQ(s.run("s3 = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)"), ok(5));
    EXPECT_EQ(s.run("close(s1)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("close(s3)"), ok(0));
    EXPECT_EQ(s.run("close(s2)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP)"), ok(4));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
}

TEST(File, ClosingALowFdMakesItTheNextOneHandedOut) {
    Sim s;
    for (int fd = 3; fd <= 7; ++fd) ASSERT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(fd));
    EXPECT_EQ(s.run("close(6)"), ok(0));
    EXPECT_EQ(s.run("close(4)"), ok(0));
    EXPECT_EQ(table_of(s).next_fd, 4);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(6));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(8));
}

TEST(File, NextFdIsOnePastEachAllocationAndDropsToAClosedLowerFd) {
    Sim s;
    s.run("socket(AF_INET, SOCK_STREAM, 0)");
    EXPECT_EQ(table_of(s).next_fd, 4);
    s.run("socket(AF_INET, SOCK_STREAM, 0)");
    EXPECT_EQ(table_of(s).next_fd, 5);
    s.run("close(4)");
    EXPECT_EQ(table_of(s).next_fd, 4);
    s.run("close(3)");
    EXPECT_EQ(table_of(s).next_fd, 3);
    s.run("socket(AF_INET, SOCK_STREAM, 0)");
    EXPECT_EQ(table_of(s).next_fd, 4);
}

TEST(File, AClosedStandardFdIsTheFirstOneHandedOut) {
    Sim s;
    EXPECT_EQ(s.run("close(0)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(0));
    EXPECT_EQ(s.run("getsockopt(0, SOL_SOCKET, SO_TYPE)"), ok(SOCK_DGRAM));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(3));
}

TEST(File, FDupfdWithAHighMinimumLeavesTheLowHoleForTheNextSocket) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("fcntl(s, F_DUPFD, 10)"), ok(10));
    EXPECT_EQ(table_of(s).next_fd, 4);
    EXPECT_EQ(s.run("fcntl(s, F_DUPFD, 10)"), ok(11));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("fcntl(s, F_DUPFD, 0)"), ok(5));
}

TEST(File, FDupfdAt1023TakesTheLastSlotAndASecondOneIsEmfile) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("fcntl(s, F_DUPFD, 1023)"), ok(1023));
    EXPECT_EQ(s.run("fcntl(s, F_DUPFD, 1023)"), err(EMFILE));
    EXPECT_EQ(s.run("fcntl(s, F_DUPFD, 1024)"), err(EINVAL));
    EXPECT_EQ(f_count(s, 3), 2);
    EXPECT_EQ(s.run("close(1023)"), ok(0));
    EXPECT_EQ(s.run("fcntl(s, F_DUPFD, 1023)"), ok(1023));
}

TEST(File, TheTableGrowsToHoldAHighFd) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(table_of(s).fd.size(), 64u);
    EXPECT_EQ(s.run("dup2(s, 64)"), ok(64));
    EXPECT_EQ(table_of(s).fd.size(), 128u);
    EXPECT_EQ(s.run("dup2(s, 1023)"), ok(1023));
    EXPECT_EQ(table_of(s).fd.size(), 1024u);
}

TEST(File, AFullTableIsEmfileForSocketDupFDupfdAndAccept) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(fill_table(s, 3), 1020);
    size_t sockets = s.w().sockets.size(), files = s.w().files.size();
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), err(EMFILE));
    EXPECT_EQ(s.run("dup(s)"), err(EMFILE));
    EXPECT_EQ(s.run("fcntl(s, F_DUPFD, 0)"), err(EMFILE));
    EXPECT_EQ(s.run("accept(s)"), err(EMFILE));  // 6.x reserves the fd first
    EXPECT_EQ(s.run("accept(0)"), err(EMFILE));
    // Nothing that needs no new fd changes, and nothing was left behind.
    EXPECT_EQ(s.run("dup2(s, 1023)"), ok(1023));
    EXPECT_EQ(s.run("dup(-1)"), err(EBADF));
    EXPECT_EQ(s.run("dup(5000)"), err(EBADF));
    EXPECT_EQ(s.run("fcntl(-1, F_DUPFD, 0)"), err(EBADF));
    EXPECT_EQ(s.w().sockets.size(), sockets);
    EXPECT_EQ(s.w().files.size(), files);
    EXPECT_EQ(f_count(s, 3), 1021);
    EXPECT_EQ(s.run("close(1000)"), ok(0));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(1000));
}

TEST(File, DupGivesTheLowestFreeFdForTheSameFile) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("d = dup(s)"), ok(4));
    EXPECT_EQ(file_at(s, 4), file_at(s, 3));
    EXPECT_EQ(f_count(s, 3), 2);
    EXPECT_EQ(s.run("dup(0)"), ok(5));
    EXPECT_EQ(f_count(s, 0), 4);
    EXPECT_EQ(table_of(s).close_on_exec[4], 0);
}

TEST(File, DupOfAnUnusedOrNegativeFdIsEbadf) {
    Sim s;
    EXPECT_EQ(s.run("dup(99)"), err(EBADF));
    EXPECT_EQ(s.run("dup(-1)"), err(EBADF));
    EXPECT_EQ(s.run("dup(3)"), err(EBADF));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
}

TEST(File, Dup2PlacesTheFileAtTheChosenFd) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("t = socket(AF_INET, SOCK_DGRAM, 0)"), ok(4));
    EXPECT_EQ(s.run("dup2(s, 10)"), ok(10));
    EXPECT_EQ(s.run("getsockopt(10, SOL_SOCKET, SO_TYPE)"), ok(SOCK_STREAM));
    EXPECT_EQ(s.run("dup2(t, 10)"), ok(10));
    EXPECT_EQ(s.run("getsockopt(10, SOL_SOCKET, SO_TYPE)"), ok(SOCK_DGRAM));
    EXPECT_EQ(f_count(s, 3), 1);
    EXPECT_EQ(f_count(s, 4), 2);
    EXPECT_EQ(s.run("dup2(s, 1023)"), ok(1023));
    EXPECT_EQ(s.run("getsockopt(1023, SOL_SOCKET, SO_PROTOCOL)"), ok(IPPROTO_TCP));
}

TEST(File, Dup2OntoTheLastReferenceOfASocketReleasesIt) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("t = socket(AF_INET, SOCK_DGRAM, 0)"), ok(4));
    ASSERT_EQ(s.run("bind(t, 0.0.0.0:7000)"), ok(0));
    EXPECT_EQ(s.w().sockets.size(), 2u);
    EXPECT_EQ(s.run("dup2(s, t)"), ok(4));
    EXPECT_EQ(s.w().sockets.size(), 1u);
    EXPECT_EQ(s.w().files[file_at(s, 4)].private_data, s.w().files[file_at(s, 3)].private_data);
    // the UDP port went with it
    EXPECT_EQ(s.run("u = socket(AF_INET, SOCK_DGRAM, 0)"), ok(5));
    EXPECT_EQ(s.run("bind(u, 0.0.0.0:7000)"), ok(0));
}

TEST(File, Dup2OfAnFdOntoItselfOnlyChecksThatItIsOpen) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("fcntl(s, F_SETFD, FD_CLOEXEC)"), ok(0));
    uint64_t steps = s.h.step_count();
    EXPECT_EQ(s.run("dup2(s, s)"), ok(3));
    EXPECT_EQ(s.h.step_count(), steps + 1);
    EXPECT_EQ(f_count(s, 3), 1);
    EXPECT_EQ(s.run("fcntl(s, F_GETFD)"), ok(FD_CLOEXEC));
    EXPECT_EQ(s.run("dup2(99, 99)"), err(EBADF));
    EXPECT_EQ(s.run("dup2(1024, 1024)"), err(EBADF));
}

TEST(File, Dup2ClearsCloseOnExecOnTheNewFd) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0)"), ok(3));
    ASSERT_EQ(s.run("d = fcntl(s, F_DUPFD_CLOEXEC, 10)"), ok(10));
    EXPECT_EQ(s.run("fcntl(d, F_GETFD)"), ok(FD_CLOEXEC));
    EXPECT_EQ(s.run("dup2(s, d)"), ok(10));
    EXPECT_EQ(s.run("fcntl(d, F_GETFD)"), ok(0));
    EXPECT_EQ(s.run("fcntl(s, F_GETFD)"), ok(FD_CLOEXEC));
}

TEST(File, Dup2RejectsAnFdOutsideTheLimitOrAClosedOldFdWithEbadf) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("dup2(s, 1024)"), err(EBADF));
    EXPECT_EQ(s.run("dup2(s, -1)"), err(EBADF));
    EXPECT_EQ(s.run("dup2(99, 5)"), err(EBADF));
    EXPECT_EQ(s.run("dup2(-1, 5)"), err(EBADF));
    EXPECT_EQ(s.run("dup2(99, 1024)"), err(EBADF));
    EXPECT_EQ(s.run("dup(s)"), ok(4));
}

TEST(File, Dup2ToAFreeHighFdLeavesNextFdWhereItWas) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("dup2(s, 5)"), ok(5));
    EXPECT_EQ(table_of(s).next_fd, 4);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(6));
}

TEST(File, ClosingAnFdTwiceOrOneNeverOpenedIsEbadf) {
    Sim s;
    EXPECT_EQ(s.run("close(99)"), err(EBADF));
    EXPECT_EQ(s.run("close(-1)"), err(EBADF));
    EXPECT_EQ(s.run("close(1023)"), err(EBADF));
    EXPECT_EQ(s.run("close(100000)"), err(EBADF));
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("close(s)"), ok(0));
    EXPECT_EQ(s.run("close(s)"), err(EBADF));
    EXPECT_EQ(s.run("tcp_state(s)"), err(EBADF));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(File, TheFdReservedByASleepingAcceptIsOpenButHasNoFile) {
    Sim s;
    listener(s, 7100);
    s.run("T = thread()");
    EXPECT_EQ(s.run("T: a = accept(l)"), (script::Result{0, -1}));
    ASSERT_TRUE(s.slept());
    const FilesStruct& fs = table_of(s);
    EXPECT_EQ(fs.open_fds[4], 1);
    EXPECT_FALSE(static_cast<bool>(fs.fd[4]));
    EXPECT_EQ(fs.next_fd, 5);
    // a socket() in the other thread gets the next number
    EXPECT_EQ(s.run("x = socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    // the reserved number is not a usable descriptor
    EXPECT_EQ(s.run("close(4)"), err(EBADF));
    EXPECT_EQ(s.run("fcntl(4, F_GETFD)"), err(EBADF));
    EXPECT_EQ(s.run("dup(4)"), err(EBADF));
    EXPECT_EQ(s.run("getsockopt(4, SOL_SOCKET, SO_TYPE)"), err(EBADF));
}

TEST(File, Dup2OntoTheFdASleepingAcceptReservedIsEbusy) {
    Sim s;
    listener(s, 7101);
    s.run("T = thread()");
    s.run("T: a = accept(l)");
    ASSERT_TRUE(s.slept());
    EXPECT_EQ(s.run("dup2(l, 4)"), err(EBUSY));
    EXPECT_EQ(s.run("dup2(0, 4)"), err(EBUSY));
    EXPECT_EQ(f_count(s, 3), 2);  // the listener: fd 3 and the sleeping accept's fdget
    EXPECT_EQ(s.run("dup2(l, 5)"), ok(5));
}

TEST(File, TheReservedFdBecomesTheAcceptedConnection) {
    Sim s;
    listener(s, 7102);
    s.run("T = thread()");
    s.run("T: a = accept(l)");
    ASSERT_TRUE(s.slept());
    EXPECT_EQ(s.run("B: c = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("B: connect(c, 127.0.0.1:7102)"), ok(0));
    EXPECT_NE(s.out.find("T: a = accept(l) = 4\n"), std::string::npos) << s.out;
    EXPECT_EQ(s.in.vars.at("a"), 4);
    EXPECT_TRUE(static_cast<bool>(file_at(s, 4)));
    EXPECT_EQ(s.run("tcp_state(4)"), ok(TCP_ESTABLISHED));
    EXPECT_EQ(f_count(s, 3), 1);  // the fdget reference is gone again
}

TEST(File, AnInterruptedAcceptGivesItsReservedFdBack) {
    Sim s;
    listener(s, 7103);
    s.run("T = thread()");
    size_t sockets = s.w().sockets.size(), files = s.w().files.size();
    s.run("T: a = accept(l)");
    ASSERT_TRUE(s.slept());
    EXPECT_EQ(s.run("signal(T)"), ok(0));
    EXPECT_NE(s.out.find("T: a = accept(l) = -1 EINTR\n"), std::string::npos) << s.out;
    EXPECT_EQ(table_of(s).open_fds[4], 0);
    EXPECT_EQ(s.w().sockets.size(), sockets);
    EXPECT_EQ(s.w().files.size(), files);
    EXPECT_EQ(f_count(s, 3), 1);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
}

TEST(File, ForkCopiesTheTableAndEveryFileGainsAReference) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("fcntl(s, F_SETFD, FD_CLOEXEC)"), ok(0));
    EXPECT_GT(s.run("C = fork()").value, 0);
    EXPECT_NE(s.w().tasks[s.in.tasks.at("C")].files, s.w().tasks[s.main()].files);
    EXPECT_EQ(file_at(s, 3, "C"), file_at(s, 3));
    EXPECT_EQ(f_count(s, 3), 2);
    EXPECT_EQ(f_count(s, 0), 6);
    EXPECT_EQ(table_of(s, "C").count, 1);
    EXPECT_EQ(table_of(s).count, 1);
    EXPECT_EQ(s.run("C: fcntl(3, F_GETFD)"), ok(FD_CLOEXEC));  // the bitmaps are copied
    // from here on the tables are separate
    EXPECT_EQ(s.run("C: close(3)"), ok(0));
    EXPECT_EQ(s.run("getsockopt(s, SOL_SOCKET, SO_TYPE)"), ok(SOCK_STREAM));
    EXPECT_EQ(f_count(s, 3), 1);
    EXPECT_EQ(s.run("C: socket(AF_INET, SOCK_DGRAM, 0)"), ok(3));
    EXPECT_EQ(s.run("getsockopt(s, SOL_SOCKET, SO_TYPE)"), ok(SOCK_STREAM));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_DGRAM, 0)"), ok(4));
}

TEST(File, ForkDoesNotInheritAnFdReservedByASleepingAccept) {
    Sim s;
    listener(s, 7104);
    s.run("T = thread()");
    s.run("T: a = accept(l)");
    ASSERT_TRUE(s.slept());
    s.run("C = fork()");
    EXPECT_EQ(table_of(s, "C").open_fds[4], 0);
    EXPECT_EQ(s.run("C: socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("C: socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
}

TEST(File, AThreadSharesTheTableItself) {
    Sim s;
    s.run("T = thread()");
    FilesId fs = s.w().tasks[s.main()].files;
    EXPECT_EQ(s.w().tasks[s.in.tasks.at("T")].files, fs);
    EXPECT_EQ(s.w().files_structs[fs].count, 2);
    EXPECT_EQ(f_count(s, 0), 3);  // no new references: it is one table
    EXPECT_EQ(s.run("T: socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("getsockopt(3, SOL_SOCKET, SO_TYPE)"), ok(SOCK_STREAM));
    EXPECT_EQ(s.run("close(3)"), ok(0));
    EXPECT_EQ(s.run("T: close(3)"), err(EBADF));
}

TEST(File, ExitOfTheLastTaskUsingATableClosesEveryFileInIt) {
    Sim s;
    ASSERT_EQ(s.run("B: b = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("B: bind(b, 127.0.0.1:7105)"), ok(0));
    ASSERT_EQ(s.run("B: listen(b, 5)"), ok(0));
    ASSERT_EQ(s.run("B: dup(b)"), ok(4));
    size_t files = s.w().files.size();
    FilesId bfs = s.w().tasks[s.in.tasks.at("B")].files;
    EXPECT_EQ(s.run("B: exit()"), ok(0));
    EXPECT_FALSE(s.w().files_structs.contains(bfs));
    EXPECT_EQ(s.w().files.size(), files - 2);  // B's terminal and its socket
    EXPECT_EQ(s.w().sockets.size(), 0u);
    EXPECT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("connect(c, 127.0.0.1:7105)"), err(ECONNREFUSED));
    EXPECT_TRUE(s.close_all_and_wait().empty());
}

TEST(File, ExitOfAThreadLeavesTheSharedTableOpen) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    s.run("T = thread()");
    FilesId fs = s.w().tasks[s.main()].files;
    EXPECT_EQ(s.run("T: exit()"), ok(0));
    EXPECT_EQ(s.w().files_structs[fs].count, 1);
    EXPECT_EQ(f_count(s, 3), 1);
    EXPECT_EQ(s.run("getsockopt(s, SOL_SOCKET, SO_TYPE)"), ok(SOCK_STREAM));
}

TEST(File, ExitOfAForkedChildDropsOnlyItsOwnReferences) {
    Sim s;
    listener(s, 7106);
    s.run("C = fork()");
    EXPECT_EQ(f_count(s, 3), 2);
    EXPECT_EQ(s.run("C: exit()"), ok(0));
    EXPECT_EQ(f_count(s, 3), 1);
    EXPECT_EQ(f_count(s, 0), 3);
    EXPECT_EQ(s.run("tcp_state(l)"), ok(TCP_LISTEN));
    EXPECT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(c, 127.0.0.1:7106)"), ok(0));
}

TEST(File, TheLowLevelCallsReserveInstallAndGiveBackAnFd) {
    Kernel k;
    TaskId t = create_process(k, "p", 0, 0, true);
    FilesId fsid = k.w.tasks[t].files;
    int fd = get_unused_fd_flags(k, t, O_CLOEXEC);
    EXPECT_EQ(fd, 3);
    EXPECT_EQ(k.w.files_structs[fsid].open_fds[3], 1);
    EXPECT_EQ(k.w.files_structs[fsid].close_on_exec[3], 1);
    EXPECT_FALSE(static_cast<bool>(fget(k, t, 3)));
    put_unused_fd(k, t, fd);
    EXPECT_EQ(k.w.files_structs[fsid].open_fds[3], 0);
    EXPECT_EQ(k.w.files_structs[fsid].next_fd, 3);
    EXPECT_EQ(alloc_fd(k, t, 5, 6, 0), 5);
    EXPECT_EQ(alloc_fd(k, t, 5, 6, 0), -EMFILE);
    EXPECT_EQ(k.w.files_structs[fsid].next_fd, 3);
    EXPECT_FALSE(static_cast<bool>(fget(k, t, -1)));
    EXPECT_FALSE(static_cast<bool>(fget(k, t, 100000)));
}

}  // namespace sockscope::test
