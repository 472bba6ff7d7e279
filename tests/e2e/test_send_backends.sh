#!/usr/bin/env bash
# Every --send-backend (mmap: the PACKET_MMAP TX ring; sendmmsg; libnet) sends every probe exactly once: the
# same /24 x 4 ports scan through each finds exactly what the lab's truth says, and the SYNs captured on the
# target side are the 1,024 probes, each once.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/e2e/capture.sh
source "$(dirname "${BASH_SOURCE[0]}")/capture.sh"

skip_if_no_netns
lab_up

targets=198.19.0.0/24
ports=22,25,80,113
for backend in mmap sendmmsg libnet; do
  log "--send-backend $backend"
  capture_start "tcp[tcpflags] == tcp-syn and dst net $targets"
  scan "$targets" -p "$ports" --rate 20000 --wait 1 --send-backend "$backend" --show open,closed,filtered \
    --format ndjson -o "$E2E_WORK/$backend.ndjson" 2>"$E2E_WORK/$backend.err" ||
    fail "$backend: synscan exited with $?: $(cat "$E2E_WORK/$backend.err")"
  capture_stop >"$E2E_WORK/$backend.syns"
  check_truth --targets "$targets" --ports "$ports" --all "$E2E_WORK/$backend.ndjson" ||
    fail "$backend: reported states differ from the truth"
  # Each probe once on the wire: 1,024 SYNs, 1,024 distinct (destination, port) pairs.
  count=$(wc -l <"$E2E_WORK/$backend.syns")
  ((count == 1024)) || fail "$backend: captured $count SYNs, expected 1024"
  distinct=$(awk '{print $4, $3}' "$E2E_WORK/$backend.syns" | sort -u | wc -l)
  ((distinct == 1024)) || fail "$backend: $distinct distinct probes among the 1024 SYNs"
done
log "PASS"
