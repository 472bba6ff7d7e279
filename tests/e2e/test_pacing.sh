#!/usr/bin/env bash
# Pacing on the wire: at --rate 2, 10 probes (1 host x 10 dropped ports) arrive 0.5 s +/- 50 ms apart, as
# the target side's capture timestamps show; none is lost and none is sent twice. And a rate above what the
# machine can send gives its maximum, and the summary and the status line say so. --pcap-out of such a slow scan holds its last
# probe.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/e2e/capture.sh
source "$(dirname "${BASH_SOURCE[0]}")/capture.sh"

skip_if_no_netns
lab_up

host=198.19.0.9
capture_start "tcp[tcpflags] == tcp-syn and dst host $host"
scan "$host" -p 60000-60009 --rate 2 --wait 0 >/dev/null || fail "synscan exited with $?"
capture_stop >"$E2E_WORK/syns.txt"

count=$(wc -l <"$E2E_WORK/syns.txt")
((count == 10)) || fail "expected 10 SYNs on the wire, captured $count: $(cat "$E2E_WORK/syns.txt")"
ports=$(awk '{print $3}' "$E2E_WORK/syns.txt" | sort -u | wc -l)
((ports == 10)) || fail "expected 10 distinct ports, got $ports"
# Every gap between consecutive probes within 0.5 s +/- 50 ms.
awk 'NR > 1 { gap = $1 - prev; printf "%.4f\n", gap; if (gap < 0.45 || gap > 0.55) bad = 1 } { prev = $1 }
     END { exit bad }' "$E2E_WORK/syns.txt" >"$E2E_WORK/gaps.txt" ||
  fail "gaps outside 0.5 s +/- 50 ms: $(tr '\n' ' ' <"$E2E_WORK/gaps.txt")"
log "gaps (s): $(tr '\n' ' ' <"$E2E_WORK/gaps.txt")"

# --pcap-out of a slow scan that exits at once (--wait 0) holds every probe, the last one too: it was sent
# just before the capture stopped, into a ring block the kernel had not handed over yet.
scan "$host" -p 60000-60003 --rate 2 --wait 0 --pcap-out "$E2E_WORK/slow.pcap" >/dev/null 2>&1 ||
  fail "--pcap-out scan exited with $?"
in_file=$(tcpdump -nn -r "$E2E_WORK/slow.pcap" "tcp[tcpflags] == tcp-syn and dst host $host" 2>/dev/null | wc -l)
((in_file == 4)) || fail "--pcap-out of a 2 pps scan holds $in_file of its 4 probes"
log "--pcap-out holds all 4 probes of a 2 pps scan with --wait 0"

rx() { "$LAB_SH" exec-target "$LAB_NAME" cat /sys/class/net/veth-tgt/statistics/rx_packets; }
before=$(rx)
scan 198.19.0.0/24 -p 60000-60009 --rate 100000000 --wait 0 --status >/dev/null 2>"$E2E_WORK/max.err" ||
  fail "max-rate scan exited with $?: $(cat "$E2E_WORK/max.err")"
arrived=$(($(rx) - before))
((arrived >= 2560)) || fail "max-rate scan: $arrived frames arrived, expected 2560"
grep -q "rate capped by the sender: [0-9]* pps achieved of 100000000 asked" "$E2E_WORK/max.err" ||
  fail "max-rate scan: no 'rate capped' line in the summary: $(cat "$E2E_WORK/max.err")"
grep -q "^synscan: .* pps (mean [0-9]*, rate capped) | done" "$E2E_WORK/max.err" ||
  fail "max-rate scan: the status line does not say the rate was capped: $(cat "$E2E_WORK/max.err")"
log "$(grep "rate capped" "$E2E_WORK/max.err")"
log "PASS"
