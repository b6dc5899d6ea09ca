// realrun — runs sockscope scripts on the real kernel's sockets.
//
//     realrun [--print-sysctls] FILE...
//
// The other half of the differential suite (tests/diff/compare.sh): each
// script is parsed with the model's own parser, then run in a forked child
// that sits in a fresh network namespace (kernel-default sysctls, zeroed
// counters, a private loopback) with only fds 0-2 open and RLIMIT_NOFILE
// 1024, like the model's process. Every statement is a real system call;
// the output uses the model's report functions, so the two runs can be
// compared byte for byte.
//
// Exit status: 0 all expectations held, 1 some failed, 2 a script error
// (syntax, unknown name or call), 3 a call blocked for 10 s.
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "sysctl_names.h"
#include "script/constants.h"
#include "script/parser.h"
#include "script/report.h"

namespace ss = sockscope::script;

namespace {

// Exit codes.
constexpr int kOk = 0, kFailed = 1, kScriptError = 2, kBlocked = 3;
constexpr unsigned kBlockSeconds = 10;
constexpr rlim_t kNoFile = 1024;  // the model's RLIMIT_NOFILE_DEFAULT

// A script error found while running: printed on stdout, exit 2.
struct Fatal {
    std::string message;  // the whole line
};

// The calls realrun knows, with their argument counts.
struct CallSpec {
    const char* name;
    int min_args;
    int max_args;
};
constexpr CallSpec kCalls[] = {
    {"socket", 3, 3},     {"bind", 2, 4},       {"connect", 2, 4},
    {"listen", 2, 2},     {"accept", 1, 1},     {"accept4", 2, 2},
    {"close", 1, 1},      {"dup", 1, 1},        {"dup2", 2, 2},
    {"shutdown", 2, 2},   {"setsockopt", 4, 5}, {"getsockopt", 3, 3},
    {"fcntl", 2, 3},      {"sleep", 1, 1},      {"tcp_state", 1, 1},
    {"acceptq", 1, 1},    {"backlog", 1, 1},    {"local_port", 1, 1},
    {"nstat", 1, 1},
};

const CallSpec* find_call(const std::string& name) {
    for (const CallSpec& c : kCalls)
        if (name == c.name) return &c;
    return nullptr;
}

// What kind argument `idx` of `call` must be.
ss::Arg::Kind wanted_kind(const std::string& call, size_t idx) {
    if ((call == "bind" || call == "connect") && idx == 1)
        return ss::Arg::Kind::Addr;
    return ss::Arg::Kind::Expr;
}

std::string plural(int n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// Checks what can be checked before anything runs: calls, argument counts
// and kinds, task prefixes. Returns an error line or "".
std::string validate(const ss::Program& prog) {
    for (const ss::Line& line : prog.lines) {
        const auto* st = std::get_if<ss::Statement>(&line);
        if (!st) continue;
        if (!st->task.empty())
            return ss::format_error(prog.file, st->pos,
                                    "realrun runs one process; tasks are model-only");
        const CallSpec* spec = find_call(st->call);
        if (!spec)
            return ss::format_error(prog.file, st->call_pos,
                                    "unknown call '" + st->call + "'");
        int n = static_cast<int>(st->args.size());
        if (n < spec->min_args || n > spec->max_args) {
            std::string want = spec->min_args == spec->max_args
                                   ? plural(spec->min_args, "argument")
                                   : std::to_string(spec->min_args) + " to " +
                                         plural(spec->max_args, "argument");
            ss::Pos at = n > spec->max_args ? st->args[spec->max_args].pos
                                            : st->call_pos;
            return ss::format_error(prog.file, at,
                                    st->call + " takes " + want + ", got " +
                                        std::to_string(n));
        }
        for (size_t i = 0; i < st->args.size(); ++i) {
            const ss::Arg& a = st->args[i];
            if (st->call == "nstat") {
                bool one_name = a.kind == ss::Arg::Kind::Expr &&
                                a.terms.size() == 1 && a.terms[0].is_name;
                if (!one_name && a.kind != ss::Arg::Kind::Str)
                    return ss::format_error(prog.file, a.pos,
                                            "nstat takes a counter name, "
                                            "e.g. nstat(ListenOverflows)");
                continue;
            }
            ss::Arg::Kind want = wanted_kind(st->call, i);
            if (a.kind == want) continue;
            std::string what = want == ss::Arg::Kind::Addr
                                   ? "an address like 127.0.0.1:7000"
                                   : "a number or a name";
            return ss::format_error(prog.file, a.pos,
                                    "argument " + std::to_string(i + 1) + " of " +
                                        st->call + " must be " + what);
        }
    }
    return "";
}

// ---- the blocked-call guard ----

char g_blocked_msg[512];
size_t g_blocked_len = 0;

void on_alarm(int) {
    ssize_t r = write(STDOUT_FILENO, g_blocked_msg, g_blocked_len);
    (void)r;
    _exit(kBlocked);
}

// ---- the fresh process environment ----

void bring_loopback_up() {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        std::fprintf(stderr, "realrun: warning: cannot bring lo up: %s\n",
                     std::strerror(errno));
        return;
    }
    struct ifreq ifr;
    std::memset(&ifr, 0, sizeof ifr);
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
            std::fprintf(stderr, "realrun: warning: cannot bring lo up: %s\n",
                         std::strerror(errno));
    } else {
        std::fprintf(stderr, "realrun: warning: cannot read lo flags: %s\n",
                     std::strerror(errno));
    }
    close(s);
}

