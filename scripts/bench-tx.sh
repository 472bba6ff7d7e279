#!/usr/bin/env bash
# Transmit speed, side by side in one run, in a lab of its own: the machine's limit, synscan, zmap and
# masscan, each sending the same 655,360 SYNs (198.19.0.0/16 x ports 60000-60009, which the lab drops: no
# replies) as fast as it can. Then the dry run's speed to /dev/null.
#
# Usage: scripts/bench-tx.sh [--rounds N] [--timeout S] [--sink nft|xdp] [--family 4|6|both]
#   --rounds N    run the whole set N times, interleaved, and keep each run's best (default 2: on a shared
#                 machine one round can be unlucky)
#   --timeout S   bound on each run in seconds (default 30)
#   --family F    4 (default): the IPv4 runs below; 6: the IPv6 runs only; both: all of them
#   --sink nft    (default) the target drops the SYNs at the veth's nftables ingress hook, in the sender's
#                 context: every sender pays the receive path, as a busy host on the same machine would
#   --sink xdp    the target drops every frame with an XDP program (bench/xdp_sink.cpp); the veth pair then
#                 hands frames over through a ring and the drop runs in a softirq that may run on the other CPU,
#                 closer to a wire to another machine (the sender pays only its own work)
#   BUILD_DIR     where cli/synscan and bench/synscan_tx_limit are (default <repo>/build; built if missing)
#   COMPARE_BIN   another synscan binary (e.g. the previous main's) run beside synscan 1 thread in every round:
#                 "compare 1 thread", for a change's cost in the same run
#
# Frames are counted on the wire, never by a tool's own counter: the target side's rx_packets of the veth
# pair (/sys/class/net/veth-tgt/statistics, read inside the target namespace; counted as the veth hands a
# frame over, before either sink drops it: see below), sampled every 2 ms while a run lasts. The rate is
# taken over the run's active window (first to last sample with frames moving, partial edges left out), so
# start-up and shut-down costs (zmap's and masscan's set-up, synscan's capture set-up) do not count. Each
# run's CPU time (user + system, all its threads) gives frames per CPU second too: on a busy machine the pps
# of a run follows the CPU share it gets; its cost per frame much less so.
# Runs:
#   limit     bench/tx_limit.cpp: one fixed 60-byte SYN through AF_PACKET (TX ring, sendmmsg) and AF_XDP
#             (copy mode), batches of 256; "the limit" is the best of these runs
#   synscan   --rate 100000000 --wait 0: 1 and 2 send threads with the default backend (auto: xdp on this
#             lab's veth, which gets two TX queues so that each thread has its own), then mmap and sendmmsg
#             at 1 thread; the backend that sent is logged from synscan's summary; "synscan UDP 1 thread": the
#             same 655,360 probes as empty UDP datagrams (-p U:60000-60009), the same 60-byte frame
#   zmap      -p 60000 -P 10 (10 probes per host: the same 655,360 frames), -T 1 and -T 2, -r 100000000
#   masscan   -p 60000-60009 --rate 100000000; stopped once its frames are out (it does not exit by itself
#             here: it waits for replies that never come)
# IPv6 runs (--family 6 or both): the same 655,360 SYNs to 2001:2:0:1::/112 x 60000-60009, from 2001:2::1:
#   limit IPv6    the same three methods with one fixed 78-byte frame (IPv6, TCP SYN with MSS 1460);
#                 "limit (IPv6)" is the best of them
#   synscan IPv6  synscan 2001:2:0:1::/112 -p 60000-60009 --rate 100000000 --wait 0 -o /dev/null, 1 send
#                 thread with the default backend and with sendmmsg; only when synscan takes IPv6 targets
#                 (synscan --count on them exits 0), else skipped with a note
#   masscan IPv6  --source-ip 2001:2::1 --router-mac-ipv6 MAC, as masscan above
#   The next hop's MAC is the same in both families (one veth); the scanner namespace gets a permanent
#   neighbour entry for 2001:2::2, which the XDP sink would otherwise starve of neighbour advertisements.
# zmap and masscan are installed (apt-get) when missing. Needs root (namespaces). Safety: everything runs
# inside the lab's namespaces, to 198.19.0.0/16 (RFC 2544 benchmarking range).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$repo/build}
rounds=2
run_timeout=30
sink=nft
family=4
while (($# > 0)); do
  case $1 in
    --rounds) rounds=${2:-}; shift ;;
    --timeout) run_timeout=${2:-}; shift ;;
    --sink) sink=${2:-}; shift ;;
    --family) family=${2:-}; shift ;;
    *) echo "usage: $0 [--rounds N] [--timeout S] [--sink nft|xdp] [--family 4|6|both]" >&2; exit 2 ;;
  esac
  shift
