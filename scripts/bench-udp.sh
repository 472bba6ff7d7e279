#!/usr/bin/env bash
# UDP scanning side by side (issue 19), in a UDP lab of its own (scripts/lab.sh up --udp; taken down on exit).
#
# The work: 198.19.0.0/24 (256 addresses) x 14 UDP ports = 3,584 probes:
#   open           53 (dnsmasq), 123 (chrony), 161 (snmpd)                    768 probes
#   closed         7 9 13 17 19 37 69 111 137 7777 (nothing bound: ICMP port unreachable)   2,560 probes
#   open|filtered  7778 (nftables drops the datagrams)                          256 probes
# (the /24's no-echo block 198.19.0.192/26 answers UDP like the rest; every scan runs without host discovery).
# Two cases: "no limit" (the lab's default: every closed port answers every probe) and "1/s,6" (each address sends
# at most 1 ICMP error a second after a burst of 6, as a Linux host does by default: lab.sh impair hosticmp 1 6).
# Under the limit, between two tools the script waits 8 s so that every address's bucket is full again.
#
#   nmap     -sU -T4 -Pn -n (Debian's nmap 7.93, its payloads from /usr/share/nmap/nmap-payloads), -oX
#   masscan  -pU:PORTS --rate RATE --wait 3, -oL; masscan 1.3.2 may not exit by itself here: stopped after
#            MASSCAN_TIMEOUT s (default 40), what it wrote until then is scored
#   zmap     -M udp, one run per port (zmap scans one port a run), the payload files Debian ships in
#            /usr/share/doc/zmap/examples/udp-probes/ on 53 (dns_53.pkt), 123 (ntp_123.pkt), 161 (snmp2_161.pkt),
#            zmap's default payload elsewhere; -O csv with the ICMP type/code: success -> open, port
#            unreachable -> closed (zmap does not report silence)
#   synscan  -p U:53,U:123,... --show open,closed,filtered,open|filtered --format ndjson (the syntax of issue 19);
#            a build that refuses it (--count exits non-zero) is reported as "synscan: no UDP support in this
#            build" and not run
# Each is scored against the lab's truth (scripts/bench_udp_score.py, tests/e2e/check_udp_truth.py): per true
# state, probes reported with that state / probes; false positives (open where the truth is not); other wrong
# states; wall time. One Markdown table on stdout.
#
# Usage: scripts/bench-udp.sh [SYNSCAN_BINARY]   (root; default build/cli/synscan)
#   CASES="nolimit limit"   the cases (default both)
#   TOOLS="synscan nmap masscan zmap"   the tools (default all)
#   RATE=10000              masscan's and zmap's rate (packets/s); synscan gets --rate RATE too
#   SYNSCAN_ARGS="--retries 5 --retry-delay 1 --wait 1"   synscan's other options (default: that: each silent
#                           probe is asked again once a second, so a host whose ICMP errors are limited to 1/s
#                           after a burst answers every closed port within the retries)
#   KEEP=1                  keep the work directory (outputs, logs) and print its path
# nmap, masscan and zmap are installed with apt-get when missing (this script's own step, not install-deps.sh).
# Safety: every packet stays inside the lab's namespaces, 198.18.0.0/15 only (scripts/lab.sh).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
synscan=${1:-$root/build/cli/synscan}
lab_sh=$root/scripts/lab.sh
score=$root/scripts/bench_udp_score.py
CASES=${CASES-nolimit limit}
TOOLS=${TOOLS-synscan nmap masscan zmap}
SYNSCAN_ARGS=${SYNSCAN_ARGS-"--retries 5 --retry-delay 1 --wait 1"}
RATE=${RATE:-10000}
MASSCAN_TIMEOUT=${MASSCAN_TIMEOUT:-40}
[[ $RATE =~ ^[1-9][0-9]{0,8}$ ]] || { echo "bench-udp: bad RATE '$RATE'" >&2; exit 2; }
for c in $CASES; do [[ $c == nolimit || $c == limit ]] || { echo "bench-udp: bad case '$c' (nolimit, limit)" >&2; exit 2; }; done
for t in $TOOLS; do
  [[ $t =~ ^(synscan|nmap|masscan|zmap)$ ]] || { echo "bench-udp: bad tool '$t' (synscan nmap masscan zmap)" >&2; exit 2; }
