// session.cpp — see session.h.
#include "app/gui/model/session.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <unordered_map>

#include "app/gui/model/fields.h"
#include "lesson/lesson.h"
#include "script/commands.h"
#include "script/constants.h"

namespace sockscope::gui {

namespace {

using Clock = std::chrono::steady_clock;

const std::string kConsoleFile = "<console>";

std::string trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
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
bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool is_ident(std::string_view s) {
    if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
    return std::all_of(s.begin(), s.end(), is_word_char);
}

std::optional<uint64_t> number(std::string_view s) {
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

// `show` is `show()`, `c = fork` is `c = fork()` (as in the REPL).
std::string with_bare_call(const std::string& line) {
    size_t end = line.find('#');
    if (end == std::string::npos) end = line.size();
    while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t' || line[end - 1] == '\r')) --end;
    size_t b = end;
    while (b > 0 && is_word_char(line[b - 1])) --b;
    std::string_view word = std::string_view(line).substr(b, end - b);
    if (!is_ident(word)) return line;
    const script::CommandSpec* c = script::find_command(word);
    if (!c || c->min_args != 0) return line;
    size_t p = b;
    while (p > 0 && (line[p - 1] == ' ' || line[p - 1] == '\t')) --p;
    if (p > 0 && line[p - 1] != ':' && line[p - 1] != '=') return line;
    return line.substr(0, end) + "()" + line.substr(end);
}

// "3", "-1 EADDRINUSE": is this the result part of a call line?
bool looks_like_result(std::string_view r) {
    if (r.empty()) return false;
    size_t i = r[0] == '-' ? 1 : 0;
    if (i >= r.size() || r[i] < '0' || r[i] > '9') return false;
    while (i < r.size() && r[i] >= '0' && r[i] <= '9') ++i;
    return i == r.size() || (r[i] == ' ' && i + 1 < r.size() && r[i + 1] == 'E');
}

const char* const kConsoleWords[] = {"help", "goto", "back", "branches", "clear"};

}  // namespace

Session::Session(World boot)
    : history_(std::make_unique<History>(std::move(boot))), interp_(std::make_unique<script::Interp>(*history_)) {
    I().print = [this](const std::string& s) { on_print(s); };
    base_entries_ = H().entries().size();
    remember_names();
    cursor_ = Cursor{head(), -1};
}

// The machine on screen: a watched lesson's, else the session's own.
History& Session::H() { return watched_ ? watched_->history() : *history_; }
const History& Session::H() const { return watched_ ? watched_->history() : *history_; }
script::Interp& Session::I() { return watched_ ? watched_->interp() : *interp_; }
const script::Interp& Session::I() const { return watched_ ? watched_->interp() : *interp_; }

void Session::forget_caches() {
    // Another machine: nothing computed from the last one holds.
    packets_.clear();
    packets_scanned_ = 0;
    packets_gen_ = 0;
    world_key_ = Cursor{~0ull, -2};
    before_key_ = ~0ull;
    after_history_change();
    cursor_ = Cursor{head(), -1};
    follow = true;
}

void Session::watch(lesson::Runner* r) {
    if (r == watched_) return;
    // The console follows the machine: the lesson's lines while it plays,
    // the session's own again when it is closed.
    if (r && !watched_) {
        own_console_ = std::move(console_);
        console_.clear();
    } else if (!r && watched_) {
        console_ = std::move(own_console_);
        own_console_.clear();
    } else if (r && watched_) {
        console_.clear();   // another lesson: its own lines
    }
    watched_ = r;
    forget_caches();
}

void Session::watched_changed() {
    after_history_change();
    cursor_ = Cursor{head(), -1};
    follow = true;
}

void Session::adopt(std::unique_ptr<History> h, std::unique_ptr<script::Interp> in,
                    std::vector<std::pair<uint64_t, std::unique_ptr<script::Interp>>> earlier) {
    watched_ = nullptr;
    own_console_.clear();
    history_ = std::move(h);
    interp_ = in && &in->history == history_.get() ? std::move(in) : std::make_unique<script::Interp>(*history_);
    interp_->print = [this](const std::string& s) { on_print(s); };
    script_.clear();
    script_pos_ = 0;
    branch_notes_.clear();
    names_at_.clear();
    for (auto& [steps, e] : earlier)
        if (e && steps <= history_->step_count()) names_at_[steps] = Names{e->vars, e->tasks};
    // `back` stops where the script's process was created (before it there
    // is no process to run calls in), as in the REPL.
    base_entries_ = 0;
    const auto& es = history_->entries();
    for (size_t i = 0; i < es.size(); ++i)
        if (es[i].cmd.op == Op::Spawn && es[i].cmd.text == "(the script's process)") {
            base_entries_ = i + 1;
            break;
        }
    remember_names();
    forget_caches();
}

void Session::note(const std::string& text, LineKind k) {
    size_t b = 0;
    while (b <= text.size()) {
        size_t e = text.find('\n', b);
        if (e == std::string::npos) e = text.size();
        if (e > b || e < text.size()) console_.push_back(ConsoleLine{k, text.substr(b, e - b), "", 0, head()});
        b = e + 1;
    }
}

void Session::remember_names() {
    // Snapshots of the names, thinned out as they grow so a long script
    // stays linear: a branch restores the latest one at or before it.
    uint64_t n = head();
    if (!names_at_.empty()) {
        auto last = std::prev(names_at_.end());
        size_t size = I().vars.size() + I().tasks.size();
        if (last->first != n && size > 64 && n - last->first < size / 8) return;
    }
    names_at_[n] = Names{I().vars, I().tasks};
}

void Session::invalidate() { ++generation_; }

void Session::after_history_change() {
    ++history_gen_;
    ++generation_;
}

// ---------------------------------------------------------------- printing

void Session::on_print(const std::string& s) {
    // Split multi-line output.
    if (s.find('\n') + 1 != s.size()) {
        size_t b = 0;
        while (b < s.size()) {
            size_t e = s.find('\n', b);
            if (e == std::string::npos) e = s.size();
            console_.push_back(ConsoleLine{LineKind::Output, s.substr(b, e - b), "", 0, head()});
            b = e + 1;
        }
        return;
    }
    std::string line = s.substr(0, s.size() - 1);
    if (cur_stmt_ && !cur_printed_) {
        const std::string& tx = cur_stmt_->text;
        if (starts_with(line, tx + " = ")) {
            cur_printed_ = true;
            std::string r = line.substr(tx.size() + 3);
            bool err = starts_with(r, "-1 E");
            console_.push_back(ConsoleLine{err ? LineKind::Err : LineKind::Ok, "= " + r, "", 0, head()});
            return;
        }
        if (starts_with(line, tx + " ... ")) {
            cur_printed_ = true;
            console_.push_back(ConsoleLine{LineKind::Blocked, line.substr(tx.size() + 1), "", 0, head()});
            return;
        }
    }
    const std::string here = cur_file_ + ":" + std::to_string(cur_line_) + ":";
    if (!cur_file_.empty() && starts_with(line, here)) {
        std::string_view rest = std::string_view(line).substr(here.size());
        int col = 0;
        auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), col);
        std::string_view after(p, static_cast<size_t>(rest.data() + rest.size() - p));
        if (ec == std::errc() && starts_with(after, ": error: ")) {
            console_.push_back(ConsoleLine{LineKind::Error, std::string(after.substr(9)), cur_src_, col, head()});
            return;
        }
        if (starts_with(rest, " expected")) {
            console_.push_back(ConsoleLine{LineKind::Mismatch, std::string(rest.substr(1)), "", 0, head()});
            return;
        }
    }
    if (line.find(": expected ") != std::string::npos && line.find(", got ") != std::string::npos) {
        console_.push_back(ConsoleLine{LineKind::Mismatch, line, "", 0, head()});
        return;
    }
    size_t eq = line.rfind(" = ");
    if (eq != std::string::npos && looks_like_result(std::string_view(line).substr(eq + 3))) {
        console_.push_back(ConsoleLine{LineKind::Done, line, "", 0, head()});
        return;
    }
    console_.push_back(ConsoleLine{LineKind::Output, line, "", 0, head()});
}