done
if ! [[ $rounds =~ ^[1-9][0-9]*$ && $run_timeout =~ ^[1-9][0-9]*$ ]]; then
  echo "bench-tx: --rounds and --timeout take positive integers" >&2
  exit 2
fi
if [[ $sink != nft && $sink != xdp ]]; then
  echo "bench-tx: bad sink '$sink' (nft or xdp)" >&2
  exit 2
fi
if [[ $family != 4 && $family != 6 && $family != both ]]; then
  echo "bench-tx: bad family '$family' (4, 6 or both)" >&2
  exit 2
fi
run_ipv4=0
run_ipv6=0
[[ $family == 6 ]] || run_ipv4=1
[[ $family == 4 ]] || run_ipv6=1

readonly FRAMES=655360
readonly TARGETS=198.19.0.0/16
readonly SRC_IP=198.18.0.1
readonly GATEWAY=198.18.0.2
readonly TARGETS6=2001:2:0:1::/112
readonly SRC_IP6=2001:2::1
readonly GATEWAY6=2001:2::2

log() { printf 'bench-tx: %s\n' "$*" >&2; }

tools=(masscan)
((run_ipv4)) && tools+=(zmap)
for tool in "${tools[@]}"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    log "installing $tool"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null
  fi
done
binaries=(cli/synscan bench/synscan_tx_limit)
[[ $sink == nft ]] || binaries+=(bench/synscan_xdp_sink)
missing=()
for binary in "${binaries[@]}"; do [[ -x $build/$binary ]] || missing+=("${binary#*/}"); done
if ((${#missing[@]} > 0)); then
  log "building ${missing[*]} in $build"
  cmake -S "$repo" -B "$build" -G "Unix Makefiles" >/dev/null
  cmake --build "$build" -j2 --target "${missing[@]}" >/dev/null
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-tx.XXXXXX")
chmod 755 "$work"
lab=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [[ -z $lab ]] || "$repo/scripts/lab.sh" down "$lab" || log "warning: lab down $lab failed"
  rm -rf -- "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

lab=$(printf 'sslab-bt%s-%04x' "$$" "$RANDOM")
SYNSCAN_LAB_OWNER_PID=$$ "$repo/scripts/lab.sh" up "$lab" >/dev/null
in_scan() { "$repo/scripts/lab.sh" exec "$lab" "$@"; }

# The sink: the target namespace drops the benchmark's SYNs at the veth's ingress hook, before the IP stack.
# The target's receive work runs on the sender's CPU (a veth hands each frame to its peer's backlog in the
# sender's own context), so an expensive sink would be billed to every sender alike and squeeze their ratios
# together; a wire to another machine bills none of it. The lab's own input-hook drop (lab.sh) stays behind it.
"$repo/scripts/lab.sh" exec-target "$lab" nft -f - <<'NFT'
table netdev bench_tx_sink {
  chain ingress {
    type filter hook ingress device "veth-tgt" priority -500; policy accept;
    ip daddr 198.19.0.0/16 tcp dport 60000-60009 drop
    ip6 daddr 2001:2:0:1::/64 tcp dport 60000-60009 drop
    ip daddr 198.19.0.0/16 udp dport 60000-60009 drop
  }
}
NFT
# Two TX queues on the scanner's veth: an AF_XDP socket binds a queue of its own, so two send threads need two.
in_scan ethtool -L veth-scan tx 2 rx 2

# The next hop's MAC as the scanner namespace sees it: one TCP connection attempt makes the kernel resolve it.
in_scan timeout 2 bash -c "exec 3<>/dev/tcp/$GATEWAY/9" 2>/dev/null || true
gateway_mac=$(in_scan ip -j neigh show "$GATEWAY" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["lladdr"])')
if ((run_ipv6)); then
  grep -q '"ipv6"' "$("$repo/scripts/lab.sh" truth "$lab")" ||
    { log "the lab has no IPv6 (kernel without IPv6, or SYNSCAN_LAB_IPV6=0): no IPv6 runs"; exit 1; }
  in_scan ip -6 neigh replace "$GATEWAY6" lladdr "$gateway_mac" dev veth-scan nud permanent
fi
: >"$work/empty-blocklist.conf"  # zmap's default blocklist refuses 198.18.0.0/15
if [[ $sink == xdp ]]; then
  # Drops everything, ARP too: after the next hop's MAC is known. Goes with the lab's namespaces. A veth takes
  # an XDP program only with as many RX queues as its peer has TX queues.
  "$repo/scripts/lab.sh" exec-target "$lab" ethtool -L veth-tgt tx 2 rx 2
  "$repo/scripts/lab.sh" exec-target "$lab" "$build/bench/synscan_xdp_sink" attach veth-tgt
  sink_text="dropped by an XDP program on the target veth"
else
  sink_text="dropped at the target veth's ingress"
fi

# The sampler: runs in the target namespace, reads rx_packets, then starts the run (in the scanner
# namespace, through lab.sh: its child is the tool itself) and reads rx_packets every 2 ms until the tool
# exits. It stops a run whose frames are all out but that has not exited 2 s later (masscan keeps waiting for
# replies that never come) or that passed the timeout (SIGINT, then SIGKILL 2 s later), and prints
# "FRAMES SECONDS PPS CPU": all frames of the run, the rate over its active window, and the CPU seconds (user
# + system) the tool used.
cat >"$work/sampler.py" <<'EOF'
import os, signal, subprocess, sys, time
expected, limit, log = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
command = sys.argv[4:]
stats = "/sys/class/net/veth-tgt/statistics/rx_packets"
def count():
    with open(stats) as f:
        return int(f.read())
base = count()
start = time.monotonic()
samples = [(start, base)]
with open(log, "w") as out:
    tool = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    stopped_at = None
    all_out_at = None
    while True:
        time.sleep(0.002)
        now, c = time.monotonic(), count()
        samples.append((now, c))
        pid, _, usage = os.wait4(tool.pid, os.WNOHANG)
        if pid != 0:
            cpu = usage.ru_utime + usage.ru_stime  # the tool's own CPU seconds, all its threads
            break
        # os.kill, not Popen.send_signal: that one polls first and may reap the tool before wait4 sees it.
        # A tool whose frames are all out gets 2 s to exit by itself (synscan does; a stopped synscan would
        # write a resume file) before it is stopped.
        if all_out_at is None and c - base >= expected:
            all_out_at = now
        if stopped_at is None and ((all_out_at is not None and now - all_out_at > 2) or now - start > limit):
            os.kill(tool.pid, signal.SIGINT)
            stopped_at = now
        elif stopped_at is not None and now - stopped_at > 2:
            os.kill(tool.pid, signal.SIGKILL)
time.sleep(0.05)  # frames still in the veth's backlog
final = count()
moving = [i for i in range(1, len(samples)) if samples[i][1] != samples[i - 1][1]]
if len(moving) >= 3:
    # From the end of the first interval with frames to the start of the last one: whole intervals only.
    i, j = moving[0], moving[-1] - 1
    dt, dc = samples[j][0] - samples[i][0], samples[j][1] - samples[i][1]
else:
    dt, dc = 0.0, 0
print(f"{final - base} {dt:.4f} {dc / dt if dt > 0 else 0:.0f} {cpu:.3f}")
EOF

# measure NAME CMD...: runs CMD in the scanner namespace, counting its frames; keeps NAME's best rate and its
# best frames per CPU second (the tool's own user + system time: a busy machine disturbs it less than pps).
declare -A best_pps best_frames best_seconds best_cpu best_per_cpu
order=()
measure() {
  local name=$1 out frames seconds pps cpu per_cpu sent_through
  shift
  # In $work: masscan writes its paused.conf into the current directory when stopped.
  out=$(cd "$work" && "$repo/scripts/lab.sh" exec-target "$lab" python3 "$work/sampler.py" "$FRAMES" \
    "$run_timeout" "$work/out.txt" "$repo/scripts/lab.sh" exec "$lab" "$@")
  read -r frames seconds pps cpu <<<"$out"
  per_cpu=$(python3 -c "import sys; f, c = map(float, sys.argv[1:]); print(round(f / c) if c > 0 else 0)" \
    "$frames" "$cpu")
  if [[ -z ${best_pps[$name]:-} ]]; then
    order+=("$name")
    best_pps[$name]=0
    best_per_cpu[$name]=0
  fi
  log "$(printf '%-26s %8s frames %7s s %9s pps %7s cpu-s %9s frames/cpu-s' "$name" "$frames" "$seconds" \
    "$pps" "$cpu" "$per_cpu")"
  sent_through=$(sed -n 's/^synscan: sent through /sent through /p' "$work/out.txt")
  [[ -z $sent_through ]] || log "  $sent_through"
  if ((frames < FRAMES)); then
    log "  short of $FRAMES: $(tr '\r' '\n' <"$work/out.txt" | grep -v '^ *$' | tail -n 1 | cut -c 1-100)"
  fi
  if ((pps > best_pps[$name])); then
    best_pps[$name]=$pps
    best_frames[$name]=$frames
    best_seconds[$name]=$seconds
    best_cpu[$name]=$cpu
  fi
  ((per_cpu > best_per_cpu[$name])) && best_per_cpu[$name]=$per_cpu
  return 0
}

synscan=("$build/cli/synscan" "$TARGETS" -p 60000-60009 --rate 100000000 --wait 0 -o /dev/null)
# UDP with the empty datagram (no built-in payload on these ports): 42 bytes padded to the same 60-byte frame as
# the limit's SYN, so the limit is the same comparison (issue 19: UDP transmit >= 0.95 x the limit).
synscan_udp=("$build/cli/synscan" "$TARGETS" -p U:60000-60009 --udp-payload-file none --rate 100000000 --wait 0
             -o /dev/null)
zmap_args=(-p 60000 -P 10 -r 100000000 -i veth-scan -G "$gateway_mac" -S "$SRC_IP"
           -b "$work/empty-blocklist.conf" -c 0 -q --disable-syslog -o /dev/null "$TARGETS")
masscan_args=("$TARGETS" -p60000-60009 --rate 100000000 --router-mac "$gateway_mac" --adapter veth-scan
              --adapter-ip "$SRC_IP" --wait 0)
limit_args=(-i veth-scan --dst-mac "$gateway_mac" --src-ip "$SRC_IP" --dst-ip 198.19.0.1 --dst-port 60000
            --count "$FRAMES")
synscan6=("$build/cli/synscan" "$TARGETS6" -p 60000-60009 --rate 100000000 --wait 0 -o /dev/null)
masscan6_args=("$TARGETS6" -p60000-60009 --rate 100000000 --router-mac-ipv6 "$gateway_mac" --adapter veth-scan
               --source-ip "$SRC_IP6" --wait 0)
limit6_args=(-i veth-scan --dst-mac "$gateway_mac" --src-ip "$SRC_IP6" --dst-ip 2001:2:0:1::1 --dst-port 60000
             --count "$FRAMES")
# synscan's IPv6 runs wait for a synscan that takes IPv6 targets: --count checks them and sends nothing.
synscan_ipv6=0
if ((run_ipv6)); then
  if count6=$(in_scan "$build/cli/synscan" --count "$TARGETS6" -p 60000-60009 2>&1); then
    synscan_ipv6=1
  else
    log "synscan IPv6 runs skipped: this synscan does not take IPv6 targets ($(head -n 1 <<<"$count6"))"
  fi
fi

load_before=$(cut -d ' ' -f 1-3 /proc/loadavg)
for ((round = 1; round <= rounds; round++)); do
  log "round $round of $rounds"
  if ((run_ipv4)); then
    measure "limit (tx ring)" "$build/bench/synscan_tx_limit" "${limit_args[@]}" --method ring
    measure "limit (sendmmsg)" "$build/bench/synscan_tx_limit" "${limit_args[@]}" --method sendmmsg
    measure "limit (xdp)" "$build/bench/synscan_tx_limit" "${limit_args[@]}" --method xdp
    measure "synscan 1 thread" "${synscan[@]}" --send-threads 1
    measure "synscan 2 threads" "${synscan[@]}" --send-threads 2
    measure "synscan mmap" "${synscan[@]}" --send-threads 1 --send-backend mmap
    measure "synscan sendmmsg" "${synscan[@]}" --send-threads 1 --send-backend sendmmsg
    measure "synscan UDP 1 thread" "${synscan_udp[@]}" --send-threads 1
    if [[ -n ${COMPARE_BIN:-} ]]; then
      measure "compare 1 thread" "$COMPARE_BIN" "${synscan[@]:1}" --send-threads 1
    fi
    measure "zmap -T 1" zmap "${zmap_args[@]}" -T 1
    measure "zmap -T 2" zmap "${zmap_args[@]}" -T 2
    measure "masscan" masscan "${masscan_args[@]}"
  fi
  if ((run_ipv6)); then
    measure "limit IPv6 (tx ring)" "$build/bench/synscan_tx_limit" "${limit6_args[@]}" --method ring
    measure "limit IPv6 (sendmmsg)" "$build/bench/synscan_tx_limit" "${limit6_args[@]}" --method sendmmsg
    measure "limit IPv6 (xdp)" "$build/bench/synscan_tx_limit" "${limit6_args[@]}" --method xdp
    if ((synscan_ipv6)); then
      measure "synscan IPv6 1 thread" "${synscan6[@]}" --send-threads 1
      measure "synscan IPv6 sendmmsg" "${synscan6[@]}" --send-threads 1 --send-backend sendmmsg
    fi
    measure "masscan IPv6" masscan "${masscan6_args[@]}"
  fi
done

# The dry run to /dev/null: 198.19.0.0/16 x 1,000 ports (65,536,000 probes), in the scanner namespace (it
# sends nothing; the namespace only makes sure of it); in IPv6 2001:2:0:1::/112 x 1,000 ports.
# dry_run TARGETS: prints the seconds it took.
dry_run() {
  local start=$EPOCHREALTIME
  in_scan "$build/cli/synscan" --dry-run "$1" -p 60000-60999 --seed 1 >/dev/null
  python3 -c "import sys; a, b = map(float, sys.argv[1:]); print(f'{b - a:.2f}')" "$start" "$EPOCHREALTIME"
}
dry_s=
dry6_s=
((run_ipv4)) && dry_s=$(dry_run "$TARGETS")
((synscan_ipv6)) && dry6_s=$(dry_run "$TARGETS6")

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
case $family in
  4) what="$TARGETS x 60000-60009" ;;
  6) what="$TARGETS6 x 60000-60009" ;;
  *) what="$TARGETS or $TARGETS6 x 60000-60009" ;;
