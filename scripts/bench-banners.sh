#!/usr/bin/env bash
# Service identification side by side (issue 14), in one run on a services lab of its own (scripts/lab.sh up
# --services, taken down on exit): synscan --banners, nmap -sS -sV and masscan --banners on the same targets and
# ports, each scored against the lab's truth by scripts/bench_banners_score.py.
#
# Targets: HOSTS addresses per family (default 16): 198.19.0.1 onwards and 2001:2:0:1::1 onwards. Ports: every
# port of the lab's services (21 ftp vsftpd, 22 ssh Dropbear, 80 and 8080 http nginx, 443 http nginx inside TLS,
# 9000 silent, 9001 resets on accept): 16 hosts x 5 services = 80 services, 16 silent and 16 resetting ports
# per family.
#   synscan  TARGETS -p PORTS --banners --format ndjson (its defaults otherwise: --banner-timeout 5, ...)
#   nmap     -sS -sV -Pn -n -T4 -p PORTS -oX (and -6): its default version intensity; a silent port costs it
#            every probe's wait, which is most of its time
#   masscan  IPv4 only: --banners -e veth-scan --source-ip 198.18.0.100 (an address of the scanner's subnet
#            that its kernel does not own, so the kernel never resets masscan's connections: masscan's README)
#            --router-mac MAC --rate 10000 --wait 5 -oJ; masscan 1.3.2 may not exit by itself with --banners
#            (its wait count goes negative), so it is stopped with SIGINT (it then writes its output) after
#            MASSCAN_SECONDS (default 30), which the table then says
# Per tool and family: services identified (name, TLS tunnel and product as the truth says; %), versions,
# silent ports reported as silent, resetting ports reported as reset (nmap: tcpwrapped), wall time, and
# synscan's time as a fraction of nmap's. Prints a Markdown table; exits 1 when synscan misses any service,
# silent or reset port, or takes more than a tenth of nmap's time (the goals), 0 otherwise.
#
# Usage: scripts/bench-banners.sh [SYNSCAN_BINARY]   (root; default build/cli/synscan)
#   HOSTS=N          addresses per family (1-250, default 16)
#   FAMILIES="4 6"   the families to run (default both)
#   SKIP_OTHERS=1    only synscan
#   MASSCAN_SECONDS  when masscan is stopped (default 30)
# nmap and masscan are installed with apt-get when missing (unless SKIP_OTHERS=1).
# Safety: every packet stays inside the lab's namespaces, 198.18.0.0/15 and 2001:2::/48 only (scripts/lab.sh).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
synscan=$(realpath "${1:-$root/build/cli/synscan}")
[[ -x $synscan ]] || { echo "bench-banners: $synscan not found (scripts/build.sh)" >&2; exit 2; }
lab_sh=$root/scripts/lab.sh
score=$root/scripts/bench_banners_score.py
hosts=${HOSTS:-16}
if ! [[ $hosts =~ ^[0-9]+$ ]] || ((hosts < 1 || hosts > 250)); then
  echo "bench-banners: HOSTS is 1-250, not '$hosts'" >&2
  exit 2
fi
families=${FAMILIES:-4 6}
[[ $families =~ ^[[:space:]]*[46]([[:space:]]+[46])?[[:space:]]*$ ]] ||
  { echo "bench-banners: FAMILIES is '4', '6' or '4 6', not '$families'" >&2; exit 2; }
masscan_seconds=${MASSCAN_SECONDS:-30}
[[ $masscan_seconds =~ ^[1-9][0-9]*$ ]] ||
  { echo "bench-banners: MASSCAN_SECONDS is a whole number of seconds, not '$masscan_seconds'" >&2; exit 2; }
others=1
[[ ${SKIP_OTHERS:-0} == 1 ]] && others=0

if ((others)); then
  for tool in nmap masscan; do
    command -v "$tool" >/dev/null 2>&1 && continue
    echo "bench-banners: installing $tool" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null; } ||
      echo "bench-banners: could not install $tool" >&2
  done
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/synscan-bench-banners.XXXXXX")
chmod 755 "$work"
lab=
cleanup() {
  [[ -z $lab ]] || "$lab_sh" down "$lab" || true
  rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

lab=$(printf 'sslab-bbench-%s-%04x' "$$" "$RANDOM")
SYNSCAN_LAB_OWNER_PID=$$ "$lab_sh" up --services "$lab" >/dev/null
truth=$("$lab_sh" truth "$lab")
ports=$(jq -r '.services | keys | map(tonumber) | sort | map(tostring) | join(",")' "$truth")
next_hop_mac=$("$lab_sh" exec-target "$lab" cat /sys/class/net/veth-tgt/address)
seconds_since() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'; }
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }

