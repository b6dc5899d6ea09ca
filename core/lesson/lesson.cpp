// lesson.cpp — see lesson.h. Sections: text helpers · the assertion
// language · the file parser · names · values and grading · the runner ·
// check_lesson.
#include "lesson/lesson.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "script/commands.h"
#include "script/constants.h"
#include "script/parser.h"
#include "script/report.h"

namespace sockscope::lesson {

namespace {

// ============================================================ text helpers

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && blank(s[b])) ++b;
    while (e > b && blank(s[e - 1])) --e;
    return std::string(s.substr(b, e - b));
}

std::string upper(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::string error_at(const std::string& file, Pos p, const std::string& msg) {
    return script::format_error(file, p, msg);
}

// The code point that starts at s[i] (0 for a broken sequence).
uint32_t code_point(std::string_view s, size_t i) {
    if (i >= s.size()) return 0;
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) return c;
    int n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
    if (n == 0) return 0;
    uint32_t cp = c & (0x3fu >> n);
    for (int k = 1; k <= n; ++k) {
        if (i + static_cast<size_t>(k) >= s.size()) return 0;
        cp = cp << 6 | (static_cast<unsigned char>(s[i + static_cast<size_t>(k)]) & 0x3fu);
    }
    return cp;
}

// Chinese, Japanese and full-width characters: two lines joined between two
// of them need no space.
bool wide(uint32_t cp) {
    return (cp >= 0x2e80 && cp <= 0x9fff) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
           (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x3000 && cp <= 0x303f);
}

uint32_t last_code_point(std::string_view s) {
    if (s.empty()) return 0;
    size_t i = s.size() - 1;
    while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xc0) == 0x80) --i;
    return code_point(s, i);
}

void join_line(std::string& para, const std::string& line) {
    if (para.empty()) {
        para = line;
        return;
    }
    bool tight = wide(last_code_point(para)) && wide(code_point(line, 0));
    para += tight ? "" : " ";
    para += line;
}

}  // namespace

std::vector<Para> paragraphs(const std::string& text) {
    std::vector<Para> out;
    bool open = false;  // the last paragraph takes more lines
    size_t b = 0;
    while (b <= text.size()) {
        size_t e = text.find('\n', b);
        if (e == std::string::npos) e = text.size();
        std::string line = trim(std::string_view(text).substr(b, e - b));
        if (line.empty()) {
            open = false;
        } else if (line[0] == '|') {
            // keep the author's spacing after "| "
            size_t at = text.find('|', b);
            std::string raw = text.substr(at + 1, e - at - 1);
            if (!raw.empty() && raw[0] == ' ') raw.erase(0, 1);
            while (!raw.empty() && blank(raw.back())) raw.pop_back();
            out.push_back(Para{Para::Kind::Pre, raw});
            open = false;
        } else if (line.size() >= 2 && line[0] == '-' && line[1] == ' ') {
            out.push_back(Para{Para::Kind::Item, trim(line.substr(2))});
            open = true;
        } else if (open) {
            join_line(out.back().text, line);
        } else {
            out.push_back(Para{Para::Kind::Text, line});
            open = true;
        }
        if (e == text.size()) break;
        b = e + 1;
    }
    return out;
}

namespace {

// ============================================================ the assertion language

struct Tok {
    enum class K { Ident, Number, Punct, End } k = K::End;
    std::string s;
    size_t at = 0;    // byte offset in the line
    size_t end = 0;
    int64_t n = 0;
};

struct ExprError {
    size_t at;
    std::string msg;
};

// Lesson-only readings of the model (not calls of the script language).
struct Builtin {
    const char* name;
    int min_args, max_args;
    const char* help;
};
const Builtin kBuiltins[] = {
    {"f_count", 1, 1, "the reference count of the fd's struct file"},
    {"sock_state", 1, 1, "the fd's struct socket state (SS_...)"},
    {"waiters", 1, 1, "tasks asleep on the fd's socket wait queue"},
    {"sockets", 0, 0, "struct socket objects in the machine"},
    {"files", 0, 0, "struct file objects in the machine"},
    {"timewait", 0, 1, "TIME_WAIT socks (on one local port if given)"},
};
const Builtin* find_builtin(std::string_view n) {
    for (const Builtin& b : kBuiltins)
        if (n == b.name) return &b;
    return nullptr;
}

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::vector<Tok> tokenize(std::string_view line, size_t b, size_t e) {
    std::vector<Tok> out;
    size_t i = b;
    while (i < e) {
        char c = line[i];
        if (blank(c)) {
            ++i;
            continue;
        }
        Tok t;
        t.at = i;
        if (ident_start(c)) {
            while (i < e && ident_char(line[i])) ++i;
            t.k = Tok::K::Ident;
        } else if (std::isdigit(static_cast<unsigned char>(c))) {
            int base = 10;
            if (c == '0' && i + 1 < e && (line[i + 1] == 'x' || line[i + 1] == 'X')) {
                base = 16;
                i += 2;
            }
            size_t ds = i;
            while (i < e && std::isxdigit(static_cast<unsigned char>(line[i])) &&
                   (base == 16 || std::isdigit(static_cast<unsigned char>(line[i]))))
                ++i;
            if (i == ds) throw ExprError{t.at, "expected digits"};
            if (i < e && ident_char(line[i])) throw ExprError{i, "malformed number"};
            t.k = Tok::K::Number;
            try {
                t.n = static_cast<int64_t>(std::stoull(std::string(line.substr(ds, i - ds)), nullptr, base));
            } catch (...) {
                throw ExprError{t.at, "number out of range"};
            }
        } else {
            static const char* two[] = {"==", "!=", "<=", ">=", "&&"};
            bool done = false;
            for (const char* p : two)
                if (i + 1 < e && line[i] == p[0] && line[i + 1] == p[1]) {
                    i += 2;
                    done = true;
                    break;
                }
            if (!done) {
                if (c == '=') throw ExprError{i, "a comparison is written '==', not '='"};
                if (std::string_view("(),:+-<>|").find(c) == std::string_view::npos) {
                    std::string shown = static_cast<unsigned char>(c) < 0x80 ? std::string("'") + c + "'"
                                                                             : std::string("a non-ASCII character");
                    throw ExprError{i, "unexpected " + shown};
                }
                ++i;
            }
            t.k = Tok::K::Punct;
        }
        t.end = i;
        t.s = std::string(line.substr(t.at, i - t.at));
        out.push_back(std::move(t));
    }
    Tok end;
    end.at = end.end = e;
    while (end.at > b && blank(line[end.at - 1])) --end.at;
    out.push_back(end);
    return out;
}

class ExprParser {
public:
    ExprParser(std::string_view line, size_t b, size_t e, int lineno)
        : line_(line), lineno_(lineno), toks_(tokenize(line, b, e)) {}