esac
echo "synscan bench-tx: $FRAMES SYNs per run ($what, $sink_text),"
echo "counted as rx_packets on the target end of a veth pair; best of $rounds round(s). $(nproc) CPUs ($cpu),"
echo "Linux $(uname -r);"
echo "load average before: $load_before, after: $(cut -d ' ' -f 1-3 /proc/loadavg)."
printf '%-26s %8s %9s %10s %7s %13s\n' run frames active-s pps cpu-s frames/cpu-s
for name in "${order[@]}"; do
  printf '%-26s %8s %9s %10s %7s %13s\n' "$name" "${best_frames[$name]}" "${best_seconds[$name]}" \
    "${best_pps[$name]}" "${best_cpu[$name]}" "${best_per_cpu[$name]}"
done
ratio() {
  python3 -c "import sys; a, b = map(float, sys.argv[1:]); print(f'{a / b:.2f}' if b else 'n/a')" "$1" "$2"
}
# ratios NAME_A NAME_B LABEL: pps ratio and frames-per-CPU-second ratio of two runs; nothing when either did
# not run (another --family, or synscan without IPv6).
ratio_width=36
ratios() {
  [[ -n ${best_pps[$1]:-} && -n ${best_pps[$2]:-} ]] || return 0
  printf '%-*s %6s pps   %6s frames/cpu-s%s\n' "$ratio_width" "$1 / $2" \
    "$(ratio "${best_pps[$1]}" "${best_pps[$2]}")" \
    "$(ratio "${best_per_cpu[$1]}" "${best_per_cpu[$2]}")" "${3:-}"
}
# best_limit PATTERN: the name of the fastest run whose name matches PATTERN (glob).
best_limit() {
  local name best=
  for name in "${order[@]}"; do
    # shellcheck disable=SC2053  # PATTERN is a glob on purpose
    [[ $name == $1 ]] || continue
    [[ -n $best ]] && ((best_pps[$name] <= best_pps[$best])) && continue
    best=$name
  done
  printf '%s\n' "$best"
}
if ((run_ipv4)); then
  limit=$(best_limit 'limit (*')
  echo "the limit: the best of the limit runs, $limit"
  ratios "synscan 1 thread" "$limit" "   (goal: pps >= 0.9)"
  ratios "synscan 1 thread" "zmap -T 1" "   (goal: pps >= 3)"
  ratios "synscan 2 threads" "zmap -T 2"
  ratios "synscan 1 thread" "masscan"
  ratios "synscan mmap" "synscan sendmmsg"
  ratios "synscan 1 thread" "synscan sendmmsg"
  ratios "synscan sendmmsg" "limit (sendmmsg)"
  ratios "limit (tx ring)" "limit (sendmmsg)"
