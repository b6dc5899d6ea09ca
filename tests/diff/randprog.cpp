// randprog — seeded random syscall programs for the differential suite.
//
//     randprog --seed S --count N --length L --out DIR [--sysctl NAME=VALUE]...
//              [--avoid TEXT]... [--mask NAME|all]...
//
// Writes N scripts, DIR/rand_<S>_<i>.sock, each L statements long (fewer
// only if the timer guard below ends one early), with no expectations:
// tests/diff/random_diff.sh runs every one through the model (`sockscope
// run`) and through the real kernel (realrun) and compares the printed
// results. The same seed always gives the same files: std::mt19937_64 seeded
// from (S, i) through std::seed_seq, and our own range mapping, never the
// library's distributions. --sysctl gives the generator's model the values
// realrun's namespaces have (random_diff.sh passes the same ones to
// `sockscope run`); --avoid drops every candidate statement containing TEXT;
// --mask leaves out the situations of a known divergence (`randprog --help`
// lists them with their minimal scripts in tests/diff/scenarios/).
//
// The calls are realrun's: socket (mostly AF_INET stream, some datagram and
// raw, odd families, types and protocols for the errors), bind and connect
// (ports 7000-7007 and 0; 127.0.0.1, 0.0.0.0, 127.0.0.2, 192.0.2.1; now and
// then a bad length or family; AF_UNSPEC disconnects), listen, accept and
// accept4, close, dup, dup2, shutdown, setsockopt and getsockopt (SOL_SOCKET
// options), fcntl, short sleeps, the queries tcp_state, acceptq, backlog and
// local_port, and nstat of counters that count events. fds are mostly live
// ones, referred to by the names their calls bound (`s3 = socket(...)`),
// sometimes closed ones, 0, 99 or -1.
//
// Generation is model-guided: each statement is run through the model (a
// History and a script::Interp, print captured) before the next is chosen,
// so the generator knows the fd table, every sock's state and the timers,
// and weights its choices to get past the setup (a listener on a fixed
// port, clients, accepted children, shutdowns and closes). The programs stay
// away from what would make the kernel's answer depend on timing or on chance
// rather than on the rules the model implements:
//
//   - no call that would put the task to sleep: a candidate the model shows
//     asleep (Interp::last_slept) is undone (the world is restored from a
//     copy) and another is drawn; accept on a blocking listener only when
//     its accept queue is not empty;
//   - after a statement that sent segments (a FIN, a RST, a handshake), the
//     next statement other than socket() is preceded by sleep(20): the
//     kernel acknowledges a FIN with a delayed ACK a few ms later, where the
//     model acknowledges at once, and loopback softirq work may be deferred;
//   - no statement runs near a timer's expiry (a SYN retransmission at 1 s):
//     the kernel's clock runs a little ahead of the model's virtual one and
//     its timer wheel fires a little late, so a sleep that would land within
//     kDriftMs before or kSlackMs after a pending timer is not generated (a
//     settling sleep that cannot be placed ends the program early);
//   - no local_port query of a port the socket got by autobind (the kernel
//     randomises ephemeral ports, and keeps showing one in getsockname after
//     it is released), no connect to an autobound listener, no connect to a
//     port with two or more listeners (SO_REUSEPORT picks one by a hash of
//     the random source port), and no connect from a bound port that has a
//     TIME_WAIT sock (tcp_twsk_unique's reuse depends on the clock);
//   - no IPPROTO_MPTCP (exists only with CONFIG_MPTCP) and no protocol whose
//     module the kernel would try to load (SCTP);
//   - fds 1 and 2 are never closed or replaced (realrun prints on 1), and
//     fcntl is never used on a non-socket (fd 0 is a terminal in the model,
//     /dev/null in realrun).
//
// Every finished program is re-run from scratch through a fresh model and
// must neither block nor be rejected; the generator stops with an error if
// one does (that would be a generator bug).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "history.h"
#include "inspect.h"
#include "script/interp.h"
#include "script/parser.h"

namespace sockscope {
namespace {

using script::Interp;

constexpr int64_t kSettleMs = 20;   // the sleep after a statement that sent segments
constexpr int64_t kDriftMs = 100;   // how far the kernel's clock may run ahead
constexpr int64_t kSlackMs = 100;   // how late the kernel's timers may fire
constexpr int kEphemeralLow = 32768;
constexpr int kFirstPort = 7000, kPorts = 8;  // 7000-7007

// ---------------------------------------------------------------- random

class Rng {
public:
    Rng(uint64_t seed, uint64_t index) {
        std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                          static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32)};
        g_.seed(seq);
    }
    // 0 .. n-1 (n > 0); a plain modulo, identical on every library.
    int below(int n) { return static_cast<int>(g_() % static_cast<uint64_t>(n)); }
    bool chance(int percent) { return below(100) < percent; }
    template <class T>
    const T& pick(const std::vector<T>& v) { return v[static_cast<size_t>(below(static_cast<int>(v.size())))]; }
    // An index drawn with the given weights (some weight > 0).
    int weighted(const std::vector<int>& w) {
        int total = 0;
        for (int x : w) total += x;
        int r = below(total);
        for (size_t i = 0; i < w.size(); ++i) {
            if (r < w[i]) return static_cast<int>(i);
            r -= w[i];
        }
        return static_cast<int>(w.size()) - 1;
    }

private:
    std::mt19937_64 g_;
};

// ---------------------------------------------------------------- what an fd is

enum class Kind { NotSock, Tcp, Udp, Raw, Packet, Other };

