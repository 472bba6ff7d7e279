#!/usr/bin/env bash
# Receive capacity when every probe is answered: synscan against the reflector lab (scripts/lab.sh up
# --reflector: an XDP program on the target's veth answers each SYN in place, SYN-ACK on even ports, RST on
# odd ones), at several rates, one and two send threads, both families, with the scanner kernel's own RSTs
# (each SYN-ACK makes it send one) kept and suppressed, and a table of where replies go.
#
# Usage: scripts/bench-receive.sh [--ports N] [--rates "R..."] [--threads "T..."] [--family 4|6|both]
#                                 [--rst kept|suppressed|both] [--rounds N] [--out FILE]
#   --ports N     probes per run: 65,536 targets x ports 1-N (default 16: 1,048,576 probes)
#   --rates       asked rates in probes/s (default "250000 500000 1000000 2000000 max"; max: --rate 100000000,
#                 the transmit limit)
#   --threads     send thread counts (default "1 2")
#   --family      4, 6 or both (default both): 198.19.0.0/16 or 2001:2:0:1::/112
#   --rst         kept (the kernel answers each SYN-ACK with a RST), suppressed (synscan --suppress-rst: an
#                 nftables rule in the scanner namespace drops them for the scan), both (default)
#   --rounds N    the whole set N times, interleaved (default 1); the table has every run, the summary the worst
#   --out FILE    also write the table to FILE (default bench/results/receive-<UTC date>.txt)
#   BUILD_DIR     where cli/synscan and bench/synscan_xdp_reflector are (default <repo>/build)
#   COMPARE_BIN   another synscan binary (e.g. the previous main's) run right after each run with the RSTs kept, in
#                 the same lab: rows marked "old" (its metadata may lack the CPU figures: "-")
#
# Columns, each run's own (counters read before and after it):
#   sent         frames synscan sent (metadata probes.sent) and its send errors (errs: frames the veth refused
#                because the target's XDP ring was full, reported filtered; a lab limit, not a receive one)
#   pps          the send rate synscan reports
#   reflected    replies the reflector sent (target veth ethtool -S rx_queue_*_xdp_tx)
#   seen         frames the scanner's veth took in (ethtool -S rx_queue_*_xdp_packets: its XDP_PASS program
#                sees every frame that arrives)
#   captured     frames the capture ring handed to synscan (metadata captured: passed the filter)
#   results      open + closed results written (lines of the -o file, --show open,closed)
#   ring/if/queue   drops in the capture ring (pcap ps_drop), at the interface (ps_ifdrop), at the queue to the
#                aggregator (metadata drops.queue; of those, rdrop: reported reply-dropped)
#   miss         reflected - results: replies that became no result, whatever the stage
#   send/recv/agg ns   CPU per probe of the send threads, per reply of the receive and aggregator threads
#                (getrusage RUSAGE_THREAD, metadata cpu_s); the kernel's softirq work (veth NAPI, the XDP
#                programs, the capture ring's filling, the local RSTs) is in none of them
# Needs root (namespaces). Safety: everything runs inside the lab's namespaces, to 198.19.0.0/16 and
# 2001:2:0:1::/112 (RFC 2544 / RFC 5180 benchmarking ranges); every run is bounded by a timeout; the lab is
# removed on exit, also on failure or Ctrl-C.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$repo/build}
ports=16
rates="250000 500000 1000000 2000000 max"
threads_list="1 2"
family=both
rst_modes=both
rounds=1
out=
usage() {
  echo "usage: $0 [--ports N] [--rates \"R...\"] [--threads \"T...\"] [--family 4|6|both] [--rst kept|suppressed|both] [--rounds N] [--out FILE]" >&2
  exit 2
}
while (($# > 0)); do
  case $1 in
    --ports) ports=${2:-}; shift ;;
    --rates) rates=${2:-}; shift ;;
    --threads) threads_list=${2:-}; shift ;;
    --family) family=${2:-}; shift ;;
    --rst) rst_modes=${2:-}; shift ;;
    --rounds) rounds=${2:-}; shift ;;
    --out) out=${2:-}; shift ;;
    *) usage ;;
  esac
  shift
done
[[ $ports =~ ^[1-9][0-9]*$ && $ports -le 1024 ]] || { echo "bench-receive: bad --ports '$ports' (1-1024)" >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "bench-receive: bad --rounds '$rounds'" >&2; exit 2; }
for r in $rates; do
  [[ $r == max || $r =~ ^[1-9][0-9]*$ ]] || { echo "bench-receive: bad rate '$r'" >&2; exit 2; }
done
for t in $threads_list; do
  [[ $t =~ ^[12]$ ]] || { echo "bench-receive: bad thread count '$t' (1 or 2)" >&2; exit 2; }
done
case $family in 4) families=4 ;; 6) families=6 ;; both) families="4 6" ;; *) echo "bench-receive: bad --family '$family'" >&2; exit 2 ;; esac
case $rst_modes in kept | suppressed) ;; both) rst_modes="kept suppressed" ;; *) echo "bench-receive: bad --rst '$rst_modes'" >&2; exit 2 ;; esac
[[ -n $out ]] || out=$repo/bench/results/receive-$(date -u +%Y%m%d-%H%M).txt

