// Tests for core/script/parser.cpp: the script grammar, its error messages
// and columns, and that no input can crash it.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "script/parser.h"

using namespace sockscope::script;

namespace {

// Parses a line that must parse; fails the test otherwise.
Line ok(std::string_view text, int lineno = 1) {
    auto r = parse_line(text, lineno);
    if (auto* e = std::get_if<ParseError>(&r)) {
        ADD_FAILURE() << "unexpected error at col " << e->pos.col << ": "
                      << e->message << "\n  in: " << text;
        return Empty{};
    }
    return std::get<Line>(r);
}

Statement stmt(std::string_view text) {
    Line l = ok(text);
    if (!std::holds_alternative<Statement>(l)) {
        ADD_FAILURE() << "not a statement: " << text;
        return {};
    }
    return std::get<Statement>(l);
}

Directive directive(std::string_view text) {
    Line l = ok(text);
    if (!std::holds_alternative<Directive>(l)) {
        ADD_FAILURE() << "not a directive: " << text;
        return {};
    }
    return std::get<Directive>(l);
}

// Parses a line that must fail; fails the test otherwise.
ParseError err(std::string_view text, int lineno = 1) {
    auto r = parse_line(text, lineno);
    if (!std::holds_alternative<ParseError>(r)) {
        ADD_FAILURE() << "expected an error for: " << text;
        return {};
    }
    return std::get<ParseError>(r);
}

}  // namespace

// ---- empty lines and comments ----

TEST(ScriptParser, ABlankLineIsEmpty) {
    EXPECT_TRUE(std::holds_alternative<Empty>(ok("")));
    EXPECT_TRUE(std::holds_alternative<Empty>(ok("   \t  ")));
}

TEST(ScriptParser, ACommentOnlyLineIsEmpty) {
    EXPECT_TRUE(std::holds_alternative<Empty>(ok("# just words")));
    EXPECT_TRUE(std::holds_alternative<Empty>(ok("    # indented comment (with parens)")));
}

TEST(ScriptParser, ACommentAfterAStatementIsIgnored) {
    Statement s = stmt("close(3) = 0   # release fd 3");
    EXPECT_EQ(s.call, "close");
    ASSERT_TRUE(s.expect.has_value());
    EXPECT_EQ(s.expect->value, 0);
    EXPECT_EQ(s.text, "close(3)");
}

TEST(ScriptParser, ACommentMayFollowTheClosingParenthesisDirectly) {
    Statement s = stmt("close(3)# no expectation");
    EXPECT_EQ(s.text, "close(3)");
    EXPECT_FALSE(s.expect.has_value());
}

// ---- statements ----

TEST(ScriptParser, ASimpleCallRecordsItsNameArgumentsAndPositions) {
    Statement s = stmt("  socket(AF_INET, SOCK_STREAM, 0)");
    EXPECT_EQ(s.pos.line, 1);
    EXPECT_EQ(s.pos.col, 3);
    EXPECT_EQ(s.task, "");
    EXPECT_EQ(s.bind, "");
    EXPECT_EQ(s.call, "socket");
    EXPECT_EQ(s.call_pos.col, 3);
    ASSERT_EQ(s.args.size(), 3u);
    EXPECT_EQ(s.args[0].kind, Arg::Kind::Expr);
    EXPECT_EQ(s.args[0].pos.col, 10);
    ASSERT_EQ(s.args[0].terms.size(), 1u);
    EXPECT_TRUE(s.args[0].terms[0].is_name);
    EXPECT_EQ(s.args[0].terms[0].name, "AF_INET");
    EXPECT_EQ(s.args[0].terms[0].pos.col, 10);
    EXPECT_EQ(s.args[1].pos.col, 19);
    EXPECT_EQ(s.args[1].text, "SOCK_STREAM");
    EXPECT_EQ(s.args[2].pos.col, 32);
    EXPECT_FALSE(s.args[2].terms[0].is_name);
    EXPECT_EQ(s.args[2].terms[0].value, 0);
    EXPECT_FALSE(s.expect.has_value());
}