struct FdInfo {
    int fd = -1;
    Kind kind = Kind::NotSock;
    const Sock* sk = nullptr;  // null for non-sockets
    bool nonblock = false;
    bool tcp() const { return kind == Kind::Tcp; }
    bool inet() const { return kind == Kind::Tcp || kind == Kind::Udp || kind == Kind::Raw; }
    int state() const { return sk ? sk->sk_state : 0; }
    bool listening() const { return tcp() && sk->sk_state == TCP_LISTEN; }
    uint16_t port() const { return sk ? sk->inet_num : 0; }
};

enum class Act {
    Socket, Bind, Listen, Connect, Accept, Close, Dup, Dup2, Shutdown, Setsockopt,
    Getsockopt, Fcntl, Sleep, TcpState, Acceptq, Backlog, LocalPort, Nstat, Count
};

std::string addr_text(uint32_t a, int port) {
    return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
           std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255) + ":" + std::to_string(port);
}

// ---------------------------------------------------------------- masks

// Divergences this generator found, each minimised into a script: fixed
// ones live on as differential scenarios (tests/diff/scenarios/NN_*.sock),
// open ones in tests/diff/found/. By default every program may run into
// them; `--mask NAME` (or `--mask all`) leaves out the situations that
// showed one, to look past a new divergence while it is being fixed.
struct Mask {
    const char* name;
    const char* found;   // the minimal script
    const char* what;
};
constexpr Mask kMasks[] = {
    {"udplite", "84", "no socket(..., IPPROTO_UDPLITE)"},
    {"packet-level", "85", "no setsockopt at a level other than SOL_SOCKET on a SOCK_PACKET socket"},
    {"acceptq-nonlisten", "86", "acceptq() only on listeners"},
    {"shut-close", "87", "no shutdown() of an unconnected TCP socket"},
    {"child-close", "88", "no bind/listen/connect/local_port involving an accepted socket in CLOSE or its port"},
    {"currestab", "90", "no nstat(CurrEstab)"},
    {"reuseport-toggle", "91", "no SO_REUSEPORT change on a socket that has a port"},
    {"self-connect", "92", "no connect() of a socket to its own address"},
    {"tw-syn", "93", "no connect() whose 4-tuple is a TIME_WAIT's"},
};
std::set<std::string> g_masks;
bool masked(const char* m) { return g_masks.count(m) > 0; }

constexpr uint32_t kLo1 = 0x7f000001, kLo2 = 0x7f000002, kAny = 0, kTestNet = 0xc0000201;

// ---------------------------------------------------------------- the generator

class Gen {
public:
    Gen(uint64_t seed, uint64_t index, const World& start, const std::vector<std::string>& avoid)
        : r_(seed, index), start_(start), avoid_(avoid) {
        restore(start_, {});
        udp_heavy_ = r_.chance(15);
    }

    std::vector<std::string> generate(int length);
    int truncated = 0;    // programs ended early (the timer guard, or nothing fit)
    int rejected = 0;     // candidates undone because the task slept

private:
    Rng r_;
    const World& start_;
    const std::vector<std::string>& avoid_;
    std::unique_ptr<History> h_;
    std::unique_ptr<Interp> in_;
    std::string captured_;
    std::vector<std::string> lines_;
    std::map<int, std::string> names_;   // fd -> a name bound to it
    std::set<int> used_fds_;             // every fd ever handed out
    int next_name_ = 1;
    bool unsettled_ = false;
    std::set<uint32_t> children_;        // socks accept() returned (for --mask child-close)
    bool udp_heavy_ = false;             // this program's sockets are mostly UDP and raw

    World& w() { return h_->live().k.w; }
    TaskId task() { return in_->main_task(); }

    void restore(const World& world, const std::map<std::string, int64_t>& vars) {
        in_.reset();
        h_ = std::make_unique<History>(world);
        in_ = std::make_unique<Interp>(*h_);
        in_->vars = vars;
        in_->print = [this](const std::string& s) { captured_ += s; };
    }

    // ---- reading the model ----
    std::vector<FdInfo> fds();
    std::optional<FdInfo> info(int fd) {
        for (const FdInfo& f : fds())
            if (f.fd == fd) return f;
        return std::nullopt;
    }
    std::string ref(int fd) {
        auto it = names_.find(fd);
        return it != names_.end() ? it->second : std::to_string(fd);
    }
    int listeners_on(int port);
    bool closed_child_port(int port) {
        bool r = false;
        for (uint32_t id : children_) {
            const Sock& s = w().socks[SockId(id)];
            r = r || (s.sk_state == TCP_CLOSE && s.inet_num == port && port != 0);
        }
        return r;
    }
    bool closed_child_fd(int fd) {
        auto i = info(fd);
        if (!i || !i->sk) return false;
        bool r = false;
        for (uint32_t id : children_) r = r || (&w().socks[SockId(id)] == i->sk && i->sk->sk_state == TCP_CLOSE);
        return r;
    }
    bool timewait_on(int port);
    bool time_ok(int64_t at);

