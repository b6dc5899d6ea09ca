// parser.cpp — one line of script text to a script::Line.
//
//     [TASK:] [NAME =] CALL(ARG, ...) [= EXPECTED]    # comment
//     !directive words...
//
// A hand-written scanner over the bytes of the line. It never recurses and
// never reads past the end, so any input (binary junk, NULs, megabyte lines)
// ends in a Line or in a ParseError that names the first offending byte.
#include "script/parser.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "script/constants.h"

namespace sockscope::script {

namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_ident_start(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c) || c == '.'; }

// How a character is shown in a message: 'x' when printable, else \xNN.
std::string show_char(char c) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", u);
    return buf;
}

// Where the comment starts: the first '#' outside a double-quoted string.
// An unterminated string runs to the end of the line (and is reported by
// the string scanner).
size_t comment_start(std::string_view s) {
    bool in_str = false;
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (in_str) {
            if (c == '\\' && i + 1 < s.size())
                ++i;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '#') {
            return i;
        }
    }
    return s.size();
}

struct Fail {
    size_t at;  // 0-based byte offset
    std::string message;
};

class LineParser {
public:
    LineParser(std::string_view line, size_t end, int lineno)
        : s_(line.substr(0, end)), lineno_(lineno) {}

    std::variant<Line, ParseError> run();

private:
    std::string_view s_;
    int lineno_;
    size_t i_ = 0;
    std::optional<Fail> fail_;

    Pos pos(size_t at) const { return Pos{lineno_, static_cast<int>(at) + 1}; }
    bool at_end() const { return i_ >= s_.size(); }
    char peek() const { return at_end() ? '\0' : s_[i_]; }
    void skip_blanks() {
        while (!at_end() && is_blank(s_[i_])) ++i_;
    }
    // The offset just past the last non-blank byte: where something that is
    // missing at the end of a line would go.
    size_t end_of_text() const {
        size_t e = s_.size();
        while (e > 0 && is_blank(s_[e - 1])) --e;
        return e;
    }
    bool error(size_t at, std::string msg) {
        if (!fail_) fail_ = Fail{at, std::move(msg)};
        return false;
    }
    bool error_here(const std::string& what) {
        if (at_end()) return error(end_of_text(), what);
        return error(i_, what + ", found " + show_char(peek()));
    }

    std::string_view ident() {
        size_t b = i_;
        while (!at_end() && is_ident_char(s_[i_])) ++i_;
        return s_.substr(b, i_ - b);
    }

    bool parse_directive(Directive& d);
    bool parse_statement(Statement& st);
    bool parse_arg(Arg& a);
    bool parse_term(Term& t);
    bool parse_integer(int64_t& out);
    bool parse_addr(Arg& a);
    bool parse_string(Arg& a);
    bool parse_expect(Expect& e);
};

std::variant<Line, ParseError> LineParser::run() {
    skip_blanks();
    if (at_end()) return Line{Empty{}};
    bool ok;
    Line out;
    if (peek() == '!') {
        Directive d;
        ok = parse_directive(d);
        out = std::move(d);
    } else {
        Statement st;
        ok = parse_statement(st);
        out = std::move(st);
    }
    if (!ok) return ParseError{pos(fail_->at), fail_->message};
    return out;
}

bool LineParser::parse_directive(Directive& d) {
    d.pos = pos(i_);
    ++i_;  // '!'
    size_t b = i_;
    while (!at_end() && !is_blank(s_[i_])) ++i_;
    if (i_ == b) return error(b, "expected a directive name after '!'");
    d.name = std::string(s_.substr(b, i_ - b));
    skip_blanks();
    d.rest = std::string(s_.substr(i_, end_of_text() - std::min(i_, end_of_text())));
    while (true) {
        skip_blanks();
        if (at_end()) break;
        size_t w = i_;
        while (!at_end() && !is_blank(s_[i_])) ++i_;
        d.words.emplace_back(s_.substr(w, i_ - w));
    }
    return true;
}

