# shellcheck shell=bash
# Shared helpers for the end-to-end tests, sourced by tests/e2e/test_*.sh.
#
# ctest runs each test as `bash tests/e2e/test_X.sh /path/to/synscan` with SYNSCAN_SOURCE_DIR set (see
# tests/CMakeLists.txt). Exit 0 = pass, 1 = fail, 77 = skipped (no network namespaces here).
#
#   skip_if_no_netns      exit 77 loudly when labs cannot be created (not root, no `ip netns`, ...)
#   lab_up [--services] [--udp]  bring up a lab with a unique name; it is always taken down when the test exits.
#                         Sets LAB_NAME and LAB_TRUTH (path of truth.json). --services: a services lab (real
#                         servers on its open ports, scripts/lab_services.sh); --udp: UDP services and echo
#                         (scripts/lab_udp.sh)
#   scan ARGS...          run the synscan under test inside the lab's scanner namespace, bounded by a timeout;
#                         returns synscan's exit status, fails the test if synscan does not exit in time
#   sandboxed CMD...      run CMD in a fresh, empty network namespace when we can make one (as root), else as is:
#                         a run that must not send anything cannot reach a network even if it tried
#   check_truth ARGS...   tests/e2e/check_truth.py --truth "$LAB_TRUTH" ARGS...
#   fail MSG / log MSG    fail the test with a message / print progress (stderr)
#   E2E_WORK              a private temporary directory, removed on exit (kept when SYNSCAN_E2E_KEEP=1)
#
# Safety: scans run only inside lab namespaces, at 198.19.0.0/16 (inside 198.18.0.0/15, RFC 2544/6890).
set -euo pipefail

E2E_TEST_NAME=$(basename "$0" .sh)

log() { printf '[%s] %s\n' "$E2E_TEST_NAME" "$*" >&2; }
fail() {
  printf 'FAIL [%s]: %s\n' "$E2E_TEST_NAME" "$*" >&2
  exit 1
}
skip() {
  {
    echo "=================================================================="
    echo "SKIPPED [$E2E_TEST_NAME]: $*"
    echo "=================================================================="
  } >&2
  exit 77
}

if [[ $# -lt 1 || -z ${1:-} ]]; then
  echo "usage: bash $0 /path/to/synscan" >&2
  exit 2
fi
[[ -x $1 && -f $1 ]] || fail "synscan binary '$1' not found or not executable"
SYNSCAN_BIN=$(realpath "$1")
SYNSCAN_SOURCE_DIR=${SYNSCAN_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LAB_SH=$SYNSCAN_SOURCE_DIR/scripts/lab.sh
CHECK_TRUTH=$SYNSCAN_SOURCE_DIR/tests/e2e/check_truth.py
# Upper bound for one synscan run: its --wait plus the send time, with a wide margin. A scanner that
# never exits after its wait time is a bug this catches.
SCAN_TIMEOUT=${SYNSCAN_SCAN_TIMEOUT:-60}
LAB_NAME=
LAB_TRUTH=
E2E_WORK=$(mktemp -d "${TMPDIR:-/tmp}/synscan-e2e.XXXXXX")
chmod 755 "$E2E_WORK"

_e2e_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n $LAB_NAME ]]; then
    "$LAB_SH" down "$LAB_NAME" || log "warning: lab down $LAB_NAME failed"
  fi
  if [[ ${SYNSCAN_E2E_KEEP:-0} == 1 ]]; then
    log "kept work dir $E2E_WORK"
  else
    rm -rf -- "$E2E_WORK"
  fi
  exit "$rc"
}
trap _e2e_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

skip_if_no_netns() {
  local rc=0
  "$LAB_SH" check || rc=$?
  ((rc == 0)) && return 0
  ((rc == 77)) && skip "network namespaces unavailable (run as root on Linux with iproute2 + nftables)"
  fail "lab.sh check failed with exit $rc"
}

lab_up() {
  local rc=0
  # The name is chosen here so the EXIT trap knows it even if `up` is interrupted halfway.
  LAB_NAME=$(printf 'sslab-%s-%04x%04x' "$$" "$RANDOM" "$RANDOM")
  SYNSCAN_LAB_OWNER_PID=$$ "$LAB_SH" up "$@" "$LAB_NAME" >/dev/null || rc=$?
  ((rc == 0)) || {
    ((rc == 77)) && skip "lab could not be created"
    fail "lab.sh up failed with exit $rc"
  }
  LAB_TRUTH=$("$LAB_SH" truth "$LAB_NAME")
  log "lab $LAB_NAME up (truth: $LAB_TRUTH)"
}

scan() {
  [[ -n $LAB_NAME ]] || fail "scan called before lab_up"
  local rc=0
  log "synscan $*"
  timeout -k 5 "$SCAN_TIMEOUT" "$LAB_SH" exec "$LAB_NAME" "$SYNSCAN_BIN" "$@" || rc=$?
  if ((rc == 124 || rc == 137)); then
    fail "synscan did not exit within ${SCAN_TIMEOUT}s: synscan $*"
  fi
  return "$rc"
}

sandboxed() {
  if ((EUID == 0)) && unshare --net true 2>/dev/null; then
    unshare --net -- "$@"
  else
    "$@"
  fi
}

check_truth() {
  python3 "$CHECK_TRUTH" --truth "$LAB_TRUTH" "$@"
}