    Condition condition();
    ValueExpr value_only(std::string* task);
    Condition atom();

private:
    std::string_view line_;
    int lineno_;
    std::vector<Tok> toks_;
    size_t i_ = 0;

    const Tok& peek(size_t k = 0) const { return toks_[std::min(i_ + k, toks_.size() - 1)]; }
    bool is(const char* p, size_t k = 0) const { return peek(k).k == Tok::K::Punct && peek(k).s == p; }
    bool is_word(const char* w, size_t k = 0) const { return peek(k).k == Tok::K::Ident && peek(k).s == w; }
    Pos pos(size_t at) const { return Pos{lineno_, static_cast<int>(at) + 1}; }
    [[noreturn]] void fail(const std::string& what) const {
        const Tok& t = peek();
        if (t.k == Tok::K::End) throw ExprError{t.at, what};
        throw ExprError{t.at, what + ", found '" + t.s + "'"};
    }
    bool at_compare() const {
        return is("==") || is("!=") || is("<") || is("<=") || is(">") || is(">=");
    }
    ValueExpr value();
    Term term();
};

Term ExprParser::term() {
    Term t;
    const Tok& tok = peek();
    t.pos = pos(tok.at);
    if (is("-") && peek(1).k == Tok::K::Number) {
        ++i_;
        t.kind = Term::Kind::Number;
        t.number = -toks_[i_].n;
        ++i_;
        if (peek().k == Tok::K::Ident && script::errno_from_name(peek().s)) {
            if (t.number != -1) throw ExprError{peek().at, "only -1 may be followed by an errno name"};
            t.kind = Term::Kind::Errno;
            t.name = peek().s;
            ++i_;
        }
        return t;
    }
    if (tok.k == Tok::K::Number) {
        t.kind = Term::Kind::Number;
        t.number = tok.n;
        ++i_;
        return t;
    }
    if (tok.k != Tok::K::Ident) fail("expected a number, a name or a query like tcp_state(s)");
    std::string name = tok.s;
    size_t start = tok.at;
    ++i_;
    if (!is("(")) {
        if (script::errno_from_name(name))
            throw ExprError{start, "a failure is written '-1 " + name + "', not '" + name + "'"};
        t.kind = name == "result" ? Term::Kind::Result : Term::Kind::Name;
        t.name = name;
        return t;
    }
    t.name = name;
    if (const Builtin* b = find_builtin(name)) {
        t.kind = Term::Kind::Builtin;
        ++i_;  // (
        if (!is(")")) {
            while (true) {
                t.args.push_back(value());
                if (is(",")) {
                    ++i_;
                    continue;
                }
                break;
            }
        }
        if (!is(")")) fail("expected ',' or ')' in " + name + "(...)");
        ++i_;
        int n = static_cast<int>(t.args.size());
        if (n < b->min_args || n > b->max_args)
            throw ExprError{start, name + " takes " +
                                       (b->min_args == b->max_args ? std::to_string(b->min_args)
                                                                   : std::to_string(b->min_args) + " or " +
                                                                         std::to_string(b->max_args)) +
                                       " argument" + (b->max_args == 1 ? "" : "s") + ", got " + std::to_string(n)};
        return t;
    }
    const script::CommandSpec* spec = script::find_command(name);
    if (!spec) {
        std::string known;
        for (const script::CommandSpec& c : script::command_table())
            if (c.kind == script::CmdKind::Query) known += std::string(known.empty() ? "" : ", ") + c.name;
        for (const Builtin& b : kBuiltins) known += std::string(", ") + b.name;
        throw ExprError{start, "unknown query '" + name + "' (queries: " + known + ")"};
    }
    if (spec->kind != script::CmdKind::Query)
        throw ExprError{start, "'" + name + "' changes or prints the model; checks may only read it (put the call under run:)"};
    // The call's text, through the script parser (same names, same errors).
    int depth = 0;
    size_t end = start;
    while (true) {
        const Tok& k = peek();
        if (k.k == Tok::K::End) throw ExprError{k.at, "expected ')' to close " + name + "("};
        ++i_;
        if (k.k == Tok::K::Punct && k.s == "(") ++depth;
        if (k.k == Tok::K::Punct && k.s == ")" && --depth == 0) {
            end = k.end;
            break;
        }
    }
    std::string padded(start, ' ');
    padded += line_.substr(start, end - start);
    auto parsed = script::parse_line(padded, lineno_);
    if (auto* e = std::get_if<script::ParseError>(&parsed))
        throw ExprError{static_cast<size_t>(e->pos.col - 1), e->message};
    const auto* st = std::get_if<script::Statement>(&std::get<script::Line>(parsed));
    if (!st || !st->bind.empty() || !st->task.empty() || st->expect)
        throw ExprError{start, "expected a query call like tcp_state(s)"};
    t.kind = Term::Kind::Query;
    t.query = *st;
    return t;
}

ValueExpr ExprParser::value() {
    ValueExpr v;
    const Tok& first = peek();
    v.pos = pos(first.at);
    size_t b = first.at;
    v.terms.push_back(term());
    while (is("+") || is("-")) {
        int sign = is("+") ? 1 : -1;
        ++i_;
        Term t = term();
        if (t.kind == Term::Kind::Errno) throw ExprError{peek().at, "an errno cannot be added"};
        t.sign = sign;
        v.terms.push_back(std::move(t));
    }
    size_t e = toks_[i_ - 1].end;
    v.text = std::string(line_.substr(b, e - b));
    return v;
}

ValueExpr ExprParser::value_only(std::string* task) {
    if (peek().k == Tok::K::Ident && is(":", 1)) {
        *task = peek().s;
        i_ += 2;
    }
    ValueExpr v = value();
    if (peek().k != Tok::K::End) fail("unexpected text after the value");
    return v;
}

// A check: one or more atoms joined by `and` (or `&&`).
Condition ExprParser::condition() {
    size_t b = peek().at;
    Condition c = atom();
    while (is_word("and") || is("&&")) {
        ++i_;
        c.more.push_back(atom());
    }
    if (peek().k != Tok::K::End) fail("unexpected text after the check");
    c.text = std::string(line_.substr(b, peek().at - b));
    return c;
}

Condition ExprParser::atom() {
    Condition c;
    const Tok& first = peek();
    if (first.k == Tok::K::End) throw ExprError{first.at, "expected a check, e.g. tcp_state(s) == TCP_LISTEN"};
    c.pos = pos(first.at);
    if (peek().k == Tok::K::Ident && is(":", 1)) {
        c.task = peek().s;
        i_ += 2;
    }
    if (is_word("fd") && peek(1).k != Tok::K::End && !is("(", 1) && !is("+", 1) && !is("-", 1) &&
        !(peek(1).k == Tok::K::Punct && (peek(1).s == "==" || peek(1).s == "!=" || peek(1).s[0] == '<' ||
                                         peek(1).s[0] == '>'))) {
        c.kind = Condition::Kind::Fd;
        ++i_;
        c.fd = value();
        if (!is_word("is")) fail("expected 'is' after the fd (fd 3 is free)");
        ++i_;
        if (is_word("a") && is_word("socket", 1)) {
            i_ += 2;
            c.is = "socket";
        } else if (is_word("free") || is_word("open") || is_word("reserved") || is_word("socket")) {
            c.is = peek().s;
            ++i_;
        } else {
            fail("expected free, open, reserved or a socket after 'is'");
        }
    } else if (is_word("task") && peek(1).k == Tok::K::Ident && is_word("is", 2)) {
        if (!c.task.empty()) throw ExprError{first.at, "'task T is ...' takes no task prefix"};
        c.kind = Condition::Kind::Task;
        c.task_name = peek(1).s;
        i_ += 3;
        if (!is_word("asleep") && !is_word("running") && !is_word("gone"))
            fail("expected asleep, running or gone after 'is'");
        c.is = peek().s;
        ++i_;
    } else {
        c.kind = Condition::Kind::Compare;
        c.lhs = value();
        if (!at_compare()) fail("expected a comparison (==, !=, <, <=, >, >=)");
        c.op = peek().s;
        ++i_;
        c.rhs = value();
    }
    if (peek().k != Tok::K::End && !is_word("and") && !is("&&")) fail("unexpected text after the check");
    size_t e = toks_[i_ - 1].end;
    c.text = std::string(line_.substr(first.at, e - first.at));
    return c;
}

// ============================================================ the file parser

struct RawField {
    int line = 0;
    std::string key;
    size_t value_at = 0;                          // byte offset of the value in its line
    std::string first;                            // the first line, whole
    std::vector<std::pair<int, std::string>> more;  // continuation lines (number, whole line)
};

struct LessonError {
    Pos pos;
    std::string msg;
};

const char* const kLessonKeys[] = {"title", "goal"};
const char* const kStepKeys[] = {"step", "say", "ask", "answer", "choice", "run", "expect", "after"};
bool translatable(const std::string& k) {
    return k == "title" || k == "goal" || k == "step" || k == "say" || k == "ask" || k == "choice" || k == "after";
}

std::string known_keys() {
    return "title, goal, step, say, ask, answer, choice, run, expect, after (and .zh for the texts)";
}

// The text of a field: its first line's value, then the continuation lines.
std::string field_text(const RawField& f) {
    std::vector<std::string> lines;
    lines.push_back(trim(std::string_view(f.first).substr(f.value_at)));
    for (const auto& [n, l] : f.more) {
        std::string t = trim(l);
        if (!t.empty() && t[0] == '|') {
            // preformatted: keep what follows the bar as written
            size_t bar = l.find('|');
            std::string raw = l.substr(bar);
            while (!raw.empty() && blank(raw.back())) raw.pop_back();
            lines.push_back(raw);
        } else {
            lines.push_back(t);
        }
    }
    while (!lines.empty() && lines.back().empty()) lines.pop_back();
    size_t s = 0;
    while (s < lines.size() && lines[s].empty()) ++s;
    std::string out;
    for (size_t i = s; i < lines.size(); ++i) out += (i > s ? "\n" : "") + lines[i];
    return out;
}

class FileParser {
public:
    FileParser(std::string_view text, const std::string& file) : text_(text), file_(file) {}
    Lesson run();

private:
    std::string_view text_;
    std::string file_;
    std::vector<std::string> lines_;