// Whether this process got its own network namespace; !sysctl is refused
// without one, so a script can never change the host's settings.
bool g_private_netns = false;

void enter_fresh_netns() {
    if (unshare(CLONE_NEWNET) != 0) {
        std::fprintf(stderr,
                     "realrun: warning: unshare(CLONE_NEWNET) failed (%s); "
                     "running in the host network namespace\n",
                     std::strerror(errno));
        return;
    }
    g_private_netns = true;
    bring_loopback_up();
}

// fds 0-2 open (0 is /dev/null, so it is never a socket), nothing above,
// and the model's RLIMIT_NOFILE.
void fresh_fd_table() {
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, 0);  // dup2 clears FD_CLOEXEC on the new fd
        for (int fd = 1; fd <= 2; ++fd)
            if (fcntl(fd, F_GETFD) < 0) dup2(null, fd);
        if (null > 2) close(null);
        fcntl(0, F_SETFD, 0);  // in case /dev/null itself landed on fd 0
    }
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
        struct rlimit rl;
        long max = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? static_cast<long>(rl.rlim_cur) : 65536;
        for (long fd = 3; fd < max; ++fd) close(static_cast<int>(fd));
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max < kNoFile ? rl.rlim_max : kNoFile;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            std::fprintf(stderr, "realrun: warning: cannot set RLIMIT_NOFILE: %s\n",
                         std::strerror(errno));
    }
}

bool read_file(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return !in.bad();
}

// "32768\t60999\n" -> "32768 60999"
std::string normalize_blanks(const std::string& s) {
    std::string out;
    bool blank = false;
    for (char c : s) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            blank = true;
            continue;
        }
        if (blank && !out.empty()) out.push_back(' ');
        blank = false;
        out.push_back(c);
    }
    return out;
}

std::string sysctl_path(const std::string& name) {
    std::string p = "/proc/sys/";
    for (char c : name) p.push_back(c == '.' ? '/' : c);
    return p;
}

bool valid_sysctl_name(const std::string& name) {
    if (name.empty() || name.front() == '.' || name.back() == '.') return false;
    char prev = 0;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
        if (!ok || (c == '.' && prev == '.')) return false;
        prev = c;
    }
    return true;
}

// The sysctls the model knows (core/sysctl_names.h) are the ones worth
// reporting: the model takes their values from this namespace for the run.

