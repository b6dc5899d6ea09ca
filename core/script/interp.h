// interp.h — running the script language against the model.
//
// The interpreter resolves a parsed statement's names and arguments,
// checks them against the command table (commands.h), and either turns the
// call into a Command run through the history (so it is a step, replayable
// and stored), or answers a read-only query. It owns the script's names:
// variables bound with `NAME = call(...)` and tasks named by a `TASK:`
// prefix (created on first use as a new process) or by `NAME = fork()`.
// A call whose task goes to sleep prints `... blocks`; its result line and
// expectation come when a later step wakes it. Output is text lines in the
// report.h format, so `sockscope run` and tests/diff/realrun agree.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "history.h"
#include "script/ast.h"
#include "script/parser.h"
#include "script/report.h"

namespace sockscope::script {

struct CommandSpec;

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
    // Ends a run: unfinished expectations fail, then the summary line.
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
