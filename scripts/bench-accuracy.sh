#!/usr/bin/env bash
# Accuracy at full speed (issue 4), side by side in one run, in a lab of its own (taken down on exit).
#
# Targets: the lab's whole /16, 198.19.0.0/16 (its drop block 198.19.255.0/24 answers nothing: every probe there is
# filtered) x 10 ports: the open ports 22 80 443 8080, five closed ports 21 23 110 3306 5432 and the dropped
# (filtered) port 25 = 655,360 probes. The truth comes from the lab's rules (tests/e2e/check_truth.py).
#   synscan  --rate 100000000 (as fast as it can send) --retries 1, every state shown, NDJSON: recall of open,
#            closed and filtered, false positives, pcap drops, send rate, receive-thread CPU time
#   zmap     one run per open port (zmap scans one port a run), -r 0 (no rate limit), -P 2 (each probe twice,
#            its nearest to one retry): recall of open ports
#   masscan  all ports in one run, --rate 100000000, no retries: masscan 1.3.2's --retries never ends here (it
#            re-sends and re-reports the same probes until killed); recall of open ports, bounded to 300 s
# Prints one result line per scanner; exits non-zero when synscan misses anything or reports a false positive.
#
# Usage: scripts/bench-accuracy.sh [SYNSCAN_BINARY]   (root; default build/cli/synscan)
#   SKIP_OTHERS=1  only synscan
# Safety: every packet stays inside the lab's namespaces, 198.18.0.0/15 only (scripts/lab.sh).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
synscan=$(realpath "${1:-$root/build/cli/synscan}")
[[ -x $synscan ]] || { echo "bench-accuracy: $synscan not found (scripts/build.sh)" >&2; exit 2; }
lab_sh=$root/scripts/lab.sh
score=$root/scripts/bench_accuracy_score.py

targets=198.19.0.0/16
open_ports=(22 80 443 8080)
ports=22,80,443,8080,21,23,110,3306,5432,25

