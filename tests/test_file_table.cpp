// test_file_table.cpp — core/fs/file_table.cpp: struct file lifetimes
// (fs/file_table.c): alloc_file_pseudo, the f_count reference and fput
// releasing the socket only when the last reference goes.
#include "support.h"

#include <algorithm>

#include "kernel/model.h"

namespace sockscope::script {
// Results print as the runner prints them ("3", "-1 EBADF").
static void PrintTo(const Result& r, std::ostream* os) { *os << format_result(r); }
}  // namespace sockscope::script

namespace sockscope::test {

namespace {

FileId file_at(Sim& s, int fd, const std::string& task = "") {
    const Task& t = s.w().tasks[s.in.tasks.at(task)];
    return s.w().files_structs[t.files].fd[fd];
}
const File& file(Sim& s, int fd, const std::string& task = "") { return s.w().files[file_at(s, fd, task)]; }

void listener(Sim& s, int port) {
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(l, 127.0.0.1:" + std::to_string(port) + ")"), ok(0));
    ASSERT_EQ(s.run("listen(l, 5)"), ok(0));
}

}  // namespace

TEST(FileTable, ASocketFileStartsWithOneReferenceOpenReadWrite) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    const File& f = file(s, 3);
    EXPECT_EQ(f.f_count, 1);
    EXPECT_EQ(f.f_flags, O_RDWR);
    EXPECT_EQ(f.f_op, FileOps::socket_file_ops);
    SocketId sock = f.private_data;
    ASSERT_TRUE(s.w().sockets.contains(sock));
    EXPECT_EQ(s.w().sockets[sock].file, file_at(s, 3));
}

TEST(FileTable, SockNonblockIsAFileFlagAndSockCloexecIsNot) {
    Sim s;
    ASSERT_EQ(s.run("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC, 0)"), ok(3));
    EXPECT_EQ(file(s, 3).f_flags, O_RDWR | O_NONBLOCK);
    ASSERT_EQ(s.run("socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0)"), ok(4));
    EXPECT_EQ(file(s, 4).f_flags, O_RDWR);
}

TEST(FileTable, NrFilesCountsSocketFilesNotDescriptors) {
    Sim s;
    int base = s.w().nr_files;
    s.run("s = socket(AF_INET, SOCK_STREAM, 0)");
    EXPECT_EQ(s.w().nr_files, base + 1);
    s.run("dup(s)");
    s.run("C = fork()");
    EXPECT_EQ(s.w().nr_files, base + 1);
    s.run("socket(AF_INET, SOCK_DGRAM, 0)");
    EXPECT_EQ(s.w().nr_files, base + 2);
    s.run("close(5)");
    EXPECT_EQ(s.w().nr_files, base + 1);
}

TEST(FileTable, DupTakesAReferenceAndOnlyTheLastCloseReleasesTheSocket) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("d = dup(s)"), ok(4));
    FileId f = file_at(s, 3);
    SocketId sock = s.w().files[f].private_data;
    EXPECT_EQ(s.w().files[f].f_count, 2);
    EXPECT_EQ(s.run("close(s)"), ok(0));
    EXPECT_TRUE(s.w().files.contains(f));
    EXPECT_EQ(s.w().files[f].f_count, 1);
    EXPECT_TRUE(s.w().sockets.contains(sock));
    EXPECT_EQ(s.run("getsockopt(d, SOL_SOCKET, SO_TYPE)"), ok(SOCK_STREAM));
    EXPECT_EQ(s.run("close(d)"), ok(0));
    EXPECT_FALSE(s.w().files.contains(f));
    EXPECT_FALSE(s.w().sockets.contains(sock));
    EXPECT_EQ(s.w().socks.size(), 0u);
}

