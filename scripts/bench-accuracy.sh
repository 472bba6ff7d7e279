#!/usr/bin/env bash
# Accuracy at full speed (issue 4), side by side in one run, in a lab of its own (taken down on exit).
#
# IPv4: the lab's whole /16, 198.19.0.0/16 (its drop block 198.19.255.0/24 answers nothing: every probe there is
# filtered) x 10 ports: the open ports 22 80 443 8080, five closed ports 21 23 110 3306 5432 and the dropped
# (filtered) port 25 = 655,360 probes. The truth comes from the lab's rules (tests/e2e/check_truth.py).
#   synscan  --rate 100000000 (as fast as it can send) --retries 1, every state shown, NDJSON: recall of open,
#            closed and filtered, false positives, pcap drops, send rate, receive-thread CPU time
#   zmap     one run per open port (zmap scans one port a run), -r 0 (no rate limit), -P 2 (each probe twice,
#            its nearest to one retry): recall of open ports
#   masscan  all ports in one run, --rate 100000000, no retries: masscan 1.3.2's --retries never ends here (it
#            re-sends and re-reports the same probes until killed); recall of open ports, bounded to 300 s
# IPv6: 2001:2:0:1::/120 and 2001:2:0:1::ff00/124 (16 addresses of the lab's IPv6 drop block) = 272 addresses x
# the same 10 ports and 113 (rejected with ICMPv6 address unreachable: filtered) = 2,992 probes, small enough
# for nmap. Every tool gets the same targets and ports:
#   synscan  as for IPv4, the targets as prefixes: synscan 2001:2:0:1::/120 2001:2:0:1::ff00/124 -p PORTS
#            --rate 100000000 --retries 1 --wait 3 --show open,closed,filtered --format ndjson -o FILE; a
#            synscan that refuses IPv6 targets (exit 2 from --count) is reported as such, not run
#   masscan  --source-ip 2001:2::1 --router-mac-ipv6 MAC, --rate 100000000, no retries: recall of open ports
#            (a scan this short loses the replies that come before masscan's receive thread listens)
#   nmap     -6 -sS -Pn -n -T4 --max-retries 1, -oX: recall of open, closed and filtered (its own states)
#   zmap 2.1.1 has no IPv6.
# Prints one result line per scanner and family, with its wall time; exits non-zero when synscan misses anything
# or reports a false positive (in IPv6 too, once it takes IPv6 targets).
# Then the impaired cases (issue 12, scripts/bench_accuracy_impaired.sh, which describes them): the same lab with
# loss, a policer, a shaped bottleneck, per-target SYN limits or ICMP limits; synscan at fixed rates and
# --rate auto, zmap and masscan at the same rates; exits non-zero when --rate auto misses a goal.
#
# Usage: scripts/bench-accuracy.sh [SYNSCAN_BINARY]   (root; default build/cli/synscan)
#   SKIP_OTHERS=1  only synscan
#   FAMILIES="4 6" the clean full-speed cases to run (default both; "4" or "6" for one, "" for none)
#   IMPAIRMENTS="clean loss2 policer tbf synlimit icmp"  the impaired cases (the default; also rstlimit; "" none)
#   IMPAIRED_RATES="2500 5000 10000 20000 40000 max"     their fixed rates (pps; max: as fast as it sends)
#   IMPAIRED_TABLE=FILE  also write the impaired cases' table there (Markdown, for README.md)
# zmap, masscan and nmap are installed with apt-get when missing (unless SKIP_OTHERS=1).
# Safety: every packet stays inside the lab's namespaces, 198.18.0.0/15 and 2001:2::/48 only (scripts/lab.sh).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
synscan=$(realpath "${1:-$root/build/cli/synscan}")
[[ -x $synscan ]] || { echo "bench-accuracy: $synscan not found (scripts/build.sh)" >&2; exit 2; }
lab_sh=$root/scripts/lab.sh
score=$root/scripts/bench_accuracy_score.py
families=${FAMILIES-4 6}
[[ $families =~ ^[[:space:]]*([46]([[:space:]]+[46])?)?[[:space:]]*$ ]] ||
  { echo "bench-accuracy: FAMILIES is '4', '6', '4 6' or '', not '$families'" >&2; exit 2; }
IMPAIRMENTS=${IMPAIRMENTS-clean loss2 policer tbf synlimit icmp}
want_family() { [[ " $families " == *" $1 "* ]]; }

targets=198.19.0.0/16
open_ports=(22 80 443 8080)
ports=22,80,443,8080,21,23,110,3306,5432,25
v6_targets=(2001:2:0:1::/120 2001:2:0:1::ff00/124)
v6_ports=$ports,113
v6_source=2001:2::1