synscan=$build/cli/synscan
export SYNSCAN_REFLECTOR=${SYNSCAN_REFLECTOR:-$build/bench/synscan_xdp_reflector}
[[ -x $synscan ]] || { echo "bench-receive: no $synscan (build the synscan target)" >&2; exit 1; }
[[ -z ${COMPARE_BIN:-} || -x $COMPARE_BIN ]] || { echo "bench-receive: COMPARE_BIN '$COMPARE_BIN' is not executable" >&2; exit 1; }
[[ -x $SYNSCAN_REFLECTOR ]] || { echo "bench-receive: no $SYNSCAN_REFLECTOR (build synscan_xdp_reflector)" >&2; exit 1; }
command -v jq >/dev/null || { echo "bench-receive: jq not found" >&2; exit 1; }

lab=
work=$(mktemp -d /tmp/bench-receive.XXXXXX)
cleanup() {
  [[ -z $lab ]] || "$repo/scripts/lab.sh" down "$lab" || true
  rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export SYNSCAN_LAB_OWNER_PID=$$
lab=$("$repo/scripts/lab.sh" up --reflector)
chmod 755 "$work"

# sum_stat NS IFACE PATTERN: the sum of the ethtool -S counters of IFACE (in namespace NS) matching PATTERN.
sum_stat() {
  ip netns exec "$1" ethtool -S "$2" | awk -v re="$3" '$1 ~ re {s += $2} END {print s + 0}'
}
reflected() { sum_stat "$lab-tgt" veth-tgt '_xdp_tx:$'; }
seen() { sum_stat "$lab-scan" veth-scan '_xdp_packets:$'; }

# ns(CPU_S, COUNT): nanoseconds per item.
per_ns() { awk -v c="$1" -v n="$2" 'BEGIN { if (n > 0 && c != "-") printf "%.0f", c * 1e9 / n; else print "-" }'; }

header=$(printf '%-3s %-3s %-3s %-10s %-4s %9s %7s %9s %9s %9s %9s %8s %7s %7s %6s %8s %8s %7s %7s %7s' \
  bin fam thr asked rst sent errs pps reflected seen captured results ring if queue rdrop miss send_ns recv_ns agg_ns)
{
  echo "# scripts/bench-receive.sh $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, kernel $(uname -r), $((65536 * ports)) probes a run"
  echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "$header"
} | tee "$out"

run_one() {
  local bin=$5 fam=$1 thr=$2 rate=$3 rst=$4 target synscan=$synscan asked extra=() meta=$work/meta.json res=$work/results.txt
  if [[ $fam == 4 ]]; then target=198.19.0.0/16; else target=2001:2:0:1::/112; fi
  asked=$rate
  [[ $rate == max ]] && asked=100000000
  [[ $rst == suppressed ]] && extra+=(--suppress-rst)
  [[ $bin == old ]] && synscan=$COMPARE_BIN
  local r0 s0 r1 s1 rc=0
  r0=$(reflected)
  s0=$(seen)
  timeout -k 5 120 ip netns exec "$lab-scan" "$synscan" "$target" -p "1-$ports" --rate "$asked" \
    --send-threads "$thr" --wait 1 --show open,closed -o "$res" --metadata "$meta" "${extra[@]}" \
    2>"$work/stderr" || rc=$?
  r1=$(reflected)
  s1=$(seen)
  if ((rc != 0)); then
    printf '%-3s %-3s %-3s %-10s %-4s synscan failed (exit %s): %s\n' "$bin" "v$fam" "$thr" "$rate" "$rst" "$rc" \
      "$(tail -n 1 "$work/stderr")" | tee -a "$out"
    return 0
  fi
  local sent errs pps captured results ring ifd queue rdrop refl seen_n miss send_cpu recv_cpu agg_cpu
  read -r sent errs pps captured ring ifd queue rdrop send_cpu recv_cpu agg_cpu < <(jq -r '[.probes.sent,
    .sender.errors, (.mean_pps | floor), .captured, .drops.pcap, .drops.interface, .drops.queue,
    (.drops.queue_reply_dropped // "-"), (.cpu_s.send // "-"), (.cpu_s.receive // "-"),
    (.cpu_s.aggregate // "-")] | @tsv' "$meta")
  results=$(wc -l <"$res")
  refl=$((r1 - r0))
  seen_n=$((s1 - s0))
  miss=$((refl - results))
  printf '%-3s %-3s %-3s %-10s %-4s %9s %7s %9s %9s %9s %9s %8s %7s %7s %6s %8s %8s %7s %7s %7s\n' \
    "$bin" "v$fam" "$thr" "$rate" "${rst:0:4}" "$sent" "$errs" "$pps" "$refl" "$seen_n" "$captured" "$results" \
    "$ring" "$ifd" "$queue" "$rdrop" "$miss" "$(per_ns "$send_cpu" "$sent")" "$(per_ns "$recv_cpu" "$captured")" \
    "$(per_ns "$agg_cpu" "$captured")" | tee -a "$out"
}

for ((round = 1; round <= rounds; round++)); do
  for fam in $families; do
    for thr in $threads_list; do
      for rate in $rates; do
        for rst in $rst_modes; do
          run_one "$fam" "$thr" "$rate" "$rst" new
          [[ -z ${COMPARE_BIN:-} || $rst != kept ]] || run_one "$fam" "$thr" "$rate" "$rst" old
        done
      done
    done
  done
done

# The worst run: most replies missing (reflected but no result), then the lowest send rate.
{
  echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
  awk '$1 == "new" && $6 ~ /^[0-9]+$/ { if (!seen || $17 > worst_miss || ($17 == worst_miss && $8 < worst_pps)) {
         seen = 1; worst_miss = $17; worst_pps = $8; line = $0 } }
       END { if (seen) print "# worst run (most replies missing): " line }' "$out"
} | tee -a "$out"
echo "bench-receive: table in $out" >&2
