// test_gui.cpp — the window's views against the model.
//
// Also the lesson panel's player and the snapshot dialog, window-free
// (app/gui/model/lessons.h, snapshots.h), and both in the real window.
//
// The first group needs no window: it asks app/gui/model what each view
// would draw for a world (the cells of the listener view, the boxes and
// arrows of the process view, inet_create's loop, the ladder's rows) and
// compares it with the World itself. The second group starts the real
// program (SOCKSCOPE_BIN) under Xvfb: its screenshots are not blank, and
// what its views drew (--dump-views) equals the model at the same step.
#include <gtest/gtest.h>
#include <stb_image.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "app/gui/model/fields.h"
#include "app/gui/model/lessons.h"
#include "app/gui/model/session.h"
#include "app/gui/model/snapshots.h"
#include "app/gui/model/svg.h"
#include "app/gui/model/viewmodel.h"
#include "script/constants.h"

using namespace sockscope;
using namespace sockscope::gui;

namespace {

// socket, bind, listen, three clients from other tasks, accept, close.
const char* kScenario =
    "s = socket(AF_INET, SOCK_STREAM, 0) = 3\n"
    "bind(s, 127.0.0.1:8080) = 0\n"
    "listen(s, 5) = 0\n"
    "A: a = socket(AF_INET, SOCK_STREAM, 0) = 3\n"
    "A: connect(a, 127.0.0.1:8080) = 0\n"
    "B: b = socket(AF_INET, SOCK_STREAM, 0) = 3\n"
    "B: connect(b, 127.0.0.1:8080) = 0\n"
    "C: c = socket(AF_INET, SOCK_STREAM, 0) = 3\n"
    "C: connect(c, 127.0.0.1:8080) = 0\n"
    "n = accept(s) = 4\n"
    "close(n) = 0\n";

void run(Session& s, const std::string& text) {
    s.echo_script = false;
    std::string err;
    ASSERT_TRUE(s.load_script(text, "test.sock", &err)) << err;
    s.run_script_to_end();
}

// The step count just after the command whose text is `cmd`.
uint64_t step_after(Session& s, const std::string& cmd) {
    for (const History::Entry& e : s.history().entries())
        if (e.cmd.text == cmd) return e.first_step + e.steps;
    ADD_FAILURE() << "no command " << cmd;
    return 0;
}

size_t arrows(const ProcessLayout& L, ArrowKind k, ObjKind to_kind, uint32_t to_id) {
    size_t n = 0;
    for (const Arrow& a : L.arrows)
        if (a.kind == k && a.to_kind == to_kind && a.to_id == to_id) ++n;
    return n;
}

// Every pointer of the world has its arrow, every object its box.
void expect_layout_matches(const World& w, const ProcessLayout& L) {
    w.files_structs.each([&](FilesId fsid, const FilesStruct& fs) {
        bool owned = false;
        w.tasks.each([&](TaskId, const Task& t) { owned = owned || t.files == fsid; });
        if (!owned) return;
        ASSERT_NE(L.find(ObjKind::Files, fsid.v), nullptr);
        for (size_t fd = 0; fd < fs.fd.size(); ++fd) {
            if (!fs.fd[fd]) continue;
            bool found = false;
            for (const Arrow& a : L.arrows)
                found = found || (a.kind == ArrowKind::FdToFile && a.files == fsid.v && a.fd == static_cast<int>(fd) &&
                                  a.to_id == fs.fd[fd].v);
            EXPECT_TRUE(found) << "fd " << fd << " of files_struct " << fsid.v << " has no arrow";
        }
    });
    w.files.each([&](FileId id, const File& f) {
        ASSERT_NE(L.find(ObjKind::File, id.v), nullptr) << "file " << id.v;
        if (f.f_op == FileOps::socket_file_ops) {
            EXPECT_EQ(arrows(L, ArrowKind::FileToSocket, ObjKind::Socket, f.private_data.v), 1u);
        }
    });
    w.sockets.each([&](SocketId id, const Socket& so) {
        ASSERT_NE(L.find(ObjKind::Socket, id.v), nullptr) << "socket " << id.v;
        if (so.sk) {
            EXPECT_EQ(arrows(L, ArrowKind::SocketToSock, ObjKind::Sock, so.sk.v), 1u);
            if (w.socks[so.sk].sk_socket == id) {
                EXPECT_EQ(arrows(L, ArrowKind::SockToSocket, ObjKind::Socket, id.v), 1u);
            }
        }
    });
    w.socks.each([&](SockId id, const Sock&) { EXPECT_NE(L.find(ObjKind::Sock, id.v), nullptr) << "sock " << id.v; });
    w.tws.each([&](TwId id, const TimewaitSock&) { EXPECT_NE(L.find(ObjKind::Tw, id.v), nullptr); });
    // No two boxes of a column overlap.
    for (size_t i = 0; i < L.boxes.size(); ++i)
        for (size_t j = i + 1; j < L.boxes.size(); ++j) {
            const Box &a = L.boxes[i], &b = L.boxes[j];
            if (a.kind == BoxKind::Section || b.kind == BoxKind::Section) continue;
            bool overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h - 1e-3f && b.y < a.y + a.h - 1e-3f;
            EXPECT_FALSE(overlap) << "boxes " << i << " and " << j << " overlap";
        }
}

}  // namespace

// ================================================================ listener view

TEST(ListenerView, DrawsOneCellPerQueuedConnectionAtEveryStep) {
    Session s;
    run(s, kScenario);
    int listening_steps = 0, max_accept = 0;
    for (uint64_t n = 0; n <= s.head(); ++n) {
        World w = s.history().world_at(n);
        std::vector<ListenerModel> ls = listeners(w);
        size_t want = 0;
        w.socks.each([&](SockId, const Sock& k) { want += k.sk_state == TCP_LISTEN; });
        ASSERT_EQ(ls.size(), want) << "step " << n;
        for (const ListenerModel& l : ls) {
            const Sock& k = w.socks[SockId(l.sock)];
            ++listening_steps;
            EXPECT_EQ(l.acceptq.size(), k.sk_ack_backlog) << "step " << n;
            EXPECT_EQ(l.synq.size(), static_cast<size_t>(k.qlen)) << "step " << n;
            EXPECT_EQ(l.accept_limit, k.sk_max_ack_backlog + 1);
            EXPECT_EQ(l.owner, "fd 3 of task " + std::to_string(w.tasks[s.interp().main_task()].pid) + " (" +
                                   w.tasks[s.interp().main_task()].comm + ")");
            max_accept = std::max(max_accept, static_cast<int>(l.acceptq.size()));
        }
    }
    EXPECT_GT(listening_steps, 10);
    EXPECT_EQ(max_accept, 3);  // all three clients queued before accept()
    // after accept: two left
    World w = s.history().world_at(step_after(s, "n = accept(s)"));
    ASSERT_EQ(listeners(w).size(), 1u);
    EXPECT_EQ(listeners(w)[0].acceptq.size(), 2u);
}

TEST(ListenerView, ShowsTheSynQueueWhenTheFinalAckIsMissing) {
    Session s;
    run(s, "s = socket(AF_INET, SOCK_STREAM, 0)\nbind(s, 127.0.0.1:8080)\nlisten(s, 2)\n"
           "p = peer(10.0.0.9:0)\npeer_syn(p, 127.0.0.1:8080)\npeer_syn(p, 127.0.0.1:8080)\n");
    std::vector<ListenerModel> ls = listeners(s.world());
    ASSERT_EQ(ls.size(), 1u);
    EXPECT_EQ(ls[0].synq.size(), 2u);
    EXPECT_EQ(ls[0].qlen, 2);
    EXPECT_TRUE(ls[0].acceptq.empty());
}

// ================================================================ process view

TEST(ProcessView, DrawsEveryFdFileSocketAndSockWithItsArrowsAtEveryStep) {
    Session s;
    run(s, kScenario);
    for (uint64_t n = 0; n <= s.head(); ++n) {
        World w = s.history().world_at(n);
        SCOPED_TRACE("step " + std::to_string(n));
        expect_layout_matches(w, layout_process(w));
    }
    // The listener's queued children hang under it.
    World w = s.history().world_at(step_after(s, "C: connect(c, 127.0.0.1:8080)"));
    ProcessLayout L = layout_process(w);
    EXPECT_EQ(L.count(BoxKind::Child), 3u);
    size_t queue_arrows = 0;
    for (const Arrow& a : L.arrows) queue_arrows += a.kind == ArrowKind::AcceptQueue;
    EXPECT_EQ(queue_arrows, 3u);
}

