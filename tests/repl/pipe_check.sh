#!/bin/sh
# pipe_check.sh — `sockscope repl` with piped input: no prompt, no banner,
# the results exactly as `sockscope run` prints them, errors with a caret,
# and no crash on junk (control characters, NULs, a very long line, a last
# line without its newline).
#
#   tests/repl/pipe_check.sh SOCKSCOPE_BINARY
set -u

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
    echo "usage: $0 SOCKSCOPE_BINARY" >&2
    exit 2
fi
BIN=$1
FAILED=0
fail() {
    echo "pipe_check: FAIL: $1" >&2
    FAILED=1
}

got=$(printf 'socket(AF_INET, SOCK_STREAM, 0)\nquit\n' | "$BIN" repl)
[ "$got" = "socket(AF_INET, SOCK_STREAM, 0) = 3" ] || fail "the one-call session printed '$got'"

# The messages belong to the parser and the interpreter; this checks where
# they go (the line, the caret under the column, FILE:LINE:COL), not their words.
want='fd = socket(AF_INET, SOCK_STREAM, 0) = 3
bind(fd, 127.0.0.1:80) = 0
s = socket(AF_INET, SOCK_STREAM, 0) = 4
bind(s, 127.0.0.1:80) = -1 EADDRINUSE
bind(s, 127.0.0.1:80 80)
                     ^
<repl>:5:22: error:
listen(fdd, 5)
       ^
<repl>:6:8: error:
back to step 3; 2 later commands kept as branch 1
now() = 0'
got=$(printf 'fd = socket(AF_INET, SOCK_STREAM, 0)\nbind(fd, 127.0.0.1:80)\ns = socket(AF_INET, SOCK_STREAM, 0)\nbind(s, 127.0.0.1:80)\nbind(s, 127.0.0.1:80 80)\nlisten(fdd, 5)\n\nback 2\nnow\n' |
    "$BIN" repl | sed 's/\(: error:\).*/\1/')
[ "$got" = "$want" ] || fail "the session printed:
$got
---- instead of:
$want"

# Junk must end in error lines, never in a crash.
junk() {
    printf 'fd = socket(AF_INET, SOCK_STREAM, 0)\n\001\002\033[2J\n\000\000)\n\t\t\n'
    head -c 200000 /dev/zero | tr '\0' '('
    printf '\nsocket(%s)\nback 99999999999999999999\ngoto -1\nsteps 99999999999999999999\nhistory\nexit()\nshow\nback\nshow\nsocket(AF_INET' \
        "$(head -c 3000 /dev/zero | tr '\0' '9')"
}
junk | "$BIN" repl >/dev/null 2>&1
rc=$?
[ $rc -eq 0 ] || fail "junk input ended with status $rc"

if [ $FAILED -ne 0 ]; then
    exit 1
fi
echo "pipe_check: ok"
exit 0
