// lesson.h — step-through lessons: the file format, its parser, and a
// runner that plays a lesson over a History and a script Interp.
//
// A lesson is a plain-text file (lessons/*.lesson, described in
// docs/lessons.md): a title and a goal, then steps. Each step has narration
// in English and Simplified Chinese, an optional checkpoint (a question the
// student answers before the step runs), the script-language lines it runs,
// and `expect:` checks of the model's state afterwards, written in a small
// assertion language built on the script's query calls:
//
//     expect: tcp_state(s) == TCP_LISTEN
//     expect: acceptq(s) == backlog(s) + 1
//     expect: B: fd 4 is free
//     expect: task T is asleep
//     expect: synq(s) == 1 and acceptq(s) == 0
//
// Nothing here touches a terminal, a window or the file system: the caller
// hands in the text and shows what comes back (the CLI in app/cli/
// lesson_cli.cpp, the GUI in its own files).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "history.h"
#include "script/ast.h"
#include "script/interp.h"

namespace sockscope::lesson {

using script::Pos;

// A piece of text in both languages. Lines are kept as written (the common
// indentation removed, joined with '\n'); paragraphs() shapes them.
struct Text {
    std::string en, zh;
    const std::string& in(bool zh_first) const { return zh_first && !zh.empty() ? zh : en; }
};

// One paragraph of narration: running text, a list item ("- ..."), or a
// preformatted line ("| ...", shown as written, e.g. code).
struct Para {
    enum class Kind { Text, Item, Pre } kind = Kind::Text;
    std::string text;
};
std::vector<Para> paragraphs(const std::string& text);

// ---- the assertion language ----

struct ValueExpr;

// A term of a value: 3, -1 EADDRINUSE, TCP_LISTEN, s (a bound name),
// result, tcp_state(s) (a query of the script language), f_count(s) (a
// lesson-only reading of the model).
struct Term {
    enum class Kind { Number, Errno, Name, Result, Query, Builtin } kind = Kind::Number;
    Pos pos;
    int sign = 1;                 // + or - in front of it
    int64_t number = 0;           // Number
    std::string name;             // Name, Errno (the errno name), Query and Builtin (the call)
    script::Statement query;      // Query: parsed by the script parser
    std::vector<ValueExpr> args;  // Builtin
};

// A sum of terms: acceptq(s), backlog(s) + 1.
struct ValueExpr {
    Pos pos;
    std::string text;
    std::vector<Term> terms;
};

struct Condition {
    enum class Kind { Compare, Fd, Task } kind = Kind::Compare;
    Pos pos;
    std::string text;             // as written, for messages
    std::string task;             // "B" in `B: fd 3 is free`; "" = the main process
    // Compare
    ValueExpr lhs, rhs;
    std::string op;               // == != < <= > >=
    // Fd: `fd N is free|open|reserved|a socket`
    ValueExpr fd;
    // Task: `task T is asleep|running|gone`
    std::string task_name;
    std::string is;               // the word after `is`
    std::vector<Condition> more;  // further checks joined with `and`: all must hold
};

// ---- the lesson ----

struct Choice {
    Pos pos;
    std::string key;              // what the student types: a, b, c ...
    Text text;
    std::optional<Condition> when;  // the correct choice is the one that holds
};

struct Checkpoint {
    Pos pos;
    Text question;
    enum class Kind { Result, Value, Choice } kind = Kind::Result;
    ValueExpr value;              // Kind::Value
    std::string task;             // Kind::Value: "B" in `answer: B: tcp_state(c)`
    std::vector<Choice> choices;  // Kind::Choice
    std::string stated;           // Kind::Choice without conditions: the key
};

struct RunLine {
    int line = 0;
    script::Line parsed;
    bool is_call = false;         // a call (not a directive, not a view like show())
};

struct Step {
    Pos pos;                      // the `step:` line
    Text title;
    Text say;                     // before the step runs
    Text after;                   // after it ran (optional)
    std::optional<Checkpoint> ask;
    std::vector<RunLine> run;
    std::vector<Condition> expects;
};

struct Lesson {
    std::string file;             // as given, for messages
    std::string name;             // e.g. "04-bind"
    Text title, goal;
    std::vector<Step> steps;
};

// Parses a lesson file's text. On the first error returns the message
// "FILE:LINE:COL: error: ...".
std::variant<Lesson, std::string> parse_lesson(std::string_view text, const std::string& file,
                                               const std::string& name);

// The lesson name of a path: the file name without directory and ".lesson".
std::string lesson_name(std::string_view path);
// Whether `want` names the lesson called `name`: the whole name, the name
// without its number ("bind" for "04-bind"), or the number ("4", "04").
bool name_matches(std::string_view name, std::string_view want);

// ---- values and answers ----

struct Value {
    enum class Kind { Number, TcpState, SockState, Blocked, Choice } kind = Kind::Number;
    int64_t v = 0;
    int err = 0;                  // nonzero: the call failed with this errno (v == -1)
    std::string choice;           // Kind::Choice: the key
    bool operator==(const Value& o) const { return v == o.v && err == o.err && choice == o.choice; }
};
// "3", "-1 EADDRINUSE", "TCP_LISTEN", "blocks", "b".
std::string show_value(const Value& v);

struct Grade {
    bool answered = false;        // false: the student skipped the question
    bool right = false;
    std::string correct;          // the correct answer as shown to the student
};
// Compares what the student typed with the correct answer. Numbers, errno
// names (with or without "-1"), state names (with or without "TCP_"/"SS_"),
// constant names and choice keys are understood; an empty answer is a skip.
Grade grade(const Checkpoint& cp, const Value& correct, std::string_view typed);

// ---- running a lesson ----

struct CheckOutcome {
    Pos pos;
    std::string text;             // the condition as written
    bool ok = false;
    std::string detail;           // why not: "got TCP_CLOSE (7)"
};

struct StepResult {
    size_t index = 0;             // which step (0-based)
    std::vector<std::string> output;    // what the calls printed, one line each
    std::vector<std::string> problems;  // "FILE:LINE: ..." script mismatches, errors
    std::vector<CheckOutcome> checks;
    std::optional<Value> answer;  // the checkpoint's correct answer
    std::string answer_error;     // why it could not be worked out
    uint64_t first_step = 0, end_step = 0;  // the history steps it ran: [first, end)
    bool script_error = false;    // a line could not run (the rest were skipped)
    bool ok() const;
};

// Plays a lesson: runs steps one at a time over its own History, and goes
// back by branching the history (History::branch_at) to the start of an
// earlier step. The runner keeps a pointer to the lesson: keep it alive.
class Runner {
public:
    explicit Runner(const Lesson& l, World boot = make_boot_world());
    Runner(const Runner&) = delete;
    Runner& operator=(const Runner&) = delete;
    ~Runner();