int print_sysctls() {
    enter_fresh_netns();
    int rc = kOk;
    for (const char* name : sockscope::kSysctlNames) {
        std::string v;
        if (!read_file(sysctl_path(name), v)) {
            std::fprintf(stderr, "realrun: cannot read %s: %s\n", name,
                         std::strerror(errno));
            rc = kScriptError;
            continue;
        }
        std::printf("%s=%s\n", name, normalize_blanks(v).c_str());
    }
    std::fflush(stdout);
    return rc;
}

// ---- counters ----

// Looks `name` up in the "PREFIX:" header/value line pairs of a /proc file.
bool find_counter(const char* path, const std::string& prefix,
                  const std::string& name, int64_t& out) {
    std::ifstream in(path);
    std::string header, values;
    while (std::getline(in, header) && std::getline(in, values)) {
        std::istringstream hs(header), vs(values);
        std::string h, v;
        hs >> h;
        vs >> v;
        if (h != prefix || v != prefix) continue;
        while (hs >> h && vs >> v) {
            if (h == name) {
                try {
                    out = std::stoll(v);
                } catch (...) {
                    return false;
                }
                return true;
            }
        }
    }
    return false;
}

// ---- running ----

class Runner {
public:
    explicit Runner(const ss::Program& prog) : prog_(prog) {}
    int run();

private:
    const ss::Program& prog_;
    std::map<std::string, int64_t> vars_;
    int passed_ = 0, failed_ = 0;

    [[noreturn]] void fatal(const ss::Pos& p, const std::string& msg) {
        throw Fatal{ss::format_error(prog_.file, p, msg)};
    }
    int64_t resolve(const ss::Term& t);
    int64_t eval(const ss::Arg& a);
    int ival(const ss::Statement& st, size_t i) {
        return static_cast<int>(eval(st.args[i]));
    }
    void directive(const ss::Directive& d);
    ss::Result call(const ss::Statement& st);
};

int64_t Runner::resolve(const ss::Term& t) {
    if (!t.is_name) return t.value;
    auto it = vars_.find(t.name);
    if (it != vars_.end()) return it->second;
    if (auto v = ss::lookup_constant(t.name)) return *v;
    fatal(t.pos, "unknown name '" + t.name + "'");
}

int64_t Runner::eval(const ss::Arg& a) {
    int64_t v = 0;
    for (const ss::Term& t : a.terms) v |= resolve(t);
    return v;
}

void Runner::directive(const ss::Directive& d) {
    if (d.name == "sysctl") {
        size_t eq = d.rest.find('=');
        if (eq == std::string::npos)
            fatal(d.pos, "!sysctl expects NAME=VALUE");
        std::string name = normalize_blanks(d.rest.substr(0, eq));
        std::string value = normalize_blanks(d.rest.substr(eq + 1));
        if (!valid_sysctl_name(name)) fatal(d.pos, "bad sysctl name '" + name + "'");
        // Only the per-namespace net.* settings, and only in our own
        // namespace: anything else would outlive the run on the host.
        if (name.rfind("net.", 0) != 0)
            fatal(d.pos, "realrun sets only net.* sysctls, not '" + name + "'");
        if (!g_private_netns)
            fatal(d.pos, "!sysctl needs a private network namespace "
                         "(unshare failed), refusing to change the host's " + name);
        int fd = open(sysctl_path(name).c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) fatal(d.pos, "cannot set " + name + ": " + std::strerror(errno));
        std::string line = value + "\n";
        ssize_t n = write(fd, line.data(), line.size());
        int e = errno;
        close(fd);
        if (n != static_cast<ssize_t>(line.size()))
            fatal(d.pos, "cannot set " + name + "=" + value + ": " +
                             std::strerror(n < 0 ? e : EIO));
        return;
    }
    if (d.name == "define") {
        if (d.words.size() != 2) fatal(d.pos, "!define expects NAME VALUE");
        const std::string& name = d.words[0];
        bool ident = !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) ||
                                       name[0] == '_');
        for (char ch : name)
            ident = ident && (std::isalnum(static_cast<unsigned char>(ch)) ||
                              ch == '_' || ch == '.');
        if (!ident) fatal(d.pos, "!define: '" + name + "' is not a name");
        // Parse VALUE as an argument so it may be a number, a name or an
        // expression like SOCK_STREAM|SOCK_NONBLOCK.
        auto r = ss::parse_line("define(" + d.words[1] + ")", d.pos.line);
        const auto* line = std::get_if<ss::Line>(&r);
        const auto* st = line ? std::get_if<ss::Statement>(line) : nullptr;
        if (!st || st->args.size() != 1 || st->args[0].kind != ss::Arg::Kind::Expr ||
            st->expect)
            fatal(d.pos, "!define expects NAME VALUE, with VALUE a number or a name");
        ss::Arg a = st->args[0];
        for (ss::Term& t : a.terms) t.pos = d.pos;
        vars_[name] = eval(a);
        return;
    }
    std::fprintf(stderr, "%s:%d: warning: unknown directive '!%s' ignored\n",
                 prog_.file.c_str(), d.pos.line, d.name.c_str());
}