    // ---- choosing ----
    Act choose_act(const std::vector<FdInfo>& f);
    int pick_fd(const std::vector<FdInfo>& f, bool (*prefer)(const FdInfo&), int prefer_pct,
                bool sockets_only = false);
    std::string bind_name(const char* prefix) { return prefix + std::to_string(next_name_++); }
    std::optional<std::string> propose(Act a);
    std::optional<std::string> p_socket();
    std::optional<std::string> p_bind(const std::vector<FdInfo>& f);
    std::optional<std::string> p_listen(const std::vector<FdInfo>& f);
    std::optional<std::string> p_connect(const std::vector<FdInfo>& f);
    std::optional<std::string> p_accept(const std::vector<FdInfo>& f);
    std::optional<std::string> p_close(const std::vector<FdInfo>& f);
    std::optional<std::string> p_dup(const std::vector<FdInfo>& f);
    std::optional<std::string> p_dup2(const std::vector<FdInfo>& f);
    std::optional<std::string> p_shutdown(const std::vector<FdInfo>& f);
    std::optional<std::string> p_setsockopt(const std::vector<FdInfo>& f);
    std::optional<std::string> p_getsockopt(const std::vector<FdInfo>& f);
    std::optional<std::string> p_fcntl(const std::vector<FdInfo>& f);
    std::optional<std::string> p_sleep();
    std::optional<std::string> p_nstat();
    std::optional<std::string> p_query(Act a, const std::vector<FdInfo>& f);

    // ---- running ----
    enum class Ran { Ok, Slept };
    Ran run(const std::string& text);
};

std::vector<FdInfo> Gen::fds() {
    std::vector<FdInfo> out;
    World& world = w();
    const Task& t = world.tasks[task()];
    const FilesStruct& fs = world.files_structs[t.files];
    for (size_t fd = 0; fd < fs.fd.size(); ++fd) {
        if (!fs.fd[fd]) continue;
        FdInfo i;
        i.fd = static_cast<int>(fd);
        const File& file = world.files[fs.fd[fd]];
        i.nonblock = (file.f_flags & O_NONBLOCK) != 0;
        if (file.f_op == FileOps::socket_file_ops) {
            const Socket& so = world.sockets[file.private_data];
            if (so.sk) {
                i.sk = &world.socks[so.sk];
                switch (i.sk->sk_prot) {
                case ProtKind::tcp_prot: i.kind = Kind::Tcp; break;
                case ProtKind::udp_prot: i.kind = Kind::Udp; break;
                case ProtKind::raw_prot: i.kind = Kind::Raw; break;
                case ProtKind::packet_prot: i.kind = Kind::Packet; break;
                default: i.kind = Kind::Other; break;
                }
            } else {
                i.kind = Kind::Other;
            }
        }
        out.push_back(i);
    }
    return out;
}

int Gen::listeners_on(int port) {
    int n = 0;
    w().socks.each([&](SockId, const Sock& s) {
        if (s.sk_prot == ProtKind::tcp_prot && s.sk_state == TCP_LISTEN && s.inet_num == port) ++n;
    });
    return n;
}

bool Gen::timewait_on(int port) {
    bool found = false;
    w().tws.each([&](TwId, const TimewaitSock& tw) { found = found || tw.tw_num == port; });
    return found;
}

// Whether a statement may run at virtual time `at`: outside every pending
// timer's window [expires - kDriftMs, expires + kSlackMs).
bool Gen::time_ok(int64_t at) {
    for (const auto& [expires, seq, id] : w().timer_queue)
        if (at >= expires - kDriftMs && at < expires + kSlackMs) return false;
    return true;
}

Gen::Ran Gen::run(const std::string& text) {
    World saved = w();
    auto saved_vars = in_->vars;
    auto saved_names = names_;
    auto parsed = script::parse_line(text, static_cast<int>(lines_.size()) + 1);
    if (auto* e = std::get_if<script::ParseError>(&parsed)) {
        std::fprintf(stderr, "randprog: internal error: cannot parse '%s': %s\n", text.c_str(),
                     e->message.c_str());
        std::exit(2);
    }
    const script::Line& line = std::get<script::Line>(parsed);
    int64_t segs = w().mib[static_cast<size_t>(Mib::OutSegs)];
    captured_.clear();
    if (!in_->run_line(line, "randprog")) {
        std::fprintf(stderr, "randprog: internal error: the model rejects '%s': %s", text.c_str(),
                     captured_.c_str());
        std::exit(2);
    }
    if (in_->last_slept) {
        restore(saved, saved_vars);
        names_ = saved_names;
        ++rejected;
        return Ran::Slept;
    }
    if (w().mib[static_cast<size_t>(Mib::OutSegs)] != segs) unsettled_ = true;
    lines_.push_back(text);
    // Names follow the fd table: a name whose fd closed is forgotten, and a
    // call that returned an fd under a name binds it.
    const auto* st = std::get_if<script::Statement>(&line);
    std::set<int> open;
    for (const FdInfo& f : fds()) open.insert(f.fd);
    for (auto it = names_.begin(); it != names_.end();)
        it = open.count(it->first) ? std::next(it) : names_.erase(it);
    if (st && !st->bind.empty() && in_->last_result.err == 0) {
        int fd = static_cast<int>(in_->last_result.value);
        names_[fd] = st->bind;
        used_fds_.insert(fd);
        if (st->call == "accept" || st->call == "accept4")
            if (auto i = info(fd); i && i->sk) {
                w().socks.each([&](SockId id, const Sock& s) { if (&s == i->sk) children_.insert(id.v); });
            }
    }
    for (auto it = children_.begin(); it != children_.end();)
        it = w().socks.contains(SockId(*it)) ? std::next(it) : children_.erase(it);
    return Ran::Ok;
}

// ---------------------------------------------------------------- choices

