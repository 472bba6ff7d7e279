#!/usr/bin/env bash
# C19 (shared/cases.md): 1 host x 3 ports with --retries 3 -> exactly 12 probes on the wire, each probe's
# sends spread in time (its retries, interleaved with the other probes, --retry-delay apart), and the scan ends. The
# ports are ones the lab drops (25, 60000, 60001): retries re-send only unanswered probes, so only silence makes
# every probe go out four times. Checked on the target side's capture.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/e2e/capture.sh
source "$(dirname "${BASH_SOURCE[0]}")/capture.sh"

skip_if_no_netns
lab_up

host=198.19.0.19
capture_start "tcp[tcpflags] == tcp-syn and dst host $host"
SCAN_TIMEOUT=30 scan "$host" -p 25,60000,60001 --retries 3 --rate 100 --wait 1 --show open,closed,filtered \
  >"$E2E_WORK/results.txt" || fail "synscan exited with $?"
capture_stop >"$E2E_WORK/syns.txt"

count=$(wc -l <"$E2E_WORK/syns.txt")
((count == 12)) || fail "expected exactly 12 SYNs on the wire, captured $count: $(cat "$E2E_WORK/syns.txt")"
for port in 25 60000 60001; do
  n=$(awk -v p="$port" '$3 == p' "$E2E_WORK/syns.txt" | wc -l)
  ((n == 4)) || fail "port $port: expected 4 probes (1 + 3 retries), got $n"
  # Spread in time: this port's probes at least 0.5 s apart (a retry waits for replies first).
  awk -v p="$port" '$3 == p { if (seen && $1 - prev < 0.5) bad = 1; prev = $1; seen = 1 } END { exit bad }' \
    "$E2E_WORK/syns.txt" || fail "port $port: retries less than 0.5 s apart: $(cat "$E2E_WORK/syns.txt")"
done
# Each probe reported once, filtered.
for port in 25 60000 60001; do
  n=$(grep -c "^filtered tcp $port $host" "$E2E_WORK/results.txt" || true)
  ((n == 1)) || fail "port $port reported $n times as filtered: $(cat "$E2E_WORK/results.txt")"
done
log "PASS"