ss::Result from_syscall(long r) {
    if (r < 0) return ss::Result::fail(errno);
    return ss::Result::ok(r);
}

// bind/connect: a sockaddr_in in a zeroed sockaddr_storage (with room to
// spare, so an oversized addrlen is the kernel's to reject).
ss::Result addr_call(bool is_connect, int fd, const ss::Arg& addr, int64_t len,
                     int64_t family) {
    union {
        sockaddr_storage ss;
        sockaddr_in in;
        char bytes[512];
    } u;
    std::memset(&u, 0, sizeof u);
    u.in.sin_family = static_cast<sa_family_t>(family);
    u.in.sin_port = htons(addr.port);
    u.in.sin_addr.s_addr = htonl(addr.addr);
    auto* sa = reinterpret_cast<sockaddr*>(&u);
    socklen_t sl = static_cast<socklen_t>(len);
    long r = is_connect ? connect(fd, sa, sl) : bind(fd, sa, sl);
    return from_syscall(r);
}

ss::Result tcp_info_field(int fd, int which) {
    struct tcp_info info;
    std::memset(&info, 0, sizeof info);
    socklen_t len = sizeof info;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0)
        return ss::Result::fail(errno);
    switch (which) {
        case 0: return ss::Result::ok(info.tcpi_state);
        case 1: return ss::Result::ok(info.tcpi_unacked);
        default: return ss::Result::ok(info.tcpi_sacked);
    }
}

