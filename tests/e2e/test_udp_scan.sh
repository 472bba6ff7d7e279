#!/usr/bin/env bash
# Issue 19: synscan's UDP and ICMP echo probes on the UDP lab (scripts/lab.sh up --udp: dnsmasq 53, chrony 123,
# snmpd 161; 7777 closed, 7778 dropped, 7779 admin-prohibited; 198.19.0.192/26 and 2001:2:0:1::c0/122 do not
# answer echo), both families, TCP ports and echo in the same scan:
#   - every state exact against the lab's truth (tests/e2e/check_udp_truth.py), each open UDP port's service
#     named and what it answered (dnsmasq's version, the NTP stratum, the SNMP sysDescr) in the NDJSON;
#   - the XML valid against nmap.dtd with <port protocol="udp">, read by ndiff; the CSV and the list name udp;
#   - `synscan merge` of the NDJSON keeps every record;
#   - -sn alone: up and down exact, no port in any record.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns
lab_up --udp
CHECK_UDP=$SYNSCAN_SOURCE_DIR/tests/e2e/check_udp_truth.py
truth() { python3 -c 'import json, sys
doc = json.load(open(sys.argv[1]))
for key in sys.argv[2:]:
    doc = doc[key]
print(doc)' "$LAB_TRUTH" "$@"; }
[[ $(truth families) == *ipv6* ]] || skip "the lab has no IPv6 here (kernel without IPv6?)"

targets=(198.19.0.5-198.19.0.8 198.19.0.200 198.19.0.201 2001:2:0:1::5 2001:2:0:1::c5)
udp_ports=53,123,161,7777,7778,7779
tcp_ports=22,80,113
# --retries 2: a datagram or an ICMP error lost while other tests load the machine is asked again (a retry goes
# only to a silent probe; the lab's per-host ICMP limits are off here).
scan "${targets[@]}" -p "U:$udp_ports,T:$tcp_ports" --ping --show all --retries 2 --retry-delay 0.5 --wait 2 \
  -oD "$E2E_WORK/scan.ndjson" -oX "$E2E_WORK/scan.xml" -oC "$E2E_WORK/scan.csv" -oL "$E2E_WORK/scan.txt" \
  2>"$E2E_WORK/scan.err" || fail "the scan failed: $(cat "$E2E_WORK/scan.err")"
python3 "$CHECK_UDP" --truth "$LAB_TRUTH" --targets "${targets[@]}" --udp-ports "$udp_ports" --tcp-ports "$tcp_ports" \
  --echo --service require "$E2E_WORK/scan.ndjson" >"$E2E_WORK/check.out" 2>&1 ||
  fail "not exact against the truth: $(cat "$E2E_WORK/check.out")"
log "ok: $(grep -c . "$E2E_WORK/scan.ndjson") records, every state exact (UDP, TCP, echo; both families)"

# What answered: each open UDP port names its service and carries its answer.
python3 - "$E2E_WORK/scan.ndjson" "$(truth udp services 53 version_bind)" "$(truth udp services 161 sysdescr)" \
  "$(truth udp services 123 stratum)" <<'PY' || fail "an open UDP port without what it answered"
import json, sys
path, version_bind, sysdescr, stratum = sys.argv[1:]
want = {53: ("domain", version_bind.split("-")[0]), 123: ("ntp", "stratum " + stratum), 161: ("snmp", sysdescr)}
seen = 0
for line in open(path):
    r = json.loads(line)
    if r.get("proto") != "udp" or r["state"] != "open":
        continue
    name, text = want[r["port"]]
    svc = r.get("service") or {}
    blob = " ".join(str(x) for x in (svc.get("product", ""), svc.get("version", ""), r.get("banner", "")))
    if svc.get("name") != name or text not in blob or r.get("banner_status") != "ok":
        sys.exit(f"{r['ip']} udp {r['port']}: {r}")
    seen += 1
if seen == 0:
    sys.exit("no open UDP port at all")
print(f"{seen} open UDP ports with their answers", file=sys.stderr)
PY
if command -v xmllint >/dev/null && [[ -r /usr/share/nmap/nmap.dtd ]]; then
  xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$E2E_WORK/scan.xml" 2>"$E2E_WORK/xmllint.err" ||
    fail "XML not valid against nmap.dtd: $(head -5 "$E2E_WORK/xmllint.err")"
fi
grep -q '<scaninfo type="udp" protocol="udp"' "$E2E_WORK/scan.xml" || fail "XML lacks the UDP scaninfo"
grep -q '<port protocol="udp" portid="7778"><state state="open|filtered"' "$E2E_WORK/scan.xml" ||
  fail "XML lacks an open|filtered UDP port"
if command -v ndiff >/dev/null; then
  ndiff "$E2E_WORK/scan.xml" "$E2E_WORK/scan.xml" >"$E2E_WORK/ndiff.out" 2>&1 || fail "ndiff: $(cat "$E2E_WORK/ndiff.out")"
fi
grep -q '^198.19.0.5,53,udp,open,udp-response,' "$E2E_WORK/scan.csv" || fail "CSV lacks 198.19.0.5 udp 53 open"
grep -q '^closed udp 7777 198.19.0.5$' "$E2E_WORK/scan.txt" || fail "list lacks 'closed udp 7777 198.19.0.5'"
grep -q '^down icmp 198.19.0.200$' "$E2E_WORK/scan.txt" || fail "list lacks 'down icmp 198.19.0.200'"
"$SYNSCAN_BIN" merge "$E2E_WORK/scan.ndjson" -o "$E2E_WORK/merged.ndjson" 2>/dev/null || fail "merge failed"
[[ $(wc -l <"$E2E_WORK/merged.ndjson") == $(wc -l <"$E2E_WORK/scan.ndjson") ]] ||
  fail "merge kept $(wc -l <"$E2E_WORK/merged.ndjson") of $(wc -l <"$E2E_WORK/scan.ndjson") records"
log "ok: XML valid (nmap.dtd, ndiff), CSV and list name udp and icmp, merge keeps every record"

# Host discovery alone: up and down, no port anywhere.
echo_targets=(198.19.0.188-198.19.0.195 2001:2:0:1::bd-2001:2:0:1::c2)
scan "${echo_targets[@]}" -sn --show all --retries 2 --retry-delay 0.5 --wait 2 -oD "$E2E_WORK/echo.ndjson" \
  2>"$E2E_WORK/echo.err" || fail "the -sn scan failed: $(cat "$E2E_WORK/echo.err")"
python3 "$CHECK_UDP" --truth "$LAB_TRUTH" --targets "${echo_targets[@]}" --echo "$E2E_WORK/echo.ndjson" \
  >"$E2E_WORK/echo.out" 2>&1 || fail "-sn not exact: $(cat "$E2E_WORK/echo.out")"
! grep -q '"port"' "$E2E_WORK/echo.ndjson" || fail "an echo record has a port"
[[ $(grep -c '"state":"up"' "$E2E_WORK/echo.ndjson") == 7 && $(grep -c '"state":"down"' "$E2E_WORK/echo.ndjson") == 7 ]] ||
  fail "-sn: want 7 up and 7 down: $(cut -c1-60 "$E2E_WORK/echo.ndjson")"
log "ok: -sn: 7 up, 7 down, exact in both families"
log "PASS"
