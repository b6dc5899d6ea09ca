// kfunc.h — the kernel functions the model runs, as trace frames.
//
// Every model function that stands for a kernel function opens a frame with
// KFRAME(k, name) so the step trace shows the same call stack a reader of
// the kernel source would follow. The table gives each one its source file
// and a one-line explanation in our own words; the GUI and the CLI print
// from it. The list order is the enum order; keep it grouped by file.
#pragma once
#include <cstdint>

namespace sockscope {

#define SOCKSCOPE_KFUNCS(X)                                                                           \
    /* fs/file.c, fs/file_table.c, fs/fcntl.c, fs/open.c */                                             \
    X(sys_close, "fs/open.c", "close(fd): give the descriptor back; the file lives on while others hold it") \
    X(close_fd, "fs/file.c", "take the file out of the fd table under the table lock")                  \
    X(pick_file, "fs/file.c", "clear fd[fd] and the open bit; a missing file means EBADF")              \
    X(get_unused_fd_flags, "fs/file.c", "reserve the lowest free descriptor (not yet usable)")          \
    X(alloc_fd, "fs/file.c", "search the open_fds bitmap from next_fd; past RLIMIT_NOFILE is EMFILE")   \
    X(put_unused_fd, "fs/file.c", "undo a reservation: the number becomes free again")                  \
    X(fd_install, "fs/file.c", "publish the file in fd[fd]: from now on the descriptor works")         \
    X(sys_dup, "fs/file.c", "dup(fd): a second descriptor for the same open file")                     \
    X(sys_dup2, "fs/file.c", "dup2(old, new): make new refer to old's file, closing what new had")     \
    X(do_dup2, "fs/file.c", "swap the file into the slot; a reserved-but-empty slot is EBUSY")        \
    X(filp_close, "fs/open.c", "flush and drop this descriptor's reference to the file")               \
    X(fput, "fs/file_table.c", "drop one reference; the last one tears the file down")                 \
    X(__fput, "fs/file_table.c", "last reference gone: call f_op->release and free the file")          \
    X(alloc_file_pseudo, "fs/file_table.c", "a struct file for an inode with no path (sockfs)")        \
    X(get_file, "include/linux/fs.h", "take one more reference on a file (f_count++)")                 \
    X(do_fcntl, "fs/fcntl.c", "fcntl(): descriptor flags, file status flags, F_DUPFD")                 \
    X(setfl, "fs/fcntl.c", "F_SETFL: change O_NONBLOCK (and the few other changeable flags)")          \
    /* kernel/fork.c, kernel/kthread.c, kernel/sched */                                                 \
    X(kernel_clone, "kernel/fork.c", "fork: a new task that shares the parent's open files")           \
    X(dup_fd, "fs/file.c", "copy the fd table: every file gains a reference")                          \
    X(kthread_run, "kernel/kthread.c", "start a kernel thread: a task with no fd table")              \
    X(kthread_stop, "kernel/kthread.c", "ask a kernel thread to stop and wait until it exits")         \
    X(kthread_should_stop, "kernel/kthread.c", "the thread's loop checks whether it was asked to stop") \
    X(prepare_to_wait_exclusive, "kernel/sched/wait.c", "queue the task at the tail as an exclusive waiter") \
    X(prepare_to_wait, "kernel/sched/wait.c", "queue the task as a non-exclusive waiter")               \
    X(schedule_timeout, "kernel/time/timer.c", "sleep until woken or until the timeout passes")       \
    X(finish_wait, "kernel/sched/wait.c", "running again: leave the wait queue")                       \
    X(__wake_up, "kernel/sched/wait.c", "wake every non-exclusive waiter and the first exclusive one")  \
    X(try_to_wake_up, "kernel/sched/core.c", "make a sleeping task runnable")                          \
    X(signal_wake_up, "kernel/signal.c", "a signal interrupts an interruptible sleep")                 \
    /* net/socket.c */                                                                                  \
    X(__sys_socket, "net/socket.c", "socket(): check flags, create the socket, map it to an fd")       \
    X(__sys_socket_create, "net/socket.c", "only SOCK_NONBLOCK and SOCK_CLOEXEC may ride on the type") \
    X(sock_create, "net/socket.c", "create a user socket in the caller's network namespace")           \
    X(sock_create_kern, "net/socket.c", "create a kernel socket: no fd, no file, no CAP checks")       \
    X(sock_create_lite, "net/socket.c", "a bare struct socket for kernel_accept")                      \
    X(__sock_create, "net/socket.c", "check family and type, allocate the socket, call pf->create")    \
    X(sock_alloc, "net/socket.c", "a new sockfs inode with its struct socket, state SS_UNCONNECTED")   \
    X(sock_map_fd, "net/socket.c", "reserve an fd, wrap the socket in a file, install it")             \
    X(sock_alloc_file, "net/socket.c", "a struct file whose private_data is the socket")              \
    X(__sys_bind, "net/socket.c", "bind(): look up the fd, copy the address in, call ops->bind")       \
    X(move_addr_to_kernel, "net/socket.c", "copy the sockaddr in; a length over 128 or below 0 is EINVAL") \
    X(__sys_listen, "net/socket.c", "listen(): clamp the backlog to somaxconn, call ops->listen")      \
    X(__sys_accept4, "net/socket.c", "accept4(): check flags, reserve the new fd before anything else") \
    X(do_accept, "net/socket.c", "allocate the new socket and file, then let the protocol accept")     \
    X(__sys_connect, "net/socket.c", "connect(): look up the fd, copy the address, call ops->connect")  \
    X(__sys_shutdown, "net/socket.c", "shutdown(): look up the socket and call ops->shutdown")          \
    X(__sys_setsockopt, "net/socket.c", "setsockopt(): SOL_SOCKET goes to sock_setsockopt")            \
    X(__sys_getsockopt, "net/socket.c", "getsockopt(): SOL_SOCKET goes to sk_getsockopt")              \
    X(sock_close, "net/socket.c", "f_op->release of a socket file: release the socket")               \
    X(__sock_release, "net/socket.c", "call ops->release, then free the socket and its inode")        \
    X(sock_release, "net/socket.c", "release a socket that has no file (kernel sockets)")            \
    X(sock_register, "net/socket.c", "put a protocol family into net_families[]")                     \
    X(kernel_bind, "net/socket.c", "in-kernel bind: ops->bind without the user copy")                  \
    X(kernel_listen, "net/socket.c", "in-kernel listen: ops->listen with no somaxconn clamp")          \
    X(kernel_accept, "net/socket.c", "in-kernel accept: a lite socket, ops->accept, no fd")            \
    /* net/core/sock.c, include/net/sock.h */                                                           \
    X(sk_alloc, "net/core/sock.c", "allocate the protocol's struct sock, zeroed, refcount 1")          \
    X(sock_init_data, "net/core/sock.c", "link sock and socket, state TCP_CLOSE, default callbacks")   \
    X(sk_setsockopt, "net/core/sock.c", "set a SOL_SOCKET option on the sock")                        \
    X(sk_getsockopt, "net/core/sock.c", "read a SOL_SOCKET option")                                   \
    X(sock_error, "include/net/sock.h", "read and clear sk_err")                                       \
    X(sock_def_wakeup, "net/core/sock.c", "sk_state_change: wake everyone sleeping on the socket")    \
    X(sock_def_readable, "net/core/sock.c", "sk_data_ready: wake one accept() and all pollers")        \
    X(sock_orphan, "include/net/sock.h", "cut the sock from its socket: SOCK_DEAD, sk_socket = NULL")  \
    X(sock_graft, "include/net/sock.h", "link a sock to a socket (accept gives the child its socket)") \
    X(sock_put, "include/net/sock.h", "drop a reference; the last one frees the sock")                \
    X(sk_free, "net/core/sock.c", "free the struct sock")                                             \
    X(sk_common_release, "net/core/sock.c", "generic close for datagram and raw socks")               \
    /* net/ipv4/af_inet.c */                                                                            \
    X(inet_create, "net/ipv4/af_inet.c", "find the inetsw entry for type/protocol and build the sock") \
    X(inet_release, "net/ipv4/af_inet.c", "ops->release: pick the linger time, call sk_prot->close")   \
    X(inet_bind, "net/ipv4/af_inet.c", "ops->bind for inet sockets")                                  \
    X(__inet_bind, "net/ipv4/af_inet.c", "family, address, privilege, then state checks; get_port")  \
    X(inet_listen, "net/ipv4/af_inet.c", "ops->listen: only an unconnected stream socket may listen")  \
    X(__inet_listen_sk, "net/ipv4/af_inet.c", "store the backlog, start listening unless already")    \
    X(inet_stream_connect, "net/ipv4/af_inet.c", "ops->connect for TCP: start or check a handshake")   \
    X(__inet_stream_connect, "net/ipv4/af_inet.c", "the SS_* state machine of connect()")             \
    X(inet_wait_for_connect, "net/ipv4/af_inet.c", "sleep while the handshake is in SYN_SENT/SYN_RECV") \
    X(inet_dgram_connect, "net/ipv4/af_inet.c", "ops->connect for UDP/raw: just set the peer")        \
    X(inet_accept, "net/ipv4/af_inet.c", "ops->accept: take a child and graft it onto the new socket") \
    X(inet_shutdown, "net/ipv4/af_inet.c", "ops->shutdown: record the direction, act by sk_state")    \
    X(inet_autobind, "net/ipv4/af_inet.c", "give an unbound socket an ephemeral port")                \
    X(inet_register_protosw, "net/ipv4/af_inet.c", "add an entry to inetsw[type]")                    \
    X(sock_no_listen, "net/core/sock.c", "listen on a socket type that cannot listen: EOPNOTSUPP")      \
    X(sock_no_accept, "net/core/sock.c", "accept on a socket type that cannot accept: EOPNOTSUPP")      \
    /* net/ipv4/inet_connection_sock.c, inet_hashtables.c */                                            \
    X(inet_csk_get_port, "net/ipv4/inet_connection_sock.c", "claim a port in the bind hash, or find a free one") \
    X(inet_csk_find_open_port, "net/ipv4/inet_connection_sock.c", "search the local port range (odd ports first)") \
    X(inet_csk_bind_conflict, "net/ipv4/inet_connection_sock.c", "does another owner of the port forbid sharing?") \
    X(inet_csk_listen_start, "net/ipv4/inet_connection_sock.c", "empty the accept queue, go LISTEN, hash the listener") \
    X(inet_csk_listen_stop, "net/ipv4/inet_connection_sock.c", "reset and free every child still in the accept queue") \
    X(inet_csk_accept, "net/ipv4/inet_connection_sock.c", "take the first finished connection, or wait for one") \
    X(inet_csk_wait_for_connect, "net/ipv4/inet_connection_sock.c", "sleep exclusively until a connection arrives") \
    X(reqsk_queue_remove, "include/net/request_sock.h", "unlink the accept-queue head; sk_ack_backlog--") \
    X(inet_csk_reqsk_queue_hash_add, "net/ipv4/inet_connection_sock.c", "put the request in ehash, start its timer, qlen++") \
    X(inet_csk_reqsk_queue_drop, "net/ipv4/inet_connection_sock.c", "take a request out of the SYN queue (qlen--)") \
    X(inet_csk_complete_hashdance, "net/ipv4/inet_connection_sock.c", "swap request for child: leave the SYN queue, join the accept queue") \
    X(inet_csk_reqsk_queue_add, "net/ipv4/inet_connection_sock.c", "append the child to the accept queue; sk_ack_backlog++") \
    X(inet_child_forget, "net/ipv4/inet_connection_sock.c", "a child nobody will accept: reset and destroy it") \
    X(inet_csk_destroy_sock, "net/ipv4/inet_connection_sock.c", "final teardown of a closed, orphaned sock") \
    X(inet_csk_clone_lock, "net/ipv4/inet_connection_sock.c", "clone the listener into a child in SYN_RECV") \
    X(reqsk_timer_handler, "net/ipv4/inet_connection_sock.c", "SYN-ACK timer: resend with backoff, or expire the request") \
    X(inet_bind_hash, "net/ipv4/inet_hashtables.c", "add the sock to the port's bind bucket")         \
    X(inet_put_port, "net/ipv4/inet_hashtables.c", "leave the bind bucket; an empty bucket is freed")   \
    X(__inet_inherit_port, "net/ipv4/inet_hashtables.c", "a child joins its listener's bind bucket")  \
    X(inet_hash, "net/ipv4/inet_hashtables.c", "insert a listener into the listening hash")           \
    X(inet_unhash, "net/ipv4/inet_hashtables.c", "remove the sock from the listening or established hash") \
    X(inet_ehash_nolisten, "net/ipv4/inet_hashtables.c", "the child takes the request's place in ehash") \
    X(inet_hash_connect, "net/ipv4/inet_hashtables.c", "pick an ephemeral port for connect (even first)") \
    X(__inet_lookup_skb, "net/ipv4/inet_hashtables.c", "find who gets a segment: ehash first, then listeners") \
    /* net/ipv4/tcp.c */                                                                                \
    X(tcp_init_sock, "net/ipv4/tcp.c", "TCP's sk_prot->init: timers, RTO, state CLOSE")               \
    X(tcp_set_state, "net/ipv4/tcp.c", "the one place a TCP state changes (counters, unhash, port)")   \
    X(tcp_close, "net/ipv4/tcp.c", "sk_prot->close: FIN, RST or listen_stop, then orphan the sock")    \
    X(tcp_close_state, "net/ipv4/tcp.c", "next state on close from the new_state table; FIN if marked") \
    X(tcp_shutdown, "net/ipv4/tcp.c", "SHUT_WR in a sending state: move on and send FIN")             \
    X(tcp_disconnect, "net/ipv4/tcp.c", "abort: RST if synchronised, back to CLOSE, reusable")         \
    X(tcp_done, "net/ipv4/tcp.c", "the connection is over: CLOSE, wake the owner or destroy the orphan") \
    X(tcp_write_queue_purge, "net/ipv4/tcp.c", "drop every unsent and unacknowledged segment: nothing is in flight") \
    /* net/ipv4/tcp_ipv4.c */                                                                           \
    X(tcp_v4_connect, "net/ipv4/tcp_ipv4.c", "check the address, route, pick a port, go SYN_SENT, send SYN") \
    X(tcp_v4_rcv, "net/ipv4/tcp_ipv4.c", "a segment arrives: find its sock, request sock or timewait") \
    X(tcp_v4_do_rcv, "net/ipv4/tcp_ipv4.c", "hand the segment to the sock's state machine")          \
    X(tcp_v4_conn_request, "net/ipv4/tcp_ipv4.c", "a SYN for a listener (never answers a drop with RST)") \
    X(tcp_v4_syn_recv_sock, "net/ipv4/tcp_ipv4.c", "create the child sock; a full accept queue refuses") \
    X(tcp_v4_send_reset, "net/ipv4/tcp_ipv4.c", "answer a segment with RST")                          \
    X(tcp_v4_destroy_sock, "net/ipv4/tcp_ipv4.c", "sk_prot->destroy: stop timers, give back the port")  \
    /* net/ipv4/tcp_input.c */                                                                          \
    X(tcp_conn_request, "net/ipv4/tcp_input.c", "queue checks, cookies, the request sock, the SYN-ACK") \
    X(tcp_syn_flood_action, "net/ipv4/tcp_input.c", "SYN queue full: send a cookie or drop, and say so once") \
    X(tcp_rcv_state_process, "net/ipv4/tcp_input.c", "the TCP state machine for every state but ESTABLISHED data") \
    X(tcp_rcv_synsent_state_process, "net/ipv4/tcp_input.c", "a SYN-ACK or RST for a connecting sock")  \
    X(tcp_reset, "net/ipv4/tcp_input.c", "a valid RST: pick the errno from the state, then tcp_done")   \
    X(tcp_fin, "net/ipv4/tcp_input.c", "the peer's FIN: CLOSE_WAIT, CLOSING or TIME_WAIT")            \
    X(sk_acceptq_is_full, "include/net/sock.h", "sk_ack_backlog > sk_max_ack_backlog (strictly)")     \
    X(inet_csk_reqsk_queue_is_full, "include/net/inet_connection_sock.h", "qlen > sk_max_ack_backlog") \
    /* net/ipv4/tcp_minisocks.c */                                                                      \
    X(tcp_check_req, "net/ipv4/tcp_minisocks.c", "the ACK for a request sock: validate, make the child") \
    X(tcp_create_openreq_child, "net/ipv4/tcp_minisocks.c", "the child's TCP state from the request")  \
    X(tcp_child_process, "net/ipv4/tcp_minisocks.c", "run the ACK through the child: ESTABLISHED, wake listener") \
    X(tcp_time_wait, "net/ipv4/tcp_minisocks.c", "replace the sock by a small timewait sock")         \
    X(tcp_timewait_state_process, "net/ipv4/tcp_minisocks.c", "a segment for a timewait sock")         \
    X(inet_twsk_kill, "net/ipv4/inet_timewait_sock.c", "TIME_WAIT is over: free the port and the sock") \
    /* net/ipv4/tcp_output.c, tcp_timer.c, syncookies.c */                                              \
    X(tcp_connect, "net/ipv4/tcp_output.c", "send the SYN and arm the retransmit timer")              \
    X(tcp_send_synack, "net/ipv4/tcp_output.c", "send SYN-ACK for a request sock")                    \
    X(tcp_send_ack, "net/ipv4/tcp_output.c", "send a bare ACK")                                       \
    X(tcp_send_fin, "net/ipv4/tcp_output.c", "send FIN")                                               \
    X(tcp_send_active_reset, "net/ipv4/tcp_output.c", "send RST to abort the connection")             \
    X(tcp_retransmit_timer, "net/ipv4/tcp_timer.c", "the SYN was not answered: resend with backoff or give up") \
    X(tcp_write_err, "net/ipv4/tcp_timer.c", "too many retries: sk_err = ETIMEDOUT, tcp_done")         \
    X(cookie_init_sequence, "net/ipv4/syncookies.c", "encode the request in the SYN-ACK's sequence number") \
    X(cookie_v4_check, "net/ipv4/syncookies.c", "an ACK without a request sock: rebuild it from the cookie") \
    /* net/ipv4/udp.c, raw.c, ping.c */                                                                 \
    X(udp_v4_get_port, "net/ipv4/udp.c", "claim a UDP port (its own table, apart from TCP's)")        \
    X(udp_lib_close, "net/ipv4/udp.c", "sk_prot->close for UDP")                                      \
    X(ip4_datagram_connect, "net/ipv4/datagram.c", "UDP connect: remember the peer, state ESTABLISHED") \
    X(raw_hash_sk, "net/ipv4/raw.c", "a raw socket is hashed at creation under its protocol")        \
    X(raw_bind, "net/ipv4/raw.c", "bind a raw socket to a local address")                              \
    X(raw_close, "net/ipv4/raw.c", "sk_prot->close for raw sockets")                                  \
    X(ping_init_sock, "net/ipv4/ping.c", "ping sockets only for groups in ping_group_range")          \
    /* drivers/net/loopback.c, net/core/dev.c, timers */                                                \
    X(ip_queue_xmit, "net/ipv4/ip_output.c", "hand a segment to the route: loopback or the wire")     \
    X(loopback_xmit, "drivers/net/loopback.c", "the loopback device turns a sent segment into a received one") \
    X(netif_receive_skb, "net/core/dev.c", "a segment comes off the device into IP")                  \
    X(run_timer_softirq, "kernel/time/timer.c", "virtual time reached a timer: run its function")

enum class Fn : uint16_t {
#define SOCKSCOPE_FN_ENUM(name, file, text) name,
    SOCKSCOPE_KFUNCS(SOCKSCOPE_FN_ENUM)
#undef SOCKSCOPE_FN_ENUM
    Count
};

struct KFuncInfo {
    const char* name;
    const char* file;
    const char* text;
};
const KFuncInfo& kfunc(Fn f);

}  // namespace sockscope
