#!/usr/bin/env bash
# C21 (shared/cases.md): --retries 4 --rate 1 on 1 host x 1 dropped port: retransmissions count toward the
# rate, so the 5 probes go about one a second (every gap 0.9-1.5 s), never two in the same second, never a
# burst. Checked on the target side's capture timestamps.
# And with two send threads (--rate 2 --send-threads 2 --retries 1, 4 probes): the retries, interleaved with the
# new probes (engine/probe_window.hpp), stay staggered as the new probes are, one SYN every 0.5 s (the retry pass
# of old sent the two threads' SYNs in the same microsecond). The status line never shows 100% while probes or
# retries are still owed (a retry pass used to start at 100%).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/e2e/capture.sh
source "$(dirname "${BASH_SOURCE[0]}")/capture.sh"

skip_if_no_netns
lab_up

host=198.19.0.21
capture_start "tcp[tcpflags] == tcp-syn and dst host $host"
SCAN_TIMEOUT=30 scan "$host" -p 60005 --retries 4 --rate 1 --wait 1 >/dev/null ||
  fail "synscan exited with $?"
capture_stop >"$E2E_WORK/syns.txt"

count=$(wc -l <"$E2E_WORK/syns.txt")
((count == 5)) || fail "expected 5 SYNs (1 + 4 retries), captured $count: $(cat "$E2E_WORK/syns.txt")"
# About one a second, never a burst: every gap between 0.9 s and 1.5 s.
awk 'NR > 1 { gap = $1 - prev; printf "%.4f\n", gap; if (gap < 0.9 || gap > 1.5) bad = 1 } { prev = $1 }
     END { exit bad }' "$E2E_WORK/syns.txt" >"$E2E_WORK/gaps.txt" ||
  fail "gaps outside 0.9-1.5 s: $(tr '\n' ' ' <"$E2E_WORK/gaps.txt")"
log "gaps (s): $(tr '\n' ' ' <"$E2E_WORK/gaps.txt")"

capture_start "tcp[tcpflags] == tcp-syn and dst net 198.19.0.40/30"
SCAN_TIMEOUT=30 scan 198.19.0.40/30 -p 60006 --retries 1 --rate 2 --send-threads 2 --wait 1 --status-json \
  >/dev/null 2>"$E2E_WORK/status.err" || fail "synscan exited with $?: $(cat "$E2E_WORK/status.err")"
capture_stop >"$E2E_WORK/threads.txt"
count=$(wc -l <"$E2E_WORK/threads.txt")
((count == 8)) || fail "two threads: expected 8 SYNs (4 + 4 retries), captured $count: $(cat "$E2E_WORK/threads.txt")"
# The two threads' SYNs alternate, 0.5 s apart: none under 0.4 s.
awk 'NR > 1 { gap = $1 - prev; printf "%.4f\n", gap; if (gap < 0.4) bad = 1 } { prev = $1 } END { exit bad }' \
  "$E2E_WORK/threads.txt" >"$E2E_WORK/thread-gaps.txt" ||
  fail "two threads: SYNs closer than 0.4 s: $(tr '\n' ' ' <"$E2E_WORK/thread-gaps.txt")"
log "two threads, gaps (s): $(tr '\n' ' ' <"$E2E_WORK/thread-gaps.txt")"
# The status once a second while sending: 8 frames owed at most (4 probes x 2), never 100% before the last.
sending=$(grep '^{' "$E2E_WORK/status.err" | jq -c 'select(.phase == "sending")')
[[ -n $sending ]] || fail "no status line while sending: $(cat "$E2E_WORK/status.err")"
jq -e -s 'all(.[]; .total == 8 and ((.sent < 8 and .percent < 100) or .sent == 8))' <<<"$sending" >/dev/null ||
  fail "a status line while sending says 100% or a wrong total: $sending"
log "status lines while sending: $(wc -l <<<"$sending")"
log "PASS"
