// test_inspect.cpp — core/inspect.cpp: looking at a world the way a Linux
// user does: ss -ltn, /proc/net/tcp (reference 9.1, 9.2 and 11 #69/#70),
// the per-fd queries, and show().
#include "support.h"

#include <algorithm>
#include <sstream>

#include "inspect.h"

namespace sockscope::script {
// Results print as the runner prints them ("3", "-1 EBADF").
static void PrintTo(const Result& r, std::ostream* os) { *os << format_result(r); }
}  // namespace sockscope::script

namespace sockscope::test {

namespace {

struct ProcLine {
    std::string local, rem;
    int st = 0;
    uint32_t tx = 0, rx = 0;
    uint64_t inode = 0;
};

std::vector<ProcLine> proc_lines(const World& w) {
    std::istringstream in(show_proc_net_tcp(w));
    std::string line;
    std::getline(in, line);  // the header
    std::vector<ProcLine> out;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string sl, st, queues;
        ProcLine p;
        ls >> sl >> p.local >> p.rem >> st >> queues >> p.inode;
        p.st = std::stoi(st, nullptr, 16);
        p.tx = static_cast<uint32_t>(std::stoul(queues.substr(0, 8), nullptr, 16));
        p.rx = static_cast<uint32_t>(std::stoul(queues.substr(9), nullptr, 16));
        out.push_back(p);
    }
    return out;
}

std::vector<ProcLine> with_state(const std::vector<ProcLine>& v, int st) {
    std::vector<ProcLine> out;
    for (const ProcLine& p : v)
        if (p.st == st) out.push_back(p);
    return out;
}

uint64_t ino_of(Sim& s, int fd) {
    const FilesStruct& fs = s.w().files_structs[s.w().tasks[s.main()].files];
    return s.w().sockets[s.w().files[fs.fd[fd]].private_data].i_ino;
}

// Reference 11 #69: listen(fd, 128), two connected but un-accepted
// clients, one client whose handshake is still pending (a peer's SYN).
void scenario69(Sim& s) {
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(l, 127.0.0.1:7000)"), ok(0));
    ASSERT_EQ(s.run("listen(l, 128)"), ok(0));
    ASSERT_EQ(s.run("c1 = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    ASSERT_EQ(s.run("connect(c1, 127.0.0.1:7000)"), ok(0));
    ASSERT_EQ(s.run("c2 = socket(AF_INET, SOCK_STREAM, 0)"), ok(5));
    ASSERT_EQ(s.run("connect(c2, 127.0.0.1:7000)"), ok(0));
    ASSERT_EQ(s.run("P = peer(10.0.0.2:0)").err, 0);
    ASSERT_EQ(s.run("peer_syn(P, 127.0.0.1:7000)"), ok(0));
}

}  // namespace

// ---------------------------------------------------------------- ss -ltn

TEST(Inspect, SsShowsAListenersQueueAsRecvQAndItsBacklogAsSendQ) {
    Sim s;
    scenario69(s);
    EXPECT_EQ(show_ss_ltn(s.w()),
              "State   Recv-Q Send-Q Local Address:Port\n"
              "LISTEN  2      128    127.0.0.1:7000\n");
    ASSERT_EQ(s.run("accept(l)"), ok(6));
    EXPECT_EQ(show_ss_ltn(s.w()),
              "State   Recv-Q Send-Q Local Address:Port\n"
              "LISTEN  1      128    127.0.0.1:7000\n");
}

TEST(Inspect, SsRecvQCanBeOneMoreThanSendQ) {
    Sim s;
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(l, 0.0.0.0:7001)"), ok(0));
    ASSERT_EQ(s.run("listen(l, 0)"), ok(0));
    ASSERT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    ASSERT_EQ(s.run("connect(c, 127.0.0.1:7001)"), ok(0));
    EXPECT_EQ(show_ss_ltn(s.w()),
              "State   Recv-Q Send-Q Local Address:Port\n"
              "LISTEN  1      0      0.0.0.0:7001\n");
}

TEST(Inspect, SsListsOnlyListeners) {
    Sim s;
    ASSERT_EQ(s.run("t = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(t, 127.0.0.1:7002)"), ok(0));
    ASSERT_EQ(s.run("u = socket(AF_INET, SOCK_DGRAM, 0)"), ok(4));
    ASSERT_EQ(s.run("bind(u, 127.0.0.1:7002)"), ok(0));
    EXPECT_EQ(show_ss_ltn(s.w()), "State   Recv-Q Send-Q Local Address:Port\n");
    s.run("ss()");
    EXPECT_NE(s.out.find("State   Recv-Q Send-Q Local Address:Port\n"), std::string::npos);
}

// ---------------------------------------------------------------- /proc/net/tcp

TEST(Inspect, ProcNetTcpShowsScenario69) {
    Sim s;
    scenario69(s);
    std::vector<ProcLine> v = proc_lines(s.w());
    std::vector<ProcLine> listen = with_state(v, 0x0A);
    ASSERT_EQ(listen.size(), 1u);
    EXPECT_EQ(listen[0].local, "0100007F:1B58");
    EXPECT_EQ(listen[0].rem, "00000000:0000");
    EXPECT_EQ(listen[0].rx, 2u);
    EXPECT_EQ(listen[0].tx, 0u);  // /proc never shows the backlog
    EXPECT_EQ(listen[0].inode, ino_of(s, 3));
    // two children not yet accepted (no socket: inode 0) and the two clients
    std::vector<ProcLine> est = with_state(v, 0x01);
    ASSERT_EQ(est.size(), 4u);
    int children = 0;
    for (const ProcLine& p : est) {
        if (p.local == "0100007F:1B58") {
            ++children;
            EXPECT_EQ(p.inode, 0u);
        } else {
            EXPECT_TRUE(p.inode == ino_of(s, 4) || p.inode == ino_of(s, 5));
            EXPECT_EQ(p.rem, "0100007F:1B58");
        }
        EXPECT_EQ(p.rx, 0u);
    }
    EXPECT_EQ(children, 2);
    // the pending handshake: a request sock, shown as SYN_RECV, inode 0
    std::vector<ProcLine> req = with_state(v, 0x03);
    ASSERT_EQ(req.size(), 1u);
    EXPECT_EQ(req[0].local, "0100007F:1B58");
    EXPECT_EQ(req[0].rem, "0200000A:9C40");  // 10.0.0.2:40000
    EXPECT_EQ(req[0].inode, 0u);
    EXPECT_EQ(v.size(), 6u);
}

TEST(Inspect, ProcNetTcpAfterOneAcceptIsScenario70) {
    Sim s;
    scenario69(s);
    ASSERT_EQ(s.run("a = accept(l)"), ok(6));
    std::vector<ProcLine> v = proc_lines(s.w());
    ASSERT_EQ(with_state(v, 0x0A).size(), 1u);
    EXPECT_EQ(with_state(v, 0x0A)[0].rx, 1u);
    int with_inode = 0, without = 0;
    for (const ProcLine& p : with_state(v, 0x01))
        if (p.local == "0100007F:1B58") {
            if (p.inode) {
                ++with_inode;
                EXPECT_EQ(p.inode, ino_of(s, 6));
            } else {
                ++without;
            }
        }
    EXPECT_EQ(with_inode, 1);
    EXPECT_EQ(without, 1);
}

TEST(Inspect, AListenerLineIsPrintedExactly) {
    Sim s;
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(l, 127.0.0.1:8080)"), ok(0));
    ASSERT_EQ(s.run("listen(l, 5)"), ok(0));
    EXPECT_EQ(show_proc_net_tcp(s.w()),
              "  sl  local_address rem_address   st tx_queue rx_queue inode\n"
              "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 " + std::to_string(ino_of(s, 3)) + "\n");
}

TEST(Inspect, ACreatedOrOnlyBoundSocketIsNotInProcNetTcp) {
    Sim s;
    ASSERT_EQ(s.run("t = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_TRUE(proc_lines(s.w()).empty());
    ASSERT_EQ(s.run("bind(t, 127.0.0.1:7003)"), ok(0));
    EXPECT_TRUE(proc_lines(s.w()).empty());
    ASSERT_EQ(s.run("u = socket(AF_INET, SOCK_DGRAM, 0)"), ok(4));
    ASSERT_EQ(s.run("connect(u, 127.0.0.1:7003)"), ok(0));
    EXPECT_TRUE(proc_lines(s.w()).empty());  // UDP lives in /proc/net/udp
}

TEST(Inspect, TimewaitSocksShowTheirSubstateWithInodeZero) {
    Sim s;
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(l, 127.0.0.1:7004)"), ok(0));
    ASSERT_EQ(s.run("listen(l, 5)"), ok(0));
    ASSERT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    ASSERT_EQ(s.run("connect(c, 127.0.0.1:7004)"), ok(0));
    ASSERT_EQ(s.run("a = accept(l)"), ok(5));
    ASSERT_EQ(s.run("close(a)"), ok(0));
    // the orphan waits in FIN_WAIT2: a timewait sock with substate 05
    std::vector<ProcLine> fw2 = with_state(proc_lines(s.w()), 0x05);
    ASSERT_EQ(fw2.size(), 1u);
    EXPECT_EQ(fw2[0].inode, 0u);
    EXPECT_EQ(with_state(proc_lines(s.w()), 0x08).size(), 1u);  // the client in CLOSE_WAIT
    ASSERT_EQ(s.run("close(c)"), ok(0));
    std::vector<ProcLine> tw = with_state(proc_lines(s.w()), 0x06);
    ASSERT_EQ(tw.size(), 1u);
    EXPECT_EQ(tw[0].local, "0100007F:1B5C");
    EXPECT_EQ(tw[0].inode, 0u);
    EXPECT_TRUE(with_state(proc_lines(s.w()), 0x05).empty());
}

TEST(Inspect, AConnectingSocketShowsSynSent) {
    Sim s;
    ASSERT_EQ(s.run("P = peer(10.0.0.2:0)").err, 0);
    ASSERT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(3));
    ASSERT_EQ(s.run("connect(c, 10.0.0.2:80)"), err(EINPROGRESS));
    std::vector<ProcLine> v = proc_lines(s.w());
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].st, TCP_SYN_SENT);
    EXPECT_EQ(v[0].rem, "0200000A:0050");
    EXPECT_EQ(v[0].inode, ino_of(s, 3));
}

// ---------------------------------------------------------------- queries

TEST(Inspect, TheQueriesAnswerLikeTcpInfoAndGetsockname) {
    Sim s;
    scenario69(s);
    const World& w = s.w();
    TaskId t = s.main();
    EXPECT_EQ(query_tcp_state(w, t, 3), TCP_LISTEN);
    EXPECT_EQ(query_acceptq(w, t, 3), 2);
    EXPECT_EQ(query_backlog(w, t, 3), 128);
    EXPECT_EQ(query_synq(w, t, 3), 1);
    EXPECT_EQ(query_local_port(w, t, 3), 7000);
    EXPECT_EQ(query_tcp_state(w, t, 4), TCP_ESTABLISHED);
    EXPECT_EQ(query_acceptq(w, t, 4), 0);  // tcpi_unacked: nothing in flight
    EXPECT_EQ(query_backlog(w, t, 4), 0);
    EXPECT_EQ(query_synq(w, t, 4), 0);
}

TEST(Inspect, TheQueriesFailLikeTheCallsTheyStandFor) {
    Sim s;
    ASSERT_EQ(s.run("u = socket(AF_INET, SOCK_DGRAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(u, 0.0.0.0:7005)"), ok(0));
    const World& w = s.w();
    TaskId t = s.main();
    EXPECT_EQ(query_tcp_state(w, t, 3), -EOPNOTSUPP);
    EXPECT_EQ(query_acceptq(w, t, 3), -EOPNOTSUPP);
    EXPECT_EQ(query_backlog(w, t, 3), -EOPNOTSUPP);
    EXPECT_EQ(query_synq(w, t, 3), -EOPNOTSUPP);
    EXPECT_EQ(query_local_port(w, t, 3), 7005);
    EXPECT_EQ(query_tcp_state(w, t, 0), -ENOTSOCK);
    EXPECT_EQ(query_local_port(w, t, 0), -ENOTSOCK);
    EXPECT_EQ(query_tcp_state(w, t, 99), -EBADF);
    EXPECT_EQ(query_tcp_state(w, t, -1), -EBADF);
    EXPECT_EQ(query_tcp_state(w, TaskId(999), 3), -EBADF);
}

TEST(Inspect, AnUnackedSynOrFinCountsAsInFlight) {
    Sim s;
    ASSERT_EQ(s.run("P = peer(10.0.0.2:0)").err, 0);
    ASSERT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)"), ok(3));
    ASSERT_EQ(s.run("connect(c, 10.0.0.2:80)"), err(EINPROGRESS));
    EXPECT_EQ(s.run("acceptq(c)"), ok(1));
    EXPECT_EQ(s.run("backlog(c)"), ok(0));
}

