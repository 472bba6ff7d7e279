#!/usr/bin/env bash
# Outputs around a complete scan: (a) the status line, forced on, never passes 100% and ends on a final 100% line;
# --status-json does the same as JSON objects; (b) -oA writes BASE.xml (valid against nmap.dtd), BASE.gnmap and
# BASE.txt, --metadata matches the summary, --pcap-out holds every probe and its reply; (c) nmap's ndiff compares
# two synscan XML files and reports a port that changed state between them, and prints only its two header lines
# (exit 0) for two scans alike, as README says.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns
lab_up

targets=198.19.0.0/26
ports=22,25,80,113,1000
probes=$((64 * 5))

log "(a) --status on a pipe: one line a second, the last one 100% done"
scan $targets -p $ports --rate 150 --wait 1 --status >/dev/null 2>"$E2E_WORK/status.err" || fail "scan (a) exited $?"
grep '|' "$E2E_WORK/status.err" >"$E2E_WORK/status.lines" || fail "no status line: $(cat "$E2E_WORK/status.err")"
(($(wc -l <"$E2E_WORK/status.lines") >= 2)) || fail "want at least two status lines: $(cat "$E2E_WORK/status.err")"
python3 - "$E2E_WORK/status.lines" <<'PY' || fail "status line percentages wrong: $(cat "$E2E_WORK/status.lines")"
import re, sys
lines = open(sys.argv[1]).read().splitlines()
pcts = [float(re.search(r"sent (\d+\.\d)%", l).group(1)) for l in lines]
assert all(p <= 100.0 for p in pcts), pcts
assert pcts == sorted(pcts), pcts
assert pcts[-1] == 100.0 and lines[-1].find("| done |") > 0, lines[-1]
PY

log "(a) --status-json"
scan $targets -p $ports --rate 150 --wait 1 --status-json >/dev/null 2>"$E2E_WORK/status.json" || fail "scan exited $?"
python3 - "$E2E_WORK/status.json" <<'PY' || fail "--status-json objects wrong: $(cat "$E2E_WORK/status.json")"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
assert len(objs) >= 2, objs
assert all(o["percent"] <= 100 for o in objs), objs
assert objs[-1]["phase"] == "done" and objs[-1]["percent"] == 100 and objs[-1]["sent"] == objs[-1]["total"], objs[-1]
PY

log "(b) -oA, --metadata, --pcap-out"
scan $targets -p $ports --rate 2000 --wait 1 --show all -oA "$E2E_WORK/all" --metadata "$E2E_WORK/meta.json" \
  --pcap-out "$E2E_WORK/scan.pcap" --no-status 2>"$E2E_WORK/b.err" || fail "scan (b) exited $?"
for f in all.xml all.gnmap all.txt meta.json scan.pcap; do [[ -s $E2E_WORK/$f ]] || fail "-oA/metadata/pcap: $f missing"; done
xmllint --noout "$E2E_WORK/all.xml" || fail "all.xml is not well-formed"
if [[ -f /usr/share/nmap/nmap.dtd ]]; then
  xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$E2E_WORK/all.xml" || fail "all.xml is not valid against nmap.dtd"
fi
[[ $(grep -c '^Host: ' "$E2E_WORK/all.gnmap") == "$probes" ]] || fail "all.gnmap does not hold $probes results"
[[ $(wc -l <"$E2E_WORK/all.txt") == "$probes" ]] || fail "all.txt does not hold $probes results"
python3 - "$E2E_WORK/meta.json" "$E2E_WORK/b.err" "$probes" <<'PY' || fail "metadata wrong: $(cat "$E2E_WORK/meta.json")"
import json, re, sys
m = json.load(open(sys.argv[1]))
err = open(sys.argv[2]).read()
n = int(sys.argv[3])
assert m["probes"]["sent"] == n and m["probes"]["sent_per_pass"] == [n], m["probes"]
r = m["results"]
assert r["open"] + r["closed"] + r["filtered"] == n, r
assert f'results: {r["open"]} open, {r["closed"]} closed, {r["filtered"]} filtered' in err, err
assert m["replies"]["syn_ack"] == r["open"] and m["replies"]["rst"] == r["closed"], m["replies"]
assert m["options"]["ports"] == "22,25,80,113,1000" and m["interrupted"] is False and m["seed"] >= 0
assert m["drops"]["pcap"] == 0 and m["mean_pps"] > 0 and m["start"] <= m["end"]
PY
counts=$(python3 "$SYNSCAN_SOURCE_DIR/tests/e2e/pcap_count.py" "$E2E_WORK/scan.pcap") || fail "pcap does not parse"
log "pcap: $counts"
python3 -c "
import json, sys
c = json.loads(sys.argv[1]); m = json.load(open(sys.argv[2]))['replies']
assert c['syn'] == $probes, c
assert c['syn_ack'] == m['syn_ack'] and c['icmp'] == m['icmp_unreach'], (c, m)
" "$counts" "$E2E_WORK/meta.json" || fail "--pcap-out does not hold every probe and reply"

log "(c) ndiff: port 80 of 198.19.0.7 goes from open to filtered between two scans"
scan 198.19.0.0/29 -p 22,80 --rate 2000 --wait 1 --show all -oX "$E2E_WORK/before.xml" --no-status 2>/dev/null ||
  fail "scan before exited $?"
scan 198.19.0.0/29 -p 22,80 --rate 2000 --wait 1 --show all -oX "$E2E_WORK/same.xml" --no-status 2>/dev/null ||
  fail "scan same exited $?"
"$LAB_SH" exec-target "$LAB_NAME" nft insert rule inet synscan_lab input ip daddr 198.19.0.7 tcp dport 80 drop ||
  fail "could not change the lab"
scan 198.19.0.0/29 -p 22,80 --rate 2000 --wait 1 --show all -oX "$E2E_WORK/after.xml" --no-status 2>/dev/null ||
  fail "scan after exited $?"
rc=0
ndiff "$E2E_WORK/before.xml" "$E2E_WORK/same.xml" >"$E2E_WORK/ndiff.same" || rc=$?
((rc == 0)) || fail "ndiff of two identical scans exited $rc (want 0): $(cat "$E2E_WORK/ndiff.same")"
# What README says it prints then: nothing but the two header lines (the scans' start times and command lines).
[[ $(wc -l <"$E2E_WORK/ndiff.same") == 2 ]] && grep -q '^-Nmap .* scan initiated .* as: synscan ' "$E2E_WORK/ndiff.same" &&
  grep -q '^+Nmap .* scan initiated .* as: synscan ' "$E2E_WORK/ndiff.same" ||
  fail "ndiff of two identical scans: want only the two header lines: $(cat "$E2E_WORK/ndiff.same")"
rc=0
ndiff "$E2E_WORK/before.xml" "$E2E_WORK/after.xml" >"$E2E_WORK/ndiff.out" || rc=$?
((rc == 1)) || fail "ndiff exited $rc (want 1: differences): $(cat "$E2E_WORK/ndiff.out")"
grep -q '^ 198.19.0.7:' "$E2E_WORK/ndiff.out" && grep -q '^-80/tcp open' "$E2E_WORK/ndiff.out" &&
  grep -q '^+80/tcp filtered' "$E2E_WORK/ndiff.out" || fail "ndiff did not report 198.19.0.7:80 open -> filtered:
$(cat "$E2E_WORK/ndiff.out")"
(($(grep -c '^[-+][0-9]' "$E2E_WORK/ndiff.out") == 2)) || fail "ndiff reports more than that one port:
$(cat "$E2E_WORK/ndiff.out")"

log "PASS"