// The weights follow the state, so that programs get past the setup: a
// listener on a fixed port, clients connecting to it, accepted children,
// connections being shut down and closed.
Act Gen::choose_act(const std::vector<FdInfo>& f) {
    int socks = 0, listeners = 0, queued = 0, fresh = 0, unbound = 0, bound_idle = 0, conns = 0;
    for (const FdInfo& i : f) {
        if (i.kind == Kind::NotSock) continue;
        ++socks;
        if (!i.tcp()) continue;
        if (i.listening()) {
            ++listeners;
            if (i.sk->sk_ack_backlog > 0) ++queued;
        } else if (i.state() == TCP_CLOSE) {
            ++fresh;
            if (i.port() == 0) ++unbound;
            else if (i.port() < kEphemeralLow) ++bound_idle;
        } else {
            ++conns;
        }
    }
    std::vector<int> wt(static_cast<size_t>(Act::Count), 0);
    auto set = [&](Act a, int v) { wt[static_cast<size_t>(a)] = v; };
    int sock_w = socks == 0 ? 100 : socks < 3 ? 10 : socks < 5 ? 6 : socks < 7 ? 3 : 1;
    if (listeners > 0 && fresh == 0 && socks < 7) sock_w += 14;
    set(Act::Socket, sock_w);
    set(Act::Bind, 5 + (unbound > 0 && listeners == 0 ? 12 : unbound > 0 ? 4 : 0));
    set(Act::Listen, 3 + (bound_idle > 0 && listeners == 0 ? 14 : bound_idle > 0 ? 4 : 0));
    set(Act::Connect, 5 + (listeners > 0 && fresh > 0 ? 16 : 0));
    set(Act::Accept, 2 + (queued > 0 ? 14 : 0));
    set(Act::Close, 4 + (socks > 5 ? 10 : 0) + (conns > 0 ? 4 : 0));
    set(Act::Dup, 2);
    set(Act::Dup2, 2);
    set(Act::Shutdown, 2 + (conns > 0 ? 5 : 0));
    set(Act::Setsockopt, 6);
    set(Act::Getsockopt, 6);
    set(Act::Fcntl, 3);
    set(Act::Sleep, 1);
    set(Act::TcpState, 5 + (conns > 0 ? 6 : 0));
    set(Act::Acceptq, 2 + (listeners > 0 ? 2 : 0));
    set(Act::Backlog, 2);
    set(Act::LocalPort, 3);
    set(Act::Nstat, 2);
    return static_cast<Act>(r_.weighted(wt));
}

// A live socket fd, preferring those `prefer` likes (prefer_pct of the
// time when there are any); now and then a bad fd: a closed one, a
// non-socket, 99 or -1 (never when sockets_only). -1000 = nothing to pick.
int Gen::pick_fd(const std::vector<FdInfo>& f, bool (*prefer)(const FdInfo&), int prefer_pct,
                 bool sockets_only) {
    if (!sockets_only && r_.chance(7)) {
        std::vector<int> bad{99, -1};
        for (int fd : used_fds_) {
            bool open = false;
            for (const FdInfo& i : f) open = open || i.fd == fd;
            if (!open) bad.push_back(fd);
        }
        for (const FdInfo& i : f)
            if (i.kind == Kind::NotSock && i.fd != 1 && i.fd != 2) bad.push_back(i.fd);
        return r_.pick(bad);
    }
    std::vector<int> all, liked;
    for (const FdInfo& i : f) {
        if (i.kind == Kind::NotSock) continue;
        all.push_back(i.fd);
        if (prefer && prefer(i)) liked.push_back(i.fd);
    }
    if (!liked.empty() && r_.chance(prefer_pct)) return r_.pick(liked);
    if (all.empty()) return -1000;
    return r_.pick(all);
}

std::optional<std::string> Gen::propose(Act a) {
    std::vector<FdInfo> f = fds();
    switch (a) {
    case Act::Socket: return p_socket();
    case Act::Bind: return p_bind(f);
    case Act::Listen: return p_listen(f);
    case Act::Connect: return p_connect(f);
    case Act::Accept: return p_accept(f);
    case Act::Close: return p_close(f);
    case Act::Dup: return p_dup(f);
    case Act::Dup2: return p_dup2(f);
    case Act::Shutdown: return p_shutdown(f);
    case Act::Setsockopt: return p_setsockopt(f);
    case Act::Getsockopt: return p_getsockopt(f);
    case Act::Fcntl: return p_fcntl(f);
    case Act::Sleep: return p_sleep();
    case Act::Nstat: return p_nstat();
    default: return p_query(a, f);
    }
}

