#!/usr/bin/env bash
# --banners throughput, in a lab of its own, side by side in one run:
#   1. the banner stage alone (bench/banner_load.cpp): N open ports (198.19.0.1 upward, port 7000) handed to
#      the stage, which connects to each, reads the greeting of bench/banner_sink.cpp (in the target
#      namespace, where 198.19.0.0/16 is local: every address a distinct connection) and hands the banner back;
#      at --banner-concurrency 1000 and 100. Banners a second, CPU microseconds a banner, user-space memory per
#      open connection ((peak RSS - RSS before) / concurrency) and the kernel's TCP memory half way (sockstat,
#      machine-wide: both ends of each connection).
#   2. the SYN scan with and without --banners, interleaved: synscan 198.19.0.0/16 -p 7000 --rate RATE, every
#      address open (the sink listens on the whole block; 198.19.255.0/24 is the lab's drop block). The probes'
#      rate is read from the summary ("probes sent in S s (P pps)"); with --banners the summary's banners line
#      says how many banners were done and the scan's end waits for them. The banner stage's thread runs at
#      nice 10 (capture/banner_stage.cpp) and so does the sink here (it stands for servers on other machines):
#      on this 2-CPU machine the sender, the stage, the sink and both ends' kernel TCP work share the CPUs.
#
# Usage: scripts/bench-banner-throughput.sh [--ports N] [--rounds R] [--rate PPS]
#   --ports N   open ports for the stage alone (default 50000)
#   --rounds R  repetitions of each run, interleaved; the table shows each (default 2)
#   --rate PPS  the SYN scan's --rate (default 10000, synscan's default)
#   BUILD_DIR   where cli/synscan and bench/synscan_banner_{sink,load} are (default <repo>/build; built if
#               missing)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$repo/build}
ports=50000
rounds=2
rate=10000
while (($# > 0)); do
  case $1 in
    --ports) ports=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --rate) rate=$2; shift ;;
    *) echo "usage: $0 [--ports N] [--rounds R] [--rate PPS]" >&2; exit 2 ;;
  esac
  shift
done
((ports >= 1 && ports <= 65000)) || { echo "bench-banner-throughput: --ports 1-65000" >&2; exit 2; }
log() { echo "bench-banner-throughput: $*" >&2; }
[[ $EUID -eq 0 ]] || { log "needs root (network namespaces)"; exit 1; }
"$repo/scripts/lab.sh" check || exit $?

binaries=(cli/synscan bench/synscan_banner_sink bench/synscan_banner_load)
missing=()
for binary in "${binaries[@]}"; do [[ -x $build/$binary ]] || missing+=("${binary#*/}"); done
if ((${#missing[@]} > 0)); then
  log "building ${missing[*]} in $build"
  cmake -S "$repo" -B "$build" >/dev/null
  cmake --build "$build" -j2 --target "${missing[@]}" >/dev/null
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-banners.XXXXXX")
chmod 755 "$work"
lab=
sink_pid=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [[ -z $sink_pid ]] || kill "$sink_pid" 2>/dev/null || true
  [[ -z $lab ]] || "$repo/scripts/lab.sh" down "$lab" || log "warning: lab down $lab failed"
  rm -rf -- "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

lab=$(printf 'sslab-bb%s-%04x' "$$" "$RANDOM")
SYNSCAN_LAB_OWNER_PID=$$ "$repo/scripts/lab.sh" up "$lab" >/dev/null
in_scan() { "$repo/scripts/lab.sh" exec "$lab" "$@"; }
# nice 10: the sink stands for servers on other machines; here it shares the CPUs with the scanner.
"$repo/scripts/lab.sh" exec-target "$lab" nice -n 10 "$build/bench/synscan_banner_sink" 7000 >"$work/sink.out" 2>&1 &
sink_pid=$!
for _ in $(seq 50); do grep -q ready "$work/sink.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$work/sink.out" || { log "the banner sink did not start: $(cat "$work/sink.out")"; exit 1; }

field() { grep -oE "(^| )$1=[^ ]+" <<<"$2" | head -1 | cut -d= -f2; }

echo "## The banner stage alone: $ports open ports (greeting servers), port 7000"
echo
echo "| concurrency | round | banners | seconds | banners/s | CPU us/banner | RSS/connection | kernel TCP mem half way | statuses |"
echo "|---|---|---|---|---|---|---|---|---|"
for round in $(seq "$rounds"); do
  for concurrency in 1000 100; do
    line=$(timeout 120 "$repo/scripts/lab.sh" exec "$lab" "$build/bench/synscan_banner_load" "$ports" 7000 \
      "$concurrency" 5) || log "banner_load exited $? (not every banner ok): $line"
    statuses=$(grep -oE '(ok|silent|closed|reset|refused|timeout|not_done)=[0-9]+' <<<"$line" | paste -sd' ')
    rss_mid=$(field rss_mid_kib "$line")
    rss_peak=$(field rss_peak_kib "$line")
    rss_base=$(field rss_base_kib "$line")
    ((rss_mid > rss_peak)) && rss_peak=$rss_mid
    per_conn=$(((rss_peak - rss_base) * 1024 / concurrency))
    printf '| %s | %s | %s | %s | %s | %s | %s B | %s KiB | %s |\n' "$concurrency" "$round" "$(field banners "$line")" \
      "$(field seconds "$line")" "$(field banners_per_s "$line")" "$(field cpu_us_per_banner "$line")" \
      "$per_conn" "$(field tcp_mem_kib_mid "$line")" "$statuses"
  done
done
echo

echo "## The SYN scan with and without --banners: 198.19.0.0/16 -p 7000 --rate $rate (65,280 open)"
echo
echo "| run | round | probes sent | send s | pps | whole scan s | banners line |"
echo "|---|---|---|---|---|---|---|"
for round in $(seq "$rounds"); do
  for mode in plain banners; do
    extra=()
    [[ $mode == banners ]] && extra=(--banners --banner-timeout 5)
    in_scan timeout 300 "$build/cli/synscan" 198.19.0.0/16 -p 7000 --rate "$rate" --wait 1 --no-status \
      -o /dev/null "${extra[@]}" 2>"$work/summary" || log "synscan exited $?"
    sent=$(grep -oE '^synscan: [0-9]+ probes sent in [0-9.]+ s \([0-9.]+ pps\)' "$work/summary" || true)
    whole=$(grep -oE 'done in [0-9.]+ s|interrupted after [0-9.]+ s' "$work/summary" | grep -oE '[0-9.]+' || true)
    banners=$(grep -oE 'banners: .*' "$work/summary" || echo "-")
    read -r probes send_s pps < <(sed -E 's/^synscan: ([0-9]+) probes sent in ([0-9.]+) s \(([0-9.]+) pps\)/\1 \2 \3/' <<<"$sent")
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$mode" "$round" "$probes" "$send_s" "$pps" "$whole" "$banners"
  done
done
