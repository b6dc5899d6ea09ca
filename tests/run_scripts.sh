#!/usr/bin/env bash
# run_scripts.sh SOCKSCOPE DIR... — every *.sock under the given folders
# must pass in the model with the invariant checker after every step.
# Ends with "N passed, M failed" (N = scripts).
set -u
bin=$1; shift
pass=0; fail=0
for dir in "$@"; do
  for f in "$dir"/*.sock; do
    [ -e "$f" ] || continue
    if out=$("$bin" run --check "$f" 2>&1); then
      pass=$((pass + 1))
    else
      fail=$((fail + 1))
      echo "FAIL $f"
      printf '%s\n' "$out" | grep -vE ' = [^ ]+( E[A-Z]+)?$' | head -20
    fi
  done
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