TEST(ProcessView, ShowsFilesSharedByDupAndFork) {
    Session s;
    run(s, "s = socket(AF_INET, SOCK_STREAM, 0)\nd = dup(s)\nk = fork()\n");
    const World& w = s.world();
    ProcessLayout L = layout_process(w);
    expect_layout_matches(w, L);
    FileId f = w.files_structs[w.tasks[s.interp().main_task()].files].fd[3];
    ASSERT_TRUE(f);
    EXPECT_EQ(w.files[f].f_count, 4);
    // one box, four fd arrows into it, from two tables
    EXPECT_EQ(arrows(L, ArrowKind::FdToFile, ObjKind::File, f.v), 4u);
    std::set<uint32_t> tables;
    for (const Arrow& a : L.arrows)
        if (a.kind == ArrowKind::FdToFile && a.to_id == f.v) tables.insert(a.files);
    EXPECT_EQ(tables.size(), 2u);
    EXPECT_EQ(L.count(BoxKind::Table), 2u);
}

TEST(ProcessView, ShowsKernelThreadsAndKernelSocketsWithoutFds) {
    Session s;
    run(s, "K = kthread_run(0.0.0.0:8888, 16)\nh = sock_create_kern(AF_INET, SOCK_STREAM, 0)\n");
    const World& w = s.world();
    ProcessLayout L = layout_process(w);
    expect_layout_matches(w, L);
    EXPECT_EQ(L.count(BoxKind::KThread), 1u);
    size_t kernel_sockets = 0;
    w.sockets.each([&](SocketId id, const Socket& so) {
        if (so.file) return;
        ++kernel_sockets;
        EXPECT_EQ(arrows(L, ArrowKind::FileToSocket, ObjKind::Socket, id.v), 0u);
    });
    EXPECT_EQ(kernel_sockets, 2u);   // the thread's listener and the handle
    size_t task_arrows = 0;
    for (const Arrow& a : L.arrows) task_arrows += a.kind == ArrowKind::TaskToSocket;
    EXPECT_EQ(task_arrows, 1u);
}

TEST(ProcessView, MarksReservedAndCloseOnExecSlots) {
    Session s;
    run(s, "s = socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0)\nt = socket(AF_INET, SOCK_STREAM, 0)\nclose(s)\n");
    ProcessLayout L = layout_process(s.world());
    int used = 0, free_rows = 0, cloexec = 0;
    for (const FdRow& r : L.rows) {
        if (r.summary) continue;
        used += r.state == SlotState::Used;
        free_rows += r.state == SlotState::Free;
        cloexec += r.cloexec;
    }
    EXPECT_EQ(used, 4);      // 0-2 and t
    EXPECT_EQ(free_rows, 1); // s's slot, closed
    EXPECT_EQ(cloexec, 0);   // close() cleared it
    Session s2;
    run(s2, "s = socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0)\n");
    int ce = 0;
    for (const FdRow& r : layout_process(s2.world()).rows) ce += r.cloexec;
    EXPECT_EQ(ce, 1);
}

// ================================================================ frames, fields

TEST(Fields, EveryTracedFieldCanBeReadAndWritten) {
    for (const FieldInfo& f : all_fields())
        EXPECT_NE(field_access(f.kind, f.offset), nullptr) << obj_kind_name(f.kind) << "." << f.name;
}

TEST(Fields, TheWorldPartwayThroughAStepEndsAsTheNextStep) {
    Session s;
    run(s, kScenario);
    const Trace& t = s.trace();
    for (uint64_t n = 0; n < s.head(); ++n) {
        World before = s.history().world_at(n), after = s.history().world_at(n + 1);
        World mid = world_mid_step(before, after, t, n, t.step_end(n));
        SCOPED_TRACE("step " + std::to_string(n) + ": " + s.step_label(n));
        for (const FieldInfo& f : all_fields()) {
            auto each = [&](auto& tbl) {
                tbl.each([&](auto id, const auto&) {
                    auto a = read_field(after, f.kind, id.v, f.offset);
                    auto m = read_field(mid, f.kind, id.v, f.offset);
                    ASSERT_TRUE(m.has_value()) << obj_kind_name(f.kind) << " #" << id.v << " missing";
                    EXPECT_EQ(*m, *a) << obj_kind_name(f.kind) << " #" << id.v << "." << f.name;
                });
            };
            switch (f.kind) {
            case ObjKind::Task: each(after.tasks); break;
            case ObjKind::File: each(after.files); break;
            case ObjKind::Socket: each(after.sockets); break;
            case ObjKind::Sock: each(after.socks); break;
            case ObjKind::Req: each(after.reqs); break;
            default: break;
            }
        }
        EXPECT_EQ(mid.files.size(), after.files.size());
        EXPECT_EQ(mid.socks.size(), after.socks.size());
        EXPECT_EQ(mid.reqs.size(), after.reqs.size());
        after.files_structs.each([&](FilesId id, const FilesStruct& fs) {
            ASSERT_TRUE(mid.files_structs.contains(id));
            EXPECT_EQ(mid.files_structs[id].fd, fs.fd);
            EXPECT_EQ(mid.files_structs[id].close_on_exec, fs.close_on_exec);
        });
        after.socks.each([&](SockId id, const Sock& k) { EXPECT_EQ(mid.socks[id].rskq_accept, k.rskq_accept); });
        EXPECT_EQ(mid.mib, after.mib);
    }
}

TEST(Fields, FrameSteppingWalksEveryFrameOfAStep) {
    Session s;
    run(s, "s = socket(AF_INET, SOCK_STREAM, 0)\n");
    s.home();
    size_t frames = 0;
    Cursor last;
    for (int guard = 0; guard < 10000 && !s.at_head(); ++guard) {
        s.next_frame();
        if (s.cursor().frame >= 0) ++frames;
        last = s.cursor();
        (void)s.world();   // every position has a world
    }
    size_t total = 0;
    for (size_t i = 0; i < s.head(); ++i) total += s.frames_of(i).size();
    EXPECT_EQ(frames, total);
    // and back again
    size_t back = 0;
    while (!(s.cursor() == Cursor{0, -1})) {
        s.prev_frame();
        if (s.cursor().frame >= 0) ++back;
    }
    EXPECT_EQ(back, total);
}

// ================================================================ calls, protosw, packets

TEST(CallView, FramesNestLikeTheKernelsCallStack) {
    Session s;
    run(s, "s = socket(AF_INET, SOCK_STREAM, 0)\n");
    size_t step = s.head() - 1;
    std::vector<CallFrame> f = call_frames(s.trace(), step);
    ASSERT_FALSE(f.empty());
    EXPECT_EQ(f[0].fn, Fn::__sys_socket);
    EXPECT_EQ(f[0].depth, 0);
    bool saw_create = false;
    for (size_t i = 0; i < f.size(); ++i)
        if (f[i].fn == Fn::inet_create) {
            saw_create = true;
            std::vector<size_t> path = call_path(f, i);
            std::vector<Fn> names;
            for (size_t p : path) names.push_back(f[p].fn);
            std::vector<Fn> want = {Fn::__sys_socket, Fn::__sys_socket_create, Fn::sock_create, Fn::__sock_create,
                                    Fn::inet_create};
            EXPECT_EQ(names, want);
        }
    EXPECT_TRUE(saw_create);
}

TEST(ProtoswView, ReplaysInetCreatesMatchingLoop) {
    struct Case {
        const char* call;
        int chosen;
        WalkVerdict last;
        int err;
    };
    const Case cases[] = {
        {"socket(AF_INET, SOCK_STREAM, 0)", 0, WalkVerdict::WildcardAsked, 0},
        {"socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)", 0, WalkVerdict::Exact, 0},
        {"socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP)", -1, WalkVerdict::Mismatch, EPROTONOSUPPORT},
        {"socket(AF_INET, SOCK_RAW, IPPROTO_TCP)", 0, WalkVerdict::WildcardEntry, 0},
    };
    for (const Case& c : cases) {
        Session s;
        run(s, std::string(c.call) + "\n");
        size_t step = s.head() - 1;
        ProtoswWalk wk = protosw_walk(s.history().world_at(step), s.trace(), step, s.command_of_step(step));
        SCOPED_TRACE(c.call);
        ASSERT_TRUE(wk.valid);
        ASSERT_FALSE(wk.steps.empty());
        EXPECT_EQ(wk.chosen, c.chosen);
        EXPECT_EQ(wk.steps.back().verdict, c.last);
        EXPECT_EQ(wk.err, c.err);
        // The model agrees: the call failed exactly when no entry was chosen.
        EXPECT_EQ(s.interp().last_result.err, c.chosen < 0 ? EPROTONOSUPPORT : 0);
    }
}

