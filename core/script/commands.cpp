// commands.cpp — the rows of the command table (see commands.h).
#include "script/commands.h"

#include "inspect.h"
#include "machine.h"

namespace sockscope::script {

namespace {

using K = ArgKind;
constexpr std::array<ArgKind, 6> kInts{K::Int, K::Int, K::Int, K::Int, K::Int, K::Int};
constexpr std::array<ArgKind, 6> kFdAddr{K::Int, K::Addr, K::Int, K::Int, K::Int, K::Int};
constexpr std::array<ArgKind, 6> kAddrInts{K::Addr, K::Int, K::Int, K::Int, K::Int, K::Int};
constexpr std::array<ArgKind, 6> kIntAddr{K::Int, K::Addr, K::Int, K::Int, K::Int, K::Int};
constexpr std::array<ArgKind, 6> kName{K::Name, K::Int, K::Int, K::Int, K::Int, K::Int};
constexpr std::array<ArgKind, 6> kIntStr{K::Int, K::Str, K::Int, K::Int, K::Int, K::Int};
constexpr std::array<ArgKind, 6> kProtosw{K::Int, K::Int, K::Int, K::Name, K::Int, K::Int};

Result from(int64_t r) { return r < 0 ? Result::fail(static_cast<int>(-r)) : Result::ok(r); }

// Runs a command for the current task and turns its outcome into a result.
Result run(Interp& in, Op op, std::initializer_list<int64_t> args, std::string text = "") {
    Command c;
    c.op = op;
    c.task = in.current.v;
    size_t i = 0;
    for (int64_t a : args) c.a[i++] = a;
    c.text = text.empty() ? in.stmt->text : text;
    Outcome o = in.submit(c);
    if (o.sleeping) return Result{0, -1};  // the interpreter sees the task asleep
    return from(o.ret);
}

// bind/connect style: fd, addr [, addrlen [, family]]
Result addr_call(Interp& in, Op op, const std::vector<Val>& v) {
    int64_t len = v.size() > 2 ? v[2].i : 16;
    int64_t fam = v.size() > 3 ? v[3].i : AF_INET;
    return run(in, op, {v[0].i, v[1].addr, v[1].port, len, fam});
}

Result r_socket(Interp& in, const std::vector<Val>& v) { return run(in, Op::Socket, {v[0].i, v[1].i, v[2].i}); }
Result r_bind(Interp& in, const std::vector<Val>& v) { return addr_call(in, Op::Bind, v); }
Result r_listen(Interp& in, const std::vector<Val>& v) { return run(in, Op::Listen, {v[0].i, v[1].i}); }
Result r_connect(Interp& in, const std::vector<Val>& v) { return addr_call(in, Op::Connect, v); }
Result r_accept(Interp& in, const std::vector<Val>& v) { return run(in, Op::Accept, {v[0].i}); }
Result r_accept4(Interp& in, const std::vector<Val>& v) { return run(in, Op::Accept4, {v[0].i, v[1].i}); }
Result r_close(Interp& in, const std::vector<Val>& v) { return run(in, Op::Close, {v[0].i}); }
Result r_dup(Interp& in, const std::vector<Val>& v) { return run(in, Op::Dup, {v[0].i}); }
Result r_dup2(Interp& in, const std::vector<Val>& v) { return run(in, Op::Dup2, {v[0].i, v[1].i}); }
Result r_shutdown(Interp& in, const std::vector<Val>& v) { return run(in, Op::Shutdown, {v[0].i, v[1].i}); }
Result r_setsockopt(Interp& in, const std::vector<Val>& v) {
    return run(in, Op::Setsockopt, {v[0].i, v[1].i, v[2].i, v[3].i, v.size() > 4 ? v[4].i : 0, v.size() > 4 ? 8 : 4});
}
Result r_getsockopt(Interp& in, const std::vector<Val>& v) { return run(in, Op::Getsockopt, {v[0].i, v[1].i, v[2].i}); }
Result r_fcntl(Interp& in, const std::vector<Val>& v) {
    return run(in, Op::Fcntl, {v[0].i, v[1].i, v.size() > 2 ? v[2].i : 0});
}
Result r_sleep(Interp& in, const std::vector<Val>& v) { return run(in, Op::Sleep, {v[0].i}); }
Result r_fork(Interp& in, const std::vector<Val>& v) { return run(in, Op::Fork, {}); }
Result r_thread(Interp& in, const std::vector<Val>& v) { return run(in, Op::Thread, {}); }
Result r_spawn(Interp& in, const std::vector<Val>& v) {
    int64_t uid = v.size() > 0 ? v[0].i : 0, gid = v.size() > 1 ? v[1].i : uid;
    return run(in, Op::Spawn, {uid, gid, uid == 0 ? 1 : 0});
}
Result r_exit(Interp& in, const std::vector<Val>& v) { return run(in, Op::Exit, {}); }
Result r_signal(Interp& in, const std::vector<Val>& v) { return run(in, Op::Signal, {v[0].i}); }
Result r_kthread_run(Interp& in, const std::vector<Val>& v) {
    return run(in, Op::KthreadRun, {v[0].addr, v[0].port, v.size() > 1 ? v[1].i : 1024});
}
Result r_kthread_stop(Interp& in, const std::vector<Val>& v) { return run(in, Op::KthreadStop, {v[0].i}); }
Result r_sock_create_kern(Interp& in, const std::vector<Val>& v) {
    return run(in, Op::SockCreateKern, {v[0].i, v[1].i, v[2].i});
}
Result r_kernel_bind(Interp& in, const std::vector<Val>& v) {
    return run(in, Op::KernelBind, {v[0].i, v[1].addr, v[1].port, 16, AF_INET});
}
Result r_kernel_listen(Interp& in, const std::vector<Val>& v) { return run(in, Op::KernelListen, {v[0].i, v[1].i}); }
Result r_kernel_accept(Interp& in, const std::vector<Val>& v) {
    return run(in, Op::KernelAccept, {v[0].i, v.size() > 1 ? v[1].i : 0});
}
Result r_sock_release(Interp& in, const std::vector<Val>& v) { return run(in, Op::SockRelease, {v[0].i}); }
Result r_sock_register(Interp& in, const std::vector<Val>& v) {
    std::string name = v.size() > 1 ? v[1].s : "family " + std::to_string(v[0].i);
    return run(in, Op::SockRegister, {v[0].i}, name);
}
Result r_protosw(Interp& in, const std::vector<Val>& v) {
    int64_t prot = 0;
    if (v[3].s == "tcp" || v[3].s == "tcp_prot") prot = 1;
    else if (v[3].s == "udp" || v[3].s == "udp_prot") prot = 2;
    else if (v[3].s == "raw" || v[3].s == "raw_prot") prot = 3;
    else if (v[3].s == "ping" || v[3].s == "ping_prot") prot = 4;
    else in.error(in.stmt->args[3].pos, "unknown protocol '" + v[3].s + "' (tcp, udp, raw or ping)");
    return run(in, Op::ProtoswRegister, {v[0].i, v[1].i, v[2].i, prot});
}
Result r_peer(Interp& in, const std::vector<Val>& v) {
    return run(in, Op::PeerCreate, {v[0].addr}, in.stmt->bind.empty() ? "peer" : in.stmt->bind);
}
Result peer_send(Interp& in, const std::vector<Val>& v, uint8_t flags, bool crossing = false) {
    return run(in, Op::PeerSend, {v[0].i, flags, v[1].addr, v[1].port, v.size() > 2 ? v[2].i : -1, crossing ? 1 : 0});
}
Result r_peer_syn(Interp& in, const std::vector<Val>& v) { return peer_send(in, v, TH_SYN); }
Result r_peer_ack(Interp& in, const std::vector<Val>& v) { return peer_send(in, v, TH_ACK); }
Result r_peer_rst(Interp& in, const std::vector<Val>& v) { return peer_send(in, v, TH_RST); }
Result r_peer_fin(Interp& in, const std::vector<Val>& v) { return peer_send(in, v, TH_FIN | TH_ACK); }
Result r_peer_fin_crossing(Interp& in, const std::vector<Val>& v) { return peer_send(in, v, TH_FIN | TH_ACK, true); }
Result r_synflood(Interp& in, const std::vector<Val>& v) {
    return run(in, Op::SynFlood, {v[0].addr, v[0].port, v[1].i});
}

// ---- queries: read the world, no step ----
Result r_tcp_state(Interp& in, const std::vector<Val>& v) { return from(query_tcp_state(in.world(), in.current, static_cast<int>(v[0].i))); }
Result r_acceptq(Interp& in, const std::vector<Val>& v) { return from(query_acceptq(in.world(), in.current, static_cast<int>(v[0].i))); }
Result r_backlog(Interp& in, const std::vector<Val>& v) { return from(query_backlog(in.world(), in.current, static_cast<int>(v[0].i))); }
Result r_synq(Interp& in, const std::vector<Val>& v) { return from(query_synq(in.world(), in.current, static_cast<int>(v[0].i))); }
Result r_local_port(Interp& in, const std::vector<Val>& v) { return from(query_local_port(in.world(), in.current, static_cast<int>(v[0].i))); }
Result r_nstat(Interp& in, const std::vector<Val>& v) {
    Mib m;
    if (!mib_from_name(v[0].s, &m)) in.error(in.stmt->args[0].pos, "unknown counter '" + v[0].s + "'");
    return Result::ok(in.world().mib[static_cast<size_t>(m)]);
}
Result r_now(Interp& in, const std::vector<Val>&) { return Result::ok(in.world().now); }
Result r_show(Interp& in, const std::vector<Val>&) { in.print(show_world(in.world())); return Result::ok(0); }
Result r_ss(Interp& in, const std::vector<Val>&) { in.print(show_ss_ltn(in.world())); return Result::ok(0); }
Result r_proc(Interp& in, const std::vector<Val>&) { in.print(show_proc_net_tcp(in.world())); return Result::ok(0); }
Result r_nstat_all(Interp& in, const std::vector<Val>&) { in.print(show_nstat(in.world())); return Result::ok(0); }
Result r_protosw_show(Interp& in, const std::vector<Val>&) { in.print(show_protosw(in.world())); return Result::ok(0); }

const std::vector<CommandSpec> kTable = {
    // ---- system calls ----
    {"socket", "family, type, protocol", "create a socket and get the lowest free fd",
     "__sys_socket -> __sock_create -> inet_create -> sock_map_fd", CmdKind::Syscall, 3, 3, kInts, true, r_socket},
    {"bind", "fd, ADDR:PORT [, addrlen [, family]]", "give a socket its local address and port",
     "__sys_bind -> inet_bind -> __inet_bind -> inet_csk_get_port", CmdKind::Syscall, 2, 4, kFdAddr, true, r_bind},
    {"listen", "fd, backlog", "make a stream socket a listener (backlog clamped to somaxconn)",
     "__sys_listen -> inet_listen -> inet_csk_listen_start", CmdKind::Syscall, 2, 2, kInts, true, r_listen},
    {"connect", "fd, ADDR:PORT [, addrlen [, family]]", "start (or check) a connection; AF_UNSPEC disconnects",
     "__sys_connect -> inet_stream_connect -> tcp_v4_connect", CmdKind::Syscall, 2, 4, kFdAddr, true, r_connect},
    {"accept", "fd", "take a finished connection off the accept queue (may sleep)",
     "__sys_accept4 -> do_accept -> inet_accept -> inet_csk_accept", CmdKind::Syscall, 1, 1, kInts, true, r_accept},
    {"accept4", "fd, flags", "accept with SOCK_NONBLOCK / SOCK_CLOEXEC for the new fd",
     "__sys_accept4 -> do_accept -> inet_csk_accept", CmdKind::Syscall, 2, 2, kInts, true, r_accept4},
    {"close", "fd", "drop a descriptor; the last reference releases the socket",
     "close_fd -> fput -> __fput -> sock_close -> inet_release -> tcp_close", CmdKind::Syscall, 1, 1, kInts, true, r_close},
    {"dup", "fd", "a second descriptor for the same file (f_count + 1)",
     "sys_dup -> alloc_fd -> get_file", CmdKind::Syscall, 1, 1, kInts, true, r_dup},
    {"dup2", "oldfd, newfd", "make newfd refer to oldfd's file", "sys_dup2 -> do_dup2", CmdKind::Syscall, 2, 2, kInts, true, r_dup2},
    {"shutdown", "fd, how", "shut down reading (SHUT_RD), writing (SHUT_WR) or both",
     "__sys_shutdown -> inet_shutdown -> tcp_shutdown / tcp_disconnect", CmdKind::Syscall, 2, 2, kInts, true, r_shutdown},
    {"setsockopt", "fd, level, optname, value [, seconds]", "set an option; SO_LINGER takes onoff, seconds",
     "__sys_setsockopt -> sk_setsockopt", CmdKind::Syscall, 4, 5, kInts, true, r_setsockopt},
    {"getsockopt", "fd, level, optname", "read an option's integer value (SO_ERROR consumes the error)",
     "__sys_getsockopt -> sk_getsockopt", CmdKind::Syscall, 3, 3, kInts, true, r_getsockopt},
    {"fcntl", "fd, cmd [, arg]", "F_GETFL / F_SETFL (O_NONBLOCK), F_GETFD / F_SETFD, F_DUPFD",
     "do_fcntl -> setfl", CmdKind::Syscall, 2, 3, kInts, true, r_fcntl},
    {"sleep", "ms", "let virtual time pass: timers fire, retransmissions happen",
     "run_timer_softirq", CmdKind::Syscall, 1, 1, kInts, true, r_sleep},
    {"fork", "", "a child process sharing every open file", "kernel_clone -> dup_fd", CmdKind::Syscall, 0, 0, kInts, false, r_fork},
    {"thread", "", "a thread sharing the fd table", "kernel_clone (CLONE_FILES)", CmdKind::Syscall, 0, 0, kInts, false, r_thread},
    {"spawn", "[uid [, gid]]", "a new process; uid 0 is root, any other uid has no capabilities",
     "kernel_clone", CmdKind::Kernel, 0, 2, kInts, false, r_spawn},
    {"exit", "", "the task exits; its fd table is closed", "do_exit -> exit_files", CmdKind::Syscall, 0, 0, kInts, false, r_exit},
    {"signal", "pid", "interrupt a sleeping task (its call returns EINTR)", "signal_wake_up", CmdKind::Syscall, 1, 1, kInts, false, r_signal},
    // ---- the in-kernel API ----
    {"kthread_run", "ADDR:PORT [, backlog]", "start the seed-000 kernel-thread server on ADDR:PORT",
     "kthread_run -> sock_create_kern -> kernel_bind -> kernel_listen", CmdKind::Kernel, 1, 2, kAddrInts, false, r_kthread_run},
    {"kthread_stop", "pid", "stop the kernel thread and wait for it", "kthread_stop", CmdKind::Kernel, 1, 1, kInts, false, r_kthread_stop},
    {"sock_create_kern", "family, type, protocol", "a kernel socket: no file, no fd (returns a handle)",
     "sock_create_kern -> __sock_create", CmdKind::Kernel, 3, 3, kInts, false, r_sock_create_kern},
    {"kernel_bind", "sock, ADDR:PORT", "bind a kernel socket", "kernel_bind -> inet_bind", CmdKind::Kernel, 2, 2, kIntAddr, false, r_kernel_bind},
    {"kernel_listen", "sock, backlog", "listen on a kernel socket (no somaxconn clamp)",
     "kernel_listen -> inet_listen", CmdKind::Kernel, 2, 2, kInts, false, r_kernel_listen},
    {"kernel_accept", "sock [, flags]", "accept on a kernel socket (returns a handle)",
     "kernel_accept -> inet_accept", CmdKind::Kernel, 1, 2, kInts, false, r_kernel_accept},
    {"sock_release", "sock", "release a kernel socket", "sock_release -> inet_release", CmdKind::Kernel, 1, 1, kInts, false, r_sock_release},
    {"sock_register", "family [, \"name\"]", "register a protocol family of your own (like seed 001's MY_PF_INET)",
     "sock_register", CmdKind::Kernel, 1, 2, kIntStr, false, r_sock_register},
    {"inet_register_protosw", "family, type, protocol, tcp|udp|raw|ping", "add an inetsw entry to a family",
     "inet_register_protosw", CmdKind::Kernel, 4, 4, kProtosw, false, r_protosw},
    // ---- the network ----
    {"peer", "ADDR:0", "a remote host you drive segment by segment", "", CmdKind::Kernel, 1, 1, kAddrInts, false, r_peer},
    {"peer_syn", "peer, ADDR:PORT", "the peer sends a SYN (a new connection)", "tcp_v4_rcv -> tcp_conn_request",
     CmdKind::Kernel, 2, 3, kIntAddr, false, r_peer_syn},
    {"peer_ack", "peer, ADDR:PORT", "the peer sends an ACK (completes its handshake)", "tcp_v4_rcv -> tcp_check_req",
     CmdKind::Kernel, 2, 3, kIntAddr, false, r_peer_ack},
    {"peer_rst", "peer, ADDR:PORT", "the peer sends a RST", "tcp_v4_rcv", CmdKind::Kernel, 2, 3, kIntAddr, false, r_peer_rst},
    {"peer_fin", "peer, ADDR:PORT", "the peer sends a FIN", "tcp_v4_rcv -> tcp_fin", CmdKind::Kernel, 2, 3, kIntAddr, false, r_peer_fin},
    {"peer_fin_crossing", "peer, ADDR:PORT", "the peer sends a FIN that crosses ours: it does not acknowledge our FIN (a simultaneous close)",
     "tcp_v4_rcv -> tcp_fin", CmdKind::Kernel, 2, 3, kIntAddr, false, r_peer_fin_crossing},
    {"synflood", "ADDR:PORT, count", "count SYNs from count spoofed hosts, never acknowledged",
     "tcp_conn_request -> tcp_syn_flood_action", CmdKind::Kernel, 2, 2, kAddrInts, false, r_synflood},
    // ---- queries (no step) ----
    {"tcp_state", "fd", "the sock's TCP state (TCP_INFO tcpi_state)", "", CmdKind::Query, 1, 1, kInts, true, r_tcp_state},
    {"acceptq", "fd", "a listener's accept-queue length (ss Recv-Q)", "", CmdKind::Query, 1, 1, kInts, true, r_acceptq},
    {"backlog", "fd", "a listener's sk_max_ack_backlog (ss Send-Q)", "", CmdKind::Query, 1, 1, kInts, true, r_backlog},
    {"synq", "fd", "a listener's SYN-queue length (request socks)", "", CmdKind::Query, 1, 1, kInts, false, r_synq},
    {"local_port", "fd", "the bound port (getsockname)", "", CmdKind::Query, 1, 1, kInts, true, r_local_port},
    {"nstat", "Counter", "a TCP counter, e.g. nstat(ListenOverflows)", "", CmdKind::Query, 1, 1, kName, true, r_nstat},
    {"now", "", "virtual time in ms", "", CmdKind::Query, 0, 0, kInts, false, r_now},
    // ---- views ----
    {"show", "", "every task's fd table and the objects behind it", "", CmdKind::Meta, 0, 0, kInts, false, r_show},
    {"ss", "", "listeners as `ss -ltn` shows them", "", CmdKind::Meta, 0, 0, kInts, false, r_ss},
    {"proc_net_tcp", "", "/proc/net/tcp", "", CmdKind::Meta, 0, 0, kInts, false, r_proc},
    {"counters", "", "every counter (nstat -az)", "", CmdKind::Meta, 0, 0, kInts, false, r_nstat_all},
    {"protosw", "", "net_families[] and the inetsw[] lists", "", CmdKind::Meta, 0, 0, kInts, false, r_protosw_show},
};

}  // namespace

const std::vector<CommandSpec>& command_table() { return kTable; }

const CommandSpec* find_command(std::string_view name) {
    for (const CommandSpec& c : kTable)
        if (name == c.name) return &c;
    return nullptr;
}

}  // namespace sockscope::script
