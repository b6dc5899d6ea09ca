// world.h — every kernel object the model keeps, and the world that owns them.
//
// Models the fields that matter to the socket layer of: task_struct and
// files_struct/fdtable (include/linux/sched.h, fdtable.h), struct file
// (fs.h), struct socket (net.h), struct sock / inet_sock /
// inet_connection_sock / tcp_sock (net/sock.h, inet_sock.h,
// inet_connection_sock.h, linux/tcp.h), request_sock (request_sock.h),
// inet_timewait_sock, inet_bind_bucket (inet_hashtables.h), net_proto_family
// and inet_protosw (net.h, protocol.h), the netns sysctls and MIB counters.
// Kernel fields keep their kernel names. Pointers become typed ids (ids.h).
// Left out: memory accounting, buffers and payload, routing, IPv6, locks
// (the model runs one step at a time), and every field no lesson needs.
//
// Only core/kernel/kernel.cpp's chokepoints write to these structs while a
// step runs; everything else reads.
//
// Sections: 1 tasks and files · 2 sockets · 3 protocol tables · 4 the wire
// and timers · 5 the network namespace · 6 the world
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "ids.h"
#include "node_pool.h"
#include "table.h"
#include "uapi.h"

namespace sockscope {

// ============================================================ 1 tasks, files

// What a sleeping task is in the middle of (its kernel stack, in the model).
enum class WaitKind : uint8_t {
    None,
    Accept,        // inet_csk_wait_for_connect
    Connect,       // inet_wait_for_connect
    KthreadWait,   // wait_event_interruptible in the seed-000 server loop
    KthreadStop,   // kthread_stop waiting for the thread to exit
};

enum TaskRunState : uint8_t { TASK_RUNNING = 0, TASK_INTERRUPTIBLE = 1, TASK_DEAD = 2 };

struct SyscallFrame {           // the suspended syscall of a sleeping task
    WaitKind kind = WaitKind::None;
    int fd = -1;                // the fd the call was made on
    int newfd = -1;             // accept: the fd reserved before waiting
    SocketId sock;              // the socket slept on
    SocketId newsock;           // accept: the socket allocated before waiting
    FileId newfile;             // accept: its file
    int flags = 0;              // accept4 flags / connect file flags
    int64_t deadline = -1;      // virtual ms, -1 = no timeout
    int err = 0;                // connect: EINPROGRESS or EALREADY to return on timeout
    int disconnects = 0;        // connect: sk_disconnects when it went to sleep
    TaskId target;              // kthread_stop: the thread
    FileId file;                // the file the call holds a reference on
                                // (fdget takes one when the table is shared)
    bool operator==(const SyscallFrame&) const = default;
};

struct Task {
    int pid = 0;
    int tgid = 0;
    std::string comm;
    uint32_t uid = 0, gid = 0;
    uint64_t cap_effective = 0;          // bit n = capability n
    bool kthread = false;                // a kernel thread: no files
    FilesId files;                       // shared by threads, copied by fork
    int rlim_nofile = RLIMIT_NOFILE_DEFAULT;
    uint8_t state = TASK_RUNNING;
    bool on_runqueue = false;            // woken, waiting for its turn
    bool signal_pending = false;
    SyscallFrame wait;                   // valid while asleep
    // kthread (seed 000 server): its socket and program counter
    bool kthread_should_stop = false;
    SocketId kthread_sock;
    int kthread_pc = 0;
    uint32_t kthread_addr = 0;
    uint16_t kthread_port = 0;
    int kthread_backlog = 0;
    int kthread_accepted = 0;
    TimerId timeout_timer;               // SO_RCVTIMEO/SO_SNDTIMEO of a sleep
    int exit_code = 0;
    bool operator==(const Task&) const = default;
};

// files_struct + fdtable. fd[] holds the installed file; open_fds marks
// reserved-or-installed slots (get_unused_fd_flags reserves before
// fd_install publishes, so a slot can be open with no file yet).
struct FilesStruct {
    int count = 1;                       // tasks sharing this table
    std::vector<FileId> fd;
    std::vector<uint8_t> open_fds;
    std::vector<uint8_t> close_on_exec;
    int next_fd = 0;
    bool operator==(const FilesStruct&) const = default;
};

enum class FileOps : uint8_t { tty_fops, socket_file_ops };

struct File {
    int f_count = 1;
    int f_flags = O_RDWR;
    FileOps f_op = FileOps::tty_fops;
    SocketId private_data;               // socket_file_ops: the socket
    bool operator==(const File&) const = default;
};

// ============================================================ 2 sockets

// proto_ops tables (struct socket->ops)
enum class OpsKind : uint8_t { none, inet_stream_ops, inet_dgram_ops, inet_sockraw_ops, packet_ops };
// struct proto (sk->sk_prot)
// udplite_prot is last only so stored snapshots keep their numbers.
enum class ProtKind : uint8_t { none, tcp_prot, udp_prot, raw_prot, ping_prot, packet_prot, udplite_prot };
const char* prot_name(ProtKind p);                 // "tcp_prot", ...; "-" for none
// UDP and UDP-Lite share every code path here (udp_lib_*), each with its own port table.
inline bool prot_is_udp(ProtKind p) { return p == ProtKind::udp_prot || p == ProtKind::udplite_prot; }

struct Waiter {
    TaskId task;
    bool exclusive = false;
    bool operator==(const Waiter&) const = default;
};

struct Socket {                          // struct socket + its sockfs inode
    int state = SS_UNCONNECTED;
    int type = 0;
    int family = 0;                      // the net_proto_family that created it
    OpsKind ops = OpsKind::none;
    FileId file;
    SockId sk;
    uint64_t i_ino = 0;
    std::vector<Waiter> wq;              // socket_wq: tasks asleep on sk_sleep(sk)
    bool operator==(const Socket&) const = default;
};

// sk_flags bits the model uses (enum sock_flags)
enum SockFlag : uint32_t {
    SOCK_DEAD = 1u << 0, SOCK_DONE = 1u << 1, SOCK_ZAPPED = 1u << 3,
    SOCK_LINGER = 1u << 5, SOCK_KEEPOPEN = 1u << 6, SOCK_BROADCAST = 1u << 7,
    SOCK_URGINLINE = 1u << 8, SOCK_LOCALROUTE = 1u << 9,
};

struct Sock {                            // sock + inet_sock + icsk + tcp_sock
    // struct sock_common / sock
    int sk_family = AF_INET;
    int sk_state = TCP_CLOSE;
    int sk_type = 0;
    int sk_protocol = 0;
    ProtKind sk_prot = ProtKind::none;
    int sk_reuse = SK_NO_REUSE;
    int sk_reuseport = 0;
    int sk_err = 0;
    int sk_shutdown = 0;
    int sk_userlocks = 0;
    uint32_t sk_flags = 0;
    int sk_lingertime = 0;               // seconds
    int64_t sk_rcvtimeo = -1;            // ms, -1 = MAX_SCHEDULE_TIMEOUT
    int64_t sk_sndtimeo = -1;
    uint32_t sk_ack_backlog = 0;
    uint32_t sk_max_ack_backlog = 0;
    SocketId sk_socket;
    uint32_t sk_uid = 0;
    int sk_refcnt = 1;
    bool sk_kern_sock = false;
    int sk_disconnects = 0;
    // Linux 6.18 refuses listen() (EINVAL) on a TCP socket that has once
    // sent a SYN from connect(), even after the attempt failed or the
    // connection was disconnected, and keeps the port listen() took
    // (measured; ENETUNREACH before the SYN leaves no mark). The kernel's
    // mechanism is not pinned down: the model keeps this mark and fails in
    // inet_csk_listen_start where hashing would.
    bool connect_tried = false;
    bool listen_tried = false;           // the mirror: once a listener, connect() is EINVAL
    // inet_sock (host byte order)
    uint16_t inet_num = 0;               // local port, 0 = unbound
    uint16_t inet_sport = 0;
    uint32_t inet_saddr = 0;
    uint32_t inet_rcv_saddr = 0;
    uint32_t inet_daddr = 0;
    uint16_t inet_dport = 0;
    // inet_connection_sock
    BucketId icsk_bind_hash;
    std::vector<ReqId> rskq_accept;      // icsk_accept_queue: head first
    int qlen = 0;                        // request socks in the SYN queue
    int young = 0;                       // those never retransmitted
    bool synflood_warned = false;
    int icsk_retransmits = 0;
    int64_t icsk_rto = 1000;             // ms
    TimerId icsk_retransmit_timer;
    TimerId sk_timer;                    // the keepalive timer (FIN_WAIT2 orphans)
    // tcp_sock (sequence space, enough for SYN/FIN/RST validity)
    uint32_t snd_isn = 0, snd_nxt = 0, snd_una = 0, rcv_nxt = 0;
    bool fin_sent = false;
    int64_t last_overflow = -1;          // tcp_synq_overflow stamp (cookies sent)
    int nonagle = 0;                     // TCP_NODELAY
    bool destroyed = false;              // sk_prot->destroy has run; only
                                         // references (requests) keep it
    bool listener_hashed = false;        // in the listening hash
    bool ehashed = false;                // in the established hash
    bool operator==(const Sock&) const = default;
};

struct RequestSock {                     // request_sock / inet_request_sock
    SockId rsk_listener;
    SockId sk;                           // the child, once the 3WHS completed
    uint32_t ir_loc_addr = 0, ir_rmt_addr = 0;
    uint16_t ir_num = 0, ir_rmt_port = 0;
    uint32_t snt_isn = 0, rcv_isn = 0;
    int num_timeout = 0;
    int num_retrans = 0;
    bool acked = false;
    bool in_accept_queue = false;
    TimerId rsk_timer;
    bool operator==(const RequestSock&) const = default;
};

struct TimewaitSock {                    // inet_timewait_sock
    int tw_substate = TCP_TIME_WAIT;
    int tw_reuse = 0;
    int tw_reuseport = 0;
    uint32_t tw_uid = 0;
    uint32_t tw_rcv_saddr = 0, tw_daddr = 0;
    uint16_t tw_num = 0, tw_dport = 0;
    uint32_t tw_snd_nxt = 0, tw_rcv_nxt = 0;
    BucketId tw_tb;
    TimerId tw_timer;
    bool operator==(const TimewaitSock&) const = default;
};

enum class PortTable : uint8_t { tcp, udp, raw, udplite };

struct BindBucket {                      // inet_bind_bucket (+ udp's port slot)
    PortTable table = PortTable::tcp;
    uint16_t port = 0;
    int fastreuse = 0;
    int fastreuseport = 0;               // 0, FASTREUSEPORT_ANY (1) or FASTREUSEPORT_STRICT (2)
    uint32_t fastuid = 0;
    uint32_t fast_rcv_saddr = 0;         // the address a STRICT fast path is good for
    std::vector<SockId> owners;
    std::vector<TwId> tw_owners;
    bool operator==(const BindBucket&) const = default;
};

// ============================================================ 3 protocol tables

struct InetProtosw {                     // struct inet_protosw
    int type = 0;
    int protocol = 0;
    ProtKind prot = ProtKind::none;
    OpsKind ops = OpsKind::none;
    uint8_t flags = 0;                   // INET_PROTOSW_*
    bool operator==(const InetProtosw&) const = default;
};
constexpr uint8_t INET_PROTOSW_REUSE = 0x01, INET_PROTOSW_PERMANENT = 0x02,
                  INET_PROTOSW_ICSK = 0x04;

// net_families[] slot. Every registered family creates sockets with the
// inet_create logic over its own inetsw table (the seed-001 MY_PF_INET
// module is a copy of INET with a smaller table).
struct NetProtoFamily {
    bool registered = false;
    std::string name;                    // "inet", "MY_PF_INET"
    std::string create;                  // "inet_create", "myinet_create"
    std::array<std::vector<InetProtosw>, SOCK_MAX> inetsw;
    bool operator==(const NetProtoFamily&) const = default;
};

// ============================================================ 4 wire, timers

enum TcpFlags : uint8_t { TH_FIN = 1, TH_SYN = 2, TH_RST = 4, TH_PSH = 8, TH_ACK = 16 };

struct Packet {                          // one TCP segment (sk_buff), host order
    uint64_t serial = 0;
    uint32_t saddr = 0, daddr = 0;
    uint16_t sport = 0, dport = 0;
    uint8_t flags = 0;
    uint32_t seq = 0, ack_seq = 0;
    int64_t sent_at = 0;                 // virtual ms
    bool operator==(const Packet&) const = default;
};

enum class TimerKind : uint8_t {
    tcp_retransmit,    // SYN retransmission of a connecting sock (owner: sock)
    reqsk_timer,       // SYN-ACK retransmission / expiry (owner: request sock)
    tw_timer,          // TIME_WAIT expiry (owner: timewait sock)
    sock_timeout,      // SO_RCVTIMEO / SO_SNDTIMEO of a sleeping task (owner: task)
    tcp_keepalive,     // sk_timer: a FIN_WAIT2 orphan waiting out tcp_fin_timeout (owner: sock)
};

struct Timer {
    TimerKind kind = TimerKind::tcp_retransmit;
    uint32_t owner = 0;                  // id in the table the kind names
    int64_t expires = 0;                 // virtual ms
    uint64_t seq = 0;                    // arming order, breaks ties
    bool operator==(const Timer&) const = default;
};

struct PeerConn {                        // a peer's view of one connection
    uint32_t laddr = 0;                  // the model's address it talks to
    uint16_t lport = 0;
    uint16_t pport = 0;                  // the peer's own port for it
    uint32_t snd_nxt = 0, rcv_nxt = 0;
    int state = TCP_CLOSE;               // what the peer believes
    bool operator==(const PeerConn&) const = default;
};

struct Peer {                            // a remote host the user drives
    std::string name;
    uint32_t addr = 0;
    uint16_t next_port = 0;
    std::vector<PeerConn> conns;
    std::vector<Packet> inbox;           // what the model sent it, in order
    bool operator==(const Peer&) const = default;
};

// ============================================================ 5 network namespace

struct Sysctls {
    int somaxconn = 4096;                // net.core.somaxconn
    int tcp_max_syn_backlog = 2048;      // net.ipv4.tcp_max_syn_backlog
    int tcp_syncookies = 1;
    int tcp_abort_on_overflow = 0;
    int ip_local_port_range_lo = 32768, ip_local_port_range_hi = 60999;
    int ip_unprivileged_port_start = 1024;
    int tcp_synack_retries = 5;
    int tcp_syn_retries = 6;
    int tcp_syn_linear_timeouts = 4;
    int ping_group_range_lo = 1, ping_group_range_hi = 0;
    int tcp_fin_timeout = 60;            // seconds
    int ip_nonlocal_bind = 0;
    bool operator==(const Sysctls&) const = default;
};

// MIB counters (Tcp: and TcpExt:), nstat spelling without the prefix.
#define SOCKSCOPE_MIB(X)                                                       \
    X(ActiveOpens) X(PassiveOpens) X(AttemptFails) X(EstabResets) X(CurrEstab) \
    X(OutRsts) X(ListenOverflows) X(ListenDrops) X(SyncookiesSent)             \
    X(SyncookiesRecv) X(SyncookiesFailed) X(TCPReqQFullDoCookies)              \
    X(TCPReqQFullDrop) X(EmbryonicRsts) X(TCPAbortOnClose) X(TCPAbortOnData)   \
    X(TCPAbortOnLinger) X(TCPAbortOnTimeout) X(TCPTimeouts) X(TCPSynRetrans)   \
    X(TW) X(InSegs) X(OutSegs) X(RetransSegs)
enum class Mib : uint8_t {
#define SOCKSCOPE_MIB_ENUM(n) n,
    SOCKSCOPE_MIB(SOCKSCOPE_MIB_ENUM)
#undef SOCKSCOPE_MIB_ENUM
    Count
};
const char* mib_name(Mib m);
bool mib_from_name(const std::string& name, Mib* out);

// 4-tuple key of the established hash (local addr/port, remote addr/port).
struct FourTuple {
    uint32_t laddr = 0; uint16_t lport = 0;
    uint32_t raddr = 0; uint16_t rport = 0;
    auto operator<=>(const FourTuple&) const = default;
};
// What an ehash slot holds: a full sock, a request sock or a timewait sock.
struct EhashEntry {
    ObjKind kind = ObjKind::None;
    uint32_t id = 0;
    bool operator==(const EhashEntry&) const = default;
};

// ============================================================ 6 the world

struct World {
    Table<TaskId, Task> tasks;
    Table<FilesId, FilesStruct> files_structs;
    Table<FileId, File> files;
    Table<SocketId, Socket> sockets;
    Table<SockId, Sock> socks;
    Table<ReqId, RequestSock> reqs;
    Table<TwId, TimewaitSock> tws;
    Table<BucketId, BindBucket> buckets;
    Table<TimerId, Timer> timers;
    Table<PeerId, Peer> peers;