if [[ ${SKIP_OTHERS:-0} != 1 ]]; then
  for tool in zmap masscan nmap; do
    command -v "$tool" >/dev/null 2>&1 && continue
    echo "bench-accuracy: installing $tool" >&2
    # The package lists may be missing or stale on a fresh machine: update once, then try again.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null; } ||
      echo "bench-accuracy: could not install $tool" >&2
  done
fi

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
seconds_since() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'; }

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

# synscan_row LABEL TAG PORTS TARGET...: one synscan scan at full speed, scored; prints its result line. Sets
# synscan_rc (0: every probe as the truth says). Returns 1 when synscan fails (its stderr on ours).
synscan_rc=0
synscan_cases=()
synscan_row() {
  local label=$1 tag=$2 scan_ports=$3 start scan_pid synscan_pid='' pid recv_cpu rc=0 elapsed row_score row_rc=0
  local sent drops
  shift 3
  start=$(date +%s.%N)
  in_lab "$synscan" "$@" -p "$scan_ports" --rate 100000000 --retries 1 --wait 3 --show open,closed,filtered \
    --format ndjson -o "$work/synscan-$tag.ndjson" 2>"$work/synscan-$tag.err" &
  scan_pid=$!
  for _ in $(seq 50); do
    for pid in $(pgrep -f -- "$work/synscan-$tag.ndjson" || true); do
      [[ $(cat "/proc/$pid/comm" 2>/dev/null) == synscan ]] && synscan_pid=$pid
    done
    [[ -n $synscan_pid ]] && break
    sleep 0.05
  done
  recv_cpu=
  if [[ -n $synscan_pid ]]; then recv_cpu=$(recv_thread_cpu "$synscan_pid"); fi
  wait "$scan_pid" || rc=$?
  elapsed=$(seconds_since "$start")
  if ((rc != 0)); then
    cat "$work/synscan-$tag.err" >&2
    echo "bench-accuracy: synscan exited with $rc" >&2
    printf '%-8s failed: exit %d after %s s (its stderr above)\n' "$label" "$rc" "$elapsed"
    synscan_rc=1
    return 1
  fi
  row_score=$(python3 "$score" --truth "$truth" --targets "$@" --ports "$scan_ports" --format ndjson \
    --states open,closed,filtered "$work/synscan-$tag.ndjson") || row_rc=$?
  ((row_rc == 0)) || synscan_rc=$row_rc
  synscan_cases+=("$tag")
  sent=$(sed -n 's/^synscan: \([0-9]\+\) probes sent in \([0-9.]\+\) s (\([0-9]\+\) pps); passes: \([0-9+]\+\).*/\3 pps, passes \4/p' \
    "$work/synscan-$tag.err")
  drops=$(sed -n 's/.*capture drops \([0-9]\+\) (interface \([0-9]\+\)), queue drops \([0-9]\+\).*/pcap drops \1, interface drops \2, queue drops \3/p' \
    "$work/synscan-$tag.err")
  printf '%-8s %s | %s; %s; receive thread %s s CPU; %s s wall\n' "$label" "$row_score" "$sent" "$drops" \
    "${recv_cpu:-?}" "$elapsed"
}