ss::Result Runner::call(const ss::Statement& st) {
    const std::string& c = st.call;
    const size_t n = st.args.size();
    if (c == "socket") return from_syscall(socket(ival(st, 0), ival(st, 1), ival(st, 2)));
    if (c == "bind" || c == "connect") {
        int fd = ival(st, 0);
        int64_t len = n > 2 ? eval(st.args[2]) : 16;
        int64_t fam = n > 3 ? eval(st.args[3]) : AF_INET;
        return addr_call(c == "connect", fd, st.args[1], len, fam);
    }
    if (c == "listen") return from_syscall(listen(ival(st, 0), ival(st, 1)));
    if (c == "accept") return from_syscall(accept(ival(st, 0), nullptr, nullptr));
    if (c == "accept4")
        return from_syscall(accept4(ival(st, 0), nullptr, nullptr, ival(st, 1)));
    if (c == "close") return from_syscall(close(ival(st, 0)));
    if (c == "dup") return from_syscall(dup(ival(st, 0)));
    if (c == "dup2") return from_syscall(dup2(ival(st, 0), ival(st, 1)));
    if (c == "shutdown") return from_syscall(shutdown(ival(st, 0), ival(st, 1)));
    if (c == "setsockopt") {
        int fd = ival(st, 0), level = ival(st, 1), opt = ival(st, 2);
        if (n == 5) {
            if (level != SOL_SOCKET || opt != SO_LINGER)
                fatal(st.args[4].pos,
                      "only SO_LINGER takes two values: "
                      "setsockopt(fd, SOL_SOCKET, SO_LINGER, onoff, seconds)");
            struct linger l;
            l.l_onoff = ival(st, 3);
            l.l_linger = ival(st, 4);
            return from_syscall(setsockopt(fd, level, opt, &l, sizeof l));
        }
        int v = ival(st, 3);
        return from_syscall(setsockopt(fd, level, opt, &v, sizeof v));
    }
    if (c == "getsockopt") {
        int fd = ival(st, 0), level = ival(st, 1), opt = ival(st, 2);
        if (level == SOL_SOCKET && opt == SO_LINGER) {
            struct linger l;
            std::memset(&l, 0, sizeof l);
            socklen_t len = sizeof l;
            if (getsockopt(fd, level, opt, &l, &len) != 0) return ss::Result::fail(errno);
            return ss::Result::ok(l.l_onoff);
        }
        union {
            int v;
            char bytes[64];
        } u;
        std::memset(&u, 0, sizeof u);
        socklen_t len = sizeof(int);
        if (getsockopt(fd, level, opt, &u, &len) != 0) return ss::Result::fail(errno);
        return ss::Result::ok(u.v);
    }
    if (c == "fcntl") {
        int fd = ival(st, 0), cmd = ival(st, 1);
        bool takes_arg;
        switch (cmd) {
            case F_GETFD: case F_GETFL: takes_arg = false; break;
            case F_SETFD: case F_SETFL: case F_DUPFD: case F_DUPFD_CLOEXEC:
                takes_arg = true;
                break;
            default:
                fatal(st.args[1].pos, "realrun supports fcntl F_DUPFD, F_DUPFD_CLOEXEC, "
                                      "F_GETFD, F_SETFD, F_GETFL and F_SETFL");
        }
        if (takes_arg != (n == 3))
            fatal(st.call_pos, std::string("fcntl with this command takes ") +
                                   (takes_arg ? "3 arguments" : "2 arguments") +
                                   ", got " + std::to_string(n));
        if (!takes_arg) return from_syscall(fcntl(fd, cmd));
        return from_syscall(fcntl(fd, cmd, ival(st, 2)));
    }
    if (c == "sleep") {
        int64_t ms = eval(st.args[0]);
        if (ms < 0) fatal(st.args[0].pos, "sleep takes milliseconds >= 0");
        struct timespec ts;
        ts.tv_sec = static_cast<time_t>(ms / 1000);
        ts.tv_nsec = static_cast<long>(ms % 1000) * 1000000L;
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
        return ss::Result::ok(0);
    }
    if (c == "tcp_state") return tcp_info_field(ival(st, 0), 0);
    if (c == "acceptq") return tcp_info_field(ival(st, 0), 1);
    if (c == "backlog") return tcp_info_field(ival(st, 0), 2);
    if (c == "local_port") {
        sockaddr_storage sa;
        std::memset(&sa, 0, sizeof sa);
        socklen_t len = sizeof sa;
        if (getsockname(ival(st, 0), reinterpret_cast<sockaddr*>(&sa), &len) != 0)
            return ss::Result::fail(errno);
        return ss::Result::ok(ntohs(reinterpret_cast<sockaddr_in*>(&sa)->sin_port));
    }
    if (c == "nstat") {
        const ss::Arg& a = st.args[0];
        std::string name = a.kind == ss::Arg::Kind::Str ? a.text : a.terms[0].name;
        int64_t v = 0;
        if (find_counter("/proc/net/netstat", "TcpExt:", name, v) ||
            find_counter("/proc/net/snmp", "Tcp:", name, v))
            return ss::Result::ok(v);
        fatal(a.pos, "unknown counter '" + name + "'");
    }
    fatal(st.call_pos, "unknown call '" + c + "'");
}

