#!/usr/bin/env bash
# Sharding across machines, shown here: the Kubernetes Job's entrypoint (scripts/k8s/synscan-shard.sh) runs as
# three concurrent processes, each in its OWN scanner namespace (lab.sh add-scanner) against the one lab, with
# JOB_COMPLETION_INDEX 0, 1, 2 as Kubernetes would set it. Then: the shards are disjoint and cover every probe
# once (C15), `synscan merge` of their NDJSON equals one unsharded scan, and agrees with the lab's truth.
# Also checks that scripts/k8s/ renders (kubectl kustomize) into a ConfigMap carrying this very script and an
# Indexed Job whose completions match the shard count.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

K8S_DIR=$SYNSCAN_SOURCE_DIR/scripts/k8s

check_manifest() {
  # scripts/install-deps.sh installs both: missing, the manifests would go unchecked, so that is a failure.
  command -v kubectl >/dev/null 2>&1 || fail "kubectl not found (package kubernetes-client; scripts/install-deps.sh)"
  python3 -c 'import yaml' 2>/dev/null || fail "python3-yaml not found (scripts/install-deps.sh)"
  kubectl kustomize "$K8S_DIR" >"$E2E_WORK/k8s.yaml" || fail "kubectl kustomize scripts/k8s failed"
  python3 - "$E2E_WORK/k8s.yaml" "$K8S_DIR" <<'PY' || fail "scripts/k8s manifest is inconsistent"
import sys, yaml
docs = {d["kind"]: d for d in yaml.safe_load_all(open(sys.argv[1])) if d}
cm, job = docs["ConfigMap"], docs["Job"]
script = open(sys.argv[2] + "/synscan-shard.sh").read()
assert cm["data"]["synscan-shard.sh"] == script, "ConfigMap script differs from synscan-shard.sh"
shards = int(cm["data"]["SYNSCAN_SHARDS"])
spec = job["spec"]
assert spec["completionMode"] == "Indexed", spec.get("completionMode")
assert spec["completions"] == shards and spec["parallelism"] == shards, (spec["completions"], shards)
pod = spec["template"]["spec"]
c = pod["containers"][0]
assert c["command"][-1] == "/etc/synscan/synscan-shard.sh", c["command"]
caps = c["securityContext"]["capabilities"]
assert set(caps["add"]) == {"NET_RAW", "NET_ADMIN"} and caps["drop"] == ["ALL"], caps
assert c["envFrom"][0]["configMapRef"]["name"] == cm["metadata"]["name"]
PY
  log "ok: scripts/k8s renders: ConfigMap with synscan-shard.sh, Indexed Job with completions = SYNSCAN_SHARDS"
}

check_manifest

skip_if_no_netns
lab_up
for idx in 1 2 3; do
  "$LAB_SH" add-scanner "$LAB_NAME" "$idx" || fail "lab.sh add-scanner $LAB_NAME $idx failed"
done

targets="198.19.0.0/24 198.19.255.0/30"
ports=22,25,80,113,443,1000,8080
probes=$((260 * 7))
scan_args="--rate 20000 --wait 2 --show open,closed,filtered"

# The ConfigMap's values for this lab, then the Job's three pods as three processes.
export SYNSCAN_SHARDS=3 SYNSCAN_SEED=424242 SYNSCAN_TARGETS=$targets SYNSCAN_PORTS=$ports SYNSCAN_ARGS=$scan_args
export SYNSCAN_OUT_DIR=$E2E_WORK/results SYNSCAN_BIN=$SYNSCAN_BIN
pids=()
for index in 0 1 2; do
  JOB_COMPLETION_INDEX=$index timeout -k 5 "$SCAN_TIMEOUT" "$LAB_SH" exec-scanner "$LAB_NAME" $((index + 1)) \
    sh "$K8S_DIR/synscan-shard.sh" 2>"$E2E_WORK/shard-$index.err" &
  pids+=($!)
done
for index in 0 1 2; do
  rc=0
  wait "${pids[$index]}" || rc=$?
  ((rc == 0)) || fail "shard $((index + 1))/3 exited $rc: $(tail -n 5 "$E2E_WORK/shard-$index.err")"
