#!/bin/sh
# pipe_check.sh — `sockscope repl` with piped input: no prompt, no banner,
# the results exactly as `sockscope run` prints them, errors with a caret,
# and no crash on junk (control characters, NULs, a very long line, a last
# line without its newline). Going back gives back a call that was asleep;
# `save` writes a snapshot that `sockscope FILE` and `repl --load` continue
# (and refuses to replace one); a finished lesson hands its machine, names
# and history to the REPL.
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

# Going back over the call that woke a sleeping accept puts the accept to
# sleep again: running the call again wakes it again, result line included.
want='s = socket(AF_INET, SOCK_STREAM, 0) = 3
bind(s, 127.0.0.1:8080) = 0
listen(s, 5) = 0
T = thread() = 1001
B: c = socket(AF_INET, SOCK_STREAM, 0) = 3
T: a = accept(s) ... blocks (the task sleeps)
T: a = accept(s) = 4
B: connect(c, 127.0.0.1:8080) = 0
back to step BACK; 1 later command kept as branch 1
T: a = accept(s) = 4
B: connect(c, 127.0.0.1:8080) = 0
a = 4'
got=$(printf 's = socket(AF_INET, SOCK_STREAM, 0)\nbind(s, 127.0.0.1:8080)\nlisten(s, 5)\nT = thread()\nB: c = socket(AF_INET, SOCK_STREAM, 0)\nT: a = accept(s)\nB: connect(c, 127.0.0.1:8080)\nback\nB: connect(c, 127.0.0.1:8080)\nT: tcp_state(a)\n' |
    "$BIN" repl | sed 's/^back to step [0-9]*;/back to step BACK;/; s/^T: tcp_state(a) = 1$/a = 4/; s/^T = thread() = [0-9]*$/T = thread() = 1001/')
[ "$got" = "$want" ] || fail "back over a wake-up printed:
$got
---- instead of:
$want"

# save, then open: the names come back, the history continues, and back
# reaches into the saved history (before listen(): s is TCP_CLOSE again).
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/sockscope-pipe.XXXXXX") || exit 2
trap 'rm -rf "$SCRATCH"' EXIT
got=$(printf 's = socket(AF_INET, SOCK_STREAM, 0)\nbind(s, 127.0.0.1:8080)\nlisten(s, 5)\nsave %s/a.sqlite after listen: 5\nsave %s/a.sqlite after listen: 5\nclose(s)\nsave --replace %s/a.sqlite after listen: 5\n' \
    "$SCRATCH" "$SCRATCH" "$SCRATCH" | "$BIN" repl)
printf '%s\n' "$got" | grep -qx "saved 'after listen: 5' ([0-9]* steps, 4 commands) to $SCRATCH/a.sqlite" ||
    fail "save printed: $got"
printf '%s\n' "$got" | grep -q "^save: error: $SCRATCH/a.sqlite: already holds a snapshot labelled 'after listen: 5'" ||
    fail "saving twice under one label was not refused: $got"
printf '%s\n' "$got" | grep -qx "saved 'after listen: 5' ([0-9]* steps, 5 commands) to $SCRATCH/a.sqlite" ||
    fail "save --replace printed: $got"
printf 's = socket(AF_INET, SOCK_STREAM, 0)\nbind(s, 127.0.0.1:8080)\nlisten(s, 5)\nsave %s/b.sqlite\n' "$SCRATCH" |
    "$BIN" repl >/dev/null
want='tcp_state(s) = 10
c = socket(AF_INET, SOCK_STREAM, 0) = 4
connect(c, 127.0.0.1:8080) = 0
acceptq(s) = 1
back to step BACK; 3 later commands kept as branch 1
tcp_state(s) = 7'
got=$(printf 'tcp_state(s)\nc = socket(AF_INET, SOCK_STREAM, 0)\nconnect(c, 127.0.0.1:8080)\nacceptq(s)\nback 3\ntcp_state(s)\n' |
    "$BIN" repl --load "$SCRATCH/b.sqlite" | sed 's/^back to step [0-9]*;/back to step BACK;/')
[ "$got" = "$want" ] || fail "repl --load printed:
$got
---- instead of:
$want"
got=$(printf 'tcp_state(s)\n' | "$BIN" "$SCRATCH/b.sqlite")
printf '%s\n' "$got" | head -1 | grep -q "^$SCRATCH/b.sqlite: snapshot 'snapshot 1' (" || fail "sockscope FILE printed: $got"
[ "$(printf '%s\n' "$got" | tail -1)" = "tcp_state(s) = 10" ] || fail "sockscope FILE did not continue: $got"
printf 'x\n' >"$SCRATCH/notes.sqlite"
got=$(printf 'save %s/notes.sqlite\n' "$SCRATCH" | "$BIN" repl)
case "$got" in
    "save: error: $SCRATCH/notes.sqlite: not a sockscope snapshot"*) ;;
    *) fail "saving over a file that is not a snapshot printed: $got" ;;
esac
[ "$(cat "$SCRATCH/notes.sqlite")" = x ] || fail "saving over a file that is not a snapshot changed it"

# A finished lesson leaves the REPL on its machine: its names, and back
# over its own steps with the names of that moment.
LESSONS=$(dirname "$0")/../../lessons
got=$(printf '\n\nfcntl(n, F_GETFL)\nback 4\nfcntl(n, F_GETFL)\nfcntl(t, F_GETFL)\n' |
    "$BIN" lesson play 1 --from 8 --dir "$LESSONS" --lang en | sed -n '/End of the lesson/,$p')
printf '%s\n' "$got" | grep -qx "fcntl(n, F_GETFL) = 2050" || fail "the lesson's names are not in the REPL: $got"
printf '%s\n' "$got" | grep -q "^back to step 7; 4 later commands kept as branch 1$" || fail "back over the lesson: $got"
printf '%s\n' "$got" | grep -q "error: unknown name 'n'" || fail "back over the lesson kept a later name: $got"
printf '%s\n' "$got" | grep -qx "fcntl(t, F_GETFL) = 2" || fail "back over the lesson lost an earlier name: $got"

if [ $FAILED -ne 0 ]; then
    exit 1
fi
echo "pipe_check: ok"
exit 0