    std::vector<RawField> split();
    [[noreturn]] void fail(int line, size_t at, const std::string& msg) const {
        throw LessonError{Pos{line, static_cast<int>(at) + 1}, msg};
    }
    void finish_step(Step& st, const std::map<std::string, int>& seen, const RawField* answer,
                     const std::vector<std::pair<const RawField*, std::string>>& choice_zh);
    Condition parse_condition(const RawField& f, size_t at) const;
};

std::vector<RawField> FileParser::split() {
    size_t b = 0;
    while (b <= text_.size()) {
        size_t e = text_.find('\n', b);
        if (e == std::string_view::npos) e = text_.size();
        std::string l(text_.substr(b, e - b));
        if (!l.empty() && l.back() == '\r') l.pop_back();
        lines_.push_back(std::move(l));
        if (e == text_.size()) break;
        b = e + 1;
    }
    std::vector<RawField> out;
    for (size_t i = 0; i < lines_.size(); ++i) {
        const std::string& l = lines_[i];
        int n = static_cast<int>(i) + 1;
        if (!l.empty() && l[0] == '#') continue;  // a comment, anywhere
        if (trim(l).empty()) {
            if (!out.empty()) out.back().more.emplace_back(n, "");
            continue;
        }
        if (blank(l[0])) {
            if (out.empty()) fail(n, 0, "an indented line before any field (fields start at column 1: 'title: ...')");
            out.back().more.emplace_back(n, l);
            continue;
        }
        size_t k = 0;
        while (k < l.size() && (std::islower(static_cast<unsigned char>(l[k])) || l[k] == '.')) ++k;
        if (k == 0 || k >= l.size() || l[k] != ':') {
            size_t at = k < l.size() && k > 0 ? k : 0;
            fail(n, at, "expected 'field: value' (fields: " + known_keys() + ")");
        }
        RawField f;
        f.line = n;
        f.key = l.substr(0, k);
        f.value_at = k + 1;
        f.first = l;
        std::string base = f.key;
        bool zh = false;
        if (base.size() > 3 && base.compare(base.size() - 3, 3, ".zh") == 0) {
            base.resize(base.size() - 3);
            zh = true;
        }
        bool known = false;
        for (const char* key : kLessonKeys) known = known || base == key;
        for (const char* key : kStepKeys) known = known || base == key;
        if (!known || base.find('.') != std::string::npos) fail(n, 0, "unknown field '" + f.key + "' (fields: " + known_keys() + ")");
        if (zh && !translatable(base)) fail(n, 0, "'" + base + "' has no Chinese version (only texts do)");
        out.push_back(std::move(f));
    }
    // blank lines at the end of a field belong to nobody
    for (RawField& f : out)
        while (!f.more.empty() && trim(f.more.back().second).empty()) f.more.pop_back();
    return out;
}

Condition FileParser::parse_condition(const RawField& f, size_t at) const {
    if (!f.more.empty()) fail(f.more.front().first, 0, "'" + f.key + ":' fits on one line");
    try {
        ExprParser p(f.first, at, f.first.size(), f.line);
        return p.condition();
    } catch (const ExprError& e) {
        fail(f.line, e.at, e.msg);
    }
}

Lesson FileParser::run() {
    std::vector<RawField> fields = split();
    Lesson l;
    std::map<std::string, int> lesson_seen;
    size_t i = 0;
    for (; i < fields.size() && fields[i].key != "step"; ++i) {
        const RawField& f = fields[i];
        if (f.key != "title" && f.key != "title.zh" && f.key != "goal" && f.key != "goal.zh")
            fail(f.line, 0, "'" + f.key + ":' belongs to a step; start one with 'step: TITLE'");
        if (lesson_seen.count(f.key))
            fail(f.line, 0, "a second '" + f.key + ":' (the first is on line " + std::to_string(lesson_seen[f.key]) + ")");
        lesson_seen[f.key] = f.line;
        std::string t = field_text(f);
        if (t.empty()) fail(f.line, f.value_at, "'" + f.key + ":' is empty");
        if (f.key == "title") l.title.en = t;
        if (f.key == "title.zh") l.title.zh = t;
        if (f.key == "goal") l.goal.en = t;
        if (f.key == "goal.zh") l.goal.zh = t;
    }
    for (const char* k : {"title", "title.zh", "goal", "goal.zh"})
        if (!lesson_seen.count(k))
            fail(i < fields.size() ? fields[i].line : static_cast<int>(lines_.size()), 0,
                 std::string("the lesson has no '") + k + ":' (title and goal come first, in English and Chinese)");
    if (i >= fields.size()) fail(static_cast<int>(lines_.size()), 0, "the lesson has no steps ('step: TITLE')");

    while (i < fields.size()) {
        const RawField& head = fields[i];
        Step st;
        st.pos = Pos{head.line, 1};
        st.title.en = field_text(head);
        if (st.title.en.empty()) fail(head.line, head.value_at, "'step:' needs a title");
        std::map<std::string, int> seen;
        seen["step"] = head.line;
        const RawField* answer = nullptr;
        std::vector<std::pair<const RawField*, std::string>> choice_zh;
        for (++i; i < fields.size() && fields[i].key != "step"; ++i) {
            const RawField& f = fields[i];
            if (f.key == "title" || f.key == "title.zh" || f.key == "goal" || f.key == "goal.zh")
                fail(f.line, 0, "'" + f.key + ":' belongs at the top of the lesson, before the first step");
            bool repeats = f.key == "expect" || f.key == "choice" || f.key == "choice.zh";
            if (!repeats && seen.count(f.key))
                fail(f.line, 0, "a second '" + f.key + ":' in this step (the first is on line " +
                                    std::to_string(seen[f.key]) + ")");
            seen.emplace(f.key, f.line);
            std::string t = field_text(f);
            if (f.key == "run") {
                auto add = [&](int n, const std::string& raw) {
                    auto parsed = script::parse_line(raw, n);
                    if (auto* e = std::get_if<script::ParseError>(&parsed)) fail(n, static_cast<size_t>(e->pos.col - 1), e->message);
                    script::Line& line = std::get<script::Line>(parsed);
                    if (std::holds_alternative<script::Empty>(line)) return;
                    RunLine rl;
                    rl.line = n;
                    if (auto* s = std::get_if<script::Statement>(&line)) {
                        const script::CommandSpec* spec = script::find_command(s->call);
                        if (!spec) fail(n, static_cast<size_t>(s->call_pos.col - 1), "unknown call '" + s->call + "'");
                        rl.is_call = spec->kind != script::CmdKind::Meta;
                    }
                    rl.parsed = std::move(line);
                    st.run.push_back(std::move(rl));
                };
                std::string inline_part = f.first.substr(f.value_at);
                if (!trim(inline_part).empty()) add(f.line, std::string(f.value_at, ' ') + inline_part);
                for (const auto& [n, raw] : f.more) add(n, raw);
                continue;
            }
            if (f.key == "expect") {
                st.expects.push_back(parse_condition(f, f.value_at));
                continue;
            }
            if (f.key == "answer") {
                if (!f.more.empty()) fail(f.more.front().first, 0, "'answer:' fits on one line");
                answer = &f;
                continue;
            }
            if (f.key == "choice" || f.key == "choice.zh") {
                if (!f.more.empty()) fail(f.more.front().first, 0, "'" + f.key + ":' fits on one line");
                std::string v = f.first.substr(f.value_at);
                size_t kb = v.find_first_not_of(" \t");
                if (kb == std::string::npos) fail(f.line, f.value_at, "expected 'KEY TEXT' after '" + f.key + ":'");
                size_t ke = v.find_first_of(" \t", kb);
                std::string key = v.substr(kb, ke == std::string::npos ? std::string::npos : ke - kb);
                std::string rest = ke == std::string::npos ? "" : v.substr(ke);
                if (trim(rest).empty()) fail(f.line, f.value_at + kb, "a choice needs a key and a text: 'a  the SYN queue'");
                if (f.key == "choice.zh") {
                    choice_zh.emplace_back(&f, key);
                    continue;
                }
                if (!st.ask) st.ask.emplace();
                for (const Choice& ch : st.ask->choices)
                    if (ch.key == key) fail(f.line, f.value_at + kb, "a second choice '" + key + "'");
                Choice ch;
                ch.pos = Pos{f.line, static_cast<int>(f.value_at + kb) + 1};
                ch.key = key;
                size_t when = rest.rfind(" when ");
                if (when == std::string::npos) when = rest.rfind("\twhen ");
                if (when != std::string::npos) {
                    size_t at = f.value_at + ke + when + 6;
                    try {
                        ExprParser p(f.first, at, f.first.size(), f.line);
                        ch.when = p.condition();
                    } catch (const ExprError& e) {
                        fail(f.line, e.at, e.msg);
                    }
                    rest = rest.substr(0, when);
                }
                ch.text.en = trim(rest);
                st.ask->choices.push_back(std::move(ch));
                continue;
            }
            if (t.empty()) fail(f.line, f.value_at, "'" + f.key + ":' is empty");
            if (f.key == "step.zh") st.title.zh = t;
            else if (f.key == "say") st.say.en = t;
            else if (f.key == "say.zh") st.say.zh = t;
            else if (f.key == "after") st.after.en = t;
            else if (f.key == "after.zh") st.after.zh = t;
            else if (f.key == "ask" || f.key == "ask.zh") {
                if (!st.ask) st.ask.emplace();
                (f.key == "ask" ? st.ask->question.en : st.ask->question.zh) = t;
                if (f.key == "ask") st.ask->pos = Pos{f.line, 1};
            }
        }
        finish_step(st, seen, answer, choice_zh);
        l.steps.push_back(std::move(st));
    }
    return l;
}

void FileParser::finish_step(Step& st, const std::map<std::string, int>& seen, const RawField* answer,
                             const std::vector<std::pair<const RawField*, std::string>>& choice_zh) {
    int at = st.pos.line;
    std::string name = "step '" + st.title.en + "'";
    auto need = [&](const char* k, const char* why) {
        if (!seen.count(k)) fail(at, 0, name + " has no '" + k + ":' (" + why + ")");
    };
    need("step.zh", "every text comes in English and Chinese");
    need("say", "the narration before the step runs");
    need("say.zh", "every text comes in English and Chinese");
    if (seen.count("after")) need("after.zh", "every text comes in English and Chinese");
    if (seen.count("after.zh")) need("after", "every text comes in English and Chinese");
    for (const auto& [f, key] : choice_zh) {
        Choice* c = nullptr;
        if (st.ask)
            for (Choice& ch : st.ask->choices)
                if (ch.key == key) c = &ch;
        if (!c) fail(f->line, f->value_at, "choice.zh '" + key + "' has no English 'choice: " + key + " ...' before it");
        if (!c->text.zh.empty()) fail(f->line, f->value_at, "a second choice.zh '" + key + "'");
        std::string v = f->first.substr(f->value_at);
        size_t kb = v.find(key);
        c->text.zh = trim(v.substr(kb + key.size()));
    }
    if (!st.ask) {
        if (answer) fail(answer->line, 0, "'answer:' without a question ('ask:')");
        return;
    }
    Checkpoint& cp = *st.ask;
    if (cp.question.en.empty())
        fail(cp.choices.empty() ? at : cp.choices.front().pos.line, 0,
             cp.choices.empty() ? "'ask.zh:' without the English question ('ask:')" : "choices without a question ('ask:')");
    need("ask.zh", "every text comes in English and Chinese");
    for (const Choice& c : cp.choices)
        if (c.text.zh.empty())
            fail(c.pos.line, 0, "choice '" + c.key + "' has no 'choice.zh: " + c.key + " ...' (every text comes in English and Chinese)");
    if (!cp.choices.empty()) {
        cp.kind = Checkpoint::Kind::Choice;
        size_t with = std::count_if(cp.choices.begin(), cp.choices.end(), [](const Choice& c) { return c.when.has_value(); });
        if (with != 0 && with != cp.choices.size())
            fail(cp.pos.line, 0, "either every choice has a 'when' condition or none has (then 'answer: KEY' names the right one)");
        if (cp.choices.size() < 2) fail(cp.choices.front().pos.line, 0, "a question with choices needs at least two");
        if (with == 0) {
            if (!answer) fail(cp.pos.line, 0, "the choices have no 'when' conditions, so the step needs 'answer: KEY'");
            std::string key = trim(answer->first.substr(answer->value_at));
            bool found = false;
            for (const Choice& c : cp.choices) found = found || c.key == key;
            size_t kat = answer->first.find_first_not_of(" \t", answer->value_at);
            if (!found) fail(answer->line, kat, "'" + key + "' is not one of the choices");
            cp.stated = key;
        } else if (answer) {
            fail(answer->line, 0, "the choices' 'when' conditions already give the answer; drop 'answer:'");
        }
        return;
    }
    if (!answer) fail(cp.pos.line, 0, "a question needs 'answer:' (result, a value such as acceptq(s), or choices)");
    std::string a = trim(answer->first.substr(answer->value_at));
    if (a == "result") {
        cp.kind = Checkpoint::Kind::Result;
        return;
    }
    try {
        ExprParser p(answer->first, answer->value_at, answer->first.size(), answer->line);
        cp.kind = Checkpoint::Kind::Value;
        cp.value = p.value_only(&cp.task);
    } catch (const ExprError& e) {
        fail(answer->line, e.at, e.msg);
    }
}

}  // namespace