TEST(PacketLadder, HasEverySegmentOfTheHandshakesInOrder) {
    Session s;
    run(s, kScenario);
    const std::vector<PacketRow>& rows = s.packet_rows();
    size_t sends = 0;
    for (const TraceEvent& e : s.trace().events) sends += e.ev == Ev::PacketSend;
    EXPECT_EQ(rows.size(), sends);
    ASSERT_GE(rows.size(), 9u);   // three handshakes of three segments
    for (size_t i = 1; i < rows.size(); ++i) EXPECT_LE(rows[i - 1].step, rows[i].step);
    const Packet& first = s.trace().packets[rows[0].packet];
    EXPECT_EQ(first.flags, TH_SYN);
    EXPECT_EQ(first.dport, 8080);
    for (const PacketRow& r : rows) EXPECT_EQ(r.fate, 1) << "every loopback segment arrives";
}

// ================================================================ the console and branching

TEST(Console, ColorsResultsAndPutsTheCaretUnderTheColumn) {
    Session s;
    EXPECT_TRUE(s.submit("s = socket(AF_INET, SOCK_STREAM, 0)"));
    EXPECT_EQ(s.console().back().kind, LineKind::Ok);
    EXPECT_EQ(s.console().back().text, "= 3");
    s.submit("bind(s, 127.0.0.1:8080)");
    s.submit("bind(s, 127.0.0.1:8081)");
    EXPECT_EQ(s.console().back().kind, LineKind::Err);
    EXPECT_EQ(s.console().back().text, "= -1 EINVAL");
    EXPECT_FALSE(s.submit("listen(s,, 5)"));
    EXPECT_EQ(s.console().back().kind, LineKind::Error);
    EXPECT_EQ(s.console().back().src, "listen(s,, 5)");
    EXPECT_EQ(s.console().back().caret, 10);
    EXPECT_FALSE(s.submit("listen(nosuch, 5)"));
    EXPECT_EQ(s.console().back().kind, LineKind::Error);
    EXPECT_EQ(s.console().back().caret, 8);
    // completion
    std::vector<std::string> c = s.complete("", "lis");
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0], "listen(");
    c = s.complete("socket(", "AF_IN");
    EXPECT_NE(std::find(c.begin(), c.end(), "AF_INET"), c.end());
    c = s.complete("listen(", "s");
    EXPECT_NE(std::find(c.begin(), c.end(), "s"), c.end());
}

TEST(Console, ACommandTypedAtAnEarlierStepBranchesTheHistory) {
    Session s;
    s.submit("s = socket(AF_INET, SOCK_STREAM, 0)");
    uint64_t after_socket = s.head();
    s.submit("bind(s, 127.0.0.1:8080)");
    s.submit("listen(s, 5)");
    uint64_t end = s.head();
    s.go_step(after_socket);
    EXPECT_FALSE(s.at_head());
    EXPECT_EQ(s.world().socks.size(), 1u);
    EXPECT_EQ(s.world().socks[SockId(1)].sk_state, TCP_CLOSE);
    s.submit("bind(s, 127.0.0.1:9090)");
    EXPECT_TRUE(s.at_head());
    ASSERT_EQ(s.history().branches().size(), 1u);
    EXPECT_EQ(s.history().branches()[0].at_step, after_socket);
    EXPECT_EQ(s.history().branches()[0].commands.size(), 2u);
    EXPECT_LT(s.head(), end + 1);
    EXPECT_EQ(s.world().socks[SockId(1)].inet_num, 9090);
    EXPECT_EQ(s.console().back().kind, LineKind::Ok);
    bool noted = false;
    for (const ConsoleLine& l : s.console()) noted = noted || l.text.find("branched at step") != std::string::npos;
    EXPECT_TRUE(noted);
}

TEST(Svg, HasABoxForEveryObjectAndAnArrowForEveryPointer) {
    Session s;
    run(s, kScenario);
    ProcessLayout L = layout_process(s.world());
    std::string svg = process_svg(s.world(), L);
    size_t rects = 0, paths = 0;
    for (size_t p = 0; (p = svg.find("<rect x=", p)) != std::string::npos; ++p) ++rects;
    for (size_t p = 0; (p = svg.find("<path d=", p)) != std::string::npos; ++p) ++paths;
    size_t boxes = L.boxes.size() - L.count(BoxKind::Section);
    EXPECT_EQ(rects, boxes * 2);   // the box and its colored edge
    EXPECT_EQ(paths, L.arrows.size() + 1);   // and the arrowhead marker
    EXPECT_NE(svg.find("struct sock #1"), std::string::npos);
}

// ================================================================ lessons and snapshots, without a window

namespace {

// Two steps: a checkpoint whose answer is the call's result, then one with
// choices whose conditions are checked after the step.
const char* kLesson =
    "title:    A listener\n"
    "title.zh: 一个监听者\n"
    "goal:     Make one.\n"
    "goal.zh:  建一个。\n"
    "step:     A socket\n"
    "step.zh:  一个套接字\n"
    "say:      socket() takes the lowest free descriptor.\n"
    "say.zh:   socket() 取最小的空闲描述符。\n"
    "ask:      Which number?\n"
    "ask.zh:   哪个编号？\n"
    "answer:   result\n"
    "run:      s = socket(AF_INET, SOCK_STREAM, 0) = 3\n"
    "expect:   fd 3 is a socket\n"
    "step:     Bound and listening\n"
    "step.zh:  绑定并监听\n"
    "say:      bind, then listen.\n"
    "say.zh:   先 bind，再 listen。\n"
    "ask:      What state is it in?\n"
    "ask.zh:   它处于什么状态？\n"
    "choice:   a  closed     when tcp_state(s) == TCP_CLOSE\n"
    "choice.zh: a  关闭\n"
    "choice:   b  listening  when tcp_state(s) == TCP_LISTEN\n"
    "choice.zh: b  监听\n"
    "run:\n"
    "    bind(s, 127.0.0.1:8080) = 0\n"
    "    listen(s, 5) = 0\n"
    "expect:   tcp_state(s) == TCP_LISTEN\n"
    "expect:   backlog(s) == 5\n";

lesson::Lesson parse_test_lesson() {
    auto l = lesson::parse_lesson(kLesson, "test.lesson", "test");
    if (auto* e = std::get_if<std::string>(&l)) ADD_FAILURE() << *e;
    return std::get<lesson::Lesson>(std::move(l));
}

}  // namespace

TEST(LessonPanel, PlaysEachStepWithItsPredictionVerdictAndChecks) {
    LessonPlayer p(parse_test_lesson());
    ASSERT_EQ(p.steps(), 2u);
    EXPECT_EQ(p.index(), 0u);
    EXPECT_FALSE(p.ran());
    EXPECT_FALSE(p.back()) << "nothing to go back over before the first step";
    const lesson::StepResult& r = p.run("3");
    EXPECT_TRUE(p.ran());
    EXPECT_TRUE(r.ok());
    ASSERT_TRUE(p.grade().has_value());
    EXPECT_TRUE(p.grade()->answered);
    EXPECT_TRUE(p.grade()->right);
    EXPECT_EQ(p.grade()->correct, "3");
    ASSERT_EQ(r.checks.size(), 1u);
    EXPECT_TRUE(r.checks[0].ok);
    EXPECT_FALSE(p.at_end());
    ASSERT_TRUE(p.next());
    EXPECT_EQ(p.index(), 1u);
    EXPECT_FALSE(p.ran());
    p.run("a");   // wrong: it listens
    ASSERT_TRUE(p.grade().has_value());
    EXPECT_FALSE(p.grade()->right);
    EXPECT_EQ(p.grade()->correct, "b");
    EXPECT_EQ(p.result().checks.size(), 2u);
    EXPECT_TRUE(p.result().ok());
    EXPECT_TRUE(p.at_end());
    EXPECT_FALSE(p.next());
    EXPECT_EQ(p.asked(), 2);
    EXPECT_EQ(p.right(), 1);
}

