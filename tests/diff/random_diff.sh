#!/usr/bin/env bash
# random_diff.sh — random programs through the model and the real kernel.
#
#   random_diff.sh SOCKSCOPE REALRUN RANDPROG COUNT SEED
#
# Generates COUNT programs with `RANDPROG --seed SEED` (tests/diff/randprog.cpp)
# into a temporary directory, runs each through `SOCKSCOPE run --check` and
# through REALRUN (a fresh network namespace per program), and compares the
# two outputs byte for byte, program by program. Prints the whole diff of the
# first few divergent programs and the names of the rest, then
# "N passed, M failed" (N = programs whose outputs are identical). Exits 1 if
# any program diverged, 2 on a usage or setup error.
#
# Both runners take many files at once and end each file's output with its
# "N passed, M failed" summary line; the outputs are split there. A runner
# that stops early (a script error, a call that blocked) leaves the rest of
# its files to the next invocation.
#
# Environment: RANDOM_DIFF_LENGTH statements per program (default 40),
# RANDOM_DIFF_JOBS parallel realrun batches (default 8: the programs mostly
# sleep, so more batches than cores is fine), RANDOM_DIFF_SHOW diffs shown in
# full (default 3), RANDOM_DIFF_KEEP a directory to copy divergent programs
# into (with their model and kernel outputs), RANDOM_DIFF_AVOID texts
# separated by ';' that no generated statement may contain (randprog --avoid),
# RANDOM_DIFF_MASK known divergences to leave out, separated by blanks
# (randprog --mask; `all` for every one listed by `randprog --help`).
set -u

if [ $# -ne 5 ]; then
    echo "usage: $0 SOCKSCOPE REALRUN RANDPROG COUNT SEED" >&2
    exit 2
fi
sockscope=$1
realrun=$2
randprog=$3
count=$4
seed=$5
length=${RANDOM_DIFF_LENGTH:-40}
jobs=${RANDOM_DIFF_JOBS:-8}
show=${RANDOM_DIFF_SHOW:-3}
keep=${RANDOM_DIFF_KEEP:-}
avoid_args=()
if [ -n "${RANDOM_DIFF_AVOID:-}" ]; then
    IFS=';' read -r -a avoid_words <<<"$RANDOM_DIFF_AVOID"
    for word in "${avoid_words[@]}"; do
        [ -n "$word" ] && avoid_args+=(--avoid "$word")
    done
fi
for mask in ${RANDOM_DIFF_MASK:-}; do
    avoid_args+=(--mask "$mask")
done

for tool in "$sockscope" "$realrun" "$randprog"; do
    if [ ! -x "$tool" ]; then
        echo "random_diff.sh: not an executable: $tool" >&2
        exit 2
    fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/progs" "$tmp/out"

# The model runs with the sysctls of a fresh namespace on this host, as in
# compare.sh.
sysctl_lines=$("$realrun" --print-sysctls) || {
    echo "random_diff.sh: $realrun --print-sysctls failed" >&2
    exit 2
}
sysctl_args=()
while IFS= read -r line; do
    [ -n "$line" ] && sysctl_args+=(--sysctl "$line")
done <<<"$sysctl_lines"

start=$(date +%s)
"$randprog" --seed "$seed" --count "$count" --length "$length" --out "$tmp/progs" \
    "${sysctl_args[@]}" "${avoid_args[@]}" 2>"$tmp/randprog.err" || {
    echo "random_diff.sh: $randprog failed:" >&2
    cat "$tmp/randprog.err" >&2
    exit 2
}

names=()
for ((i = 0; i < count; i++)); do
    names+=("rand_${seed}_$i")
done

# run_batch SUFFIX LISTFILE CMD...: runs CMD on the programs named in
# LISTFILE (one name a line) and stores each program's output in
# $tmp/out/NAME.SUFFIX, invoking CMD again on the rest whenever it stops
# before the last file.
run_batch() {
    local suffix=$1 list=$2
    shift 2
    local rest="$list.rest" done_file="$list.done"
    cp "$list" "$rest"
    while [ -s "$rest" ]; do
        local files=()
        while IFS= read -r n; do files+=("$tmp/progs/$n.sock"); done <"$rest"
        "$@" "${files[@]}" 2>>"$list.err" |
            awk -v list="$rest" -v dir="$tmp/out" -v suffix="$suffix" -v donef="$done_file" '
                BEGIN { n = 0; while ((getline l < list) > 0) names[n++] = l; i = 0 }
                {
                    if (i >= n) next
                    out = dir "/" names[i] "." suffix
                    print > out
                    if ($0 ~ /^[0-9]+ passed, [0-9]+ failed$/) { close(out); i++ }
                }
                END {
                    # a file the runner stopped in keeps what it printed
                    if (i < n) { out = dir "/" names[i] "." suffix; printf "" >> out; close(out); i++ }
                    print i > donef
                }'
        local consumed
        consumed=$(cat "$done_file")
        tail -n +"$((consumed + 1))" "$rest" >"$rest.next"
        mv "$rest.next" "$rest"
    done
}

# The model: one batch (it is fast). The kernel: $jobs batches at once.
printf '%s\n' "${names[@]}" >"$tmp/all.list"
run_batch model "$tmp/all.list" "$sockscope" run --check "${sysctl_args[@]}" -- &
for ((j = 0; j < jobs; j++)); do
    for ((i = j; i < count; i += jobs)); do
        echo "${names[$i]}"
    done >"$tmp/k$j.list"
    if [ -s "$tmp/k$j.list" ]; then
        run_batch kernel "$tmp/k$j.list" "$realrun" &
    fi
done
wait

passed=0
failed=0
failures=()
statements=$(cat "$tmp"/progs/*.sock | grep -vc -e '^#' -e '^$')
for n in "${names[@]}"; do
    m="$tmp/out/$n.model"
    k="$tmp/out/$n.kernel"
    [ -e "$m" ] || : >"$m"
    [ -e "$k" ] || : >"$k"
    if cmp -s "$m" "$k"; then
        passed=$((passed + 1))
        continue
    fi
    failed=$((failed + 1))
    failures+=("$n")
    if [ "$failed" -le "$show" ]; then
        echo "FAIL $n"
        diff -U 1000 --label "model: $n" --label "kernel: $n" "$m" "$k"
        echo
    fi
    if [ -n "$keep" ]; then
        mkdir -p "$keep"
        cp "$tmp/progs/$n.sock" "$keep/"
        cp "$m" "$keep/$n.model"
        cp "$k" "$keep/$n.kernel"
    fi
done
if [ "$failed" -gt "$show" ]; then
    echo "also diverged: ${failures[*]:$show}"
fi
if [ -s "$tmp/all.list.err" ]; then
    echo "--- model stderr:"
    head -20 "$tmp/all.list.err"
fi
if cat "$tmp"/k*.list.err 2>/dev/null | grep -q .; then
    echo "--- kernel stderr:"
    cat "$tmp"/k*.list.err | sort | uniq -c | head -20
fi
end=$(date +%s)
echo "seed $seed: $count programs, $statements statements, $((end - start)) s" \
     "($(cat "$tmp/randprog.err"))"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