// ---------------------------------------------------------------- running

bool Session::run_parsed(const std::string& src, const script::Line& l, const std::string& file, int lineno) {
    uint64_t before = head();
    size_t entries_before = H().entries().size();
    cur_stmt_ = std::get_if<script::Statement>(&l);
    cur_src_ = src;
    cur_file_ = file;
    cur_line_ = lineno;
    cur_printed_ = false;
    bool ok = I().run_line(l, file);
    cur_stmt_ = nullptr;
    cur_file_.clear();
    if (head() != before || H().entries().size() != entries_before) {
        after_history_change();
        if (follow) cursor_ = Cursor{head(), -1};
    }
    return ok;
}

void Session::branch_here() {
    uint64_t n = cursor_.step;
    if (n >= head()) return;
    size_t before = H().branches().size();
    if (!H().branch_at(n)) return;
    auto it = names_at_.upper_bound(n);
    if (it != names_at_.begin()) {
        const Names& names = std::prev(it)->second;
        I().vars = names.vars;
        I().tasks = names.tasks;
    }
    names_at_.erase(names_at_.upper_bound(n), names_at_.end());
    remember_names();
    if (H().branches().size() > before) {
        const History::Branch& b = H().branches().back();
        branch_notes_.push_back(BranchNote{n, b.commands.size(), H().branches().size()});
        note("history branched at step " + std::to_string(n) + ": the " + std::to_string(b.commands.size()) +
                 " later command" + (b.commands.size() == 1 ? "" : "s") + " kept as branch " +
                 std::to_string(H().branches().size()) + " (branches lists them)",
             LineKind::Note);
    }
    after_history_change();
    cursor_ = Cursor{head(), -1};
    follow = true;
}

