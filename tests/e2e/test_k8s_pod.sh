#!/usr/bin/env bash
# C-N32 (issue 23 item 5): synscan under exactly the Kubernetes pod's privileges (scripts/k8s/job.yaml: root,
# capabilities drop ALL + add NET_RAW, NET_ADMIN, allowPrivilegeEscalation: false), reproduced with setpriv:
# no-new-privs, a bounding set of those two, no inheritable ones. The Job's entrypoint (synscan-shard.sh) must
# run its --count and its scan to exact results; a plain scan and --dry-run too. Before the fix each exited 1:
# "cannot drop privileges: emptying the capability bounding set: Operation not permitted".
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns
command -v setpriv >/dev/null || skip "setpriv not found (util-linux)"
lab_up
K8S_DIR=$SYNSCAN_SOURCE_DIR/scripts/k8s
# The pod's privileges: uid 0 (runAsUser: 0), only NET_RAW and NET_ADMIN, no-new-privs.
as_pod() {
  setpriv --no-new-privs --bounding-set=-all,+net_raw,+net_admin --inh-caps=-all -- "$@"
}
grep -q 'add: \["NET_RAW", "NET_ADMIN"\]' "$K8S_DIR/job.yaml" || fail "job.yaml's capabilities changed: update this test"
grep -q 'allowPrivilegeEscalation: false' "$K8S_DIR/job.yaml" || fail "job.yaml no longer sets no-new-privs"

d=$E2E_WORK/pod
mkdir -p "$d"
chmod 777 "$d"
rc=0
timeout -k 5 "$SCAN_TIMEOUT" "$LAB_SH" exec "$LAB_NAME" setpriv --no-new-privs \
  --bounding-set=-all,+net_raw,+net_admin --inh-caps=-all -- "$SYNSCAN_BIN" 198.19.0.0/28 -p 22,80 --wait 1 \
  --no-status --format ndjson -o "$d/plain.ndjson" 2>"$d/plain.err" || rc=$?
((rc == 0)) || fail "a scan with the pod's capabilities exited $rc: $(cat "$d/plain.err")"
check_truth --targets 198.19.0.0/28 --ports 22,80 "$d/plain.ndjson" || fail "the pod's scan is not exact"

rc=0
as_pod "$SYNSCAN_BIN" 198.19.0.0/30 -p 80 --dry-run >/dev/null 2>"$d/dry.err" || rc=$?
((rc == 0)) || fail "--dry-run with the pod's capabilities exited $rc: $(cat "$d/dry.err")"

rc=0
SYNSCAN_SHARDS=1 SYNSCAN_SEED=7 JOB_COMPLETION_INDEX=0 SYNSCAN_TARGETS=198.19.0.0/28 SYNSCAN_PORTS=22,80,1000 \
  SYNSCAN_ARGS="--wait 1 --show all" SYNSCAN_OUT_DIR=$d/results SYNSCAN_BIN=$SYNSCAN_BIN \
  timeout -k 5 "$SCAN_TIMEOUT" "$LAB_SH" exec "$LAB_NAME" setpriv --no-new-privs \
  --bounding-set=-all,+net_raw,+net_admin --inh-caps=-all -- sh "$K8S_DIR/synscan-shard.sh" 2>"$d/shard.err" || rc=$?
((rc == 0)) || fail "the shard script with the pod's capabilities exited $rc: $(cat "$d/shard.err")"
check_truth --targets 198.19.0.0/28 --ports 22,80,1000 --all "$d/results/shard-1-of-1.ndjson" ||
  fail "the pod's shard results are not exact"

# An explicit --user that this root cannot become is an error that says what to do.
rc=0
as_pod "$SYNSCAN_BIN" 198.19.0.0/30 -p 80 --dry-run --user nobody >/dev/null 2>"$d/user.err" || rc=$?
if ((rc != 1)) || ! grep -q -- "--user root" "$d/user.err"; then
  fail "--user nobody without CAP_SETUID: exit $rc: $(cat "$d/user.err")"
fi
log "PASS"
