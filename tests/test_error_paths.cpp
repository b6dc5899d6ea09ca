// test_error_paths.cpp — every mistake a user can make gets a clear message
// and leaves the model as it was (issue 6).
//
// The interpreter's own messages are tested in test_interp.cpp, the
// parser's in test_script_parser.cpp, the lesson parser's in
// test_lesson.cpp and the snapshot loader's in test_snapshot.cpp. This file
// adds what those do not reach: the REPL as a student types into it (its
// own words, a lone word, `back`/`goto` out of range, an fd that does not
// exist), with the state printed before and after each mistake compared;
// lesson expectations and answers that cannot be evaluated; and snapshot
// files that are a directory, hold no such label, or are refused while a
// session is open; a call asleep when the REPL saved finishing in the REPL
// that opens the file. The REPL's Session class lives in an anonymous namespace
// of app/cli/repl.cpp, so this file includes that source to drive it (the
// fuzzer fuzz/fuzz_repl.cpp does the same), and the program's `save` word
// from app/cli/repl_snapshot.cpp.
#include "app/cli/repl.cpp"
#include "app/cli/repl_snapshot.cpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "history.h"
#include "invariants.h"
#include "lesson/lesson.h"
#include "script/interp.h"
#include "snapshot/snapshot.h"

namespace sockscope::error_paths {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- the REPL

// A piped REPL session; type() returns what one line printed.
class Repl {
public:
    explicit Repl(app::ReplStart start = {}) : session_(false, std::move(start)) {}
    std::string type(const std::string& line) {
        testing::internal::CaptureStdout();
        session_.handle(line);
        std::fflush(stdout);
        return testing::internal::GetCapturedStdout();
    }
    // Everything a user can see of the model: every task's fd table and
    // objects, the listeners, the counters, and the history with its steps.
    std::string state() { return type("show") + type("ss") + type("counters") + type("history"); }

private:
    app::Session session_;
};

// Types `line` and checks that it printed something containing `want`
// and that the model is exactly as before.
void expect_refused(Repl& r, const std::string& line, const std::string& want) {
    std::string before = r.state();
    std::string said = r.type(line);
    EXPECT_NE(said.find(want), std::string::npos) << "typed: " << line << "\nprinted: " << said;
    EXPECT_EQ(r.state(), before) << "typed: " << line;
}

Repl with_a_listener() {
    Repl r;
    r.type("s = socket(AF_INET, SOCK_STREAM, 0)");
    r.type("bind(s, 127.0.0.1:8080)");
    r.type("listen(s, 4)");
    return r;
}

TEST(ErrorPaths, TheReplNamesAnUnknownWordAndChangesNothing) {
    Repl r = with_a_listener();
    expect_refused(r, "frobnicate", "'frobnicate' is not a call or a REPL word (help lists them)");
    expect_refused(r, "frobnicate(s)", "unknown call 'frobnicate'");
    expect_refused(r, "close(nosuch)", "unknown name 'nosuch'");
    expect_refused(r, "socket(AF_INET, SOCK_STREEM, 0)", "unknown name 'SOCK_STREEM'");
    expect_refused(r, "help frobnicate", "no call, REPL word or constant is named 'frobnicate'");
    expect_refused(r, "!sysctl net.core.nosuch=1", "net.core.nosuch");
}

TEST(ErrorPaths, TheReplShowsTheShapeOfACallGivenTheWrongNumberOfArguments) {
    Repl r = with_a_listener();
    expect_refused(r, "listen", "listen takes arguments: listen(fd, backlog)");
    expect_refused(r, "listen(s)", "listen takes 2 arguments (listen(fd, backlog)), got 1");
    expect_refused(r, "close(s, s)", "close takes 1 argument (close(fd)), got 2");
    expect_refused(r, "socket(AF_INET, SOCK_STREAM)", "socket takes 3 arguments");
    // The REPL's own words print their usage.
    expect_refused(r, "goto", "usage: goto STEP");
    expect_refused(r, "back 1 2", "usage: back [N]");
    expect_refused(r, "trace sideways", "usage: trace [on|off]");
}

TEST(ErrorPaths, TheReplRefusesNumbersOutOfRange) {
    Repl r = with_a_listener();
    expect_refused(r, "listen(s, 99999999999)", "number out of range");
    expect_refused(r, "close(-3000000000)", "number out of range");
    expect_refused(r, "socket(AF_INET, SOCK_STREAM, 99999999999999999999)", "");
    expect_refused(r, "back 99", "there are only 3 commands to go back over");
    expect_refused(r, "back 99999999999999999999", "usage: back [N]");
    expect_refused(r, "goto 99999", "there is no step 99999 yet");
    expect_refused(r, "goto -1", "usage: goto STEP");
    expect_refused(r, "steps x", "usage: steps [N]");
    expect_refused(r, "!advance -5", "time only moves forward");
    expect_refused(r, "!advance 99999999999999999999", "expected a number of milliseconds");
}

TEST(ErrorPaths, TheReplPointsAtABadAddress) {
    Repl r = with_a_listener();
    // The caret goes under the bad part; the model is untouched.
    std::string said = r.type("bind(s, 127.0.0.1:99999)");
    EXPECT_NE(said.find("^"), std::string::npos) << said;
    expect_refused(r, "bind(s, 127.0.0.1:99999)", "<repl>:");
    expect_refused(r, "bind(s, 300.0.0.1:80)", "error:");
    expect_refused(r, "bind(s, 127.0.0.1)", "error:");
    expect_refused(r, "bind(s, 8080)", "expected an address like 127.0.0.1:8080");
    expect_refused(r, "close(127.0.0.1:8080)", "expected a number, not an address");
}

TEST(ErrorPaths, AnFdThatDoesNotExistGivesEbadfAndChangesNoObject) {
    Repl r = with_a_listener();
    // A system call on a closed fd is a real call (a step in the history)
    // that fails with EBADF, exactly as in Linux; no object changes.
    std::string before = r.type("show") + r.type("ss") + r.type("counters");
    EXPECT_EQ(r.type("close(42)"), "close(42) = -1 EBADF\n");
    EXPECT_EQ(r.type("listen(42, 5)"), "listen(42, 5) = -1 EBADF\n");
    EXPECT_EQ(r.type("accept(9)"), "accept(9) = -1 EBADF\n");
    EXPECT_EQ(r.type("dup2(42, 5)"), "dup2(42, 5) = -1 EBADF\n");
    EXPECT_EQ(r.type("tcp_state(42)"), "tcp_state(42) = -1 EBADF\n");
    // fd 0 is the terminal, not a socket.
    EXPECT_EQ(r.type("listen(0, 5)"), "listen(0, 5) = -1 ENOTSOCK\n");
    EXPECT_EQ(r.type("show") + r.type("ss") + r.type("counters"), before);
}

TEST(ErrorPaths, TheReplSurvivesAMistakeInEveryPositionOfALine) {
    // Each prefix of a valid line, and the line with each character
    // replaced by junk: a message or a result, never a crash, and the
    // world's invariants hold afterwards (the session goes on working).
    const std::string good = "T: a = accept4(s, SOCK_NONBLOCK|SOCK_CLOEXEC) = -1 EAGAIN";
    Repl r = with_a_listener();
    for (size_t i = 0; i <= good.size(); ++i) r.type(good.substr(0, i));
    for (size_t i = 0; i < good.size(); ++i)
        for (char junk : {'(', ')', ',', ':', '=', '!', '"', '\\', '\x01', '9'}) {
            std::string line = good;
            line[i] = junk;
            r.type(line);
        }
    EXPECT_EQ(r.type("c = socket(AF_INET, SOCK_STREAM, 0)").substr(0, 4), "c = ");
}

// Bugs the fuzzers found, now fixed; their reproducers are regression inputs
// in tests/fuzz_regressions/script_parser/.

TEST(ErrorPaths, ARefusedLineInATaskNotSeenBeforeLeavesNoProcessBehind) {
    Repl r = with_a_listener();
    expect_refused(r, "B: listen(3)", "listen takes 2 arguments");
}

TEST(ErrorPaths, ASysctlWithABadValueIsRefusedWithoutAStep) {
    Repl r = with_a_listener();
    expect_refused(r, "!sysctl net.core.somaxconn=-5", "bad value for net.core.somaxconn");
    expect_refused(r, "!sysctl net.ipv4.ip_local_port_range=70000 3", "bad value");
}

TEST(ErrorPaths, TheKernelThreadsOwnSocketCannotBeReleasedFromOutside) {
    Repl r;
    r.type("K = kthread_run(127.0.0.1:7002, 3)");
    // A call that fails is still a call (it is a step in the history, as
    // close(99) is), but the thread's socket and the thread are untouched.
    std::string said = r.type("sock_release(1)");
    EXPECT_NE(said.find("-1 EBADF"), std::string::npos) << said;
    std::string shown = r.type("show");
    EXPECT_NE(shown.find("kernel socket#1 (no file, no fd) SS_UNCONNECTED -> sock#1 TCP_LISTEN"), std::string::npos)
        << shown;
}

// ---------------------------------------------------------------- lessons

const char* const kHead =
    "title:    Test\n"
    "title.zh: 测试\n"
    "goal:     Test the engine.\n"
    "goal.zh:  测试引擎。\n"
    "step:     S\n"
    "step.zh:  步骤\n"
    "say:      Text.\n"
    "say.zh:   文字。\n";

lesson::Lesson lesson_of(const std::string& body) {
    auto r = lesson::parse_lesson(std::string(kHead) + body, "t.lesson", "t");
    if (auto* e = std::get_if<std::string>(&r)) {
        ADD_FAILURE() << *e;
        return {};
    }
    return std::get<lesson::Lesson>(r);
}

std::string lesson_error(const std::string& text) {
    auto r = lesson::parse_lesson(text, "t.lesson", "t");
    if (auto* e = std::get_if<std::string>(&r)) return *e;
    return "";
}

TEST(ErrorPaths, ALessonFileThatIsNotALessonIsOneMessageWithItsLine) {
    EXPECT_EQ(lesson_error("").rfind("t.lesson:", 0), 0u) << lesson_error("");
    EXPECT_EQ(lesson_error("\x7f" "ELF\x02\x01\x01").rfind("t.lesson:1:", 0), 0u);
    EXPECT_EQ(lesson_error("s = socket(AF_INET, SOCK_STREAM, 0)\n").rfind("t.lesson:1:", 0), 0u);
    EXPECT_EQ(lesson_error(std::string(kHead) + "run:\n    frob(3)\n"), "t.lesson:10:5: error: unknown call 'frob'");
    EXPECT_EQ(lesson_error(std::string(kHead) + "bogus line\n").rfind("t.lesson:9:", 0), 0u);
    EXPECT_EQ(lesson_error(std::string(kHead) + "expect: frob(3) == 1\n").rfind("t.lesson:9:", 0), 0u);
    EXPECT_EQ(lesson_error(std::string(kHead) + "expect: tcp_state(3) ==\n").rfind("t.lesson:9:", 0), 0u);
}

// Runs the lesson's only step and returns its messages, checking that the
// failed evaluations left the world as the step's calls made it.
std::vector<std::string> messages_of(const lesson::Lesson& l) {
    lesson::Runner run(l);
    lesson::StepResult r = run.run_next();
    World after = run.history().live().k.w;
    std::vector<std::string> out = r.problems;
    for (const auto& c : r.checks)
        if (!c.ok) out.push_back(c.detail);
    if (!r.answer_error.empty()) out.push_back(r.answer_error);
    // Evaluating the conditions again changes nothing either.
    for (const auto& c : l.steps[0].expects) {
        std::string detail, err;
        (void)run.holds(c, &detail, &err);
    }
    EXPECT_TRUE(run.history().live().k.w == after) << "evaluating an expectation changed the model";
    EXPECT_TRUE(check_invariants(after).empty());
    return out;
}

bool has(const std::vector<std::string>& v, const std::string& part) {
    for (const auto& s : v)
        if (s.find(part) != std::string::npos) return true;
    return false;
}

TEST(ErrorPaths, ExpectationsThatCannotBeEvaluatedSayWhyAndChangeNothing) {
    auto m = messages_of(lesson_of("run:\n    s = socket(AF_INET, SOCK_STREAM, 0) = 3\n"
                                   "expect: tcp_state(nosuch) == TCP_LISTEN\n"
                                   "expect: Q: fd 3 is free\n"
                                   "expect: task Z is asleep\n"
                                   "expect: tcp_state(9) == TCP_LISTEN\n"));
    ASSERT_EQ(m.size(), 4u) << testing::PrintToString(m);
    EXPECT_TRUE(has(m, "t.lesson:11:19: error: unknown name 'nosuch'")) << testing::PrintToString(m);
    EXPECT_TRUE(has(m, "unknown task 'Q'")) << testing::PrintToString(m);
    EXPECT_TRUE(has(m, "unknown task 'Z'")) << testing::PrintToString(m);
    EXPECT_TRUE(has(m, "EBADF")) << testing::PrintToString(m);
}

TEST(ErrorPaths, AnAnswerThatCannotBeWorkedOutIsAMessage) {
    auto m = messages_of(lesson_of("ask: Which state?\nask.zh: 哪个？\nanswer: tcp_state(nosuch)\n"
                                   "run:\n    s = socket(AF_INET, SOCK_STREAM, 0) = 3\n"));
    EXPECT_TRUE(has(m, "unknown name 'nosuch'")) << testing::PrintToString(m);
}

TEST(ErrorPaths, AScriptErrorInALessonStopsTheStepWithItsLine) {
    lesson::Lesson l = lesson_of("run:\n    s = socket(AF_INET, SOCK_STREAM, 0) = 3\n    listen(nosuch, 5)\n"
                                 "    close(s)\n");
    lesson::CheckReport rep = lesson::check_lesson(l);
    EXPECT_FALSE(rep.ok);
    EXPECT_TRUE(has(rep.messages, "t.lesson:11:12: error: unknown name 'nosuch'")) << testing::PrintToString(rep.messages);
    // The step stopped at the error: s was not closed.
    lesson::Runner run(l);
    EXPECT_TRUE(run.run_next().script_error);
    EXPECT_EQ(run.history().live().k.w.sockets.size(), 1u);
}

// ---------------------------------------------------------------- snapshots

struct TempDir {
    fs::path path = fs::temp_directory_path() / ("sockscope_error_paths_" + std::to_string(::getpid()));
    TempDir() { fs::create_directories(path); }
    ~TempDir() { fs::remove_all(path); }
};

std::unique_ptr<History> a_history() {
    auto h = std::make_unique<History>();
    script::Interp in(*h);
    for (const char* line : {"s = socket(AF_INET, SOCK_STREAM, 0)", "bind(s, 127.0.0.1:8080)", "listen(s, 4)"})
        EXPECT_TRUE(in.run_line(std::get<script::Line>(script::parse_line(line, 1)), "t"));
    return h;
}

TEST(ErrorPaths, ASnapshotPathThatIsADirectoryOrHasNoSuchLabelIsRefused) {
    TempDir d;
    std::string err;
    EXPECT_FALSE(snapshot::load(d.path.string(), "", &err));
    EXPECT_FALSE(err.empty());
    std::string file = (d.path / "s.sqlite").string();
    auto h = a_history();
    ASSERT_TRUE(snapshot::save(file, *h, "mine", &err)) << err;
    err.clear();
    EXPECT_FALSE(snapshot::load(file, "theirs", &err));
    EXPECT_NE(err.find("no snapshot labelled 'theirs'"), std::string::npos) << err;
    EXPECT_NE(err.find("mine"), std::string::npos) << err;  // says what the file has
    std::string json;
    err.clear();
    EXPECT_FALSE(snapshot::export_json((d.path / "none.sqlite").string(), "", &json, &err));
    EXPECT_FALSE(err.empty());
    EXPECT_FALSE(fs::exists(d.path / "none.sqlite"));
}

TEST(ErrorPaths, TheReplSaveWordExplainsItsMistakes) {
    TempDir d;
    auto h = a_history();
    EXPECT_EQ(snapshot::repl_save("", *h).rfind("usage: save", 0), 0u);
    std::string dir = d.path.string();
    EXPECT_EQ(snapshot::repl_save(dir, *h).rfind("save: error:", 0), 0u) << snapshot::repl_save(dir, *h);
    // A file that is not a snapshot is refused and left as it was.
    std::string text = (d.path / "notes.txt").string();
    {
        std::FILE* f = std::fopen(text.c_str(), "w");
        std::fputs("my notes\n", f);
        std::fclose(f);
    }
    EXPECT_EQ(snapshot::repl_save(text, *h).rfind("save: error:", 0), 0u);
    EXPECT_EQ(fs::file_size(text), 9u);
}

TEST(ErrorPaths, ARefusedSnapshotLeavesTheSessionsHistoryAlone) {
    TempDir d;
    auto h = a_history();
    World before = h->live().k.w;
    uint64_t steps = h->step_count();
    std::string file = (d.path / "s.sqlite").string();
    std::string err;
    ASSERT_TRUE(snapshot::save(file, *h, "x", &err)) << err;
    // Truncated to half, then to a header only: refused, no History made.
    for (auto size : {fs::file_size(file) / 2, uintmax_t{100}}) {
        fs::resize_file(file, size);
        err.clear();
        EXPECT_FALSE(snapshot::load(file, "", &err));
        EXPECT_FALSE(err.empty());
    }
    EXPECT_TRUE(h->live().k.w == before);
    EXPECT_EQ(h->step_count(), steps);
}

// The REPL's `save` with a thread asleep in accept(), then a REPL on the
// file (as `sockscope FILE` opens it): the call finishes there, its result
// line where the connect wakes it and its name bound, exactly as in a REPL
// that never stopped.
TEST(ErrorPaths, ACallAsleepWhenTheReplSavedFinishesInTheReplThatOpensTheFile) {
    TempDir d;
    std::string file = (d.path / "asleep.sqlite").string();
    const std::vector<std::string> first = {"s = socket(AF_INET, SOCK_STREAM, 0)", "bind(s, 127.0.0.1:8080)",
                                            "listen(s, 4)", "T = thread()", "T: a = accept(s) = 4"};
    const std::vector<std::string> rest = {"B: c = socket(AF_INET, SOCK_STREAM, 0)",
                                           "B: connect(c, 127.0.0.1:8080)", "T: close(a)"};
    Repl whole;
    app::ReplStart saving;
    saving.save = app::snapshot_saver();
    Repl before(std::move(saving));
    for (const std::string& l : first) EXPECT_EQ(before.type(l), whole.type(l)) << l;
    EXPECT_EQ(before.type("save " + file + " asleep"), "saved 'asleep' (6 steps, 6 commands) to " + file + "\n");

    std::string err;
    snapshot::SessionNames names;
    app::ReplStart opened;
    opened.history = snapshot::load(file, "asleep", &err, &names);
    ASSERT_TRUE(opened.history) << err;
    opened.interp = std::make_unique<script::Interp>(*opened.history);
    snapshot::restore_session_names(*opened.interp, names);
    Repl after(std::move(opened));
    std::string out_whole, out_after;
    for (const std::string& l : rest) {
        out_whole += whole.type(l);
        out_after += after.type(l);
    }
    EXPECT_EQ(out_whole,
              "B: c = socket(AF_INET, SOCK_STREAM, 0) = 3\n"
              "T: a = accept(s) = 4\n"
              "B: connect(c, 127.0.0.1:8080) = 0\n"
              "T: close(a) = 0\n");
    EXPECT_EQ(out_after, out_whole);
    EXPECT_EQ(after.state(), whole.state());
}

}  // namespace
}  // namespace sockscope::error_paths