bool Session::console_word(const std::string& t) {
    std::vector<std::string> w = words_of(t);
    if (w.empty() || t.find_first_of("(=:!") != std::string::npos) return false;
    const std::string& name = w[0];
    if (std::find(std::begin(kConsoleWords), std::end(kConsoleWords), name) == std::end(kConsoleWords)) return false;
    std::vector<std::string> a(w.begin() + 1, w.end());
    if (name == "clear") {
        console_.clear();
        return true;
    }
    if (name == "help") {
        if (!a.empty()) {
            if (const script::CommandSpec* c = script::find_command(a[0])) {
                note(std::string(c->name) + "(" + c->args + ") — " + c->help, LineKind::Output);
                if (*c->path) note(std::string("  kernel: ") + c->path, LineKind::Output);
                return true;
            }
            for (const script::Constant& k : script::all_constants())
                if (a[0] == k.name) {
                    note(std::string(k.name) + " = " + std::to_string(k.value) + "  (" + k.group + ")", LineKind::Output);
                    return true;
                }
            note("no call or constant is named '" + a[0] + "'", LineKind::Note);
            return true;
        }
        std::string s;
        for (const script::CommandSpec& c : script::command_table())
            note(std::string("  ") + c.name + "(" + c.args + ")  — " + c.help, LineKind::Output);
        note("Console words: help [NAME], goto STEP, back [N], branches, clear. Tab completes; Up/Down recall.",
             LineKind::Note);
        return true;
    }
    if (name == "goto") {
        auto v = a.size() == 1 ? number(a[0]) : std::nullopt;
        if (!v) {
            note("usage: goto STEP (0 to " + std::to_string(head()) + ")");
            return true;
        }
        go_step(std::min<uint64_t>(*v, head()));
        note("viewing step " + std::to_string(cursor_.step) + " of " + std::to_string(head()) +
             (at_head() ? "" : "; a command typed now branches the history here"));
        return true;
    }
    if (name == "back") {
        uint64_t n = 1;
        if (!a.empty()) {
            auto v = number(a[0]);
            if (!v) {
                note("usage: back [N]");
                return true;
            }
            n = *v;
        }
        const auto& es = H().entries();
        // Commands that ended at or before the cursor.
        size_t done = 0;
        while (done < es.size() && es[done].first_step + es[done].steps <= cursor_.step) ++done;
        size_t avail = done > base_entries_ ? done - base_entries_ : 0;
        if (n == 0 || avail == 0) {
            note("nothing to go back over");
            return true;
        }
        n = std::min<uint64_t>(n, avail);
        go_step(es[done - n].first_step);
        note("viewing step " + std::to_string(cursor_.step) + ", before `" + es[done - n].cmd.text +
             "`; a command typed now branches the history here");
        return true;
    }
    if (name == "branches") {
        const auto& bs = H().branches();
        if (bs.empty()) note("no branches yet (typing a command while viewing an earlier step makes one)");
        for (size_t i = 0; i < bs.size(); ++i) {
            note("branch " + std::to_string(i + 1) + ", from step " + std::to_string(bs[i].at_step) + ":",
                 LineKind::Output);
            for (const Command& c : bs[i].commands) note("    " + c.text, LineKind::Output);
        }
        return true;
    }
    return false;
}

