# shellcheck shell=bash
# Helpers for the privilege tests (test_privileges.sh, test_errors.sh), sourced after lib.sh.
#
#   UNPRIV_USER                   the unprivileged user the tests run synscan as (nobody)
#   make_copies                   CAPPED_BIN: a copy of the binary with cap_net_raw,cap_net_admin+ep (exit 77,
#                                 loudly, when this filesystem cannot hold file capabilities); PLAIN_BIN: a
#                                 copy without any. Both in $E2E_WORK/bin (root-owned, 0755, readable by all).
#   UNPRIV_DIR                    a directory the unprivileged user may write outputs to
#   scan_as_user BIN ARGS...      runs BIN in the lab's scanner namespace as UNPRIV_USER (setpriv: real, effective
#                                 and saved uid/gid, no supplementary groups), bounded by the scan timeout
#   run_bg CMD...                 starts CMD in the background; sets BG_PID to the synscan process it becomes
#   proc_field PID NAME           the value of line NAME: of /proc/PID/status, tabs squeezed to spaces
set -euo pipefail

UNPRIV_USER=nobody
UNPRIV_UID=$(id -u "$UNPRIV_USER" 2>/dev/null) || skip "user $UNPRIV_USER missing"
UNPRIV_GID=$(id -g "$UNPRIV_USER")
UNPRIV_DIR=$E2E_WORK/unpriv
mkdir -p "$UNPRIV_DIR"
chown "$UNPRIV_USER" "$UNPRIV_DIR"
command -v setpriv >/dev/null 2>&1 || skip "setpriv (util-linux) not found"

make_copies() {
  mkdir -p "$E2E_WORK/bin"
  chmod 755 "$E2E_WORK/bin"
  CAPPED_BIN=$E2E_WORK/bin/synscan
  PLAIN_BIN=$E2E_WORK/bin/synscan-plain
  install -m 0755 "$SYNSCAN_BIN" "$CAPPED_BIN"
  install -m 0755 "$SYNSCAN_BIN" "$PLAIN_BIN"
  command -v setcap >/dev/null 2>&1 || skip "setcap not found (libcap2-bin; scripts/install-deps.sh)"
  setcap cap_net_raw,cap_net_admin+ep "$CAPPED_BIN" 2>"$E2E_WORK/setcap.err" ||
    skip "setcap failed on $E2E_WORK (filesystem without file capabilities?): $(cat "$E2E_WORK/setcap.err")"
  [[ $(getcap "$CAPPED_BIN") == *cap_net_admin,cap_net_raw=ep* ]] ||
    skip "file capabilities did not stick on $CAPPED_BIN: '$(getcap "$CAPPED_BIN")'"
}

scan_as_user() {
  local bin=$1 rc=0
  shift
  log "as $UNPRIV_USER: $(basename "$bin") $*"
  timeout -k 5 "$SCAN_TIMEOUT" "$LAB_SH" exec "$LAB_NAME" setpriv --reuid="$UNPRIV_UID" --regid="$UNPRIV_GID" \
    --clear-groups -- "$bin" "$@" || rc=$?
  ((rc != 124 && rc != 137)) || fail "synscan did not exit within ${SCAN_TIMEOUT}s: $bin $*"
  return "$rc"
}

# The background job execs through lab.sh -> ip netns exec -> [setpriv ->] synscan, so $! becomes synscan.
run_bg() {
  "$@" &
  BG_PID=$!
  local _
  for _ in $(seq 50); do
    [[ $(cat "/proc/$BG_PID/comm" 2>/dev/null) == synscan ]] && return 0
    sleep 0.05
  done
  fail "background process $BG_PID did not become synscan: $*"
}

proc_field() {
  sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s '\t ' ' '
}
