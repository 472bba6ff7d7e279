#!/usr/bin/env bash
# Late replies (issue 4): the target namespace answers every probe to port 25 (dropped by the lab, so no other
# answer comes) with a correct SYN-ACK 1.5 s after the probe (tests/e2e/inject_replies.py --mode late).
#   (a) --wait 4: the replies arrive during --wait and are used: port 25 is open/syn-ack.
#   (b) --wait 0.3: the scan has ended before they arrive: port 25 is reported filtered/no-response, once per
#       probe, and nothing else appears (the receiver is stopped before the unanswered probes are written).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns
lab_up

targets=198.19.1.0/28
ports=22,25
injector=$SYNSCAN_SOURCE_DIR/tests/e2e/inject_replies.py

start_injector() {
  rm -f "$E2E_WORK/ready"
  "$LAB_SH" exec-target "$LAB_NAME" python3 "$injector" --mode late --delay 1.5 --port 25 --duration 60 \
    --ready "$E2E_WORK/ready" --summary "$E2E_WORK/injected-$1.json" 2>"$E2E_WORK/injector.log" &
  injector_pid=$!
  for _ in $(seq 100); do [[ -e $E2E_WORK/ready ]] && break; sleep 0.1; done
  [[ -e $E2E_WORK/ready ]] || fail "injector did not start: $(cat "$E2E_WORK/injector.log")"
}

stop_injector() {
  kill -TERM "$injector_pid"
  wait "$injector_pid" || fail "injector failed: $(cat "$E2E_WORK/injector.log")"
  log "injected ($1): $(cat "$E2E_WORK/injected-$1.json")"
}

# check NDJSON STATE25 REASON25: every probe once; port 22 open, port 25 as given.
check() {
  python3 - "$@" <<'EOF'
import ipaddress, json, sys
path, state25, reason25 = sys.argv[1:4]
expected = {}
for host in ipaddress.IPv4Network("198.19.1.0/28"):
    expected[(str(host), 22)] = ("open", "syn-ack")
    expected[(str(host), 25)] = (state25, reason25)
got = {}
for line in open(path):
    if line.strip():
        r = json.loads(line)
        key = (r["ip"], r["port"])
        if key in got:
            sys.exit(f"{key} reported twice")
        got[key] = (r["state"], r["reason"])
if got != expected:
    bad = sorted(k for k in set(got) | set(expected) if got.get(k) != expected.get(k))
    sys.exit(f"{len(bad)} differences, e.g. {[(k, got.get(k), expected.get(k)) for k in bad[:3]]}")
print(f"{len(got)} results as expected (port 25: {state25}/{reason25})")
EOF
}

log "(a) replies 1.5 s late, --wait 4: used"
start_injector a
scan "$targets" -p "$ports" --rate 1000 --wait 4 --show open,closed,filtered --format ndjson \
  -o "$E2E_WORK/a.ndjson" || fail "synscan exited with $? (a)"
stop_injector a
check "$E2E_WORK/a.ndjson" open syn-ack || fail "(a) late replies during --wait were not used"

log "(b) replies 1.5 s late, --wait 0.3: the scan ended first"
start_injector b
scan "$targets" -p "$ports" --rate 1000 --wait 0.3 --show open,closed,filtered --format ndjson \
  -o "$E2E_WORK/b.ndjson" || fail "synscan exited with $? (b)"
sleep 2  # let the late replies arrive after the scan
stop_injector b
grep -q '"late_synack": 16' "$E2E_WORK/injected-b.json" || fail "(b) the injector did not send its 16 late replies"
check "$E2E_WORK/b.ndjson" filtered no-response || fail "(b) results changed by replies after the scan ended"
log "PASS"
