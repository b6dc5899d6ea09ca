// fuzz_script_parser.cpp — libFuzzer target for the script parser
// (core/script/parser.cpp), and for running what it parses.
//
// The parser reads whatever a student types and every file a classmate
// sends, so any byte sequence must come back as lines or as one error with a
// position inside the text. Beyond "no crash, no leak, no UB" this checks
// what callers rely on: an error's line and column point into the input (the
// REPL draws a caret there), and a whole program parses to the same answer as
// parse_line on each line. A program that parses (up to kMaxRunLines lines)
// then runs as `sockscope run --check` runs it: the invariant checker after
// every step, and a line the interpreter refuses must leave the world and
// the history exactly as they were.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "history.h"
#include "invariants.h"
#include "script/interp.h"
#include "script/parser.h"
#include "script/report.h"

using namespace sockscope;
using namespace sockscope::script;

namespace {

constexpr size_t kMaxRunLines = 64;

[[noreturn]] void fail(const char* what, const std::string& detail) {
    std::fprintf(stderr, "fuzz_script_parser: %s: %s\n", what, detail.c_str());
    std::abort();
}

void check_parser(std::string_view text, const std::variant<Program, ParseError>& whole) {
    int lineno = 0;
    size_t begin = 0;
    bool had_error = false;
    while (begin <= text.size() && !had_error) {
        size_t nl = text.find('\n', begin);
        size_t end = nl == std::string_view::npos ? text.size() : nl;
        std::string_view line = text.substr(begin, end - begin);
        ++lineno;
        auto one = parse_line(line, lineno);
        if (auto* e = std::get_if<ParseError>(&one)) {
            had_error = true;
            if (e->pos.line != lineno) fail("error on the wrong line", e->message);
            // A column may point one past the end (a missing ')' at the end).
            if (e->pos.col < 1 || static_cast<size_t>(e->pos.col) > line.size() + 1)
                fail("error column outside the line", e->message);
            if (e->message.empty()) fail("error without a message", std::string(line));
            auto* pe = std::get_if<ParseError>(&whole);
            if (!pe) fail("a line fails alone but the program parses", std::string(line));
            if (pe->pos.line != e->pos.line || pe->pos.col != e->pos.col || pe->message != e->message)
                fail("program and line disagree on the error", pe->message + " vs " + e->message);
            (void)format_error("fuzz.sock", e->pos, e->message);
        }
        if (nl == std::string_view::npos) break;
        begin = nl + 1;
    }
    if (!had_error && std::holds_alternative<ParseError>(whole))
        fail("the program fails but every line parses", std::get<ParseError>(whole).message);
}

void run_program(const Program& p) {
    History h;
    Interp in(h);
    in.echo = true;
    std::string out;
    in.print = [&](const std::string& s) {
        if (out.size() < 4096) out += s;
    };
    h.live().after_step = [&](const Machine& m) {
        auto v = check_invariants(m.k.w);
        if (!v.empty()) fail("invariant broken", v.front() + " after step " + std::to_string(h.step_count()));
    };
    for (const Line& line : p.lines) {
        const auto* st = std::get_if<Statement>(&line);
        World before = h.live().k.w;
        uint64_t steps = h.step_count();
        if (!in.run_line(line, p.file)) {
            if (h.step_count() != steps)
                fail("a refused line took a step", st ? st->text : "(directive)");
            if (!(h.live().k.w == before)) fail("a refused line changed the world", st ? st->text : "(directive)");
        }
    }
    in.finish(p.file);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto whole = parse_program(text, "fuzz.sock");
    check_parser(text, whole);
    if (auto* p = std::get_if<Program>(&whole); p && p->lines.size() <= kMaxRunLines) run_program(*p);
    return 0;
}
