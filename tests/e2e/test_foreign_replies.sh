#!/usr/bin/env bash
# Forged replies are never reported (issue 4). While synscan scans 198.19.1.0/24 x 22,25,1000, the target
# namespace answers every probe to port 25 (dropped by the lab: no real answer ever comes) with frames that are
# the right answer except in one field (tests/e2e/inject_replies.py --mode foreign): a SYN-ACK from a host that was
# not probed (198.19.2.x), a SYN-ACK and a RST+ACK with a wrong ack, a SYN-ACK to a local port the probe did not
# use (inside and outside the source-port range), and ICMP host unreachable quoting a probe we did not send (other
# sequence number, other port). Every one of them must be ignored: port 25 stays filtered/no-response and no
# 198.19.2.x appears. Positive controls: 198.19.1.9:25 gets a correct forged SYN-ACK (-> open/syn-ack) and
# 198.19.1.10:25 a correct ICMP quoting its probe (-> filtered/icmp-unreach), proving the forged frames do reach
# synscan's receiver; the foreign frames are sent first, so had one of them been accepted it would have won.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns
lab_up

targets=198.19.1.0/24
ports=22,25,1000
injector=$SYNSCAN_SOURCE_DIR/tests/e2e/inject_replies.py

"$LAB_SH" exec-target "$LAB_NAME" python3 "$injector" --mode foreign --port 25 --duration 60 \
  --ready "$E2E_WORK/ready" --summary "$E2E_WORK/injected.json" 2>"$E2E_WORK/injector.log" &
injector_pid=$!
for _ in $(seq 100); do [[ -e $E2E_WORK/ready ]] && break; sleep 0.1; done
[[ -e $E2E_WORK/ready ]] || fail "injector did not start: $(cat "$E2E_WORK/injector.log")"

# A modest rate: the injector is Python and must answer every port-25 probe.
scan "$targets" -p "$ports" --rate 2000 --wait 3 --show open,closed,filtered --format ndjson \
  -o "$E2E_WORK/all.ndjson" 2>"$E2E_WORK/summary.txt" || fail "synscan exited with $?: $(cat "$E2E_WORK/summary.txt")"
cat "$E2E_WORK/summary.txt" >&2
kill -TERM "$injector_pid"
wait "$injector_pid" || fail "injector failed: $(cat "$E2E_WORK/injector.log")"
log "injected: $(cat "$E2E_WORK/injected.json")"

python3 - "$E2E_WORK/all.ndjson" "$E2E_WORK/injected.json" <<'EOF' || fail "forged replies changed the results"
import ipaddress, json, sys

records = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
injected = json.load(open(sys.argv[2]))
problems = []
if injected["probes"] != 256:
    problems.append(f"injector saw {injected['probes']} probes to port 25, expected 256: the test proves nothing")
for kind in ("unprobed_host", "wrong_ack", "wrong_ack_rst", "unused_port", "port_outside_range",
             "icmp_other_seq", "icmp_other_port"):
    if injected["sent"].get(kind, 0) != 256:
        problems.append(f"injector sent {injected['sent'].get(kind, 0)} '{kind}' frames, expected 256")

expected = {}
for host in ipaddress.IPv4Network("198.19.1.0/24"):
    expected[(str(host), 22)] = ("open", "syn-ack")
    expected[(str(host), 1000)] = ("closed", "rst")
    expected[(str(host), 25)] = ("filtered", "no-response")
expected[("198.19.1.9", 25)] = ("open", "syn-ack")        # control: correct forged SYN-ACK
expected[("198.19.1.10", 25)] = ("filtered", "icmp-unreach")  # control: correct forged ICMP

seen = set()
for r in records:
    key = (r["ip"], r["port"])
    if key not in expected:
        problems.append(f"reported {key} {r['state']}/{r['reason']}: never probed")
    elif key in seen:
        problems.append(f"reported {key} twice")
    elif (r["state"], r["reason"]) != expected[key]:
        problems.append(f"{key}: {r['state']}/{r['reason']}, expected {'/'.join(expected[key])}")
    seen.add(key)
missing = set(expected) - seen
if missing:
    problems.append(f"{len(missing)} probes not reported, e.g. {sorted(missing)[:3]}")
for p in problems[:20]:
    print("  " + p)
print(f"checked {len(records)} records against {len(expected)} probes: {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
EOF

# The foreign frames that pass the capture filter are counted as ignored replies. Those to port 40000 (and the
# "unused port" frame of a probe sent from the range's last port) never reach the receiver: the BPF filter drops
# them in the kernel. So at least 5 x 256 of them are counted.
ignored=$(sed -n 's/.* \([0-9]\+\) replies ignored.*/\1/p' "$E2E_WORK/summary.txt" | head -n 1)
[[ -n $ignored ]] || fail "no 'N replies ignored' in the summary"
((ignored >= 5 * 256)) || fail "summary counts $ignored ignored replies, expected at least $((5 * 256))"
log "PASS"
