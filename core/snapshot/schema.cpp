// schema.cpp — the field lists, the tables and the writer (see schema.h).
#include "snapshot/schema.h"

#include <ctime>

#include "sysctl_names.h"

namespace sockscope::snapshot::detail {

const char* const* objkind_names() {
    static const auto names = [] {
        std::vector<const char*> v;
        for (int64_t i = 0; i <= kObjKindMax; ++i) v.push_back(obj_kind_name(static_cast<ObjKind>(i)));
        return v;
    }();
    return names.data();
}

const char* const* op_names() {
    static const auto names = [] {
        std::vector<const char*> v;
        for (int64_t i = 0; i <= kOpMax; ++i) v.push_back(op_name(static_cast<Op>(i)));
        return v;
    }();
    return names.data();
}

// ---------------------------------------------------------------- fields

const std::vector<Field<Task>>& task_fields() {
    static const std::vector<Field<Task>> f = {
        F<&Task::pid>("pid"),
        F<&Task::tgid>("tgid"),
        F<&Task::comm>("comm"),
        F<&Task::uid>("uid"),
        F<&Task::gid>("gid"),
        F<&Task::cap_effective>("cap_effective"),
        F<&Task::kthread>("kthread"),
        F<&Task::files>("files"),
        F<&Task::rlim_nofile>("rlim_nofile", 0, 1 << 20),
        F<&Task::state>("state", TASK_RUNNING, TASK_DEAD),
        F<&Task::on_runqueue>("on_runqueue"),
        F<&Task::signal_pending>("signal_pending"),
        F2<&Task::wait, &SyscallFrame::kind>("wait_kind"),
        F2<&Task::wait, &SyscallFrame::fd>("wait_fd"),
        F2<&Task::wait, &SyscallFrame::newfd>("wait_newfd"),
        F2<&Task::wait, &SyscallFrame::sock>("wait_sock"),
        F2<&Task::wait, &SyscallFrame::newsock>("wait_newsock"),
        F2<&Task::wait, &SyscallFrame::newfile>("wait_newfile"),
        F2<&Task::wait, &SyscallFrame::flags>("wait_flags"),
        F2<&Task::wait, &SyscallFrame::deadline>("wait_deadline"),
        F2<&Task::wait, &SyscallFrame::err>("wait_err"),
        F2<&Task::wait, &SyscallFrame::disconnects>("wait_disconnects"),
        F2<&Task::wait, &SyscallFrame::target>("wait_target"),
        F2<&Task::wait, &SyscallFrame::file>("wait_file"),
        F<&Task::kthread_should_stop>("kthread_should_stop"),
        F<&Task::kthread_sock>("kthread_sock"),
        F<&Task::kthread_pc>("kthread_pc"),
        F<&Task::kthread_addr>("kthread_addr"),
        F<&Task::kthread_port>("kthread_port"),
        F<&Task::kthread_backlog>("kthread_backlog"),
        F<&Task::kthread_accepted>("kthread_accepted"),
        F<&Task::timeout_timer>("timeout_timer"),
        F<&Task::exit_code>("exit_code"),
    };
    return f;
}

const std::vector<Field<FilesStruct>>& files_struct_fields() {
    static const std::vector<Field<FilesStruct>> f = {
        F<&FilesStruct::count>("count"),
        F<&FilesStruct::next_fd>("next_fd"),
    };
    return f;
}

const std::vector<Field<File>>& file_fields() {
    static const std::vector<Field<File>> f = {
        F<&File::f_count>("f_count"),
        F<&File::f_flags>("f_flags"),
        F<&File::f_op>("f_op"),
        F<&File::private_data>("private_data"),
    };
    return f;
}

const std::vector<Field<Socket>>& socket_fields() {
    static const std::vector<Field<Socket>> f = {
        F<&Socket::state>("state", SS_FREE, SS_DISCONNECTING),
        F<&Socket::type>("type", 0, SOCK_TYPE_MASK),
        F<&Socket::family>("family", 0, NPROTO - 1),
        F<&Socket::ops>("ops"),
        F<&Socket::file>("file"),
        F<&Socket::sk>("sk"),
        F<&Socket::i_ino>("i_ino"),
    };
    return f;
}

const std::vector<Field<Waiter>>& waiter_fields() {
    static const std::vector<Field<Waiter>> f = {
        F<&Waiter::task>("task"),
        F<&Waiter::exclusive>("exclusive"),
    };
    return f;
}

const std::vector<Field<Sock>>& sock_fields() {
    static const std::vector<Field<Sock>> f = {
        F<&Sock::sk_family>("sk_family", 0, NPROTO - 1),
        F<&Sock::sk_state>("sk_state", 0, TCP_MAX_STATES - 1),
        F<&Sock::sk_type>("sk_type", 0, SOCK_TYPE_MASK),
        F<&Sock::sk_protocol>("sk_protocol"),
        F<&Sock::sk_prot>("sk_prot"),
        F<&Sock::sk_reuse>("sk_reuse", SK_NO_REUSE, SK_FORCE_REUSE),
        F<&Sock::sk_reuseport>("sk_reuseport"),
        F<&Sock::sk_err>("sk_err"),
        F<&Sock::sk_shutdown>("sk_shutdown", 0, SHUTDOWN_MASK),
        F<&Sock::sk_userlocks>("sk_userlocks"),
        F<&Sock::sk_flags>("sk_flags"),
        F<&Sock::sk_lingertime>("sk_lingertime"),
        F<&Sock::sk_rcvtimeo>("sk_rcvtimeo"),
        F<&Sock::sk_sndtimeo>("sk_sndtimeo"),
        F<&Sock::sk_ack_backlog>("sk_ack_backlog"),
        F<&Sock::sk_max_ack_backlog>("sk_max_ack_backlog"),
        F<&Sock::sk_socket>("sk_socket"),
        F<&Sock::sk_uid>("sk_uid"),
        F<&Sock::sk_refcnt>("sk_refcnt"),
        F<&Sock::sk_kern_sock>("sk_kern_sock"),
        F<&Sock::sk_disconnects>("sk_disconnects"),
        F<&Sock::connect_tried>("connect_tried"),
        F<&Sock::listen_tried>("listen_tried"),
        F<&Sock::inet_num>("inet_num"),
        F<&Sock::inet_sport>("inet_sport"),
        F<&Sock::inet_saddr>("inet_saddr"),
        F<&Sock::inet_rcv_saddr>("inet_rcv_saddr"),
        F<&Sock::inet_daddr>("inet_daddr"),
        F<&Sock::inet_dport>("inet_dport"),
        F<&Sock::icsk_bind_hash>("icsk_bind_hash"),
        F<&Sock::qlen>("qlen"),
        F<&Sock::young>("young"),
        F<&Sock::synflood_warned>("synflood_warned"),
        F<&Sock::icsk_retransmits>("icsk_retransmits"),
        F<&Sock::icsk_rto>("icsk_rto"),
        F<&Sock::icsk_retransmit_timer>("icsk_retransmit_timer"),
        F<&Sock::sk_timer>("sk_timer"),
        F<&Sock::snd_isn>("snd_isn"),
        F<&Sock::snd_nxt>("snd_nxt"),
        F<&Sock::snd_una>("snd_una"),
        F<&Sock::rcv_nxt>("rcv_nxt"),
        F<&Sock::fin_sent>("fin_sent"),
        F<&Sock::last_overflow>("last_overflow"),
        F<&Sock::nonagle>("nonagle"),
        F<&Sock::destroyed>("destroyed"),
        F<&Sock::listener_hashed>("listener_hashed"),
        F<&Sock::ehashed>("ehashed"),
    };
    return f;
}

const std::vector<Field<RequestSock>>& request_sock_fields() {
    static const std::vector<Field<RequestSock>> f = {
        F<&RequestSock::rsk_listener>("rsk_listener"),
        F<&RequestSock::sk>("sk"),
        F<&RequestSock::ir_loc_addr>("ir_loc_addr"),
        F<&RequestSock::ir_rmt_addr>("ir_rmt_addr"),
        F<&RequestSock::ir_num>("ir_num"),
        F<&RequestSock::ir_rmt_port>("ir_rmt_port"),
        F<&RequestSock::snt_isn>("snt_isn"),
        F<&RequestSock::rcv_isn>("rcv_isn"),
        F<&RequestSock::num_timeout>("num_timeout"),
        F<&RequestSock::num_retrans>("num_retrans"),
        F<&RequestSock::acked>("acked"),
        F<&RequestSock::in_accept_queue>("in_accept_queue"),
        F<&RequestSock::rsk_timer>("rsk_timer"),
    };
    return f;
}

const std::vector<Field<TimewaitSock>>& timewait_sock_fields() {
    static const std::vector<Field<TimewaitSock>> f = {
        F<&TimewaitSock::tw_substate>("tw_substate", 0, TCP_MAX_STATES - 1),
        F<&TimewaitSock::tw_reuse>("tw_reuse"),
        F<&TimewaitSock::tw_reuseport>("tw_reuseport"),
        F<&TimewaitSock::tw_uid>("tw_uid"),
        F<&TimewaitSock::tw_rcv_saddr>("tw_rcv_saddr"),
        F<&TimewaitSock::tw_daddr>("tw_daddr"),
        F<&TimewaitSock::tw_num>("tw_num"),
        F<&TimewaitSock::tw_dport>("tw_dport"),
        F<&TimewaitSock::tw_snd_nxt>("tw_snd_nxt"),
        F<&TimewaitSock::tw_rcv_nxt>("tw_rcv_nxt"),
        F<&TimewaitSock::tw_tb>("tw_tb"),
        F<&TimewaitSock::tw_timer>("tw_timer"),
    };
    return f;
}

const std::vector<Field<BindBucket>>& bind_bucket_fields() {
    static const std::vector<Field<BindBucket>> f = {
        F<&BindBucket::table>("port_table"),
        F<&BindBucket::port>("port"),
        F<&BindBucket::fastreuse>("fastreuse"),
        F<&BindBucket::fastreuseport>("fastreuseport"),
        F<&BindBucket::fastuid>("fastuid"),
        F<&BindBucket::fast_rcv_saddr>("fast_rcv_saddr"),
    };
    return f;
}

const std::vector<Field<Timer>>& timer_fields() {
    static const std::vector<Field<Timer>> f = {
        F<&Timer::kind>("kind"),
        F<&Timer::owner>("owner"),
        F<&Timer::expires>("expires"),
        F<&Timer::seq>("seq"),
    };
    return f;
}

const std::vector<Field<Peer>>& peer_fields() {
    static const std::vector<Field<Peer>> f = {
        F<&Peer::name>("name"),
        F<&Peer::addr>("addr"),
        F<&Peer::next_port>("next_port"),
    };
    return f;
}

const std::vector<Field<PeerConn>>& peer_conn_fields() {
    static const std::vector<Field<PeerConn>> f = {
        F<&PeerConn::laddr>("laddr"),
        F<&PeerConn::lport>("lport"),
        F<&PeerConn::pport>("pport"),
        F<&PeerConn::snd_nxt>("snd_nxt"),
        F<&PeerConn::rcv_nxt>("rcv_nxt"),
        F<&PeerConn::state>("state", 0, TCP_MAX_STATES - 1),
    };
    return f;
}

const std::vector<Field<Packet>>& packet_fields() {
    static const std::vector<Field<Packet>> f = {
        F<&Packet::serial>("serial"),
        F<&Packet::saddr>("saddr"),
        F<&Packet::daddr>("daddr"),
        F<&Packet::sport>("sport"),
        F<&Packet::dport>("dport"),
        F<&Packet::flags>("flags"),
        F<&Packet::seq>("seq"),
        F<&Packet::ack_seq>("ack_seq"),
        F<&Packet::sent_at>("sent_at"),
    };
    return f;
}

const std::vector<Field<InetProtosw>>& protosw_fields() {
    static const std::vector<Field<InetProtosw>> f = {
        F<&InetProtosw::type>("type"),
        F<&InetProtosw::protocol>("protocol"),
        F<&InetProtosw::prot>("prot"),
        F<&InetProtosw::ops>("ops"),
        F<&InetProtosw::flags>("flags"),
    };
    return f;
}

const std::vector<Field<NetProtoFamily>>& net_family_fields() {
    static const std::vector<Field<NetProtoFamily>> f = {
        F<&NetProtoFamily::registered>("registered"),
        F<&NetProtoFamily::name>("name"),
        F<&NetProtoFamily::create>("create"),
    };
    return f;
}

#define SCALAR(field, lo, hi)                                                          \
    WorldScalar {                                                                      \
        #field, [](const World& w) -> int64_t { return to_i64(w.field); },             \
            [](World& w, int64_t v) { from_i64(w.field, v); }, lo, hi                  \
    }
const std::vector<WorldScalar>& world_scalars() {
    constexpr int64_t I64MIN = std::numeric_limits<int64_t>::min(), I64MAX = std::numeric_limits<int64_t>::max();
    constexpr int64_t IMIN = std::numeric_limits<int>::min(), IMAX = std::numeric_limits<int>::max();
    static const std::vector<WorldScalar> s = {
        SCALAR(now, 0, int64_t(1) << 62),
        SCALAR(next_ino, I64MIN, I64MAX),
        SCALAR(next_pid, IMIN, IMAX),
        SCALAR(next_packet, I64MIN, I64MAX),
        SCALAR(next_timer_seq, I64MIN, I64MAX),
        SCALAR(isn_state, 0, UINT32_MAX),
        SCALAR(table_perturb, 0, UINT32_MAX),
        SCALAR(orphan_count, IMIN, IMAX),
        SCALAR(nr_files, IMIN, IMAX),
    };
    return s;
}
#undef SCALAR

std::vector<SysctlSlot> sysctl_slots(Sysctls& s) {
    // One slot per /proc/sys name; the size check makes a new Sysctls
    // field fail here until it has a slot.
    static_assert(sizeof(Sysctls) == 14 * sizeof(int), "a sysctl was added: give it a slot here");
    std::vector<SysctlSlot> v = {
        {"net.core.somaxconn", &s.somaxconn, nullptr},
        {"net.ipv4.tcp_max_syn_backlog", &s.tcp_max_syn_backlog, nullptr},
        {"net.ipv4.tcp_syncookies", &s.tcp_syncookies, nullptr},
        {"net.ipv4.tcp_abort_on_overflow", &s.tcp_abort_on_overflow, nullptr},
        {"net.ipv4.ip_local_port_range", &s.ip_local_port_range_lo, &s.ip_local_port_range_hi},
        {"net.ipv4.ip_unprivileged_port_start", &s.ip_unprivileged_port_start, nullptr},
        {"net.ipv4.tcp_synack_retries", &s.tcp_synack_retries, nullptr},
        {"net.ipv4.tcp_syn_retries", &s.tcp_syn_retries, nullptr},
        {"net.ipv4.tcp_syn_linear_timeouts", &s.tcp_syn_linear_timeouts, nullptr},
        {"net.ipv4.ping_group_range", &s.ping_group_range_lo, &s.ping_group_range_hi},
        {"net.ipv4.tcp_fin_timeout", &s.tcp_fin_timeout, nullptr},
        {"net.ipv4.ip_nonlocal_bind", &s.ip_nonlocal_bind, nullptr},
    };
    static_assert(std::size(kSysctlNames) == 12, "a sysctl was added: give it a slot here");
    return v;
}

// ---------------------------------------------------------------- tables

namespace {

ColDef I(const std::string& n) { return {n, "INTEGER"}; }
ColDef T(const std::string& n) { return {n, "TEXT"}; }

template <class S> void add_fields(std::vector<ColDef>& cols, const std::vector<Field<S>>& fs) {
    for (const auto& f : fs)
        cols.push_back({f.col.name, f.col.type == CT::Text || f.col.type == CT::Enum ? "TEXT" : "INTEGER"});
}

std::vector<TableDef> make_tables() {
    std::vector<TableDef> t(static_cast<size_t>(Tab::Count));
    auto def = [&](Tab tab, const char* name, std::vector<ColDef> cols, const char* pk) {
        TableDef& d = t[static_cast<size_t>(tab)];
        d.tab = tab;
        d.name = name;
        d.cols = std::move(cols);
        d.pk = pk;
    };
    auto obj = [&](Tab tab, const char* name, auto& fields, std::vector<ColDef> extra = {}) {
        std::vector<ColDef> cols = {I("snapshot_id"), I("id")};
        add_fields(cols, fields);
        for (auto& c : extra) cols.push_back(c);
        def(tab, name, std::move(cols), "snapshot_id, id");
    };
    auto child = [&](Tab tab, const char* name, std::vector<ColDef> keys, std::vector<ColDef> cols, const char* pk) {
        std::vector<ColDef> all = {I("snapshot_id")};
        for (auto& c : keys) all.push_back(c);
        for (auto& c : cols) all.push_back(c);
        def(tab, name, std::move(all), pk);
    };
    std::vector<ColDef> packet;
    add_fields(packet, packet_fields());

    def(Tab::snapshot, "snapshot",
        {I("id"), T("label"), T("kind"), I("boot_id"), I("created_step"), T("created_at"), I("commands")}, "id");
    {
        std::vector<ColDef> cols = {I("snapshot_id")};
        for (const auto& s : world_scalars()) cols.push_back(I(s.name));
        def(Tab::world, "world", std::move(cols), "snapshot_id");
    }
    child(Tab::slab, "slab", {T("name")}, {I("capacity")}, "snapshot_id, name");
    child(Tab::slab_free, "slab_free", {T("name"), I("pos")}, {I("id")}, "snapshot_id, name, pos");
    obj(Tab::task, "task", task_fields());
    obj(Tab::files_struct, "files_struct", files_struct_fields(), {I("max_fds")});
    child(Tab::fdtable, "fdtable", {I("files_struct"), I("fd")}, {I("file"), I("open_fds"), I("close_on_exec")},
          "snapshot_id, files_struct, fd");
    obj(Tab::file, "file", file_fields());
    obj(Tab::socket, "socket", socket_fields());
    {
        std::vector<ColDef> cols;
        add_fields(cols, waiter_fields());
        child(Tab::socket_wq, "socket_wq", {I("socket"), I("pos")}, cols, "snapshot_id, socket, pos");
    }
    obj(Tab::sock, "sock", sock_fields());
    child(Tab::sock_rskq_accept, "sock_rskq_accept", {I("sock"), I("pos")}, {I("request_sock")},
          "snapshot_id, sock, pos");
    obj(Tab::request_sock, "request_sock", request_sock_fields());
    obj(Tab::timewait_sock, "timewait_sock", timewait_sock_fields());
    obj(Tab::inet_bind_bucket, "inet_bind_bucket", bind_bucket_fields());
    child(Tab::inet_bind_bucket_owners, "inet_bind_bucket_owners", {I("inet_bind_bucket"), I("pos")}, {I("sock")},
          "snapshot_id, inet_bind_bucket, pos");
    child(Tab::inet_bind_bucket_tw_owners, "inet_bind_bucket_tw_owners", {I("inet_bind_bucket"), I("pos")},
          {I("timewait_sock")}, "snapshot_id, inet_bind_bucket, pos");
    obj(Tab::timer, "timer", timer_fields());
    obj(Tab::peer, "peer", peer_fields());
    {
        std::vector<ColDef> cols;
        add_fields(cols, peer_conn_fields());
        child(Tab::peer_conns, "peer_conns", {I("peer"), I("pos")}, cols, "snapshot_id, peer, pos");
    }
    child(Tab::peer_inbox, "peer_inbox", {I("peer"), I("pos")}, packet, "snapshot_id, peer, pos");
    {
        std::vector<ColDef> cols;
        add_fields(cols, net_family_fields());
        child(Tab::net_proto_family, "net_proto_family", {I("family")}, cols, "snapshot_id, family");
    }
    {
        std::vector<ColDef> cols;
        add_fields(cols, protosw_fields());
        child(Tab::inet_protosw, "inet_protosw", {I("family"), I("slot"), I("pos")}, cols,
              "snapshot_id, family, slot, pos");
    }
    child(Tab::sysctl, "sysctl", {T("name")}, {I("value"), I("value2")}, "snapshot_id, name");
    child(Tab::counter, "counter", {T("name")}, {I("value")}, "snapshot_id, name");
    child(Tab::bhash, "bhash", {T("port_table"), I("port")}, {I("inet_bind_bucket")},
          "snapshot_id, port_table, port");
    child(Tab::lhash, "lhash", {I("port"), I("pos")}, {I("sock")}, "snapshot_id, port, pos");
    child(Tab::ehash, "ehash", {I("laddr"), I("lport"), I("raddr"), I("rport")}, {T("kind"), I("sk")},
          "snapshot_id, laddr, lport, raddr, rport");
    child(Tab::wire, "wire", {I("pos")}, packet, "snapshot_id, pos");
    child(Tab::runqueue, "runqueue", {I("pos")}, {I("task")}, "snapshot_id, pos");
    std::vector<ColDef> cmd = {T("op"), I("task"), I("a0"), I("a1"), I("a2"), I("a3"), I("a4"), I("a5"), T("text")};
    {
        std::vector<ColDef> cols = cmd;
        cols.push_back(I("first_step"));
        cols.push_back(I("steps"));
        child(Tab::command, "command", {I("id")}, cols, "snapshot_id, id");
    }
    child(Tab::branch, "branch", {I("id")}, {I("at_step")}, "snapshot_id, id");
    child(Tab::branch_command, "branch_command", {I("branch"), I("pos")}, cmd, "snapshot_id, branch, pos");
    child(Tab::session_name, "session_name", {T("kind"), T("name")}, {I("value")}, "snapshot_id, kind, name");
    child(Tab::pending_call, "pending_call", {I("task")},
          {T("file"), I("line"), I("col"), T("text"), T("bind"), I("expected"), T("expected_errno")},
          "snapshot_id, task");
    return t;
}

}  // namespace

const std::vector<TableDef>& tables() {
    static const std::vector<TableDef> t = make_tables();
    return t;
}

std::string schema_sql() {
    std::string s;
    for (const TableDef& t : tables()) {
        s += "CREATE TABLE IF NOT EXISTS \"" + t.name + "\" (";
        for (size_t i = 0; i < t.cols.size(); ++i) {
            if (t.tab == Tab::snapshot && i == 0) {
                s += "\"id\" INTEGER PRIMARY KEY, ";
                continue;
            }
            s += "\"" + t.cols[i].name + "\" " + t.cols[i].sql;
            if (t.tab == Tab::snapshot && t.cols[i].name == "kind") s += " NOT NULL";
            s += ", ";
        }
        if (t.tab == Tab::snapshot) {
            s.resize(s.size() - 2);
            s += ");\n";
        } else {
            s += "PRIMARY KEY (" + t.pk + ")) WITHOUT ROWID;\n";
        }
    }
    // Lookup tables for queries (the numbers are the kernel's).
    s += "CREATE TABLE IF NOT EXISTS \"tcp_state\" (\"value\" INTEGER PRIMARY KEY, \"name\" TEXT);\n";
    s += "CREATE TABLE IF NOT EXISTS \"socket_state\" (\"value\" INTEGER PRIMARY KEY, \"name\" TEXT);\n";
    return s;
}

const char* slab_name(ObjKind k) {
    switch (k) {
    case ObjKind::Task: return "task";
    case ObjKind::Files: return "files_struct";
    case ObjKind::File: return "file";
    case ObjKind::Socket: return "socket";
    case ObjKind::Sock: return "sock";
    case ObjKind::Req: return "request_sock";
    case ObjKind::Tw: return "timewait_sock";
    case ObjKind::Bucket: return "inet_bind_bucket";
    case ObjKind::Timer: return "timer";
    case ObjKind::Peer: return "peer";
    default: return nullptr;
    }
}

// ---------------------------------------------------------------- writer

namespace {

template <class S> void put_fields(Sink& s, const std::vector<Field<S>>& fs, const S& o) {
    for (const auto& f : fs) {
        switch (f.col.type) {
        case CT::Text: s.text(f.get_text(o)); break;
        case CT::Ref: {
            int64_t v = f.get(o);
            if (v) s.integer(v);
            else s.null();
            break;
        }
        case CT::Enum: {
            int64_t v = f.get(o);
            if (v >= 0 && v <= f.col.hi) s.text(f.col.names[v]);
            else s.integer(v);  // cannot be read back: the load refuses it
            break;
        }
        default: s.integer(f.get(o)); break;
        }
    }
}

void id_or_null(Sink& s, uint32_t v) {
    if (v) s.integer(v);
    else s.null();
}

template <class IdT, class T>
void put_table(Sink& s, Tab tab, int64_t sid, const Table<IdT, T>& t, const std::vector<Field<T>>& fs) {
    s.begin(tab);
    t.each([&](IdT id, const T& o) {
        s.integer(sid);
        s.integer(id.v);
        put_fields(s, fs, o);
        s.end_row();
    });
}

template <class IdT, class T> void put_slab(Sink& s, int64_t sid, const Table<IdT, T>& t) {
    const char* name = slab_name(KindOf<IdT>::k);
    s.begin(Tab::slab);
    s.integer(sid);
    s.text(name);
    s.integer(static_cast<int64_t>(t.capacity()));
    s.end_row();
    std::vector<uint32_t> fl = free_list(t);
    if (fl.empty()) return;
    s.begin(Tab::slab_free);
    std::string n = name;
    for (size_t i = 0; i < fl.size(); ++i) {
        s.integer(sid);
        s.text(n);
        s.integer(static_cast<int64_t>(i));
        s.integer(fl[i]);
        s.end_row();
    }
}

void put_packet_rows(Sink& s, int64_t sid, const std::vector<Packet>& ps, const int64_t* parent) {
    for (size_t i = 0; i < ps.size(); ++i) {
        s.integer(sid);
        if (parent) s.integer(*parent);
        s.integer(static_cast<int64_t>(i));
        put_fields(s, packet_fields(), ps[i]);
        s.end_row();
    }
}

void put_command(Sink& s, const Command& c) {
    int64_t op = static_cast<int64_t>(c.op);
    if (op >= 0 && op <= kOpMax) s.text(op_names()[op]);
    else s.integer(op);
    id_or_null(s, c.task);
    for (int64_t a : c.a) s.integer(a);
    s.text(c.text);
}

void put_world(Sink& s, int64_t sid, const World& w) {
    s.begin(Tab::world);
    s.integer(sid);
    for (const auto& sc : world_scalars()) s.integer(sc.get(w));
    s.end_row();

    put_slab(s, sid, w.tasks);
    put_slab(s, sid, w.files_structs);
    put_slab(s, sid, w.files);
    put_slab(s, sid, w.sockets);
    put_slab(s, sid, w.socks);
    put_slab(s, sid, w.reqs);
    put_slab(s, sid, w.tws);
    put_slab(s, sid, w.buckets);
    put_slab(s, sid, w.timers);
    put_slab(s, sid, w.peers);

    put_table(s, Tab::task, sid, w.tasks, task_fields());

    s.begin(Tab::files_struct);
    w.files_structs.each([&](FilesId id, const FilesStruct& fs) {
        s.integer(sid);
        s.integer(id.v);
        put_fields(s, files_struct_fields(), fs);
        s.integer(static_cast<int64_t>(fs.fd.size()));
        s.end_row();
    });
    s.begin(Tab::fdtable);
    w.files_structs.each([&](FilesId id, const FilesStruct& fs) {
        for (size_t i = 0; i < fs.fd.size(); ++i) {
            bool open = i < fs.open_fds.size() && fs.open_fds[i];
            bool cloexec = i < fs.close_on_exec.size() && fs.close_on_exec[i];
            if (!fs.fd[i] && !open && !cloexec) continue;
            s.integer(sid);
            s.integer(id.v);
            s.integer(static_cast<int64_t>(i));
            id_or_null(s, fs.fd[i].v);
            s.integer(i < fs.open_fds.size() ? fs.open_fds[i] : 0);
            s.integer(i < fs.close_on_exec.size() ? fs.close_on_exec[i] : 0);
            s.end_row();
        }
    });

    put_table(s, Tab::file, sid, w.files, file_fields());
    put_table(s, Tab::socket, sid, w.sockets, socket_fields());
    s.begin(Tab::socket_wq);
    w.sockets.each([&](SocketId id, const Socket& so) {
        for (size_t i = 0; i < so.wq.size(); ++i) {
            s.integer(sid);
            s.integer(id.v);
            s.integer(static_cast<int64_t>(i));
            put_fields(s, waiter_fields(), so.wq[i]);
            s.end_row();
        }
    });

    put_table(s, Tab::sock, sid, w.socks, sock_fields());
    s.begin(Tab::sock_rskq_accept);
    w.socks.each([&](SockId id, const Sock& sk) {
        for (size_t i = 0; i < sk.rskq_accept.size(); ++i) {
            s.integer(sid);
            s.integer(id.v);
            s.integer(static_cast<int64_t>(i));
            id_or_null(s, sk.rskq_accept[i].v);
            s.end_row();
        }
    });

    put_table(s, Tab::request_sock, sid, w.reqs, request_sock_fields());
    put_table(s, Tab::timewait_sock, sid, w.tws, timewait_sock_fields());

    put_table(s, Tab::inet_bind_bucket, sid, w.buckets, bind_bucket_fields());
    s.begin(Tab::inet_bind_bucket_owners);
    w.buckets.each([&](BucketId id, const BindBucket& b) {
        for (size_t i = 0; i < b.owners.size(); ++i) {
            s.integer(sid);
            s.integer(id.v);
            s.integer(static_cast<int64_t>(i));
            id_or_null(s, b.owners[i].v);
            s.end_row();
        }
    });
    s.begin(Tab::inet_bind_bucket_tw_owners);
    w.buckets.each([&](BucketId id, const BindBucket& b) {
        for (size_t i = 0; i < b.tw_owners.size(); ++i) {
            s.integer(sid);
            s.integer(id.v);
            s.integer(static_cast<int64_t>(i));
            id_or_null(s, b.tw_owners[i].v);
            s.end_row();
        }
    });

    put_table(s, Tab::timer, sid, w.timers, timer_fields());
    put_table(s, Tab::peer, sid, w.peers, peer_fields());
    s.begin(Tab::peer_conns);
    w.peers.each([&](PeerId id, const Peer& p) {
        for (size_t i = 0; i < p.conns.size(); ++i) {
            s.integer(sid);
            s.integer(id.v);
            s.integer(static_cast<int64_t>(i));
            put_fields(s, peer_conn_fields(), p.conns[i]);
            s.end_row();
        }
    });
    s.begin(Tab::peer_inbox);
    w.peers.each([&](PeerId id, const Peer& p) {
        int64_t parent = id.v;
        put_packet_rows(s, sid, p.inbox, &parent);
    });
    s.begin(Tab::net_proto_family);
    const NetProtoFamily empty_family{};
    for (size_t fam = 0; fam < w.net_families.size(); ++fam) {
        const NetProtoFamily& f = w.net_families[fam];
        if (f == empty_family) continue;
        s.integer(sid);
        s.integer(static_cast<int64_t>(fam));
        put_fields(s, net_family_fields(), f);
        s.end_row();
    }
    s.begin(Tab::inet_protosw);
    for (size_t fam = 0; fam < w.net_families.size(); ++fam)
        for (size_t slot = 0; slot < w.net_families[fam].inetsw.size(); ++slot) {
            const auto& v = w.net_families[fam].inetsw[slot];
            for (size_t i = 0; i < v.size(); ++i) {
                s.integer(sid);
                s.integer(static_cast<int64_t>(fam));
                s.integer(static_cast<int64_t>(slot));
                s.integer(static_cast<int64_t>(i));
                put_fields(s, protosw_fields(), v[i]);
                s.end_row();
            }
        }

    s.begin(Tab::sysctl);
    Sysctls sys = w.sysctl;
    for (const SysctlSlot& sl : sysctl_slots(sys)) {
        s.integer(sid);
        s.text(sl.name);
        s.integer(*sl.v1);
        if (sl.v2) s.integer(*sl.v2);
        else s.null();
        s.end_row();
    }
    s.begin(Tab::counter);
    for (size_t i = 0; i < w.mib.size(); ++i) {
        s.integer(sid);
        s.text(mib_name(static_cast<Mib>(i)));
        s.integer(w.mib[i]);
        s.end_row();
    }

    s.begin(Tab::bhash);
    for (const auto& [key, b] : w.bhash) {
        s.integer(sid);
        int64_t t = static_cast<int64_t>(key.first);
        if (t >= 0 && t < static_cast<int64_t>(std::size(EnumNames<PortTable>::v))) s.text(EnumNames<PortTable>::v[t]);
        else s.integer(t);
        s.integer(key.second);
        id_or_null(s, b.v);
        s.end_row();
    }
    s.begin(Tab::lhash);
    for (const auto& [port, socks] : w.lhash)
        for (size_t i = 0; i < socks.size(); ++i) {
            s.integer(sid);
            s.integer(port);
            s.integer(static_cast<int64_t>(i));
            id_or_null(s, socks[i].v);
            s.end_row();
        }
    s.begin(Tab::ehash);
    for (const auto& [k, e] : w.ehash) {
        s.integer(sid);
        s.integer(k.laddr);
        s.integer(k.lport);
        s.integer(k.raddr);
        s.integer(k.rport);
        int64_t kind = static_cast<int64_t>(e.kind);
        if (kind >= 0 && kind <= kObjKindMax) s.text(objkind_names()[kind]);
        else s.integer(kind);
        id_or_null(s, e.id);
        s.end_row();
    }

    s.begin(Tab::wire);
    put_packet_rows(s, sid, w.wire, nullptr);
    s.begin(Tab::runqueue);
    for (size_t i = 0; i < w.runqueue.size(); ++i) {
        s.integer(sid);
        s.integer(static_cast<int64_t>(i));
        id_or_null(s, w.runqueue[i].v);
        s.end_row();
    }
}

}  // namespace

void emit_snapshot(Sink& s, const SnapshotRows& meta, const History& h, const SessionNames* names) {
    s.begin(Tab::snapshot);
    s.integer(meta.head_id);
    s.text(meta.label);
    s.text("head");
    s.integer(meta.boot_id);
    s.integer(static_cast<int64_t>(h.step_count()));
    s.text(meta.created_at);
    s.integer(static_cast<int64_t>(h.entries().size()));
    s.end_row();
    s.integer(meta.boot_id);
    s.null();
    s.text("boot");
    s.null();
    s.integer(0);
    s.text(meta.created_at);
    s.integer(0);
    s.end_row();

    put_world(s, meta.boot_id, h.boot_world());
    put_world(s, meta.head_id, h.live().k.w);

    const int64_t sid = meta.head_id;
    s.begin(Tab::command);
    for (size_t i = 0; i < h.entries().size(); ++i) {
        const History::Entry& e = h.entries()[i];
        s.integer(sid);
        s.integer(static_cast<int64_t>(i));
        put_command(s, e.cmd);
        s.integer(static_cast<int64_t>(e.first_step));
        s.integer(static_cast<int64_t>(e.steps));
        s.end_row();
    }
    s.begin(Tab::branch);
    for (size_t i = 0; i < h.branches().size(); ++i) {
        s.integer(sid);
        s.integer(static_cast<int64_t>(i));
        s.integer(static_cast<int64_t>(h.branches()[i].at_step));
        s.end_row();
    }
    s.begin(Tab::branch_command);
    for (size_t i = 0; i < h.branches().size(); ++i) {
        const auto& cmds = h.branches()[i].commands;
        for (size_t j = 0; j < cmds.size(); ++j) {
            s.integer(sid);
            s.integer(static_cast<int64_t>(i));
            s.integer(static_cast<int64_t>(j));
            put_command(s, cmds[j]);
            s.end_row();
        }
    }
    s.begin(Tab::session_name);
    if (names) {
        for (const auto& [k, v] : names->tasks) {
            s.integer(sid);
            s.text("task");
            s.text(k);
            s.integer(v);
            s.end_row();
        }
        for (const auto& [k, v] : names->vars) {
            s.integer(sid);
            s.text("var");
            s.text(k);
            s.integer(v);
            s.end_row();
        }
    }
    // NULL where the statement has no binding or no expectation.
    s.begin(Tab::pending_call);
    if (names) {
        for (const script::PendingCall& c : names->pending) {
            s.integer(sid);
            s.integer(c.task.v);
            s.text(c.file);
            s.integer(c.line);
            s.integer(c.col);
            s.text(c.text);
            if (c.bind.empty()) s.null();
            else s.text(c.bind);
            if (c.expected) s.integer(*c.expected);
            else s.null();
            if (c.expected_errno.empty()) s.null();
            else s.text(c.expected_errno);
            s.end_row();
        }
    }
}

decltype(World::timer_queue) derived_timer_queue(const World& w) {
    decltype(World::timer_queue) q;
    w.timers.each([&](TimerId id, const Timer& t) { q.emplace(t.expires, t.seq, id.v); });
    return q;
}

decltype(World::peer_addrs) derived_peer_addrs(const World& w) {
    decltype(World::peer_addrs) m;
    w.peers.each([&](PeerId id, const Peer& p) { m.emplace(p.addr, id); });
    return m;
}

std::string now_utc_iso8601() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace sockscope::snapshot::detail