std::optional<std::string> Gen::p_socket() {
    std::string name = bind_name("s");
    int c = r_.below(100);
    if (udp_heavy_ && c < 50) c = 74 + r_.below(15);
    std::string args;
    if (c < 74) {
        std::string type = "SOCK_STREAM";
        if (r_.chance(22)) type += "|SOCK_NONBLOCK";
        if (r_.chance(6)) type += "|SOCK_CLOEXEC";
        args = "AF_INET, " + type + (r_.chance(12) ? ", IPPROTO_TCP" : ", 0");
    } else if (c < 85) {
        std::string type = r_.chance(15) ? "SOCK_DGRAM|SOCK_NONBLOCK" : "SOCK_DGRAM";
        args = "AF_INET, " + type + (r_.chance(20) ? ", IPPROTO_UDP" : ", 0");
    } else if (c < 88) {
        static const std::vector<std::string> raw{"IPPROTO_TCP", "IPPROTO_ICMP", "IPPROTO_RAW",
                                                  "IPPROTO_UDP", "0"};
        args = "AF_INET, SOCK_RAW, " + r_.pick(raw);
    } else if (c < 89) {
        args = "AF_INET, SOCK_PACKET, 0";
    } else {
        static const std::vector<std::string> odd{
            "AF_INET, SOCK_SEQPACKET, 0", "AF_INET, SOCK_STREAM, IPPROTO_UDP",
            "AF_INET, SOCK_DGRAM, IPPROTO_TCP", "AF_INET, SOCK_DGRAM, IPPROTO_ICMP",
            "AF_INET, SOCK_STREAM, IPPROTO_ICMP", "AF_INET, 0, 0", "AF_INET, 11, 0",
            "AF_INET, -1, 0", "AF_INET, SOCK_STREAM|0x40, 0", "AF_INET, SOCK_STREAM, -1",
            "AF_INET, SOCK_STREAM, 300", "AF_INET, SOCK_RDM, 0", "AF_INET, SOCK_DCCP, 0",
            "AF_UNSPEC, SOCK_STREAM, 0", "-1, SOCK_STREAM, 0", "46, SOCK_STREAM, 0",
            "AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE", "AF_INET, SOCK_STREAM, IPPROTO_UDPLITE",
            "AF_INET, SOCK_RAW, 300"};
        args = r_.pick(odd);
        if (masked("udplite") && args.find("UDPLITE") != std::string::npos) return std::nullopt;
    }
    return name + " = socket(" + args + ")";
}

uint32_t pick_bind_addr(Rng& r) {
    int c = r.below(100);
    if (c < 50) return kLo1;
    if (c < 80) return kAny;
    if (c < 94) return kLo2;
    return kTestNet;
}

int pick_port(Rng& r, int zero_pct) {
    if (r.chance(zero_pct)) return 0;
    return kFirstPort + (r.chance(75) ? r.below(4) : 4 + r.below(kPorts - 4));
}

std::optional<std::string> Gen::p_bind(const std::vector<FdInfo>& f) {
    int fd = udp_heavy_ ? pick_fd(f, [](const FdInfo& i) { return i.inet() && i.port() == 0; }, 85)
                                 : pick_fd(f, [](const FdInfo& i) { return i.tcp() && i.port() == 0; }, 85);
    if (fd == -1000) return std::nullopt;
    if (auto i = info(fd); i && i->kind == Kind::Packet) return std::nullopt;
    int bport = pick_port(r_, 8);
    if (masked("child-close") && (closed_child_port(bport) || closed_child_fd(fd))) return std::nullopt;
    std::string text = "bind(" + ref(fd) + ", " + addr_text(pick_bind_addr(r_), bport);
    if (r_.chance(8)) {
        static const std::vector<std::string> bad{", 0", ", 8", ", 15", ", 17", ", 128", ", -1",
                                                  ", 16, AF_INET6", ", 16, AF_UNSPEC", ", 16, AF_UNIX"};
        text += r_.pick(bad);
    }
    return text + ")";
}

std::optional<std::string> Gen::p_listen(const std::vector<FdInfo>& f) {
    int fd = pick_fd(f, [](const FdInfo& i) {
        return i.tcp() && i.state() == TCP_CLOSE && i.port() != 0;
    }, 85);
    if (fd == -1000) return std::nullopt;
    if (masked("child-close")) if (auto i = info(fd); i && i->sk && closed_child_port(i->port())) return std::nullopt;
    static const std::vector<int> backlogs{-1, 0, 1, 1, 2, 2, 5, 5, 5};
    static const std::vector<int> odd{128, 4096, 4097, 65536, -2};
    int b = r_.chance(5) ? r_.pick(odd) : r_.pick(backlogs);
    return "listen(" + ref(fd) + ", " + std::to_string(b) + ")";
}

std::optional<std::string> Gen::p_connect(const std::vector<FdInfo>& f) {
    int fd = pick_fd(f, [](const FdInfo& i) {
        return i.tcp() && i.state() == TCP_CLOSE;
    }, 85);
    if (fd == -1000) return std::nullopt;
    auto i = info(fd);
    if (i && i->kind == Kind::Packet) return std::nullopt;
    // From a fixed port that a TIME_WAIT sock holds: whether the kernel may
    // reuse that 4-tuple depends on the clock (tcp_twsk_unique).
    if (i && i->tcp() && i->port() != 0 && i->port() < kEphemeralLow && timewait_on(i->port()))
        return std::nullopt;
    if (masked("child-close") && closed_child_fd(fd)) return std::nullopt;
    std::string text = "connect(" + ref(fd) + ", ";
    int c = r_.below(100);
    if (c < 6) return text + "0.0.0.0:0, 16, AF_UNSPEC)";
    uint32_t addr = kLo1;
    int port = -1;
    std::string tail = ")";
    if (c < 8) {
        // A bad address length or family; 128 is a valid length.
        static const std::vector<std::string> bad{", 8)", ", 0)", ", 16, AF_INET6)", ", 16, AF_UNIX)",
                                                  ", 128)"};
        tail = r_.pick(bad);
        port = kFirstPort;
    } else if (c < 11) {
        addr = kTestNet;
        port = pick_port(r_, 0);
    } else if (c < 80) {
        // An existing listener on a fixed port.
        std::vector<std::pair<uint32_t, int>> targets;
        w().socks.each([&](SockId, const Sock& s) {
            if (s.sk_prot == ProtKind::tcp_prot && s.sk_state == TCP_LISTEN && s.inet_num != 0 &&
                s.inet_num < kEphemeralLow)
                targets.push_back({s.inet_rcv_saddr, s.inet_num});
        });
        if (!targets.empty()) {
            auto [a, p] = r_.pick(targets);
            port = p;
            if (a == kAny) {
                int k = r_.below(100);
                addr = k < 75 ? kLo1 : k < 95 ? kLo2 : kAny;
            } else {
                addr = a;
            }
        }
    }
    if (port < 0) {
        port = pick_port(r_, 0);
        addr = r_.chance(80) ? kLo1 : kLo2;
    }
    // SO_REUSEPORT listeners share a port and the kernel picks one by a hash
    // of the (random) source port.
    if (listeners_on(port) >= 2) return std::nullopt;
    if (masked("tw-syn") && i && i->sk && i->port() != 0) {
        bool hit = false;
        w().tws.each([&](TwId, const TimewaitSock& tw) { hit = hit || (tw.tw_dport == i->port() && tw.tw_num == port); });
        if (hit) return std::nullopt;
    }
    if (masked("self-connect") && i && i->sk && i->port() == port &&
        (addr == kAny || i->sk->inet_rcv_saddr == kAny || i->sk->inet_rcv_saddr == addr))
        return std::nullopt;
    return text + addr_text(addr, port) + tail;
}

