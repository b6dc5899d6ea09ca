// inspect.h — looking at a world the way a Linux user looks at a machine.
//
// Read-only views: the fd tables and the objects behind them (the REPL's
// `show`), `ss -ltn` for listeners, /proc/net/tcp lines, `nstat -az`
// counters, and the per-socket queries scripts use (tcp_state, acceptq,
// backlog, local_port — the same numbers TCP_INFO and getsockname give on
// a real machine). Nothing here changes the world.
#pragma once
#include <cstdint>
#include <string>

#include "world.h"

namespace sockscope {

// Per-fd queries; they return a value, or -errno like the real calls.
int64_t query_tcp_state(const World& w, TaskId t, int fd);
int64_t query_acceptq(const World& w, TaskId t, int fd);   // tcpi_unacked
int64_t query_backlog(const World& w, TaskId t, int fd);   // tcpi_sacked
int64_t query_synq(const World& w, TaskId t, int fd);      // the listener's qlen
int64_t query_local_port(const World& w, TaskId t, int fd);

// Text views.
std::string show_world(const World& w);          // tasks, fds, files, sockets, socks, queues
std::string show_task(const World& w, TaskId t);  // one task's fd table
std::string show_ss_ltn(const World& w);         // ss -ltn
std::string show_proc_net_tcp(const World& w);   // /proc/net/tcp
std::string show_nstat(const World& w);          // nstat -az (nonzero and the listen ones)
std::string show_protosw(const World& w);        // net_families[] and inetsw[]

}  // namespace sockscope
