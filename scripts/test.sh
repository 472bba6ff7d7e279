#!/usr/bin/env bash
# The test command: installs dependencies, builds everything, runs the unit tests (ctest label unit), the
# receive-path fuzzer for 60 s (scripts/fuzz.sh) and then the end-to-end tests (label e2e, network namespaces,
# needs root). Exit status non-zero when any test fails.
# End-to-end tests that cannot run here (exit 77: no namespaces) are reported as skipped, loudly.
#   BUILD_DIR  build directory (default: <repo>/build); other build settings: see scripts/build.sh.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$repo_root/build}
cd "$repo_root"

scripts/install-deps.sh
BUILD_DIR=$build_dir scripts/build.sh "$@"

status=0
echo "== unit tests" >&2
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error -L '^unit$' -j"$(nproc)" || status=1

# The receive-path fuzzer (libFuzzer over parse_reply + ReplyValidator, clang from install-deps.sh) for
# FUZZ_SECONDS (default 60): a crash, leak or sanitizer report fails the run.
fuzz_seconds=${FUZZ_SECONDS:-60}
echo "== fuzzing the reply parser and validator for ${fuzz_seconds} s" >&2
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
skipped=$(grep -E '\*\*\*Skipped|Not Run' "$e2e_log" || true)
if [[ -n $skipped ]]; then
  {
    echo "=================================================================="
    echo "WARNING: END-TO-END TESTS WERE SKIPPED (no network namespaces here;"
    echo "run as root on Linux with iproute2 and nftables to run them):"
    printf '%s\n' "$skipped"
    echo "=================================================================="
  } >&2
fi

if ((status == 0)); then echo "== all tests passed" >&2; else echo "== TESTS FAILED" >&2; fi
exit "$status"