    const Lesson& lesson() const { return *lesson_; }
    // How many steps have run; the next one to run has this index.
    size_t done() const { return marks_.size(); }
    bool finished() const { return done() >= lesson_->steps.size(); }
    // Runs the next step. Requires !finished().
    StepResult run_next();
    // Goes back to just before step `index` ran (index < done()); the steps
    // after it are undone and kept by the history as a branch.
    bool back_to(size_t index);
    // Ends a run: a call still asleep that was given an expected result is
    // a problem ("FILE:LINE: expected 4, got nothing: ..."); returns those.
    std::vector<std::string> finish();

    History& history() { return *history_; }
    script::Interp& interp() { return *interp_; }

    // Hands the lesson's machine over to another front end (the REPL after
    // the last step): the history, the interpreter at the head (names and
    // calls still asleep), and the interpreter as it was before each step
    // and after each of its lines, so the receiver can go back over the
    // lesson's steps with the names of that moment. The runner is empty afterwards; only its
    // destructor may be called. The interpreters refer to the history by
    // address: keep the history where it is (it is handed out on the heap).
    struct Handoff {
        std::unique_ptr<History> history;
        std::unique_ptr<script::Interp> interp;
        struct At {
            uint64_t steps = 0;                      // history steps before the lesson step
            std::unique_ptr<script::Interp> interp;  // the names then
        };
        std::vector<At> earlier;                     // in the order they were taken
    };
    Handoff release();

    // Evaluates a value or a condition against the current state (the
    // checks after a step use these). Errors come back in *err as
    // "FILE:LINE:COL: error: ..." and the result is then meaningless.
    Value eval(const ValueExpr& v, const std::string& task, std::string* err);
    bool holds(const Condition& c, std::string* detail, std::string* err);

private:
    struct Mark {
        uint64_t steps = 0;                      // history steps before the lesson step
        std::unique_ptr<script::Interp> interp;  // the names as they were then
        size_t taken = 0;                        // taken_.size() then
    };
    void on_print(const std::string& s);
    std::optional<Value> term_value(const Term& t, const std::string& task, Value::Kind* kind,
                                    std::string* err);
    bool holds_atom(const Condition& c, std::string* detail, std::string* err);
    std::optional<TaskId> task_of(const std::string& name, const Pos& p, std::string* err);

    const Lesson* lesson_;
    std::unique_ptr<History> history_;
    std::unique_ptr<script::Interp> interp_;
    std::vector<Mark> marks_;
    std::vector<Mark> taken_;                    // the names before each step and after each line (release())
    std::vector<std::string>* sink_ = nullptr;   // where printed lines go
    std::string partial_;
    std::optional<Value> last_;                  // the step's last call's result
};

// Runs every step of a lesson headlessly and asserts everything: each
// line's `= EXPECTED`, each `expect:`, and that each checkpoint has exactly
// one correct answer. Messages are "FILE:LINE: ..." lines.
struct CheckReport {
    bool ok = true;
    int steps = 0, checks = 0, checkpoints = 0;
    std::vector<std::string> messages;
};
CheckReport check_lesson(const Lesson& l);

}  // namespace sockscope::lesson
