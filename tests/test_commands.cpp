// test_commands.cpp — core/script/commands.cpp: the command table. Every
// row is well formed, has help text and runs; the rows' handlers turn
// arguments into the right commands (defaults, optional arguments, names).
#include "support.h"

#include <set>

#include "script/commands.h"

namespace sockscope::script {
// Results print as the runner prints them ("3", "-1 EBADF").
static void PrintTo(const Result& r, std::ostream* os) { *os << format_result(r); }
}  // namespace sockscope::script

namespace sockscope::test {

namespace {

// A call of `c` with n arguments of the right kinds.
std::string call_of(const script::CommandSpec& c, size_t n) {
    std::string s = std::string(c.name) + "(";
    for (size_t i = 0; i < n; ++i) {
        if (i) s += ", ";
        switch (c.kinds[i]) {
        case script::ArgKind::Int: s += "0"; break;
        case script::ArgKind::Addr: s += "127.0.0.1:0"; break;
        case script::ArgKind::Name: s += std::string(c.name) == "nstat" ? "ListenOverflows" : "tcp"; break;
        case script::ArgKind::Str: s += "\"x\""; break;
        }
    }
    return s + ")";
}

const script::CommandSpec& spec(const char* name) {
    const script::CommandSpec* c = script::find_command(name);
    EXPECT_NE(c, nullptr) << name;
    return *c;
}

}  // namespace

TEST(Commands, EveryRowHasANameHelpTextAndAWellFormedShape) {
    std::set<std::string> names;
    for (const script::CommandSpec& c : script::command_table()) {
        std::string name = c.name;
        EXPECT_TRUE(names.insert(name).second) << "listed twice: " << name;
        EXPECT_FALSE(name.empty());
        EXPECT_GT(std::string(c.help).size(), 10u) << name;
        EXPECT_LE(c.min_args, c.max_args) << name;
        EXPECT_LE(c.max_args, 6) << name;
        EXPECT_EQ(std::string(c.args).empty(), c.max_args == 0) << name;
        EXPECT_NE(c.run, nullptr) << name;
        if (c.kind == script::CmdKind::Syscall) {
            EXPECT_FALSE(std::string(c.path).empty()) << name;
        }
    }
    EXPECT_GE(names.size(), 40u);
}

TEST(Commands, FindCommandFindsEveryRowAndNothingElse) {
    for (const script::CommandSpec& c : script::command_table()) EXPECT_EQ(script::find_command(c.name), &c);
    EXPECT_EQ(script::find_command("nope"), nullptr);
    EXPECT_EQ(script::find_command(""), nullptr);
    EXPECT_EQ(script::find_command("Socket"), nullptr);
}

TEST(Commands, EveryRowRunsWithItsFewestAndItsMostArguments) {
    for (const script::CommandSpec& c : script::command_table()) {
        for (size_t n : {static_cast<size_t>(c.min_args), static_cast<size_t>(c.max_args)}) {
            Sim s;
            std::string line = call_of(c, n);
            s.run(line);  // a script error fails the test inside run()
            EXPECT_EQ(s.out.find("error"), std::string::npos) << line << ": " << s.out;
        }
    }
}

TEST(Commands, QueriesAndViewsTakeNoStepAndEveryOtherRowTakesOne) {
    for (const script::CommandSpec& c : script::command_table()) {
        Sim s;
        uint64_t before = s.h.step_count();
        s.run(call_of(c, c.min_args));
        bool reads = c.kind == script::CmdKind::Query || c.kind == script::CmdKind::Meta;
        if (reads) {
            EXPECT_EQ(s.h.step_count(), before) << c.name;
        } else {
            EXPECT_GE(s.h.step_count(), before + 1) << c.name;
        }
    }
}

TEST(Commands, TheRealKernelSubsetIsExactlyWhatRealrunRuns) {
    std::set<std::string> in_realrun;
    for (const script::CommandSpec& c : script::command_table())
        if (c.in_realrun) in_realrun.insert(c.name);
    EXPECT_EQ(in_realrun, (std::set<std::string>{"socket", "bind", "listen", "connect", "accept", "accept4", "close",
                                                 "dup", "dup2", "shutdown", "setsockopt", "getsockopt", "fcntl",
                                                 "sleep", "tcp_state", "acceptq", "backlog", "local_port", "nstat"}));
}

TEST(Commands, BindAndConnectDefaultToSixteenBytesOfAfInet) {
    Sim s;
    s.run("s = socket(AF_INET, SOCK_STREAM, 0)");
    s.run("bind(s, 127.0.0.1:7000)");
    const Command& c = s.h.entries().back().cmd;
    EXPECT_EQ(c.op, Op::Bind);
    EXPECT_EQ(c.a, (std::array<int64_t, 6>{3, INADDR_LOOPBACK, 7000, 16, AF_INET, 0}));
    EXPECT_EQ(c.text, "bind(s, 127.0.0.1:7000)");
    s.run("connect(s, 127.0.0.2:9, 8, AF_INET6)");
    EXPECT_EQ(s.h.entries().back().cmd.a, (std::array<int64_t, 6>{3, 0x7f000002, 9, 8, AF_INET6, 0}));
}

TEST(Commands, SetsockoptWithTwoValuesPassesAStructLinger) {
    Sim s;
    s.run("s = socket(AF_INET, SOCK_STREAM, 0)");
    s.run("setsockopt(s, SOL_SOCKET, SO_LINGER, 1, 5)");
    EXPECT_EQ(s.h.entries().back().cmd.a, (std::array<int64_t, 6>{3, SOL_SOCKET, SO_LINGER, 1, 5, 8}));
    s.run("setsockopt(s, SOL_SOCKET, SO_REUSEADDR, 1)");
    EXPECT_EQ(s.h.entries().back().cmd.a, (std::array<int64_t, 6>{3, SOL_SOCKET, SO_REUSEADDR, 1, 0, 4}));
}

TEST(Commands, FcntlWithoutAnArgumentPassesZero) {
    Sim s;
    s.run("s = socket(AF_INET, SOCK_STREAM, 0)");
    EXPECT_EQ(s.run("fcntl(s, F_GETFL)"), ok(O_RDWR));
    EXPECT_EQ(s.h.entries().back().cmd.a[2], 0);
    EXPECT_EQ(s.run("fcntl(s, F_SETFL)"), ok(0));  // arg 0: clears O_NONBLOCK
}

TEST(Commands, SpawnIsRootWithoutAUidAndUnprivilegedWithOne) {
    Sim s;
    s.run("R = spawn()");
    s.run("U = spawn(1000, 50)");
    s.run("V = spawn(2000)");
    const World& w = s.w();
    EXPECT_EQ(w.tasks[s.in.tasks.at("R")].uid, 0u);
    EXPECT_NE(w.tasks[s.in.tasks.at("R")].cap_effective, 0u);
    EXPECT_EQ(w.tasks[s.in.tasks.at("U")].gid, 50u);
    EXPECT_EQ(w.tasks[s.in.tasks.at("V")].gid, 2000u);
    EXPECT_EQ(w.tasks[s.in.tasks.at("V")].cap_effective, 0u);
}

TEST(Commands, KthreadRunDefaultsToABacklogOf1024) {
    Sim s;
    s.run("K = kthread_run(0.0.0.0:8888)");
    const Task& k = s.w().tasks[s.in.tasks.at("K")];
    EXPECT_EQ(k.kthread_backlog, 1024);
    EXPECT_EQ(s.w().socks[s.w().sockets[k.kthread_sock].sk].sk_max_ack_backlog, 1024u);
    EXPECT_EQ(s.run("kthread_stop(K)"), ok(0));
}

TEST(Commands, SockRegisterNamesTheFamilyAsGivenOrByNumber) {
    Sim s;
    EXPECT_EQ(s.run("sock_register(30, \"MY_PF_INET\")"), ok(0));
    EXPECT_EQ(s.run("sock_register(31)"), ok(0));
    EXPECT_EQ(s.run("sock_register(32, MY_NAME)"), ok(0));
    EXPECT_EQ(s.w().net_families[30].name, "MY_PF_INET");
    EXPECT_EQ(s.w().net_families[31].name, "family 31");
    EXPECT_EQ(s.w().net_families[32].name, "MY_NAME");
}

TEST(Commands, InetRegisterProtoswTakesAProtocolByName) {
    Sim s;
    ASSERT_EQ(s.run("sock_register(30)"), ok(0));
    for (const char* p : {"tcp", "udp", "raw", "ping", "tcp_prot", "udp_prot", "raw_prot", "ping_prot"})
        EXPECT_EQ(s.run(std::string("inet_register_protosw(30, SOCK_DGRAM, 200, ") + p + ")"), ok(0)) << p;
    EXPECT_EQ(s.w().net_families[30].inetsw[SOCK_DGRAM].size(), 8u);
    EXPECT_EQ(s.w().net_families[30].inetsw[SOCK_DGRAM][0].prot, ProtKind::ping_prot);  // each goes in front
    EXPECT_EQ(s.run_error("inet_register_protosw(30, SOCK_DGRAM, 200, sctp)"),
              "test:10:44: error: unknown protocol 'sctp' (tcp, udp, raw or ping)\n");
    EXPECT_EQ(s.run("inet_register_protosw(99, SOCK_DGRAM, 200, udp)"), err(EAFNOSUPPORT));
    EXPECT_EQ(s.run("inet_register_protosw(AF_INET, SOCK_STREAM, IPPROTO_TCP, tcp)"), err(EPERM));
}

TEST(Commands, APermanentEntryKeepsItsPlaceAheadOfNewOnes) {
    Sim s;
    EXPECT_EQ(s.run("inet_register_protosw(AF_INET, SOCK_STREAM, IPPROTO_MPTCP, tcp)"), ok(0));
    const auto& list = s.w().net_families[AF_INET].inetsw[SOCK_STREAM];
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].protocol, IPPROTO_TCP);
    EXPECT_EQ(list[1].protocol, IPPROTO_MPTCP);
    EXPECT_EQ(s.run("getsockopt(3, SOL_SOCKET, SO_PROTOCOL)"), err(EBADF));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("getsockopt(3, SOL_SOCKET, SO_PROTOCOL)"), ok(IPPROTO_TCP));
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP)"), ok(4));
}

