// report.cpp — the printed form of a script run, shared by the model's
// runner and tests/diff/realrun so the two outputs compare byte for byte.
#include "script/report.h"

#include "script/constants.h"

namespace sockscope::script {

std::string format_result(const Result& r) {
    if (r.err == 0) return std::to_string(r.value);
    const char* name = errno_name(r.err);
    if (name) return std::string("-1 ") + name;
    return "-1 E" + std::to_string(r.err);
}

std::string format_call_line(const Statement& s, const Result& r) {
    return s.text + " = " + format_result(r);
}

bool expect_matches(const Expect& e, const Result& r) {
    if (e.value != r.value) return false;
    if (e.errname.empty()) return true;
    auto want = errno_from_name(e.errname);
    return want && r.err != 0 && *want == r.err;
}

std::string format_expect(const Expect& e) {
    std::string out = std::to_string(e.value);
    if (!e.errname.empty()) out += " " + e.errname;
    return out;
}

std::string format_mismatch(const std::string& file, const Statement& s,
                            const Result& r) {
    std::string head = file + ":" + std::to_string(s.pos.line) + ": ";
    if (!s.expect) return head + "expected nothing, got " + format_result(r);
    return head + "expected " + format_expect(*s.expect) + ", got " +
           format_result(r);
}

std::string format_summary(int passed, int failed) {
    return std::to_string(passed) + " passed, " + std::to_string(failed) +
           " failed";
}

std::string format_error(const std::string& file, const Pos& p,
                         const std::string& message) {
    return file + ":" + std::to_string(p.line) + ":" + std::to_string(p.col) +
           ": error: " + message;
}

}  // namespace sockscope::script
