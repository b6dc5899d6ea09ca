// trace.cpp — names for the trace: the kernel function table, the field
// table, and the text form the CLI prints with --trace.
#include "kernel/trace.h"

#include <cstddef>
#include <cstdio>

#include "script/constants.h"

namespace sockscope {

// ---------------------------------------------------------------- functions

static const KFuncInfo kFuncs[] = {
#define SOCKSCOPE_FN_INFO(name, file, text) {#name, file, text},
    SOCKSCOPE_KFUNCS(SOCKSCOPE_FN_INFO)
#undef SOCKSCOPE_FN_INFO
};

const KFuncInfo& kfunc(Fn f) { return kFuncs[static_cast<size_t>(f)]; }

// ---------------------------------------------------------------- fields

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
#define F(K, T, field, fmt) {ObjKind::K, static_cast<uint16_t>(offsetof(T, field)), #field, Fmt::fmt}
#define FR(K, T, field, ref) {ObjKind::K, static_cast<uint16_t>(offsetof(T, field)), #field, Fmt::Id, ObjKind::ref}
static const std::vector<FieldInfo> kFields = {
    F(Task, Task, pid, Int), F(Task, Task, tgid, Int), F(Task, Task, uid, Int), F(Task, Task, gid, Int),
    F(Task, Task, cap_effective, Hex), F(Task, Task, kthread, Bool), FR(Task, Task, files, Files),
    F(Task, Task, rlim_nofile, Int), F(Task, Task, state, Int), F(Task, Task, on_runqueue, Bool),
    F(Task, Task, signal_pending, Bool), F(Task, Task, kthread_should_stop, Bool),
    FR(Task, Task, kthread_sock, Socket), F(Task, Task, kthread_pc, Int), F(Task, Task, exit_code, Int),
    F(Task, Task, kthread_addr, Addr), F(Task, Task, kthread_port, Port),
    F(Task, Task, kthread_backlog, Int), F(Task, Task, kthread_accepted, Int),
    FR(Task, Task, timeout_timer, Timer),
    F(Files, FilesStruct, count, Int), F(Files, FilesStruct, next_fd, Int),
    F(File, File, f_count, Int), F(File, File, f_flags, OpenFlags), F(File, File, f_op, Int),
    FR(File, File, private_data, Socket),
    F(Socket, Socket, state, SsState), F(Socket, Socket, type, Int), F(Socket, Socket, family, Int),
    F(Socket, Socket, ops, Int), FR(Socket, Socket, file, File), FR(Socket, Socket, sk, Sock),
    F(Socket, Socket, i_ino, Int),
    F(Sock, Sock, sk_family, Int), F(Sock, Sock, sk_state, TcpState), F(Sock, Sock, sk_type, Int),
    F(Sock, Sock, sk_protocol, Int), F(Sock, Sock, sk_prot, Int), F(Sock, Sock, sk_reuse, Int),
    F(Sock, Sock, sk_reuseport, Int), F(Sock, Sock, sk_err, Int), F(Sock, Sock, sk_shutdown, Int),
    F(Sock, Sock, sk_userlocks, Hex), F(Sock, Sock, sk_flags, Hex), F(Sock, Sock, sk_lingertime, Int),
    F(Sock, Sock, sk_rcvtimeo, Int), F(Sock, Sock, sk_sndtimeo, Int),
    F(Sock, Sock, sk_ack_backlog, Int), F(Sock, Sock, sk_max_ack_backlog, Int),
    FR(Sock, Sock, sk_socket, Socket), F(Sock, Sock, sk_uid, Int), F(Sock, Sock, sk_refcnt, Int),
    F(Sock, Sock, sk_kern_sock, Bool), F(Sock, Sock, sk_disconnects, Int), F(Sock, Sock, connect_tried, Bool), F(Sock, Sock, listen_tried, Bool),
    F(Sock, Sock, inet_num, Port), F(Sock, Sock, inet_sport, Port), F(Sock, Sock, inet_saddr, Addr),
    F(Sock, Sock, inet_rcv_saddr, Addr), F(Sock, Sock, inet_daddr, Addr), F(Sock, Sock, inet_dport, Port),
    FR(Sock, Sock, icsk_bind_hash, Bucket), F(Sock, Sock, qlen, Int), F(Sock, Sock, young, Int),
    F(Sock, Sock, synflood_warned, Bool), F(Sock, Sock, icsk_retransmits, Int), F(Sock, Sock, icsk_rto, Int),
    FR(Sock, Sock, icsk_retransmit_timer, Timer), F(Sock, Sock, snd_isn, Hex), F(Sock, Sock, snd_nxt, Hex),
    F(Sock, Sock, snd_una, Hex), F(Sock, Sock, rcv_nxt, Hex), F(Sock, Sock, fin_sent, Bool),
    F(Sock, Sock, last_overflow, Int), F(Sock, Sock, nonagle, Int), F(Sock, Sock, listener_hashed, Bool),
    F(Sock, Sock, ehashed, Bool), F(Sock, Sock, destroyed, Bool), FR(Sock, Sock, sk_timer, Timer),
    FR(Req, RequestSock, rsk_listener, Sock), FR(Req, RequestSock, sk, Sock),
    F(Req, RequestSock, ir_loc_addr, Addr), F(Req, RequestSock, ir_rmt_addr, Addr),
    F(Req, RequestSock, ir_num, Port), F(Req, RequestSock, ir_rmt_port, Port),
    F(Req, RequestSock, snt_isn, Hex), F(Req, RequestSock, rcv_isn, Hex),
    F(Req, RequestSock, num_timeout, Int), F(Req, RequestSock, num_retrans, Int),
    F(Req, RequestSock, acked, Bool), F(Req, RequestSock, in_accept_queue, Bool),
    FR(Req, RequestSock, rsk_timer, Timer),
    F(Tw, TimewaitSock, tw_substate, TcpState), F(Tw, TimewaitSock, tw_reuse, Int),
    F(Tw, TimewaitSock, tw_reuseport, Int), F(Tw, TimewaitSock, tw_uid, Int),
    F(Tw, TimewaitSock, tw_rcv_saddr, Addr), F(Tw, TimewaitSock, tw_daddr, Addr),
    F(Tw, TimewaitSock, tw_num, Port), F(Tw, TimewaitSock, tw_dport, Port),
    F(Tw, TimewaitSock, tw_snd_nxt, Hex), F(Tw, TimewaitSock, tw_rcv_nxt, Hex),
    FR(Tw, TimewaitSock, tw_tb, Bucket), FR(Tw, TimewaitSock, tw_timer, Timer),
    F(Bucket, BindBucket, table, Int), F(Bucket, BindBucket, port, Port),
    F(Bucket, BindBucket, fastreuse, Int), F(Bucket, BindBucket, fastreuseport, Int),
    F(Bucket, BindBucket, fastuid, Int),
    F(Timer, Timer, kind, Int), F(Timer, Timer, owner, Int), F(Timer, Timer, expires, Int),
    F(Peer, Peer, addr, Addr), F(Peer, Peer, next_port, Port),
};
#undef F
#undef FR
#pragma GCC diagnostic pop

const std::vector<FieldInfo>& all_fields() { return kFields; }

const FieldInfo* field_info(ObjKind kind, uint16_t offset) {
    for (const FieldInfo& f : kFields)
        if (f.kind == kind && f.offset == offset) return &f;
    return nullptr;
}

// ---------------------------------------------------------------- text

std::string format_value(Fmt f, int32_t v, ObjKind ref) {
    switch (f) {
    case Fmt::TcpState: {
        const char* n = script::tcp_state_name(v);
        return n ? n : std::to_string(v);
    }
    case Fmt::SsState: {
        const char* n = script::socket_state_name(v);
        return n ? n : std::to_string(v);
    }
    case Fmt::Addr: return addr_str(static_cast<uint32_t>(v));
    case Fmt::Port: return std::to_string(static_cast<uint16_t>(v));
    case Fmt::Bool: return v ? "true" : "false";
    case Fmt::OpenFlags: {
        std::string s = (v & 3) == O_RDWR ? "O_RDWR" : (v & 3) == O_WRONLY ? "O_WRONLY" : "O_RDONLY";
        if (v & O_NONBLOCK) s += "|O_NONBLOCK";
        return s;
    }
    case Fmt::Id: return v ? std::string(obj_kind_name(ref)) + "#" + std::to_string(v) : "NULL";
    case Fmt::Hex: {
        char buf[16];
        std::snprintf(buf, sizeof buf, "0x%x", static_cast<uint32_t>(v));
        return buf;
    }
    case Fmt::Int: break;
    }
    return std::to_string(v);
}

std::string format_packet(const Packet& p) {
    std::string flags;
    auto add = [&](uint8_t bit, const char* n) {
        if (!(p.flags & bit)) return;
        if (!flags.empty()) flags += "|";
        flags += n;
    };
    add(TH_SYN, "SYN");
    add(TH_FIN, "FIN");
    add(TH_RST, "RST");
    add(TH_ACK, "ACK");
    return flags + " " + endpoint_str(p.saddr, p.sport) + " -> " + endpoint_str(p.daddr, p.dport);
}

static const char* link_name(Link l) {
    switch (l) {
    case Link::fd: return "fd";
    case Link::open_fd: return "open_fds";
    case Link::close_on_exec: return "close_on_exec";
    case Link::accept_queue: return "icsk_accept_queue";
    case Link::wait_queue: return "wait queue";
    case Link::bucket_owner: return "owners";
    case Link::bucket_tw: return "timewait owners";
    case Link::lhash: return "listening hash";
    case Link::ehash: return "established hash";
    case Link::runqueue: return "run queue";
    case Link::family: return "net_families";
    case Link::protosw: return "inetsw";
    }
    return "?";
}

std::string format_event(const Trace& t, const TraceEvent& e) {
    std::string obj = std::string(obj_kind_name(e.kind)) + "#" + std::to_string(e.id);
    switch (e.ev) {
    case Ev::Enter: return kfunc(static_cast<Fn>(e.code)).name;
    case Ev::Leave: return std::string("return ") + std::to_string(e.a);
    case Ev::Create: return "+ " + obj;
    case Ev::Destroy: return "- " + obj;
    case Ev::Set: {
        const FieldInfo* f = field_info(e.kind, e.code);
        if (!f) return obj + " field@" + std::to_string(e.code) + ": " + std::to_string(e.a) + " -> " + std::to_string(e.b);
        return obj + "." + f->name + ": " + format_value(f->fmt, e.a, f->ref) + " -> " +
               format_value(f->fmt, e.b, f->ref);
    }
    case Ev::LinkAdd:
    case Ev::LinkDel: {
        Link l = static_cast<Link>(e.code);
        std::string what = e.ev == Ev::LinkAdd ? " += " : " -= ";
        switch (l) {
        case Link::fd: return obj + ".fd[" + std::to_string(e.a) + "]" + (e.ev == Ev::LinkAdd ? " = file#" + std::to_string(e.b) : " = NULL");
        case Link::open_fd:
        case Link::close_on_exec: return obj + "." + link_name(l) + what + std::to_string(e.a);
        case Link::accept_queue: return obj + "." + link_name(l) + what + "request_sock#" + std::to_string(e.b);
        case Link::wait_queue: return obj + "." + link_name(l) + what + "task#" + std::to_string(e.b) + (e.a ? " (exclusive)" : "");
        case Link::bucket_owner: return obj + "." + link_name(l) + what + "sock#" + std::to_string(e.b);
        case Link::bucket_tw: return obj + "." + link_name(l) + what + "timewait_sock#" + std::to_string(e.b);
        case Link::lhash: return std::string(link_name(l)) + "[" + std::to_string(e.a) + "]" + what + "sock#" + std::to_string(e.b);
        case Link::ehash: return std::string(link_name(l)) + what + obj_kind_name(static_cast<ObjKind>(e.a >> 16)) + "#" + std::to_string(e.b) + " (port " + std::to_string(e.a & 0xffff) + ")";
        case Link::runqueue: return std::string(link_name(l)) + what + "task#" + std::to_string(e.b);
        case Link::family: return std::string("net_families[") + std::to_string(e.a) + "] registered";
        case Link::protosw: return std::string("inetsw[") + std::to_string(e.a & 0xff) + "] of family " + std::to_string(e.a >> 8) + what + "protocol " + std::to_string(e.b);
        }
        return obj;
    }
    case Ev::Sleep: return "task#" + std::to_string(e.id) + " sleeps";
    case Ev::Wake: return "task#" + std::to_string(e.id) + " wakes";
    case Ev::PacketSend:
    case Ev::PacketDeliver:
    case Ev::PacketDrop: {
        const char* verb = e.ev == Ev::PacketSend ? "send " : e.ev == Ev::PacketDeliver ? "deliver " : "drop ";
        if (e.id < t.packets.size()) return verb + format_packet(t.packets[e.id]);
        return verb;
    }
    case Ev::Counter: return std::string(mib_name(static_cast<Mib>(e.code))) + ": " + std::to_string(e.a) + " -> " + std::to_string(e.b);
    case Ev::Return: {
        if (e.a < 0) {
            const char* n = script::errno_name(e.b);
            return "task#" + std::to_string(e.id) + " returns -1 " + (n ? n : std::to_string(e.b));
        }
        return "task#" + std::to_string(e.id) + " returns " + std::to_string(e.a);
    }
    }
    return "?";
}

std::string format_step(const Trace& t, size_t step, const std::string& label) {
    std::string out = "  step " + std::to_string(step) + ": " + label + "\n";
    int depth = 0;
    for (size_t i = t.step_begin(step); i < t.step_end(step); ++i) {
        const TraceEvent& e = t.events[i];
        if (e.ev == Ev::Leave) { --depth; continue; }
        std::string line(static_cast<size_t>(4 + 2 * (depth < 0 ? 0 : depth)), ' ');
        if (e.ev == Ev::Enter) {
            const KFuncInfo& f = kfunc(static_cast<Fn>(e.code));
            line += std::string(f.name) + "  [" + f.file + "]  " + f.text;
            ++depth;
        } else {
            line += "· " + format_event(t, e);
        }
        out += line + "\n";
    }
    return out;
}

}  // namespace sockscope