bool LineParser::parse_statement(Statement& st) {
    const size_t start = i_;
    st.pos = pos(start);
    if (!is_ident_start(peek()))
        return error_here("expected a call name at the start of the line");
    size_t id_at = i_;
    std::string_view id = ident();

    // A task prefix is an identifier immediately followed by ':'.
    if (peek() == ':') {
        st.task = std::string(id);
        ++i_;
        skip_blanks();
        if (!is_ident_start(peek()))
            return error_here("expected a call name after the task prefix '" +
                              st.task + ":'");
        id_at = i_;
        id = ident();
    }
    skip_blanks();
    if (peek() == '=') {
        st.bind = std::string(id);
        ++i_;
        skip_blanks();
        if (!is_ident_start(peek()))
            return error_here("expected a call name after '" + st.bind + " ='");
        id_at = i_;
        id = ident();
        skip_blanks();
    }
    st.call = std::string(id);
    st.call_pos = pos(id_at);
    if (peek() != '(') {
        if (peek() == ':' && st.task.empty() && st.bind.empty())
            return error(i_, "a task prefix must follow the task name directly, "
                             "as in 'B: accept(3)'");
        return error_here("expected '(' after call name '" + st.call + "'");
    }
    ++i_;
    skip_blanks();
    if (peek() == ')') {
        ++i_;
    } else {
        while (true) {
            Arg a;
            if (!parse_arg(a)) return false;
            st.args.push_back(std::move(a));
            skip_blanks();
            if (peek() == ',') {
                ++i_;
                skip_blanks();
                if (at_end() || peek() == ')')
                    return error_here("expected an argument after ','");
                continue;
            }
            if (peek() == ')') {
                ++i_;
                break;
            }
            if (at_end()) return error(end_of_text(), "expected ')' after arguments");
            return error_here("expected ',' or ')' after an argument");
        }
    }
    st.text = std::string(s_.substr(start, i_ - start));

    skip_blanks();
    if (at_end()) return true;
    if (peek() != '=')
        return error_here("expected '= EXPECTED' or the end of the line after ')'");
    ++i_;
    skip_blanks();
    Expect e;
    if (!parse_expect(e)) return false;
    st.expect = std::move(e);
    skip_blanks();
    if (!at_end()) return error(i_, "unexpected text after expectation");
    return true;
}

// Reads a decimal or 0x-hex number with an optional leading '-'.
bool LineParser::parse_integer(int64_t& out) {
    const size_t start = i_;
    bool neg = false;
    if (peek() == '-') {
        neg = true;
        ++i_;
        if (!is_digit(peek())) return error_here("expected a number after '-'");
    }
    uint64_t mag = 0;
    const uint64_t limit = neg ? (uint64_t{1} << 63) : (uint64_t{1} << 63) - 1;
    bool over = false;
    if (peek() == '0' && i_ + 1 < s_.size() && (s_[i_ + 1] == 'x' || s_[i_ + 1] == 'X')) {
        i_ += 2;
        if (!is_hex(peek())) return error_here("expected hex digits after '0x'");
        while (!at_end() && is_hex(peek())) {
            char c = peek();
            unsigned d = is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
            if (mag > (limit - d) / 16) over = true;
            if (!over) mag = mag * 16 + d;
            ++i_;
        }
    } else {
        while (!at_end() && is_digit(peek())) {
            unsigned d = peek() - '0';
            if (mag > (limit - d) / 10) over = true;
            if (!over) mag = mag * 10 + d;
            ++i_;
        }
    }
    if (!at_end() && (is_ident_char(peek())))
        return error(i_, "malformed number: unexpected " + show_char(peek()));
    if (over) return error(start, "number out of range");
    if (neg)
        out = mag == (uint64_t{1} << 63) ? INT64_MIN : -static_cast<int64_t>(mag);
    else
        out = static_cast<int64_t>(mag);
    return true;
}

bool LineParser::parse_term(Term& t) {
    t.pos = pos(i_);
    char c = peek();
    if (is_ident_start(c)) {
        t.is_name = true;
        t.name = std::string(ident());
        return true;
    }
    if (is_digit(c) || c == '-') {
        t.is_name = false;
        return parse_integer(t.value);
    }
    return error_here("expected a name or a number");
}

bool LineParser::parse_addr(Arg& a) {
    // d.d.d.d:port, each octet 0-255, port 0-65535
    const size_t start = i_;
    uint32_t addr = 0;
    for (int k = 0; k < 4; ++k) {
        if (k > 0) {
            if (peek() != '.')
                return error_here("malformed IPv4 address: expected 4 octets");
            ++i_;
        }
        size_t ob = i_;
        if (!is_digit(peek())) return error_here("malformed IPv4 address: expected an octet");
        unsigned v = 0;
        while (!at_end() && is_digit(peek())) {
            if (v <= 255) v = v * 10 + (peek() - '0');
            ++i_;
        }
        if (v > 255) return error(ob, "octet out of range (0-255)");
        addr = addr << 8 | v;
    }
    if (peek() == '.') return error(i_, "malformed IPv4 address: more than 4 octets");
    if (peek() != ':') return error_here("expected ':PORT' after the IPv4 address");
    ++i_;
    size_t pb = i_;
    if (!is_digit(peek())) return error_here("expected a port number after ':'");
    uint32_t port = 0;
    while (!at_end() && is_digit(peek())) {
        if (port <= 65535) port = port * 10 + (peek() - '0');
        ++i_;
    }
    if (!at_end() && is_ident_char(peek()))
        return error(i_, "malformed port number: unexpected " + show_char(peek()));
    if (port > 65535) return error(pb, "port out of range (0-65535)");
    a.kind = Arg::Kind::Addr;
    a.addr = addr;
    a.port = static_cast<uint16_t>(port);
    a.text = std::string(s_.substr(start, i_ - start));
    return true;
}

