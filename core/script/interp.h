// interp.h — running the script language against the model.
//
// The interpreter resolves a parsed statement's names and arguments,
// checks them against the command table (commands.h), and either turns the
// call into a Command run through the history (so it is a step, replayable
// and stored), or answers a read-only query. It owns the script's names:
// variables bound with `NAME = call(...)` and tasks named by a `TASK:`
// prefix (created on first use as a new process) or by `NAME = fork()`.
// A call whose task goes to sleep prints `... blocks`; its result line and
// expectation come when a later step wakes it, so the interpreter keeps the
// sleeping statements (pending(), add_pending(): a snapshot saves them
// beside the names). Output is text lines in the report.h format, so
// `sockscope run` and tests/diff/realrun agree.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "history.h"
#include "script/ast.h"
#include "script/parser.h"
#include "script/report.h"

namespace sockscope::script {

struct CommandSpec;

// A call a task is asleep in, as plain values: what the interpreter keeps
// so that the call's result line, binding and expectation come when a
// later step wakes the task. Handed out by Interp::pending() and taken
// back by add_pending(), so a saved session (core/snapshot) goes on with
// the same output as one that never stopped.
struct PendingCall {
    TaskId task;                    // the task asleep in the call
    std::string file;               // the script it came from: its messages name it
    int line = 0, col = 0;          // where the statement starts there (1-based)
    std::string text;               // the statement as echoed: task prefix, binding, call
    std::string bind;               // the name its result will be bound to, or ""
    std::optional<int64_t> expected;  // `= EXPECTED`, if the line had one
    std::string expected_errno;     // its errno name (only after -1), or ""
    bool operator==(const PendingCall&) const = default;
};

// A resolved argument.
struct Val {
    int64_t i = 0;
    uint32_t addr = 0;
    uint16_t port = 0;
    std::string s;     // strings and bare names (nstat(ListenOverflows))
    bool is_addr = false;
};

class Interp {
public:
    explicit Interp(History& h);

    // Everything printed goes here, one line per call (each ending "\n").
    std::function<void(const std::string&)> print = [](const std::string&) {};

    // Runs one parsed line. Returns false on an error in the script (the
    // message, "FILE:LINE:COL: error: ...", has been printed); nothing in
    // the model changed in that case.
    bool run_line(const Line& line, const std::string& file);
    // Runs a whole program; returns the exit status of `sockscope run`
    // (0 all expectations held, 1 some failed, 2 script error).
    int run_program(const Program& p);
    // Ends a run: unfinished expectations fail (once), then the summary
    // line. The calls still asleep stay pending, without their expectation.
    void finish(const std::string& file);

    int passed = 0, failed = 0;
    // The result of the last statement that finished (tests read it), and
    // whether the last statement put its task to sleep instead.
    Result last_result;
    bool last_slept = false;
    bool trace_steps = false;          // print each step's kernel frames
    bool echo = true;                  // print "TEXT = RESULT" lines

    History& history;
    std::map<std::string, int64_t> vars;
    std::map<std::string, TaskId> tasks;  // "" is the script's process
    TaskId main_task() const { return tasks.at(""); }

    // The calls asleep now, by task id.
    std::vector<PendingCall> pending() const;
    // Puts back a call asleep in c.task (one saved with a snapshot). Refused
    // with *err, changing nothing, unless pending_problem() accepts it and
    // the task has no call pending yet.
    bool add_pending(const PendingCall& c, std::string* err);
    // Why c cannot be a call asleep in world w whose script names its tasks
    // as `names` ("" when it can): the task must be a live user task asleep
    // in a call, the statement one line of the language naming that task
    // and binding c.bind, at a position in its file. *out (if given)
    // receives the statement as the interpreter keeps it.
    static std::string pending_problem(const World& w, const std::map<std::string, TaskId>& names,
                                       const PendingCall& c, Statement* out = nullptr);

    // ---- used by the command table's handlers ----
    TaskId current;                       // the task the statement runs in
    const Statement* stmt = nullptr;      // the statement being run
    std::string file;
    // Runs a command at the head of the history and reports what it
    // finished; returns the caller's outcome.
    Outcome submit(Command c);
    // Creates a named process (root unless uid != 0).
    TaskId new_process(const std::string& name, uint32_t uid, uint32_t gid);
    // Raises a script error at p; run_line prints it.
    [[noreturn]] void error(const Pos& p, const std::string& msg);
    World& world() { return history.live().k.w; }

private:
    void report(const Statement& s, const Result& r);
    void after_steps(uint64_t first_new_step);
    bool directive(const Directive& d, const std::string& file);
    std::vector<Val> resolve(const Statement& s, const CommandSpec& spec);
    int64_t eval(const Arg& a);

    struct Pending {
        Statement stmt;
        std::string file;
    };
    std::map<uint32_t, Pending> pending_;   // sleeping statements by task
};

// Linux sysctl defaults for a fresh network namespace, as the model has them;
// `--sysctl name=value` overrides take the host's values.
bool apply_sysctl_text(World& w, const std::string& name_eq_value, std::string* err);

}  // namespace sockscope::script
