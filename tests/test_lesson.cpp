// test_lesson.cpp — core/lesson: the lesson file parser, its errors, the
// assertion language, checkpoints, and the runner (steps, going back).
// The lessons in lessons/ are checked by the `lessons_check` CTest test.
#include <gtest/gtest.h>

#include <string>

#include "lesson/lesson.h"
#include "script/parser.h"

namespace sockscope::lesson {
namespace {

const char* const kHead =
    "title:    Test\n"
    "title.zh: 测试\n"
    "goal:     Test the engine.\n"
    "goal.zh:  测试引擎。\n";

std::string parse_error(const std::string& body) {
    auto r = parse_lesson(std::string(kHead) + body, "t.lesson", "t");
    if (auto* e = std::get_if<std::string>(&r)) return *e;
    return "";
}

Lesson parse_ok(const std::string& body) {
    auto r = parse_lesson(std::string(kHead) + body, "t.lesson", "t");
    if (auto* e = std::get_if<std::string>(&r)) ADD_FAILURE() << *e;
    return std::get<Lesson>(r);
}

// A step header with both narrations; the body's lines start at line 5.
std::string step(const std::string& title) {
    return "step:    " + title + "\nstep.zh: 步骤\nsay:     Text.\nsay.zh:  文字。\n";
}

TEST(LessonParser, ReadsTitleGoalAndSteps) {
    Lesson l = parse_ok(step("One") + "run:\n    s = socket(AF_INET, SOCK_STREAM, 0) = 3\n" +
                        "expect:  tcp_state(s) == TCP_CLOSE\n" + step("Two") + "run: close(s) = 0\n");
    EXPECT_EQ(l.title.en, "Test");
    EXPECT_EQ(l.title.zh, "测试");
    ASSERT_EQ(l.steps.size(), 2u);
    EXPECT_EQ(l.steps[0].title.en, "One");
    EXPECT_EQ(l.steps[0].run.size(), 1u);
    EXPECT_EQ(l.steps[0].expects.size(), 1u);
    EXPECT_EQ(l.steps[1].run.size(), 1u);  // a run: on one line
    EXPECT_EQ(l.steps[0].pos.line, 5);
}

TEST(LessonParser, ContinuationLinesAndParagraphs) {
    Lesson l = parse_ok(
        "step:    S\nstep.zh: 步\n"
        "say:     First line\n"
        "         and its continuation.\n"
        "\n"
        "         - an item\n"
        "         | int fd = 3;\n"
        "say.zh:  第一行\n"
        "         接着写。\n");
    std::vector<Para> p = paragraphs(l.steps[0].say.en);
    ASSERT_EQ(p.size(), 3u);
    EXPECT_EQ(p[0].text, "First line and its continuation.");
    EXPECT_EQ(p[1].kind, Para::Kind::Item);
    EXPECT_EQ(p[2].kind, Para::Kind::Pre);
    EXPECT_EQ(p[2].text, "int fd = 3;");
    // Chinese lines join without a space
    EXPECT_EQ(paragraphs(l.steps[0].say.zh)[0].text, "第一行接着写。");
}

TEST(LessonParser, ErrorsNameFileLineAndColumn) {
    EXPECT_EQ(parse_error(step("S") + "titel: x\n"), "t.lesson:9:1: error: unknown field 'titel' (fields: title, goal, "
                                                     "step, say, ask, answer, choice, run, expect, after (and .zh for the "
                                                     "texts))");
    // a script error inside run:, at the column of the bad character
    EXPECT_EQ(parse_error(step("S") + "run:\n    socket(AF_INET SOCK_STREAM, 0)\n"),
              "t.lesson:10:20: error: expected ',' or ')' after an argument, found 'S'");
    EXPECT_EQ(parse_error(step("S") + "run:\n    sokcet(AF_INET, SOCK_STREAM, 0)\n"),
              "t.lesson:10:5: error: unknown call 'sokcet'");
    // the assertion language
    EXPECT_EQ(parse_error(step("S") + "expect:  tcp_state(3) = TCP_LISTEN\n"),
              "t.lesson:9:23: error: a comparison is written '==', not '='");
    EXPECT_EQ(parse_error(step("S") + "expect:  close(3) == 0\n"),
              "t.lesson:9:10: error: 'close' changes or prints the model; checks may only read it (put the call under "
              "run:)");
    EXPECT_EQ(parse_error(step("S") + "expect:  fd 3 is closed\n"),
              "t.lesson:9:18: error: expected free, open, reserved or a socket after 'is', found 'closed'");
    EXPECT_EQ(parse_error(step("S") + "expect:  acceptq(3) == EAGAIN\n"),
              "t.lesson:9:24: error: a failure is written '-1 EAGAIN', not 'EAGAIN'");
}

TEST(LessonParser, MissingPiecesAreErrors) {
    EXPECT_EQ(parse_error("step: S\nstep.zh: 步\nsay: x\n"),
              "t.lesson:5:1: error: step 'S' has no 'say.zh:' (every text comes in English and Chinese)");
    EXPECT_EQ(parse_error(step("S") + "ask: Which?\nask.zh: 哪个？\n"),
              "t.lesson:9:1: error: a question needs 'answer:' (result, a value such as acceptq(s), or choices)");
    EXPECT_EQ(parse_error(step("S") + "answer: result\n"), "t.lesson:9:1: error: 'answer:' without a question ('ask:')");
    EXPECT_EQ(parse_error(step("S") + "say: again\n"),
              "t.lesson:9:1: error: a second 'say:' in this step (the first is on line 7)");
    auto r = parse_lesson("title: T\ntitle.zh: 题\nstep: S\n", "t.lesson", "t");
    ASSERT_TRUE(std::holds_alternative<std::string>(r));
    EXPECT_EQ(std::get<std::string>(r),
              "t.lesson:3:1: error: the lesson has no 'goal:' (title and goal come first, in English and Chinese)");
    EXPECT_EQ(parse_error(step("S") + "ask: Q\nask.zh: 问\nchoice: a one\nchoice.zh: a 一\nchoice: b two\n" +
                          "choice.zh: b 二\nanswer: c\n"),
              "t.lesson:15:9: error: 'c' is not one of the choices");
}

TEST(LessonNames, NumberNameOrWhole) {
    EXPECT_EQ(lesson_name("lessons/04-bind.lesson"), "04-bind");
    EXPECT_TRUE(name_matches("04-bind", "04-bind"));
    EXPECT_TRUE(name_matches("04-bind", "bind"));
    EXPECT_TRUE(name_matches("04-bind", "4"));
    EXPECT_TRUE(name_matches("04-bind", "04"));
    EXPECT_FALSE(name_matches("04-bind", "5"));
    EXPECT_FALSE(name_matches("04-bind", "bin"));
}

TEST(LessonRunner, RunsAStepAndChecksState) {
    Lesson l = parse_ok(step("Listen") +
                        "ask: Which fd?\nask.zh: 哪个？\nanswer: result\n"
                        "run:\n"
                        "    s = socket(AF_INET, SOCK_STREAM, 0) = 3\n"
                        "    bind(s, 127.0.0.1:8080) = 0\n"
                        "    listen(s, 5) = 0\n"
                        "    s2 = socket(AF_INET, SOCK_STREAM, 0) = 4\n"
                        "expect: tcp_state(s) == TCP_LISTEN\n"
                        "expect: backlog(s) + 1 == 6\n"
                        "expect: fd 4 is a socket\n"
                        "expect: fd 5 is free\n"
                        "expect: f_count(s) == 1\n");
    Runner run(l);
    StepResult r = run.run_next();
    EXPECT_TRUE(r.ok()) << (r.problems.empty() ? "" : r.problems[0]);
    ASSERT_EQ(r.checks.size(), 5u);
    for (const CheckOutcome& c : r.checks) EXPECT_TRUE(c.ok) << c.text << ": " << c.detail;
    ASSERT_TRUE(r.answer);
    EXPECT_EQ(show_value(*r.answer), "4");
    EXPECT_EQ(r.output.front(), "s = socket(AF_INET, SOCK_STREAM, 0) = 3");
    EXPECT_TRUE(run.finished());
    EXPECT_TRUE(check_lesson(l).ok);
}

TEST(LessonRunner, AFailingCheckIsReportedWithItsLine) {
    Lesson l = parse_ok(step("S") +
                        "run:\n"
                        "    s = socket(AF_INET, SOCK_STREAM, 0) = 3\n"
                        "expect: tcp_state(s) == TCP_LISTEN\n"
                        "expect: fd 3 is free\n");
    CheckReport rep = check_lesson(l);
    EXPECT_FALSE(rep.ok);
    ASSERT_EQ(rep.messages.size(), 2u);
    EXPECT_EQ(rep.messages[0], "t.lesson:11: expect tcp_state(s) == TCP_LISTEN: got TCP_CLOSE (7)");
    EXPECT_EQ(rep.messages[1], "t.lesson:12: expect fd 3 is free: fd 3 is a socket");
}

TEST(LessonRunner, AWrongScriptExpectationIsReported) {
    Lesson l = parse_ok(step("S") + "run:\n    socket(AF_INET, SOCK_STREAM, 0) = 4\n");
    CheckReport rep = check_lesson(l);
    EXPECT_FALSE(rep.ok);
    ASSERT_EQ(rep.messages.size(), 1u);
    EXPECT_EQ(rep.messages[0], "t.lesson:10: expected 4, got 3");
}

TEST(LessonRunner, UnknownNamesAtRunTimeHaveAColumn) {
    Lesson l = parse_ok(step("S") + "expect: tcp_state(x) == TCP_CLOSE\n");
    CheckReport rep = check_lesson(l);
    ASSERT_EQ(rep.messages.size(), 1u);
    EXPECT_EQ(rep.messages[0], "t.lesson:9:19: error: unknown name 'x'");
}

TEST(LessonRunner, ChoicesWithConditionsPickExactlyOne) {
    Lesson l = parse_ok(step("Handshake") +
                        "ask: Where is it?\nask.zh: 在哪？\n"
                        "choice: a  the SYN queue     when synq(s) == 1\n"
                        "choice.zh: a  SYN 队列\n"
                        "choice: b  the accept queue  when acceptq(s) == 1\n"
                        "choice.zh: b  accept 队列\n"
                        "run:\n"
                        "    s = socket(AF_INET, SOCK_STREAM, 0)\n"
                        "    bind(s, 0.0.0.0:8080) = 0\n"
                        "    listen(s, 8) = 0\n"
                        "    P = peer(10.0.0.2:0)\n"
                        "    peer_syn(P, 127.0.0.1:8080) = 0\n");
    Runner run(l);
    StepResult r = run.run_next();
    ASSERT_TRUE(r.answer) << r.answer_error;
    EXPECT_EQ(r.answer->choice, "a");
    const Checkpoint& cp = *l.steps[0].ask;
    EXPECT_TRUE(grade(cp, *r.answer, "A").right);
    EXPECT_TRUE(grade(cp, *r.answer, "the SYN queue").right);
    EXPECT_FALSE(grade(cp, *r.answer, "b").right);
    EXPECT_FALSE(grade(cp, *r.answer, "").answered);
}

TEST(LessonGrade, UnderstandsNumbersErrnosStatesAndBlocking) {
    Checkpoint cp;
    Value fd{Value::Kind::Number, 3, 0, ""};
    EXPECT_TRUE(grade(cp, fd, " 3 ").right);
    EXPECT_FALSE(grade(cp, fd, "4").right);
    Value err{Value::Kind::Number, -1, 98, ""};
    EXPECT_TRUE(grade(cp, err, "EADDRINUSE").right);
    EXPECT_TRUE(grade(cp, err, "-1 eaddrinuse").right);
    EXPECT_FALSE(grade(cp, err, "EINVAL").right);
    Value st{Value::Kind::TcpState, 10, 0, ""};
    EXPECT_TRUE(grade(cp, st, "TCP_LISTEN").right);
    EXPECT_TRUE(grade(cp, st, "listen").right);
    EXPECT_TRUE(grade(cp, st, "10").right);
    EXPECT_EQ(grade(cp, st, "x").correct, "TCP_LISTEN");
    Value proto{Value::Kind::Number, 6, 0, ""};
    EXPECT_TRUE(grade(cp, proto, "IPPROTO_TCP").right);
    Value blocked{Value::Kind::Blocked, 0, 0, ""};
    EXPECT_TRUE(grade(cp, blocked, "it blocks").right);
    EXPECT_TRUE(grade(cp, blocked, "阻塞").right);
}

TEST(LessonRunner, BackUndoesStepsAndSleepingCalls) {
    Lesson l = parse_ok(step("Listen") +
                        "run:\n"
                        "    s = socket(AF_INET, SOCK_STREAM, 0) = 3\n"
                        "    bind(s, 127.0.0.1:8080) = 0\n"
                        "    listen(s, 5) = 0\n" +
                        step("Accept sleeps") +
                        "run:\n"
                        "    T = thread()\n"
                        "    T: a = accept(s) = 4\n"
                        "expect: task T is asleep\n"
                        "expect: fd 4 is reserved\n" +
                        step("A client wakes it") +
                        "run:\n"
                        "    B: c = socket(AF_INET, SOCK_STREAM, 0) = 3\n"
                        "    B: connect(c, 127.0.0.1:8080) = 0\n"
                        "expect: task T is running\n"
                        "expect: tcp_state(a) == TCP_ESTABLISHED\n");
    Runner run(l);
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(run.run_next().ok());
    uint64_t steps = run.history().step_count();
    // back to before step 2: the sleeping accept is undone with its thread
    ASSERT_TRUE(run.back_to(1));
    EXPECT_EQ(run.done(), 1u);
    EXPECT_LT(run.history().step_count(), steps);
    EXPECT_EQ(run.interp().tasks.count("T"), 0u);
    // and both steps run again exactly as before, the woken accept included
    StepResult r2 = run.run_next();
    EXPECT_TRUE(r2.ok());
    StepResult r3 = run.run_next();
    EXPECT_TRUE(r3.ok()) << (r3.problems.empty() ? "" : r3.problems[0]);
    ASSERT_EQ(r3.output.size(), 3u);
    EXPECT_EQ(r3.output[1], "T: a = accept(s) = 4");  // woken by B's connect
    EXPECT_EQ(run.history().step_count(), steps);
    EXPECT_TRUE(run.finish().empty());
}

// The hand-off to the REPL: the history, the interpreter at the head with
// its names and the call still asleep, and the interpreter before each
// step; an interpreter handed over goes on like the runner's would have.
TEST(LessonRunner, ReleaseHandsOverTheMachineNamesSleepingCallsAndEarlierNames) {
    Lesson l = parse_ok(step("Listen") +
                        "run:\n"
                        "    s = socket(AF_INET, SOCK_STREAM, 0) = 3\n"
                        "    bind(s, 127.0.0.1:8080) = 0\n"
                        "    listen(s, 5) = 0\n" +
                        step("Accept sleeps") +
                        "run:\n"
                        "    T = thread()\n"
                        "    T: a = accept(s)\n");
    Runner run(l);
    std::vector<uint64_t> starts;
    while (!run.finished()) {
        starts.push_back(run.history().step_count());
        EXPECT_TRUE(run.run_next().ok());
    }
    // Going back over step 2 and running it again takes its names again.
    ASSERT_TRUE(run.back_to(1));
    EXPECT_TRUE(run.run_next().ok());
    uint64_t steps = run.history().step_count();
    Runner::Handoff h = run.release();
    ASSERT_TRUE(h.history && h.interp);
    EXPECT_EQ(h.history->step_count(), steps);
    EXPECT_EQ(&h.interp->history, h.history.get());
    EXPECT_EQ(h.interp->vars.at("s"), 3);
    EXPECT_EQ(h.interp->tasks.count("T"), 1u);
    // Before step 1, after its three lines, before step 2, after its two.
    ASSERT_EQ(h.earlier.size(), 7u);
    for (const auto& at : h.earlier) EXPECT_EQ(&at.interp->history, h.history.get());
    EXPECT_EQ(h.earlier[0].steps, starts[0]);
    EXPECT_EQ(h.earlier[4].steps, starts[1]);
    EXPECT_EQ(h.earlier[0].interp->vars.count("s"), 0u);
    EXPECT_EQ(h.earlier[1].interp->vars.at("s"), 3);     // after `s = socket(...)`
    EXPECT_EQ(h.earlier[1].steps, starts[0] + 1);
    EXPECT_EQ(h.earlier[4].interp->vars.at("s"), 3);
    EXPECT_EQ(h.earlier[4].interp->tasks.count("T"), 0u);
    EXPECT_EQ(h.earlier[5].interp->tasks.count("T"), 1u);  // after `T = thread()`
    for (size_t i = 1; i < h.earlier.size(); ++i) EXPECT_LE(h.earlier[i - 1].steps, h.earlier[i].steps);
    // The sleeping accept's result line comes in the receiver's interpreter.
    std::string out;
    h.interp->print = [&](const std::string& s) { out += s; };
    auto line = script::parse_line("B: c = socket(AF_INET, SOCK_STREAM, 0)", 1);
    ASSERT_TRUE(h.interp->run_line(std::get<script::Line>(line), "repl"));
    line = script::parse_line("B: connect(c, 127.0.0.1:8080)", 2);
    ASSERT_TRUE(h.interp->run_line(std::get<script::Line>(line), "repl"));
    EXPECT_EQ(out,
              "B: c = socket(AF_INET, SOCK_STREAM, 0) = 3\n"
              "T: a = accept(s) = 4\n"
              "B: connect(c, 127.0.0.1:8080) = 0\n");
    EXPECT_EQ(h.interp->vars.at("a"), 4);
}

TEST(LessonRunner, ACallLeftAsleepWithAnExpectationFails) {
    Lesson l = parse_ok(step("S") +
                        "run:\n"
                        "    s = socket(AF_INET, SOCK_STREAM, 0) = 3\n"
                        "    bind(s, 127.0.0.1:8080) = 0\n"
                        "    listen(s, 5) = 0\n"
                        "    T = thread()\n"
                        "    T: a = accept(s) = 4\n");
    CheckReport rep = check_lesson(l);
    EXPECT_FALSE(rep.ok);
    ASSERT_EQ(rep.messages.size(), 1u);
    EXPECT_EQ(rep.messages[0], "t.lesson:14: expected 4, got nothing: the call is still asleep");
}

}  // namespace
}  // namespace sockscope::lesson
