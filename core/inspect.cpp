// inspect.cpp — see inspect.h.
#include "inspect.h"

#include <cstdio>

#include "script/constants.h"

namespace sockscope {

namespace {

// fd -> socket -> sock, or -errno as getsockopt would answer.
int64_t sock_of(const World& w, TaskId t, int fd, SockId* out) {
    if (!w.tasks.contains(t) || !w.tasks[t].files) return -EBADF;
    const FilesStruct& fs = w.files_structs[w.tasks[t].files];
    if (fd < 0 || fd >= static_cast<int>(fs.fd.size()) || !fs.fd[fd]) return -EBADF;
    const File& f = w.files[fs.fd[fd]];
    if (f.f_op != FileOps::socket_file_ops) return -ENOTSOCK;
    const Socket& s = w.sockets[f.private_data];
    if (!s.sk) return -EBADF;
    *out = s.sk;
    return 0;
}

// getsockopt(SOL_TCP, TCP_INFO) on anything but TCP reaches ip_getsockopt,
// which answers EOPNOTSUPP for a level that is not SOL_IP.
int64_t tcp_sock_of(const World& w, TaskId t, int fd, SockId* out) {
    int64_t e = sock_of(w, t, fd, out);
    if (e) return e;
    if (w.socks[*out].sk_prot != ProtKind::tcp_prot) return -EOPNOTSUPP;
    return 0;
}

const char* state_name(int st) {
    const char* n = script::tcp_state_name(st);
    return n ? n : "?";
}

std::string hex8(uint32_t v) {
    char b[16];
    std::snprintf(b, sizeof b, "%08X", v);
    return b;
}
std::string hex4(uint32_t v) {
    char b[8];
    std::snprintf(b, sizeof b, "%04X", v);
    return b;
}
// /proc/net/tcp prints addresses as the raw little-endian u32 of the
// network-order address.
std::string proc_addr(uint32_t a, uint16_t port) {
    uint32_t le = ((a & 0xff) << 24) | ((a & 0xff00) << 8) | ((a >> 8) & 0xff00) | (a >> 24);
    return hex8(le) + ":" + hex4(port);
}

}  // namespace

int64_t query_tcp_state(const World& w, TaskId t, int fd) {
    SockId sk;
    if (int64_t e = tcp_sock_of(w, t, fd, &sk)) return e;
    return w.socks[sk].sk_state;
}

int64_t query_acceptq(const World& w, TaskId t, int fd) {
    SockId sk;
    if (int64_t e = tcp_sock_of(w, t, fd, &sk)) return e;
    const Sock& s = w.socks[sk];
    if (s.sk_state == TCP_LISTEN) return s.sk_ack_backlog;
    return s.snd_nxt != s.snd_una ? 1 : 0;  // packets_out: an unacknowledged SYN or FIN
}

int64_t query_backlog(const World& w, TaskId t, int fd) {
    SockId sk;
    if (int64_t e = tcp_sock_of(w, t, fd, &sk)) return e;
    const Sock& s = w.socks[sk];
    return s.sk_state == TCP_LISTEN ? s.sk_max_ack_backlog : 0;
}

int64_t query_synq(const World& w, TaskId t, int fd) {
    SockId sk;
    if (int64_t e = tcp_sock_of(w, t, fd, &sk)) return e;
    return w.socks[sk].qlen;
}

int64_t query_local_port(const World& w, TaskId t, int fd) {
    SockId sk;
    if (int64_t e = sock_of(w, t, fd, &sk)) return e;
    return w.socks[sk].inet_sport;
}

std::string show_task(const World& w, TaskId tid) {
    const Task& t = w.tasks[tid];
    std::string out = "task " + std::to_string(t.pid) + " (" + t.comm + ")";
    if (t.kthread) out += " kernel thread";
    if (t.uid) out += " uid " + std::to_string(t.uid);
    if (t.state == TASK_INTERRUPTIBLE) out += " — asleep";
    out += "\n";
    if (!t.files) {
        out += "  no fd table (kernel threads have none)\n";
        return out;
    }
    const FilesStruct& fs = w.files_structs[t.files];
    for (size_t fd = 0; fd < fs.fd.size(); ++fd) {
        if (!fs.open_fds[fd]) continue;
        out += "  fd " + std::to_string(fd) + " -> ";
        FileId f = fs.fd[fd];
        if (!f) {
            out += "(reserved, no file yet)\n";
            continue;
        }
        const File& file = w.files[f];
        out += "file#" + std::to_string(f.v) + " f_count=" + std::to_string(file.f_count);
        if (file.f_op == FileOps::tty_fops) {
            out += " /dev/tty";
        } else {
            const Socket& so = w.sockets[file.private_data];
            out += " -> socket#" + std::to_string(file.private_data.v) + " " +
                   script::socket_state_name(so.state);
            if (so.sk) {
                const Sock& s = w.socks[so.sk];
                out += " -> sock#" + std::to_string(so.sk.v) + " " + state_name(s.sk_state);
                if (s.inet_num) out += " " + endpoint_str(s.inet_rcv_saddr, s.inet_num);
                if (s.inet_dport) out += " peer " + endpoint_str(s.inet_daddr, s.inet_dport);
                if (s.sk_state == TCP_LISTEN)
                    out += " accept " + std::to_string(s.sk_ack_backlog) + "/" +
                           std::to_string(s.sk_max_ack_backlog) + " syn " + std::to_string(s.qlen);
            }
        }
        if (file.f_flags & O_NONBLOCK) out += " O_NONBLOCK";
        if (fs.close_on_exec[fd]) out += " FD_CLOEXEC";
        out += "\n";
    }
    return out;
}

std::string show_world(const World& w) {
    std::string out = "time " + std::to_string(w.now) + " ms\n";
    w.tasks.each([&](TaskId id, const Task&) { out += show_task(w, id); });
    w.sockets.each([&](SocketId id, const Socket& so) {
        if (so.file) return;
        out += "kernel socket#" + std::to_string(id.v) + " (no file, no fd) " +
               script::socket_state_name(so.state);
        if (so.sk) out += " -> sock#" + std::to_string(so.sk.v) + " " + state_name(w.socks[so.sk].sk_state);
        out += "\n";
    });
    w.socks.each([&](SockId id, const Sock& s) {
        if (s.sk_state == TCP_LISTEN) {
            out += "listener sock#" + std::to_string(id.v) + " " + endpoint_str(s.inet_rcv_saddr, s.inet_num) +
                   "\n  SYN queue (" + std::to_string(s.qlen) + "):";
            w.reqs.each([&](ReqId rid, const RequestSock& r) {
                if (r.rsk_listener == id && !r.in_accept_queue)
                    out += " req#" + std::to_string(rid.v) + "<" + endpoint_str(r.ir_rmt_addr, r.ir_rmt_port) + ">";
            });
            out += "\n  accept queue (" + std::to_string(s.sk_ack_backlog) + ", limit " +
                   std::to_string(s.sk_max_ack_backlog) + "+1):";
            for (ReqId r : s.rskq_accept) {
                SockId c = w.reqs[r].sk;
                out += " sock#" + std::to_string(c.v) + "<" + endpoint_str(w.socks[c].inet_daddr, w.socks[c].inet_dport) +
                       " " + state_name(w.socks[c].sk_state) + ">";
            }
            out += "\n";
        } else if (!s.sk_socket && !(s.sk_flags & SOCK_DEAD)) {
            // a child still in an accept queue: no struct socket yet
        } else if (!s.sk_socket && s.sk_state != TCP_CLOSE) {
            out += "orphan sock#" + std::to_string(id.v) + " " + state_name(s.sk_state) + " " +
                   endpoint_str(s.inet_rcv_saddr, s.inet_num) + " peer " + endpoint_str(s.inet_daddr, s.inet_dport) + "\n";
        }
    });
    w.tws.each([&](TwId id, const TimewaitSock& t) {
        out += "timewait#" + std::to_string(id.v) + " " + state_name(t.tw_substate) + " " +
               endpoint_str(t.tw_rcv_saddr, t.tw_num) + " peer " + endpoint_str(t.tw_daddr, t.tw_dport) + "\n";
    });
    return out;
}

std::string show_ss_ltn(const World& w) {
    std::string out = "State   Recv-Q Send-Q Local Address:Port\n";
    w.socks.each([&](SockId, const Sock& s) {
        if (s.sk_state != TCP_LISTEN) return;
        char line[128];
        std::snprintf(line, sizeof line, "LISTEN  %-6u %-6u %s\n", s.sk_ack_backlog, s.sk_max_ack_backlog,
                      endpoint_str(s.inet_rcv_saddr, s.inet_num).c_str());
        out += line;
    });
    return out;
}

std::string show_proc_net_tcp(const World& w) {
    std::string out = "  sl  local_address rem_address   st tx_queue rx_queue inode\n";
    int sl = 0;
    auto line = [&](const std::string& l, const std::string& r, int st, uint32_t rxq, uint64_t ino) {
        char b[160];
        std::snprintf(b, sizeof b, "%4d: %s %s %02X 00000000:%08X %llu\n", sl++, l.c_str(), r.c_str(), st, rxq,
                      static_cast<unsigned long long>(ino));
        out += b;
    };
    w.socks.each([&](SockId, const Sock& s) {
        if (s.sk_prot != ProtKind::tcp_prot) return;
        if (!s.listener_hashed && !s.ehashed) return;  // created or bound only: not listed
        uint64_t ino = s.sk_socket ? w.sockets[s.sk_socket].i_ino : 0;
        line(proc_addr(s.inet_rcv_saddr, s.inet_num), proc_addr(s.inet_daddr, s.inet_dport), s.sk_state,
             s.sk_state == TCP_LISTEN ? s.sk_ack_backlog : 0, ino);
    });
    w.reqs.each([&](ReqId, const RequestSock& r) {
        if (r.in_accept_queue) return;
        line(proc_addr(r.ir_loc_addr, r.ir_num), proc_addr(r.ir_rmt_addr, r.ir_rmt_port), TCP_SYN_RECV, 0, 0);
    });
    w.tws.each([&](TwId, const TimewaitSock& t) {
        line(proc_addr(t.tw_rcv_saddr, t.tw_num), proc_addr(t.tw_daddr, t.tw_dport), t.tw_substate, 0, 0);
    });
    return out;
}

std::string show_nstat(const World& w) {
    std::string out;
    for (size_t i = 0; i < static_cast<size_t>(Mib::Count); ++i) {
        Mib m = static_cast<Mib>(i);
        int64_t v = w.mib[i];
        bool tcp = m == Mib::ActiveOpens || m == Mib::PassiveOpens || m == Mib::AttemptFails ||
                   m == Mib::EstabResets || m == Mib::CurrEstab || m == Mib::OutRsts ||
                   m == Mib::InSegs || m == Mib::OutSegs || m == Mib::RetransSegs;
        char b[96];
        std::snprintf(b, sizeof b, "%-32s %lld\n", (std::string(tcp ? "Tcp" : "TcpExt") + mib_name(m)).c_str(),
                      static_cast<long long>(v));
        out += b;
    }
    return out;
}

std::string show_protosw(const World& w) {
    std::string out;
    for (int f = 0; f < NPROTO; ++f) {
        const NetProtoFamily& fam = w.net_families[f];
        if (!fam.registered) continue;
        out += "net_families[" + std::to_string(f) + "] = " + fam.name + " (" + fam.create + ")\n";
        for (int t = 0; t < SOCK_MAX; ++t)
            for (const InetProtosw& e : fam.inetsw[t])
                out += "  inetsw[" + std::to_string(t) + "]: protocol " + std::to_string(e.protocol) +
                       (e.protocol == 0 ? " (IPPROTO_IP wildcard)" : "") + " -> " +
                       prot_name(e.prot) + "\n";
    }
    return out;
}

}  // namespace sockscope