TEST(ScriptParser, TheLineNumberIsStoredInEveryPosition) {
    Statement s = std::get<Statement>(std::get<Line>(parse_line("x = dup(3) = 4", 17)));
    EXPECT_EQ(s.pos.line, 17);
    EXPECT_EQ(s.call_pos.line, 17);
    EXPECT_EQ(s.args[0].pos.line, 17);
    EXPECT_EQ(s.args[0].terms[0].pos.line, 17);
    EXPECT_EQ(s.expect->pos.line, 17);
}

TEST(ScriptParser, ABindingNameIsRecordedAndTheCallFollowsIt) {
    Statement s = stmt("fd = socket(AF_INET, SOCK_STREAM, 0) = 3");
    EXPECT_EQ(s.bind, "fd");
    EXPECT_EQ(s.call, "socket");
    EXPECT_EQ(s.pos.col, 1);
    EXPECT_EQ(s.call_pos.col, 6);
    EXPECT_EQ(s.text, "fd = socket(AF_INET, SOCK_STREAM, 0)");
    ASSERT_TRUE(s.expect.has_value());
    EXPECT_EQ(s.expect->value, 3);
    EXPECT_EQ(s.expect->pos.col, 40);
}

TEST(ScriptParser, ABindingNeedsNoBlanksAroundTheEqualsSign) {
    Statement s = stmt("fd=socket(2,1,0)=3");
    EXPECT_EQ(s.bind, "fd");
    EXPECT_EQ(s.call, "socket");
    EXPECT_EQ(s.text, "fd=socket(2,1,0)");
    EXPECT_EQ(s.expect->value, 3);
}

TEST(ScriptParser, ATaskPrefixIsRecordedAndKeptInTheText) {
    Statement s = stmt("B: c = accept(3) = 4");
    EXPECT_EQ(s.task, "B");
    EXPECT_EQ(s.bind, "c");
    EXPECT_EQ(s.call, "accept");
    EXPECT_EQ(s.call_pos.col, 8);
    EXPECT_EQ(s.text, "B: c = accept(3)");
}

TEST(ScriptParser, ATaskPrefixNeedsNoBlankAfterTheColon) {
    Statement s = stmt("child:close(3)");
    EXPECT_EQ(s.task, "child");
    EXPECT_EQ(s.call, "close");
}

TEST(ScriptParser, AnAddressLiteralIsNotMistakenForATaskPrefix) {
    Statement s = stmt("connect(4, 127.0.0.1:80) = 0");
    EXPECT_EQ(s.task, "");
    EXPECT_EQ(s.call, "connect");
    ASSERT_EQ(s.args.size(), 2u);
    EXPECT_EQ(s.args[1].kind, Arg::Kind::Addr);
}

TEST(ScriptParser, ALineStartingWithAnAddressIsAnErrorNotATask) {
    ParseError e = err("127.0.0.1:80");
    EXPECT_EQ(e.pos.col, 1);
    EXPECT_EQ(e.message, "expected a call name at the start of the line, found '1'");
}

TEST(ScriptParser, ABlankBetweenTaskNameAndColonIsAnError) {
    ParseError e = err("B : accept(3)");
    EXPECT_EQ(e.pos.col, 3);
    EXPECT_EQ(e.message,
              "a task prefix must follow the task name directly, as in 'B: accept(3)'");
}

TEST(ScriptParser, ACallWithoutArgumentsIsAllowed) {
    Statement s = stmt("fork()");
    EXPECT_EQ(s.call, "fork");
    EXPECT_TRUE(s.args.empty());
    Statement t = stmt("fork(  ) = 0");
    EXPECT_TRUE(t.args.empty());
    EXPECT_EQ(t.text, "fork(  )");
}

