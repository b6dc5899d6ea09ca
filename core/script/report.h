// report.h — how a script run prints, shared by the model's runner and the
// real-kernel runner so their outputs can be compared byte for byte.
//
//   fd = socket(AF_INET, SOCK_STREAM, 0) = 3
//   bind(fd, 0.0.0.0:80) = -1 EADDRINUSE
//   t.sock:7: expected 0, got -1 EADDRINUSE
//   12 passed, 1 failed
#pragma once
#include <cstdint>
#include <string>

#include "script/ast.h"

namespace sockscope::script {

// A call's outcome: a value >= 0 (or any value when err == 0), or -1 with err.
struct Result {
    int64_t value = 0;
    int err = 0;  // 0 = success
    static Result ok(int64_t v) { return {v, 0}; }
    static Result fail(int e) { return {-1, e}; }
    bool operator==(const Result&) const = default;
};

// "3" or "-1 EADDRINUSE" (an unnamed errno prints as "-1 E123").
std::string format_result(const Result& r);
// The echo line: "<stmt.text> = <result>" (task prefix included in text).
std::string format_call_line(const Statement& s, const Result& r);
// Whether r satisfies e (value equal; errname, when given, names r.err).
bool expect_matches(const Expect& e, const Result& r);
// "expected 0" / "expected -1 EADDRINUSE"
std::string format_expect(const Expect& e);
// "FILE:LINE: expected X, got Y"
std::string format_mismatch(const std::string& file, const Statement& s,
                            const Result& r);
// "N passed, M failed"
std::string format_summary(int passed, int failed);
// "FILE:LINE:COL: error: MESSAGE"
std::string format_error(const std::string& file, const Pos& p,
                         const std::string& message);

}  // namespace sockscope::script
