// Tests for core/script/report.cpp: the printed form of a script run.
#include <gtest/gtest.h>

#include <string>

#include "script/parser.h"
#include "script/report.h"

using namespace sockscope::script;

namespace {

Statement stmt(std::string_view text, int lineno = 1) {
    auto r = parse_line(text, lineno);
    EXPECT_TRUE(std::holds_alternative<Line>(r)) << text;
    if (!std::holds_alternative<Line>(r)) return {};
    const Line& l = std::get<Line>(r);
    EXPECT_TRUE(std::holds_alternative<Statement>(l)) << text;
    if (!std::holds_alternative<Statement>(l)) return {};
    return std::get<Statement>(l);
}

Expect expect(int64_t v, std::string name = "") {
    Expect e;
    e.value = v;
    e.errname = std::move(name);
    return e;
}

}  // namespace

TEST(ScriptReport, ASuccessPrintsItsValue) {
    EXPECT_EQ(format_result(Result::ok(3)), "3");
    EXPECT_EQ(format_result(Result::ok(0)), "0");
    EXPECT_EQ(format_result(Result::ok(2050)), "2050");
    EXPECT_EQ(format_result(Result::ok(-7)), "-7");
}

TEST(ScriptReport, AFailurePrintsMinusOneAndTheErrnoName) {
    EXPECT_EQ(format_result(Result::fail(98)), "-1 EADDRINUSE");
    EXPECT_EQ(format_result(Result::fail(11)), "-1 EAGAIN");
}

TEST(ScriptReport, AnUnnamedErrnoPrintsItsNumber) {
    EXPECT_EQ(format_result(Result::fail(123)), "-1 E123");
}

TEST(ScriptReport, TheCallLineEchoesTheStatementTextAsWritten) {
    Statement s = stmt("fd = socket(AF_INET,  SOCK_STREAM, 0) = 3   # comment");
    EXPECT_EQ(format_call_line(s, Result::ok(3)), "fd = socket(AF_INET,  SOCK_STREAM, 0) = 3");
    Statement b = stmt("bind(fd, 0.0.0.0:80) = 0");
    EXPECT_EQ(format_call_line(b, Result::fail(98)), "bind(fd, 0.0.0.0:80) = -1 EADDRINUSE");
}

TEST(ScriptReport, TheCallLineKeepsTheTaskPrefix) {
    Statement s = stmt("B: accept(3)");
    EXPECT_EQ(format_call_line(s, Result::ok(4)), "B: accept(3) = 4");
}

TEST(ScriptReport, AValueExpectationMatchesOnlyThatValue) {
    EXPECT_TRUE(expect_matches(expect(3), Result::ok(3)));
    EXPECT_FALSE(expect_matches(expect(3), Result::ok(4)));
    EXPECT_FALSE(expect_matches(expect(0), Result::fail(22)));
}

TEST(ScriptReport, AnErrnoExpectationMatchesOnlyThatErrno) {
    EXPECT_TRUE(expect_matches(expect(-1, "EINVAL"), Result::fail(22)));
    EXPECT_FALSE(expect_matches(expect(-1, "EINVAL"), Result::fail(9)));
    EXPECT_FALSE(expect_matches(expect(-1, "EINVAL"), Result::ok(0)));
    EXPECT_FALSE(expect_matches(expect(-1, "EINVAL"), Result{-1, 0}));
}

TEST(ScriptReport, AnAliasErrnoNameMatchesItsNumber) {
    EXPECT_TRUE(expect_matches(expect(-1, "EWOULDBLOCK"), Result::fail(11)));
}

TEST(ScriptReport, MinusOneWithoutANameMatchesAnyFailure) {
    EXPECT_TRUE(expect_matches(expect(-1), Result::fail(22)));
    EXPECT_TRUE(expect_matches(expect(-1), Result::fail(98)));
    EXPECT_FALSE(expect_matches(expect(-1), Result::ok(0)));
}

TEST(ScriptReport, AnExpectationPrintsAsWritten) {
    EXPECT_EQ(format_expect(expect(0)), "0");
    EXPECT_EQ(format_expect(expect(-1, "EADDRINUSE")), "-1 EADDRINUSE");
    EXPECT_EQ(format_expect(expect(-1, "EWOULDBLOCK")), "-1 EWOULDBLOCK");
    EXPECT_EQ(format_expect(expect(-1)), "-1");
}

TEST(ScriptReport, AMismatchNamesFileLineExpectationAndResult) {
    Statement s = stmt("bind(4, 0.0.0.0:80) = 0", 7);
    EXPECT_EQ(format_mismatch("t.sock", s, Result::fail(98)),
              "t.sock:7: expected 0, got -1 EADDRINUSE");
    Statement f = stmt("listen(9, 5) = -1 EBADF", 12);
    EXPECT_EQ(format_mismatch("dir/x.sock", f, Result::ok(0)),
              "dir/x.sock:12: expected -1 EBADF, got 0");
}

TEST(ScriptReport, TheSummaryCountsPassedAndFailed) {
    EXPECT_EQ(format_summary(12, 1), "12 passed, 1 failed");
    EXPECT_EQ(format_summary(0, 0), "0 passed, 0 failed");
}

TEST(ScriptReport, AnErrorNamesFileLineAndColumn) {
    EXPECT_EQ(format_error("t.sock", Pos{3, 14}, "unknown name 'fdx'"),
              "t.sock:3:14: error: unknown name 'fdx'");
}

TEST(ScriptReport, ResultsCompareByValueAndErrno) {
    EXPECT_EQ(Result::ok(3), Result::ok(3));
    EXPECT_NE(Result::ok(3), Result::ok(4));
    EXPECT_EQ(Result::fail(9), (Result{-1, 9}));
    EXPECT_NE(Result::fail(9), Result::fail(22));
}
