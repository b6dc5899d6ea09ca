// viewmodel.h — what each view draws, computed from a world and the trace
// without a window.
//
// The panels (app/gui/views.cpp) draw exactly these records, so a test can
// ask "what would the listener view draw" of a World and compare it with
// the model (tests/gui). Geometry of the process view is in line units: 1.0
// is one line of text; the window multiplies by its line height.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "history.h"
#include "kernel/trace.h"
#include "world.h"

namespace sockscope::gui {

// ================================================================ process view

enum class BoxKind : uint8_t {
    Table,    // a files_struct: the tasks that share it and their fd slots
    KThread,  // a kernel thread: a task with no fd table
    File,     // struct file
    Socket,   // struct socket (a kernel socket has no file)
    Sock,     // struct sock with a socket
    Child,    // a sock with no socket: a child in an accept queue, or an orphan
    Tw,       // inet_timewait_sock
    Section,  // a heading ("kernel sockets", "orphans")
};

struct Box {
    BoxKind kind = BoxKind::File;
    ObjKind obj = ObjKind::None;   // the object it shows (Files for a table)
    uint32_t id = 0;
    float x = 0, y = 0, w = 0, h = 0;
    uint32_t listener = 0;         // Child: the listener sock whose queue holds it (0: orphan)
    std::string label;             // Section: its text
};

enum class SlotState : uint8_t { Free, Reserved, Used };

struct FdRow {
    uint32_t files = 0;            // FilesId
    int fd = 0;                    // the slot (a summary row: the first free slot)
    int last = 0;                  // a summary row: the last slot it stands for
    float y = 0, h = 1;            // the row's band (the box line is at y)
    SlotState state = SlotState::Free;
    bool cloexec = false;
    bool summary = false;          // "slots 6-63 free"
    uint32_t file = 0;             // FileId when used
};

enum class ArrowKind : uint8_t {
    FdToFile,        // fd[n] -> struct file
    FileToSocket,    // file->private_data
    SocketToSock,    // sock->sk
    SockToSocket,    // sk->sk_socket (drawn as the back half of the double arrow)
    TaskToSocket,    // a kernel thread's socket
    AcceptQueue,     // listener -> child in its accept queue
};

struct Arrow {
    ArrowKind kind;
    float x0, y0, x1, y1;
    ObjKind from_kind, to_kind;
    uint32_t from_id, to_id;
    int fd = -1;                   // FdToFile: the descriptor
    uint32_t files = 0;            // FdToFile: the table
};

struct ProcessLayout {
    std::vector<Box> boxes;
    std::vector<FdRow> rows;
    std::vector<Arrow> arrows;
    float width = 0, height = 0;
    std::map<std::pair<uint8_t, uint32_t>, size_t> box_of;  // (ObjKind, id) -> box
    // The rows of each fd table (FilesId): [first, end) in rows. Found once
    // per layout, not per frame (10,000 fds make 10,000 rows).
    std::map<uint32_t, std::pair<size_t, size_t>> rows_of;
    const Box* find(ObjKind k, uint32_t id) const {
        auto it = box_of.find({static_cast<uint8_t>(k), id});
        return it == box_of.end() ? nullptr : &boxes[it->second];
    }
    size_t count(BoxKind k) const;
};

// Columns (line units).
struct ProcessMetrics {
    float table_x = 0, table_w = 12;
    float file_x = 15.5f, file_w = 10.5f;
    float socket_x = 29.5f, socket_w = 12.5f;
    float sock_x = 45.5f, sock_w = 15.5f;
    float pad = 0.35f;             // above and below a box's lines
    float gap = 0.6f;              // between boxes in a column
};

ProcessLayout layout_process(const World& w, const ProcessMetrics& m = ProcessMetrics{});

// The text of a box, one entry per line; `field` names the field a line
// shows so a changed field can be highlighted (offset, kind of the object).
enum class LineStyle : uint8_t { Title, Normal, State, Dim, Warn };
struct BoxLine {
    std::string text;
    LineStyle style = LineStyle::Normal;
    ObjKind kind = ObjKind::None;
    int field = -1;                // offset in the object, -1 = none
    uint32_t id = 0;               // the object the field belongs to
};
std::vector<BoxLine> box_lines(const World& w, const Box& b);
// The text of a table box's header lines (tasks sharing it).
std::vector<BoxLine> table_header(const World& w, const Box& b);
std::string fd_row_text(const FdRow& r, const World& w);
// Number of lines the box has before its fd rows (tables) or in all.
int box_line_count(const World& w, BoxKind k, uint32_t id);

// ================================================================ listener view

struct ListenerModel {
    uint32_t sock = 0;                 // SockId
    uint32_t addr = 0;
    uint16_t port = 0;
    std::vector<uint32_t> synq;        // request socks waiting for the final ACK (ReqId)
    std::vector<uint32_t> acceptq;     // request socks in icsk_accept_queue, head first
    std::vector<uint32_t> children;    // acceptq[i]'s child sock (SockId)
    uint32_t sk_ack_backlog = 0;
    uint32_t sk_max_ack_backlog = 0;
    int qlen = 0;
    // Cells the accept queue can hold before sk_acceptq_is_full
    // (sk_ack_backlog > sk_max_ack_backlog) refuses: max + 1.
    uint32_t accept_limit = 0;
    // The SYN queue is full when qlen > sk_max_ack_backlog (and, without
    // syncookies, well before tcp_max_syn_backlog).
    uint32_t syn_limit = 0;
    std::string owner;                 // "fd 3 of task 1000 (main)" or "kernel socket"
    bool kernel = false;
};
std::vector<ListenerModel> listeners(const World& w);
// The counters the listener view shows beside the queues.
const std::vector<Mib>& listener_counters();

// ================================================================ call view

struct CallFrame {
    Fn fn;
    int depth = 0;
    size_t enter = 0;              // event index of its Enter
    size_t leave = 0;              // event index of its Leave (or the step end)
    int ret = 0;
    bool returned = false;
    std::vector<size_t> events;    // the frame's own events (not its callees')
};
std::vector<CallFrame> call_frames(const Trace& t, size_t step);
// The chain of frames from the outermost to `frame` (indexes into frames).
std::vector<size_t> call_path(const std::vector<CallFrame>& frames, size_t frame);

// ================================================================ protosw view

enum class WalkVerdict : uint8_t {
    Mismatch,        // protocol differs and neither is IPPROTO_IP: err = EPROTONOSUPPORT, go on
    Exact,           // protocol == entry's protocol (not IP): chosen
    WildcardAsked,   // protocol IPPROTO_IP: take the entry's protocol: chosen
    WildcardEntry,   // entry's protocol IPPROTO_IP (raw): chosen
    ExactIP,         // both IPPROTO_IP: not a match, go on (the kernel's loop)
};

struct WalkStep {
    InetProtosw entry;
    WalkVerdict verdict;
};

struct ProtoswWalk {
    bool valid = false;            // the step ran inet_create's lookup
    int family = 0, type = 0, protocol = 0;
    std::string family_name, create;
    std::vector<WalkStep> steps;   // the entries looked at, in order
    int chosen = -1;               // index into steps, -1 = none
    int err = 0;                   // errno the loop ends with (0 = found)
    std::string note;              // why nothing was looked at, or EPERM after the match
};
// The matching loop of inet_create for step `step`, from the world before
// it (the trace records that inet_create ran; the walk is recomputed over
// the inetsw list as it stood).
ProtoswWalk protosw_walk(const World& before, const Trace& t, size_t step, const Command* cmd);

// ================================================================ names

std::string kind_title(ObjKind k);              // "struct sock"
std::string ops_name(OpsKind o);
std::string prot_text(ProtKind p);            // "tcp_prot", "NULL"
std::string type_name(int type);                // "SOCK_STREAM"
std::string family_name(int family);            // "AF_INET"
std::string flags_text(const Packet& p);        // "SYN|ACK"
std::string drop_reason_name(int32_t r);
std::string object_name(const World& w, ObjKind k, uint32_t id);  // "struct sock #3"

// Objects the events [begin, upto) of a step created or destroyed.
struct StepObjects {
    std::set<std::pair<uint8_t, uint32_t>> created, destroyed;
    std::set<std::tuple<uint8_t, uint32_t, uint16_t>> changed;   // fields set
    std::set<std::pair<uint32_t, int>> fd_links;                   // (files, fd) slots touched
    std::set<uint32_t> queue_socks;                                // socks whose accept queue changed
    std::set<uint16_t> counters;                                   // Mib counters bumped
};
StepObjects step_objects(const Trace& t, size_t step, size_t upto);
// The same over whole steps [first, end): what a lesson step touched, when
// it ran several commands (or a segment's arrival woke a task).
StepObjects range_objects(const Trace& t, size_t first, size_t end);

}  // namespace sockscope::gui