TEST(ScriptParser, IdentifiersMayContainDigitsUnderscoresAndDots) {
    Statement s = stmt("_x1 = f(a.b_2, net.core.somaxconn)");
    EXPECT_EQ(s.bind, "_x1");
    EXPECT_EQ(s.args[0].terms[0].name, "a.b_2");
    EXPECT_EQ(s.args[1].terms[0].name, "net.core.somaxconn");
}

// ---- integer arguments ----

TEST(ScriptParser, IntegersMayBeDecimalNegativeOrHex) {
    Statement s = stmt("f(42, -1, 0x800, 0XfF, -0x10, 007)");
    ASSERT_EQ(s.args.size(), 6u);
    EXPECT_EQ(s.args[0].terms[0].value, 42);
    EXPECT_EQ(s.args[1].terms[0].value, -1);
    EXPECT_EQ(s.args[2].terms[0].value, 0x800);
    EXPECT_EQ(s.args[3].terms[0].value, 255);
    EXPECT_EQ(s.args[4].terms[0].value, -16);
    EXPECT_EQ(s.args[5].terms[0].value, 7);
    for (const Arg& a : s.args) EXPECT_FALSE(a.terms[0].is_name);
    EXPECT_EQ(s.args[2].text, "0x800");
}

TEST(ScriptParser, TheExtremesOfInt64AreAccepted) {
    Statement s = stmt("f(9223372036854775807, -9223372036854775808)");
    EXPECT_EQ(s.args[0].terms[0].value, INT64_MAX);
    EXPECT_EQ(s.args[1].terms[0].value, INT64_MIN);
}

TEST(ScriptParser, ANumberTooLargeIsRejectedAtItsFirstCharacter) {
    ParseError e = err("f(1, 9223372036854775808)");
    EXPECT_EQ(e.pos.col, 6);
    EXPECT_EQ(e.message, "number out of range");
    ParseError h = err("f(0x10000000000000000)");
    EXPECT_EQ(h.pos.col, 3);
    EXPECT_EQ(h.message, "number out of range");
}

TEST(ScriptParser, ANumberRunningIntoLettersIsMalformed) {
    ParseError e = err("f(12ab)");
    EXPECT_EQ(e.pos.col, 5);
    EXPECT_EQ(e.message, "malformed number: unexpected 'a'");
}

TEST(ScriptParser, HexWithoutDigitsIsRejected) {
    ParseError e = err("f(0x)");
    EXPECT_EQ(e.pos.col, 5);
    EXPECT_EQ(e.message, "expected hex digits after '0x', found ')'");
}

TEST(ScriptParser, AMinusSignMustBeFollowedByDigits) {
    ParseError e = err("f(-x)");
    EXPECT_EQ(e.pos.col, 4);
    EXPECT_EQ(e.message, "expected a number after '-', found 'x'");
}

// ---- expressions ----

TEST(ScriptParser, NamesJoinedByBarsFormOneExpression) {
    Statement s = stmt("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC, 0)");
    const Arg& a = s.args[1];
    EXPECT_EQ(a.kind, Arg::Kind::Expr);
    ASSERT_EQ(a.terms.size(), 3u);
    EXPECT_EQ(a.terms[0].name, "SOCK_STREAM");
    EXPECT_EQ(a.terms[1].name, "SOCK_NONBLOCK");
    EXPECT_EQ(a.terms[1].pos.col, 29);
    EXPECT_EQ(a.terms[2].name, "SOCK_CLOEXEC");
    EXPECT_EQ(a.terms[2].pos.col, 43);
    EXPECT_EQ(a.text, "SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC");
}

TEST(ScriptParser, IntegersMayBeTermsOfAnExpression) {
    Statement s = stmt("fcntl(3, F_SETFL, O_RDWR|0x800)");
    const Arg& a = s.args[2];
    ASSERT_EQ(a.terms.size(), 2u);
    EXPECT_TRUE(a.terms[0].is_name);
    EXPECT_FALSE(a.terms[1].is_name);
    EXPECT_EQ(a.terms[1].value, 0x800);
    EXPECT_EQ(a.terms[1].pos.col, 26);
}

