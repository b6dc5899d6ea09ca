// repl.cpp — the terminal REPL: the script language one line at a time.
//
// Every line goes through script::Interp over a History, exactly as a
// script does under `sockscope run`; the REPL adds its own words (help,
// back, goto, ...) from a small table below, shows errors with a caret
// under the column, and completes calls, constants and session names on
// Tab. On a terminal it edits lines with libedit (repl_edit.h); with piped
// input it reads plain lines and prints only what the calls print.
//
// A session can continue a machine handed over by a lesson or a snapshot
// (ReplStart): going back then reaches into the steps that came before.
// The interpreter is kept as it was after every line (a copy is small:
// its names and its calls still asleep), so that going back restores
// exactly the names and the sleeping calls of that moment; `save` writes
// the history and those names to a snapshot file.
#include "app/cli/repl.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "app/cli/repl_edit.h"
#include "history.h"
#include "kernel/trace.h"
#include "machine.h"
#include "script/commands.h"
#include "script/constants.h"
#include "script/interp.h"
#include "script/parser.h"
#include "world.h"

namespace sockscope::app {

namespace {

using script::CmdKind;
using script::CommandSpec;

const std::string kFile = "<repl>";
const char* const kPrompt = "sockscope> ";

std::string trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
    return std::string(s.substr(b, e - b));
}

std::vector<std::string> words_of(std::string_view s) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        size_t b = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
        if (i > b) out.emplace_back(s.substr(b, i - b));
    }
    return out;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool is_ident(std::string_view s) {
    if (s.empty() || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_')) return false;
    return std::all_of(s.begin(), s.end(), is_word_char);
}

std::optional<uint64_t> number(std::string_view s) {
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

std::string plural(uint64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

// "bind(fd, ADDR:PORT [, addrlen [, family]])"
std::string signature(const CommandSpec& c) { return std::string(c.name) + "(" + c.args + ")"; }

// Pads `left` to a column, then the text; too long a left side puts the
// text on the next line so the column stays straight.
std::string row(const std::string& left, const std::string& text, size_t col) {
    std::string out = "  " + left;
    if (out.size() + 2 > col) out += "\n" + std::string(col, ' ');
    else out.resize(col, ' ');
    return out + text + "\n";
}

const char* kind_heading(CmdKind k) {
    switch (k) {
    case CmdKind::Syscall: return "System calls (each one runs as steps you can go back over):";
    case CmdKind::Kernel: return "The in-kernel API, processes and the network:";
    case CmdKind::Query: return "Queries (read the world; no step):";
    case CmdKind::Meta: return "Views (no step; the parentheses are optional):";
    }
    return "";
}

const char* kind_name(CmdKind k) {
    switch (k) {
    case CmdKind::Syscall: return "system call (runs as steps)";
    case CmdKind::Kernel: return "in-kernel API or machine (runs as steps)";
    case CmdKind::Query: return "query (reads the world; no step)";
    case CmdKind::Meta: return "view (no step)";
    }
    return "";
}

class Session;

// The REPL's own words: the table drives dispatch, help and completion.
struct MetaWord {
    const char* name;
    const char* args;
    const char* help;
    uint8_t min_args, max_args;
    void (Session::*run)(const std::vector<std::string>& args);
    bool rest = false;   // takes the rest of the line as it was typed (a label may hold any character)
};

class Session {
public:
    explicit Session(bool interactive, ReplStart start = {});

    // Handles one line of input; false once the user asked to leave.
    bool handle(const std::string& line);
    std::vector<Candidate> complete(std::string_view before, std::string_view word) const;

    static const std::vector<MetaWord>& meta_words();
    static const MetaWord* find_meta(std::string_view name);

private:
    // ---- the REPL's words ----
    void w_help(const std::vector<std::string>& a);
    void w_quit(const std::vector<std::string>& a);
    void w_trace(const std::vector<std::string>& a);
    void w_steps(const std::vector<std::string>& a);
    void w_history(const std::vector<std::string>& a);
    void w_back(const std::vector<std::string>& a);
    void w_goto(const std::vector<std::string>& a);
    void w_branches(const std::vector<std::string>& a);
    void w_save(const std::vector<std::string>& a);

    void out(const std::string& s);
    void on_print(const std::string& s);
    void show_error(const std::string& src, int col, const std::string& msg);
    void help_one(const std::string& name);
    std::string step_label(size_t s) const;
    void jump(uint64_t n);
    void remember_names();
    void adopt(std::unique_ptr<script::Interp> in);

    bool interactive_;
    std::unique_ptr<History> history_;   // on the heap: interpreters refer to it by address
    std::unique_ptr<script::Interp> interp_;
    bool quit_ = false;
    int lineno_ = 0;
    size_t base_entries_ = 0;   // commands before the script's process exists
    uint64_t base_steps_ = 0;
    std::string rest_;          // the line after a `rest` word's name
    decltype(ReplStart::save) save_;

    // The interpreter at each step count the session passed through, so
    // that going back also forgets the names bound after that point and
    // gives back the calls that were asleep then.
    std::map<uint64_t, std::unique_ptr<script::Interp>> interp_at_;

    // The statement being run, for shortening its result line.
    const script::Statement* cur_stmt_ = nullptr;
    std::string cur_src_;
    bool printed_any_ = false;
};

const std::vector<MetaWord>& Session::meta_words() {
    static const std::vector<MetaWord> kWords = {
        {"help", "[NAME]", "list every call; help NAME shows one call and its kernel path", 0, 1, &Session::w_help},
        {"quit", "", "leave (so do exit and Ctrl-D; exit() is the system call)", 0, 0, &Session::w_quit},
        {"exit", "", "leave, like quit", 0, 0, &Session::w_quit},
        {"trace", "[on|off]", "print each step's kernel frames as it runs", 0, 1, &Session::w_trace},
        {"steps", "[N]", "print the last N steps frame by frame (default 1)", 0, 1, &Session::w_steps},
        {"history", "", "the commands so far, numbered, with their steps", 0, 0, &Session::w_history},
        {"back", "[N]", "go back N commands (default 1); the later ones are kept as a branch", 0, 1, &Session::w_back},
        {"goto", "STEP", "go back to just before step STEP (numbers as history and steps show them)", 1, 1,
         &Session::w_goto},
        {"branches", "", "what back and goto have kept", 0, 0, &Session::w_branches},
        {"save", "[--replace] FILE [LABEL]",
         "save the machine, its whole history and your names to a snapshot file (sockscope FILE opens it)", 1, 255,
         &Session::w_save, true},
    };
    return kWords;
}

const MetaWord* Session::find_meta(std::string_view name) {
    for (const MetaWord& m : meta_words())
        if (name == m.name) return &m;
    return nullptr;
}

Session::Session(bool interactive, ReplStart start) : interactive_(interactive), save_(std::move(start.save)) {
    history_ = start.history ? std::move(start.history) : std::make_unique<History>(make_boot_world());
    // An interpreter handed over must be one over this history.
    if (start.interp && &start.interp->history != history_.get()) start.interp.reset();
    adopt(start.interp ? std::move(start.interp) : std::make_unique<script::Interp>(*history_));
    for (auto& [steps, in] : start.earlier)
        if (in && &in->history == history_.get() && steps <= history_->step_count()) {
            in->print = [](const std::string&) {};
            interp_at_[steps] = std::move(in);
        }
    // Going back stops where the script's process was created: before it,
    // the session would have no process to run calls in.
    const auto& es = history_->entries();
    for (size_t i = 0; i < es.size(); ++i)
        if (es[i].cmd.op == Op::Spawn && es[i].cmd.text == "(the script's process)") {
            base_entries_ = i + 1;
            base_steps_ = es[i].first_step + es[i].steps;
            break;
        }
    interp_at_.erase(interp_at_.begin(), interp_at_.lower_bound(base_steps_));
    remember_names();
}

// Makes `in` the session's interpreter, printing through the session.
void Session::adopt(std::unique_ptr<script::Interp> in) {
    interp_ = std::move(in);
    interp_->print = [this](const std::string& s) { on_print(s); };
}

void Session::remember_names() {
    auto copy = std::make_unique<script::Interp>(*interp_);
    copy->print = [](const std::string&) {};
    interp_at_[history_->step_count()] = std::move(copy);
}

void Session::out(const std::string& s) {
    if (!interactive_) {
        std::fwrite(s.data(), 1, s.size(), stdout);
        return;
    }
    // On a terminal, control characters from the input are shown, not obeyed.
    std::string t = s;
    for (char& c : t)
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') || c == 0x7f) c = '?';
    std::fwrite(t.data(), 1, t.size(), stdout);
}

// The line as it was typed, a caret under column `col` (1-based, bytes),
// and the message. Long lines show a window around the column.
void Session::show_error(const std::string& src, int col, const std::string& msg) {
    size_t at = col > 0 ? static_cast<size_t>(col - 1) : 0;
    at = std::min(at, src.size());
    size_t begin = 0, end = src.size();
    if (src.size() > 100) {
        begin = at > 60 ? at - 60 : 0;
        while (begin > 0 && begin < src.size() && (static_cast<unsigned char>(src[begin]) & 0xc0) == 0x80) --begin;
        end = std::min(src.size(), begin + 100);
    }
    std::string shown, pad;
    if (begin > 0) {
        shown = "...";
        pad = "   ";
    }
    for (size_t i = begin; i < end; ++i) {
        unsigned char c = static_cast<unsigned char>(src[i]);
        char d = (c < 0x20 || c == 0x7f) ? (c == '\t' ? ' ' : '?') : static_cast<char>(c);
        shown += d;
        if (i < at && (c & 0xc0) != 0x80) pad += ' ';  // one column per character
    }
    if (end < src.size()) shown += "...";
    if (interactive_) {
        out("  " + shown + "\n  " + pad + "^ error: " + msg + "\n");
    } else {
        out(shown + "\n" + pad + "^\n" +
            script::format_error(kFile, script::Pos{lineno_, col}, msg) + "\n");
    }
}

// Everything the interpreter prints comes through here.
void Session::on_print(const std::string& s) {
    const std::string here = kFile + ":" + std::to_string(lineno_) + ":";
    if (interactive_ && cur_stmt_ && !printed_any_) {
        // The statement's own result right under it: "= 3", not the whole line again.
        const std::string& tx = cur_stmt_->text;
        if (starts_with(s, tx + " = ") && s.find('\n') + 1 == s.size()) {
            printed_any_ = true;
            out(s.substr(tx.size() + 1));
            return;
        }
        if (starts_with(s, tx + " ... ")) {
            printed_any_ = true;
            out(s.substr(tx.size() + 1));
            return;
        }
    }
    printed_any_ = true;
    if (starts_with(s, here)) {
        // "<repl>:LINE:COL: error: MESSAGE" -> caret under the column.
        std::string_view rest = std::string_view(s).substr(here.size());
        int col = 0;
        auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), col);
        std::string_view after(p, static_cast<size_t>(rest.data() + rest.size() - p));
        if (ec == std::errc() && starts_with(after, ": error: ")) {
            std::string msg(after.substr(9));
            while (!msg.empty() && msg.back() == '\n') msg.pop_back();
            show_error(cur_src_, col, msg);
            return;
        }
        // "<repl>:LINE: expected 0, got ..." for the line just typed.
        if (interactive_ && starts_with(rest, " ")) {
            out(std::string(rest.substr(1)));
            return;
        }
    }
    out(s);
}

// A bare word naming a call that takes no arguments runs as that call:
// `show` is `show()`, `child = fork` is `child = fork()`. Returns the
// line to parse (the input itself when no rewriting applies).
std::string with_bare_call(const std::string& line) {
    size_t end = line.find('#');
    if (end == std::string::npos) end = line.size();
    while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t' || line[end - 1] == '\r')) --end;
    size_t b = end;
    while (b > 0 && is_word_char(line[b - 1])) --b;
    std::string_view word = std::string_view(line).substr(b, end - b);
    if (!is_ident(word)) return line;
    const CommandSpec* c = script::find_command(word);
    if (!c || c->min_args != 0) return line;
    size_t p = b;
    while (p > 0 && (line[p - 1] == ' ' || line[p - 1] == '\t')) --p;
    if (p > 0 && line[p - 1] != ':' && line[p - 1] != '=') return line;
    return line.substr(0, end) + "()" + line.substr(end);
}

bool Session::handle(const std::string& raw) {
    ++lineno_;
    std::string line = raw;
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
    std::string t = trim(line);
    if (t.empty() || t[0] == '#') return true;

    // A REPL word: its name, then plain words (no call, no binding).
    std::vector<std::string> w = words_of(t);
    const MetaWord* m = find_meta(w[0]);
    // A word that takes the rest of the line: its name, a blank, anything
    // but an assignment (`save = socket(...)` binds a name called save).
    if (m && m->rest && w.size() > 1 && w[1][0] != '=') {
        rest_ = trim(std::string_view(t).substr(w[0].size()));
        (this->*m->run)(std::vector<std::string>(w.begin() + 1, w.end()));
        std::fflush(stdout);
        return !quit_;
    }
    if (m && t.find_first_of("(=:!") == std::string::npos) {
        rest_.clear();
        std::vector<std::string> args(w.begin() + 1, w.end());
        if (args.size() < m->min_args || args.size() > m->max_args) {
            std::string use = std::string(m->name) + (*m->args ? std::string(" ") + m->args : "");
            out("usage: " + use + "  — " + m->help + "\n");
        } else {
            (this->*m->run)(args);
        }
        std::fflush(stdout);
        return !quit_;
    }

    cur_src_ = with_bare_call(line);
    auto parsed = script::parse_line(cur_src_, lineno_);
    if (auto* e = std::get_if<script::ParseError>(&parsed)) {
        // A lone word: say what it is not, or how the call is written.
        if (is_ident(t)) {
            int col = static_cast<int>(line.find(t)) + 1;
            const CommandSpec* c = script::find_command(t);
            show_error(cur_src_, col,
                       c ? t + " takes arguments: " + signature(*c)
                         : "'" + (t.size() > 40 ? t.substr(0, 40) + "..." : t) +
                               "' is not a call or a REPL word (help lists them)");
        } else {
            show_error(cur_src_, e->pos.col, e->message);
        }
        std::fflush(stdout);
        return true;
    }
    const script::Line& l = std::get<script::Line>(parsed);
    cur_stmt_ = std::get_if<script::Statement>(&l);
    printed_any_ = false;
    interp_->run_line(l, kFile);
    cur_stmt_ = nullptr;
    remember_names();
    std::fflush(stdout);
    return true;
}

// ---- help ----

void Session::w_help(const std::vector<std::string>& a) {
    if (!a.empty()) {
        help_one(a[0]);
        return;
    }
    const auto& table = script::command_table();
    const size_t col = 40;
    std::string s;
    for (CmdKind k : {CmdKind::Syscall, CmdKind::Kernel, CmdKind::Query, CmdKind::Meta}) {
        s += kind_heading(k);
        s += "\n";
        for (const CommandSpec& c : table)
            if (c.kind == k) s += row(k == CmdKind::Meta ? std::string(c.name) : signature(c), c.help, col);
        s += "\n";
    }
    s += "REPL words:\n";
    for (const MetaWord& m : meta_words())
        s += row(std::string(m.name) + (*m.args ? std::string(" ") + m.args : ""), m.help, col);
    s += "\n";
    s += "NAME = call(...) names a result; TASK: call(...) runs it in another process;\n"
         "call(...) = 0 or = -1 EADDRINUSE checks the result. Directives: !sysctl NAME=VALUE,\n"
         "!advance MS, !define NAME VALUE, !user UID [GID]. Tab completes; help NAME says more.\n";
    out(s);
}

void Session::help_one(const std::string& name) {
    if (const CommandSpec* c = script::find_command(name)) {
        std::string s = signature(*c) + "\n  " + c->help + "\n  kind:   " + kind_name(c->kind) + "\n";
        if (*c->path) s += std::string("  kernel: ") + c->path + "\n";
        if (c->in_realrun) s += "  also runs on the host kernel in the differential suite (tests/diff)\n";
        out(s);
        return;
    }
    if (const MetaWord* m = find_meta(name)) {
        out(std::string(m->name) + (*m->args ? std::string(" ") + m->args : "") + "\n  " + m->help +
            "\n  kind:   REPL word (no step)\n");
        return;
    }
    for (const script::Constant& k : script::all_constants())
        if (name == k.name) {
            out(std::string(k.name) + " = " + std::to_string(k.value) + "  (" + k.group + ")\n");
            return;
        }
    out("no call, REPL word or constant is named '" + name + "' (help lists them)\n");
}

void Session::w_quit(const std::vector<std::string>&) { quit_ = true; }

void Session::w_trace(const std::vector<std::string>& a) {
    if (a.empty()) {
        out(std::string("trace is ") + (interp_->trace_steps ? "on" : "off") +
            " (trace on prints each step's kernel frames as it runs)\n");
        return;
    }
    if (a[0] != "on" && a[0] != "off") {
        out("usage: trace [on|off]\n");
        return;
    }
    interp_->trace_steps = a[0] == "on";
    out(interp_->trace_steps ? "trace on: each step's kernel frames print as it runs\n" : "trace off\n");
}

// ---- steps, history, back, goto, branches ----

std::string Session::step_label(size_t s) const {
    const StepRecord& rec = history_->trace().steps[s];
    switch (rec.kind) {
    case StepKind::Syscall:
        return rec.command < history_->entries().size() ? history_->entries()[rec.command].cmd.text : "a command";
    case StepKind::Deliver: return "a segment arrives";
    case StepKind::Timer: return "a timer fires at " + std::to_string(rec.time) + " ms";
    case StepKind::Resume: return "task " + std::to_string(rec.task) + " runs again";
    case StepKind::Control: return "control";
    }
    return "";
}

void Session::w_steps(const std::vector<std::string>& a) {
    uint64_t n = 1;
    if (!a.empty()) {
        auto v = number(a[0]);
        if (!v) {
            out("usage: steps [N]  — N is a count, as in steps 3\n");
            return;
        }
        n = *v;
    }
    uint64_t total = history_->step_count();
    if (total == 0) {
        out("no steps yet\n");
        return;
    }
    n = std::min(n, total);
    std::string s;
    for (uint64_t i = total - n; i < total; ++i) s += format_step(history_->trace(), i, step_label(i));
    out(s);
}

void Session::w_history(const std::vector<std::string>&) {
    const auto& es = history_->entries();
    std::vector<std::string> steps(es.size());
    size_t width = 5;
    for (size_t i = 0; i < es.size(); ++i) {
        const History::Entry& e = es[i];
        steps[i] = e.steps == 0   ? "-"
                   : e.steps == 1 ? std::to_string(e.first_step)
                                  : std::to_string(e.first_step) + "-" + std::to_string(e.first_step + e.steps - 1);
        width = std::max(width, steps[i].size());
    }
    std::string head = "   #  steps";
    head.resize(6 + width + 2, ' ');
    std::string s = head + "command\n";
    for (size_t i = 0; i < es.size(); ++i) {
        char num[24];
        std::snprintf(num, sizeof num, "%4zu", i + 1);
        std::string line = std::string(num) + "  " + steps[i];
        line.resize(6 + width + 2, ' ');
        s += line + es[i].cmd.text + "\n";
    }
    s += plural(history_->step_count(), "step", "steps") +
         " so far; back N undoes commands, goto STEP returns to just before a step\n";
    out(s);
}

void Session::w_back(const std::vector<std::string>& a) {
    uint64_t n = 1;
    if (!a.empty()) {
        auto v = number(a[0]);
        if (!v) {
            out("usage: back [N]  — N is a number of commands, as in back 2\n");
            return;
        }
        n = *v;
    }
    size_t avail = history_->entries().size() - base_entries_;
    if (n == 0) return;
    if (avail == 0) {
        out("nothing to go back over yet\n");
        return;
    }
    if (n > avail) {
        out("there " + std::string(avail == 1 ? "is only " : "are only ") + plural(avail, "command", "commands") +
            " to go back over (back " + std::to_string(avail) + " returns to the start)\n");
        return;
    }
    jump(history_->entries()[history_->entries().size() - n].first_step);
}

void Session::w_goto(const std::vector<std::string>& a) {
    auto v = number(a[0]);
    if (!v) {
        out("usage: goto STEP  — STEP is a step number, as history shows them\n");
        return;
    }
    uint64_t total = history_->step_count();
    if (*v > total) {
        out("there is no step " + std::to_string(*v) + " yet; goto takes " + std::to_string(base_steps_) + " to " +
            std::to_string(total) + " (" + std::to_string(total) + " is now)\n");
        return;
    }
    if (*v < base_steps_) {
        out("steps before " + std::to_string(base_steps_) + " start the session's own process; goto " +
            std::to_string(base_steps_) + " is the start\n");
        return;
    }
    jump(*v);
}

// Makes the world just before step n the head; what came after becomes a branch.
void Session::jump(uint64_t n) {
    if (n >= history_->step_count()) {
        out("already at step " + std::to_string(history_->step_count()) + ", the latest\n");
        return;
    }
    std::string partway;
    for (const History::Entry& e : history_->entries())
        if (e.first_step < n && n < e.first_step + e.steps)
            partway = ", partway through `" + e.cmd.text + "` (" + std::to_string(n - e.first_step) + " of its " +
                      std::to_string(e.steps) + " steps ran)";
    size_t branches_before = history_->branches().size();
    if (!history_->branch_at(n)) {
        out("cannot go to step " + std::to_string(n) + "\n");
        return;
    }
    // The interpreter as it was then: the names bound after that point are
    // forgotten with the steps, and a call that was asleep then is asleep
    // again, its result line still to come.
    auto it = interp_at_.upper_bound(n);
    if (it != interp_at_.begin()) {
        adopt(std::make_unique<script::Interp>(*std::prev(it)->second));
    } else if (!interp_at_.empty()) {
        // Before the earliest moment the session knows names of (a
        // snapshot's steps): its earliest names, without the tasks that do
        // not exist yet.
        adopt(std::make_unique<script::Interp>(*interp_at_.begin()->second));
        for (auto t = interp_->tasks.begin(); t != interp_->tasks.end();)
            t = !t->first.empty() && !interp_->world().tasks.contains(t->second) ? interp_->tasks.erase(t)
                                                                                : std::next(t);
    }
    interp_at_.erase(interp_at_.upper_bound(n), interp_at_.end());
    remember_names();
    std::string s = "back to step " + std::to_string(n) + partway;
    if (history_->branches().size() > branches_before) {
        const History::Branch& b = history_->branches().back();
        s += "; " + plural(b.commands.size(), "later command", "later commands") + " kept as branch " +
             std::to_string(history_->branches().size());
    }
    out(s + "\n");
}

void Session::w_branches(const std::vector<std::string>&) {
    const auto& bs = history_->branches();
    if (bs.empty()) {
        out("no branches yet (back and goto keep the commands they undo as a branch)\n");
        return;
    }
    std::string s;
    for (size_t i = 0; i < bs.size(); ++i) {
        s += "branch " + std::to_string(i + 1) + ", from step " + std::to_string(bs[i].at_step) + " (" +
             plural(bs[i].commands.size(), "command", "commands") + "):\n";
        for (const Command& c : bs[i].commands) s += "    " + c.text + "\n";
    }
    out(s);
}

// `save [--replace] FILE [LABEL]`: the label is the rest of the line.
void Session::w_save(const std::vector<std::string>&) {
    if (!save_) {
        out("save: this program was built without snapshots\n");
        return;
    }
    out(save_(rest_, *history_, *interp_) + "\n");
}

// ---- completion ----

std::vector<Candidate> Session::complete(std::string_view before, std::string_view word) const {
    std::vector<Candidate> c;
    auto add = [&](std::string_view name, std::string suffix = "") {
        if (starts_with(name, word)) c.push_back(Candidate{std::string(name), std::move(suffix)});
    };
    if (!word.empty() && word[0] >= '0' && word[0] <= '9') return c;  // a number or an address
    std::string ctx = trim(before);
    std::vector<std::string> w = words_of(ctx);
    bool in_call = before.find('(') != std::string_view::npos;

    if (!ctx.empty() && ctx[0] == '!') {
        if (ctx == "!") {
            for (const char* d : {"sysctl", "advance", "define", "user", "trace"}) add(d, " ");
        } else if (w[0] == "!sysctl" && w.size() == 1) {
            for (const std::string& n : Machine::sysctl_names()) add(n, "=");
        }
    } else if (!w.empty() && find_meta(w[0]) && !in_call && ctx.find_first_of("=:") == std::string::npos) {
        // The argument of a REPL word.
        if (w.size() == 1 && w[0] == "help") {
            for (const CommandSpec& s : script::command_table()) add(s.name);
            for (const MetaWord& m : meta_words()) add(m.name);
            for (const script::Constant& k : script::all_constants()) add(k.name);
        } else if (w.size() == 1 && w[0] == "trace") {
            add("on");
            add("off");
        }
    } else if (!in_call && (ctx.empty() || ctx.back() == ':' || ctx.back() == '=')) {
        // Where a call's name goes.
        for (const CommandSpec& s : script::command_table()) add(s.name, s.max_args > 0 ? "(" : "");
        if (ctx.empty()) {
            for (const MetaWord& m : meta_words()) add(m.name, *m.args ? " " : "");
            for (const auto& [name, id] : interp_->tasks)
                if (!name.empty()) add(name, ": ");
        }
    } else if (in_call) {
        // Inside the parentheses, or an expectation after them.
        size_t open = before.rfind('(');
        size_t close = before.rfind(')');
        bool expectation = close != std::string_view::npos && close > open;
        if (expectation) {
            for (const script::Constant& k : script::all_constants())
                if (std::string_view(k.group) == "errno") add(k.name);
        } else {
            size_t e = open;
            while (e > 0 && (before[e - 1] == ' ' || before[e - 1] == '\t')) --e;
            size_t b = e;
            while (b > 0 && is_word_char(before[b - 1])) --b;
            std::string_view call = before.substr(b, e - b);
            if (call == "nstat") {
                for (int m = 0; m < static_cast<int>(Mib::Count); ++m) add(mib_name(static_cast<Mib>(m)));
            } else {
                for (const auto& [name, v] : interp_->vars) add(name);
                for (const script::Constant& k : script::all_constants()) add(k.name);
            }
        }
    }
    std::sort(c.begin(), c.end(), [](const Candidate& x, const Candidate& y) { return x.word < y.word; });
    c.erase(std::unique(c.begin(), c.end(), [](const Candidate& x, const Candidate& y) { return x.word == y.word; }),
            c.end());
    return c;
}

std::string history_path() {
    const char* home = std::getenv("HOME");
    if (!home || !*home) return "";
    return std::string(home) + "/.sockscope_history";
}

}  // namespace

