// ast.h — the parsed form of one line of a sockscope script.
//
// The script language is a contract other tools rely on (issue 2):
//
//     [TASK:] [NAME =] CALL(ARG, ...) [= EXPECTED]    # comment
//     !directive words...
//
// The parser (parser.cpp) only shapes text into these records and reports
// the first syntax error with line and column; it resolves nothing. Names
// are resolved by whoever runs the statement (the model's interpreter, or the
// real-kernel runner in tests/diff), because a NAME may be bound at run time.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace sockscope::script {

struct Pos {
    int line = 0;  // 1-based
    int col = 0;   // 1-based, in bytes
};

// One term of an expression: `AF_INET`, `42`, `-1`, `0x800`, `fd`.
struct Term {
    Pos pos;
    bool is_name = false;
    std::string name;     // when is_name
    int64_t value = 0;    // when !is_name
};

// An argument. Kind::Expr is one or more terms joined by `|`
// (SOCK_STREAM|SOCK_NONBLOCK); Kind::Addr is an IPv4:port literal;
// Kind::Str is a double-quoted string (no escapes but \" and \\).
struct Arg {
    enum class Kind { Expr, Addr, Str } kind = Kind::Expr;
    Pos pos;
    std::vector<Term> terms;  // Expr
    uint32_t addr = 0;        // Addr, host byte order (127.0.0.1 = 0x7f000001)
    uint16_t port = 0;        // Addr
    std::string text;         // Str; for every kind also the source text
};

// `= 3` or `= -1 EADDRINUSE`.
struct Expect {
    Pos pos;
    int64_t value = 0;
    std::string errname;  // empty unless value == -1 and a name followed
};

struct Statement {
    Pos pos;                   // start of the line's first token
    std::string task;          // "" = the script's main process
    std::string bind;          // NAME in `NAME = call(...)`, or ""
    std::string call;          // function name
    Pos call_pos;
    std::vector<Arg> args;
    std::optional<Expect> expect;
    std::string text;          // source text without expectation and comment,
                               // trimmed: what the runner echoes
};

struct Directive {
    Pos pos;
    std::string name;                // word after '!'
    std::vector<std::string> words;  // the rest, split on blanks
    std::string rest;                // the rest, trimmed, as written
};

struct Empty {};

using Line = std::variant<Empty, Statement, Directive>;

struct ParseError {
    Pos pos;
    std::string message;  // e.g. "expected ')' after arguments"
};

}  // namespace sockscope::script