bool Session::submit(const std::string& raw) {
    std::string line = raw;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    std::string t = trim(line);
    if (t.empty()) return true;
    if (inputs_.empty() || inputs_.back() != line) inputs_.push_back(line);
    console_.push_back(ConsoleLine{LineKind::Input, line, "", 0, head()});
    ++lineno_;
    if (t[0] == '#') return true;
    if (console_word(t)) return true;

    std::string src = with_bare_call(line);
    auto parsed = script::parse_line(src, lineno_);
    if (auto* e = std::get_if<script::ParseError>(&parsed)) {
        std::string msg = e->message;
        if (is_ident(t)) {
            const script::CommandSpec* c = script::find_command(t);
            msg = c ? t + " takes arguments: " + c->name + "(" + c->args + ")"
                    : "'" + t + "' is not a call or a console word (help lists them)";
            e->pos.col = static_cast<int>(line.find(t)) + 1;
        }
        console_.push_back(ConsoleLine{LineKind::Error, msg, src, e->pos.col, head()});
        return false;
    }
    const script::Line& l = std::get<script::Line>(parsed);
    // A command that changes the model, typed while looking back: branch.
    bool changes = false;
    if (const auto* s = std::get_if<script::Statement>(&l)) {
        const script::CommandSpec* c = script::find_command(s->call);
        changes = c && (c->kind == script::CmdKind::Syscall || c->kind == script::CmdKind::Kernel);
        if (c && !changes && !at_head())
            note("(this answers for the latest step, " + std::to_string(head()) + ", not the one on screen)");
    } else if (const auto* d = std::get_if<script::Directive>(&l)) {
        changes = d->name != "define" && d->name != "trace";
    }
    if (changes && watched_) {
        note("the lesson is playing on this machine: its steps run from the lesson panel. "
             "At its end, \"Continue freely\" hands the machine to this console.");
        return false;
    }
    if (changes && cursor_.step < head()) branch_here();
    if (changes) follow = true;
    bool ok = run_parsed(src, l, kConsoleFile, lineno_);
    remember_names();
    return ok;
}

bool Session::load_script(const std::string& text, const std::string& file, std::string* err) {
    auto parsed = script::parse_program(text, file);
    if (auto* e = std::get_if<script::ParseError>(&parsed)) {
        // Show the offending line with its caret.
        std::string src;
        size_t b = 0;
        for (int i = 1; i < e->pos.line && b != std::string::npos; ++i) {
            b = text.find('\n', b);
            if (b != std::string::npos) ++b;
        }
        if (b != std::string::npos) src = text.substr(b, text.find('\n', b) == std::string::npos ? std::string::npos
                                                                                             : text.find('\n', b) - b);
        console_.push_back(ConsoleLine{LineKind::Error, file + ":" + std::to_string(e->pos.line) + ": " + e->message,
                                       src, e->pos.col, head()});
        if (err) *err = script::format_error(file, e->pos, e->message);
        return false;
    }
    script_.clear();
    script_pos_ = 0;
    script_file_ = file;
    size_t b = 0;
    int n = 0;
    while (b <= text.size()) {
        size_t e = text.find('\n', b);
        if (e == std::string::npos) e = text.size();
        ++n;
        std::string l = text.substr(b, e - b);
        if (!l.empty() && l.back() == '\r') l.pop_back();
        if (!trim(l).empty()) script_.push_back(QueuedLine{l, n});
        b = e + 1;
    }
    if (script_.empty()) note("(" + file + " has no lines to run)");
    return true;
}