TEST(LessonPanel, BackGoesToJustBeforeThePreviousStepAndForgetsItsPrediction) {
    LessonPlayer p(parse_test_lesson());
    p.run("3");
    p.next();
    uint64_t before_second = p.runner().history().step_count();
    p.run("b");
    ASSERT_GT(p.runner().history().step_count(), before_second);
    ASSERT_TRUE(p.back());   // from step 2's results: before step 1
    EXPECT_EQ(p.index(), 0u);
    EXPECT_FALSE(p.ran());
    EXPECT_EQ(p.runner().done(), 0u);
    EXPECT_EQ(p.asked(), 0);
    // the step runs again, on a history branched before it
    EXPECT_TRUE(p.run("").ok());
    EXPECT_FALSE(p.grade()->answered);
    EXPECT_EQ(p.runner().history().branches().size(), 1u);
}

TEST(LessonPanel, ConsoleLinesPutEachCallAboveItsResult) {
    LessonPlayer p(parse_test_lesson());
    p.run("");
    p.next();
    const lesson::StepResult& r = p.run("");
    auto lines = step_console_lines(p.step(), r);
    std::vector<std::pair<LineKind, std::string>> want = {{LineKind::Input, "bind(s, 127.0.0.1:8080)"},
                                                          {LineKind::Ok, "= 0"},
                                                          {LineKind::Input, "listen(s, 5)"},
                                                          {LineKind::Ok, "= 0"}};
    EXPECT_EQ(lines, want);
}

TEST(LessonPanel, TheSessionShowsTheLessonsMachineAndRefusesTypedCalls) {
    Session s;
    run(s, "x = socket(AF_INET, SOCK_DGRAM, 0)\n");
    uint64_t own_head = s.head();
    size_t own_console = s.console().size();
    LessonPlayer p(parse_test_lesson());
    s.watch(&p.runner());
    EXPECT_TRUE(s.watching());
    EXPECT_EQ(s.console().size(), 0u) << "the lesson's console starts empty";
    p.run("3");
    s.watched_changed();
    EXPECT_EQ(s.head(), p.runner().history().step_count());
    EXPECT_TRUE(s.at_head());
    EXPECT_NE(s.world().socks.size(), 0u);
    uint64_t head = s.head();
    EXPECT_FALSE(s.submit("socket(AF_INET, SOCK_STREAM, 0)"));
    EXPECT_EQ(s.head(), head) << "a typed call must not change the lesson's machine";
    EXPECT_EQ(p.runner().history().step_count(), head);
    // closing the lesson gives the session its own machine and console back
    s.watch(nullptr);
    EXPECT_EQ(s.head(), own_head);
    EXPECT_EQ(s.console().size(), own_console);
    EXPECT_EQ(s.interp().vars.count("x"), 1u);
}

TEST(LessonPanel, ContinueFreelyHandsTheWholeHistoryAndTheNamesToTheSession) {
    Session s;
    LessonPlayer p(parse_test_lesson());
    s.watch(&p.runner());
    p.run("3");
    uint64_t after_socket = p.runner().history().step_count();
    p.next();
    p.run("b");
    ASSERT_TRUE(p.at_end());
    uint64_t head = p.runner().history().step_count();
    lesson::Runner::Handoff h = p.release();
    std::vector<std::pair<uint64_t, std::unique_ptr<script::Interp>>> earlier;
    for (auto& at : h.earlier) earlier.emplace_back(at.steps, std::move(at.interp));
    s.adopt(std::move(h.history), std::move(h.interp), std::move(earlier));
    EXPECT_FALSE(s.watching());
    EXPECT_EQ(s.head(), head);
    EXPECT_EQ(s.interp().vars.at("s"), 3);
    // the session goes on from the lesson's state with the lesson's names
    ASSERT_TRUE(s.submit("a = accept(s)"));
    // and reaches back over the lesson's steps: a call typed after the
    // socket step branches there, where `s` is bound but not listening
    s.go_step(after_socket);
    ASSERT_TRUE(s.submit("r = listen(s, 1)"));
    EXPECT_EQ(s.interp().vars.at("r"), 0);
    EXPECT_EQ(s.history().branches().size(), 1u);
}

TEST(LessonPanel, HighlightsEverythingAStepTouchedOverAllItsKernelSteps) {
    Session s;
    run(s, "s = socket(AF_INET, SOCK_STREAM, 0)\nbind(s, 127.0.0.1:8080)\nlisten(s, 5)\n");
    uint64_t first = step_after(s, "(the script's process)"), end = s.head();
    ASSERT_LT(first + 1, end);
    StepObjects all = range_objects(s.trace(), first, end);
    StepObjects last = step_objects(s.trace(), end - 1, s.trace().step_end(end - 1));
    const World& w = s.world();
    ASSERT_EQ(w.socks.size(), 1u);
    SockId sk;
    w.socks.each([&](SockId id, const Sock&) { sk = id; });
    // socket() made the sock; listen() alone did not
    EXPECT_EQ(all.created.count({static_cast<uint8_t>(ObjKind::Sock), sk.v}), 1u);
    EXPECT_EQ(last.created.count({static_cast<uint8_t>(ObjKind::Sock), sk.v}), 0u);
    EXPECT_EQ(all.changed.count({static_cast<uint8_t>(ObjKind::Sock), sk.v,
                                 static_cast<uint16_t>(offsetof(Sock, sk_state))}), 1u);
    EXPECT_TRUE(range_objects(s.trace(), end, end).created.empty());
}

TEST(LessonPanel, FindsEveryLessonOfTheRepositoryByNameOrNumber) {
    std::string dir = find_lessons_dir();
    ASSERT_FALSE(dir.empty()) << "run from the repository or a build tree in it";
    std::vector<LessonEntry> menu = lesson_menu(dir);
    ASSERT_EQ(menu.size(), 10u);
    EXPECT_EQ(menu.front().name, "01-socket-to-fd");
    for (const LessonEntry& e : menu) {
        EXPECT_EQ(e.error, "") << e.name;
        EXPECT_FALSE(e.title.en.empty()) << e.name;
        EXPECT_FALSE(e.title.zh.empty()) << e.name;
    }
    EXPECT_EQ(lesson::lesson_name(resolve_lesson(dir, "6")), "06-handshake");
    EXPECT_EQ(lesson::lesson_name(resolve_lesson(dir, "bind")), "04-bind");
    EXPECT_EQ(resolve_lesson(dir, "no-such-lesson"), "");
}

TEST(SnapshotDialog, ASavedSnapshotOpensWithTheSameWorldHistoryAndNames) {
    std::string path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/sockscope_gui_snap_" +
                       std::to_string(getpid()) + ".sqlite";
    std::remove(path.c_str());
    Session a;
    run(a, kScenario);
    std::string msg;
    ASSERT_TRUE(save_snapshot(a, path, "end", false, &msg)) << msg;
    EXPECT_EQ(msg, "saved 'end' (" + std::to_string(a.head()) + " steps, " + std::to_string(a.history().entries().size()) +
                       " commands) to " + path);
    Session b;
    ASSERT_TRUE(open_snapshot(b, path, "end", &msg)) << msg;
    EXPECT_EQ(b.head(), a.head());
    EXPECT_TRUE(b.at_head());
    ASSERT_EQ(b.history().entries().size(), a.history().entries().size());
    for (size_t i = 0; i < a.history().entries().size(); ++i)
        EXPECT_EQ(b.history().entries()[i].cmd.text, a.history().entries()[i].cmd.text);
    EXPECT_EQ(b.interp().vars, a.interp().vars);
    EXPECT_EQ(listeners(b.world()).size(), 1u);
    EXPECT_EQ(b.world().socks.size(), a.world().socks.size());
    // every earlier step is there too
    uint64_t n = step_after(a, "listen(s, 5)");
    EXPECT_EQ(listeners(b.history().world_at(n)).size(), 1u);
    EXPECT_EQ(listeners(b.history().world_at(n - 1)).size(), 0u);
    // and it goes on with the saved names
    ASSERT_TRUE(b.submit("m = accept(s)"));
    EXPECT_EQ(b.interp().vars.at("m"), 4);
    std::remove(path.c_str());
}