done
log "shards done: $(grep -h 'probes sent' "$E2E_WORK"/shard-*.err | tr '\n' ' ')"
shard_files=("$SYNSCAN_OUT_DIR"/shard-{1,2,3}-of-3.ndjson)
for f in "${shard_files[@]}"; do [[ -s $f ]] || fail "missing shard output $f"; done
if compgen -G "$SYNSCAN_OUT_DIR/*.partial" >/dev/null; then fail "a .partial file was left behind"; fi

# Disjoint and complete: every probe reported by exactly one shard (every state is shown).
total=$(cat "${shard_files[@]}" | wc -l)
distinct=$(cat "${shard_files[@]}" | jq -r '"\(.ip) \(.port)"' | sort -u | wc -l)
((total == probes && distinct == probes)) ||
  fail "shards reported $total results, $distinct distinct; want $probes each"
for f in "${shard_files[@]}"; do
  n=$(wc -l <"$f")
  ((n >= probes / 3 - 1 && n <= probes / 3 + 1)) || fail "$f holds $n results; shares should be about $((probes / 3))"
done

"$SYNSCAN_BIN" merge "${shard_files[@]}" -o "$E2E_WORK/merged.ndjson" 2>"$E2E_WORK/merge.err" ||
  fail "synscan merge failed: $(cat "$E2E_WORK/merge.err")"
# shellcheck disable=SC2086  # $targets is a word list
check_truth --targets $targets --ports "$ports" --all "$E2E_WORK/merged.ndjson" ||
  fail "merged results differ from the truth"
# Address order: ip numerically, then port.
jq -r '.ip + " " + (.port|tostring)' "$E2E_WORK/merged.ndjson" >"$E2E_WORK/order"
sort -t' ' -k1,1V -k2,2n "$E2E_WORK/order" | cmp -s - "$E2E_WORK/order" ||
  fail "merged output is not in address order"

# One unsharded scan from the lab's first scanner, same options and seed.
# shellcheck disable=SC2086  # $targets and $scan_args are word lists
scan $targets -p "$ports" --seed 424242 $scan_args --format ndjson -o "$E2E_WORK/whole.ndjson" \
  2>"$E2E_WORK/whole.err" || fail "unsharded scan exited $?: $(cat "$E2E_WORK/whole.err")"
key='"\(.ip) \(.port) \(.state) \(.reason)"'
diff <(jq -r "$key" "$E2E_WORK/merged.ndjson" | sort) <(jq -r "$key" "$E2E_WORK/whole.ndjson" | sort) \
  >"$E2E_WORK/diff" || fail "merged shards differ from the unsharded scan: $(head -n 10 "$E2E_WORK/diff")"

# Memory per shard follows its share: each shard's window (the answered set of its probes in flight, the summary's
# "state of the probes in flight") is at most 2/N of the unsharded scan's (power-of-two rings) and not all of it;
# the shards used to allocate the whole space's table each.
whole_state=$(sed -n 's/.*state of the probes in flight: \([0-9]*\) bytes.*/\1/p' "$E2E_WORK/whole.err")
[[ -n $whole_state ]] || fail "no state line in the unsharded summary: $(cat "$E2E_WORK/whole.err")"
for index in 0 1 2; do
  state=$(sed -n 's/.*state of the probes in flight: \([0-9]*\) bytes.*/\1/p' "$E2E_WORK/shard-$index.err")
  [[ -n $state ]] || fail "no state line in shard $((index + 1))'s summary"
  ((state * 3 <= whole_state * 2 && state < whole_state)) ||
    fail "shard $((index + 1))/3 holds $state bytes of state, the whole scan $whole_state: not about 1/3"
done
log "state per shard: $(sed -n 's/.*in flight: \([0-9]*\) bytes.*/\1/p' "$E2E_WORK"/shard-*.err | tr '\n' ' ')bytes; unsharded $whole_state bytes"

# merge writes the other formats too.
"$SYNSCAN_BIN" merge --format list "${shard_files[@]}" 2>/dev/null >"$E2E_WORK/merged.list"
[[ $(grep -c '^open tcp ' "$E2E_WORK/merged.list") == $(jq -r 'select(.state=="open")' -c "$E2E_WORK/merged.ndjson" | wc -l) ]] ||
  fail "merge --format list lost results"

log "PASS ($probes probes in 3 shards from 3 namespaces; merged = unsharded = truth)"