TEST(ScriptParser, BlanksAroundABarAreAllowedAndKeptInTheText) {
    Statement s = stmt("f(SOCK_STREAM | 0x40)");
    ASSERT_EQ(s.args[0].terms.size(), 2u);
    EXPECT_EQ(s.args[0].text, "SOCK_STREAM | 0x40");
}

TEST(ScriptParser, ABarWithoutATermAfterItIsAnError) {
    ParseError e = err("f(SOCK_STREAM|)");
    EXPECT_EQ(e.pos.col, 15);
    EXPECT_EQ(e.message, "expected a name or a number after '|', found ')'");
}

// ---- address arguments ----

TEST(ScriptParser, AnAddressLiteralRecordsHostOrderAddressAndPort) {
    Statement s = stmt("bind(3, 127.0.0.1:8080)");
    const Arg& a = s.args[1];
    EXPECT_EQ(a.kind, Arg::Kind::Addr);
    EXPECT_EQ(a.addr, 0x7f000001u);
    EXPECT_EQ(a.port, 8080);
    EXPECT_EQ(a.text, "127.0.0.1:8080");
    EXPECT_EQ(a.pos.col, 9);
    EXPECT_TRUE(a.terms.empty());
}

TEST(ScriptParser, TheWildcardAddressAndPortZeroAreValid) {
    const Arg a = stmt("bind(3, 0.0.0.0:0)").args[1];
    EXPECT_EQ(a.addr, 0u);
    EXPECT_EQ(a.port, 0);
    const Arg b = stmt("bind(3, 255.255.255.255:65535)").args[1];
    EXPECT_EQ(b.addr, 0xffffffffu);
    EXPECT_EQ(b.port, 65535);
}

TEST(ScriptParser, AnOctetAbove255IsRejectedAtItsColumn) {
    ParseError e = err("bind(3, 10.256.0.1:80)");
    EXPECT_EQ(e.pos.col, 12);
    EXPECT_EQ(e.message, "octet out of range (0-255)");
}

TEST(ScriptParser, APortAbove65535IsRejectedAtItsColumn) {
    ParseError e = err("bind(3, 127.0.0.1:65536)");
    EXPECT_EQ(e.pos.col, 19);
    EXPECT_EQ(e.message, "port out of range (0-65535)");
}

TEST(ScriptParser, AVeryLongPortIsStillOutOfRangeNotAnOverflow) {
    ParseError e = err("bind(3, 1.2.3.4:99999999999999999999999999)");
    EXPECT_EQ(e.pos.col, 17);
    EXPECT_EQ(e.message, "port out of range (0-65535)");
}

TEST(ScriptParser, AnAddressWithoutAPortIsRejected) {
    ParseError e = err("bind(3, 127.0.0.1)");
    EXPECT_EQ(e.pos.col, 18);
    EXPECT_EQ(e.message, "expected ':PORT' after the IPv4 address, found ')'");
    ParseError f = err("bind(3, 127.0.0.1:)");
    EXPECT_EQ(f.pos.col, 19);
    EXPECT_EQ(f.message, "expected a port number after ':', found ')'");
}

TEST(ScriptParser, AnAddressWithTooFewOrTooManyOctetsIsRejected) {
    ParseError e = err("bind(3, 10.1:80)");
    EXPECT_EQ(e.pos.col, 13);
    EXPECT_EQ(e.message, "malformed IPv4 address: expected 4 octets, found ':'");
    ParseError f = err("bind(3, 1.2.3.4.5:80)");
    EXPECT_EQ(f.pos.col, 16);
    EXPECT_EQ(f.message, "malformed IPv4 address: more than 4 octets");
    ParseError g = err("bind(3, 1..2.3:80)");
    EXPECT_EQ(g.pos.col, 11);
    EXPECT_EQ(g.message, "malformed IPv4 address: expected an octet, found '.'");
}