TEST(SnapshotDialog, ALabelAlreadyInTheFileIsReplacedOnlyWhenAskedTo) {
    std::string path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/sockscope_gui_snap2_" +
                       std::to_string(getpid()) + ".sqlite";
    std::remove(path.c_str());
    Session a;
    run(a, "s = socket(AF_INET, SOCK_STREAM, 0)\n");
    std::string msg;
    ASSERT_TRUE(save_snapshot(a, path, "mine", false, &msg)) << msg;
    uint64_t saved_steps = a.head();
    run(a, "bind(s, 127.0.0.1:8080)\n");
    EXPECT_FALSE(save_snapshot(a, path, "mine", false, &msg));
    EXPECT_NE(msg.find("already holds a snapshot labelled 'mine'"), std::string::npos) << msg;
    SnapshotListing l = list_snapshots(path);
    ASSERT_TRUE(l.exists);
    ASSERT_EQ(l.infos.size(), 1u);
    EXPECT_TRUE(l.has("mine"));
    EXPECT_EQ(l.infos[0].steps, saved_steps) << "the refused save left the file as it was";
    ASSERT_TRUE(save_snapshot(a, path, "mine", true, &msg)) << msg;
    l = list_snapshots(path);
    ASSERT_EQ(l.infos.size(), 1u);
    EXPECT_EQ(l.infos[0].steps, a.head());
    std::remove(path.c_str());
}

TEST(SnapshotDialog, AFailedOpenOrSaveChangesNothingAndSaysWhyInPlainWords) {
    std::string dir = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp");
    std::string missing = dir + "/sockscope_gui_no_such_" + std::to_string(getpid()) + ".sqlite";
    std::string junk = dir + "/sockscope_gui_junk_" + std::to_string(getpid()) + ".sqlite";
    std::ofstream(junk) << "this is not a database, just some text that is long enough to look like a file\n";
    Session s;
    run(s, kScenario);
    uint64_t head = s.head();
    size_t lines = s.console().size();
    std::string msg;
    EXPECT_FALSE(open_snapshot(s, missing, "", &msg));
    EXPECT_EQ(msg, "there is no file " + missing);
    EXPECT_FALSE(open_snapshot(s, junk, "", &msg));
    EXPECT_EQ(msg, junk + ": not a sockscope snapshot (not an SQLite database)");
    EXPECT_FALSE(save_snapshot(s, "", "x", false, &msg));
    EXPECT_EQ(msg, "type the name of the file to save to, e.g. demo.sqlite");
    EXPECT_FALSE(save_snapshot(s, dir, "x", false, &msg));
    EXPECT_EQ(msg.rfind(dir + " is a directory", 0), 0u) << msg;
    EXPECT_EQ(s.head(), head);
    EXPECT_EQ(s.console().size(), lines);
    EXPECT_EQ(s.interp().vars.at("n"), 4);
    std::remove(junk.c_str());
}

// ================================================================ the real program, under Xvfb

namespace {

const char* bin() { return std::getenv("SOCKSCOPE_BIN"); }
bool have_display() {
    const char* d = std::getenv("DISPLAY");
    return d && *d && bin() && *bin();
}

std::string tmp_path(const std::string& name) {
    const char* t = std::getenv("TMPDIR");
    return std::string(t && *t ? t : "/tmp") + "/sockscope_gui_test_" + std::to_string(getpid()) + "_" + name;
}

int sh(const std::string& cmd) {
    int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::map<std::string, std::string> read_dump(const std::string& path) {
    std::map<std::string, std::string> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        // "listener 1 accept_cells 3" -> key "listener 1 accept_cells"
        size_t sp = line.rfind(' ');
        if (sp != std::string::npos) out[line.substr(0, sp)] = line.substr(sp + 1);
    }
    return out;
}

struct Image {
    int w = 0, h = 0;
    std::vector<unsigned char> px;
};
Image load_png(const std::string& path) {
    Image im;
    int n = 0;
    unsigned char* d = stbi_load(path.c_str(), &im.w, &im.h, &n, 4);
    if (d) {
        im.px.assign(d, d + static_cast<size_t>(im.w) * static_cast<size_t>(im.h) * 4);
        stbi_image_free(d);
    }
    return im;
}

// Distinct colours, and the share of pixels unlike the most common one.
void image_stats(const Image& im, size_t* colours, double* busy) {
    std::map<uint32_t, size_t> hist;
    for (size_t i = 0; i + 3 < im.px.size(); i += 4)
        ++hist[(static_cast<uint32_t>(im.px[i]) << 16) | (static_cast<uint32_t>(im.px[i + 1]) << 8) | im.px[i + 2]];
    size_t top = 0;
    for (auto& [c, n] : hist) top = std::max(top, n);
    *colours = hist.size();
    size_t total = im.px.size() / 4;
    *busy = total ? 1.0 - static_cast<double>(top) / static_cast<double>(total) : 0;
}

}  // namespace

TEST(Window, ScreenshotsAreNotBlankAndTheListenerViewMatchesTheModel) {
    if (!have_display()) GTEST_SKIP() << "needs DISPLAY (run under xvfb-run) and SOCKSCOPE_BIN";
    std::string script = tmp_path("scenario.sock");
    std::ofstream(script) << kScenario;
    Session s;
    run(s, kScenario);
    const std::vector<std::string> at = {"listen(s, 5)", "A: connect(a, 127.0.0.1:8080)", "C: connect(c, 127.0.0.1:8080)",
                                         "n = accept(s)", "close(n)"};
    for (const std::string& cmd : at) {
        uint64_t n = step_after(s, cmd);
        SCOPED_TRACE(cmd + " (step " + std::to_string(n) + ")");
        std::string png = tmp_path("shot.png"), dump = tmp_path("views.txt");
        std::string c = std::string(bin()) + " --script " + script + " --screenshot " + png + " --dump-views " + dump +
                        " --step " + std::to_string(n) + " --size 1600x900";
        ASSERT_EQ(sh(c), 0) << c;
        Image im = load_png(png);
        ASSERT_EQ(im.w, 1600);
        ASSERT_EQ(im.h, 900);
        size_t colours;
        double busy;
        image_stats(im, &colours, &busy);
        EXPECT_GT(colours, 60u) << "the screenshot is nearly blank";
        EXPECT_GT(busy, 0.15) << "the screenshot is nearly one colour";
        // what the views drew, against the model at the same step
        World w = s.history().world_at(n);
        auto d = read_dump(dump);
        EXPECT_EQ(d["step"], std::to_string(n));
        size_t listening = 0;
        w.socks.each([&](SockId id, const Sock& k) {
            if (k.sk_state != TCP_LISTEN) return;
            ++listening;
            std::string key = "listener " + std::to_string(id.v);
            EXPECT_EQ(d[key + " accept_cells"], std::to_string(k.sk_ack_backlog));
            EXPECT_EQ(d[key + " syn_cells"], std::to_string(k.qlen));
            EXPECT_EQ(d[key + " limit"], std::to_string(k.sk_max_ack_backlog + 1));
            EXPECT_EQ(d[key + " addr"], "127.0.0.1:8080");
            EXPECT_EQ(d[key + " addr"], endpoint_str(k.inet_rcv_saddr, k.inet_num));
        });
        EXPECT_EQ(listening, 1u);
        // every fd slot in view and every box of the process view was drawn
        EXPECT_GT(std::stoi(d["boxes"]), 3);
        EXPECT_GT(std::stoi(d["call_frames"]), 0);
        std::remove(png.c_str());
        std::remove(dump.c_str());
    }
    std::remove(script.c_str());
}

TEST(Window, OneViewCanBeExportedAlone) {
    if (!have_display()) GTEST_SKIP() << "needs DISPLAY (run under xvfb-run) and SOCKSCOPE_BIN";
    std::string script = tmp_path("scenario2.sock"), png = tmp_path("listener.png"), svg = tmp_path("graph.svg");
    std::ofstream(script) << kScenario;
    ASSERT_EQ(sh(std::string(bin()) + " --script " + script + " --screenshot " + png + " --view listener"), 0);
    Image im = load_png(png);
    EXPECT_GT(im.w, 200);
    EXPECT_LT(im.w, 1600);
    EXPECT_GT(im.h, 100);
    EXPECT_LT(im.h, 900);
    size_t colours;
    double busy;
    image_stats(im, &colours, &busy);
    EXPECT_GT(colours, 20u);
    // the object graph as SVG needs no window
    ASSERT_EQ(sh("env -u DISPLAY " + std::string(bin()) + " --script " + script + " --svg " + svg), 0);
    std::ifstream in(svg);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_NE(ss.str().find("<svg"), std::string::npos);
    EXPECT_NE(ss.str().find("struct socket #1"), std::string::npos);
    std::remove(script.c_str());
    std::remove(png.c_str());
    std::remove(svg.c_str());
}

