#!/usr/bin/env bash
# Least privilege, end to end in a lab:
# (a) as root: the scan matches the truth; (b) as an unprivileged user running a copy of the binary with file
#     capabilities (cap_net_raw,cap_net_admin+ep): the same results as root, probe by probe;
# (c) while that run waits for replies, /proc/PID/status shows no capability left (CapInh/CapPrm/CapEff/CapAmb
#     all zero) and NoNewPrivs 1, under the same uid;
# (d) started as root: after start-up no capability, bounding set empty, uid/gid of nobody (the default
#     --user) and no supplementary groups; with --user daemon, daemon's uid;
# (e) a dry run started as root also drops: it fails for an unknown --user;
# (f) the resume file of a stopped root-started scan, written after the drop, falls back to a private temp file
#     when --user cannot write its directory.
# Skips (77, loudly) when namespaces or file capabilities are unavailable here.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/e2e/priv_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/priv_lib.sh"

skip_if_no_netns
make_copies
lab_up

targets=(198.19.0.0/24 198.19.255.0/30)
ports=22,25,80,113,443,1000,8080
common=("${targets[@]}" -p "$ports" --rate 50000 --wait 2 --show all --format ndjson)
# (ip, port, state, reason) per probe, sorted: what two scans of the same lab must agree on.
states() { jq -r '"\(.ip) \(.port) \(.state) \(.reason)"' "$1" | sort; }

log "(a) as root"
scan "${common[@]}" -o "$E2E_WORK/root.ndjson" || fail "(a) synscan exited with $?"
check_truth --targets "${targets[@]}" --ports "$ports" --all "$E2E_WORK/root.ndjson" ||
  fail "(a) differs from truth"

log "(b) as $UNPRIV_USER with file capabilities"
scan_as_user "$CAPPED_BIN" "${common[@]}" -o "$UNPRIV_DIR/user.ndjson" || fail "(b) synscan exited with $?"
check_truth --targets "${targets[@]}" --ports "$ports" --all "$UNPRIV_DIR/user.ndjson" ||
  fail "(b) differs from truth"
diff <(states "$E2E_WORK/root.ndjson") <(states "$UNPRIV_DIR/user.ndjson") >"$E2E_WORK/diff" ||
  fail "(b) results differ from root's: $(head -n 10 "$E2E_WORK/diff")"

# wait_dropped PID: polls until the process's permitted set is empty (start-up done), at most 5 s, and
# checks it is still running: the status read afterwards is that of the waiting scan.
wait_dropped() {
  local _
  for _ in $(seq 100); do
    [[ $(proc_field "$1" CapPrm) == 0000000000000000 ]] && break
    sleep 0.05
  done
  [[ $(cat "/proc/$1/comm" 2>/dev/null) == synscan ]] || fail "synscan $1 exited before its status was read"
}

# check_no_caps PID WHAT: every capability set empty, no new privileges possible.
check_no_caps() {
  local field value
  for field in CapInh CapPrm CapEff CapAmb; do
    value=$(proc_field "$1" "$field")
    [[ $value == 0000000000000000 ]] || fail "$2: $field is $value after start-up"
  done
  [[ $(proc_field "$1" NoNewPrivs) == 1 ]] || fail "$2: NoNewPrivs is not set"
}

log "(c) the unprivileged run holds no capability while it waits"
run_bg "$LAB_SH" exec "$LAB_NAME" setpriv --reuid="$UNPRIV_UID" --regid="$UNPRIV_GID" --clear-groups -- \
  "$CAPPED_BIN" 198.19.0.0/28 -p 22 --wait 4 -o "$UNPRIV_DIR/c.txt"
pid=$BG_PID
wait_dropped "$pid"
check_no_caps "$pid" "(c)"
uids=$(proc_field "$pid" Uid)
[[ $uids == "$UNPRIV_UID $UNPRIV_UID $UNPRIV_UID $UNPRIV_UID" ]] ||
  fail "(c) Uid '$uids', expected $UNPRIV_UID x4"
log "(c) $(grep -E '^(Uid|CapPrm|CapEff|NoNewPrivs):' "/proc/$pid/status" | tr -s '\t\n' ' ')"
wait "$pid" || fail "(c) synscan exited with $?"
[[ $(wc -l <"$UNPRIV_DIR/c.txt") -eq 16 ]] ||
  fail "(c) expected 16 open ports, got $(cat "$UNPRIV_DIR/c.txt")"

