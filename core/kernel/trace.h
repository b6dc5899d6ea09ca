// trace.h — the step trace: what each step did, frame by frame.
//
// A step is one operation (a syscall, a segment delivered, a timer firing,
// a sleeping task resuming). Its record is a run of fixed-size events:
// Enter/Leave bracket kernel frames (so depth is implicit), and between them
// the exact changes the frame made — created, destroyed, field old -> new,
// link added or removed, slept, woke, segment sent/delivered/dropped,
// counter bumped. The GUI animates from these events alone; the CLI prints
// them as text (trace_text.cpp). Events are 16 bytes and carry no strings:
// names come from static tables (kfunc.h, the field table), which is what
// keeps a million-step history in memory.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ids.h"
#include "kernel/kfunc.h"
#include "world.h"

namespace sockscope {

enum class Ev : uint8_t {
    Enter,      // code = Fn
    Leave,      // code = Fn, a = return value (0 or -errno)
    Create,     // kind/id
    Destroy,    // kind/id
    Set,        // kind/id, code = field, a = old, b = new
    LinkAdd,    // kind/id, code = Link, a = slot or key, b = target id
    LinkDel,    // same
    Sleep,      // id = task, a = socket slept on (0 if none)
    Wake,       // id = task, a = waker's reason (WakeReason)
    PacketSend, // id = index into Trace::packets
    PacketDeliver,
    PacketDrop, // a = DropReason
    Counter,    // code = Mib, a = old, b = new
    Return,     // id = task, a = value, b = errno: a syscall returned to user space
};

// Container links the trace reports as LinkAdd/LinkDel.
enum class Link : uint16_t {
    fd,            // Files: fd[a] = file b
    open_fd,       // Files: bit a of open_fds (reserved)
    close_on_exec, // Files: bit a of close_on_exec
    accept_queue,  // Sock: request sock b at position a
    wait_queue,    // Socket: task b (a = exclusive)
    bucket_owner,  // Bucket: sock b
    bucket_tw,     // Bucket: timewait b
    lhash,         // Net: listener b on port a
    ehash,         // Net: object b (kind in a>>16) on local port a&0xffff
    runqueue,      // Net: task b
    family,        // Net: net_families[a]
    protosw,       // Net: inetsw entry: a = family<<8|type, b = protocol
};

enum class DropReason : int32_t {
    none, no_socket, listen_overflow, synq_full, bad_ack, not_listening,
    no_route, peer_gone, orphan_closed,
};

struct TraceEvent {
    Ev ev;
    ObjKind kind;
    uint16_t code;
    uint32_t id;
    int32_t a;
    int32_t b;
};
static_assert(sizeof(TraceEvent) == 16);

enum class StepKind : uint8_t { Syscall, Deliver, Timer, Resume, Control };

struct StepRecord {
    uint32_t first_event = 0;   // index into Trace::events
    uint32_t command = 0;       // the user command (history index) it belongs to
    int64_t time = 0;           // virtual ms when it ran
    StepKind kind = StepKind::Syscall;
    uint32_t task = 0;          // the task it ran in (0 = softirq context)
};

struct Trace {
    std::vector<TraceEvent> events;
    std::vector<StepRecord> steps;
    std::vector<Packet> packets;   // every segment sent, by PacketSend index

    size_t step_count() const { return steps.size(); }
    // Events of step i: [begin, end)
    size_t step_begin(size_t i) const { return steps[i].first_event; }
    size_t step_end(size_t i) const {
        return i + 1 < steps.size() ? steps[i + 1].first_event : events.size();
    }
    void clear() { events.clear(); steps.clear(); packets.clear(); }
    size_t bytes() const {
        return events.capacity() * sizeof(TraceEvent) +
               steps.capacity() * sizeof(StepRecord) +
               packets.capacity() * sizeof(Packet);
    }
};

// ---- the field table: names and formats for Set events ----
enum class Fmt : uint8_t { Int, TcpState, SsState, Addr, Port, Bool, OpenFlags, Id, Hex };
struct FieldInfo {
    ObjKind kind;
    uint16_t offset;
    const char* name;
    Fmt fmt;
    ObjKind ref = ObjKind::None;  // Fmt::Id: which table
};
const FieldInfo* field_info(ObjKind kind, uint16_t offset);
const std::vector<FieldInfo>& all_fields();

// Text forms (used by the CLI's --trace and by tests).
std::string format_value(Fmt f, int32_t v, ObjKind ref = ObjKind::None);
std::string format_event(const Trace& t, const TraceEvent& e);
std::string format_packet(const Packet& p);
// The whole step as indented lines: "  inet_create  net/ipv4/af_inet.c — ..."
std::string format_step(const Trace& t, size_t step, const std::string& label);

}  // namespace sockscope
