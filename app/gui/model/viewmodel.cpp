// viewmodel.cpp — see viewmodel.h.
#include "app/gui/model/viewmodel.h"

#include <algorithm>
#include <cstddef>
#include <unordered_map>

#include "script/constants.h"

namespace sockscope::gui {

namespace {

constexpr uint8_t K(ObjKind k) { return static_cast<uint8_t>(k); }

// The trace names fields by their offset in the object.
#define OFF(T, f)                                                         \
    ([] {                                                                 \
        _Pragma("GCC diagnostic push")                                    \
        _Pragma("GCC diagnostic ignored \"-Winvalid-offsetof\"")          \
        return static_cast<int>(offsetof(T, f));                          \
        _Pragma("GCC diagnostic pop")                                     \
    }())

std::string ss_state(int s) {
    const char* n = script::socket_state_name(s);
    return n ? n : std::to_string(s);
}
std::string tcp_state(int s) {
    const char* n = script::tcp_state_name(s);
    return n ? n : std::to_string(s);
}

std::string open_flags(int v) {
    std::string s = (v & 3) == O_RDWR ? "O_RDWR" : (v & 3) == O_WRONLY ? "O_WRONLY" : "O_RDONLY";
    if (v & O_NONBLOCK) s += "|O_NONBLOCK";
    return s;
}

// Height of a box with n lines (line units).
float box_h(int lines, const ProcessMetrics& m) { return static_cast<float>(lines) + 2 * m.pad; }

}  // namespace

size_t ProcessLayout::count(BoxKind k) const {
    return static_cast<size_t>(std::count_if(boxes.begin(), boxes.end(), [&](const Box& b) { return b.kind == k; }));
}

// ---------------------------------------------------------------- names

std::string kind_title(ObjKind k) {
    switch (k) {
    case ObjKind::Task: return "task_struct";
    case ObjKind::Files: return "files_struct";
    case ObjKind::File: return "struct file";
    case ObjKind::Socket: return "struct socket";
    case ObjKind::Sock: return "struct sock";
    case ObjKind::Req: return "request_sock";
    case ObjKind::Tw: return "inet_timewait_sock";
    case ObjKind::Bucket: return "inet_bind_bucket";
    case ObjKind::Timer: return "timer_list";
    case ObjKind::Peer: return "peer";
    case ObjKind::Net: return "struct net";
    case ObjKind::Packet: return "sk_buff";
    case ObjKind::None: break;
    }
    return "?";
}

std::string ops_name(OpsKind o) {
    switch (o) {
    case OpsKind::none: return "NULL";
    case OpsKind::inet_stream_ops: return "inet_stream_ops";
    case OpsKind::inet_dgram_ops: return "inet_dgram_ops";
    case OpsKind::inet_sockraw_ops: return "inet_sockraw_ops";
    case OpsKind::packet_ops: return "packet_ops";
    }
    return "?";
}

std::string prot_text(ProtKind p) {
    // core's prot_name() says "-" for none; a box shows the pointer as C does.
    return p == ProtKind::none ? "NULL" : sockscope::prot_name(p);
}

std::string type_name(int type) {
    switch (type & SOCK_TYPE_MASK) {
    case SOCK_STREAM: return "SOCK_STREAM";
    case SOCK_DGRAM: return "SOCK_DGRAM";
    case SOCK_RAW: return "SOCK_RAW";
    case SOCK_RDM: return "SOCK_RDM";
    case 5: return "SOCK_SEQPACKET";
    case 6: return "SOCK_DCCP";
    case 10: return "SOCK_PACKET";
    }
    return "type " + std::to_string(type);
}

std::string family_name(int family) {
    for (const script::Constant& c : script::all_constants())
        if (std::string_view(c.group) == "family" && c.value == family && std::string_view(c.name).substr(0, 3) == "AF_")
            return c.name;
    return "family " + std::to_string(family);
}

std::string flags_text(const Packet& p) {
    std::string s;
    auto add = [&](uint8_t bit, const char* n) {
        if (!(p.flags & bit)) return;
        if (!s.empty()) s += "|";
        s += n;
    };
    add(TH_SYN, "SYN");
    add(TH_FIN, "FIN");
    add(TH_RST, "RST");
    add(TH_ACK, "ACK");
    return s.empty() ? "-" : s;
}

std::string drop_reason_name(int32_t r) {
    switch (static_cast<DropReason>(r)) {
    case DropReason::none: return "dropped";
    case DropReason::no_socket: return "no socket";
    case DropReason::listen_overflow: return "accept queue full";
    case DropReason::synq_full: return "SYN queue full";
    case DropReason::bad_ack: return "bad ACK";
    case DropReason::not_listening: return "not listening";
    case DropReason::no_route: return "no route";
    case DropReason::peer_gone: return "peer gone";
    case DropReason::orphan_closed: return "orphan closed";
    }
    return "dropped";
}

std::string object_name(const World& w, ObjKind k, uint32_t id) {
    if (k == ObjKind::Task && w.tasks.contains(TaskId(id))) {
        const Task& t = w.tasks[TaskId(id)];
        return "task " + std::to_string(t.pid) + " (" + t.comm + ")";
    }
    if (k == ObjKind::Net) return "struct net (counters, sysctls)";
    return kind_title(k) + " #" + std::to_string(id);
}

// ---------------------------------------------------------------- box text

int box_line_count(const World& w, BoxKind k, uint32_t id) {
    switch (k) {
    case BoxKind::Table: {
        int n = 1;
        w.tasks.each([&](TaskId, const Task& t) {
            if (t.files.v == id) ++n;
        });
        return n;
    }
    case BoxKind::KThread: return 3;
    case BoxKind::File: return 3;
    case BoxKind::Socket: {
        const Socket* s = w.sockets.find(SocketId(id));
        return 4 + (s && !s->wq.empty() ? 1 : 0);
    }
    case BoxKind::Sock: {
        const Sock* s = w.socks.find(SockId(id));
        if (!s) return 4;
        return s->sk_prot == ProtKind::tcp_prot ? 5 : 4;
    }
    case BoxKind::Child: return 3;
    case BoxKind::Tw: return 2;
    case BoxKind::Section: return 1;
    }
    return 1;
}

static std::string wait_text(const Task& t) {
    switch (t.wait.kind) {
    case WaitKind::Accept: return "asleep in accept(" + std::to_string(t.wait.fd) + ")";
    case WaitKind::Connect: return "asleep in connect(" + std::to_string(t.wait.fd) + ")";
    case WaitKind::KthreadWait: return "asleep: waits for a connection";
    case WaitKind::KthreadStop: return "asleep in kthread_stop";
    case WaitKind::None: break;
    }
    return "asleep";
}

std::vector<BoxLine> table_header(const World& w, const Box& b) {
    std::vector<BoxLine> out;
    const FilesStruct* fs = w.files_structs.find(FilesId(b.id));
    std::string title = "files_struct #" + std::to_string(b.id);
    if (fs) title += " · " + std::to_string(fs->fd.size()) + " slots";
    if (fs && fs->count > 1) title += " · shared by " + std::to_string(fs->count);
    out.push_back(BoxLine{title, LineStyle::Title, ObjKind::Files, OFF(FilesStruct, count), b.id});
    w.tasks.each([&](TaskId id, const Task& t) {
        if (t.files.v != b.id) return;
        std::string s = "task " + std::to_string(t.pid) + " " + t.comm;
        if (t.tgid != t.pid) s += " (thread of " + std::to_string(t.tgid) + ")";
        if (t.uid) s += " uid " + std::to_string(t.uid);
        LineStyle st = LineStyle::Normal;
        if (t.state == TASK_INTERRUPTIBLE) {
            s += " — " + wait_text(t);
            st = LineStyle::Warn;
        } else if (t.state == TASK_DEAD) {
            s += " — exited";
            st = LineStyle::Dim;
        }
        out.push_back(BoxLine{s, st, ObjKind::Task, OFF(Task, state), id.v});
    });
    return out;
}

std::string fd_row_text(const FdRow& r, const World& w) {
    if (r.summary) {
        if (r.fd == r.last) return std::to_string(r.fd) + "  free";
        return std::to_string(r.fd) + "–" + std::to_string(r.last) + "  free";
    }
    std::string s = std::to_string(r.fd);
    switch (r.state) {
    case SlotState::Free: s += "  free"; break;
    case SlotState::Reserved: s += "  reserved"; break;
    case SlotState::Used: {
        const File* f = w.files.find(FileId(r.file));
        s += f && f->f_op == FileOps::tty_fops ? "  tty" : "  file #" + std::to_string(r.file);
        break;
    }
    }
    return s;
}

std::vector<BoxLine> box_lines(const World& w, const Box& b) {
    std::vector<BoxLine> out;
    auto add = [&](std::string text, LineStyle st, ObjKind k, int field, uint32_t id) {
        out.push_back(BoxLine{std::move(text), st, k, field, id});
    };
    switch (b.kind) {
    case BoxKind::Table: return table_header(w, b);
    case BoxKind::Section: add(b.label, LineStyle::Title, ObjKind::None, -1, 0); break;
    case BoxKind::KThread: {
        const Task* t = w.tasks.find(TaskId(b.id));
        if (!t) break;
        add("task " + std::to_string(t->pid) + " " + t->comm, LineStyle::Title, ObjKind::Task, -1, b.id);
        add("kernel thread: no fd table", LineStyle::Dim, ObjKind::Task, OFF(Task, files), b.id);
        if (t->state == TASK_INTERRUPTIBLE) add(wait_text(*t), LineStyle::Warn, ObjKind::Task, OFF(Task, state), b.id);
        else if (t->state == TASK_DEAD) add("exited", LineStyle::Dim, ObjKind::Task, OFF(Task, state), b.id);
        else add("running · accepted " + std::to_string(t->kthread_accepted), LineStyle::Normal, ObjKind::Task,
                 OFF(Task, kthread_accepted), b.id);
        break;
    }
    case BoxKind::File: {
        const File* f = w.files.find(FileId(b.id));
        if (!f) break;
        bool tty = f->f_op == FileOps::tty_fops;
        add("struct file #" + std::to_string(b.id) + (tty ? " · tty" : ""), LineStyle::Title, ObjKind::File, -1, b.id);
        add("f_count " + std::to_string(f->f_count), LineStyle::Normal, ObjKind::File, OFF(File, f_count), b.id);
        add(tty ? "f_op tty_fops" : "f_flags " + open_flags(f->f_flags), LineStyle::Normal, ObjKind::File,
            tty ? OFF(File, f_op) : OFF(File, f_flags), b.id);
        break;
    }
    case BoxKind::Socket: {
        const Socket* s = w.sockets.find(SocketId(b.id));
        if (!s) break;
        add("struct socket #" + std::to_string(b.id) + (s->file ? "" : " · kernel"), LineStyle::Title,
            ObjKind::Socket, -1, b.id);
        add("state " + ss_state(s->state), LineStyle::State, ObjKind::Socket, OFF(Socket, state), b.id);
        add("type " + type_name(s->type), LineStyle::Normal, ObjKind::Socket, OFF(Socket, type), b.id);
        add("ops " + ops_name(s->ops), LineStyle::Normal, ObjKind::Socket, OFF(Socket, ops), b.id);
        if (!s->wq.empty()) {
            std::string q = "wait queue:";
            for (const Waiter& x : s->wq) {
                const Task* t = w.tasks.find(x.task);
                q += " " + (t ? std::to_string(t->pid) : "?") + (x.exclusive ? "(excl)" : "");
            }
            add(q, LineStyle::Warn, ObjKind::Socket, -1, b.id);
        }
        break;
    }
    case BoxKind::Sock: {
        const Sock* s = w.socks.find(SockId(b.id));
        if (!s) break;
        add("struct sock #" + std::to_string(b.id) + " · " + prot_text(s->sk_prot), LineStyle::Title, ObjKind::Sock,
            -1, b.id);
        add(tcp_state(s->sk_state), LineStyle::State, ObjKind::Sock, OFF(Sock, sk_state), b.id);
        add("local " + endpoint_str(s->inet_rcv_saddr, s->inet_num), LineStyle::Normal, ObjKind::Sock,
            OFF(Sock, inet_num), b.id);
        add("peer " + (s->inet_dport ? endpoint_str(s->inet_daddr, s->inet_dport) : std::string("—")),
            LineStyle::Normal, ObjKind::Sock, OFF(Sock, inet_dport), b.id);
        if (s->sk_prot == ProtKind::tcp_prot)
            add("backlog " + std::to_string(s->sk_ack_backlog) + "/" + std::to_string(s->sk_max_ack_backlog) +
                    " · synq " + std::to_string(s->qlen),
                LineStyle::Normal, ObjKind::Sock, OFF(Sock, sk_ack_backlog), b.id);
        break;
    }
    case BoxKind::Child: {
        const Sock* s = w.socks.find(SockId(b.id));
        if (!s) break;
        add("struct sock #" + std::to_string(b.id) + (b.listener ? " · in accept queue" : " · orphan"),
            LineStyle::Title, ObjKind::Sock, -1, b.id);
        add(tcp_state(s->sk_state), LineStyle::State, ObjKind::Sock, OFF(Sock, sk_state), b.id);
        add(endpoint_str(s->inet_rcv_saddr, s->inet_num) + " ↔ " + endpoint_str(s->inet_daddr, s->inet_dport),
            LineStyle::Normal, ObjKind::Sock, OFF(Sock, inet_dport), b.id);
        break;
    }
    case BoxKind::Tw: {
        const TimewaitSock* t = w.tws.find(TwId(b.id));
        if (!t) break;
        add("timewait #" + std::to_string(b.id) + " · " + tcp_state(t->tw_substate), LineStyle::Title, ObjKind::Tw,
            OFF(TimewaitSock, tw_substate), b.id);
        add(endpoint_str(t->tw_rcv_saddr, t->tw_num) + " ↔ " + endpoint_str(t->tw_daddr, t->tw_dport),
            LineStyle::Normal, ObjKind::Tw, -1, b.id);
        break;
    }
    }
    return out;
}

// ---------------------------------------------------------------- layout

ProcessLayout layout_process(const World& w, const ProcessMetrics& m) {
    ProcessLayout L;
    std::vector<uint8_t> file_placed(w.files.capacity() + 1), socket_placed(w.sockets.capacity() + 1),
        sock_placed(w.socks.capacity() + 1);
    float col_bottom = 0;   // lowest point used in any column
    const float line = 1.0f;

    auto add_box = [&](Box b) -> size_t {
        size_t i = L.boxes.size();
        L.boxes.push_back(std::move(b));
        const Box& x = L.boxes.back();
        if (x.kind != BoxKind::Section) L.box_of[{K(x.obj), x.id}] = i;
        col_bottom = std::max(col_bottom, x.y + x.h);
        return i;
    };

    // A sock's children (its accept queue) below it; returns their height.
    auto place_children = [&](SockId sk, float x, float y) -> float {
        const Sock& s = w.socks[sk];
        float h = 0;
        for (ReqId r : s.rskq_accept) {
            const RequestSock* rq = w.reqs.find(r);
            if (!rq || !rq->sk || !w.socks.contains(rq->sk) || sock_placed[rq->sk.v]) continue;
            sock_placed[rq->sk.v] = 1;
            Box c{BoxKind::Child, ObjKind::Sock, rq->sk.v, x + 1.2f, y + h + 0.35f, m.sock_w - 1.2f,
                  box_h(box_line_count(w, BoxKind::Child, rq->sk.v), m), sk.v, ""};
            float cy = c.y + m.pad + 0.5f * line;
            add_box(c);
            L.arrows.push_back(Arrow{ArrowKind::AcceptQueue, x + 0.5f, y, x + 1.2f, cy, ObjKind::Sock, ObjKind::Sock,
                                     sk.v, rq->sk.v});
            h += c.h + 0.35f;
        }
        return h;
    };

    // Places socket -> sock (and the sock's children) with the socket's
    // top at y; returns the height used in those columns.
    auto place_socket = [&](SocketId so, float y) -> float {
        float h = 0;
        if (!w.sockets.contains(so) || socket_placed[so.v]) return 0;
        socket_placed[so.v] = 1;
        const Socket& s = w.sockets[so];
        Box sb{BoxKind::Socket, ObjKind::Socket, so.v, m.socket_x, y, m.socket_w,
               box_h(box_line_count(w, BoxKind::Socket, so.v), m), 0, ""};
        add_box(sb);
        h = sb.h;
        if (s.sk && w.socks.contains(s.sk) && !sock_placed[s.sk.v]) {
            sock_placed[s.sk.v] = 1;
            Box kb{BoxKind::Sock, ObjKind::Sock, s.sk.v, m.sock_x, y, m.sock_w,
                   box_h(box_line_count(w, BoxKind::Sock, s.sk.v), m), 0, ""};
            add_box(kb);
            float ch = place_children(s.sk, m.sock_x, y + kb.h);
            h = std::max(h, kb.h + ch);
        }
        if (s.sk && w.socks.contains(s.sk)) {
            const Box* kb = L.find(ObjKind::Sock, s.sk.v);
            if (kb) {
                float ya = y + m.pad + 0.35f * line, yb = y + m.pad + 0.85f * line;
                float kya = kb->y + m.pad + 0.35f * line, kyb = kb->y + m.pad + 0.85f * line;
                L.arrows.push_back(Arrow{ArrowKind::SocketToSock, m.socket_x + m.socket_w, ya, kb->x, kya,
                                         ObjKind::Socket, ObjKind::Sock, so.v, s.sk.v});
                if (w.socks[s.sk].sk_socket == so)
                    L.arrows.push_back(Arrow{ArrowKind::SockToSocket, kb->x, kyb, m.socket_x + m.socket_w, yb,
                                             ObjKind::Sock, ObjKind::Socket, s.sk.v, so.v});
            }
        }
        return h;
    };

    // Places file -> socket -> sock with the file's top at y; returns the height.
    auto place_file = [&](FileId f, float y) -> float {
        if (!w.files.contains(f) || file_placed[f.v]) return 0;
        file_placed[f.v] = 1;
        const File& file = w.files[f];
        Box fb{BoxKind::File, ObjKind::File, f.v, m.file_x, y, m.file_w, box_h(3, m), 0, ""};
        add_box(fb);
        float h = fb.h;
        if (file.f_op == FileOps::socket_file_ops && file.private_data) {
            h = std::max(h, place_socket(file.private_data, y));
            if (const Box* sb = L.find(ObjKind::Socket, file.private_data.v))
                L.arrows.push_back(Arrow{ArrowKind::FileToSocket, m.file_x + m.file_w, y + m.pad + 0.5f * line, sb->x,
                                         sb->y + m.pad + 0.5f * line, ObjKind::File, ObjKind::Socket, f.v,
                                         file.private_data.v});
        }
        return h;
    };

    // ---- fd tables, in the order of their first task
    std::vector<FilesId> tables;
    std::vector<TaskId> kthreads;
    {
        std::vector<uint8_t> seen(w.files_structs.capacity() + 1);
        w.tasks.each([&](TaskId id, const Task& t) {
            if (t.kthread || !t.files) {
                if (t.kthread) kthreads.push_back(id);
                return;
            }
            if (w.files_structs.contains(t.files) && !seen[t.files.v]) {
                seen[t.files.v] = 1;
                tables.push_back(t.files);
            }
        });
    }
    float y = 0;
    std::vector<std::pair<size_t, FileId>> fd_arrows;  // row index -> file, resolved at the end
    for (FilesId fsid : tables) {
        const FilesStruct& fs = w.files_structs[fsid];
        int header = box_line_count(w, BoxKind::Table, fsid.v);
        size_t bi = add_box(Box{BoxKind::Table, ObjKind::Files, fsid.v, m.table_x, y, m.table_w, 0, 0, ""});
        float ry = y + m.pad + static_cast<float>(header) * line + 0.25f;
        int last = -1;
        for (int i = static_cast<int>(fs.open_fds.size()) - 1; i >= 0; --i)
            if (fs.open_fds[static_cast<size_t>(i)] || fs.fd[static_cast<size_t>(i)]) {
                last = i;
                break;
            }
        size_t first_row = L.rows.size();
        float chain_bottom = ry;   // new chains start below the last one
        for (int fd = 0; fd <= last; ++fd) {
            FdRow r;
            r.files = fsid.v;
            r.fd = r.last = fd;
            FileId f = fs.fd[static_cast<size_t>(fd)];
            // (a closed slot keeps a stale bit until alloc_fd sets it again)
            r.cloexec = fs.close_on_exec[static_cast<size_t>(fd)] && fs.open_fds[static_cast<size_t>(fd)];
            r.state = f ? SlotState::Used : fs.open_fds[static_cast<size_t>(fd)] ? SlotState::Reserved : SlotState::Free;
            r.file = f.v;
            if (f && w.files.contains(f) && !file_placed[f.v]) {
                // a new chain: its row lines up with the file's first line
                ry = std::max(ry, chain_bottom);
                float h = place_file(f, ry - m.pad);
                chain_bottom = ry - m.pad + h + m.gap;
            }
            r.y = ry;
            if (f) fd_arrows.push_back({L.rows.size(), f});
            L.rows.push_back(r);
            ry += line;
        }
        // each row's band reaches the next row
        for (size_t i = first_row; i < L.rows.size(); ++i)
            L.rows[i].h = i + 1 < L.rows.size() ? L.rows[i + 1].y - L.rows[i].y : line;
        if (last + 1 < static_cast<int>(fs.fd.size())) {
            FdRow r;
            r.files = fsid.v;
            r.fd = last + 1;
            r.last = static_cast<int>(fs.fd.size()) - 1;
            r.y = ry;
            r.summary = true;
            L.rows.push_back(r);
            ry += line;
        }
        L.boxes[bi].h = ry - y + m.pad;
        col_bottom = std::max(col_bottom, ry + m.pad);
        y = col_bottom + 1.2f;
    }

    // ---- kernel threads and their sockets
    for (TaskId t : kthreads) {
        const Task& task = w.tasks[t];
        Box kb{BoxKind::KThread, ObjKind::Task, t.v, m.table_x, y, m.table_w, box_h(3, m), 0, ""};
        add_box(kb);
        float h = kb.h;
        if (task.kthread_sock && w.sockets.contains(task.kthread_sock)) {
            h = std::max(h, place_socket(task.kthread_sock, y));
            if (const Box* sb = L.find(ObjKind::Socket, task.kthread_sock.v))
                L.arrows.push_back(Arrow{ArrowKind::TaskToSocket, m.table_x + m.table_w, y + m.pad + 0.5f, sb->x,
                                         sb->y + m.pad + 0.5f, ObjKind::Task, ObjKind::Socket, t.v,
                                         task.kthread_sock.v});
        }
        y = std::max(col_bottom, y + h) + 1.2f;
    }

    // ---- files no descriptor points to (held by a syscall in progress)
    bool heading = false;
    w.files.each([&](FileId f, const File&) {
        if (file_placed[f.v]) return;
        if (!heading) {
            add_box(Box{BoxKind::Section, ObjKind::None, 0, m.table_x, y, m.table_w + 3, 1, 0,
                        "files no fd points to yet"});
            heading = true;
        }
        float h = place_file(f, y);
        y = std::max(col_bottom, y + h) + m.gap;
    });
    if (heading) y = col_bottom + 1.2f;

    // ---- kernel sockets: no file, no fd
    heading = false;
    w.sockets.each([&](SocketId so, const Socket&) {
        if (socket_placed[so.v]) return;
        if (!heading) {
            add_box(Box{BoxKind::Section, ObjKind::None, 0, m.table_x, y, m.table_w + 3, 1, 0,
                        "kernel sockets: no file, no fd"});
            heading = true;
        }
        float h = place_socket(so, y);
        y = std::max(col_bottom, y + h) + m.gap;
    });
    if (heading) y = col_bottom + 1.2f;

    // ---- socks with no socket outside an accept queue: orphans (listeners' children were placed with them)
    heading = false;
    float oy = y;
    w.socks.each([&](SockId sk, const Sock& s) {
        if (sock_placed[sk.v]) return;
        // a child of a listener placed later still goes with its listener
        if (!heading) {
            add_box(Box{BoxKind::Section, ObjKind::None, 0, m.table_x, oy, m.table_w + 3, 1, 0,
                        "socks with no socket (orphans, children)"});
            heading = true;
        }
        sock_placed[sk.v] = 1;
        Box c{BoxKind::Child, ObjKind::Sock, sk.v, m.sock_x, oy, m.sock_w,
              box_h(box_line_count(w, BoxKind::Child, sk.v), m), 0, ""};
        // In some listener's queue after all?
        for (const auto& [port, ls] : w.lhash)
            for (SockId l : ls)
                if (w.socks.contains(l))
                    for (ReqId r : w.socks[l].rskq_accept)
                        if (w.reqs.contains(r) && w.reqs[r].sk == sk) c.listener = l.v;
        add_box(c);
        oy = c.y + c.h + m.gap;
    });
    if (heading) y = col_bottom + 1.2f;

    // ---- timewait socks
    heading = false;
    w.tws.each([&](TwId t, const TimewaitSock&) {
        if (!heading) {
            add_box(Box{BoxKind::Section, ObjKind::None, 0, m.table_x, y, m.table_w + 3, 1, 0,
                        "TIME_WAIT: timewait socks"});
            heading = true;
        }
        Box b{BoxKind::Tw, ObjKind::Tw, t.v, m.sock_x, y, m.sock_w, box_h(2, m), 0, ""};
        add_box(b);
        y += b.h + m.gap;
    });

    // ---- fd -> file arrows
    for (auto [ri, f] : fd_arrows) {
        const FdRow& r = L.rows[ri];
        const Box* fb = L.find(ObjKind::File, f.v);
        if (!fb) continue;
        L.arrows.push_back(Arrow{ArrowKind::FdToFile, m.table_x + m.table_w, r.y + 0.5f * line, fb->x,
                                 fb->y + m.pad + 0.5f * line, ObjKind::Files, ObjKind::File, r.files, f.v, r.fd,
                                 r.files});
    }

    for (size_t i = 0; i < L.rows.size(); ++i) {
        auto& span = L.rows_of[L.rows[i].files];
        if (span.second == 0) span.first = i;
        span.second = i + 1;
    }
    L.width = m.sock_x + m.sock_w + 0.5f;
    L.height = std::max(col_bottom, y) + 1.0f;
    return L;
}

// ---------------------------------------------------------------- listeners

const std::vector<Mib>& listener_counters() {
    static const std::vector<Mib> k = {Mib::ListenOverflows, Mib::ListenDrops,          Mib::TCPReqQFullDrop,
                                       Mib::TCPReqQFullDoCookies, Mib::SyncookiesSent,  Mib::PassiveOpens,
                                       Mib::EmbryonicRsts};
    return k;
}

std::vector<ListenerModel> listeners(const World& w) {
    std::vector<ListenerModel> out;
    std::unordered_map<uint32_t, size_t> index;
    w.socks.each([&](SockId id, const Sock& s) {
        if (s.sk_state != TCP_LISTEN) return;
        ListenerModel l;
        l.sock = id.v;
        l.addr = s.inet_rcv_saddr;
        l.port = s.inet_num;
        l.sk_ack_backlog = s.sk_ack_backlog;
        l.sk_max_ack_backlog = s.sk_max_ack_backlog;
        l.qlen = s.qlen;
        l.accept_limit = s.sk_max_ack_backlog + 1;
        l.syn_limit = s.sk_max_ack_backlog + 1;
        for (ReqId r : s.rskq_accept) {
            l.acceptq.push_back(r.v);
            const RequestSock* rq = w.reqs.find(r);
            l.children.push_back(rq ? rq->sk.v : 0);
        }
        l.kernel = s.sk_kern_sock;
        index[id.v] = out.size();
        out.push_back(std::move(l));
    });
    if (out.empty()) return out;
    w.reqs.each([&](ReqId id, const RequestSock& r) {
        if (r.in_accept_queue) return;
        auto it = index.find(r.rsk_listener.v);
        if (it != index.end()) out[it->second].synq.push_back(id.v);
    });
    // Owners: the first fd whose file leads to the listener.
    std::unordered_map<uint32_t, std::string> owner;
    w.tasks.each([&](TaskId, const Task& t) {
        if (!t.files || !w.files_structs.contains(t.files)) {
            if (t.kthread && t.kthread_sock && w.sockets.contains(t.kthread_sock)) {
                uint32_t sk = w.sockets[t.kthread_sock].sk.v;
                if (!owner.count(sk)) owner[sk] = "kernel thread " + std::to_string(t.pid) + " (" + t.comm + ")";
            }
            return;
        }
        const FilesStruct& fs = w.files_structs[t.files];
        for (size_t fd = 0; fd < fs.fd.size(); ++fd) {
            const File* f = fs.fd[fd] ? w.files.find(fs.fd[fd]) : nullptr;
            if (!f || f->f_op != FileOps::socket_file_ops) continue;
            const Socket* so = w.sockets.find(f->private_data);
            if (!so || !index.count(so->sk.v) || owner.count(so->sk.v)) continue;
            owner[so->sk.v] = "fd " + std::to_string(fd) + " of task " + std::to_string(t.pid) + " (" + t.comm + ")";
        }
    });
    for (ListenerModel& l : out) {
        auto it = owner.find(l.sock);
        l.owner = it != owner.end() ? it->second : (l.kernel ? "a kernel socket" : "no fd");
    }
    return out;
}

// ---------------------------------------------------------------- calls

std::vector<CallFrame> call_frames(const Trace& t, size_t step) {
    std::vector<CallFrame> out;
    if (step >= t.steps.size()) return out;
    std::vector<size_t> stack;
    size_t end = t.step_end(step);
    for (size_t i = t.step_begin(step); i < end; ++i) {
        const TraceEvent& e = t.events[i];
        if (e.ev == Ev::Enter) {
            CallFrame f;
            f.fn = static_cast<Fn>(e.code);
            f.depth = static_cast<int>(stack.size());
            f.enter = i;
            f.leave = end;
            stack.push_back(out.size());
            out.push_back(std::move(f));
        } else if (e.ev == Ev::Leave) {
            if (stack.empty()) continue;
            CallFrame& f = out[stack.back()];
            f.leave = i;
            f.ret = e.a;
            f.returned = true;
            stack.pop_back();
        } else if (!stack.empty()) {
            out[stack.back()].events.push_back(i);
        } else if (!out.empty()) {
            out.back().events.push_back(i);
        }
    }
    return out;
}

std::vector<size_t> call_path(const std::vector<CallFrame>& frames, size_t frame) {
    std::vector<size_t> path;
    if (frame >= frames.size()) return path;
    int depth = frames[frame].depth;
    path.push_back(frame);
    for (size_t i = frame; i-- > 0 && depth > 0;)
        if (frames[i].depth < depth) {
            path.push_back(i);
            depth = frames[i].depth;
        }
    std::reverse(path.begin(), path.end());
    return path;
}

// ---------------------------------------------------------------- protosw

ProtoswWalk protosw_walk(const World& before, const Trace& t, size_t step, const Command* cmd) {
    ProtoswWalk out;
    if (step >= t.steps.size() || !cmd) return out;
    if (cmd->op != Op::Socket && cmd->op != Op::SockCreateKern) return out;
    if (t.steps[step].kind != StepKind::Syscall) return out;
    bool ran = false;
    int ret = 0;
    std::vector<CallFrame> frames = call_frames(t, step);
    const CallFrame* sock_create = nullptr;
    for (const CallFrame& f : frames) {
        if (f.fn == Fn::inet_create) {
            ran = true;
            ret = f.ret;
        }
        if (f.fn == Fn::__sock_create && !sock_create) sock_create = &f;
    }
    out.family = static_cast<int>(cmd->a[0]);
    out.type = static_cast<int>(cmd->a[1]) & SOCK_TYPE_MASK;
    out.protocol = static_cast<int>(cmd->a[2]);
    out.valid = true;
    if (out.family >= 0 && out.family < NPROTO) {
        const NetProtoFamily& fam = before.net_families[static_cast<size_t>(out.family)];
        out.family_name = fam.name;
        out.create = fam.create;
    }
    if (!ran) {
        int err = sock_create && sock_create->returned ? -sock_create->ret : 0;
        const char* en = script::errno_name(err);
        out.note = std::string("inet_create was not reached") +
                   (err ? std::string(": __sock_create returned -") + (en ? en : std::to_string(err)) : "") +
                   (out.family < 0 || out.family >= NPROTO ? " (family out of range)"
                    : !before.net_families[static_cast<size_t>(out.family)].registered
                        ? " (net_families[" + std::to_string(out.family) + "] is empty)"
                        : "");
        out.err = err;
        return out;
    }
    if (out.protocol < 0 || out.protocol >= IPPROTO_MAX) {
        out.err = EINVAL;
        out.note = "protocol out of range: EINVAL before the loop";
        return out;
    }
    const auto& list = before.net_families[static_cast<size_t>(out.family)].inetsw[static_cast<size_t>(out.type)];
    int err = ESOCKTNOSUPPORT;
    int protocol = out.protocol;
    for (const InetProtosw& e : list) {
        err = 0;
        WalkVerdict v;
        bool hit = false;
        if (protocol == e.protocol) {
            if (protocol != IPPROTO_IP) {
                v = WalkVerdict::Exact;
                hit = true;
            } else {
                v = WalkVerdict::ExactIP;
            }
        } else if (protocol == IPPROTO_IP) {
            v = WalkVerdict::WildcardAsked;
            hit = true;
        } else if (e.protocol == IPPROTO_IP) {
            v = WalkVerdict::WildcardEntry;
            hit = true;
        } else {
            v = WalkVerdict::Mismatch;
        }
        out.steps.push_back(WalkStep{e, v});
        if (hit) {
            out.chosen = static_cast<int>(out.steps.size()) - 1;
            break;
        }
        err = EPROTONOSUPPORT;
    }
    out.err = out.chosen >= 0 ? 0 : err;
    if (list.empty()) out.note = "inetsw[" + type_name(out.type) + "] is empty: ESOCKTNOSUPPORT";
    if (out.chosen >= 0 && ret == -EPERM)
        out.note = "an entry matched, but SOCK_RAW needs CAP_NET_RAW: EPERM";
    return out;
}

// ---------------------------------------------------------------- step objects

StepObjects step_objects(const Trace& t, size_t step, size_t upto) {
    StepObjects o;
    if (step >= t.steps.size()) return o;
    size_t end = std::min(upto, t.step_end(step));
    for (size_t i = t.step_begin(step); i < end; ++i) {
        const TraceEvent& e = t.events[i];
        switch (e.ev) {
        case Ev::Create: o.created.insert({K(e.kind), e.id}); break;
        case Ev::Destroy: o.destroyed.insert({K(e.kind), e.id}); break;
        case Ev::Set: o.changed.insert({K(e.kind), e.id, e.code}); break;
        case Ev::LinkAdd:
        case Ev::LinkDel: {
            Link l = static_cast<Link>(e.code);
            if (l == Link::fd || l == Link::open_fd || l == Link::close_on_exec) o.fd_links.insert({e.id, e.a});
            if (l == Link::accept_queue) o.queue_socks.insert(e.id);
            break;
        }
        case Ev::Counter: o.counters.insert(e.code); break;
        default: break;
        }
    }
    return o;
}

StepObjects range_objects(const Trace& t, size_t first, size_t end) {
    StepObjects o;
    for (size_t s = first; s < end && s < t.steps.size(); ++s) {
        StepObjects one = step_objects(t, s, t.step_end(s));
        o.created.insert(one.created.begin(), one.created.end());
        o.destroyed.insert(one.destroyed.begin(), one.destroyed.end());
        o.changed.insert(one.changed.begin(), one.changed.end());
        o.fd_links.insert(one.fd_links.begin(), one.fd_links.end());
        o.queue_socks.insert(one.queue_socks.begin(), one.queue_socks.end());
        o.counters.insert(one.counters.begin(), one.counters.end());
    }
    // an object made and destroyed within the range is not "new" at its end
    for (const auto& d : o.destroyed) o.created.erase(d);
    return o;
}

}  // namespace sockscope::gui