work=$(mktemp -d "${TMPDIR:-/tmp}/synscan-bench-accuracy.XXXXXX")
chmod 755 "$work"
lab=
cleanup() {
  [[ -z $lab ]] || "$lab_sh" down "$lab" || true
  rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

lab=$(printf 'sslab-bench-%s-%04x' "$$" "$RANDOM")
SYNSCAN_LAB_OWNER_PID=$$ "$lab_sh" up "$lab" >/dev/null
truth=$("$lab_sh" truth "$lab")
next_hop_mac=$("$lab_sh" exec-target "$lab" cat /sys/class/net/veth-tgt/address)
in_lab() { timeout -k 5 600 "$lab_sh" exec "$lab" "$@"; }

# Samples the CPU time (utime + stime, clock ticks) of the thread named synscan-recv of process $1 until it exits;
# prints seconds. The thread exits before the process, so the last sample seen is kept.
recv_thread_cpu() {
  local pid=$1 ticks=0 task stat
  while kill -0 "$pid" 2>/dev/null; do
    for task in /proc/"$pid"/task/*; do
      [[ $(cat "$task/comm" 2>/dev/null) == synscan-recv ]] || continue
      stat=$(cat "$task/stat" 2>/dev/null) || continue
      stat=${stat##*) }
      read -r -a f <<<"$stat"
      ticks=$((f[11] + f[12]))
    done
    sleep 0.05
  done
  awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}

echo "bench-accuracy: $targets x ports $ports ($((65536 * 10)) probes); lab $lab; $(nproc) CPUs; $(uname -r)"

# ---- synscan ---------------------------------------------------------------------------------------------------
start=$(date +%s.%N)
in_lab "$synscan" "$targets" -p "$ports" --rate 100000000 --retries 1 --wait 3 --show open,closed,filtered \
  --format ndjson -o "$work/synscan.ndjson" 2>"$work/synscan.err" &
scan_pid=$!
synscan_pid=
for _ in $(seq 50); do
  for pid in $(pgrep -f -- "$work/synscan.ndjson" || true); do
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == synscan ]] && synscan_pid=$pid
  done
  [[ -n $synscan_pid ]] && break
  sleep 0.05
done
recv_cpu=$([[ -n $synscan_pid ]] && recv_thread_cpu "$synscan_pid" || true)
rc=0
wait "$scan_pid" || rc=$?
elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
((rc == 0)) || { cat "$work/synscan.err" >&2; echo "bench-accuracy: synscan exited with $rc" >&2; exit 1; }
synscan_rc=0
synscan_score=$(python3 "$score" --truth "$truth" --targets "$targets" --ports "$ports" --format ndjson \
  --states open,closed,filtered "$work/synscan.ndjson") || synscan_rc=$?
sent=$(sed -n 's/^synscan: \([0-9]\+\) probes sent in \([0-9.]\+\) s (\([0-9]\+\) pps); passes: \([0-9+]\+\).*/\3 pps, passes \4/p' \
  "$work/synscan.err")
drops=$(sed -n 's/.*capture drops \([0-9]\+\) (interface \([0-9]\+\)), queue drops \([0-9]\+\).*/pcap drops \1, interface drops \2, queue drops \3/p' \
  "$work/synscan.err")
printf '%-8s %s | %s; %s; receive thread %s s CPU; %s s wall\n' synscan "$synscan_score" "$sent" "$drops" \
  "${recv_cpu:-?}" "$elapsed"

if [[ ${SKIP_OTHERS:-0} != 1 ]]; then
  # ---- zmap: one run per open port ----------------------------------------------------------------------------
  if command -v zmap >/dev/null; then
    : >"$work/zmap.blocklist"  # its default blocklist excludes 198.18.0.0/15, the lab's range
    zmap_parts=()
    zmap_found=0
    start=$(date +%s.%N)
    for port in "${open_ports[@]}"; do
      in_lab zmap -q -i veth-scan -S 198.18.0.1 -G "$next_hop_mac" -b "$work/zmap.blocklist" -p "$port" -r 0 -P 2 \
        -c 3 -o "$work/zmap-$port.txt" "$targets" >"$work/zmap-$port.log" 2>&1 ||
        { tail -n 3 "$work/zmap-$port.log" >&2; echo "bench-accuracy: zmap failed" >&2; }
      part=$(python3 "$score" --truth "$truth" --targets "$targets" --ports "$port" --format ips \
        "$work/zmap-$port.txt" || true)
      zmap_parts+=("$port: ${part%% fp=*}")
      zmap_found=$((zmap_found + $(sort -u "$work/zmap-$port.txt" | wc -l)))
    done
    elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
    total=$((65280 * ${#open_ports[@]}))
    printf '%-8s open=%d/%d (%.2f%%) | per port %s; %s s wall for %d runs\n' zmap "$zmap_found" "$total" \
      "$(awk -v a="$zmap_found" -v b="$total" 'BEGIN { print 100 * a / b }')" "$(IFS=';'; echo "${zmap_parts[*]}")" \
      "$elapsed" "${#open_ports[@]}"
  else
    echo "zmap     not installed (scripts/install-deps.sh installs it)"
  fi

  # ---- masscan: all ports in one run ---------------------------------------------------------------------------
  if command -v masscan >/dev/null; then
    start=$(date +%s.%N)
    timeout -k 5 300 "$lab_sh" exec "$lab" masscan "$targets" -p "$ports" --rate 100000000 --wait 3 -e veth-scan \
      --adapter-ip 198.18.0.1 --router-mac "$next_hop_mac" -oL "$work/masscan.txt" >"$work/masscan.log" 2>&1 ||
      { echo "bench-accuracy: masscan failed or was stopped after 300 s" >&2; }
    elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
    part=$(python3 "$score" --truth "$truth" --targets "$targets" --ports "$ports" --format masscan-list \
      "$work/masscan.txt" || true)
    printf '%-8s %s | %s s wall\n' masscan "$part" "$elapsed"
  else
    echo "masscan  not installed (scripts/install-deps.sh installs it)"
  fi
fi

if ((synscan_rc != 0)); then
  echo "bench-accuracy: synscan missed probes or reported false positives" >&2
  exit 1
fi
echo "bench-accuracy: synscan 100% open/closed/filtered, no false positives"