void Session::pump(double budget_ms) {
    if (!script_running() || watched_) return;
    auto start = Clock::now();
    // A script's lines are commands typed one after another: looking back
    // when it starts branches the history there, like a typed command.
    if (cursor_.step < head() || cursor_.frame >= 0) branch_here();
    cursor_ = Cursor{head(), -1};
    follow = true;
    do {
        const QueuedLine& q = script_[script_pos_++];
        std::string t = trim(q.text);
        if (t[0] != '#') {
            if (echo_script) console_.push_back(ConsoleLine{LineKind::Input, q.text, "", 0, head()});
            auto parsed = script::parse_line(q.text, q.lineno);
            if (auto* e = std::get_if<script::ParseError>(&parsed)) {
                console_.push_back(ConsoleLine{LineKind::Error, e->message, q.text, e->pos.col, head()});
                script_pos_ = script_.size();
            } else if (!run_parsed(q.text, std::get<script::Line>(parsed), script_file_, q.lineno)) {
                note("the script stopped at " + script_file_ + ":" + std::to_string(q.lineno));
                script_pos_ = script_.size();
            }
            remember_names();
        }
        if (!script_running()) {
            I().finish(script_file_);
            break;
        }
    } while (std::chrono::duration<double, std::milli>(Clock::now() - start).count() < budget_ms);
}

// ---------------------------------------------------------------- completion

std::vector<std::string> Session::complete(const std::string& before, const std::string& word) const {
    std::vector<std::string> c;
    auto add = [&](std::string_view name, std::string_view suffix = "") {
        if (starts_with(name, word)) c.push_back(std::string(name) + std::string(suffix));
    };
    if (!word.empty() && word[0] >= '0' && word[0] <= '9') return c;
    std::string ctx = trim(before);
    std::vector<std::string> w = words_of(ctx);
    bool in_call = before.find('(') != std::string::npos;
    if (!ctx.empty() && ctx[0] == '!') {
        if (ctx == "!") {
            for (const char* d : {"sysctl", "advance", "define", "user"}) add(d, " ");
        } else if (w[0] == "!sysctl" && w.size() == 1) {
            for (const std::string& n : Machine::sysctl_names()) add(n, "=");
        }
    } else if (!w.empty() && w[0] == "help" && w.size() == 1 && !in_call) {
        for (const script::CommandSpec& s : script::command_table()) add(s.name);
        for (const script::Constant& k : script::all_constants()) add(k.name);
    } else if (!in_call && (ctx.empty() || ctx.back() == ':' || ctx.back() == '=')) {
        for (const script::CommandSpec& s : script::command_table()) add(s.name, s.max_args > 0 ? "(" : "()");
        if (ctx.empty()) {
            for (const char* m : kConsoleWords) add(m);
            for (const auto& [name, id] : I().tasks)
                if (!name.empty()) add(name, ": ");
        }
    } else if (in_call) {
        size_t open = before.rfind('(');
        size_t close = before.rfind(')');
        bool expectation = close != std::string::npos && close > open;
        if (expectation) {
            for (const script::Constant& k : script::all_constants())
                if (std::string_view(k.group) == "errno") add(k.name);
        } else {
            size_t e = open;
            while (e > 0 && (before[e - 1] == ' ' || before[e - 1] == '\t')) --e;
            size_t b = e;
            while (b > 0 && is_word_char(before[b - 1])) --b;
            std::string call = before.substr(b, e - b);
            if (call == "nstat") {
                for (int m = 0; m < static_cast<int>(Mib::Count); ++m) add(mib_name(static_cast<Mib>(m)));
            } else {
                for (const auto& [name, v] : I().vars) add(name);
                for (const script::Constant& k : script::all_constants()) add(k.name);
            }
        }
    }
    std::sort(c.begin(), c.end());
    c.erase(std::unique(c.begin(), c.end()), c.end());
    return c;
}

// ---------------------------------------------------------------- the cursor

std::vector<size_t> Session::frames_of(size_t s) const {
    std::vector<size_t> out;
    const Trace& t = trace();
    if (s >= t.steps.size()) return out;
    for (size_t i = t.step_begin(s); i < t.step_end(s); ++i)
        if (t.events[i].ev == Ev::Enter) out.push_back(i);
    return out;
}

size_t Session::event_limit() const {
    if (cursor_.step == 0) return 0;
    size_t s = cursor_.step - 1;
    const Trace& t = trace();
    if (cursor_.frame < 0) return t.step_end(s);
    std::vector<size_t> f = frames_of(s);
    size_t k = static_cast<size_t>(cursor_.frame);
    return k + 1 < f.size() ? f[k + 1] : t.step_end(s);
}