bool LineParser::parse_string(Arg& a) {
    const size_t start = i_;
    ++i_;  // opening quote
    std::string val;
    while (true) {
        if (at_end()) return error(start, "unterminated string");
        char c = s_[i_];
        if (c == '"') {
            ++i_;
            break;
        }
        if (c == '\\') {
            if (i_ + 1 >= s_.size()) return error(start, "unterminated string");
            char n = s_[i_ + 1];
            if (n != '"' && n != '\\')
                return error(i_, "unknown escape in string (only \\\" and \\\\ are allowed)");
            val.push_back(n);
            i_ += 2;
            continue;
        }
        val.push_back(c);
        ++i_;
    }
    a.kind = Arg::Kind::Str;
    a.text = std::move(val);
    return true;
}

bool LineParser::parse_arg(Arg& a) {
    a.pos = pos(i_);
    char c = peek();
    if (c == '"') return parse_string(a);
    if (is_digit(c)) {
        // An address if the leading run of digits is followed by '.'.
        size_t j = i_;
        while (j < s_.size() && is_digit(s_[j])) ++j;
        if (j < s_.size() && s_[j] == '.') return parse_addr(a);
    }
    if (!is_ident_start(c) && !is_digit(c) && c != '-')
        return error_here("expected an argument");
    const size_t start = i_;
    a.kind = Arg::Kind::Expr;
    while (true) {
        Term t;
        if (!parse_term(t)) return false;
        a.terms.push_back(std::move(t));
        size_t save = i_;
        skip_blanks();
        if (peek() != '|') {
            i_ = save;
            break;
        }
        ++i_;
        skip_blanks();
        if (!is_ident_start(peek()) && !is_digit(peek()) && peek() != '-')
            return error_here("expected a name or a number after '|'");
    }
    a.text = std::string(s_.substr(start, i_ - start));
    return true;
}

bool LineParser::parse_expect(Expect& e) {
    e.pos = pos(i_);
    char c = peek();
    if (at_end()) return error(end_of_text(), "expected a value after '='");
    if (is_ident_start(c)) {
        size_t at = i_;
        std::string name(ident());
        if (errno_from_name(name))
            return error(at, "a failure is written '-1 " + name + "', not '" + name + "'");
        return error(at, "expected a number or '-1 ERRNAME' after '=', found '" +
                             name + "'");
    }
    if (!is_digit(c) && c != '-')
        return error_here("expected a number or '-1 ERRNAME' after '='");
    if (!parse_integer(e.value)) return false;
    size_t save = i_;
    skip_blanks();
    if (is_ident_start(peek())) {
        size_t at = i_;
        std::string name(ident());
        if (e.value != -1) {
            if (errno_from_name(name))
                return error(at, "only -1 may be followed by an errno name");
            return error(at, "unexpected text after expectation");
        }
        if (!errno_from_name(name))
            return error(at, "unknown errno name '" + name + "'");
        e.errname = std::move(name);
        return true;
    }
    i_ = save;
    return true;
}

}  // namespace

std::variant<Line, ParseError> parse_line(std::string_view line, int lineno) {
    LineParser p(line, comment_start(line), lineno);
    return p.run();
}

std::variant<Program, ParseError> parse_program(std::string_view text,
                                                std::string file) {
    Program prog;
    prog.file = std::move(file);
    size_t b = 0;
    int lineno = 0;
    while (b < text.size()) {
        size_t e = text.find('\n', b);
        if (e == std::string_view::npos) e = text.size();
        std::string_view line = text.substr(b, e - b);
        ++lineno;
        auto r = parse_line(line, lineno);
        if (auto* err = std::get_if<ParseError>(&r)) return std::move(*err);
        prog.lines.push_back(std::move(std::get<Line>(r)));
        b = e + 1;
    }
    return prog;
}

}  // namespace sockscope::script