int run_repl(ReplStart start) {
    bool terminal = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    std::string banner = std::move(start.banner);
    Session session(terminal, std::move(start));
    if (!terminal) {
        std::string line;
        while (std::getline(std::cin, line))
            if (!session.handle(line)) break;
        std::fflush(stdout);
        return 0;
    }
    // Ctrl-C while the model runs cannot stop it; say so instead of dying.
    struct sigaction sa {};
    sa.sa_handler = [](int) {
        static const char msg[] = "\n(a command runs to its end once started; Ctrl-\\ ends sockscope at once)\n";
        ssize_t r = write(STDOUT_FILENO, msg, sizeof msg - 1);
        (void)r;
    };
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, nullptr);

    LineEditor editor("sockscope", history_path(),
                      [&](std::string_view before, std::string_view word) { return session.complete(before, word); });
    if (banner.empty())
        banner = "sockscope — the Linux socket layer, one step at a time. Type help for the calls, quit to leave.";
    std::printf("%s\n", banner.c_str());
    std::fflush(stdout);
    while (true) {
        std::optional<std::string> line = editor.read(kPrompt);
        if (!line) {
            std::printf("\n");
            break;
        }
        editor.remember(*line);
        if (!session.handle(*line)) break;
    }
    std::fflush(stdout);
    return 0;
}

}  // namespace sockscope::app