int Runner::run() {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);

    try {
        for (const ss::Line& line : prog_.lines) {
            if (const auto* d = std::get_if<ss::Directive>(&line)) {
                directive(*d);
                continue;
            }
            const auto* st = std::get_if<ss::Statement>(&line);
            if (!st) continue;

            std::string msg = prog_.file + ":" + std::to_string(st->pos.line) +
                              ": error: call blocked\n";
            g_blocked_len = std::min(msg.size(), sizeof g_blocked_msg);
            std::memcpy(g_blocked_msg, msg.data(), g_blocked_len);
            std::fflush(stdout);
            alarm(kBlockSeconds);
            ss::Result r = call(*st);
            alarm(0);

            if (!st->bind.empty()) vars_[st->bind] = r.value;
            std::printf("%s\n", ss::format_call_line(*st, r).c_str());
            if (st->expect) {
                if (ss::expect_matches(*st->expect, r)) {
                    ++passed_;
                } else {
                    ++failed_;
                    std::printf("%s\n", ss::format_mismatch(prog_.file, *st, r).c_str());
                }
            }
            std::fflush(stdout);
        }
    } catch (const Fatal& f) {
        alarm(0);
        std::printf("%s\n", f.message.c_str());
        std::fflush(stdout);
        return kScriptError;
    }
    std::printf("%s\n", ss::format_summary(passed_, failed_).c_str());
    std::fflush(stdout);
    return failed_ ? kFailed : kOk;
}

// Runs `fn` in a forked child and returns its exit status.
template <typename Fn>
int in_child(Fn fn) {
    std::fflush(stdout);
    std::fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        std::fprintf(stderr, "realrun: fork: %s\n", std::strerror(errno));
        return kScriptError;
    }
    if (pid == 0) {
        int rc = fn();
        std::fflush(stdout);
        std::fflush(stderr);
        _exit(rc);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            std::fprintf(stderr, "realrun: waitpid: %s\n", std::strerror(errno));
            return kScriptError;
        }
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    std::fprintf(stderr, "realrun: child killed by signal %d\n",
                 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return kBlocked;
}

int run_file(const std::string& path) {
    std::string text;
    if (!read_file(path, text)) {
        std::printf("%s: error: cannot read file: %s\n", path.c_str(),
                    std::strerror(errno));
        return kScriptError;
    }
    auto parsed = ss::parse_program(text, path);
    if (const auto* e = std::get_if<ss::ParseError>(&parsed)) {
        std::printf("%s\n", ss::format_error(path, e->pos, e->message).c_str());
        return kScriptError;
    }
    const ss::Program& prog = std::get<ss::Program>(parsed);
    std::string err = validate(prog);
    if (!err.empty()) {
        std::printf("%s\n", err.c_str());
        return kScriptError;
    }
    return in_child([&] {
        enter_fresh_netns();
        fresh_fd_table();
        Runner r(prog);
        return r.run();
    });
}

void usage() {
    std::fprintf(stderr, "usage: realrun [--print-sysctls] FILE...\n");
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> files;
    bool sysctls = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--print-sysctls") {
            sysctls = true;
        } else if (a == "-h" || a == "--help") {
            usage();
            return 0;
        } else if (a.size() > 1 && a[0] == '-' && a != "-") {
            usage();
            return kScriptError;
        } else {
            files.push_back(a);
        }
    }
    if (sysctls) return in_child(print_sysctls);
    if (files.empty()) {
        usage();
        return kScriptError;
    }
    int worst = kOk;
    for (const std::string& f : files) {
        int rc = run_file(f);
        if (rc == kScriptError || rc == kBlocked) return rc;
        if (rc > worst) worst = rc;
    }
    return worst;
}