if want_family 4; then
  echo "bench-accuracy: IPv4 $targets x ports $ports ($((65536 * 10)) probes); lab $lab; $(nproc) CPUs; $(uname -r)"

  # ---- synscan ---------------------------------------------------------------------------------------------------
  synscan_row synscan IPv4 "$ports" "$targets" || exit 1

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
      elapsed=$(seconds_since "$start")
      total=$((65280 * ${#open_ports[@]}))
      printf '%-8s open=%d/%d (%.2f%%) | per port %s; %s s wall for %d runs\n' zmap "$zmap_found" "$total" \
        "$(awk -v a="$zmap_found" -v b="$total" 'BEGIN { print 100 * a / b }')" "$(IFS=';'; echo "${zmap_parts[*]}")" \
        "$elapsed" "${#open_ports[@]}"
    else
      echo "zmap     not installed (apt-get install zmap)"
    fi

    # ---- masscan: all ports in one run ---------------------------------------------------------------------------
    if command -v masscan >/dev/null; then
      start=$(date +%s.%N)
      (cd "$work" && timeout -k 5 300 "$lab_sh" exec "$lab" masscan "$targets" -p "$ports" --rate 100000000 --wait 3 \
        -e veth-scan --adapter-ip 198.18.0.1 --router-mac "$next_hop_mac" -oL "$work/masscan.txt" \
        >"$work/masscan.log" 2>&1) ||
        { echo "bench-accuracy: masscan failed or was stopped after 300 s" >&2; }
      elapsed=$(seconds_since "$start")
      part=$(python3 "$score" --truth "$truth" --targets "$targets" --ports "$ports" --format masscan-list \
        "$work/masscan.txt" || true)
      printf '%-8s %s | %s s wall\n' masscan "$part" "$elapsed"
    else
      echo "masscan  not installed (apt-get install masscan)"
    fi
  fi
fi

if want_family 6; then
  v6_count=$(python3 -c 'import ipaddress, sys
print(sum(ipaddress.ip_network(t).num_addresses for t in sys.argv[1:]))' "${v6_targets[@]}")
  v6_probes=$((v6_count * $(tr ',' '\n' <<<"$v6_ports" | wc -l)))
  echo "bench-accuracy: IPv6 ${v6_targets[*]} x ports $v6_ports ($v6_probes probes); lab $lab"
  if ! python3 -c 'import json, sys; sys.exit("ipv6" not in json.load(open(sys.argv[1])))' "$truth"; then
    echo "bench-accuracy: IPv6 case skipped: the lab has no IPv6 (kernel without IPv6, or SYNSCAN_LAB_IPV6=0)"
  else
    # ---- synscan, when it takes IPv6 targets ---------------------------------------------------------------------
    # --count sends nothing; it checks the targets and ports like a scan would (exit 2 on a target it refuses).
    v6_rc=0
    v6_check=$(in_lab "$synscan" --count "${v6_targets[@]}" -p "$v6_ports" 2>&1) || v6_rc=$?
    if ((v6_rc == 0)); then
      synscan_row synscan IPv6 "$v6_ports" "${v6_targets[@]}" || true  # the other tools' rows still follow
    else
      printf '%-8s not run: this synscan does not take IPv6 targets (--count exit %d: %s)\n' synscan "$v6_rc" \
        "$(head -n 1 <<<"$v6_check")"
    fi

    if [[ ${SKIP_OTHERS:-0} != 1 ]]; then
      # ---- masscan -----------------------------------------------------------------------------------------------
      if command -v masscan >/dev/null; then
        start=$(date +%s.%N)
        (cd "$work" && timeout -k 5 300 "$lab_sh" exec "$lab" masscan "$(IFS=,; echo "${v6_targets[*]}")" \
          -p "$v6_ports" --rate 100000000 --wait 3 -e veth-scan --source-ip "$v6_source" \
          --router-mac-ipv6 "$next_hop_mac" -oL "$work/masscan6.txt" >"$work/masscan6.log" 2>&1) ||
          { tail -n 3 "$work/masscan6.log" >&2; echo "bench-accuracy: masscan (IPv6) failed or was stopped" >&2; }
        elapsed=$(seconds_since "$start")
        part=$(python3 "$score" --truth "$truth" --targets "${v6_targets[@]}" --ports "$v6_ports" \
          --format masscan-list "$work/masscan6.txt" || true)
        printf '%-8s %s | %s s wall\n' masscan "$part" "$elapsed"
      else
        echo "masscan  not installed (apt-get install masscan)"
      fi

      # ---- nmap --------------------------------------------------------------------------------------------------
      if command -v nmap >/dev/null; then
        start=$(date +%s.%N)
        in_lab nmap -6 -sS -Pn -n -T4 --max-retries 1 -e veth-scan -p "$v6_ports" -oX "$work/nmap6.xml" \
          "${v6_targets[@]}" >"$work/nmap6.log" 2>&1 ||
          { tail -n 3 "$work/nmap6.log" >&2; echo "bench-accuracy: nmap (IPv6) failed" >&2; }
        elapsed=$(seconds_since "$start")
        part=$(python3 "$score" --truth "$truth" --targets "${v6_targets[@]}" --ports "$v6_ports" \
          --format nmap-xml --states open,closed,filtered "$work/nmap6.xml" || true)
        printf '%-8s %s | %s s wall\n' nmap "$part" "$elapsed"
      else
        echo "nmap     not installed (apt-get install nmap)"
      fi
      echo "zmap     no IPv6 in zmap 2.1.1"
    fi
  fi
fi

impaired_rc=0
if [[ -n ${IMPAIRMENTS// /} ]]; then
  # shellcheck source=scripts/bench_accuracy_impaired.sh
  source "$root/scripts/bench_accuracy_impaired.sh"
  run_impaired_cases || impaired_rc=$?
  ((impaired_rc != 0)) || impaired_rc=$imp_goals_missed
fi

if ((synscan_rc != 0)); then
  echo "bench-accuracy: synscan failed, missed probes or reported false positives" >&2
  exit 1
fi
if [[ -n ${families// /} ]]; then
  if ((${#synscan_cases[@]} == 0)); then
    echo "bench-accuracy: synscan scanned no case"
    exit 1
  fi
  echo "bench-accuracy: synscan 100% open/closed/filtered, no false positives (${synscan_cases[*]})"
fi
if ((impaired_rc != 0)); then
  echo "bench-accuracy: the impaired cases failed or --rate auto missed a goal" >&2
  exit 1
fi