TEST(ScriptParser, APortRunningIntoLettersIsMalformed) {
    ParseError e = err("bind(3, 1.2.3.4:80x)");
    EXPECT_EQ(e.pos.col, 19);
    EXPECT_EQ(e.message, "malformed port number: unexpected 'x'");
}

// ---- string arguments ----

TEST(ScriptParser, AStringArgumentKeepsItsContentWithEscapesResolved) {
    Statement s = stmt(R"(write(4, "a \"b\" \\ c"))");
    ASSERT_EQ(s.args.size(), 2u);
    EXPECT_EQ(s.args[1].kind, Arg::Kind::Str);
    EXPECT_EQ(s.args[1].text, R"(a "b" \ c)");
    EXPECT_EQ(s.args[1].pos.col, 10);
    EXPECT_EQ(s.text, R"(write(4, "a \"b\" \\ c"))");
}

TEST(ScriptParser, AnEmptyStringIsAllowed) {
    Statement s = stmt(R"(f(""))");
    EXPECT_EQ(s.args[0].kind, Arg::Kind::Str);
    EXPECT_EQ(s.args[0].text, "");
}

TEST(ScriptParser, AHashInsideAStringDoesNotStartAComment) {
    Statement s = stmt(R"(f("#1", 2) = 0 # real comment)");
    EXPECT_EQ(s.args[0].text, "#1");
    EXPECT_EQ(s.args[1].terms[0].value, 2);
    EXPECT_EQ(s.expect->value, 0);
}

TEST(ScriptParser, AnUnterminatedStringIsReportedAtItsOpeningQuote) {
    ParseError e = err(R"(f(1, "abc)");
    EXPECT_EQ(e.pos.col, 6);
    EXPECT_EQ(e.message, "unterminated string");
    ParseError g = err(R"(f("abc\)");
    EXPECT_EQ(g.pos.col, 3);
    EXPECT_EQ(g.message, "unterminated string");
}

TEST(ScriptParser, AHashAfterAnUnterminatedQuoteIsPartOfTheString) {
    ParseError e = err(R"(f("abc # not a comment)");
    EXPECT_EQ(e.pos.col, 3);
    EXPECT_EQ(e.message, "unterminated string");
}

TEST(ScriptParser, AnUnknownEscapeIsRejectedAtTheBackslash) {
    ParseError e = err(R"(f("a\nb"))");
    EXPECT_EQ(e.pos.col, 5);
    EXPECT_EQ(e.message, R"(unknown escape in string (only \" and \\ are allowed))");
}

// ---- punctuation errors ----

TEST(ScriptParser, AMissingClosingParenthesisIsReportedWhereItShouldBe) {
    ParseError e = err("socket(AF_INET, SOCK_STREAM, 0   # comment");
    EXPECT_EQ(e.pos.col, 31);  // just after the 0
    EXPECT_EQ(e.message, "expected ')' after arguments");
}

TEST(ScriptParser, AMissingCommaBetweenArgumentsIsReportedAtTheSecondArgument) {
    ParseError e = err("socket(AF_INET SOCK_STREAM, 0)");
    EXPECT_EQ(e.pos.col, 16);
    EXPECT_EQ(e.message, "expected ',' or ')' after an argument, found 'S'");
}

TEST(ScriptParser, AnEmptyArgumentIsRejected) {
    ParseError e = err("f(1,,2)");
    EXPECT_EQ(e.pos.col, 5);
    EXPECT_EQ(e.message, "expected an argument, found ','");
    ParseError t = err("f(1, )");
    EXPECT_EQ(t.pos.col, 6);
    EXPECT_EQ(t.message, "expected an argument after ',', found ')'");
    ParseError l = err("f(,1)");
    EXPECT_EQ(l.pos.col, 3);
    EXPECT_EQ(l.message, "expected an argument, found ','");
}

TEST(ScriptParser, ACallNameWithoutParenthesesIsAnError) {
    ParseError e = err("close 3");
    EXPECT_EQ(e.pos.col, 7);
    EXPECT_EQ(e.message, "expected '(' after call name 'close', found '3'");
    ParseError f = err("close");
    EXPECT_EQ(f.pos.col, 6);
    EXPECT_EQ(f.message, "expected '(' after call name 'close'");
}

TEST(ScriptParser, ABindingWithoutACallIsAnError) {
    ParseError e = err("x = 3");
    EXPECT_EQ(e.pos.col, 5);
    EXPECT_EQ(e.message, "expected a call name after 'x =', found '3'");
}

TEST(ScriptParser, TextAfterTheCallThatIsNotAnExpectationIsAnError) {
    ParseError e = err("close(3) 0");
    EXPECT_EQ(e.pos.col, 10);
    EXPECT_EQ(e.message,
              "expected '= EXPECTED' or the end of the line after ')', found '0'");
}

TEST(ScriptParser, AnUnexpectedByteIsShownInHex) {
    ParseError e = err(std::string_view("f(\x01)", 4));
    EXPECT_EQ(e.pos.col, 3);
    EXPECT_EQ(e.message, "expected an argument, found \\x01");
}

// ---- expectations ----

TEST(ScriptParser, AnExpectationOfAValueIsParsed) {
    Statement s = stmt("listen(3, 5) = 0");
    ASSERT_TRUE(s.expect.has_value());
    EXPECT_EQ(s.expect->value, 0);
    EXPECT_EQ(s.expect->errname, "");
    EXPECT_EQ(s.expect->pos.col, 16);
    EXPECT_EQ(s.text, "listen(3, 5)");
}

TEST(ScriptParser, AnExpectationMayBeNegativeOrHex) {
    EXPECT_EQ(stmt("f() = -5").expect->value, -5);
    EXPECT_EQ(stmt("f() = 0x802").expect->value, 0x802);
}

TEST(ScriptParser, AnExpectationOfFailureCarriesTheErrnoName) {
    Statement s = stmt("bind(4, 0.0.0.0:7000) = -1 EADDRINUSE  # taken");
    ASSERT_TRUE(s.expect.has_value());
    EXPECT_EQ(s.expect->value, -1);
    EXPECT_EQ(s.expect->errname, "EADDRINUSE");
    EXPECT_EQ(s.expect->pos.col, 25);
    EXPECT_EQ(s.text, "bind(4, 0.0.0.0:7000)");
}

TEST(ScriptParser, AnAliasErrnoNameIsKeptAsWritten) {
    Statement s = stmt("accept(3) = -1 EWOULDBLOCK");
    EXPECT_EQ(s.expect->errname, "EWOULDBLOCK");
}

TEST(ScriptParser, MinusOneWithoutAnErrnoNameIsAllowed) {
    Statement s = stmt("accept(3) = -1");
    EXPECT_EQ(s.expect->value, -1);
    EXPECT_EQ(s.expect->errname, "");
}

TEST(ScriptParser, AnUnknownErrnoNameIsRejectedAtItsColumn) {
    ParseError e = err("close(9) = -1 EBADFD");
    EXPECT_EQ(e.pos.col, 15);
    EXPECT_EQ(e.message, "unknown errno name 'EBADFD'");
}

TEST(ScriptParser, ABareErrnoNameIsRejectedWithAHint) {
    ParseError e = err("close(9) = EBADF");
    EXPECT_EQ(e.pos.col, 12);
    EXPECT_EQ(e.message, "a failure is written '-1 EBADF', not 'EBADF'");
}

TEST(ScriptParser, ABareNameThatIsNoErrnoIsRejected) {
    ParseError e = err("close(9) = fd");
    EXPECT_EQ(e.pos.col, 12);
    EXPECT_EQ(e.message, "expected a number or '-1 ERRNAME' after '=', found 'fd'");
}

TEST(ScriptParser, AnErrnoNameAfterAValueOtherThanMinusOneIsRejected) {
    ParseError e = err("close(9) = 0 EBADF");
    EXPECT_EQ(e.pos.col, 14);
    EXPECT_EQ(e.message, "only -1 may be followed by an errno name");
}

TEST(ScriptParser, TextAfterTheExpectationIsRejected) {
    ParseError e = err("close(3) = 0 1");
    EXPECT_EQ(e.pos.col, 14);
    EXPECT_EQ(e.message, "unexpected text after expectation");
    ParseError f = err("close(3) = -1 EBADF, 2");
    EXPECT_EQ(f.pos.col, 20);
    EXPECT_EQ(f.message, "unexpected text after expectation");
    ParseError g = err("close(3) = 0 junk");
    EXPECT_EQ(g.pos.col, 14);
    EXPECT_EQ(g.message, "unexpected text after expectation");
}

TEST(ScriptParser, AnEqualsSignWithNothingAfterItIsAnError) {
    ParseError e = err("close(3) =   # nothing");
    EXPECT_EQ(e.pos.col, 11);
    EXPECT_EQ(e.message, "expected a value after '='");
}

TEST(ScriptParser, TheStatementTextIsTrimmedAndExcludesExpectationAndComment) {
    Statement s = stmt("\t  A:  x  =  dup( 3 )   =   4   # c");
    EXPECT_EQ(s.text, "A:  x  =  dup( 3 )");
    EXPECT_EQ(s.pos.col, 4);
}

// ---- directives ----

TEST(ScriptParser, ADirectiveSplitsItsWordsAndKeepsTheRestAsWritten) {
    Directive d = directive("  !sysctl   net.core.somaxconn=128  extra\tword  ");
    EXPECT_EQ(d.pos.col, 3);
    EXPECT_EQ(d.name, "sysctl");
    ASSERT_EQ(d.words.size(), 3u);
    EXPECT_EQ(d.words[0], "net.core.somaxconn=128");
    EXPECT_EQ(d.words[1], "extra");
    EXPECT_EQ(d.words[2], "word");
    EXPECT_EQ(d.rest, "net.core.somaxconn=128  extra\tword");
}

TEST(ScriptParser, CommentsAreStrippedFromDirectives) {
    Directive d = directive("!define PORT 7000 # the server port");
    EXPECT_EQ(d.name, "define");
    ASSERT_EQ(d.words.size(), 2u);
    EXPECT_EQ(d.words[1], "7000");
    EXPECT_EQ(d.rest, "PORT 7000");
}

TEST(ScriptParser, ADirectiveMayHaveNoWords) {
    Directive d = directive("!reset");
    EXPECT_EQ(d.name, "reset");
    EXPECT_TRUE(d.words.empty());
    EXPECT_EQ(d.rest, "");
}

TEST(ScriptParser, ADirectiveWithoutANameIsAnError) {
    ParseError e = err("  ! sysctl");
    EXPECT_EQ(e.pos.col, 4);
    EXPECT_EQ(e.message, "expected a directive name after '!'");
}

// ---- programs ----

TEST(ScriptParser, AProgramKeepsOneEntryPerLineNumberedFromOne) {
    auto r = parse_program("# header\n\nfd = socket(2, 1, 0) = 3\n!define X 1\n", "t.sock");
    ASSERT_TRUE(std::holds_alternative<Program>(r));
    const Program& p = std::get<Program>(r);
    EXPECT_EQ(p.file, "t.sock");
    ASSERT_EQ(p.lines.size(), 4u);
    EXPECT_TRUE(std::holds_alternative<Empty>(p.lines[0]));
    EXPECT_TRUE(std::holds_alternative<Empty>(p.lines[1]));
    ASSERT_TRUE(std::holds_alternative<Statement>(p.lines[2]));
    EXPECT_EQ(std::get<Statement>(p.lines[2]).pos.line, 3);
    ASSERT_TRUE(std::holds_alternative<Directive>(p.lines[3]));
    EXPECT_EQ(std::get<Directive>(p.lines[3]).pos.line, 4);
}

TEST(ScriptParser, AFinalLineWithoutNewlineIsKept) {
    auto r = parse_program("close(3)\nclose(4)", "t");
    ASSERT_TRUE(std::holds_alternative<Program>(r));
    EXPECT_EQ(std::get<Program>(r).lines.size(), 2u);
}

TEST(ScriptParser, AnEmptyFileIsAnEmptyProgram) {
    auto r = parse_program("", "t");
    ASSERT_TRUE(std::holds_alternative<Program>(r));
    EXPECT_TRUE(std::get<Program>(r).lines.empty());
}

TEST(ScriptParser, CarriageReturnsFromWindowsLineEndsAreBlanks) {
    auto r = parse_program("close(3) = 0\r\n!define X 1\r\n", "t");
    ASSERT_TRUE(std::holds_alternative<Program>(r));
    const Program& p = std::get<Program>(r);
    EXPECT_EQ(std::get<Statement>(p.lines[0]).text, "close(3)");
    EXPECT_EQ(std::get<Directive>(p.lines[1]).rest, "X 1");
}

TEST(ScriptParser, AProgramStopsAtTheFirstErrorWithItsLineNumber) {
    auto r = parse_program("close(3) = 0\nclose(4\nclose(\n", "t");
    ASSERT_TRUE(std::holds_alternative<ParseError>(r));
    const ParseError& e = std::get<ParseError>(r);
    EXPECT_EQ(e.pos.line, 2);
    EXPECT_EQ(e.pos.col, 8);
    EXPECT_EQ(e.message, "expected ')' after arguments");
}

// ---- robustness ----

TEST(ScriptParser, NulBytesAreReportedNotTreatedAsLineEnds) {
    std::string line("close(3)\0 = 0", 13);
    ParseError e = err(line);
    EXPECT_EQ(e.pos.col, 9);
    EXPECT_EQ(e.message,
              "expected '= EXPECTED' or the end of the line after ')', found \\x00");
}

TEST(ScriptParser, AVeryLongLineParses) {
    std::string line = "f(";
    for (int i = 0; i < 100000; ++i) line += "A|";
    line += "B)";
    Statement s = stmt(line);
    ASSERT_EQ(s.args.size(), 1u);
    EXPECT_EQ(s.args[0].terms.size(), 100001u);
    std::string args = "f(";
    for (int i = 0; i < 100000; ++i) args += "1,";
    args += "2) = 0";
    EXPECT_EQ(stmt(args).args.size(), 100001u);
    std::string deep(1 << 20, '(');
    EXPECT_EQ(err("f" + deep).message, "expected an argument, found '('");
}

TEST(ScriptParser, ArbitraryBytesNeverCrashTheParser) {
    // A fixed-seed generator, so a failure is reproducible.
    uint64_t x = 0x9e3779b97f4a7c15ull;
    auto next = [&x] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return x;
    };
    const std::string alphabet = "abAZ_09.:|,()=!#\"\\- \t\x01\xff\n-1EINVAL0x";
    for (int round = 0; round < 20000; ++round) {
        std::string s(next() % 40, '\0');
        for (char& c : s) {
            uint64_t r = next();
            c = r % 3 == 0 ? static_cast<char>(r >> 8)
                           : alphabet[(r >> 8) % alphabet.size()];
        }
        auto r = parse_line(s, 1);
        if (auto* e = std::get_if<ParseError>(&r)) {
            EXPECT_GE(e->pos.col, 1);
            EXPECT_LE(e->pos.col, static_cast<int>(s.size()) + 1);
            EXPECT_FALSE(e->message.empty());
        }
        auto p = parse_program(s, "fuzz");
        (void)p;
    }
}
