#!/usr/bin/env bash
# The test command: installs dependencies, checks the C/C++ format (scripts/check-format.sh: .clang-format, 110
# columns), builds everything, runs the unit tests (ctest label unit), then the end-to-end tests (label e2e,
# network namespaces, needs root) while, beside them in the background, a second build under ASan + UBSan runs
# the unit tests again and the fuzzers run for 60 s (scripts/fuzz.sh). Exit status non-zero when any test fails.
# End-to-end tests that cannot run here (exit 77: no namespaces) are reported as skipped, loudly
# (scripts/e2e-verdict.sh): under CI (CI=true) a skipped test fails the run; elsewhere, when no e2e test ran at
# all, the exit status is 77 (skipped), not 0.
#   BUILD_DIR  build directory (default: <repo>/build); other build settings: see scripts/build.sh.
#   ASAN_BUILD_DIR  second build with -DSYNSCAN_SANITIZE=ON (ASan + UBSan) in which the unit tests run again
#                   (default: <repo>/build-asan); SYNSCAN_TEST_SANITIZE=0 skips it.
#   SYNSCAN_TEST_SERIAL=1  the sanitizer build, its tests and the fuzzers before the e2e tests, not beside them.
#   FUZZ_SECONDS    the fuzzers' time in all (default 60).
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$repo_root/build}
cd "$repo_root"

scripts/install-deps.sh
status=0
echo "== format (scripts/check-format.sh)" >&2
scripts/check-format.sh || status=1
BUILD_DIR=$build_dir scripts/build.sh "$@"

echo "== unit tests" >&2
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error -L '^unit$' -j"$(nproc)" || status=1

# The sanitizer build with its unit tests, then the fuzzers: CPU work that waits on nothing. The end-to-end tests
# mostly wait (on --wait, retries, lab set-up), one at a time. So the first run in the background while the
# second run in the foreground, and the run takes about the longer of the two instead of their sum. The e2e tests
# pass on a busy machine (a compile beside them is what this makes); the compile is not niced, since beside
# other work a niced one would hardly run. SYNSCAN_TEST_SERIAL=1 runs them one after the other, as before.
cpu_log=$(mktemp)
asan_build_log=$(mktemp)
fuzz_log=$(mktemp)
cpu_pid=
# on_exit: the temporary files go; background work still running (the run was interrupted) is stopped: it runs
# in a process group of its own, so every process it started goes with it.
# shellcheck disable=SC2317  # run from the EXIT trap
on_exit() {
  [[ -z $cpu_pid ]] || kill -- -"$cpu_pid" 2>/dev/null || true
  rm -f -- "$cpu_log" "$asan_build_log" "$fuzz_log" "${e2e_log:-}"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cpu_work() {
  local rc=0
  if [[ ${SYNSCAN_TEST_SANITIZE:-1} != 0 ]]; then
    # Only the unit test binary (and synscan, which the script tests run): not the benchmarks, not the e2e
    # helpers. Debug (-O0 -g, assertions on): ASan and UBSan check every access at -O0 too, and a unit test file
    # compiles in a third of RelWithDebInfo's CPU time (banner_stage_test.cpp: 5.3 s against 15.8 s; -O1 -g1
    # saved nothing); the whole build took 885 s cold at load average 7-8, where RelWithDebInfo's had done 9 of
    # the 58 unit test files after 25 minutes.
    echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer" >&2
    local asan_dir=${ASAN_BUILD_DIR:-$repo_root/build-asan}
    local started=$SECONDS
    if BUILD_DIR=$asan_dir BUILD_TYPE=Debug scripts/build.sh --sanitize -DSYNSCAN_BUILD_BENCH=OFF \
      --target synscan_unit_tests >"$asan_build_log" 2>&1; then
      echo "   (sanitizer build: $((SECONDS - started)) s)" >&2
      ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
        UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
        ctest --test-dir "$asan_dir" --output-on-failure --no-tests=error -L '^unit$' -j"$(nproc)" >&2 || rc=1
    else
      tail -n 60 "$asan_build_log" >&2
      echo "== SANITIZER BUILD FAILED" >&2
      rc=1
    fi
  fi

  # The fuzzers (libFuzzer over parse_reply + ReplyValidator, the banner parsers and the UDP answer parsers;
  # clang from install-deps.sh) for FUZZ_SECONDS (default 60): a crash, leak or sanitizer report fails the run.
  local fuzz_seconds=${FUZZ_SECONDS:-60}
  echo "== fuzzing the reply parser and validator, the banner parsers, then the UDP answer parsers," \
    "for ${fuzz_seconds} s in all" >&2
  if scripts/fuzz.sh "$fuzz_seconds" >"$fuzz_log" 2>&1; then
    grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$fuzz_log" >&2 || true
  else
    tail -n 60 "$fuzz_log" >&2
    echo "== FUZZER FAILED (crash inputs: build/fuzz/crash-*)" >&2
    rc=1
  fi
  return "$rc"
}

cpu_status=0
if [[ ${SYNSCAN_TEST_SERIAL:-0} == 1 ]]; then
  cpu_work || cpu_status=1
else
  echo "== in the background, reported after the end-to-end tests: the sanitizer build and its unit tests," \
    "the fuzzers" >&2
  set -m  # job control: the background job gets a process group of its own (on_exit)
  cpu_work </dev/null >"$cpu_log" 2>&1 &
  cpu_pid=$!
  set +m
fi

# e2e tests run one at a time: each scans its own lab at 100k pps and they would compete for the CPUs.
echo "== end-to-end tests" >&2
e2e_log=$(mktemp)
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error -L '^e2e$' 2>&1 | tee "$e2e_log" ||
  status=1
if [[ -n $cpu_pid ]]; then
  echo "== waiting for the background work (sanitizer build, its unit tests, the fuzzers)" >&2
  wait "$cpu_pid" || cpu_status=1
  cpu_pid=
  cat -- "$cpu_log" >&2
fi
((cpu_status == 0)) || status=1
verdict=0
scripts/e2e-verdict.sh "$e2e_log" || verdict=$?
if ((verdict == 77 && status == 0)); then
  echo "== unit tests passed; NO END-TO-END TEST RAN (exit 77)" >&2
  exit 77
fi
((verdict == 0 || verdict == 77)) || status=1

if ((status == 0)); then echo "== all tests passed" >&2; else echo "== TESTS FAILED" >&2; fi
exit "$status"
