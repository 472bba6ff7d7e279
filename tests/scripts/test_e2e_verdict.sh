#!/usr/bin/env bash
# scripts/e2e-verdict.sh on made-up ctest logs: what scripts/test.sh does with skipped end-to-end tests. Under
# CI (CI=true) any skip fails; elsewhere a partial skip warns and passes, and a run where every e2e test
# skipped is exit 77, not a pass (it was exit 0).
set -euo pipefail
src=${SYNSCAN_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
verdict=$src/scripts/e2e-verdict.sh
work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
failures=0

# expect CODE CI LOG_LINES...: the verdict on a log of LOG_LINES with CI set to CI ("" unset) exits CODE.
expect() {
  local want=$1 ci=$2 rc=0
  shift 2
  printf '%s\n' "Test project /build" "$@" "" "Total Test time (real) =   9.00 sec" >"$work/log"
  if [[ -n $ci ]]; then
    CI=$ci "$verdict" "$work/log" 2>"$work/err" || rc=$?
  else
    env -u CI "$verdict" "$work/log" 2>"$work/err" || rc=$?
  fi
  if ((rc != want)); then
    echo "FAIL: CI='$ci', log $*: exit $rc, want $want; stderr: $(cat "$work/err")" >&2
    failures=$((failures + 1))
  fi
}

passed='1/3 Test #1: e2e.test_a .......................   Passed    1.00 sec'
passed2='2/3 Test #2: e2e.test_b .......................   Passed    2.00 sec'
skipped='3/3 Test #3: e2e.test_c .......................***Skipped   0.01 sec'
gskip='3/3 Test #3: RouteNetns.Tun ....................***Skipped   0.01 sec'
skipped_a='1/2 Test #1: e2e.test_a .......................***Skipped   0.01 sec'
skipped_b='2/2 Test #2: e2e.test_b .......................***Skipped   0.01 sec'
failed='3/3 Test #3: e2e.test_c .......................***Failed    1.00 sec'

expect 0 "" "$passed" "$passed2" "$failed"       # no skip: ctest's own status decides
expect 0 true "$passed" "$passed2"
expect 0 "" "$passed" "$passed2" "$skipped"      # a partial skip outside CI: a warning
grep -q "WARNING: 1 OF 3 END-TO-END TESTS WERE SKIPPED" "$work/err" || {
  echo "FAIL: no warning naming the skipped count: $(cat "$work/err")" >&2
  failures=$((failures + 1))
}
expect 1 true "$passed" "$passed2" "$skipped"    # under CI a skip is a failure
expect 1 true "$passed" "$passed2" "$gskip"      # a GTEST_SKIP too
expect 1 1 "$passed" "$passed2" "$skipped"
expect 77 "" "$skipped_a" "$skipped_b"           # nothing ran: not a pass
expect 1 true "$skipped_a" "$skipped_b"
expect 0 false "$passed" "$passed2" "$skipped"   # CI=false is not CI

if ((failures > 0)); then
  echo "test_e2e_verdict: $failures failure(s)" >&2
  exit 1
fi
echo "test_e2e_verdict: ok" >&2