fi
if ((run_ipv6)); then
  # "limit (IPv6)": the best IPv6 limit run under one name, for the ratios.
  limit6=$(best_limit 'limit IPv6 (*')
  best_pps["limit (IPv6)"]=${best_pps[$limit6]}
  best_per_cpu["limit (IPv6)"]=${best_per_cpu[$limit6]}
  echo "the IPv6 limit: the best of the IPv6 limit runs, $limit6"
  ratio_width=46  # the IPv6 names are longer
  ((synscan_ipv6)) || echo "synscan IPv6: not run, this synscan does not take IPv6 targets"
  ratios "synscan IPv6 1 thread" "limit (IPv6)" "   (goal: pps >= 0.9)"
  ratios "synscan IPv6 1 thread" "masscan IPv6"
  ratios "synscan IPv6 sendmmsg" "limit IPv6 (sendmmsg)"
  ratios "masscan IPv6" "limit (IPv6)"
  if ((run_ipv4)); then
    best_pps["limit (IPv4)"]=${best_pps[$limit]}
    best_per_cpu["limit (IPv4)"]=${best_per_cpu[$limit]}
    ratios "limit (IPv6)" "limit (IPv4)"
    ratios "synscan IPv6 1 thread" "synscan 1 thread"
    ratios "masscan IPv6" "masscan"
  fi
fi
dry_line() {
  echo "dry run to /dev/null, $1 x 1,000 ports: 65536000 probes in $2 s" \
    "($(python3 -c "import sys; print(round(65536000 / float(sys.argv[1])))" "$2") probes/s)"
}
[[ -z $dry_s ]] || dry_line "$TARGETS" "$dry_s"
[[ -z $dry6_s ]] || dry_line "$TARGETS6" "$dry6_s"
