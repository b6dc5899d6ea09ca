// interp.cpp — see interp.h.
#include "script/interp.h"

#include <sstream>

#include "kernel/model.h"
#include "script/commands.h"
#include "script/constants.h"

namespace sockscope::script {

namespace {

struct ScriptError {
    Pos pos;
    std::string msg;
};

}  // namespace

Interp::Interp(History& h) : history(h) {
    // The script's own process: fds 0-2 on a terminal, root.
    TaskId t;
    World& w = h.live().k.w;
    w.tasks.each([&](TaskId id, const Task& task) {
        if (!t && !task.kthread) t = id;
    });
    if (!t) t = new_process("", 0, 0);
    tasks[""] = t;
}

TaskId Interp::new_process(const std::string& name, uint32_t uid, uint32_t gid) {
    Command c;
    c.op = Op::Spawn;
    c.a = {uid, gid, uid == 0 ? 1 : 0, 0, 0, 0};
    c.text = name.empty() ? "(the script's process)" : "(process " + name + ")";
    Outcome o = history.run(c);
    TaskId found;
    world().tasks.each([&](TaskId id, const Task& t) { if (t.pid == o.ret) found = id; });
    tasks[name] = found;
    return found;
}

void Interp::error(const Pos& p, const std::string& msg) { throw ScriptError{p, msg}; }

int64_t Interp::eval(const Arg& a) {
    if (a.kind != Arg::Kind::Expr) error(a.pos, "expected a number or a name here");
    int64_t v = 0;
    for (const Term& t : a.terms) {
        int64_t tv;
        if (!t.is_name) {
            tv = t.value;
        } else if (auto it = vars.find(t.name); it != vars.end()) {
            tv = it->second;
        } else if (auto c = lookup_constant(t.name)) {
            tv = *c;
        } else {
            error(t.pos, "unknown name '" + t.name + "'");
        }
        v = a.terms.size() == 1 ? tv : (v | tv);
    }
    return v;
}

std::vector<Val> Interp::resolve(const Statement& s, const CommandSpec& spec) {
    size_t n = s.args.size();
    if (n < spec.min_args || n > spec.max_args) {
        std::string want = spec.min_args == spec.max_args ? std::to_string(spec.min_args)
                                                          : std::to_string(spec.min_args) + " to " + std::to_string(spec.max_args);
        Pos p = n > spec.max_args ? s.args[spec.max_args].pos : s.call_pos;
        error(p, std::string(spec.name) + " takes " + want + " argument" + (want == "1" ? "" : "s") + " (" +
                     spec.name + "(" + spec.args + ")), got " + std::to_string(n));
    }
    std::vector<Val> out(n);
    for (size_t i = 0; i < n; ++i) {
        const Arg& a = s.args[i];
        switch (spec.kinds[i]) {
        case ArgKind::Addr:
            if (a.kind != Arg::Kind::Addr) error(a.pos, "expected an address like 127.0.0.1:8080");
            out[i].addr = a.addr;
            out[i].port = a.port;
            out[i].is_addr = true;
            break;
        case ArgKind::Name:
        case ArgKind::Str:
            if (a.kind == Arg::Kind::Str) out[i].s = a.text;
            else if (a.kind == Arg::Kind::Expr && a.terms.size() == 1 && a.terms[0].is_name) out[i].s = a.terms[0].name;
            else error(a.pos, "expected a name here");
            break;
        case ArgKind::Int:
            if (a.kind == Arg::Kind::Addr) error(a.pos, "expected a number, not an address");
            out[i].i = eval(a);
            if (out[i].i < INT32_MIN || out[i].i > UINT32_MAX) error(a.pos, "number out of range");
            break;
        }
    }
    return out;
}

Outcome Interp::submit(Command c) {
    uint64_t first = history.step_count();
    std::vector<Kernel::Completion> done;
    Outcome o = history.run(c, &done);
    after_steps(first);
    // A call that slept and was woken within the same command (a blocking
    // connect on loopback) simply returns.
    if (o.sleeping)
        for (size_t i = 0; i < done.size(); ++i)
            if (done[i].task.v == c.task) {
                o = Outcome{false, done[i].ret};
                done.erase(done.begin() + static_cast<long>(i));
                break;
            }
    for (const auto& d : done) {
        auto it = pending_.find(d.task.v);
        if (it == pending_.end()) continue;
        Pending p = it->second;
        pending_.erase(it);
        Result r = d.ret < 0 ? Result::fail(static_cast<int>(-d.ret)) : Result::ok(d.ret);
        if (!p.stmt.bind.empty() && r.err == 0) vars[p.stmt.bind] = r.value;
        std::string saved = file;
        file = p.file;
        report(p.stmt, r);
        file = saved;
    }
    return o;
}

void Interp::after_steps(uint64_t first) {
    if (!trace_steps) return;
    const Trace& t = history.trace();
    for (uint64_t s = first; s < history.step_count(); ++s) {
        const StepRecord& rec = t.steps[s];
        std::string label;
        switch (rec.kind) {
        case StepKind::Syscall: label = history.entries()[rec.command].cmd.text; break;
        case StepKind::Deliver: label = "a segment arrives"; break;
        case StepKind::Timer: label = "a timer fires at " + std::to_string(rec.time) + " ms"; break;
        case StepKind::Resume: label = "task " + std::to_string(rec.task) + " runs again"; break;
        case StepKind::Control: label = "control"; break;
        }
        print(format_step(t, s, label));
    }
}

void Interp::report(const Statement& s, const Result& r) {
    last_result = r;
    if (echo) print(format_call_line(s, r) + "\n");
    if (!s.expect) return;
    if (expect_matches(*s.expect, r)) {
        ++passed;
    } else {
        ++failed;
        print(format_mismatch(file, s, r) + "\n");
    }
}

bool apply_sysctl_text(World& w, const std::string& text, std::string* err) {
    auto eq = text.find('=');
    if (eq == std::string::npos) {
        *err = "expected NAME=VALUE";
        return false;
    }
    std::string name = text.substr(0, eq);
    std::istringstream vs(text.substr(eq + 1));
    int64_t v1 = 0, v2 = 0;
    if (!(vs >> v1)) {
        *err = "expected a number after '='";
        return false;
    }
    vs >> v2;
    int id;
    if (!Machine::sysctl_id(name, &id)) {
        *err = "unknown sysctl '" + name + "'";
        return false;
    }
    if (!Machine::set_sysctl(w, name, v1, v2)) {
        *err = "bad value for " + name;
        return false;
    }
    return true;
}

bool Interp::directive(const Directive& d, const std::string& f) {
    if (d.name == "sysctl") {
        std::string text;
        for (const std::string& word : d.words) text += (text.empty() || text.back() == '=' ? "" : " ") + word;
        auto eq = text.find('=');
        std::string name = eq == std::string::npos ? text : text.substr(0, eq);
        int id;
        if (eq == std::string::npos || !Machine::sysctl_id(name, &id))
            error(d.pos, eq == std::string::npos ? "expected !sysctl NAME=VALUE" : "unknown sysctl '" + name + "'");
        std::istringstream vs(text.substr(eq + 1));
        int64_t v1 = 0, v2 = 0;
        if (!(vs >> v1)) error(d.pos, "expected a number after '='");
        vs >> v2;
        // Checked on a scratch copy first: a refused value takes no step.
        Sysctls probe = world().sysctl;
        if (!Machine::set_sysctl(probe, name, v1, v2)) error(d.pos, "bad value for " + name);
        Command c;
        c.op = Op::Sysctl;
        c.a = {id, v1, v2, 0, 0, 0};
        c.text = "!sysctl " + text;
        submit(c);
        return true;
    }
    if (d.name == "define") {
        // !define NAME VALUE, where VALUE is written like an argument:
        // a number, a name, or names joined with '|'.
        if (d.words.size() != 2) error(d.pos, "expected !define NAME VALUE");
        auto parsed = parse_line("x(" + d.words[1] + ")", d.pos.line);
        const Statement* st = nullptr;
        if (auto* l = std::get_if<Line>(&parsed)) st = std::get_if<Statement>(l);
        if (!st || st->args.size() != 1 || st->args[0].kind != Arg::Kind::Expr)
            error(d.pos, "expected a number or names joined with '|' in !define");
        Arg a = st->args[0];
        for (Term& t : a.terms) t.pos = d.pos;
        vars[d.words[0]] = eval(a);
        return true;
    }
    if (d.name == "advance") {
        if (d.words.size() != 1) error(d.pos, "expected !advance MS");
        int64_t ms = 0;
        try {
            ms = std::stoll(d.words[0]);
        } catch (...) {
            error(d.pos, "expected a number of milliseconds");
        }
        if (ms < 0) error(d.pos, "time only moves forward");
        Command c;
        c.op = Op::Sleep;
        c.a[0] = ms;
        c.text = "!advance " + d.words[0];
        submit(c);
        return true;
    }
    if (d.name == "user") {
        // The script's process runs as this uid (and gid): no capabilities.
        if (d.words.empty() || d.words.size() > 2) error(d.pos, "expected !user UID [GID]");
        uint32_t uid, gid;
        try {
            uid = static_cast<uint32_t>(std::stoul(d.words[0]));
            gid = d.words.size() > 1 ? static_cast<uint32_t>(std::stoul(d.words[1])) : uid;
        } catch (...) {
            error(d.pos, "expected numbers in !user");
        }
        // A change of credentials (setresuid): the same process and its
        // open files, without root's capabilities unless uid is 0.
        Command c;
        c.op = Op::Setresuid;
        c.task = main_task().v;
        c.a = {uid, gid, 0, 0, 0, 0};
        c.text = "!user " + d.rest;
        submit(c);
        return true;
    }
    if (d.name == "trace") {
        trace_steps = d.words.empty() || d.words[0] != "off";
        return true;
    }
    print(f + ":" + std::to_string(d.pos.line) + ": warning: unknown directive '!" + d.name + "' ignored\n");
    return true;
}

bool Interp::run_line(const Line& line, const std::string& f) {
    file = f;
    try {
        if (std::holds_alternative<Empty>(line)) return true;
        if (const auto* d = std::get_if<Directive>(&line)) return directive(*d, f);
        const Statement& s = std::get<Statement>(line);
        stmt = &s;
        const CommandSpec* spec = find_command(s.call);
        if (!spec) error(s.call_pos, "unknown call '" + s.call + "' (try: help)");
        // Views need no task: they read the whole world.
        if (spec->kind == CmdKind::Meta) {
            std::vector<Val> v = resolve(s, *spec);
            last_result = spec->run(*this, v);
            return true;
        }
        // The task the statement runs in.
        // A new TASK: prefix makes a process, but only once the line has
        // passed every check: a refused line changes nothing.
        auto it = tasks.find(s.task);
        bool new_task = false;
        if (it == tasks.end() || !world().tasks.contains(it->second)) {
            if (!s.task.empty() && vars.count(s.task) == 0) {
                new_task = true;
            } else if (!s.task.empty()) {
                error(s.pos, "task '" + s.task + "' has exited");
            } else {
                error(s.pos, "the script's process has exited");
            }
        }
        if (!new_task) {
            const Task& task = world().tasks[tasks.at(s.task)];
            if (task.state == TASK_INTERRUPTIBLE && spec->kind != CmdKind::Query && spec->kind != CmdKind::Meta)
                error(s.pos, "task " + (s.task.empty() ? std::string("main") : "'" + s.task + "'") +
                                 " is asleep in a call; run another task, or let time pass (!advance MS)");
            if (task.kthread) error(s.pos, "kernel threads run only their own code");
        }
        std::vector<Val> v = resolve(s, *spec);
        uint64_t before_task = history.step_count();
        if (new_task) new_process(s.task, 0, 0);
        current = tasks.at(s.task);
        uint64_t before = history.step_count();
        Result r;
        try {
            r = spec->run(*this, v);
        } catch (const ScriptError&) {
            // Refused while running (an unknown counter or protocol name):
            // the process made for the new TASK: goes too, with no trace.
            if (new_task) {
                history.branch_at(before_task, false);
                tasks.erase(s.task);
            }
            throw;
        }
        (void)before;
        bool slept = r.err == -1 && world().tasks.contains(current) &&
                     world().tasks[current].state == TASK_INTERRUPTIBLE && spec->kind != CmdKind::Query;
        last_slept = slept;
        if (slept) {
            pending_[current.v] = Pending{s, f};
            if (echo) print(s.text + " ... blocks (the task sleeps)\n");
            return true;
        }
        if (!s.bind.empty() && r.err == 0) {
            vars[s.bind] = r.value;
            // fork/thread/spawn name a task; kthread_run names the thread.
            if (s.call == "fork" || s.call == "thread" || s.call == "spawn" || s.call == "kthread_run")
                world().tasks.each([&](TaskId id, const Task& t) {
                    if (t.pid == r.value) tasks[s.bind] = id;
                });
        }
        if (spec->kind != CmdKind::Meta) report(s, r);
        else last_result = r;
        return true;
    } catch (const ScriptError& e) {
        print(format_error(f, e.pos, e.msg) + "\n");
        return false;
    }
}

void Interp::finish(const std::string& f) {
    for (auto& [task, p] : pending_) {
        if (!p.stmt.expect) continue;
        ++failed;
        print(p.file + ":" + std::to_string(p.stmt.pos.line) + ": expected " + format_expect(*p.stmt.expect) +
              ", got nothing: the call is still asleep\n");
        // Failed once is enough. The call itself stays pending: a session
        // that goes on from here (the REPL after a lesson, a snapshot saved
        // by `run --save`) still prints and binds its result when the task
        // wakes, as a session that never stopped would.
        p.stmt.expect.reset();
    }
    print(format_summary(passed, failed) + "\n");
}

std::vector<PendingCall> Interp::pending() const {
    std::vector<PendingCall> out;
    for (const auto& [task, p] : pending_) {
        PendingCall c;
        c.task = TaskId(task);
        c.file = p.file;
        c.line = p.stmt.pos.line;
        c.col = p.stmt.pos.col;
        c.text = p.stmt.text;
        c.bind = p.stmt.bind;
        if (p.stmt.expect) {
            c.expected = p.stmt.expect->value;
            c.expected_errno = p.stmt.expect->errname;
        }
        // Only what add_pending() takes back: a call left behind by going
        // back in the history (its task awake or gone there) is not one.
        if (pending_problem(history.live().k.w, tasks, c).empty()) out.push_back(std::move(c));
    }
    return out;
}

std::string Interp::pending_problem(const World& w, const std::map<std::string, TaskId>& names,
                                    const PendingCall& c, Statement* out) {
    const std::string task = "task #" + std::to_string(c.task.v);
    if (!w.tasks.contains(c.task)) return task + " does not exist";
    if (w.tasks[c.task].kthread) return task + " is a kernel thread: scripts run no calls in one";
    if (w.tasks[c.task].state != TASK_INTERRUPTIBLE) return task + " is not asleep in a call";
    if (c.line < 1 || c.col < 1)
        return "the position " + std::to_string(c.line) + ":" + std::to_string(c.col) + " is not in a file";
    // The statement is parsed again from its text and expectation, so what
    // the interpreter keeps is always a line the parser accepted.
    if (!c.expected && !c.expected_errno.empty()) return "an errno name without an expected value";
    std::string src = c.text;
    if (c.expected) src += " = " + std::to_string(*c.expected) + (c.expected_errno.empty() ? "" : " " + c.expected_errno);
    auto parsed = parse_line(src, c.line);
    if (const auto* e = std::get_if<ParseError>(&parsed)) return "'" + src + "' does not parse: " + e->message;
    const auto* s = std::get_if<Statement>(&std::get<Line>(parsed));
    if (!s || s->text != c.text) return "'" + c.text + "' is not one statement";
    if (s->bind != c.bind) {
        auto name = [](const std::string& n) { return n.empty() ? std::string("nothing") : "'" + n + "'"; };
        return "'" + c.text + "' binds " + name(s->bind) + ", not " + name(c.bind);
    }
    const CommandSpec* spec = find_command(s->call);
    if (!spec || spec->kind == CmdKind::Query || spec->kind == CmdKind::Meta)
        return "'" + s->call + "' is not a call a task can sleep in";
    auto it = names.find(s->task);
    const std::string who = s->task.empty() ? "the script's process" : "task '" + s->task + "'";
    if (it == names.end() || it->second != c.task) return "'" + c.text + "' runs in " + who + ", not in " + task;
    if (out) {
        *out = *s;
        out->pos.col = c.col;
    }
    return "";
}

bool Interp::add_pending(const PendingCall& c, std::string* err) {
    Statement s;
    std::string why = pending_problem(history.live().k.w, tasks, c, &s);
    if (why.empty() && pending_.count(c.task.v)) why = "task #" + std::to_string(c.task.v) + " already has a call pending";
    if (!why.empty()) {
        if (err) *err = why;
        return false;
    }
    pending_[c.task.v] = Pending{std::move(s), c.file};
    return true;
}

int Interp::run_program(const Program& p) {
    for (const Line& l : p.lines)
        if (!run_line(l, p.file)) return 2;
    finish(p.file);
    return failed ? 1 : 0;
}

}  // namespace sockscope::script
