#!/usr/bin/env bash
# The test command: installs dependencies, builds everything, runs the unit tests (ctest label unit; again
# under ASan + UBSan in a second build dir), the receive-path fuzzer for 60 s (scripts/fuzz.sh) and then the
# end-to-end tests (label e2e, network namespaces, needs root). Exit status non-zero when any test fails.
# End-to-end tests that cannot run here (exit 77: no namespaces) are reported as skipped, loudly
# (scripts/e2e-verdict.sh): under CI (CI=true) a skipped test fails the run; elsewhere, when no e2e test ran at
# all, the exit status is 77 (skipped), not 0.
#   BUILD_DIR  build directory (default: <repo>/build); other build settings: see scripts/build.sh.
#   ASAN_BUILD_DIR  second build with -DSYNSCAN_SANITIZE=ON (ASan + UBSan) in which the unit tests run again
#                   (default: <repo>/build-asan); SYNSCAN_TEST_SANITIZE=0 skips it.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$repo_root/build}
cd "$repo_root"

scripts/install-deps.sh
BUILD_DIR=$build_dir scripts/build.sh "$@"

status=0
echo "== unit tests" >&2
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error -L '^unit$' -j"$(nproc)" || status=1

if [[ ${SYNSCAN_TEST_SANITIZE:-1} != 0 ]]; then
  # Only the unit test binary: the sanitizer build costs a second compile of the tree, not of the benchmarks.
  echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer" >&2
  asan_dir=${ASAN_BUILD_DIR:-$repo_root/build-asan}
  BUILD_DIR=$asan_dir BUILD_TYPE=RelWithDebInfo scripts/build.sh --sanitize -DSYNSCAN_BUILD_BENCH=OFF \
    --target synscan_unit_tests
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    ctest --test-dir "$asan_dir" --output-on-failure --no-tests=error -L '^unit$' -j"$(nproc)" || status=1
fi

# The fuzzers (libFuzzer over parse_reply + ReplyValidator, the banner parsers and the UDP answer parsers; clang
# from install-deps.sh) for FUZZ_SECONDS (default 60): a crash, leak or sanitizer report fails the run.
fuzz_seconds=${FUZZ_SECONDS:-60}
echo "== fuzzing the reply parser and validator, the banner parsers, then the UDP answer parsers, for ${fuzz_seconds} s in all" >&2
fuzz_log=$(mktemp)
if scripts/fuzz.sh "$fuzz_seconds" >"$fuzz_log" 2>&1; then
  grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$fuzz_log" >&2 || true
else
  tail -n 60 "$fuzz_log" >&2
  echo "== FUZZER FAILED (crash inputs: build/fuzz/crash-*)" >&2
  status=1
fi
rm -f -- "$fuzz_log"

# e2e tests run one at a time: each scans its own lab at 100k pps and they would compete for the CPUs.
echo "== end-to-end tests" >&2
e2e_log=$(mktemp)
trap 'rm -f -- "$e2e_log"' EXIT
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error -L '^e2e$' 2>&1 | tee "$e2e_log" ||
  status=1
verdict=0
scripts/e2e-verdict.sh "$e2e_log" || verdict=$?
if ((verdict == 77 && status == 0)); then
  echo "== unit tests passed; NO END-TO-END TEST RAN (exit 77)" >&2
  exit 77
fi
((verdict == 0 || verdict == 77)) || status=1

if ((status == 0)); then echo "== all tests passed" >&2; else echo "== TESTS FAILED" >&2; fi
exit "$status"