TEST(Commands, NstatTakesACounterNameWithOrWithoutItsPrefix) {
    Sim s;
    EXPECT_EQ(s.run("nstat(ListenOverflows)"), ok(0));
    EXPECT_EQ(s.run("nstat(TcpExtListenOverflows)"), ok(0));
    EXPECT_EQ(s.run("nstat(\"TcpActiveOpens\")"), ok(0));
    EXPECT_EQ(s.run_error("nstat(NoSuchCounter)"), "test:4:7: error: unknown counter 'NoSuchCounter'\n");
}

TEST(Commands, APeerIsNamedByItsBinding) {
    Sim s;
    ASSERT_EQ(s.run("P = peer(10.0.0.2:0)").err, 0);
    ASSERT_EQ(s.run("peer(10.0.0.3:0)").err, 0);
    std::vector<std::string> names;
    s.w().peers.each([&](PeerId, const Peer& p) { names.push_back(p.name); });
    EXPECT_EQ(names, (std::vector<std::string>{"P", "peer"}));
}

TEST(Commands, ThePeerSegmentCommandsSendTheirFlags) {
    Sim s;
    ASSERT_EQ(s.run("l = socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    ASSERT_EQ(s.run("bind(l, 0.0.0.0:7000)"), ok(0));
    ASSERT_EQ(s.run("listen(l, 5)"), ok(0));
    ASSERT_EQ(s.run("P = peer(10.0.0.2:0)").err, 0);
    const std::vector<std::pair<const char*, uint8_t>> calls = {
        {"peer_syn", TH_SYN}, {"peer_ack", TH_ACK}, {"peer_fin", TH_FIN | TH_ACK}, {"peer_rst", TH_RST}};
    for (const auto& [name, flags] : calls) {
        EXPECT_EQ(s.run(std::string(name) + "(P, 127.0.0.1:7000)"), ok(0)) << name;
        const Command& c = s.h.entries().back().cmd;
        EXPECT_EQ(c.op, Op::PeerSend);
        EXPECT_EQ(c.a[1], flags) << name;
        EXPECT_EQ(c.a[4], -1) << name;
    }
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:7000, 0)"), ok(0));
    EXPECT_EQ(s.h.entries().back().cmd.a[4], 0);
}

TEST(Commands, TheViewsPrintAndReturnZero) {
    Sim s;
    for (const char* v : {"show()", "ss()", "proc_net_tcp()", "counters()", "protosw()"}) {
        s.out.clear();
        EXPECT_EQ(s.run(v), ok(0)) << v;
        EXPECT_FALSE(s.out.empty()) << v;
        EXPECT_EQ(s.out.find(std::string(v) + " = "), std::string::npos) << v;  // no echo line
    }
}

TEST(Commands, NowReadsVirtualTime) {
    Sim s;
    EXPECT_EQ(s.run("now()"), ok(0));
    s.run("sleep(1234)");
    EXPECT_EQ(s.run("now()"), ok(1234));
}

TEST(Commands, TheHelpOfACallMentionsWhatItDoes) {
    EXPECT_NE(std::string(spec("listen").help).find("somaxconn"), std::string::npos);
    EXPECT_NE(std::string(spec("accept").path).find("inet_csk_accept"), std::string::npos);
    EXPECT_NE(std::string(spec("close").path).find("sock_close"), std::string::npos);
    EXPECT_EQ(spec("socket").kind, script::CmdKind::Syscall);
    EXPECT_EQ(spec("kernel_listen").kind, script::CmdKind::Kernel);
    EXPECT_EQ(spec("tcp_state").kind, script::CmdKind::Query);
    EXPECT_EQ(spec("show").kind, script::CmdKind::Meta);
}

}  // namespace sockscope::test