TEST(Window, PresentationModeMakesTheProcessViewsTextLargerNotJustTheMenus) {
    if (!have_display()) GTEST_SKIP() << "needs DISPLAY (run under xvfb-run) and SOCKSCOPE_BIN";
    std::string script = tmp_path("scenario3.sock");
    std::ofstream(script) << kScenario;
    auto dump_with = [&](const std::string& extra) {
        std::string png = tmp_path("pres.png"), dump = tmp_path("pres.txt");
        std::string c = std::string(bin()) + " --script " + script + " --screenshot " + png + " --dump-views " + dump +
                        " --size 1600x900 " + extra;
        EXPECT_EQ(sh(c), 0) << c;
        auto d = read_dump(dump);
        std::remove(png.c_str());
        std::remove(dump.c_str());
        return d;
    };
    auto normal = dump_with("");
    auto pres = dump_with("--presentation");
    // The UI font: 17 px at scale 1, 1.5 times that in presentation mode.
    EXPECT_EQ(normal["ui_text_px"], "17");
    EXPECT_EQ(pres["ui_text_px"], "26");
    // Fitting the graph to its pane never takes the boxes' text below
    // two thirds of the UI font, so it grows with the font scale.
    double np = std::stod(normal["process_text_px"]), pp = std::stod(pres["process_text_px"]);
    EXPECT_GE(np, 17 * 0.66 - 0.01);
    EXPECT_GE(pp, 26 * 0.66 - 0.01);
    EXPECT_GT(pp, np * 1.4);
    std::remove(script.c_str());
}

TEST(Window, OneViewAloneFillsTheWindowAndStillMatchesTheModel) {
    if (!have_display()) GTEST_SKIP() << "needs DISPLAY (run under xvfb-run) and SOCKSCOPE_BIN";
    std::string script = tmp_path("scenario4.sock"), png = tmp_path("alone.png"), dump = tmp_path("alone.txt");
    std::ofstream(script) << kScenario;
    Session s;
    run(s, kScenario);
    uint64_t n = step_after(s, "C: connect(c, 127.0.0.1:8080)");
    std::string c = std::string(bin()) + " --script " + script + " --screenshot " + png + " --dump-views " + dump +
                    " --size 1600x900 --focus listener --view listener --step " + std::to_string(n);
    ASSERT_EQ(sh(c), 0) << c;
    auto d = read_dump(dump);
    EXPECT_EQ(d["focus"], "1");   // View::Listener
    EXPECT_EQ(d["listener 1 accept_cells"], "3");
    EXPECT_EQ(d["listener 1 syn_cells"], "0");
    EXPECT_EQ(d["listener 1 limit"], "6");
    EXPECT_EQ(d["boxes"], "0");   // the process view is not drawn behind it
    Image im = load_png(png);
    EXPECT_GT(im.w, 1500);   // nearly the whole window
    EXPECT_GT(im.h, 700);
    size_t colours;
    double busy;
    image_stats(im, &colours, &busy);
    EXPECT_GT(colours, 20u);
    EXPECT_GT(busy, 0.02);
    std::remove(script.c_str());
    std::remove(png.c_str());
    std::remove(dump.c_str());
}

TEST(Window, AFullAcceptQueueFlashesOnlyAtTheStepThatTurnsASegmentAway) {
    if (!have_display()) GTEST_SKIP() << "needs DISPLAY (run under xvfb-run) and SOCKSCOPE_BIN";
    // backlog 1: the accept queue holds two; the third client's SYN overflows it.
    const char* text =
        "s = socket(AF_INET, SOCK_STREAM, 0)\nbind(s, 127.0.0.1:8080)\nlisten(s, 1)\n"
        "A: a = socket(AF_INET, SOCK_STREAM, 0)\nA: connect(a, 127.0.0.1:8080)\n"
        "B: b = socket(AF_INET, SOCK_STREAM, 0)\nB: connect(b, 127.0.0.1:8080)\n"
        "C: c = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)\nC: connect(c, 127.0.0.1:8080)\n";
    std::string script = tmp_path("overflow.sock"), png = tmp_path("overflow.png"), dump = tmp_path("overflow.txt");
    std::ofstream(script) << text;
    Session s;
    run(s, text);
    const size_t ovf = static_cast<size_t>(Mib::ListenOverflows);
    uint64_t at = 0;
    for (uint64_t n = 1; n <= s.head() && !at; ++n)
        if (s.history().world_at(n).mib[ovf] == 1 && s.history().world_at(n - 1).mib[ovf] == 0) at = n;
    ASSERT_GT(at, 0u) << "the model never overflowed the accept queue";
    for (uint64_t n : {at - 1, at}) {
        std::string c = std::string(bin()) + " --script " + script + " --screenshot " + png + " --dump-views " + dump +
                        " --step " + std::to_string(n);
        ASSERT_EQ(sh(c), 0) << c;
        auto d = read_dump(dump);
        EXPECT_EQ(d["listener 1 accept_cells"], "2") << "step " << n;
        EXPECT_EQ(d["overflow_flashes"], n == at ? "1" : "0") << "step " << n;
    }
    std::remove(script.c_str());
    std::remove(png.c_str());
    std::remove(dump.c_str());
}

TEST(Window, AMoveCaughtHalfwayLooksDifferentFromItsEndAndCountsTheSameCells) {
    if (!have_display()) GTEST_SKIP() << "needs DISPLAY (run under xvfb-run) and SOCKSCOPE_BIN";
    std::string script = tmp_path("scenario5.sock"), mid = tmp_path("mid.png"), end = tmp_path("end.png"),
                dump = tmp_path("mid.txt");
    std::ofstream(script) << kScenario;
    Session s;
    run(s, kScenario);
    // the step whose ACK moves the first connection from the SYN queue to the accept queue
    uint64_t at = 0;
    for (uint64_t n = 1; n <= s.head() && !at; ++n) {
        std::vector<ListenerModel> before = listeners(s.history().world_at(n - 1)), after = listeners(s.history().world_at(n));
        if (before.size() == 1 && after.size() == 1 && before[0].synq.size() == 1 && after[0].acceptq.size() == 1) at = n;
    }
    ASSERT_GT(at, 0u);
    std::string base = std::string(bin()) + " --script " + script + " --size 1600x900 --step " + std::to_string(at);
    ASSERT_EQ(sh(base + " --screenshot " + mid + " --anim-at 0.5 --dump-views " + dump), 0);
    ASSERT_EQ(sh(base + " --screenshot " + end), 0);
    auto d = read_dump(dump);
    EXPECT_EQ(d["listener 1 accept_cells"], "1");
    EXPECT_EQ(d["listener 1 syn_cells"], "0");
    Image a = load_png(mid), b = load_png(end);
    ASSERT_EQ(a.px.size(), b.px.size());
    size_t differ = 0;
    for (size_t i = 0; i + 3 < a.px.size(); i += 4)
        differ += a.px[i] != b.px[i] || a.px[i + 1] != b.px[i + 1] || a.px[i + 2] != b.px[i + 2];
    // the new child sock fading in, the cell on its way, the flashes: thousands of pixels
    EXPECT_GT(differ, 2000u);
    std::remove(script.c_str());
    std::remove(mid.c_str());
    std::remove(end.c_str());
    std::remove(dump.c_str());
}