# check_root_drop USER ARGS...: a scan started as root runs as USER after start-up.
check_root_drop() {
  local user=$1 uid gid
  shift
  uid=$(id -u "$user")
  gid=$(id -g "$user")
  run_bg "$LAB_SH" exec "$LAB_NAME" "$SYNSCAN_BIN" 198.19.0.0/28 -p 22 --wait 4 \
    -o "$E2E_WORK/d-$user.txt" "$@"
  pid=$BG_PID
  wait_dropped "$pid"
  check_no_caps "$pid" "(d) root -> $user"
  [[ $(proc_field "$pid" CapBnd) == 0000000000000000 ]] || fail "(d) bounding set not empty"
  [[ $(proc_field "$pid" Uid) == "$uid $uid $uid $uid" ]] ||
    fail "(d) Uid $(proc_field "$pid" Uid), want $uid"
  [[ $(proc_field "$pid" Gid) == "$gid $gid $gid $gid" ]] ||
    fail "(d) Gid $(proc_field "$pid" Gid), want $gid"
  [[ -z $(proc_field "$pid" Groups) ]] || fail "(d) supplementary groups left: $(proc_field "$pid" Groups)"
  log "(d) root -> $user: $(grep -E '^(Uid|Gid|CapEff|CapBnd):' "/proc/$pid/status" | tr -s '\t\n' ' ')"
  wait "$pid" || fail "(d) synscan exited with $?"
  [[ $(wc -l <"$E2E_WORK/d-$user.txt") -eq 16 ]] || fail "(d) expected 16 open ports in d-$user.txt"
}
log "(d) started as root: default --user nobody, then --user daemon"
check_root_drop nobody
if id daemon >/dev/null 2>&1; then check_root_drop daemon --user daemon; fi

log "(e) a dry run as root drops too"
rc=0
sandboxed "$SYNSCAN_BIN" 192.0.2.0/30 -p 80 --dry-run --no-default-excludes --user no-such-user-x >/dev/null \
  2>"$E2E_WORK/e.err" || rc=$?
if ((rc != 1)) || ! grep -q "user 'no-such-user-x' does not exist" "$E2E_WORK/e.err"; then
  fail "(e) dry run with an unknown --user: exit $rc, $(cat "$E2E_WORK/e.err")"
fi

log "(f) a stopped root-started scan whose resume directory --user cannot write: the file goes to a temp dir"
rc=0
scan 198.19.0.0/16 -p 1-100 --rate 20000 --max-runtime 1 -o "$E2E_WORK/f.txt" \
  --resume-file "$E2E_WORK/root-only.resume" 2>"$E2E_WORK/f.err" || rc=$?
fallback=$(sed -n 's/.*wrote the resume file to \(.*\) instead$/\1/p' "$E2E_WORK/f.err")
if [[ -z $fallback || ! -f $fallback ]]; then
  fail "(f) no fallback resume file (exit $rc): $(cat "$E2E_WORK/f.err")"
fi
((rc == 0)) || fail "(f) exit $rc: $(cat "$E2E_WORK/f.err")"
jq -e '.next_j | length > 0' "$fallback" >/dev/null || fail "(f) the fallback resume file lacks positions"
# Resumed and stopped again: the same file (one name per scan), not another (issue 22 item 3: each stop left a
# new synscan-XXXXXX.resume).
rc=0
scan --resume "$fallback" --max-runtime 1 -o "$E2E_WORK/f2.txt" 2>"$E2E_WORK/f2.err" || rc=$?
again=$(sed -n 's/.*wrote the resume file to \(.*\) instead$/\1/p' "$E2E_WORK/f2.err")
[[ $rc == 0 && $again == "$fallback" ]] ||
  fail "(f) the resumed run's fallback is '$again', want '$fallback' (exit $rc): $(cat "$E2E_WORK/f2.err")"
jq -e 'has("resumed_at") | not' "$fallback" >/dev/null || fail "(f) the new resume point is marked resumed"
mv -- "$fallback" "$E2E_WORK/f.resume"

log "PASS"