    std::array<NetProtoFamily, NPROTO> net_families;
    Sysctls sysctl;
    std::array<int64_t, static_cast<size_t>(Mib::Count)> mib{};

    // The hashes are ordered trees (their order is what listings and
    // snapshots show) whose nodes come from a free list (node_pool.h).
    template <class K, class V>
    using PoolMap = std::map<K, V, std::less<K>, NodeAlloc<std::pair<const K, V>>>;
    PoolMap<std::pair<PortTable, uint16_t>, BucketId> bhash;  // port -> bucket
    PoolMap<uint16_t, std::vector<SockId>> lhash;            // port -> listeners
    PoolMap<FourTuple, EhashEntry> ehash;
    PoolMap<uint32_t, PeerId> peer_addrs;                    // a peer's address -> the peer (its route)

    // armed timers in firing order: (expires, arming order, timer id)
    using TimerKey = std::tuple<int64_t, uint64_t, uint32_t>;
    std::set<TimerKey, std::less<TimerKey>, NodeAlloc<TimerKey>> timer_queue;
    std::vector<Packet> wire;            // in flight, delivered first in first out
    std::vector<TaskId> runqueue;        // woken tasks, in wake order

    int64_t now = 0;                     // virtual milliseconds
    uint64_t next_ino = 10000;           // get_next_ino
    int next_pid = 1000;
    uint64_t next_packet = 1;
    uint64_t next_timer_seq = 1;
    uint32_t isn_state = 0x2545F491;     // seeded ISN generator
    uint32_t table_perturb = 0;          // __inet_hash_connect's moving start
    int orphan_count = 0;
    int nr_files = 0;

