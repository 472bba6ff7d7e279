#!/usr/bin/env bash
# --rate auto against the fastest fixed rate on the clean lab, side by side in each round, in a lab of its own
# (taken down on exit), and the distribution over the rounds (issue 23's goal: the WORST of 10 rounds at most
# 1.5 x the fixed maximum's wall time of the same round, not the median). The scan is issue 23's: the lab's
# 198.19.0.0/18 x 6 ports (22 80 443 8080 open, 113 1000 closed; the drop block filtered) = 98,304 probes, N
# rounds (default 10), each:
#   fixed  --rate 100000000 (as fast as the machine sends) --retries 2
#   auto   --rate auto --retries 2 (what auto implies)
# both --wait 1, the same seed. Prints each round's send time (the summary's "sent in"), wall time, whether it
# was exact against the truth, auto's rate history and its wall time over the fixed run's of the same round;
# then min / median / worst of auto's wall time and of that ratio, and the load average (the machine is often
# shared: a ratio means little without it).
# Usage: scripts/bench-rate-auto.sh [SYNSCAN_BINARY]   (root; default build/cli/synscan)
#   N=10 rounds; TARGETS, PORTS override the scan.
# Safety: every packet stays inside the lab's namespaces, 198.18.0.0/15 only (scripts/lab.sh).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=$(realpath "${1:-$here/../build/cli/synscan}")
rounds=${N:-10}
targets=${TARGETS:-198.19.0.0/18}
ports=${PORTS:-22,80,113,443,1000,8080}
work=$(mktemp -d)
export SYNSCAN_LAB_OWNER_PID=$$
lab=$("$here/lab.sh" up)
trap '"$here/lab.sh" down "$lab" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
truth=$("$here/lab.sh" truth "$lab")

run() {  # run NAME RATE: prints "send_s wall_s exact"
  local name=$1 rate=$2 start end
  start=$(date +%s.%N)
  "$here/lab.sh" exec "$lab" timeout 300 "$bin" "$targets" -p "$ports" --rate "$rate" --retries 2 --wait 1 \
    --seed 7 --show open,closed,filtered --format ndjson -o "$work/$name.ndjson" --metadata "$work/$name.json" \
    2>"$work/$name.err"
  end=$(date +%s.%N)
  local exact=exact
  python3 "$here/../tests/e2e/check_truth.py" --truth "$truth" --targets "$targets" --ports "$ports" --all \
    "$work/$name.ndjson" >/dev/null 2>&1 || exact=INEXACT
  printf '%s %s %s\n' "$(jq .send_s "$work/$name.json")" "$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')" "$exact"
}

printf 'load average at the start: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
declare -a auto_wall ratios
inexact=0
for ((i = 1; i <= rounds; i++)); do
  read -r fs fw fe < <(run fixed 100000000)
  read -r as aw ae < <(run auto auto)
  [[ $fe == exact && $ae == exact ]] || inexact=$((inexact + 1))
  ratio=$(awk -v a="$aw" -v b="$fw" 'BEGIN {printf "%.2f", a / b}')
  auto_wall+=("$aw"); ratios+=("$ratio")
  printf 'round %d: fixed sent in %.2f s, wall %.2f s, %s | auto sent in %.2f s, wall %.2f s, %s | x %s | load %s\n' \
    "$i" "$fs" "$fw" "$fe" "$as" "$aw" "$ae" "$ratio" "$(cut -d' ' -f1 /proc/loadavg)"
  printf '  auto history %s\n' "$(jq -c '[.rate.history[] | [.[0], (.[1] | floor)]]' "$work/auto.json")"
done
dist() {  # min median worst of the arguments
  printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {
    m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
    printf "min %.2f, median %.2f, worst %.2f", a[1], m, a[NR]}'
}
printf 'auto wall time (s): %s\n' "$(dist "${auto_wall[@]}")"
printf 'auto / fixed wall time, same round: %s (goal: worst <= 1.5)\n' "$(dist "${ratios[@]}")"
printf 'rounds with a result that differs from the truth: %d of %d\n' "$inexact" "$rounds"
printf 'load average at the end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
