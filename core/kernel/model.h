// model.h — the model's kernel functions, grouped by the kernel file that
// holds the function of the same name.
//
// Conventions, as in the kernel: int results are 0 or a negative errno, or a
// non-negative fd; functions act on the world through Kernel's chokepoints.
// A syscall that must sleep returns SLEEPING after queueing its task on a
// wait queue; the task's SyscallFrame holds what it needs to go on, and
// *_resume() continues it when the task runs again (sched.cpp).
#pragma once
#include <cstdint>

#include "kernel/kernel.h"

namespace sockscope {

constexpr int SLEEPING = -(1 << 20);  // not an errno: the task went to sleep

// Arguments of a sockaddr_in built by the caller (script or test).
struct SockAddrIn {
    int family = AF_INET;
    uint32_t addr = 0;
    uint16_t port = 0;
    int len = 16;
};

// The capabilities a root task has (the ones the model checks).
inline constexpr uint64_t kRootCaps =
    (1ull << CAP_NET_BIND_SERVICE) | (1ull << CAP_NET_ADMIN) | (1ull << CAP_NET_RAW);

// The functions, in the build of the model this translation unit is part
// of (kernel.h: traced or untraced).
inline namespace SOCKSCOPE_MODEL_VARIANT {

// ---------------------------------------------------------------- fs/file.c
FileId fget(Kernel& k, TaskId t, int fd);        // no reference taken
int alloc_fd(Kernel& k, TaskId t, int start, int end, int flags);
int get_unused_fd_flags(Kernel& k, TaskId t, int flags);
void put_unused_fd(Kernel& k, TaskId t, int fd);
void fd_install(Kernel& k, TaskId t, int fd, FileId f);
int close_fd(Kernel& k, TaskId t, int fd);       // sys_close
int sys_dup(Kernel& k, TaskId t, int fd);
int sys_dup2(Kernel& k, TaskId t, int oldfd, int newfd);
FilesId dup_fd(Kernel& k, FilesId from);
void set_close_on_exec(Kernel& k, FilesId fs, int fd, bool on);
void put_files_struct(Kernel& k, FilesId fs);
// ---------------------------------------------------------------- fs/file_table.c
FileId alloc_file_pseudo(Kernel& k, SocketId sock, int flags);
void get_file(Kernel& k, FileId f);
void fput(Kernel& k, FileId f);
// ---------------------------------------------------------------- fs/fcntl.c
int64_t do_fcntl(Kernel& k, TaskId t, int fd, int cmd, int64_t arg);

// ---------------------------------------------------------------- kernel/
TaskId create_process(Kernel& k, const char* comm, uint32_t uid, uint32_t gid, bool root);
TaskId kernel_clone(Kernel& k, TaskId parent, bool thread, const char* comm);  // fork / thread
TaskId kthread_run(Kernel& k, uint32_t addr, uint16_t port, int backlog);
int kthread_stop(Kernel& k, TaskId caller, TaskId kth);
void kthread_resume(Kernel& k, TaskId t);
bool capable(Kernel& k, TaskId t, int cap);
// wait queues (kernel/sched/wait.c)
void prepare_to_wait(Kernel& k, SocketId s, TaskId t, bool exclusive);
void finish_wait(Kernel& k, SocketId s, TaskId t);
void task_sleep(Kernel& k, TaskId t, const SyscallFrame& f, int64_t timeout_ms);
void wake_up_socket(Kernel& k, SocketId s, bool all_exclusive);
void try_to_wake_up(Kernel& k, TaskId t);
void signal_task(Kernel& k, TaskId t);
void task_exit(Kernel& k, TaskId t);

// ---------------------------------------------------------------- net/socket.c
int sys_socket(Kernel& k, TaskId t, int family, int type, int protocol);
int __sock_create(Kernel& k, TaskId t, int family, int type, int protocol, SocketId* res, bool kern);
SocketId sock_alloc(Kernel& k, TaskId t);
int sock_map_fd(Kernel& k, TaskId t, SocketId sock, int flags);
FileId sock_alloc_file(Kernel& k, SocketId sock, int flags);
SocketId sock_from_file(Kernel& k, FileId f);
int sys_bind(Kernel& k, TaskId t, int fd, const SockAddrIn& a);
int sys_listen(Kernel& k, TaskId t, int fd, int backlog);
int sys_accept4(Kernel& k, TaskId t, int fd, int flags);
int accept_resume(Kernel& k, TaskId t);
int sys_connect(Kernel& k, TaskId t, int fd, const SockAddrIn& a);
int connect_resume(Kernel& k, TaskId t);
int sys_shutdown(Kernel& k, TaskId t, int fd, int how);
int sys_setsockopt(Kernel& k, TaskId t, int fd, int level, int optname, int64_t v1, int64_t v2, int optlen);
int64_t sys_getsockopt(Kernel& k, TaskId t, int fd, int level, int optname);
void sock_close(Kernel& k, FileId f);
void __sock_release(Kernel& k, SocketId sock, bool has_file);
void sock_release(Kernel& k, SocketId sock);
int sock_register(Kernel& k, int family, const char* name);
int sock_create_kern(Kernel& k, TaskId t, int family, int type, int protocol, SocketId* res);
int kernel_bind(Kernel& k, SocketId sock, const SockAddrIn& a);
int kernel_listen(Kernel& k, SocketId sock, int backlog);
int kernel_accept(Kernel& k, TaskId t, SocketId sock, SocketId* newsock, int flags);

// ---------------------------------------------------------------- net/core/sock.c
SockId sk_alloc(Kernel& k, TaskId t, int family, ProtKind prot, bool kern);
void sock_init_data(Kernel& k, SocketId sock, SockId sk);
int sk_setsockopt(Kernel& k, SockId sk, int optname, int64_t v1, int64_t v2, int optlen);
int64_t sk_getsockopt(Kernel& k, SocketId sock, int optname);
int sock_error(Kernel& k, SockId sk);
void sk_state_change(Kernel& k, SockId sk);   // sock_def_wakeup
void sk_data_ready(Kernel& k, SockId sk);     // sock_def_readable
void sock_orphan(Kernel& k, SockId sk);
void sock_graft(Kernel& k, SockId sk, SocketId sock);
void sock_hold(Kernel& k, SockId sk);
void sock_put(Kernel& k, SockId sk);
void sk_common_release(Kernel& k, SockId sk);

// ---------------------------------------------------------------- net/ipv4/af_inet.c
int inet_create(Kernel& k, TaskId t, SocketId sock, int protocol, bool kern);
int inet_release(Kernel& k, SocketId sock);
int inet_bind(Kernel& k, TaskId t, SocketId sock, const SockAddrIn& a);
int inet_listen(Kernel& k, SocketId sock, int backlog);
int inet_stream_connect(Kernel& k, TaskId t, SocketId sock, const SockAddrIn& a, int flags);
int inet_dgram_connect(Kernel& k, TaskId t, SocketId sock, const SockAddrIn& a);
int inet_shutdown(Kernel& k, SocketId sock, int how);
int inet_autobind(Kernel& k, SockId sk);
int inet_register_protosw(Kernel& k, int family, const InetProtosw& p);
bool inet_addr_valid_or_nonlocal(Kernel& k, uint32_t addr);

// ---------------------------------------------------------------- net/ipv4/inet_connection_sock.c
int inet_csk_get_port(Kernel& k, SockId sk, uint16_t snum);
int inet_csk_listen_start(Kernel& k, SockId sk);
void inet_csk_listen_stop(Kernel& k, SockId sk);
// Returns the child sock or 0 with *err set; SLEEPING in *err when it slept.
SockId inet_csk_accept(Kernel& k, TaskId t, SockId sk, int file_flags, int* err, bool resume);
void inet_csk_reqsk_queue_hash_add(Kernel& k, SockId listener, ReqId req);
void inet_csk_reqsk_queue_drop(Kernel& k, SockId listener, ReqId req);
void reqsk_free(Kernel& k, ReqId req);
SockId inet_csk_complete_hashdance(Kernel& k, SockId listener, SockId child, ReqId req);
void inet_child_forget(Kernel& k, SockId listener, ReqId req, SockId child);
void inet_csk_destroy_sock(Kernel& k, SockId sk);
SockId inet_csk_clone_lock(Kernel& k, SockId listener, ReqId req);
void reqsk_timer_handler(Kernel& k, ReqId req);

// ---------------------------------------------------------------- net/ipv4/inet_hashtables.c
void inet_bind_hash(Kernel& k, SockId sk, BucketId tb, uint16_t port);
void inet_put_port(Kernel& k, SockId sk);
void __inet_inherit_port(Kernel& k, SockId listener, SockId child);
int inet_hash(Kernel& k, SockId sk);
void inet_unhash(Kernel& k, SockId sk);
void inet_ehash_insert(Kernel& k, const FourTuple& key, ObjKind kind, uint32_t id);
void inet_ehash_remove(Kernel& k, const FourTuple& key);
// Removes the slot only if it holds this object; whether it did.
bool inet_ehash_remove_if(Kernel& k, const FourTuple& key, ObjKind kind, uint32_t id);
// The slot's entry becomes this one (inserted if there was none).
void inet_ehash_replace(Kernel& k, const FourTuple& key, ObjKind kind, uint32_t id);
int inet_hash_connect(Kernel& k, SockId sk);
BucketId inet_bind_bucket_find(Kernel& k, PortTable t, uint16_t port);
BucketId inet_bind_bucket_create(Kernel& k, PortTable t, uint16_t port);
FourTuple sk_four_tuple(const Sock& s);

// ---------------------------------------------------------------- net/ipv4/tcp.c
void tcp_init_sock(Kernel& k, SockId sk);
void tcp_set_state(Kernel& k, SockId sk, int state);
void tcp_close(Kernel& k, SockId sk, int timeout);
int tcp_disconnect(Kernel& k, SockId sk, int flags);
void tcp_shutdown(Kernel& k, SockId sk, int how);
void tcp_done(Kernel& k, SockId sk);
void tcp_write_queue_purge(Kernel& k, SockId sk);
void tcp_clear_xmit_timers(Kernel& k, SockId sk);
bool tcp_fin_wait2_orphan(Kernel& k, SockId sk, bool fin_came = false);
void tcp_keepalive_timer(Kernel& k, SockId sk);

// ---------------------------------------------------------------- net/ipv4/tcp_ipv4.c
int tcp_v4_connect(Kernel& k, TaskId t, SockId sk, const SockAddrIn& a);
void tcp_v4_rcv(Kernel& k, const Packet& p);
void tcp_v4_send_reset(Kernel& k, const Packet& in);
void tcp_v4_destroy_sock(Kernel& k, SockId sk);

// ---------------------------------------------------------------- net/ipv4/tcp_input.c
void tcp_conn_request(Kernel& k, SockId listener, const Packet& p);
ReqId inet_reqsk_alloc(Kernel& k, SockId listener, const Packet& p, uint32_t rcv_isn);
int tcp_rcv_state_process(Kernel& k, SockId sk, const Packet& p);
void tcp_reset(Kernel& k, SockId sk);
bool sk_acceptq_is_full(Kernel& k, SockId sk);

// ---------------------------------------------------------------- net/ipv4/tcp_minisocks.c
SockId tcp_check_req(Kernel& k, ReqId req, const Packet& p, bool* to_listener);
void tcp_time_wait(Kernel& k, SockId sk, int state, int timeo_ms);
void tcp_timewait_state_process(Kernel& k, TwId tw, const Packet& p, bool* tw_syn);
void inet_twsk_kill(Kernel& k, TwId tw);

// ---------------------------------------------------------------- net/ipv4/tcp_output.c, tcp_timer.c
uint32_t secure_tcp_seq(Kernel& k, uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport);
void tcp_connect(Kernel& k, SockId sk);
void tcp_send_synack(Kernel& k, ReqId req, bool cookie, uint32_t isn);
void tcp_send_synack(Kernel& k, SockId sk);
void tcp_send_ack(Kernel& k, SockId sk);
void tcp_send_fin(Kernel& k, SockId sk);
void tcp_send_active_reset(Kernel& k, SockId sk);
void tcp_retransmit_timer(Kernel& k, SockId sk);
void tcp_write_err(Kernel& k, SockId sk);
void tcp_clear_retransmit_timer(Kernel& k, SockId sk);
void inet_csk_clear_xmit_timer(Kernel& k, SockId sk);

// ---------------------------------------------------------------- udp.c, raw.c, ping.c
int udp_v4_get_port(Kernel& k, SockId sk, uint16_t snum);
int raw_bind(Kernel& k, SockId sk, const SockAddrIn& a);
int ping_bind(Kernel& k, SockId sk, const SockAddrIn& a);
int ping_init_sock(Kernel& k, TaskId t, SockId sk);

// ---------------------------------------------------------------- the wire and timers
void ip_queue_xmit(Kernel& k, const Packet& p);   // loopback or peer
bool deliver_next_packet(Kernel& k);             // one step's work
TimerId mod_timer(Kernel& k, TimerId existing, TimerKind kind, uint32_t owner, int64_t expires);
void del_timer(Kernel& k, TimerId& t);
bool run_next_timer(Kernel& k, int64_t until);    // fires one timer due <= until
bool timer_due(const World& w, int64_t until);
// peers (a remote host the user drives)
PeerId peer_create(Kernel& k, const char* name, uint32_t addr);
// crossing: the segment leaves before the peer has seen our FIN, so it does
// not acknowledge it (a simultaneous close).
int peer_send(Kernel& k, PeerId p, uint8_t flags, uint32_t laddr, uint16_t lport, int conn_index,
              bool crossing = false);

}  // inline namespace SOCKSCOPE_MODEL_VARIANT
}  // namespace sockscope
