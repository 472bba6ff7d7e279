#!/usr/bin/env bash
# Every set-up failure of the environment ends in one line "synscan: ..." naming what is wrong, and exit 1
# (bad input is exit 2, see test_bad_input.sh): an interface that does not exist, one that is down, no route to
# the target, a next hop that does not answer ARP, an output file that cannot be written (as root and as an
# unprivileged user), no CAP_NET_RAW, an unknown --user. All in a lab's scanner namespace.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/e2e/priv_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/priv_lib.sh"

skip_if_no_netns
lab_up
SCAN_NS=$LAB_NAME-scan
make_copies

# expect_error CODE TEXT RUNNER ARGS...: RUNNER (scan or scan_as_user BIN) must exit CODE with exactly one line
# on stderr that starts "synscan: " and contains TEXT; nothing on stdout.
expect_error() {
  local want_rc=$1 text=$2 rc=0
  shift 2
  "$@" >"$E2E_WORK/out" 2>"$E2E_WORK/err" || rc=$?
  local err
  # The runners log their command line with our prefix first; the rest is synscan's.
  grep -v "^\[$E2E_TEST_NAME\] " "$E2E_WORK/err" >"$E2E_WORK/err.synscan" || true
  mv "$E2E_WORK/err.synscan" "$E2E_WORK/err"
  err=$(cat "$E2E_WORK/err")
  ((rc == want_rc)) || fail "exit $rc, expected $want_rc; stderr: $err"
  [[ $(wc -l <"$E2E_WORK/err") -eq 1 ]] || fail "expected one line on stderr, got: $err"
  [[ $err == "synscan: "*"$text"* ]] || fail "stderr '$err' lacks '$text'"
  [[ ! -s $E2E_WORK/out ]] || fail "unexpected stdout: $(head -c 200 "$E2E_WORK/out")"
  log "ok (exit $rc): $err"
}

log "an interface that does not exist"
expect_error 1 "interface 'nosuch0' does not exist" scan 198.19.0.1 -p 80 -i nosuch0

log "an interface that is down"
ip -n "$SCAN_NS" link add ssdown0 type veth peer name ssdown1
ip -n "$SCAN_NS" addr add 198.18.9.1/24 dev ssdown0
expect_error 1 "interface 'ssdown0' is down" scan 198.18.9.2 -p 80 -i ssdown0

log "no route to the target (the scanner namespace has no default route)"
expect_error 1 "no route to 198.18.77.1" scan 198.18.77.1 -p 80

log "a next hop that never answers ARP"
ip -n "$SCAN_NS" route add 198.18.200.0/24 via 198.18.0.99 dev veth-scan
start=$(date +%s%N)
expect_error 1 "next hop 198.18.0.99 on veth-scan did not answer ARP within" scan 198.18.200.1 -p 80
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
((elapsed_ms < 10000)) || fail "the ARP timeout took ${elapsed_ms} ms"

log "an output file that cannot be written, checked before the scan starts"
expect_error 1 "cannot write output '$E2E_WORK/missing/out.txt': No such file or directory" \
  scan 198.19.0.1 -p 80 -o "$E2E_WORK/missing/out.txt"
expect_error 1 "cannot write output '$E2E_WORK': Is a directory" scan 198.19.0.1 -p 80 -o "$E2E_WORK"
expect_error 1 "cannot write output '$E2E_WORK/root-only.txt': Permission denied" \
  scan_as_user "$CAPPED_BIN" 198.19.0.1 -p 80 -o "$E2E_WORK/root-only.txt"
expect_error 1 "cannot write output '$E2E_WORK/missing/dry.txt': No such file or directory" \
  sandboxed "$SYNSCAN_BIN" 192.0.2.0/30 -p 80 --dry-run --no-default-excludes -o "$E2E_WORK/missing/dry.txt"

log "an unprivileged user without capabilities"
expect_error 1 "needs CAP_NET_RAW" scan_as_user "$PLAIN_BIN" 198.19.0.1 -p 80

log "--user that does not exist (started as root)"
expect_error 1 "user 'no-such-user-x' does not exist" scan 198.19.0.1 -p 80 --user no-such-user-x
# --user root is accepted (stay uid 0 with no capability): tests/unit/privileges_test.cpp, test_k8s_pod.sh
expect_error 2 "bad user '' in --user" scan 198.19.0.1 -p 80 --user ''

log "PASS"