std::optional<std::string> Gen::p_accept(const std::vector<FdInfo>& f) {
    int fd = pick_fd(f, [](const FdInfo& i) {
        return i.listening() && (i.sk->sk_ack_backlog > 0 || i.nonblock);
    }, 90);
    if (fd == -1000) return std::nullopt;
    auto i = info(fd);
    // A blocking accept on an empty queue sleeps: not here.
    if (i && i->listening() && !i->nonblock && i->sk->sk_ack_backlog == 0) return std::nullopt;
    std::string name = bind_name("a");
    if (r_.chance(30)) {
        static const std::vector<std::string> flags{"0", "SOCK_NONBLOCK", "SOCK_CLOEXEC",
                                                    "SOCK_NONBLOCK|SOCK_CLOEXEC", "1"};
        return name + " = accept4(" + ref(fd) + ", " + r_.pick(flags) + ")";
    }
    return name + " = accept(" + ref(fd) + ")";
}

std::optional<std::string> Gen::p_close(const std::vector<FdInfo>& f) {
    int fd = pick_fd(f, [](const FdInfo& i) {
        return i.tcp() && i.state() != TCP_CLOSE && i.state() != TCP_LISTEN;
    }, 45);
    if (fd == -1000 || fd == 1 || fd == 2) return std::nullopt;
    return "close(" + ref(fd) + ")";
}

std::optional<std::string> Gen::p_dup(const std::vector<FdInfo>& f) {
    int fd = pick_fd(f, nullptr, 0);
    if (fd == -1000) return std::nullopt;
    return bind_name("d") + " = dup(" + ref(fd) + ")";
}

std::optional<std::string> Gen::p_dup2(const std::vector<FdInfo>& f) {
    int fd = pick_fd(f, nullptr, 0);
    if (fd == -1000) return std::nullopt;
    int c = r_.below(100);
    int target;
    if (c < 35) {
        int t = pick_fd(f, nullptr, 0, true);
        target = t == -1000 ? 10 : t;
    } else if (c < 55) {
        target = 10;
    } else if (c < 65) {
        target = 20;
    } else if (c < 75) {
        target = fd;
    } else if (c < 82) {
        target = 1023;
    } else if (c < 89) {
        target = 1024;
    } else if (c < 95) {
        target = -1;
    } else {
        target = 0;
    }
    if (target == 1 || target == 2) return std::nullopt;
    std::string newref = names_.count(target) ? names_[target] : std::to_string(target);
    return bind_name("d") + " = dup2(" + ref(fd) + ", " + newref + ")";
}

std::optional<std::string> Gen::p_shutdown(const std::vector<FdInfo>& f) {
    int fd = pick_fd(f, [](const FdInfo& i) {
        return i.tcp() && i.state() != TCP_CLOSE && (i.state() != TCP_LISTEN || i.sk->sk_ack_backlog > 0);
    }, 85);
    if (fd == -1000) return std::nullopt;
    if (masked("shut-close")) if (auto i = info(fd); i && i->tcp() && i->state() == TCP_CLOSE) return std::nullopt;
    static const std::vector<std::string> how{"SHUT_RD", "SHUT_WR", "SHUT_WR", "SHUT_RDWR",
                                              "SHUT_RDWR", "3", "-1"};
    return "shutdown(" + ref(fd) + ", " + r_.pick(how) + ")";
}

std::optional<std::string> Gen::p_setsockopt(const std::vector<FdInfo>& f) {
    int fd = pick_fd(f, [](const FdInfo& i) {
        return i.tcp() && (i.state() == TCP_CLOSE || i.state() == TCP_ESTABLISHED);
    }, 60);
    if (fd == -1000) return std::nullopt;
    std::string s = "setsockopt(" + ref(fd) + ", ";
    int c = r_.below(100);
    if (c < 30) return s + "SOL_SOCKET, SO_REUSEADDR, " + (r_.chance(75) ? "1" : r_.chance(50) ? "0" : "5") + ")";
    if (c < 52) {
        if (masked("reuseport-toggle")) if (auto i = info(fd); i && i->sk && i->port() != 0) return std::nullopt;
        return s + "SOL_SOCKET, SO_REUSEPORT, " + (r_.chance(80) ? "1" : "0") + ")";
    }
    if (c < 72) return s + "SOL_SOCKET, SO_LINGER, " + (r_.chance(65) ? "1" : "0") + (r_.chance(8) ? ", 1)" : ", 0)");
    if (c < 88) return s + "SOL_SOCKET, SO_KEEPALIVE, " + (r_.chance(70) ? "1" : "0") + ")";
    if (c < 92) return s + "SOL_SOCKET, SO_TYPE, 1)";
    if (c < 96) return s + "SOL_SOCKET, 9999, 1)";
    if (masked("packet-level")) if (auto i = info(fd); i && i->kind == Kind::Packet) return std::nullopt;
    return s + "9999, SO_REUSEADDR, 1)";
}