void Session::go(Cursor c) {
    c.step = std::min(c.step, head());
    if (c.step == 0) c.frame = -1;
    if (c.frame >= 0) {
        size_t n = frames_of(c.step - 1).size();
        if (static_cast<size_t>(c.frame) >= n) c.frame = -1;
    }
    if (c == cursor_) return;
    cursor_ = c;
    follow = c.step == head() && c.frame < 0;
    invalidate();
}

void Session::next_frame() {
    Cursor c = cursor_;
    if (c.frame >= 0) {
        size_t n = frames_of(c.step - 1).size();
        if (static_cast<size_t>(c.frame) + 1 < n) ++c.frame;
        else c.frame = -1;
    } else if (c.step < head()) {
        ++c.step;
        c.frame = frames_of(c.step - 1).empty() ? -1 : 0;
    }
    go(c);
}

void Session::prev_frame() {
    Cursor c = cursor_;
    if (c.frame > 0) {
        --c.frame;
    } else if (c.frame == 0) {
        c = Cursor{c.step - 1, -1};
    } else if (c.step > 0) {
        size_t n = frames_of(c.step - 1).size();
        if (n > 0) c.frame = static_cast<int>(n) - 1;
        else c = Cursor{c.step - 1, -1};
    }
    go(c);
}

void Session::next_step() {
    if (cursor_.frame >= 0) go(Cursor{cursor_.step, -1});
    else go(Cursor{std::min(cursor_.step + 1, head()), -1});
}

void Session::prev_step() {
    if (cursor_.step == 0) return;
    go(Cursor{cursor_.step - 1, -1});
}

void Session::next_command() {
    const auto& es = H().entries();
    uint64_t s = cursor_.frame >= 0 ? cursor_.step - 1 : cursor_.step;  // the next step to run
    for (const History::Entry& e : es)
        if (e.first_step + e.steps > s && e.steps > 0) {
            go_step(e.first_step + e.steps);
            return;
        }
    go_step(head());
}

void Session::prev_command() {
    if (cursor_.step == 0) return;
    const auto& es = H().entries();
    uint64_t last = cursor_.frame >= 0 ? cursor_.step - 1 : cursor_.step;  // steps fully shown
    if (last == 0) {
        go_step(0);
        return;
    }
    size_t i = H().entry_of_step(last);  // the command step last-1 is in
    if (i < es.size()) go_step(es[i].first_step);
    else go_step(0);
}

const World& Session::world() {
    if (world_key_ == cursor_ && world_gen_ == history_gen_) return world_;
    auto t0 = Clock::now();
    if (cursor_.frame < 0) {
        world_ = cursor_.step >= head() ? H().live().k.w : H().world_at(cursor_.step);
    } else {
        const World& before = world_before();
        after_tmp_ = cursor_.step >= head() ? H().live().k.w : H().world_at(cursor_.step);
        world_ = world_mid_step(before, after_tmp_, trace(), cursor_.step - 1, event_limit());
    }
    world_key_ = cursor_;
    world_gen_ = history_gen_;
    rebuild_ms_ = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    return world_;
}

const World& Session::world_before() {
    uint64_t n = cursor_.step == 0 ? 0 : cursor_.step - 1;
    if (before_key_ == n && before_gen_ == history_gen_) return before_;
    before_ = H().world_at(n);
    before_key_ = n;
    before_gen_ = history_gen_;
    return before_;
}

// ---------------------------------------------------------------- labels

const Command* Session::command_of_step(size_t s) const {
    const Trace& t = trace();
    if (s >= t.steps.size()) return nullptr;
    uint32_t c = t.steps[s].command;
    return c < H().entries().size() ? &H().entries()[c].cmd : nullptr;
}

std::string Session::step_label(size_t s) const {
    const Trace& t = trace();
    if (s >= t.steps.size()) return "";
    const StepRecord& rec = t.steps[s];
    switch (rec.kind) {
    case StepKind::Syscall: {
        const Command* c = command_of_step(s);
        return c ? c->text : "a command";
    }
    case StepKind::Deliver: return "a segment arrives";
    case StepKind::Timer: return "a timer fires at " + std::to_string(rec.time) + " ms";
    case StepKind::Resume: {
        std::string n = task_name(TaskId(rec.task));
        return (n.empty() ? "task " + std::to_string(rec.task) : n) + " runs again";
    }
    case StepKind::Control: return "control";
    }
    return "";
}