std::variant<Lesson, std::string> parse_lesson(std::string_view text, const std::string& file, const std::string& name) {
    try {
        FileParser p(text, file);
        Lesson l = p.run();
        l.file = file;
        l.name = name;
        return l;
    } catch (const LessonError& e) {
        return error_at(file, e.pos, e.msg);
    }
}

// ============================================================ names

std::string lesson_name(std::string_view path) {
    size_t slash = path.find_last_of("/\\");
    if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
    if (path.size() > 7 && path.substr(path.size() - 7) == ".lesson") path.remove_suffix(7);
    return std::string(path);
}

bool name_matches(std::string_view name, std::string_view want) {
    if (want.empty()) return false;
    if (name == want) return true;
    size_t d = 0;
    while (d < name.size() && std::isdigit(static_cast<unsigned char>(name[d]))) ++d;
    if (d == 0) return false;
    if (d < name.size() && (name[d] == '-' || name[d] == '_') && name.substr(d + 1) == want) return true;
    if (std::all_of(want.begin(), want.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
        want.size() < 9)
        return std::stoi(std::string(want)) == std::stoi(std::string(name.substr(0, std::min<size_t>(d, 8))));
    return false;
}

// ============================================================ values and grading

std::string show_value(const Value& v) {
    switch (v.kind) {
    case Value::Kind::Blocked: return "blocks";
    case Value::Kind::Choice: return v.choice;
    default: break;
    }
    if (v.err) return script::format_result(script::Result{v.v, v.err});
    if (v.kind == Value::Kind::TcpState)
        if (const char* n = script::tcp_state_name(static_cast<int>(v.v))) return n;
    if (v.kind == Value::Kind::SockState)
        if (const char* n = script::socket_state_name(static_cast<int>(v.v))) return n;
    return std::to_string(v.v);
}

namespace {

std::optional<int64_t> parse_int(const std::string& s) {
    if (s.empty()) return std::nullopt;
    try {
        size_t used = 0;
        int64_t v = std::stoll(s, &used, 0);
        if (used == s.size()) return v;
    } catch (...) {
    }
    return std::nullopt;
}

bool contains_any(const std::string& s, std::initializer_list<const char*> words) {
    for (const char* w : words)
        if (s.find(w) != std::string::npos) return true;
    return false;
}

}  // namespace

Grade grade(const Checkpoint& cp, const Value& correct, std::string_view typed) {
    Grade g;
    g.correct = show_value(correct);
    std::string t = trim(typed);
    if (t.empty()) return g;
    g.answered = true;
    std::string u = upper(t);
    for (char& c : u)
        if (c == '-' && &c != &u[0]) c = '_';
    switch (correct.kind) {
    case Value::Kind::Choice: {
        if (u == upper(correct.choice)) g.right = true;
        for (const Choice& c : cp.choices)
            if (c.key == correct.choice && (t == c.text.en || t == c.text.zh)) g.right = true;
        return g;
    }
    case Value::Kind::Blocked: {
        std::string l = t;
        for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        g.right = contains_any(l, {"block", "sleep", "wait", "阻塞", "睡", "等待"});
        return g;
    }
    default: break;
    }
    if (correct.err) {
        std::string name = upper(t);
        if (name.rfind("-1", 0) == 0) name = trim(name.substr(2));  // "-1 EINVAL"
        if (auto e = script::errno_from_name(name)) g.right = *e == correct.err;
        return g;
    }
    if (auto n = parse_int(t)) {
        g.right = *n == correct.v;
        return g;
    }
    std::vector<std::string> names = {u};
    if (correct.kind == Value::Kind::TcpState) names.push_back("TCP_" + u);
    if (correct.kind == Value::Kind::SockState) names.push_back("SS_" + u);
    for (const std::string& n : names)
        if (auto c = script::lookup_constant(n)) g.right = g.right || *c == correct.v;
    return g;
}

// ============================================================ the runner

bool StepResult::ok() const {
    if (script_error || !problems.empty() || !answer_error.empty()) return false;
    return std::all_of(checks.begin(), checks.end(), [](const CheckOutcome& c) { return c.ok; });
}

Runner::Runner(const Lesson& l, World boot) : lesson_(&l) {
    history_ = std::make_unique<History>(std::move(boot));
    interp_ = std::make_unique<script::Interp>(*history_);
    interp_->print = [this](const std::string& s) { on_print(s); };
}

Runner::~Runner() = default;

void Runner::on_print(const std::string& s) {
    partial_ += s;
    size_t nl;
    while ((nl = partial_.find('\n')) != std::string::npos) {
        if (sink_) sink_->push_back(partial_.substr(0, nl));
        partial_.erase(0, nl + 1);
    }
}

std::optional<TaskId> Runner::task_of(const std::string& name, const Pos& p, std::string* err) {
    if (name.empty() || name == "main") return interp_->main_task();
    auto it = interp_->tasks.find(name);
    if (it == interp_->tasks.end()) {
        *err = error_at(lesson_->file, p, "unknown task '" + name + "' (tasks are named by a TASK: prefix, thread(), fork() or spawn())");
        return std::nullopt;
    }
    return it->second;
}

std::optional<Value> Runner::term_value(const Term& t, const std::string& task, Value::Kind* kind, std::string* err) {
    World& w = interp_->world();
    auto fail_at = [&](const std::string& msg) -> std::optional<Value> {
        *err = error_at(lesson_->file, t.pos, msg);
        return std::nullopt;
    };
    switch (t.kind) {
    case Term::Kind::Number: return Value{Value::Kind::Number, t.number, 0, ""};
    case Term::Kind::Errno: return Value{Value::Kind::Number, -1, *script::errno_from_name(t.name), ""};
    case Term::Kind::Name: {
        if (auto it = interp_->vars.find(t.name); it != interp_->vars.end()) return Value{Value::Kind::Number, it->second, 0, ""};
        if (auto c = script::lookup_constant(t.name)) return Value{Value::Kind::Number, *c, 0, ""};
        return fail_at("unknown name '" + t.name + "' (not bound by an earlier step, not a constant)");
    }
    case Term::Kind::Result:
        if (!last_) return fail_at("'result' is the result of the step's last call, and this step has made none yet");
        *kind = last_->kind;
        return *last_;
    case Term::Kind::Query: {
        std::optional<TaskId> tid = task_of(task, t.pos, err);
        if (!tid) return std::nullopt;
        if (!w.tasks.contains(*tid))
            return fail_at("task '" + (task.empty() ? std::string("main") : task) + "' has exited; its fds are gone");
        script::Statement s = t.query;
        s.task = task;
        std::vector<std::string> lines;
        std::vector<std::string>* saved = sink_;
        sink_ = &lines;
        bool echo = interp_->echo;
        interp_->echo = false;
        script::Result before = interp_->last_result;
        bool ok = interp_->run_line(script::Line{s}, lesson_->file);
        script::Result r = interp_->last_result;
        interp_->last_result = before;
        interp_->echo = echo;
        sink_ = saved;
        if (!ok) {
            *err = lines.empty() ? error_at(lesson_->file, t.pos, "the query failed") : lines.front();
            return std::nullopt;
        }
        if (t.name == "tcp_state") *kind = Value::Kind::TcpState;
        return Value{*kind, r.value, r.err, ""};
    }
    case Term::Kind::Builtin: {
        std::vector<int64_t> a;
        for (const ValueExpr& v : t.args) {
            Value x = eval(v, task, err);
            if (!err->empty()) return std::nullopt;
            if (x.err) return fail_at("an argument of " + t.name + "() failed: " + show_value(x));
            a.push_back(x.v);
        }
        if (t.name == "sockets") return Value{Value::Kind::Number, static_cast<int64_t>(w.sockets.size()), 0, ""};
        if (t.name == "files") return Value{Value::Kind::Number, static_cast<int64_t>(w.files.size()), 0, ""};
        if (t.name == "timewait") {
            int64_t n = 0;
            w.tws.each([&](TwId, const TimewaitSock& tw) {
                if (a.empty() || tw.tw_num == a[0]) ++n;
            });
            return Value{Value::Kind::Number, n, 0, ""};
        }
        // fd readings
        std::optional<TaskId> tid = task_of(task, t.pos, err);
        if (!tid) return std::nullopt;
        auto failed = [](int e) { return Value{Value::Kind::Number, -1, e, ""}; };
        if (!w.tasks.contains(*tid) || !w.tasks[*tid].files) return failed(EBADF);
        const FilesStruct& fs = w.files_structs[w.tasks[*tid].files];
        int64_t fd = a[0];
        if (fd < 0 || fd >= static_cast<int64_t>(fs.fd.size()) || !fs.fd[static_cast<size_t>(fd)]) return failed(EBADF);
        const File& f = w.files[fs.fd[static_cast<size_t>(fd)]];
        if (t.name == "f_count") return Value{Value::Kind::Number, f.f_count, 0, ""};
        if (f.f_op != FileOps::socket_file_ops) return failed(ENOTSOCK);
        const Socket& so = w.sockets[f.private_data];
        if (t.name == "sock_state") {
            *kind = Value::Kind::SockState;
            return Value{Value::Kind::SockState, so.state, 0, ""};
        }
        if (t.name == "waiters") return Value{Value::Kind::Number, static_cast<int64_t>(so.wq.size()), 0, ""};
        return fail_at("no reading called " + t.name);
    }
    }
    return fail_at("bad term");
}

Value Runner::eval(const ValueExpr& v, const std::string& task, std::string* err) {
    err->clear();
    Value sum;
    for (size_t i = 0; i < v.terms.size(); ++i) {
        Value::Kind kind = Value::Kind::Number;
        std::optional<Value> x = term_value(v.terms[i], task, &kind, err);
        if (!x) return Value{};
        if (v.terms.size() == 1) {
            x->kind = x->kind == Value::Kind::Number ? kind : x->kind;
            return *x;
        }
        if (x->err) {
            *err = error_at(lesson_->file, v.terms[i].pos, "cannot do arithmetic with a failed call: " + show_value(*x));
            return Value{};
        }
        sum.v += v.terms[i].sign * x->v;
    }
    return sum;
}

bool Runner::holds(const Condition& c, std::string* detail, std::string* err) {
    if (!holds_atom(c, detail, err)) return false;
    for (const Condition& m : c.more)
        if (!holds_atom(m, detail, err)) {
            if (err->empty()) *detail = m.text + ": " + *detail;
            return false;
        }
    return true;
}

bool Runner::holds_atom(const Condition& c, std::string* detail, std::string* err) {
    err->clear();
    detail->clear();
    World& w = interp_->world();
    switch (c.kind) {
    case Condition::Kind::Compare: {
        Value l = eval(c.lhs, c.task, err);
        if (!err->empty()) return false;
        Value r = eval(c.rhs, c.task, err);
        if (!err->empty()) return false;
        if (r.kind == Value::Kind::Number && l.kind != Value::Kind::Number && !r.err) r.kind = l.kind;
        if (l.kind == Value::Kind::Number && r.kind != Value::Kind::Number && !l.err) l.kind = r.kind;
        bool ok;
        if (c.op == "==" || c.op == "!=") {
            bool eq = l.v == r.v && (l.err == 0 || r.err == 0 || l.err == r.err);
            ok = c.op == "==" ? eq : !eq;
        } else if (l.err || r.err) {
            ok = false;
        } else if (c.op == "<") {
            ok = l.v < r.v;
        } else if (c.op == "<=") {
            ok = l.v <= r.v;
        } else if (c.op == ">") {
            ok = l.v > r.v;
        } else {
            ok = l.v >= r.v;
        }
        if (!ok) {
            auto literal = [](const ValueExpr& v) {
                return v.terms.size() == 1 && v.terms[0].kind != Term::Kind::Query && v.terms[0].kind != Term::Kind::Builtin &&
                       v.terms[0].kind != Term::Kind::Result;
            };
            std::string shown = show_value(l);
            if (l.kind == Value::Kind::TcpState || l.kind == Value::Kind::SockState)
                if (!l.err) shown += " (" + std::to_string(l.v) + ")";
            *detail = "got " + shown;
            if (!literal(c.rhs)) *detail += ", and " + c.rhs.text + " is " + show_value(r);
        }
        return ok;
    }
    case Condition::Kind::Fd: {
        Value fd = eval(c.fd, c.task, err);
        if (!err->empty()) return false;
        std::optional<TaskId> tid = task_of(c.task, c.pos, err);
        if (!tid) return false;
        std::string state = "free";
        if (w.tasks.contains(*tid) && w.tasks[*tid].files) {
            const FilesStruct& fs = w.files_structs[w.tasks[*tid].files];
            size_t n = static_cast<size_t>(fd.v);
            if (fd.v >= 0 && n < fs.open_fds.size() && fs.open_fds[n]) {
                if (!fs.fd[n]) state = "reserved";
                else state = w.files[fs.fd[n]].f_op == FileOps::socket_file_ops ? "socket" : "open";
            }
        } else {
            *err = error_at(lesson_->file, c.pos, "the task has no fd table");
            return false;
        }
        bool ok = c.is == state || (c.is == "open" && state == "socket");
        if (!ok)
            *detail = state == "socket" ? "fd " + std::to_string(fd.v) + " is a socket"
                      : state == "open" ? "fd " + std::to_string(fd.v) + " is open (not a socket)"
                                        : "fd " + std::to_string(fd.v) + " is " + state;
        return ok;
    }
    case Condition::Kind::Task: {
        std::optional<TaskId> tid = task_of(c.task_name, c.pos, err);
        if (!tid) return false;
        std::string state = !w.tasks.contains(*tid)                          ? "gone"
                            : w.tasks[*tid].state == TASK_INTERRUPTIBLE      ? "asleep"
                            : w.tasks[*tid].state == TASK_DEAD               ? "gone"
                                                                             : "running";
        bool ok = state == c.is;
        if (!ok) *detail = "task " + c.task_name + " is " + state;
        return ok;
    }
    }
    return false;
}

StepResult Runner::run_next() {
    StepResult r;
    r.index = done();
    const Step& st = lesson_->steps[r.index];
    Mark m;
    m.steps = history_->step_count();
    m.interp = std::make_unique<script::Interp>(*interp_);
    m.taken = taken_.size();
    marks_.push_back(std::move(m));
    auto take = [&]() { taken_.push_back(Mark{history_->step_count(), std::make_unique<script::Interp>(*interp_), 0}); };
    take();
    r.first_step = marks_.back().steps;
    last_.reset();

    const std::string prefix = lesson_->file + ":";
    for (const RunLine& rl : st.run) {
        std::vector<std::string> lines;
        // a view (show(), ss() ...) prints no result line: name it above its output
        if (const auto* s = std::get_if<script::Statement>(&rl.parsed); s && !rl.is_call)
            lines.push_back((s->task.empty() ? "" : s->task + ": ") + s->text);
        sink_ = &lines;
        bool ok = interp_->run_line(rl.parsed, lesson_->file);
        sink_ = nullptr;
        for (std::string& l : lines) (l.rfind(prefix, 0) == 0 ? r.problems : r.output).push_back(std::move(l));
        take();
        if (!ok) {
            r.script_error = true;
            break;
        }
        if (rl.is_call) {
            const auto& s = std::get<script::Statement>(rl.parsed);
            if (interp_->last_slept) {
                last_ = Value{Value::Kind::Blocked, 0, 0, ""};
            } else {
                const script::Result& res = interp_->last_result;
                Value v{Value::Kind::Number, res.value, res.err, ""};
                if (s.call == "tcp_state" && !res.err) v.kind = Value::Kind::TcpState;
                last_ = v;
            }
        }
    }
    r.end_step = history_->step_count();
    if (r.script_error) return r;

    for (const Condition& c : st.expects) {
        CheckOutcome o;
        o.pos = c.pos;
        o.text = c.text;
        std::string err;
        o.ok = holds(c, &o.detail, &err);
        if (!err.empty()) {
            o.ok = false;
            o.detail = err;
        }
        r.checks.push_back(std::move(o));
    }

    if (st.ask) {
        const Checkpoint& cp = *st.ask;
        std::string err;
        switch (cp.kind) {
        case Checkpoint::Kind::Result:
            if (last_) r.answer = *last_;
            else r.answer_error = error_at(lesson_->file, cp.pos, "'answer: result' but the step makes no call");
            break;
        case Checkpoint::Kind::Value: {
            Value v = eval(cp.value, cp.task, &err);
            if (err.empty()) r.answer = v;
            else r.answer_error = err;
            break;
        }
        case Checkpoint::Kind::Choice: {
            if (!cp.stated.empty()) {
                r.answer = Value{Value::Kind::Choice, 0, 0, cp.stated};
                break;
            }
            std::vector<std::string> hold;
            for (const Choice& c : cp.choices) {
                std::string detail;
                bool h = holds(*c.when, &detail, &err);
                if (!err.empty()) break;
                if (h) hold.push_back(c.key);
            }
            if (!err.empty()) {
                r.answer_error = err;
            } else if (hold.size() == 1) {
                r.answer = Value{Value::Kind::Choice, 0, 0, hold[0]};
            } else {
                std::string keys;
                for (const std::string& k : hold) keys += (keys.empty() ? "" : ", ") + k;
                r.answer_error = lesson_->file + ":" + std::to_string(cp.pos.line) + ": checkpoint: " +
                                 (hold.empty() ? std::string("no choice's condition holds")
                                               : std::to_string(hold.size()) + " choices hold (" + keys + ")") +
                                 "; exactly one must";
            }
            break;
        }
        }
    }
    return r;
}

bool Runner::back_to(size_t index) {
    if (index >= marks_.size()) return false;
    Mark& m = marks_[index];
    if (m.steps < history_->step_count() && !history_->branch_at(m.steps)) return false;
    interp_ = std::make_unique<script::Interp>(*m.interp);
    interp_->print = [this](const std::string& s) { on_print(s); };
    taken_.resize(m.taken);
    marks_.resize(index);
    last_.reset();
    return true;
}

Runner::Handoff Runner::release() {
    Handoff h;
    for (Mark& m : taken_) h.earlier.push_back(Handoff::At{m.steps, std::move(m.interp)});
    marks_.clear();
    taken_.clear();
    // The interpreters print through this runner; the receiver sets its own.
    auto quiet = [](const std::string&) {};
    interp_->print = quiet;
    for (auto& a : h.earlier) a.interp->print = quiet;
    h.interp = std::move(interp_);
    h.history = std::move(history_);
    last_.reset();
    return h;
}

std::vector<std::string> Runner::finish() {
    std::vector<std::string> lines, out;
    sink_ = &lines;
    interp_->finish(lesson_->file);
    sink_ = nullptr;
    const std::string prefix = lesson_->file + ":";
    for (std::string& l : lines)
        if (l.rfind(prefix, 0) == 0) out.push_back(std::move(l));
    return out;
}

// ============================================================ check_lesson

CheckReport check_lesson(const Lesson& l) {
    CheckReport rep;
    Runner run(l);
    while (!run.finished()) {
        StepResult r = run.run_next();
        ++rep.steps;
        for (const std::string& p : r.problems) rep.messages.push_back(p);
        if (r.script_error) {
            rep.messages.push_back(l.file + ":" + std::to_string(l.steps[r.index].pos.line) +
                                   ": the step stopped at a script error; the rest of the lesson was not run");
            break;
        }
        for (const CheckOutcome& c : r.checks) {
            ++rep.checks;
            if (!c.ok)
                rep.messages.push_back(c.detail.rfind(l.file + ":", 0) == 0
                                           ? c.detail
                                           : l.file + ":" + std::to_string(c.pos.line) + ": expect " + c.text + ": " + c.detail);
        }
        if (l.steps[r.index].ask) {
            ++rep.checkpoints;
            if (!r.answer_error.empty()) rep.messages.push_back(r.answer_error);
        }
    }
    for (const std::string& m : run.finish()) rep.messages.push_back(m);
    rep.ok = rep.messages.empty();
    return rep;
}

}  // namespace sockscope::lesson
