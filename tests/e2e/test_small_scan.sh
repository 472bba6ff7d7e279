#!/usr/bin/env bash
# A scan of exactly 3 probes (one host, ports 22,80,443, all open) must find all three: the receiver has to
# be capturing before the first probe leaves, or short scans lose their replies. Repeated on a few hosts,
# because the race it guards against is intermittent. Also checks the list format: `open tcp PORT IP`.
# C02 (../shared/cases.md): more send threads than probes must neither abort nor hang, and still send each
# probe once: 3 probes with 8 and with 16 send threads (sendmmsg: one socket each, no queue limit).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns
lab_up

for host in 198.19.0.5 198.19.0.77 198.19.3.200; do
  out=$E2E_WORK/small-$host.txt
  scan "$host" -p 22,80,443 --rate 100000 --wait 2 >"$out" || fail "synscan exited with $? on $host"
  expected=$(printf 'open tcp %s %s\n' 22 "$host" 80 "$host" 443 "$host" | sort)
  got=$(sort "$out")
  if [[ $got != "$expected" ]]; then
    echo "--- expected / +++ got (sorted):" >&2
    diff <(printf '%s\n' "$expected") <(printf '%s\n' "$got") >&2 || true
    fail "3-probe scan of $host did not report exactly its 3 open ports in list format"
  fi
done

for threads in 8 16; do
  out=$E2E_WORK/threads-$threads.txt
  scan 198.19.0.9 -p 22,80,443 --rate 100000 --wait 2 --send-threads "$threads" --send-backend sendmmsg \
    --metadata "$E2E_WORK/threads-$threads.json" >"$out" || fail "C02: synscan exited with $? at $threads send threads"
  got=$(sort "$out")
  expected=$(printf 'open tcp %s 198.19.0.9\n' 22 80 443 | sort)
  [[ $got == "$expected" ]] || fail "C02: $threads send threads, 3 probes: got '$got'"
  sent=$(jq -r '.probes.sent' "$E2E_WORK/threads-$threads.json")
  ((sent == 3)) || fail "C02: $threads send threads sent $sent probes, want 3"
  log "C02: $threads send threads, 3 probes: 3 sent, 3 open"
done

log "PASS"
