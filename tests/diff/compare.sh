#!/usr/bin/env bash
# compare.sh — the differential suite: every scenario through the model and
# through the real kernel, outputs compared byte for byte.
#
#   compare.sh SOCKSCOPE REALRUN SCENARIO_DIR
#
# The model is told the sysctls of a fresh network namespace on this host
# (realrun --print-sysctls), since that is where realrun runs each scenario.
# Prints each differing scenario with a unified diff, then "N passed, M failed"
# (N = scenarios whose outputs are identical). Exits 1 if any differ.
set -u

if [ $# -ne 3 ]; then
    echo "usage: $0 SOCKSCOPE REALRUN SCENARIO_DIR" >&2
    exit 2
fi
sockscope=$1
realrun=$2
dir=$3

if [ ! -d "$dir" ]; then
    echo "compare.sh: no such directory: $dir" >&2
    exit 2
fi

sysctl_lines=$("$realrun" --print-sysctls) || {
    echo "compare.sh: $realrun --print-sysctls failed" >&2
    exit 2
}
sysctl_args=()
while IFS= read -r line; do
    [ -n "$line" ] && sysctl_args+=(--sysctl "$line")
done <<<"$sysctl_lines"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

shopt -s nullglob
scenarios=("$dir"/*.sock)
if [ ${#scenarios[@]} -eq 0 ]; then
    echo "compare.sh: no *.sock files in $dir" >&2
    exit 2
fi

passed=0
failed=0
for f in "${scenarios[@]}"; do
    name=$(basename "$f")
    "$sockscope" run "${sysctl_args[@]}" "$f" >"$tmp/model" 2>"$tmp/model.err"
    model_rc=$?
    "$realrun" "$f" >"$tmp/kernel" 2>"$tmp/kernel.err"
    kernel_rc=$?
    if cmp -s "$tmp/model" "$tmp/kernel"; then
        passed=$((passed + 1))
        continue
    fi
    failed=$((failed + 1))
    echo "FAIL $name (model exit $model_rc, kernel exit $kernel_rc)"
    diff -u --label "model: $name" --label "kernel: $name" \
        "$tmp/model" "$tmp/kernel"
    if [ -s "$tmp/model.err" ]; then
        echo "--- model stderr:"
        cat "$tmp/model.err"
    fi
    if [ -s "$tmp/kernel.err" ]; then
        echo "--- kernel stderr:"
        cat "$tmp/kernel.err"
    fi
    echo
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
