#!/usr/bin/env bash
# --rate auto against the fastest fixed rate on the clean lab (issue 12's goal: auto within 1.25 x the time of
# the maximum fixed rate), side by side in one run, in a lab of its own (taken down on exit). The lab's /16 x 5
# ports (22 80 443 8080 open, 1000 closed; the drop block filtered) = 327,680 probes, ROUNDS rounds (default 3),
# alternating:
#   fixed  --rate 100000000 (as fast as the machine sends) --retries 1
#   auto   --rate auto --retries 1 (the same retries as the fixed run; auto alone implies --retries 2)
# both --wait 1, the same seed. Prints each run's send time (the summary's "sent in") and wall time, whether it
# was exact against the truth, the median of each and their ratio, and auto's rate history.
# Usage: scripts/bench-rate-auto.sh [SYNSCAN_BINARY]   (root; default build/cli/synscan)
# Safety: every packet stays inside the lab's namespaces, 198.18.0.0/15 only (scripts/lab.sh).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=$(realpath "${1:-$here/../build/cli/synscan}")
rounds=${ROUNDS:-3}
work=$(mktemp -d)
export SYNSCAN_LAB_OWNER_PID=$$
lab=$("$here/lab.sh" up)
trap '"$here/lab.sh" down "$lab" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
truth=$("$here/lab.sh" truth "$lab")
targets=198.19.0.0/16
ports=22,80,443,1000,8080

run() {  # run NAME RATE: prints "send_s wall_s exact"
  local name=$1 rate=$2 start end
  start=$(date +%s.%N)
  "$here/lab.sh" exec "$lab" timeout 300 "$bin" "$targets" -p "$ports" --rate "$rate" --retries 1 --wait 1 \
    --seed 7 --show open,closed,filtered --format ndjson -o "$work/$name.ndjson" --metadata "$work/$name.json" \
    2>"$work/$name.err"
  end=$(date +%s.%N)
  local exact=exact
  python3 "$here/../tests/e2e/check_truth.py" --truth "$truth" --targets "$targets" --ports "$ports" --all \
    "$work/$name.ndjson" >/dev/null 2>&1 || exact=INEXACT
  printf '%s %s %s\n' "$(jq .send_s "$work/$name.json")" "$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')" "$exact"
}

declare -a fixed_send fixed_wall auto_send auto_wall
for ((i = 1; i <= rounds; i++)); do
  read -r s w e < <(run fixed 100000000)
  fixed_send+=("$s"); fixed_wall+=("$w")
  printf 'round %d fixed: sent in %.2f s, wall %.2f s, %s\n' "$i" "$s" "$w" "$e"
  read -r s w e < <(run auto auto)
  auto_send+=("$s"); auto_wall+=("$w")
  printf 'round %d auto:  sent in %.2f s, wall %.2f s, %s; history %s\n' "$i" "$s" "$w" "$e" \
    "$(jq -c '[.rate.history[] | [.[0], (.[1] | floor)]]' "$work/auto.json")"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
fs=$(median "${fixed_send[@]}"); fw=$(median "${fixed_wall[@]}")
as=$(median "${auto_send[@]}"); aw=$(median "${auto_wall[@]}")
printf 'median fixed: sent in %.2f s, wall %.2f s\n' "$fs" "$fw"
printf 'median auto:  sent in %.2f s, wall %.2f s\n' "$as" "$aw"
printf 'auto / fixed: send time x %.2f, wall time x %.2f (goal <= 1.25)\n' \
  "$(awk -v a="$as" -v b="$fs" 'BEGIN {print a / b}')" "$(awk -v a="$aw" -v b="$fw" 'BEGIN {print a / b}')"
