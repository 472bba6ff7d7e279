#!/usr/bin/env bash
# Bad input: exit 2 and one line on stderr naming the bad token, nothing on stdout. And the accepted spellings
# of a port option (case C05) plus a bare address as a /32 (case C01), seen through --dry-run.
# Needs no lab: every run is --dry-run (sends nothing) and, when we are root, inside a fresh empty network
# namespace as well, so even a broken parser could not put a packet on a real network. The documentation
# addresses are excluded by default (never valid destinations): the dry runs name --no-default-excludes.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

failures=0
bad() {
  printf 'FAIL [%s]: %s\n' "$E2E_TEST_NAME" "$*" >&2
  failures=$((failures + 1))
}

# expect_bad PATTERN ARGS...: synscan ARGS must exit 2, print nothing on stdout and exactly one stderr line
# that matches the extended regex PATTERN (case-insensitive).
expect_bad() {
  local pattern=$1 rc=0 lines
  shift
  sandboxed timeout -k 5 20 "$SYNSCAN_BIN" "$@" >"$E2E_WORK/out" 2>"$E2E_WORK/err" || rc=$?
  lines=$(grep -c . "$E2E_WORK/err" || true)
  if ((rc != 2)); then
    bad "synscan $* exited $rc, want 2; stderr: $(head -c 300 "$E2E_WORK/err")"
  elif [[ -s $E2E_WORK/out ]]; then
    bad "synscan $* wrote to stdout: $(head -c 200 "$E2E_WORK/out")"
  elif ((lines != 1)); then
    bad "synscan $* printed $lines stderr lines, want 1: $(head -c 300 "$E2E_WORK/err")"
  elif ! grep -qiE -- "$pattern" "$E2E_WORK/err"; then
    bad "synscan $*: message does not match /$pattern/: $(cat "$E2E_WORK/err")"
  else
    log "ok: synscan $* -> $(cat "$E2E_WORK/err")"
  fi
}

# expect_dry EXPECTED ARGS...: synscan --dry-run ARGS must exit 0 and print exactly EXPECTED.
expect_dry() {
  local expected=$1 rc=0
  shift
  sandboxed timeout -k 5 20 "$SYNSCAN_BIN" --dry-run "$@" >"$E2E_WORK/out" 2>"$E2E_WORK/err" || rc=$?
  if ((rc != 0)); then
    bad "synscan --dry-run $* exited $rc, want 0; stderr: $(head -c 300 "$E2E_WORK/err")"
  elif [[ $(cat "$E2E_WORK/out") != "$expected" ]]; then
    bad "synscan --dry-run $* printed '$(head -c 200 "$E2E_WORK/out")', want '$expected'"
  else
    log "ok: synscan --dry-run $* -> $expected"
  fi
}

expect_bad '70000' --dry-run 192.0.2.1 --ports 70000
expect_bad '80-x' --dry-run 192.0.2.1 -p 80-x
expect_bad "bad port '80,,443'" --dry-run 192.0.2.1 -p 80,,443
expect_bad "bad value '-1' in --rate" --dry-run 192.0.2.1 -p 80 --rate -1
expect_bad '300\.1\.2\.3' --dry-run 300.1.2.3 -p 80
expect_bad '198\.18\.0\.0/33' --dry-run 198.18.0.0/33 -p 80
expect_bad 'missing|requires|required|needs|expects|no value' --dry-run 192.0.2.1 -p
if ! grep -qiE -- '(-p|ports)' "$E2E_WORK/err"; then
  bad "bare -p: message does not name the option: $(cat "$E2E_WORK/err")"
fi
expect_bad 'no-such-option' --dry-run --no-such-option 192.0.2.1 -p 80

expect_dry '192.0.2.46 80' --no-default-excludes 192.0.2.46 -p 80
expect_dry '192.0.2.46 80' --no-default-excludes 192.0.2.46 -p80
expect_dry '192.0.2.46 80' --no-default-excludes 192.0.2.46 --ports 80
expect_dry '192.0.2.46 80' --no-default-excludes 192.0.2.46 --ports=80
expect_dry '192.0.2.46 65535' --no-default-excludes 192.0.2.46 -p 65535-
expect_dry '192.0.2.46 1' --no-default-excludes 192.0.2.46 -p -1

((failures == 0)) || fail "$failures bad-input check(s) failed"
log "PASS"