TEST(FileTable, ClosingADupedConnectionSendsNothingUntilTheLastReference) {
    Sim s;
    listener(s, 7800);
    s.run("c = socket(AF_INET, SOCK_STREAM, 0)");
    ASSERT_EQ(s.run("connect(c, 127.0.0.1:7800)"), ok(0));
    ASSERT_EQ(s.run("a = accept(l)"), ok(5));
    ASSERT_EQ(s.run("d = dup(a)"), ok(6));
    int64_t out = s.mib(Mib::OutSegs);
    EXPECT_EQ(s.run("close(a)"), ok(0));
    EXPECT_EQ(s.mib(Mib::OutSegs), out);
    EXPECT_EQ(s.run("tcp_state(c)"), ok(TCP_ESTABLISHED));
    EXPECT_EQ(s.run("tcp_state(d)"), ok(TCP_ESTABLISHED));
    EXPECT_EQ(s.run("close(d)"), ok(0));
    EXPECT_GT(s.mib(Mib::OutSegs), out);
    EXPECT_EQ(s.run("tcp_state(c)"), ok(TCP_CLOSE_WAIT));
}

TEST(FileTable, ShutdownActsOnTheSocketWhateverTheReferenceCount) {
    Sim s;
    listener(s, 7801);
    s.run("c = socket(AF_INET, SOCK_STREAM, 0)");
    ASSERT_EQ(s.run("connect(c, 127.0.0.1:7801)"), ok(0));
    ASSERT_EQ(s.run("a = accept(l)"), ok(5));
    ASSERT_EQ(s.run("d = dup(a)"), ok(6));
    EXPECT_EQ(s.run("shutdown(d, SHUT_WR)"), ok(0));
    EXPECT_EQ(s.run("tcp_state(a)"), ok(TCP_FIN_WAIT2));
    EXPECT_EQ(s.run("tcp_state(c)"), ok(TCP_CLOSE_WAIT));
    EXPECT_EQ(file(s, 5).f_count, 2);
}