std::string Session::task_name(TaskId t) const {
    for (const auto& [name, id] : I().tasks)
        if (id == t) return name.empty() ? "main" : name;
    return "";
}

std::string Session::task_prefix(TaskId t) const {
    for (const auto& [name, id] : I().tasks)
        if (id == t) return name.empty() ? "" : name + ": ";
    return "?";
}

// ---------------------------------------------------------------- packets

const std::vector<PacketRow>& Session::packet_rows() {
    const Trace& t = trace();
    if (packets_gen_ != history_gen_ && packets_scanned_ > t.events.size()) {
        packets_.clear();
        packets_scanned_ = 0;
    }
    if (packets_gen_ != history_gen_) {
        // A branch may have cut the trace: drop rows past its end.
        while (!packets_.empty() && packets_.back().packet >= t.packets.size()) packets_.pop_back();
        if (packets_scanned_ > t.events.size()) packets_scanned_ = t.events.size();
        for (PacketRow& r : packets_)
            if (r.fate_step >= t.steps.size()) r.fate = 0;
        packets_gen_ = history_gen_;
    }
    if (packets_scanned_ == t.events.size()) return packets_;
    // The step of the first unscanned event.
    auto it = std::upper_bound(t.steps.begin(), t.steps.end(), packets_scanned_,
                               [](size_t ev, const StepRecord& r) { return ev < r.first_event; });
    size_t step = it == t.steps.begin() ? 0 : static_cast<size_t>(it - t.steps.begin()) - 1;
    // A segment is recorded again (a new Trace::packets entry, same
    // serial) when it is delivered or dropped; match them by serial.
    std::unordered_map<uint64_t, size_t> row_of;
    for (size_t i = 0; i < packets_.size(); ++i) row_of[t.packets[packets_[i].packet].serial] = i;
    int64_t delivered_row = -1;   // the row delivered in the step being scanned
    size_t delivered_step = 0;
    for (size_t i = packets_scanned_; i < t.events.size(); ++i) {
        while (step + 1 < t.steps.size() && t.steps[step + 1].first_event <= i) ++step;
        const TraceEvent& e = t.events[i];
        if (e.ev == Ev::PacketSend && e.id < t.packets.size()) {
            const Packet& p = t.packets[e.id];
            if (row_of.count(p.serial)) continue;
            row_of[p.serial] = packets_.size();
            PacketRow r{e.id, step, 0, 0, 0};
            if (!addr_is_loopback(p.daddr)) {   // to a peer: it has it at once
                r.fate = 1;
                r.fate_step = step;
            }
            packets_.push_back(r);
        } else if ((e.ev == Ev::PacketDeliver || e.ev == Ev::PacketDrop) && e.id < t.packets.size()) {
            auto it = row_of.find(t.packets[e.id].serial);
            if (it == row_of.end()) continue;
            PacketRow& r = packets_[it->second];
            r.fate = e.ev == Ev::PacketDeliver ? 1 : 2;
            r.fate_step = step;
            r.drop_reason = e.a;
            if (e.ev == Ev::PacketDeliver) {
                delivered_row = static_cast<int64_t>(it->second);
                delivered_step = step;
            }
        } else if (e.ev == Ev::Counter && delivered_row >= 0 && delivered_step == step) {
            // the listener threw the delivered segment away
            Mib m = static_cast<Mib>(e.code);
            PacketRow& r = packets_[static_cast<size_t>(delivered_row)];
            if (m == Mib::ListenOverflows || m == Mib::ListenDrops) {
                r.fate = 2;
                r.drop_reason = static_cast<int32_t>(DropReason::listen_overflow);
            } else if (m == Mib::TCPReqQFullDrop) {
                r.fate = 2;
                r.drop_reason = static_cast<int32_t>(DropReason::synq_full);
            }
        }
    }
    packets_scanned_ = t.events.size();
    return packets_;
}

}  // namespace sockscope::gui