    bool operator==(const World&) const = default;
};

// Slab slots keep their vectors' buffers when reset (table.h): the same
// contents as T{}, without a malloc when the slot is used again.
template <class V> inline void keep_capacity_clear(V& v, V& keep) { keep = std::move(v); keep.clear(); }
inline void slab_reset(Socket& x) {
    std::vector<Waiter> wq;
    keep_capacity_clear(x.wq, wq);
    x = Socket{};
    x.wq = std::move(wq);
}
inline void slab_reset(Sock& x) {
    std::vector<ReqId> q;
    keep_capacity_clear(x.rskq_accept, q);
    x = Sock{};
    x.rskq_accept = std::move(q);
}
inline void slab_reset(BindBucket& x) {
    std::vector<SockId> o;
    std::vector<TwId> t;
    keep_capacity_clear(x.owners, o);
    keep_capacity_clear(x.tw_owners, t);
    x = BindBucket{};
    x.owners = std::move(o);
    x.tw_owners = std::move(t);
}

// The world every script starts in: net_families[AF_INET] registered with
// Linux 6.x's inetsw_array, no tasks yet.
World make_boot_world();

// ---- accessors by typed id (read-only use outside the chokepoints) ----
inline Task& obj(World& w, TaskId i) { return w.tasks[i]; }
inline FilesStruct& obj(World& w, FilesId i) { return w.files_structs[i]; }
inline File& obj(World& w, FileId i) { return w.files[i]; }
inline Socket& obj(World& w, SocketId i) { return w.sockets[i]; }
inline Sock& obj(World& w, SockId i) { return w.socks[i]; }
inline RequestSock& obj(World& w, ReqId i) { return w.reqs[i]; }
inline TimewaitSock& obj(World& w, TwId i) { return w.tws[i]; }
inline BindBucket& obj(World& w, BucketId i) { return w.buckets[i]; }
inline Timer& obj(World& w, TimerId i) { return w.timers[i]; }
inline Peer& obj(World& w, PeerId i) { return w.peers[i]; }
inline Table<TaskId, Task>& table(World& w, TaskId) { return w.tasks; }
inline Table<FilesId, FilesStruct>& table(World& w, FilesId) { return w.files_structs; }
inline Table<FileId, File>& table(World& w, FileId) { return w.files; }
inline Table<SocketId, Socket>& table(World& w, SocketId) { return w.sockets; }
inline Table<SockId, Sock>& table(World& w, SockId) { return w.socks; }
inline Table<ReqId, RequestSock>& table(World& w, ReqId) { return w.reqs; }
inline Table<TwId, TimewaitSock>& table(World& w, TwId) { return w.tws; }
inline Table<BucketId, BindBucket>& table(World& w, BucketId) { return w.buckets; }
inline Table<TimerId, Timer>& table(World& w, TimerId) { return w.timers; }
inline Table<PeerId, Peer>& table(World& w, PeerId) { return w.peers; }

// Addresses the machine owns: 127.0.0.0/8 (and 0.0.0.0 as the wildcard).
inline bool addr_is_loopback(uint32_t a) { return (a >> 24) == 127; }
inline bool addr_is_multicast(uint32_t a) { return (a >> 28) == 0xe; }
inline bool addr_is_broadcast(uint32_t a) { return a == 0xffffffffu; }
inline PeerId peer_at(const World& w, uint32_t addr) {
    auto it = w.peer_addrs.find(addr);
    return it == w.peer_addrs.end() ? PeerId{} : it->second;
}
std::string addr_str(uint32_t a);
std::string endpoint_str(uint32_t a, uint16_t port);

}  // namespace sockscope