TEST(FileTable, AForkedListenerKeepsListeningUntilTheLastProcessClosesIt) {
    Sim s;
    listener(s, 7802);
    s.run("C = fork()");
    EXPECT_EQ(file(s, 3).f_count, 2);
    EXPECT_EQ(s.run("close(l)"), ok(0));
    EXPECT_EQ(s.run("C: tcp_state(3)"), ok(TCP_LISTEN));
    EXPECT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("connect(c, 127.0.0.1:7802)"), ok(0));
    EXPECT_EQ(s.run("C: accept(3)"), ok(4));
    EXPECT_EQ(s.run("C: close(3)"), ok(0));
    EXPECT_EQ(s.run("n = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("connect(n, 127.0.0.1:7802)"), err(ECONNREFUSED));
}

TEST(FileTable, FDupfdAndDup2TakeReferencesToo) {
    Sim s;
    ASSERT_EQ(s.run("s = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    s.run("fcntl(s, F_DUPFD, 10)");
    s.run("fcntl(s, F_DUPFD_CLOEXEC, 20)");
    s.run("dup2(s, 30)");
    EXPECT_EQ(file(s, 3).f_count, 4);
    s.run("dup2(s, 30)");  // the same file onto itself: one in, one out
    EXPECT_EQ(file(s, 3).f_count, 4);
    for (int fd : {3, 10, 20}) s.run("close(" + std::to_string(fd) + ")");
    EXPECT_EQ(file(s, 30).f_count, 1);
    EXPECT_EQ(s.w().sockets.size(), 1u);
}

TEST(FileTable, AnAcceptAsleepInASharedTableHoldsTheListenersFile) {
    Sim s;
    listener(s, 7803);
    s.run("T = thread()");
    s.run("T: a = accept(l)");
    ASSERT_TRUE(s.slept());
    FileId lf = file_at(s, 3);
    EXPECT_EQ(s.w().files[lf].f_count, 2);
    // close() from the other thread drops the fd but not the socket, and
    // does not wake the sleeping accept
    EXPECT_EQ(s.run("close(l)"), ok(0));
    EXPECT_TRUE(s.w().files.contains(lf));
    EXPECT_EQ(s.w().files[lf].f_count, 1);
    EXPECT_EQ(s.w().tasks[s.in.tasks.at("T")].state, TASK_INTERRUPTIBLE);
    // the listener still listens: a client gets in and wakes the accept
    EXPECT_EQ(s.run("B: c = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("B: connect(c, 127.0.0.1:7803)"), ok(0));
    EXPECT_NE(s.out.find("T: a = accept(l) = 4\n"), std::string::npos) << s.out;
    // the accept's fdput was the last reference: the listener is gone
    EXPECT_FALSE(s.w().files.contains(lf));
    EXPECT_EQ(s.run("B: n = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    EXPECT_EQ(s.run("B: connect(n, 127.0.0.1:7803)"), err(ECONNREFUSED));
}

TEST(FileTable, AnAcceptInAnUnsharedTableTakesNoExtraReference) {
    Sim s;
    ASSERT_EQ(s.run("B: l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("B: listen(l, 5)"), ok(0));
    s.run("B: accept(l)");
    ASSERT_TRUE(s.slept());
    EXPECT_EQ(file(s, 3, "B").f_count, 1);
    EXPECT_EQ(s.w().tasks[s.in.tasks.at("B")].wait.file, FileId{});
}

TEST(FileTable, AFailedAcceptLeavesNoFileOrSocketBehind) {
    Sim s;
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(3));
    ASSERT_EQ(s.run("listen(l, 5)"), ok(0));
    ASSERT_EQ(s.run("u = socket(AF_INET, SOCK_DGRAM, 0)"), ok(4));
    size_t files = s.w().files.size(), sockets = s.w().sockets.size();
    int nr = s.w().nr_files;
    EXPECT_EQ(s.run("accept(l)"), err(EAGAIN));
    EXPECT_EQ(s.run("accept(u)"), err(EOPNOTSUPP));
    EXPECT_EQ(s.w().files.size(), files);
    EXPECT_EQ(s.w().sockets.size(), sockets);
    EXPECT_EQ(s.w().nr_files, nr);
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
}

TEST(FileTable, TheTerminalFileGoesWhenItsLastDescriptorCloses) {
    Sim s;
    FileId tty = file_at(s, 0);
    s.run("close(0)");
    s.run("close(1)");
    EXPECT_EQ(s.w().files[tty].f_count, 1);
    s.run("close(2)");
    EXPECT_FALSE(s.w().files.contains(tty));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(0));
}

TEST(FileTable, FputOfTheLastReferenceCallsSockCloseInTheSameStep) {
    Sim s;
    listener(s, 7804);
    uint64_t before = s.h.step_count();
    ASSERT_EQ(s.run("close(l)"), ok(0));
    ASSERT_EQ(s.h.step_count(), before + 1);
    const Trace& t = s.h.trace();
    std::vector<std::string> frames;
    for (size_t i = t.step_begin(before); i < t.step_end(before); ++i)
        if (t.events[i].ev == Ev::Enter) frames.push_back(kfunc(static_cast<Fn>(t.events[i].code)).name);
    auto at = [&](const char* n) { return std::find(frames.begin(), frames.end(), n) - frames.begin(); };
    ASSERT_LT(at("fput"), static_cast<long>(frames.size()));
    EXPECT_LT(at("fput"), at("__fput"));
    EXPECT_LT(at("__fput"), at("sock_close"));
    EXPECT_LT(at("sock_close"), at("inet_release"));
    EXPECT_LT(at("inet_release"), at("tcp_close"));
}

TEST(FileTable, GetFileAndFputCountDirectly) {
    Kernel k;
    TaskId t = create_process(k, "p", 0, 0, true);
    SocketId sock;
    ASSERT_EQ(__sock_create(k, t, AF_INET, SOCK_STREAM, 0, &sock, false), 0);
    FileId f = alloc_file_pseudo(k, sock, O_NONBLOCK | O_CLOEXEC);
    EXPECT_EQ(k.w.files[f].f_flags, O_RDWR | O_NONBLOCK);
    EXPECT_EQ(k.w.files[f].f_count, 1);
    k.w.sockets[sock].file = f;
    get_file(k, f);
    EXPECT_EQ(k.w.files[f].f_count, 2);
    fput(k, f);
    EXPECT_TRUE(k.w.sockets.contains(sock));
    fput(k, f);
    EXPECT_FALSE(k.w.files.contains(f));
    EXPECT_FALSE(k.w.sockets.contains(sock));
}

}  // namespace sockscope::test
