// test_trace.cpp — core/kernel/trace.cpp and the events the kernel's
// chokepoints record: every step's Enter/Leave balance, frames that name
// kernel functions with their source files, Set events whose old and new
// values match the world before and after the step, and the text forms.
#include "support.h"

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <tuple>

#include "kernel/model.h"

namespace sockscope::test {

namespace {

const std::vector<std::vector<std::string>> kScenarios = {
    {"l = socket(AF_INET, SOCK_STREAM, 0)", "bind(l, 127.0.0.1:7000)", "listen(l, 5)",
     "c = socket(AF_INET, SOCK_STREAM, 0)", "connect(c, 127.0.0.1:7000)", "a = accept(l)", "d = dup(a)",
     "close(a)", "shutdown(d, SHUT_WR)", "close(c)", "close(d)", "sleep(61000)", "close(l)",
     "socket(AF_INET, SOCK_RAW, 0)", "close(99)"},
    {"s = socket(AF_INET, SOCK_STREAM, 0)", "bind(s, 0.0.0.0:8080)", "listen(s, 1)", "T = thread()",
     "T: a = accept(s)", "B: c = socket(AF_INET, SOCK_STREAM, 0)", "B: connect(c, 127.0.0.1:8080)",
     "P = peer(10.0.0.2:0)", "peer_syn(P, 127.0.0.1:8080)", "peer_ack(P, 127.0.0.1:8080)",
     "peer_syn(P, 127.0.0.1:8080)", "n = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)",
     "connect(n, 127.0.0.1:8080)", "sleep(8000)", "F = fork()", "F: close(s)", "synflood(127.0.0.1:8080, 4)",
     "K = kthread_run(0.0.0.0:8888)", "B: d = socket(AF_INET, SOCK_STREAM, 0)", "B: connect(d, 127.0.0.1:8888)",
     "kthread_stop(K)", "setsockopt(s, SOL_SOCKET, SO_LINGER, 1, 0)", "fcntl(s, F_SETFL, O_NONBLOCK)",
     "shutdown(s, SHUT_RD)", "sleep(70000)"},
};

void run_all(Sim& s, const std::vector<std::string>& lines) {
    for (const std::string& l : lines) s.run(l);
}

// ---- reading a traced field out of a world ----

template <class T> int64_t to_i64(const T& v) {
    if constexpr (std::is_enum_v<T>) return static_cast<int64_t>(v);
    else if constexpr (std::is_same_v<T, bool>) return v ? 1 : 0;
    else if constexpr (std::is_integral_v<T>) return static_cast<int64_t>(v);
    else return static_cast<int64_t>(v.v);
}

using Reader = std::function<std::optional<int64_t>(const World&, uint32_t)>;
using FieldKey = std::pair<ObjKind, uint16_t>;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
#define RD(K, TBL, IDT, T, f)                                                                              \
    {FieldKey{ObjKind::K, static_cast<uint16_t>(offsetof(T, f))},                                          \
     [](const World& w, uint32_t id) -> std::optional<int64_t> {                                           \
         const T* o = w.TBL.find(IDT(id));                                                                 \
         if (!o) return std::nullopt;                                                                      \
         return to_i64(o->f);                                                                              \
     }}
#define TASK(f) RD(Task, tasks, TaskId, Task, f)
#define SOCK(f) RD(Sock, socks, SockId, Sock, f)
#define REQ(f) RD(Req, reqs, ReqId, RequestSock, f)
#define TW(f) RD(Tw, tws, TwId, TimewaitSock, f)
const std::map<FieldKey, Reader>& readers() {
    static const std::map<FieldKey, Reader> m = {
        TASK(pid), TASK(tgid), TASK(uid), TASK(gid), TASK(cap_effective), TASK(kthread), TASK(files),
        TASK(rlim_nofile), TASK(state), TASK(on_runqueue), TASK(signal_pending), TASK(kthread_should_stop),
        TASK(kthread_sock), TASK(kthread_pc), TASK(exit_code), TASK(kthread_addr), TASK(kthread_port),
        TASK(kthread_backlog), TASK(kthread_accepted), TASK(timeout_timer),
        RD(Files, files_structs, FilesId, FilesStruct, count), RD(Files, files_structs, FilesId, FilesStruct, next_fd),
        RD(File, files, FileId, File, f_count), RD(File, files, FileId, File, f_flags),
        RD(File, files, FileId, File, f_op), RD(File, files, FileId, File, private_data),
        RD(Socket, sockets, SocketId, Socket, state), RD(Socket, sockets, SocketId, Socket, type),
        RD(Socket, sockets, SocketId, Socket, family), RD(Socket, sockets, SocketId, Socket, ops),
        RD(Socket, sockets, SocketId, Socket, file), RD(Socket, sockets, SocketId, Socket, sk),
        RD(Socket, sockets, SocketId, Socket, i_ino),
        SOCK(sk_family), SOCK(sk_state), SOCK(sk_type), SOCK(sk_protocol), SOCK(sk_prot), SOCK(sk_reuse),
        SOCK(sk_reuseport), SOCK(sk_err), SOCK(sk_shutdown), SOCK(sk_userlocks), SOCK(sk_flags),
        SOCK(sk_lingertime), SOCK(sk_rcvtimeo), SOCK(sk_sndtimeo), SOCK(sk_ack_backlog),
        SOCK(sk_max_ack_backlog), SOCK(sk_socket), SOCK(sk_uid), SOCK(sk_refcnt), SOCK(sk_kern_sock),
        SOCK(sk_disconnects), SOCK(inet_num), SOCK(inet_sport), SOCK(inet_saddr), SOCK(inet_rcv_saddr),
        SOCK(inet_daddr), SOCK(inet_dport), SOCK(icsk_bind_hash), SOCK(qlen), SOCK(young),
        SOCK(synflood_warned), SOCK(icsk_retransmits), SOCK(icsk_rto), SOCK(icsk_retransmit_timer),
        SOCK(snd_isn), SOCK(snd_nxt), SOCK(snd_una), SOCK(rcv_nxt), SOCK(fin_sent), SOCK(last_overflow),
        SOCK(nonagle), SOCK(listener_hashed), SOCK(ehashed), SOCK(destroyed), SOCK(sk_timer),
        REQ(rsk_listener), REQ(sk), REQ(ir_loc_addr), REQ(ir_rmt_addr), REQ(ir_num), REQ(ir_rmt_port),
        REQ(snt_isn), REQ(rcv_isn), REQ(num_timeout), REQ(num_retrans), REQ(acked), REQ(in_accept_queue),
        REQ(rsk_timer),
        TW(tw_substate), TW(tw_reuse), TW(tw_reuseport), TW(tw_uid), TW(tw_rcv_saddr), TW(tw_daddr),
        TW(tw_num), TW(tw_dport), TW(tw_snd_nxt), TW(tw_rcv_nxt), TW(tw_tb), TW(tw_timer),
        RD(Bucket, buckets, BucketId, BindBucket, table), RD(Bucket, buckets, BucketId, BindBucket, port),
        RD(Bucket, buckets, BucketId, BindBucket, fastreuse), RD(Bucket, buckets, BucketId, BindBucket, fastreuseport),
        RD(Bucket, buckets, BucketId, BindBucket, fastuid),
        RD(Timer, timers, TimerId, Timer, kind), RD(Timer, timers, TimerId, Timer, owner),
        RD(Timer, timers, TimerId, Timer, expires),
        RD(Peer, peers, PeerId, Peer, addr), RD(Peer, peers, PeerId, Peer, next_port),
    };
    return m;
}
#undef TASK
#undef SOCK
#undef REQ
#undef TW
#undef RD
#pragma GCC diagnostic pop

std::string where(const Trace& t, size_t step, const TraceEvent& e) {
    return "step " + std::to_string(step) + ": " + format_event(t, e);
}

// Checks step `i` of s's trace against the worlds before and after it;
// returns how many values it compared.
int check_sets(const Trace& t, size_t i, const World& before, const World& after) {
    int compared = 0;
    using Obj = std::pair<ObjKind, uint32_t>;
    using Key = std::tuple<ObjKind, uint32_t, uint16_t>;
    std::set<Obj> touched;            // created or destroyed so far in this step
    std::map<Key, int32_t> prev;      // last new value seen
    std::map<Key, const TraceEvent*> last;
    for (size_t j = t.step_begin(i); j < t.step_end(i); ++j) {
        const TraceEvent& e = t.events[j];
        Obj o{e.kind, e.id};
        if (e.ev == Ev::Create || e.ev == Ev::Destroy) {
            touched.insert(o);
            for (auto it = last.begin(); it != last.end();)
                it = (std::get<0>(it->first) == e.kind && std::get<1>(it->first) == e.id) ? last.erase(it) : ++it;
            for (auto it = prev.begin(); it != prev.end();)
                it = (std::get<0>(it->first) == e.kind && std::get<1>(it->first) == e.id) ? prev.erase(it) : ++it;
            continue;
        }
        if (e.ev != Ev::Set) continue;
        EXPECT_NE(field_info(e.kind, e.code), nullptr) << where(t, i, e);
        EXPECT_NE(e.a, e.b) << "a Set that changes nothing: " << where(t, i, e);
        auto rd = readers().find(FieldKey{e.kind, e.code});
        if (rd == readers().end()) continue;
        Key k{e.kind, e.id, e.code};
        if (auto p = prev.find(k); p != prev.end()) {
            EXPECT_EQ(e.a, p->second) << "changed without a Set in between: " << where(t, i, e);
        } else if (!touched.count(o)) {
            std::optional<int64_t> v = rd->second(before, e.id);
            EXPECT_TRUE(v.has_value()) << "set on an object that did not exist: " << where(t, i, e);
            if (v) {
                EXPECT_EQ(e.a, static_cast<int32_t>(*v)) << "old value is not the world's: " << where(t, i, e);
            }
            compared += v.has_value();
        }
        prev[k] = e.b;
        last[k] = &e;
    }
    for (const auto& [k, e] : last) {
        std::optional<int64_t> v = readers().at(FieldKey{std::get<0>(k), std::get<2>(k)})(after, std::get<1>(k));
        if (!v) continue;  // gone by the end of the step without a Destroy event: reported elsewhere
        EXPECT_EQ(e->b, static_cast<int32_t>(*v)) << "new value is not the world's after the step: " << where(t, i, *e);
        ++compared;
    }
    return compared;
}

}  // namespace

// ---------------------------------------------------------------- frames

TEST(Trace, EveryStepsFramesAreBalancedEnterLeavePairs) {
    for (const auto& sc : kScenarios) {
        Sim s;
        run_all(s, sc);
        const Trace& t = s.h.trace();
        ASSERT_GT(t.step_count(), 20u);
        for (size_t i = 0; i < t.step_count(); ++i) {
            std::vector<uint16_t> stack;
            for (size_t j = t.step_begin(i); j < t.step_end(i); ++j) {
                const TraceEvent& e = t.events[j];
                if (e.ev == Ev::Enter) stack.push_back(e.code);
                if (e.ev == Ev::Leave) {
                    ASSERT_FALSE(stack.empty()) << "Leave without Enter in step " << i;
                    EXPECT_EQ(e.code, stack.back()) << "step " << i << " leaves " << kfunc(static_cast<Fn>(e.code)).name
                                                    << " inside " << kfunc(static_cast<Fn>(stack.back())).name;
                    stack.pop_back();
                }
            }
            EXPECT_TRUE(stack.empty()) << "step " << i << " ends inside " << kfunc(static_cast<Fn>(stack.back())).name;
        }
    }
}

TEST(Trace, EveryFrameNamesAKernelFunctionWithItsSourceFile) {
    const std::regex ident("[A-Za-z_][A-Za-z0-9_]*");
    const std::regex file("(net|fs|kernel|include|drivers)/[a-z0-9_/]+\\.[ch]");
    std::set<std::string> names;
    for (size_t i = 0; i < static_cast<size_t>(Fn::Count); ++i) {
        const KFuncInfo& f = kfunc(static_cast<Fn>(i));
        EXPECT_TRUE(std::regex_match(f.name, ident)) << f.name;
        EXPECT_TRUE(std::regex_match(f.file, file)) << f.name << " in " << f.file;
        EXPECT_GT(std::string(f.text).size(), 5u) << f.name;
        EXPECT_TRUE(names.insert(f.name).second) << "listed twice: " << f.name;
    }
}

TEST(Trace, FramesSitInTheFilesTheKernelDefinesThemIn) {
    auto file = [](Fn f) { return std::string(kfunc(f).file); };
    EXPECT_EQ(file(Fn::sys_close), "fs/open.c");
    EXPECT_EQ(file(Fn::alloc_fd), "fs/file.c");
    EXPECT_EQ(file(Fn::fput), "fs/file_table.c");
    EXPECT_EQ(file(Fn::do_fcntl), "fs/fcntl.c");
    EXPECT_EQ(file(Fn::__sys_socket), "net/socket.c");
    EXPECT_EQ(file(Fn::sk_alloc), "net/core/sock.c");
    EXPECT_EQ(file(Fn::inet_create), "net/ipv4/af_inet.c");
    EXPECT_EQ(file(Fn::inet_csk_accept), "net/ipv4/inet_connection_sock.c");
    EXPECT_EQ(file(Fn::inet_hash_connect), "net/ipv4/inet_hashtables.c");
    EXPECT_EQ(file(Fn::tcp_close), "net/ipv4/tcp.c");
    EXPECT_EQ(file(Fn::tcp_v4_rcv), "net/ipv4/tcp_ipv4.c");
    EXPECT_EQ(file(Fn::tcp_conn_request), "net/ipv4/tcp_input.c");
    EXPECT_EQ(file(Fn::tcp_check_req), "net/ipv4/tcp_minisocks.c");
    EXPECT_EQ(file(Fn::tcp_connect), "net/ipv4/tcp_output.c");
    EXPECT_EQ(file(Fn::tcp_retransmit_timer), "net/ipv4/tcp_timer.c");
    EXPECT_EQ(file(Fn::inet_twsk_kill), "net/ipv4/inet_timewait_sock.c");
    EXPECT_EQ(file(Fn::kernel_clone), "kernel/fork.c");
    EXPECT_EQ(file(Fn::loopback_xmit), "drivers/net/loopback.c");
}

TEST(Trace, EveryEventOfARunIsWellFormed) {
    for (const auto& sc : kScenarios) {
        Sim s;
        run_all(s, sc);
        const Trace& t = s.h.trace();
        for (const TraceEvent& e : t.events) {
            switch (e.ev) {
            case Ev::Enter:
            case Ev::Leave: EXPECT_LT(e.code, static_cast<uint16_t>(Fn::Count)); break;
            case Ev::Set: EXPECT_NE(field_info(e.kind, e.code), nullptr) << format_event(t, e); break;
            case Ev::PacketSend:
            case Ev::PacketDeliver:
            case Ev::PacketDrop: EXPECT_LT(e.id, t.packets.size()); break;
            case Ev::Counter: EXPECT_LT(e.code, static_cast<uint16_t>(Mib::Count)); EXPECT_NE(e.a, e.b); break;
            default: break;
            }
        }
        // steps are in order and time never goes back
        for (size_t i = 1; i < t.step_count(); ++i) {
            EXPECT_LE(t.steps[i - 1].first_event, t.steps[i].first_event);
            EXPECT_LE(t.steps[i - 1].time, t.steps[i].time);
            EXPECT_LE(t.steps[i - 1].command, t.steps[i].command);
        }
    }
}

// ---------------------------------------------------------------- values

TEST(Trace, SetEventsCarryTheOldAndNewValuesOfTheWorldBeforeAndAfter) {
    for (const auto& sc : kScenarios) {
        Sim s;
        run_all(s, sc);
        const Trace& t = s.h.trace();
        World before = s.h.world_at(0);
        int compared = 0;
        for (size_t i = 0; i < t.step_count(); ++i) {
            World after = s.h.world_at(i + 1);
            compared += check_sets(t, i, before, after);
            before = std::move(after);
        }
        EXPECT_GT(compared, 100);
    }
}

TEST(Trace, CreateAndDestroyEventsMatchTheTables) {
    Sim s;
    run_all(s, kScenarios[0]);
    const Trace& t = s.h.trace();
    for (size_t i = 0; i < t.step_count(); ++i) {
        World after = s.h.world_at(i + 1);
        std::map<std::pair<ObjKind, uint32_t>, bool> alive;  // as the last event left it
        for (size_t j = t.step_begin(i); j < t.step_end(i); ++j) {
            const TraceEvent& e = t.events[j];
            if (e.ev == Ev::Create) alive[{e.kind, e.id}] = true;
            if (e.ev == Ev::Destroy) alive[{e.kind, e.id}] = false;
        }
        for (const auto& [o, live] : alive) {
            bool exists = false;
            switch (o.first) {
            case ObjKind::Task: exists = after.tasks.contains(TaskId(o.second)); break;
            case ObjKind::Files: exists = after.files_structs.contains(FilesId(o.second)); break;
            case ObjKind::File: exists = after.files.contains(FileId(o.second)); break;
            case ObjKind::Socket: exists = after.sockets.contains(SocketId(o.second)); break;
            case ObjKind::Sock: exists = after.socks.contains(SockId(o.second)); break;
            case ObjKind::Req: exists = after.reqs.contains(ReqId(o.second)); break;
            case ObjKind::Tw: exists = after.tws.contains(TwId(o.second)); break;
            case ObjKind::Bucket: exists = after.buckets.contains(BucketId(o.second)); break;
            case ObjKind::Timer: exists = after.timers.contains(TimerId(o.second)); break;
            case ObjKind::Peer: exists = after.peers.contains(PeerId(o.second)); break;
            default: continue;
            }
            EXPECT_EQ(exists, live) << "step " << i << " " << obj_kind_name(o.first) << "#" << o.second;
        }
    }
}

TEST(Trace, ASyscallThatReturnsAtOnceEndsWithItsReturnEvent) {
    Sim s;
    run_all(s, kScenarios[1]);
    const Trace& t = s.h.trace();
    for (size_t i = 0; i < t.step_count(); ++i) {
        const StepRecord& st = t.steps[i];
        const Command& c = s.h.entries()[st.command].cmd;
        if (st.kind != StepKind::Syscall || !st.task || c.op == Op::Sleep) continue;
        World after = s.h.world_at(i + 1);
        bool asleep = after.tasks.contains(TaskId(st.task)) && after.tasks[TaskId(st.task)].state == TASK_INTERRUPTIBLE;
        int returns = 0;
        for (size_t j = t.step_begin(i); j < t.step_end(i); ++j)
            if (t.events[j].ev == Ev::Return) {
                ++returns;
                EXPECT_EQ(t.events[j].id, st.task);
            }
        EXPECT_EQ(returns, asleep ? 0 : 1) << "step " << i << ": " << c.text;
    }
}

TEST(Trace, AResumedCallReturnsInTheStepThatFinishesIt) {
    Sim s;
    s.run("s = socket(AF_INET, SOCK_STREAM, 0)");
    s.run("bind(s, 127.0.0.1:7001)");
    s.run("listen(s, 5)");
    s.run("T = thread()");
    s.run("T: accept(s)");
    s.run("B: c = socket(AF_INET, SOCK_STREAM, 0)");
    uint64_t first = s.h.step_count();
    s.run("B: connect(c, 127.0.0.1:7001)");
    const Trace& t = s.h.trace();
    std::map<uint32_t, int64_t> returned;
    for (uint64_t i = first; i < t.step_count(); ++i)
        for (size_t j = t.step_begin(i); j < t.step_end(i); ++j)
            if (t.events[j].ev == Ev::Return) {
                EXPECT_EQ(t.steps[i].kind, StepKind::Resume);
                EXPECT_EQ(t.events[j].id, t.steps[i].task);
                returned[t.events[j].id] = t.events[j].a;
            }
    EXPECT_EQ(returned[s.in.tasks.at("T").v], 4);
    EXPECT_EQ(returned[s.in.tasks.at("B").v], 0);
}

// ---------------------------------------------------------------- text

TEST(Trace, FormatStepIndentsFramesAndPrefixesChangesWithADot) {
    Sim s;
    uint64_t step = s.h.step_count();
    s.run("close(99)");
    auto line = [](int depth, Fn f) {
        const KFuncInfo& k = kfunc(f);
        return std::string(static_cast<size_t>(4 + 2 * depth), ' ') + k.name + "  [" + k.file + "]  " + k.text + "\n";
    };
    std::string want = "  step " + std::to_string(step) + ": close(99)\n" + line(0, Fn::sys_close) +
                       line(1, Fn::close_fd) + line(2, Fn::pick_file) + "    · task#" +
                       std::to_string(s.main().v) + " returns -1 EBADF\n";
    EXPECT_EQ(format_step(s.h.trace(), step, "close(99)"), want);
}

TEST(Trace, TheTraceDirectivePrintsEveryStepOfACommand) {
    Sim s;
    s.run("l = socket(AF_INET, SOCK_STREAM, 0)");
    s.run("bind(l, 127.0.0.1:7002)");
    s.run("listen(l, 5)");
    s.run("c = socket(AF_INET, SOCK_STREAM, 0)");
    s.run("!trace");
    s.out.clear();
    s.run("connect(c, 127.0.0.1:7002)");
    EXPECT_NE(s.out.find(": connect(c, 127.0.0.1:7002)\n    __sys_connect  [net/socket.c]"), std::string::npos) << s.out;
    size_t arrives = 0;
    for (size_t p = s.out.find(": a segment arrives\n"); p != std::string::npos; p = s.out.find(": a segment arrives\n", p + 1))
        ++arrives;
    EXPECT_EQ(arrives, 3u);
    EXPECT_NE(s.out.find("runs again\n"), std::string::npos) << s.out;
    EXPECT_NE(s.out.find("· deliver SYN 127.0.0.1:"), std::string::npos) << s.out;
    s.run("!trace off");
    s.out.clear();
    s.run("close(c)");
    EXPECT_EQ(s.out.find("step"), std::string::npos) << s.out;
}

TEST(Trace, FormatValueSpellsEachFormat) {
    EXPECT_EQ(format_value(Fmt::Int, -5), "-5");
    EXPECT_EQ(format_value(Fmt::TcpState, TCP_LISTEN), "TCP_LISTEN");
    EXPECT_EQ(format_value(Fmt::TcpState, 99), "99");
    EXPECT_EQ(format_value(Fmt::SsState, SS_CONNECTED), "SS_CONNECTED");
    EXPECT_EQ(format_value(Fmt::SsState, 9), "9");
    EXPECT_EQ(format_value(Fmt::Addr, static_cast<int32_t>(INADDR_LOOPBACK)), "127.0.0.1");
    EXPECT_EQ(format_value(Fmt::Port, 8080), "8080");
    EXPECT_EQ(format_value(Fmt::Port, -1), "65535");
    EXPECT_EQ(format_value(Fmt::Bool, 0), "false");
    EXPECT_EQ(format_value(Fmt::Bool, 1), "true");
    EXPECT_EQ(format_value(Fmt::OpenFlags, O_RDWR | O_NONBLOCK), "O_RDWR|O_NONBLOCK");
    EXPECT_EQ(format_value(Fmt::OpenFlags, O_RDONLY), "O_RDONLY");
    EXPECT_EQ(format_value(Fmt::OpenFlags, O_WRONLY), "O_WRONLY");
    EXPECT_EQ(format_value(Fmt::Id, 0, ObjKind::Sock), "NULL");
    EXPECT_EQ(format_value(Fmt::Id, 3, ObjKind::Sock), "sock#3");
    EXPECT_EQ(format_value(Fmt::Hex, 255), "0xff");
}

TEST(Trace, FormatEventSpellsEachKindOfEvent) {
    Trace t;
    Packet p;
    p.saddr = INADDR_LOOPBACK;
    p.sport = 32768;
    p.daddr = INADDR_LOOPBACK;
    p.dport = 7000;
    p.flags = TH_SYN | TH_ACK;
    t.packets.push_back(p);
    auto ev = [](Ev e, ObjKind k, uint16_t code, uint32_t id, int32_t a = 0, int32_t b = 0) {
        return TraceEvent{e, k, code, id, a, b};
    };
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
    uint16_t state = static_cast<uint16_t>(offsetof(Sock, sk_state));
    uint16_t fcount = static_cast<uint16_t>(offsetof(File, f_count));
#pragma GCC diagnostic pop
    EXPECT_EQ(format_event(t, ev(Ev::Enter, ObjKind::None, static_cast<uint16_t>(Fn::inet_listen), 0)), "inet_listen");
    EXPECT_EQ(format_event(t, ev(Ev::Leave, ObjKind::None, 0, 0, -22)), "return -22");
    EXPECT_EQ(format_event(t, ev(Ev::Create, ObjKind::Socket, 0, 4)), "+ socket#4");
    EXPECT_EQ(format_event(t, ev(Ev::Destroy, ObjKind::Req, 0, 2)), "- request_sock#2");
    EXPECT_EQ(format_event(t, ev(Ev::Set, ObjKind::Sock, state, 1, TCP_CLOSE, TCP_LISTEN)),
              "sock#1.sk_state: TCP_CLOSE -> TCP_LISTEN");
    EXPECT_EQ(format_event(t, ev(Ev::Set, ObjKind::File, fcount, 2, 1, 2)), "file#2.f_count: 1 -> 2");
    EXPECT_EQ(format_event(t, ev(Ev::LinkAdd, ObjKind::Files, static_cast<uint16_t>(Link::fd), 1, 3, 2)),
              "files_struct#1.fd[3] = file#2");
    EXPECT_EQ(format_event(t, ev(Ev::LinkDel, ObjKind::Files, static_cast<uint16_t>(Link::fd), 1, 3, 2)),
              "files_struct#1.fd[3] = NULL");
    EXPECT_EQ(format_event(t, ev(Ev::LinkAdd, ObjKind::Files, static_cast<uint16_t>(Link::open_fd), 1, 4)),
              "files_struct#1.open_fds += 4");
    EXPECT_EQ(format_event(t, ev(Ev::LinkAdd, ObjKind::Socket, static_cast<uint16_t>(Link::wait_queue), 1, 1, 2)),
              "socket#1.wait queue += task#2 (exclusive)");
    EXPECT_EQ(format_event(t, ev(Ev::LinkDel, ObjKind::Sock, static_cast<uint16_t>(Link::accept_queue), 3, 0, 1)),
              "sock#3.icsk_accept_queue -= request_sock#1");
    EXPECT_EQ(format_event(t, ev(Ev::LinkAdd, ObjKind::Net, static_cast<uint16_t>(Link::lhash), 0, 8080, 1)),
              "listening hash[8080] += sock#1");
    EXPECT_EQ(format_event(t, ev(Ev::Sleep, ObjKind::Task, 0, 2)), "task#2 sleeps");
    EXPECT_EQ(format_event(t, ev(Ev::Wake, ObjKind::Task, 0, 2)), "task#2 wakes");
    EXPECT_EQ(format_event(t, ev(Ev::PacketSend, ObjKind::Packet, 0, 0)), "send SYN|ACK 127.0.0.1:32768 -> 127.0.0.1:7000");
    EXPECT_EQ(format_event(t, ev(Ev::PacketDeliver, ObjKind::Packet, 0, 0)),
              "deliver SYN|ACK 127.0.0.1:32768 -> 127.0.0.1:7000");
    EXPECT_EQ(format_event(t, ev(Ev::Counter, ObjKind::Net, static_cast<uint16_t>(Mib::ListenOverflows), 0, 0, 1)),
              "ListenOverflows: 0 -> 1");
    EXPECT_EQ(format_event(t, ev(Ev::Return, ObjKind::Task, 0, 1, 3, 0)), "task#1 returns 3");
    EXPECT_EQ(format_event(t, ev(Ev::Return, ObjKind::Task, 0, 1, -1, EAGAIN)), "task#1 returns -1 EAGAIN");
}

TEST(Trace, FormatPacketListsTheFlagsInAFixedOrder) {
    Packet p;
    p.saddr = 0x0a000002;
    p.sport = 40000;
    p.daddr = INADDR_LOOPBACK;
    p.dport = 80;
    p.flags = TH_FIN | TH_ACK;
    EXPECT_EQ(format_packet(p), "FIN|ACK 10.0.0.2:40000 -> 127.0.0.1:80");
    p.flags = TH_RST | TH_ACK;
    EXPECT_EQ(format_packet(p), "RST|ACK 10.0.0.2:40000 -> 127.0.0.1:80");
    p.flags = TH_SYN;
    EXPECT_EQ(format_packet(p), "SYN 10.0.0.2:40000 -> 127.0.0.1:80");
}

TEST(Trace, TheFieldTableNamesFieldsByKindAndOffset) {
    std::set<std::pair<ObjKind, uint16_t>> seen;
    for (const FieldInfo& f : all_fields()) {
        EXPECT_TRUE(seen.insert({f.kind, f.offset}).second) << f.name;
        EXPECT_EQ(field_info(f.kind, f.offset), &f);
        if (f.fmt == Fmt::Id) {
            EXPECT_NE(f.ref, ObjKind::None) << f.name;
        }
    }
    EXPECT_EQ(field_info(ObjKind::Sock, 0xffff), nullptr);
    EXPECT_EQ(std::string(field_info(ObjKind::Sock, static_cast<uint16_t>(0))->name), "sk_family");
}

TEST(Trace, WithoutATraceTheKernelOnlyMutates) {
    Kernel k;
    EXPECT_EQ(k.trace, nullptr);
    TaskId t = create_process(k, "p", 0, 0, true);
    EXPECT_TRUE(k.w.tasks.contains(t));
    Trace tr;
    k.trace = &tr;
    k.begin_step(StepKind::Control, 0, 0);
    mib_inc(k, Mib::InSegs);
    ASSERT_EQ(tr.events.size(), 1u);
    EXPECT_EQ(tr.events[0].ev, Ev::Counter);
    EXPECT_EQ(tr.step_count(), 1u);
    EXPECT_EQ(tr.step_end(0), 1u);
}

}  // namespace sockscope::test