TEST(Inspect, TheQueriesTakeNoStep) {
    Sim s;
    scenario69(s);
    uint64_t n = s.h.step_count();
    World before = s.w();
    for (const char* q : {"tcp_state(3)", "acceptq(3)", "backlog(3)", "synq(3)", "local_port(3)",
                          "nstat(ListenOverflows)", "now()", "show()", "ss()", "proc_net_tcp()", "counters()",
                          "protosw()"})
        s.run(q);
    EXPECT_EQ(s.h.step_count(), n);
    EXPECT_TRUE(s.w() == before);
}

// ---------------------------------------------------------------- show

TEST(Inspect, ShowListsEveryTasksFdsAndTheObjectsBehindThem) {
    Sim s;
    scenario69(s);
    ASSERT_EQ(s.run("n = socket(AF_INET, SOCK_DGRAM|SOCK_NONBLOCK|SOCK_CLOEXEC, 0)"), ok(6));
    std::string out = show_world(s.w());
    const FilesStruct& fs = s.w().files_structs[s.w().tasks[s.main()].files];
    std::string tty = "file#" + std::to_string(fs.fd[0].v);
    EXPECT_EQ(out.rfind("time 0 ms\ntask 1000 (proc)\n", 0), 0u) << out;
    EXPECT_NE(out.find("  fd 0 -> " + tty + " f_count=3 /dev/tty\n"), std::string::npos) << out;
    EXPECT_NE(out.find("  fd 2 -> " + tty + " f_count=3 /dev/tty\n"), std::string::npos) << out;
    SocketId ls = s.w().files[fs.fd[3]].private_data;
    std::string l = "  fd 3 -> file#" + std::to_string(fs.fd[3].v) + " f_count=1 -> socket#" + std::to_string(ls.v) +
                    " SS_UNCONNECTED -> sock#" + std::to_string(s.sock_of(3).v) +
                    " TCP_LISTEN 127.0.0.1:7000 accept 2/128 syn 1\n";
    EXPECT_NE(out.find(l), std::string::npos) << out;
    EXPECT_NE(out.find(" TCP_ESTABLISHED 127.0.0.1:"), std::string::npos) << out;
    EXPECT_NE(out.find(" peer 127.0.0.1:7000\n"), std::string::npos) << out;
    EXPECT_NE(out.find(" TCP_CLOSE O_NONBLOCK FD_CLOEXEC\n"), std::string::npos) << out;
    EXPECT_NE(out.find("listener sock#" + std::to_string(s.sock_of(3).v) + " 127.0.0.1:7000\n"), std::string::npos);
    ReqId req;
    s.w().reqs.each([&](ReqId id, const RequestSock& r) { if (!r.in_accept_queue) req = id; });
    EXPECT_NE(out.find("  SYN queue (1): req#" + std::to_string(req.v) + "<10.0.0.2:40000>\n"), std::string::npos)
        << out;
    EXPECT_NE(out.find("  accept queue (2, limit 128+1): sock#"), std::string::npos) << out;
}

