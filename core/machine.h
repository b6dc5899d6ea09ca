// machine.h — the step driver: commands in, steps out.
//
// A Command is one thing a user does (a syscall in a task, time passing, a
// peer's segment, a sysctl), with every argument already resolved to a
// number, so it can be replayed, stored in a snapshot and compared. The
// Machine runs a command as one step, then drains what it set in motion one
// step at a time: segments on the wire first (the kernel's softirq runs
// before the syscall returns), then woken tasks in wake order. Advancing
// time fires each due timer as its own step. Nothing here knows about
// scripts, windows or files.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kernel/kernel.h"

namespace sockscope {

enum class Op : uint8_t {
    // syscalls (task = the caller)
    Socket, Bind, Listen, Connect, Accept, Accept4, Close, Dup, Dup2, Shutdown,
    Setsockopt,   // fd, level, optname, v1, v2, optlen (4: an int, 8: two ints)
    Getsockopt, Fcntl,
    // tasks and time
    Sleep, Fork, Thread, Spawn, Exit, Signal,
    // the in-kernel API (sockets are named by SocketId)
    KthreadRun, KthreadStop, SockCreateKern, KernelBind, KernelListen, KernelAccept,
    SockRelease, SockRegister, ProtoswRegister,
    // the network and the machine
    PeerCreate, PeerSend, SynFlood, Sysctl,
    // later additions go last, so stored histories keep their numbers
    Setresuid,    // uid, gid: the caller's credentials change (uid 0 keeps root's capabilities)
    Count
};
const char* op_name(Op op);

struct Command {
    Op op = Op::Socket;
    uint32_t task = 0;               // TaskId of the caller (0: none needed)
    std::array<int64_t, 6> a{};      // resolved arguments
    std::string text;                // as the user wrote it (labels, snapshots)
    bool operator==(const Command&) const = default;
};

// What running a command gave back.
struct Outcome {
    bool sleeping = false;           // the caller is asleep (result comes later)
    int64_t ret = 0;                 // >= 0, or -errno
};

class Machine {
public:
    Kernel k;

    explicit Machine(World w = make_boot_world()) : k(std::move(w)) {}

    // Runs the command as one step (recorded under `command_index`) and
    // nothing else. Use settle() to run what follows.
    Outcome exec(const Command& c, uint32_t command_index);
    // Runs one pending step (a delivery, or a woken task); false if none.
    bool step_pending(uint32_t command_index);
    // Runs pending steps until none is left.
    void settle(uint32_t command_index);
    // Moves virtual time forward by ms, firing due timers (each a step,
    // each followed by settle).
    void advance(int64_t ms, uint32_t command_index);
    bool has_pending() const { return !k.w.wire.empty() || !k.w.runqueue.empty(); }

    // Replay support: when budget >= 0, at most that many more steps run;
    // further steps are refused (exec returns without acting, settle and
    // advance stop). -1 = unlimited.
    int64_t budget = -1;
    uint64_t steps_run = 0;          // steps begun so far by this machine

    // Called after every step (tests hang the invariant checker here).
    std::function<void(const Machine&)> after_step;

    bool step_pending_inner(uint32_t command_index);

    // Sysctl by name ("net.core.somaxconn"); false if unknown. Values with
    // two numbers (ip_local_port_range) take both.
    static bool set_sysctl(World& w, const std::string& name, int64_t v1, int64_t v2);
    static bool set_sysctl(Sysctls& s, const std::string& name, int64_t v1, int64_t v2);  // the same on a copy
    static bool sysctl_id(const std::string& name, int* id);
    static const std::vector<std::string>& sysctl_names();
};

}  // namespace sockscope
