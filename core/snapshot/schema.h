// schema.h — the snapshot schema as data, shared by the SQLite store and
// the JSON export (internal to core/snapshot/).
//
// Every struct field that is saved is listed once, as a Field: its column
// name (the kernel field's name), its type and the range a loaded value
// must lie in, and how to read and write it. The table list, the SQL DDL,
// the writer (rows out) and the reader (rows in, snapshot.cpp) are all
// driven by these lists, so the file, the JSON and the docs share names.
#pragma once
#include <bit>
#include <cstdint>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <string>
#include <type_traits>
#include <vector>

#include "history.h"
#include "snapshot/snapshot.h"
#include "world.h"

namespace sockscope::snapshot::detail {

// ---- column types ----
enum class CT : uint8_t {
    Int,    // INTEGER in [lo, hi]
    U64,    // INTEGER: an unsigned 64-bit field stored as its bit pattern
    Bool,   // INTEGER 0 or 1
    Text,   // TEXT
    Ref,    // INTEGER id into the table `ref` names, NULL for the null pointer
    Enum,   // TEXT: one of names[0..hi]
};

struct Col {
    const char* name = "";
    CT type = CT::Int;
    int64_t lo = 0, hi = 0;
    ObjKind ref = ObjKind::None;
    const char* const* names = nullptr;
};

// ---- names of the model's enums, as the source spells them ----
template <class E> struct EnumNames;
template <> struct EnumNames<WaitKind> {
    static constexpr const char* v[] = {"None", "Accept", "Connect", "KthreadWait", "KthreadStop"};
    static_assert(std::size(v) == size_t(WaitKind::KthreadStop) + 1);
};
template <> struct EnumNames<FileOps> {
    static constexpr const char* v[] = {"tty_fops", "socket_file_ops"};
    static_assert(std::size(v) == size_t(FileOps::socket_file_ops) + 1);
};
template <> struct EnumNames<OpsKind> {
    static constexpr const char* v[] = {"none", "inet_stream_ops", "inet_dgram_ops", "inet_sockraw_ops",
                                        "packet_ops"};
    static_assert(std::size(v) == size_t(OpsKind::packet_ops) + 1);
};
template <> struct EnumNames<ProtKind> {
    static constexpr const char* v[] = {"none", "tcp_prot", "udp_prot", "raw_prot", "ping_prot", "packet_prot",
                                        "udplite_prot"};
    static_assert(std::size(v) == size_t(ProtKind::udplite_prot) + 1);
};
template <> struct EnumNames<PortTable> {
    static constexpr const char* v[] = {"tcp", "udp", "raw", "udplite"};
    static_assert(std::size(v) == size_t(PortTable::udplite) + 1);
};
template <> struct EnumNames<TimerKind> {
    static constexpr const char* v[] = {"tcp_retransmit", "reqsk_timer", "tw_timer", "sock_timeout",
                                        "tcp_keepalive"};
    static_assert(std::size(v) == size_t(TimerKind::tcp_keepalive) + 1);
};
// ObjKind and Op take their names from obj_kind_name() and op_name().
const char* const* objkind_names();   // indexed by ObjKind, ObjKind::Packet last
const char* const* op_names();        // indexed by Op, Op::Count excluded
constexpr int64_t kObjKindMax = int64_t(ObjKind::Packet);
constexpr int64_t kOpMax = int64_t(Op::Count) - 1;

// ---- fields ----
template <class S> struct Field {
    Col col;
    int64_t (*get)(const S&) = nullptr;
    void (*set)(S&, int64_t) = nullptr;
    const std::string& (*get_text)(const S&) = nullptr;
    void (*set_text)(S&, std::string&&) = nullptr;
};

template <class T> struct is_id : std::false_type {};
template <class Tag> struct is_id<Id<Tag>> : std::true_type {};

template <class M> struct member;
template <class C, class T> struct member<T C::*> {
    using cls = C;
    using type = T;
};

template <class T> int64_t to_i64(const T& v) {
    if constexpr (is_id<T>::value) return v.v;
    else if constexpr (std::is_enum_v<T>) return static_cast<int64_t>(v);
    else if constexpr (std::is_same_v<T, bool>) return v ? 1 : 0;
    else if constexpr (std::is_same_v<T, uint64_t>) return std::bit_cast<int64_t>(v);
    else return static_cast<int64_t>(v);
}
template <class T> void from_i64(T& d, int64_t v) {
    if constexpr (is_id<T>::value) d = T(static_cast<uint32_t>(v));
    else if constexpr (std::is_enum_v<T>) d = static_cast<T>(v);
    else if constexpr (std::is_same_v<T, bool>) d = v != 0;
    else if constexpr (std::is_same_v<T, uint64_t>) d = std::bit_cast<uint64_t>(v);
    else d = static_cast<T>(v);
}

template <class T> Col col_of(const char* name) {
    Col c;
    c.name = name;
    if constexpr (std::is_same_v<T, std::string>) {
        c.type = CT::Text;
    } else if constexpr (std::is_same_v<T, bool>) {
        c.type = CT::Bool;
        c.hi = 1;
    } else if constexpr (is_id<T>::value) {
        c.type = CT::Ref;
        c.ref = KindOf<T>::k;
    } else if constexpr (std::is_enum_v<T>) {
        c.type = CT::Enum;
        c.names = EnumNames<T>::v;
        c.hi = static_cast<int64_t>(std::size(EnumNames<T>::v)) - 1;
    } else if constexpr (std::is_same_v<T, uint64_t>) {
        c.type = CT::U64;
        c.lo = std::numeric_limits<int64_t>::min();
        c.hi = std::numeric_limits<int64_t>::max();
    } else {
        static_assert(std::is_integral_v<T>);
        c.type = CT::Int;
        c.lo = static_cast<int64_t>(std::numeric_limits<T>::min());
        c.hi = static_cast<int64_t>(std::numeric_limits<T>::max());
    }
    return c;
}

// F<&Sock::sk_state>("sk_state", lo, hi): a field with a narrower range.
template <auto PM> Field<typename member<decltype(PM)>::cls> F(const char* name) {
    using C = typename member<decltype(PM)>::cls;
    using T = typename member<decltype(PM)>::type;
    Field<C> f;
    f.col = col_of<T>(name);
    if constexpr (std::is_same_v<T, std::string>) {
        f.get_text = [](const C& c) -> const std::string& { return c.*PM; };
        f.set_text = [](C& c, std::string&& v) { c.*PM = std::move(v); };
    } else {
        f.get = [](const C& c) -> int64_t { return to_i64(c.*PM); };
        f.set = [](C& c, int64_t v) { from_i64(c.*PM, v); };
    }
    return f;
}
template <auto PM> Field<typename member<decltype(PM)>::cls> F(const char* name, int64_t lo, int64_t hi) {
    auto f = F<PM>(name);
    f.col.lo = lo;
    f.col.hi = hi;
    return f;
}
// A field of a member struct (Task::wait.fd -> "wait_fd").
template <auto P1, auto P2> Field<typename member<decltype(P1)>::cls> F2(const char* name) {
    using C = typename member<decltype(P1)>::cls;
    using T = typename member<decltype(P2)>::type;
    Field<C> f;
    f.col = col_of<T>(name);
    f.get = [](const C& c) -> int64_t { return to_i64((c.*P1).*P2); };
    f.set = [](C& c, int64_t v) { from_i64((c.*P1).*P2, v); };
    return f;
}

const std::vector<Field<Task>>& task_fields();
const std::vector<Field<FilesStruct>>& files_struct_fields();   // without max_fds
const std::vector<Field<File>>& file_fields();
const std::vector<Field<Socket>>& socket_fields();
const std::vector<Field<Waiter>>& waiter_fields();
const std::vector<Field<Sock>>& sock_fields();
const std::vector<Field<RequestSock>>& request_sock_fields();
const std::vector<Field<TimewaitSock>>& timewait_sock_fields();
const std::vector<Field<BindBucket>>& bind_bucket_fields();
const std::vector<Field<Timer>>& timer_fields();
const std::vector<Field<Peer>>& peer_fields();
const std::vector<Field<PeerConn>>& peer_conn_fields();
const std::vector<Field<Packet>>& packet_fields();
const std::vector<Field<InetProtosw>>& protosw_fields();
const std::vector<Field<NetProtoFamily>>& net_family_fields();

// World scalars (the `world` table).
struct WorldScalar {
    const char* name;
    int64_t (*get)(const World&);
    void (*set)(World&, int64_t);
    int64_t lo, hi;
};
const std::vector<WorldScalar>& world_scalars();

// Sysctls by /proc/sys name: the first value, and the second one of the
// two-number sysctls (nullptr otherwise).
struct SysctlSlot {
    const char* name;
    int* v1;
    int* v2;
};
std::vector<SysctlSlot> sysctl_slots(Sysctls& s);

// ---- tables ----
enum class Tab : uint8_t {
    snapshot, world, slab, slab_free,
    task, files_struct, fdtable, file, socket, socket_wq, sock, sock_rskq_accept,
    request_sock, timewait_sock, inet_bind_bucket, inet_bind_bucket_owners,
    inet_bind_bucket_tw_owners, timer, peer, peer_conns, peer_inbox,
    net_proto_family, inet_protosw, sysctl, counter, bhash, lhash, ehash, wire, runqueue,
    command, branch, branch_command, session_name, pending_call,
    Count
};

struct ColDef {
    std::string name;
    const char* sql;      // "INTEGER" or "TEXT"
};
struct TableDef {
    Tab tab;
    std::string name;
    std::vector<ColDef> cols;     // snapshot_id (or id) first
    std::string pk;
};
const std::vector<TableDef>& tables();   // indexed by Tab
inline const TableDef& table_def(Tab t) { return tables()[static_cast<size_t>(t)]; }
// CREATE TABLE statements (and the small lookup tables).
std::string schema_sql();

// The object tables in slab order, with their names.
const char* slab_name(ObjKind k);

// ---- rows out ----
class Sink {
public:
    virtual ~Sink() = default;
    virtual void begin(Tab t) = 0;          // rows of table t follow
    virtual void integer(int64_t v) = 0;
    virtual void null() = 0;
    virtual void text(const std::string& s) = 0;
    virtual void end_row() = 0;
};

// What one saved snapshot writes besides the two worlds.
struct SnapshotRows {
    int64_t head_id = 0, boot_id = 0;
    std::string label;
    std::string created_at;
};

// Writes everything: both snapshot rows, both worlds, the history, names.
void emit_snapshot(Sink& s, const SnapshotRows& meta, const History& h, const SessionNames* names);

// The free list of a table, in the order its next frees would be undone
// (Table keeps it private; a copy handed out slot by slot reveals it).
template <class IdT, class T> std::vector<uint32_t> free_list(const Table<IdT, T>& t) {
    std::vector<uint32_t> out;
    size_t n = t.capacity() - t.size();
    if (n == 0) return out;
    Table<IdT, T> copy = t;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) out.push_back(copy.alloc().v);
    return std::vector<uint32_t>(out.rbegin(), out.rend());
}

std::string now_utc_iso8601();

// Indexes the model keeps beside its tables, which a snapshot does not
// store: every live timer is queued by (expires, seq) and every peer is
// routed by its address. Rebuilt on load (the replay's comparison then
// checks them); saving refuses a world where they do not hold.
decltype(World::timer_queue) derived_timer_queue(const World& w);
decltype(World::peer_addrs) derived_peer_addrs(const World& w);

}  // namespace sockscope::snapshot::detail