std::optional<std::string> Gen::p_getsockopt(const std::vector<FdInfo>& f) {
    int fd = pick_fd(f, nullptr, 0);
    if (fd == -1000) return std::nullopt;
    static const std::vector<std::string> opts{
        "SO_ERROR", "SO_ERROR", "SO_ERROR", "SO_ERROR", "SO_TYPE", "SO_ACCEPTCONN",
        "SO_ACCEPTCONN", "SO_REUSEADDR", "SO_REUSEPORT", "SO_KEEPALIVE", "SO_LINGER",
        "SO_PROTOCOL", "SO_DOMAIN"};
    std::string opt = r_.chance(3) ? "9999" : r_.pick(opts);
    return "getsockopt(" + ref(fd) + ", SOL_SOCKET, " + opt + ")";
}

std::optional<std::string> Gen::p_fcntl(const std::vector<FdInfo>& f) {
    int fd = pick_fd(f, nullptr, 0);
    if (fd == -1000) return std::nullopt;
    // fd 0 and other non-sockets: a terminal in the model, /dev/null in realrun.
    if (auto i = info(fd); i && i->kind == Kind::NotSock) return std::nullopt;
    int c = r_.below(100);
    std::string s = "fcntl(" + ref(fd) + ", ";
    if (c < 35) return s + "F_GETFL)";
    if (c < 62) return s + "F_SETFL, O_NONBLOCK)";
    if (c < 78) return s + "F_SETFL, 0)";
    if (c < 85) return s + "F_GETFD)";
    if (c < 90) return s + "F_SETFD, FD_CLOEXEC)";
    if (c < 97) return bind_name("d") + " = " + s + "F_DUPFD, " + (r_.chance(80) ? "10" : "1024") + ")";
    return s + "F_SETFL, O_NONBLOCK|O_RDONLY)";
}

std::optional<std::string> Gen::p_sleep() {
    static const std::vector<int> ms{0, 1, 5, 10, 20, 30, 50};
    int v = r_.pick(ms);
    if (!time_ok(w().now + v)) return std::nullopt;
    return "sleep(" + std::to_string(v) + ")";
}

// Counters that count events, not segments: how many segments carry an
// ACK depends on the kernel's delayed ACKs, which the model leaves out.
std::optional<std::string> Gen::p_nstat() {
    static const std::vector<std::string> counters{
        "ActiveOpens", "PassiveOpens", "AttemptFails", "EstabResets", "CurrEstab", "OutRsts",
        "ListenOverflows", "ListenDrops", "TCPAbortOnClose", "TCPAbortOnData", "TCPAbortOnLinger",
        "SyncookiesSent", "SyncookiesRecv", "TCPReqQFullDoCookies"};
    std::string c = r_.pick(counters);
    if (masked("currestab") && c == "CurrEstab") return std::nullopt;
    return "nstat(" + c + ")";
}

std::optional<std::string> Gen::p_query(Act a, const std::vector<FdInfo>& f) {
    int fd;
    if (a == Act::Acceptq || a == Act::Backlog)
        fd = pick_fd(f, [](const FdInfo& i) { return i.listening(); }, 75);
    else if (a == Act::TcpState && r_.chance(70))
        fd = pick_fd(f, [](const FdInfo& i) {
            return i.tcp() && i.state() != TCP_CLOSE && i.state() != TCP_LISTEN;
        }, 85);
    else
        fd = pick_fd(f, [](const FdInfo& i) { return i.tcp(); }, 70);
    if (fd == -1000) return std::nullopt;
    auto i = info(fd);
    if (i && i->kind == Kind::Packet) return std::nullopt;
    if (masked("acceptq-nonlisten") && a == Act::Acceptq && !(i && i->listening())) return std::nullopt;
    if (masked("child-close") && a == Act::LocalPort && closed_child_fd(fd)) return std::nullopt;
    switch (a) {
    case Act::TcpState: return "tcp_state(" + ref(fd) + ")";
    case Act::Acceptq: return "acceptq(" + ref(fd) + ")";
    case Act::Backlog: return "backlog(" + ref(fd) + ")";
    default: {
        // Only ports that are not the kernel's random choice (nor a ping
        // socket's identifier, which the kernel picks at random too).
        if (i && i->kind == Kind::Other) return std::nullopt;
        int64_t port = query_local_port(w(), task(), fd);
        if (port >= kEphemeralLow) return std::nullopt;
        return "local_port(" + ref(fd) + ")";
    }
    }
}

// ---------------------------------------------------------------- a program

