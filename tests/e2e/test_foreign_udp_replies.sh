#!/usr/bin/env bash
# Forged UDP and ICMP echo answers are never reported (issue 19). While synscan scans the lab's drop block
# 198.19.255.0/28 (no real answer ever comes) on UDP 53 with --ping, the target namespace answers every probe with
# frames that are the right answer except in one field (tests/e2e/inject_udp_replies.py): a DNS response with
# another transaction id, the right response to another of our source ports, from a host not probed, from
# another port of the target, an ICMP port unreachable quoting the probe with another id; an echo reply with
# another sequence number, the right one from a host not probed. Every one must be ignored: UDP 53 stays
# open|filtered, echo down, no other address appears. Positive controls prove the forged frames reach synscan:
# .9 gets the right DNS response (-> open), .10 the right port unreachable (-> closed), .11 the right echo reply
# (-> up); the foreign frames are sent first, so had one of them been accepted it would have won.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns
lab_up --udp

injector=$SYNSCAN_SOURCE_DIR/tests/e2e/inject_udp_replies.py
"$LAB_SH" exec-target "$LAB_NAME" python3 "$injector" --duration 60 --ready "$E2E_WORK/ready" \
  --summary "$E2E_WORK/injected.json" 2>"$E2E_WORK/injector.log" &
injector_pid=$!
for _ in $(seq 100); do [[ -e $E2E_WORK/ready ]] && break; sleep 0.1; done
[[ -e $E2E_WORK/ready ]] || fail "injector did not start: $(cat "$E2E_WORK/injector.log")"

# A modest rate: the injector is Python and must answer every probe.
scan 198.19.255.0/28 -p U:53 --ping --rate 200 --wait 3 --show all --format ndjson -o "$E2E_WORK/all.ndjson" \
  2>"$E2E_WORK/summary.txt" || fail "synscan exited with $?: $(cat "$E2E_WORK/summary.txt")"
kill -TERM "$injector_pid"
wait "$injector_pid" || fail "injector failed: $(cat "$E2E_WORK/injector.log")"
log "injected: $(cat "$E2E_WORK/injected.json")"

python3 - "$E2E_WORK/all.ndjson" "$E2E_WORK/injected.json" <<'PY' || fail "forged answers changed the results"
import ipaddress, json, sys

records = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
injected = json.load(open(sys.argv[2]))
problems = []
if injected["probes"]["udp"] < 16 or injected["probes"]["echo"] < 16:
    problems.append(f"the injector saw too few probes: {injected['probes']}")
for kind in ("dns_wrong_id", "dns_other_local_port", "dns_unprobed_host", "dns_other_target_port",
             "icmp_quote_other_id", "echo_wrong_seq", "echo_unprobed_host"):
    if injected["sent"].get(kind, 0) < 16:
        problems.append(f"too few {kind} frames sent: {injected['sent']}")
block = ipaddress.ip_network("198.19.255.0/28")
seen = {}
for r in records:
    ip = ipaddress.ip_address(r["ip"])
    if ip not in block:
        problems.append(f"a result for a host not probed: {r}")
        continue
    last = int(r["ip"].split(".")[3])
    key = (r["proto"], r.get("port"), last)
    seen[key] = r
    if r["proto"] == "udp":
        want = ("open", "udp-response") if last == 9 else ("closed", "port-unreach") if last == 10 else \
            ("open|filtered", "no-response")
    else:
        want = ("up", "echo-reply") if last == 11 else ("down", "no-response")
    if (r["state"], r["reason"]) != want:
        problems.append(f"{r['ip']} {r['proto']}: {r['state']}/{r['reason']}, want {want[0]}/{want[1]}")
if len(seen) != 32:
    problems.append(f"{len(seen)} results, want 32 (16 x UDP 53, 16 x echo)")
for p in problems:
    print(p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
grep -Eq '[0-9]+ repl(y|ies) ignored' "$E2E_WORK/summary.txt" || fail "the summary lacks the ignored count"
log "ok: $(grep -Eo '[0-9]+ repl(y|ies) ignored' "$E2E_WORK/summary.txt"); every forged answer ignored, the controls accepted"
log "PASS"