TEST(Inspect, ShowMarksTheFdASleepingAcceptReservedAndTheSleeper) {
    Sim s;
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("listen(l, 5)"), ok(0));
    s.run("T = thread()");
    s.run("T: accept(l)");
    std::string out = show_world(s.w());
    EXPECT_NE(out.find("  fd 4 -> (reserved, no file yet)\n"), std::string::npos) << out;
    EXPECT_NE(out.find("task 1001 (proc) — asleep\n"), std::string::npos) << out;
    EXPECT_NE(out.find(" f_count=2 -> socket#"), std::string::npos) << out;  // fd 3 plus the fdget
}

TEST(Inspect, ShowNamesKernelSocketsKernelThreadsAndUnprivilegedUsers) {
    Sim s;
    ASSERT_EQ(s.run("k = sock_create_kern(AF_INET, SOCK_STREAM, 0)").err, 0);
    ASSERT_EQ(s.run("K = kthread_run(0.0.0.0:8888)").err, 0);
    s.run("!user 1000");
    std::string out = show_world(s.w());
    EXPECT_NE(out.find("kernel socket#" + std::to_string(s.in.vars.at("k")) + " (no file, no fd) SS_UNCONNECTED -> sock#"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("(kthread_server) kernel thread — asleep\n  no fd table (kernel threads have none)\n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("(proc) uid 1000\n"), std::string::npos) << out;
}

TEST(Inspect, ShowListsOrphansAndTimewaitSocks) {
    Sim s;
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(l, 127.0.0.1:7006)"), ok(0));
    ASSERT_EQ(s.run("listen(l, 5)"), ok(0));
    ASSERT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM, 0)"), ok(4));
    ASSERT_EQ(s.run("connect(c, 127.0.0.1:7006)"), ok(0));
    ASSERT_EQ(s.run("a = accept(l)"), ok(5));
    ASSERT_EQ(s.run("close(a)"), ok(0));
    std::string out = show_world(s.w());
    EXPECT_NE(out.find("timewait#1 TCP_FIN_WAIT2 127.0.0.1:7006 peer 127.0.0.1:"), std::string::npos) << out;
    s.run("show()");
    EXPECT_NE(s.out.find("timewait#1 TCP_FIN_WAIT2"), std::string::npos);
}

TEST(Inspect, NstatPrintsEveryCounterWithItsPrefix) {
    Sim s;
    ASSERT_EQ(s.run("c = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("connect(c, 127.0.0.1:7007)"), err(ECONNREFUSED));
    std::string out = show_nstat(s.w());
    EXPECT_NE(out.find("TcpActiveOpens                   1\n"), std::string::npos) << out;
    EXPECT_NE(out.find("TcpAttemptFails                  1\n"), std::string::npos) << out;
    EXPECT_NE(out.find("TcpExtListenOverflows            0\n"), std::string::npos) << out;
    EXPECT_NE(out.find("TcpOutRsts                       1\n"), std::string::npos) << out;
    size_t lines = static_cast<size_t>(std::count(out.begin(), out.end(), '\n'));
    EXPECT_EQ(lines, static_cast<size_t>(Mib::Count));
    EXPECT_EQ(s.run("nstat(TcpActiveOpens)"), ok(1));
    EXPECT_EQ(s.run("nstat(TcpExtListenOverflows)"), ok(0));
}

TEST(Inspect, ProtoswShowsTheFamiliesAndTheirInetswLists) {
    Sim s;
    EXPECT_EQ(show_protosw(s.w()),
              "net_families[2] = inet (inet_create)\n"
              "  inetsw[1]: protocol 6 -> tcp_prot\n"
              "  inetsw[2]: protocol 17 -> udp_prot\n"
              "  inetsw[2]: protocol 136 -> udplite_prot\n"
              "  inetsw[2]: protocol 1 -> ping_prot\n"
              "  inetsw[3]: protocol 0 (IPPROTO_IP wildcard) -> raw_prot\n"
              "net_families[17] = packet (packet_create)\n");
}

}  // namespace sockscope::test