// The window redraws only what changed (app/gui/damage.h). --damage-check
// draws 150 frames with the pointer wandering over every view, steps back,
// tabs switched and the window resized twice, each frame both ways, and
// fails on any pixel that differs, in the back buffer or in what the X
// server shows; the frames it drew in part must be most of them, and some
// of those must have redrawn something, or it proved nothing.
TEST(Window, FramesRedrawnInPartEqualFramesDrawnInFull) {
    if (!have_display()) GTEST_SKIP() << "needs DISPLAY (run under xvfb-run) and SOCKSCOPE_BIN";
    std::string script = tmp_path("damage.sock"), out = tmp_path("damage.txt");
    std::ofstream(script) << kScenario;
    for (const std::string& extra : {std::string(), " --script " + script + " --theme light --font-scale 1.4"}) {
        SCOPED_TRACE(extra);
        ASSERT_EQ(sh(std::string(bin()) + " --damage-check" + extra + " > " + out), 0);
        std::ifstream in(out);
        std::string line, last;
        while (std::getline(in, line)) last = line;
        int partial = 0, some = 0, bad = -1, shown_bad = -1;
        ASSERT_EQ(std::sscanf(last.c_str(),
                              "damage check: 150 frames, %d drawn in part (%d of them redrawing something), %d differ from a "
                              "full drawing, %d shown wrong",
                              &partial, &some, &bad, &shown_bad),
                  4)
            << last;
        EXPECT_EQ(bad, 0);
        EXPECT_EQ(shown_bad, 0) << "what the X server shows differs from the drawing";
        EXPECT_GT(partial, 100);
        EXPECT_GT(some, 30);
    }
    std::remove(script.c_str());
    std::remove(out.c_str());
}

// The tooltip over the object graph names the box under the pointer (it
// once named the last box drawn: a pointer to a loop's copy of the box).
TEST(Window, TheTooltipNamesTheBoxUnderThePointer) {
    if (!have_display()) GTEST_SKIP() << "needs DISPLAY (run under xvfb-run) and SOCKSCOPE_BIN";
    std::string script = tmp_path("hover.sock"), dump = tmp_path("hover.txt"), png = tmp_path("hover.png");
    std::ofstream(script) << kScenario;
    std::string base = std::string(bin()) + " --script " + script + " --size 1600x900 --screenshot " + png + " --dump-views " + dump;
    ASSERT_EQ(sh(base), 0);
    // where each object's box was drawn, from a first frame without a pointer
    std::vector<std::pair<std::string, std::array<float, 4>>> boxes;
    {
        std::ifstream in(dump);
        std::string line;
        while (std::getline(in, line)) {
            std::array<float, 4> r{};
            char name[128];
            if (std::sscanf(line.c_str(), "box_rect %f %f %f %f %127[^\n]", &r[0], &r[1], &r[2], &r[3], name) != 5) continue;
            // boxes well inside the graph's pane, whose centres are not in a row of an fd table
            if (std::string(name).rfind("struct ", 0) == 0 && r[1] > 130 && r[3] < 580 && r[2] < 950) boxes.emplace_back(name, r);
        }
    }
    ASSERT_GE(boxes.size(), 4u);
    for (const auto& [name, r] : boxes) {
        SCOPED_TRACE(name);
        int x = static_cast<int>((r[0] + r[2]) / 2), y = static_cast<int>((r[1] + r[3]) / 2);
        ASSERT_EQ(sh(base + " --pointer " + std::to_string(x) + "," + std::to_string(y)), 0);
        std::ifstream in(dump);
        std::string line, tip;
        while (std::getline(in, line))
            if (line.rfind("tooltip ", 0) == 0) tip = line.substr(8);
        EXPECT_EQ(tip, name);
    }
    std::remove(script.c_str());
    std::remove(dump.c_str());
    std::remove(png.c_str());
}

TEST(Window, WithoutADisplayTheProgramSaysSoAndOpensTheRepl) {
    if (!bin()) GTEST_SKIP() << "needs SOCKSCOPE_BIN";
    std::string out = tmp_path("nodisplay.txt");
    int rc = sh("printf 'socket(AF_INET, SOCK_STREAM, 0)\\nquit\\n' | env -u DISPLAY -u WAYLAND_DISPLAY " +
                std::string(bin()) + " gui > " + out + " 2>&1");
    EXPECT_EQ(rc, 0);
    std::ifstream in(out);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    EXPECT_NE(text.find("no display"), std::string::npos) << text;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n') >= 2, true) << text;
    EXPECT_NE(text.find("= 3"), std::string::npos) << "the REPL ran the call: " << text;
    std::remove(out.c_str());
}

TEST(Window, TheLessonPanelAsksFirstThenShowsTheVerdictAndHighlightsWhatTheStepMade) {
    if (!have_display()) GTEST_SKIP() << "needs DISPLAY (run under xvfb-run) and SOCKSCOPE_BIN";
    std::string png = tmp_path("lesson.png"), dump = tmp_path("lesson.txt");
    // lesson 1, step 2: socket() — before it runs, then run with the right prediction
    std::string base = std::string(bin()) + " --lesson 1 --lesson-step 2 --size 1600x900 --screenshot " + png +
                       " --dump-views " + dump;
    ASSERT_EQ(sh(base), 0) << base;
    auto d = read_dump(dump);
    EXPECT_EQ(d["lesson_step"], "2");
    EXPECT_EQ(d["lesson_steps"], "8");
    EXPECT_EQ(d["lesson_ran"], "0");
    EXPECT_EQ(d["lesson_checks"], "0");
    EXPECT_EQ(d["highlighted_boxes"], "0") << "nothing is highlighted before the step runs";
    EXPECT_EQ(d["boxes"], "2") << "the fd table and the terminal's file";
    ASSERT_EQ(sh(base + " --lesson-run --lesson-answer 3"), 0);
    d = read_dump(dump);
    EXPECT_EQ(d["lesson_ran"], "1");
    EXPECT_EQ(d["lesson_verdict"], "right");
    EXPECT_EQ(d["lesson_checks"], "4");
    EXPECT_EQ(d["lesson_checks_ok"], "4");
    EXPECT_EQ(d["boxes"], "5");
    // the new struct file, struct socket and struct sock, and the table's new slot
    EXPECT_EQ(d["highlighted_boxes"], "4");
    EXPECT_EQ(d["step"], d["head"]);
    ASSERT_EQ(sh(base + " --lesson-run --lesson-answer 4"), 0);
    EXPECT_EQ(read_dump(dump)["lesson_verdict"], "wrong");
    Image im = load_png(png);
    size_t colours;
    double busy;
    image_stats(im, &colours, &busy);
    EXPECT_GT(colours, 60u);
    EXPECT_GT(busy, 0.15);
    std::remove(png.c_str());
    std::remove(dump.c_str());
}

TEST(Window, TheLessonPanelSpeaksChineseAndReachesTheLastStep) {
    if (!have_display()) GTEST_SKIP() << "needs DISPLAY (run under xvfb-run) and SOCKSCOPE_BIN";
    std::string dump = tmp_path("lesson_zh.txt");
    std::string c = std::string(bin()) + " --lesson handshake --lesson-step 7 --lesson-run --lesson-lang zh --dump-views " + dump;
    ASSERT_EQ(sh(c), 0) << c;
    auto d = read_dump(dump);
    EXPECT_EQ(d["lesson_step"], "7");
    EXPECT_EQ(d["lesson_steps"], "7");
    EXPECT_EQ(d["lesson_lang"], "zh");
    EXPECT_EQ(d["lesson_checks"], d["lesson_checks_ok"]);
    EXPECT_NE(d["lesson_checks"], "0");
    EXPECT_NE(sh(std::string(bin()) + " --lesson 1 --lesson-step 99 --dump-views " + dump + " 2>/dev/null"), 0);
    EXPECT_NE(sh(std::string(bin()) + " --lesson no-such-lesson --dump-views " + dump + " 2>/dev/null"), 0);
    std::remove(dump.c_str());
}

TEST(Window, WithNothingElseToShowTheWindowOpensLessonOne) {
    if (!have_display()) GTEST_SKIP() << "needs DISPLAY (run under xvfb-run) and SOCKSCOPE_BIN";
    std::string dump = tmp_path("first.txt");
    ASSERT_EQ(sh(std::string(bin()) + " --dump-views " + dump), 0);
    auto d = read_dump(dump);
    EXPECT_EQ(d["lesson_step"], "1");
    EXPECT_EQ(d["lesson_steps"], "8");
    EXPECT_EQ(d["lesson_ran"], "0");
    // `sockscope gui` is the window on a fresh machine, without a lesson
    ASSERT_EQ(sh(std::string(bin()) + " gui --dump-views " + dump), 0);
    EXPECT_EQ(read_dump(dump).count("lesson_step"), 0u);
    std::remove(dump.c_str());
}

