// parser.h — text to script::Line, with the first error's line and column.
//
// A pure function of its input: no names are resolved and nothing is run.
// Both the model's interpreter and tests/diff/realrun.cpp parse with it, so
// the two sides of the differential suite read scripts identically.
#pragma once
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "script/ast.h"

namespace sockscope::script {

// Parses one line (without its newline). `lineno` is stored in every Pos.
std::variant<Line, ParseError> parse_line(std::string_view line, int lineno);

struct Program {
    std::string file;                // as given, for messages
    std::vector<Line> lines;         // index i holds line i+1
};

// Parses a whole file's text. On the first error, returns it; the caller
// prints "FILE:LINE:COL: error: MESSAGE".
std::variant<Program, ParseError> parse_program(std::string_view text,
                                                std::string file);

}  // namespace sockscope::script