std::vector<std::string> Gen::generate(int length) {
    int misses = 0;
    while (static_cast<int>(lines_.size()) < length) {
        if (misses > 500) {        // nothing fits any more
            ++truncated;
            break;
        }
        if (!time_ok(w().now)) {   // a timer armed close by: stop here
            ++truncated;
            break;
        }
        Act a = choose_act(fds());
        // socket() observes nothing another socket does; everything else
        // waits until the segments just sent have settled.
        if (unsettled_ && a != Act::Socket) {
            if (!time_ok(w().now + kSettleMs)) {
                ++truncated;
                break;
            }
            unsettled_ = false;  // (run() sets it again if a timer sends something)
            run("sleep(" + std::to_string(kSettleMs) + ")");
            if (static_cast<int>(lines_.size()) >= length) break;
            continue;  // choose again in the settled world
        }
        std::optional<std::string> text = propose(a);
        for (const std::string& word : avoid_)
            if (text && text->find(word) != std::string::npos) text.reset();
        if (!text) {
            ++misses;
            continue;
        }
        if (run(*text) == Ran::Slept) ++misses;
    }
    return lines_;
}

// Runs a finished program from scratch: true if no statement blocked and
// the model accepted every line.
bool verify(const World& boot, const std::vector<std::string>& lines, std::string* why) {
    History h(boot);
    Interp in(h);
    std::string out;
    in.print = [&](const std::string& s) { out += s; };
    for (size_t i = 0; i < lines.size(); ++i) {
        auto parsed = script::parse_line(lines[i], static_cast<int>(i) + 1);
        if (std::holds_alternative<script::ParseError>(parsed)) {
            *why = "line " + std::to_string(i + 1) + " does not parse";
            return false;
        }
        out.clear();
        if (!in.run_line(std::get<script::Line>(parsed), "verify")) {
            *why = "line " + std::to_string(i + 1) + ": " + out;
            return false;
        }
        if (in.last_slept) {
            *why = "line " + std::to_string(i + 1) + " blocks: " + lines[i];
            return false;
        }
    }
    return true;
}

void usage() {
    std::fprintf(stderr,
                 "usage: randprog --seed S --count N --length L --out DIR [--sysctl NAME=VALUE]...\n"
                 "                [--avoid TEXT]... [--mask NAME|all]...\n"
                 "masks (divergences found, now tests/diff/scenarios/NN_*.sock):\n");
    for (const Mask& m : kMasks) std::fprintf(stderr, "  %-18s %s  %s\n", m.name, m.found, m.what);
}

}  // namespace
}  // namespace sockscope

int main(int argc, char** argv) {
    using namespace sockscope;
    uint64_t seed = 0;
    long count = -1, length = -1;
    std::string out;
    std::vector<std::string> sysctls, avoid;
    bool have_seed = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                usage();
                std::exit(2);
            }
            return argv[++i];
        };
        try {
            if (a == "--seed") {
                seed = std::stoull(value());
                have_seed = true;
            } else if (a == "--count") {
                count = std::stol(value());
            } else if (a == "--length") {
                length = std::stol(value());
            } else if (a == "--out") {
                out = value();
            } else if (a == "--sysctl") {
                sysctls.push_back(value());
            } else if (a == "--mask") {
                std::string m = value();
                bool known = m == "all";
                for (const Mask& k : kMasks) {
                    known = known || m == k.name;
                    if (m == "all" || m == k.name) g_masks.insert(k.name);
                }
                if (!known) {
                    std::fprintf(stderr, "randprog: unknown mask '%s'\n", m.c_str());
                    usage();
                    return 2;
                }
            } else if (a == "--avoid") {
                avoid.push_back(value());
            } else if (a == "-h" || a == "--help") {
                usage();
                return 0;
            } else {
                usage();
                return 2;
            }
        } catch (const std::exception&) {
            usage();
            return 2;
        }
    }
    if (!have_seed || count < 0 || length < 1 || out.empty()) {
        usage();
        return 2;
    }
    World boot = make_boot_world();
    for (const std::string& s : sysctls) {
        std::string err;
        if (!script::apply_sysctl_text(boot, s, &err)) {
            std::fprintf(stderr, "randprog: --sysctl %s: %s\n", s.c_str(), err.c_str());
            return 2;
        }
    }
    // The script's process, as `sockscope run` creates it, is part of the
    // starting world every program (and every restored copy) shares.
    History first(boot);
    script::Interp probe(first);
    World start = first.live().k.w;

    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    long statements = 0, truncated = 0, rejected = 0;
    for (long i = 0; i < count; ++i) {
        Gen g(seed, static_cast<uint64_t>(i), start, avoid);
        std::vector<std::string> lines = g.generate(static_cast<int>(length));
        std::string why;
        if (!verify(boot, lines, &why)) {
            std::fprintf(stderr, "randprog: internal error: program %ld of seed %llu: %s\n", i,
                         static_cast<unsigned long long>(seed), why.c_str());
            return 2;
        }
        std::string path = out + "/rand_" + std::to_string(seed) + "_" + std::to_string(i) + ".sock";
        std::ofstream f(path, std::ios::binary);
        f << "# randprog --seed " << seed << ", program " << i << "\n";
        for (const std::string& l : lines) f << l << "\n";
        if (!f) {
            std::fprintf(stderr, "randprog: cannot write %s\n", path.c_str());
            return 2;
        }
        statements += static_cast<long>(lines.size());
        truncated += g.truncated;
        rejected += g.rejected;
    }
    std::fprintf(stderr, "randprog: %ld programs, %ld statements (%ld ended early, "
                         "%ld candidates undone)\n",
                 count, statements, truncated, rejected);
    return 0;
}