TEST(Window, ASnapshotOpensInTheWindowAtItsHeadAndTheSaveDialogAsksBeforeReplacing) {
    if (!have_display()) GTEST_SKIP() << "needs DISPLAY (run under xvfb-run) and SOCKSCOPE_BIN";
    std::string script = tmp_path("snap.sock"), snap = tmp_path("snap.sqlite"), dump = tmp_path("snap.txt"),
                png = tmp_path("snap.png");
    std::ofstream(script) << kScenario;
    std::remove(snap.c_str());
    ASSERT_EQ(sh(std::string(bin()) + " run " + script + " --save " + snap + " --label end > /dev/null 2>&1"), 0);
    Session s;
    run(s, kScenario);
    ASSERT_EQ(sh(std::string(bin()) + " gui " + snap + " end --dump-views " + dump), 0);
    auto d = read_dump(dump);
    EXPECT_EQ(d["head"], std::to_string(s.head()));
    EXPECT_EQ(d["step"], std::to_string(s.head()));
    EXPECT_EQ(d["listener 1 accept_cells"], "2");
    // a file that is not there: refused, with the reason
    EXPECT_NE(sh(std::string(bin()) + " gui " + snap + ".missing --dump-views " + dump + " 2>/dev/null"), 0);
    // the save dialog over that file, with its label typed in
    std::string c = std::string(bin()) + " --script " + script + " --dialog save --dialog-file " + snap +
                    " --dialog-label end --screenshot " + png + " --dump-views " + dump;
    ASSERT_EQ(sh(c), 0) << c;
    d = read_dump(dump);
    EXPECT_EQ(d["dialog"], "save");
    EXPECT_EQ(d["dialog_labels"], "1");
    EXPECT_EQ(d["dialog_replace"], "1");
    ASSERT_EQ(sh(std::string(bin()) + " --script " + script + " --dialog save --dialog-file " + snap +
                 " --dialog-label other --dump-views " + dump),
              0);
    EXPECT_EQ(read_dump(dump)["dialog_replace"], "0");
    std::remove(script.c_str());
    std::remove(snap.c_str());
    std::remove(dump.c_str());
    std::remove(png.c_str());
}

TEST(Window, ContinueFreelyLeavesTheLessonsWholeMachineInTheWindow) {
    if (!have_display()) GTEST_SKIP() << "needs DISPLAY (run under xvfb-run) and SOCKSCOPE_BIN";
    std::string dump = tmp_path("continue.txt");
    // the head of lesson 1 played to its end, headlessly
    std::string dir = find_lessons_dir();
    ASSERT_FALSE(dir.empty());
    auto l = load_lesson(resolve_lesson(dir, "1"));
    ASSERT_TRUE(std::holds_alternative<lesson::Lesson>(l));
    LessonPlayer p(std::get<lesson::Lesson>(std::move(l)));
    while (true) {
        p.run("");
        if (p.at_end()) break;
        p.next();
    }
    uint64_t head = p.runner().history().step_count();
    std::string c = std::string(bin()) + " --lesson 1 --lesson-step " + std::to_string(p.steps()) +
                    " --lesson-run --lesson-continue --dump-views " + dump;
    ASSERT_EQ(sh(c), 0) << c;
    auto d = read_dump(dump);
    EXPECT_EQ(d.count("lesson_step"), 0u) << "the lesson panel is gone";
    EXPECT_EQ(d["head"], std::to_string(head));
    EXPECT_EQ(d["step"], std::to_string(head));
    EXPECT_NE(d["console_lines"], "0") << "the lesson's lines stay in the console";
    EXPECT_NE(sh(std::string(bin()) + " --lesson 1 --lesson-step 2 --lesson-run --lesson-continue --dump-views " + dump +
                 " 2>/dev/null"),
              0)
        << "only the last step can be continued from";
    std::remove(dump.c_str());
}

namespace {

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST(Window, TheLessonButtonsRunGoBackAndCloseAsTheySay) {
    if (!have_display()) GTEST_SKIP() << "needs DISPLAY (run under xvfb-run) and SOCKSCOPE_BIN";
    std::string intents = tmp_path("buttons.txt"), dump = tmp_path("buttons_dump.txt");
    // step 1 run, step 2 run, then Back: before step 1 again, its lines gone from the console
    std::ofstream(intents) << "lesson-run 1\nlesson-next\nlesson-run 3\nlesson-back\n";
    std::string c = std::string(bin()) + " --lesson 1 --intents " + intents + " --dump-views " + dump;
    ASSERT_EQ(sh(c), 0) << c;
    auto d = read_dump(dump);
    EXPECT_EQ(d["lesson_step"], "1");
    EXPECT_EQ(d["lesson_ran"], "0");
    EXPECT_EQ(d["head"], "1") << "only the script's process: socket() was undone";
    EXPECT_EQ(d["console_lines"], "0");
    // step 1 run, Next, step 2 run: the socket is there and highlighted
    std::ofstream(intents) << "lesson-run 1\nlesson-next\nlesson-run 3\n";
    ASSERT_EQ(sh(c), 0) << c;
    d = read_dump(dump);
    EXPECT_EQ(d["lesson_step"], "2");
    EXPECT_EQ(d["lesson_verdict"], "right");
    EXPECT_EQ(d["highlighted_boxes"], "4");
    // Close: the window's own (fresh) machine again
    std::ofstream(intents) << "lesson-run 1\nlesson-next\nlesson-run 3\nlesson-close\n";
    ASSERT_EQ(sh(c), 0) << c;
    d = read_dump(dump);
    EXPECT_EQ(d.count("lesson_step"), 0u);
    EXPECT_EQ(d["head"], "1");
    EXPECT_EQ(d["boxes"], "2");
    std::remove(intents.c_str());
    std::remove(dump.c_str());
}

TEST(Window, TheSnapshotDialogRefusesToReplaceUnlessAskedAndOpensExactly) {
    if (!have_display()) GTEST_SKIP() << "needs DISPLAY (run under xvfb-run) and SOCKSCOPE_BIN";
    std::string script = tmp_path("dlg.sock"), snap = tmp_path("dlg.sqlite"), intents = tmp_path("dlg.txt"),
                dump = tmp_path("dlg_dump.txt"), out = tmp_path("dlg_out.txt");
    std::ofstream(script) << kScenario;
    std::remove(snap.c_str());
    Session s;
    run(s, kScenario);
    const std::string head = std::to_string(s.head());
    // save, change the machine, save again under the same label: refused, the dialog stays open and says why
    std::ofstream(intents) << "save " << snap << " end\nrun close(s)\nsave " << snap << " end\n";
    std::string c = std::string(bin()) + " --script " + script + " --intents " + intents + " --dump-views " + dump + " > " + out;
    ASSERT_EQ(sh(c), 0) << c;
    auto d = read_dump(dump);
    EXPECT_EQ(d["dialog"], "save");
    EXPECT_EQ(d["dialog_replace"], "1");
    EXPECT_NE(read_text(out).find("already holds a snapshot labelled 'end'"), std::string::npos) << read_text(out);
    SnapshotListing l = list_snapshots(snap);
    ASSERT_EQ(l.infos.size(), 1u);
    EXPECT_EQ(std::to_string(l.infos[0].steps), head) << "the refused save wrote nothing";
    // a fresh window opens it: the same head, the listener with its two queued connections
    std::ofstream(intents) << "open " << snap << " end\n";
    c = std::string(bin()) + " --intents " + intents + " --dump-views " + dump + " > " + out;
    ASSERT_EQ(sh(c), 0) << c;
    d = read_dump(dump);
    EXPECT_EQ(d.count("dialog"), 0u) << "the dialog closes once it opened the snapshot";
    EXPECT_EQ(d["head"], head);
    EXPECT_EQ(d["step"], head);
    EXPECT_EQ(d["listener 1 accept_cells"], "2");
    EXPECT_EQ(d.count("lesson_step"), 0u) << "an opened snapshot replaces the lesson";
    // a file that is not there: the dialog says so, nothing changes
    std::ofstream(intents) << "open " << snap << ".missing\n";
    c = std::string(bin()) + " --script " + script + " --intents " + intents + " --dump-views " + dump + " > " + out;
    ASSERT_EQ(sh(c), 0) << c;
    d = read_dump(dump);
    EXPECT_EQ(d["dialog"], "open");
    EXPECT_EQ(d["head"], head);
    EXPECT_EQ(read_text(out), "dialog: there is no file " + snap + ".missing\n");
    for (const std::string& f : {script, snap, intents, dump, out}) std::remove(f.c_str());
}
