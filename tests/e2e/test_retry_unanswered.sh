#!/usr/bin/env bash
# --retries 1 re-sends only the probes that got no reply (issue 4), counted on the wire: nftables counters in the
# target namespace's prerouting hook (before the lab's drop rules) count the SYNs from the scanner per port.
# Targets 198.19.1.0/24 plus 4 addresses of the lab's drop block x ports 22 (open), 25 (dropped), 1000 (closed):
#   probes              260 x 3                          = 780
#   unanswered probes   port 25 on all 260 + ports 22 and 1000 on the 4 drop-block addresses = 268
# so 1048 SYNs in all: port 22 and port 1000 264 each (260 + 4 retries), port 25 520 (every probe twice).
# The summary's "passes: 780+268" and the results (checked against the truth) must agree.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns
lab_up

"$LAB_SH" exec-target "$LAB_NAME" nft -f - <<'EOF' || fail "could not add the SYN counters"
table ip synscan_count {
  counter syn22 {}
  counter syn25 {}
  counter syn1000 {}
  counter synother {}
  chain pre {
    type filter hook prerouting priority raw; policy accept;
    ip saddr 198.18.0.1 tcp flags & (syn | ack | rst) == syn tcp dport vmap { 22 : jump c22, 25 : jump c25, 1000 : jump c1000 }
    ip saddr 198.18.0.1 tcp flags & (syn | ack | rst) == syn counter name synother
  }
  chain c22 { counter name syn22; accept; }
  chain c25 { counter name syn25; accept; }
  chain c1000 { counter name syn1000; accept; }
}
EOF

targets=(198.19.1.0/24 198.19.255.0/30)
ports=22,25,1000
scan "${targets[@]}" -p "$ports" --rate 10000 --wait 1 --retries 1 --show open,closed,filtered --format ndjson \
  -o "$E2E_WORK/all.ndjson" 2>"$E2E_WORK/summary.txt" || fail "synscan exited with $?: $(cat "$E2E_WORK/summary.txt")"
cat "$E2E_WORK/summary.txt" >&2
check_truth --targets "${targets[@]}" --ports "$ports" --all "$E2E_WORK/all.ndjson" ||
  fail "reported states differ from the truth"

count() {
  "$LAB_SH" exec-target "$LAB_NAME" nft list counter ip synscan_count "$1" | sed -n 's/.*packets \([0-9]\+\).*/\1/p'
}
c22=$(count syn22)
c25=$(count syn25)
c1000=$(count syn1000)
cother=$(count synother)
log "SYNs on the wire: port 22: $c22, port 25: $c25, port 1000: $c1000, other ports: $cother"
[[ $c22 == 264 && $c1000 == 264 ]] ||
  fail "ports 22/1000 got $c22/$c1000 SYNs, expected 264 each (260 probes + retries of the 4 unanswered)"
[[ $c25 == 520 ]] || fail "port 25 got $c25 SYNs, expected 520 (260 probes, all unanswered, each sent twice)"
[[ $cother == 0 ]] || fail "$cother SYNs to ports that were not scanned"
grep -Eq '780 ?\+ ?268' "$E2E_WORK/summary.txt" || fail "the summary does not give the passes as 780+268"
log "PASS"