rows=()
failed=0
# row TOOL FAMILY SCORE SECONDS NMAP_SECONDS [NOTE]: one table row from a score line.
row() {
  local ratio=-
  [[ -n $5 && $5 != 0.0 ]] && ratio=$(awk -v a="$4" -v b="$5" 'BEGIN { printf "%.3f", a / b }')
  rows+=("| $1 | IPv$2 | $(field services "$3") ($(field services_pct "$3") %) | $(field versions "$3") |\
 $(field silent "$3") | $(field reset "$3") | $4${6:+ ($6)} | $ratio |")
}

for family in $families; do
  if [[ $family == 4 ]]; then
    targets=198.19.0.1-198.19.0.$hosts
  else
    targets=2001:2:0:1::1-2001:2:0:1::$(printf '%x' "$hosts")
  fi
  echo "bench-banners: IPv$family: $targets x ports $ports" >&2

  start=$(date +%s.%N)
  timeout -k 5 300 "$lab_sh" exec "$lab" "$synscan" "$targets" -p "$ports" --banners --format ndjson \
    -o "$work/synscan$family.ndjson" >"$work/synscan$family.log" 2>&1 ||
    { tail -n 5 "$work/synscan$family.log" >&2; echo "bench-banners: synscan failed (IPv$family)" >&2; failed=1; }
  syn_time=$(seconds_since "$start")
  syn_score=$(python3 "$score" --truth "$truth" --targets "$targets" --format ndjson "$work/synscan$family.ndjson")
  echo "synscan  IPv$family $syn_score | $syn_time s" >&2

  nmap_time=
  if ((others)) && command -v nmap >/dev/null; then
    nmap_family=()
    [[ $family == 6 ]] && nmap_family=(-6)
    start=$(date +%s.%N)
    # nmap takes no IPv6 range: every address, one a line.
    for ((i = 1; i <= hosts; i++)); do
      if [[ $family == 4 ]]; then echo "198.19.0.$i"; else printf '2001:2:0:1::%x\n' "$i"; fi
    done >"$work/nmap$family.targets"
    timeout -k 5 1200 "$lab_sh" exec "$lab" nmap "${nmap_family[@]}" -sS -sV -Pn -n -T4 -p "$ports" \
      -oX "$work/nmap$family.xml" -iL "$work/nmap$family.targets" >"$work/nmap$family.log" 2>&1 ||
      { tail -n 3 "$work/nmap$family.log" >&2; echo "bench-banners: nmap failed (IPv$family)" >&2; }
    nmap_time=$(seconds_since "$start")
    nmap_score=$(python3 "$score" --truth "$truth" --targets "$targets" --format nmap-xml "$work/nmap$family.xml" ||
      echo "services=0/0 services_pct=0")
    echo "nmap     IPv$family $nmap_score | $nmap_time s" >&2
  fi
  row synscan "$family" "$syn_score" "$syn_time" "$nmap_time"
  [[ -n $nmap_time ]] && row "nmap -sV" "$family" "$nmap_score" "$nmap_time" "$nmap_time"

  if ((others)) && [[ $family == 4 ]] && command -v masscan >/dev/null; then
    start=$(date +%s.%N)
    rc=0
    (cd "$work" && timeout -s INT -k 10 "$masscan_seconds" "$lab_sh" exec "$lab" masscan "$targets" -p "$ports" \
      --banners -e veth-scan --source-ip 198.18.0.100 --router-mac "$next_hop_mac" --rate 10000 --wait 5 \
      -oJ "$work/masscan.json" >"$work/masscan.log" 2>&1) || rc=$?
    masscan_time=$(seconds_since "$start")
    note=
    ((rc == 124)) && note="stopped after ${masscan_seconds} s"
    masscan_score=$(python3 "$score" --truth "$truth" --targets "$targets" --format masscan-json \
      "$work/masscan.json" || echo "services=0/0 services_pct=0")
    echo "masscan  IPv4 $masscan_score | $masscan_time s${note:+ ($note)}" >&2
    row "masscan --banners" 4 "$masscan_score" "$masscan_time" "$nmap_time" "$note"
  fi

  # The goals: every service, silent and reset port as the truth says; a tenth of nmap's time or less.
  for key in services silent reset; do
    value=$(field "$key" "$syn_score")
    [[ -n $value && ${value%/*} == "${value#*/}" ]] ||
      { echo "bench-banners: synscan IPv$family: $key $value, goal: all" >&2; failed=1; }
  done
  if [[ -n $nmap_time ]] && awk -v a="$syn_time" -v b="$nmap_time" 'BEGIN { exit !(a > b / 10) }'; then
    echo "bench-banners: synscan IPv$family took $syn_time s, more than a tenth of nmap's $nmap_time s" >&2
    failed=1
  fi
done

echo "| tool | family | services identified | versions | silent as silent | reset as reset | wall s | / nmap's time |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
exit "$failed"