done
want_tool() { [[ " $TOOLS " == *" $1 "* ]]; }

targets=198.19.0.0/24
open_ports=(53 123 161)
closed_ports=(7 9 13 17 19 37 69 111 137 7777)
drop_ports=(7778)
all_ports=("${open_ports[@]}" "${closed_ports[@]}" "${drop_ports[@]}")
ports=$(IFS=,; echo "${all_ports[*]}")
synscan_ports=$(printf 'U:%s,' "${all_ports[@]}")
synscan_ports=${synscan_ports%,}
zmap_probes=/usr/share/doc/zmap/examples/udp-probes
declare -A zmap_payload=([53]=dns_53.pkt [123]=ntp_123.pkt [161]=snmp2_161.pkt)

log() { printf 'bench-udp: %s\n' "$*" >&2; }

# The other scanners: Debian's packages, installed here when missing (the package lists may be stale on a fresh
# machine: update once, then try again).
for tool in nmap masscan zmap; do
  want_tool "$tool" || continue
  command -v "$tool" >/dev/null 2>&1 && continue
  log "installing $tool"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null; } ||
    log "could not install $tool"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/synscan-bench-udp.XXXXXX")
chmod 755 "$work"
lab=
cleanup() {
  [[ -z $lab ]] || "$lab_sh" down "$lab" || true
  if [[ ${KEEP:-0} == 1 ]]; then log "kept $work"; else rm -rf -- "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

lab=$(printf 'sslab-bench-udp-%s-%04x' "$$" "$RANDOM")
SYNSCAN_LAB_OWNER_PID=$$ "$lab_sh" up --udp "$lab" >/dev/null
truth=$("$lab_sh" truth "$lab")
next_hop_mac=$("$lab_sh" exec-target "$lab" cat /sys/class/net/veth-tgt/address)
in_lab() { "$lab_sh" exec "$lab" "$@"; }
now() { date +%s.%N; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'; }

# row CASE TOOL FORMAT WALL NOTE FILE...: one scored table row.
row() {
  local case=$1 tool=$2 format=$3 wall=$4 note=$5
  shift 5
  python3 "$score" --truth "$truth" --targets "$targets" --udp-ports "$ports" --format "$format" --tool "$tool" \
    --case "$case" --wall "$wall" --note "$note" --ndjson-out "$work/$case-$tool.scored.ndjson" "$@" ||
    printf '| %s | %s | scoring failed | | | | | %s | |\n' "$case" "$tool" "$wall"
}

# Waits until every address's ICMP budget is full again (1/s, burst 6) under the limit.
settle() { [[ $1 != limit ]] || sleep 8; }

run_synscan() {
  local case=$1 rc=0 start err
  if [[ ! -x $synscan ]]; then
    printf '| %s | synscan | - | - | - | - | - | - | not built (%s) |\n' "$case" "$synscan"
    return
  fi
  # --count sends nothing: it parses the ports as a scan would.
  if ! err=$(in_lab "$synscan" --count "$targets" -p "$synscan_ports" 2>&1); then
    printf '| %s | synscan | - | - | - | - | - | - | synscan: no UDP support in this build (%s) |\n' "$case" \
      "$(head -n 1 <<<"$err" | tr '|' '/')"
    return
  fi
  start=$(now)
  # shellcheck disable=SC2086  # SYNSCAN_ARGS is a list of words
  timeout -k 5 300 "$lab_sh" exec "$lab" "$synscan" "$targets" -p "$synscan_ports" --rate "$RATE" $SYNSCAN_ARGS \
    --show 'open,closed,filtered,open|filtered' --format ndjson -o "$work/$case-synscan.ndjson" \
    2>"$work/$case-synscan.err" || rc=$?
  if ((rc != 0)); then
    printf '| %s | synscan | - | - | - | - | - | %s | failed: exit %d: %s |\n' "$case" "$(since "$start")" "$rc" \
      "$(tail -n 1 "$work/$case-synscan.err" | tr '|' '/')"
    return
  fi
  row "$case" synscan ndjson "$(since "$start")" "--rate $RATE $SYNSCAN_ARGS" "$work/$case-synscan.ndjson"
}

run_nmap() {
  local case=$1 start
  command -v nmap >/dev/null || { printf '| %s | nmap | not installed |\n' "$case"; return; }
  start=$(now)
  in_lab nmap -sU -T4 -Pn -n -e veth-scan -p "$ports" -oX "$work/$case-nmap.xml" "$targets" \
    >"$work/$case-nmap.log" 2>&1 || log "nmap failed: $(tail -n 2 "$work/$case-nmap.log")"
  row "$case" nmap nmap-xml "$(since "$start")" "-sU -T4" "$work/$case-nmap.xml"
}

run_masscan() {
  local case=$1 start rc=0 note
  command -v masscan >/dev/null || { printf '| %s | masscan | not installed |\n' "$case"; return; }
  start=$(now)
  (cd "$work" && timeout -k 5 "$MASSCAN_TIMEOUT" "$lab_sh" exec "$lab" masscan "$targets" \
    -p "$(printf 'U:%s,' "${all_ports[@]}" | sed 's/,$//')" --rate "$RATE" --wait 3 -e veth-scan \
    --adapter-ip 198.18.0.1 --router-mac "$next_hop_mac" -oL "$work/$case-masscan.txt" \
    >"$work/$case-masscan.log" 2>&1) || rc=$?
  note="--rate $RATE; reports open only"
  ((rc == 124 || rc == 137)) && note+="; did not exit, stopped after ${MASSCAN_TIMEOUT} s"
  row "$case" masscan masscan-list "$(since "$start")" "$note" "$work/$case-masscan.txt"
}

run_zmap() {
  local case=$1 start port args files=()
  command -v zmap >/dev/null || { printf '| %s | zmap | not installed |\n' "$case"; return; }
  : >"$work/zmap.blocklist"  # its default blocklist excludes 198.18.0.0/15, the lab's range
  start=$(now)
  for port in "${all_ports[@]}"; do
    args=()
    if [[ -n ${zmap_payload[$port]:-} && -f $zmap_probes/${zmap_payload[$port]} ]]; then
      args+=(--probe-args="file:$zmap_probes/${zmap_payload[$port]}")
    fi
    in_lab zmap -q -M udp "${args[@]}" -i veth-scan -S 198.18.0.1 -G "$next_hop_mac" -b "$work/zmap.blocklist" \
      -p "$port" -r "$RATE" -c 2 -O csv --output-fields=saddr,sport,classification,success,icmp_type,icmp_code \
      --output-filter='success = 0 || success = 1' -o "$work/$case-zmap-$port.csv" "$targets" >"$work/$case-zmap-$port.log" 2>&1 ||
      log "zmap port $port failed: $(tail -n 2 "$work/$case-zmap-$port.log")"
    files+=("$work/$case-zmap-$port.csv")
  done
  row "$case" zmap zmap-csv "$(since "$start")" \
    "-r $RATE, ${#all_ports[@]} runs (one a port, cooldown 2 s), Debian's DNS/NTP/SNMP payload files" "${files[@]}"
}

log "lab $lab: $targets x UDP $ports ($((256 * ${#all_ports[@]})) probes); $(nproc) CPUs; $(uname -r)"
printf '| case | tool | open | closed | open\\|filtered | false pos | other wrong | wall s | note |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
for case in $CASES; do
  if [[ $case == limit ]]; then
    "$lab_sh" impair "$lab" hosticmp 1 6
  else
    "$lab_sh" impair "$lab" clear
  fi
  for tool in $TOOLS; do
    "run_$tool" "$case"
    settle "$case"
  done
done
