#!/usr/bin/env bash
# Impairments of a synscan lab's path (issue 12): what a real network does to a scan, switched on by a test or a
# benchmark, inside the lab's target namespace only. Called by scripts/lab.sh (`lab.sh impair NAME KIND [ARGS]`).
#
# Usage: lab_impair.sh NAME KIND [ARGS]
#   loss FWD_PCT [REV_PCT]   random loss, each packet on its own: FWD_PCT % of the TCP packets reaching the
#                            target (probes), REV_PCT % (default FWD_PCT) of the TCP replies and ICMP errors leaving
#                            it. Percent with up to 3 decimals (2, 0.5). nftables `numgen random` (this kernel has
#                            no sch_netem): in the netdev ingress / egress hooks of veth-tgt.
#   policer PPS [BURST]      a policer on the forward path: TCP packets over PPS per second (token bucket of BURST
#                            packets, default PPS/100, at least 5) are dropped at veth-tgt's ingress, as a
#                            provider's policer drops the excess of a contract rate. nftables `limit rate over`.
#   tbf RATE BURST LATENCY   a shaped bottleneck with a queue: tc tbf on veth-tgt's egress (rate, e.g. 4mbit;
#                            bucket, e.g. 16kb; the most time a packet may wait in the queue, e.g. 50ms: the
#                            queue holds RATE x LATENCY bytes, the excess is dropped). It shapes the reply
#                            direction: the scanner's frames bypass every qdisc on its own side (AF_XDP, and
#                            AF_PACKET with PACKET_QDISC_BYPASS, as on a real NIC) and the lab has no middle hop
#                            whose egress could shape the probes.
#   synlimit PPS [BURST]     a per-target SYN rate limit: each target address accepts PPS SYNs per second (bucket
#                            of BURST, default 2) and silently drops the rest, as a host or a firewall protecting
#                            it does against SYN floods. nftables dynamic sets (meters) keyed on the destination
#                            address, IPv4 and IPv6.
#   icmp                     ICMP rate limits as Linux has them by default: the target namespace's
#                            net.ipv4.icmp_ratelimit / icmp_ratemask and net.ipv6.icmp.ratelimit / ratemask get
#                            the values of a fresh namespace on this kernel (the per-destination token bucket,
#                            1 message per icmp_ratelimit ms, burst 6, and the global one, icmp_msgs_per_sec);
#                            the lab lifts them. The port the lab rejects (113, ICMP unreachable) then answers
#                            only a few probes a second: its other probes go unanswered (still filtered).
#   hosticmp RATE [BURST]    a per-host limit on the ICMP errors (destination unreachable: port unreachable,
#                            the rejects) the targets send, as each real host has one (Linux: 1/s, burst 6, the
#                            default): RATE per second and a bucket of BURST (default 6) per target address, the
#                            rest dropped. nftables dynamic sets (meters) in the target's output hook, keyed on the
#                            address the error is about: IPv4 the error's source (the probed address), IPv6 the
#                            destination of the probe it quotes (ICMPv6 errors all come from 2001:2::2). The
#                            kernel's own limits stay lifted, so each address has its own budget
#                            (`lab.sh up --udp --udp-icmp-limit RATE/s,BURST` sets it at start).
#   rstlimit PPS [BURST]     a limit on the target's RSTs (closed ports) over all targets, as FreeBSD's
#                            net.inet.icmp.icmplim (default 200/s) limits "closed port RST response": excess
#                            RSTs are dropped (nftables, target's output hook).
#   clear                    removes every impairment (the lab as `lab.sh up` made it).
#   show                     prints the active impairments, one a line ("KIND ARGS").
# Several kinds stack; giving a kind again replaces its settings.
#
# Each keeps the lab's ground truth (truth.json): an impairment only drops or delays packets, never forges or
# changes one. A dropped probe or reply turns an answer into silence, which a scanner that sends slowly enough
# or retries sees through: every open and closed port still answers a probe that gets through, and a filtered
# one stays silent (or, for port 113, answers with ICMP or not: filtered either way). ARP and IPv6 neighbour
# discovery are never impaired (the scan resolves its next hop first; a real path's loss would only delay it).
# The forward and reply impairments act on the first scanner's link (veth-tgt); extra scanners (add-scanner)
# see only the per-target ones (synlimit, icmp, rstlimit).
#
# What this kernel (6.18, no modules) has, tried in a throwaway namespace: the qdiscs tbf, htb, pfifo, bfifo and
# clsact, but no netem, fq, fq_codel, sfq, red, codel, cake, prio or hfsc, and no tc classifier or action (u32,
# matchall, police, mirred, gact); ifb links exist, but without mirred nothing reaches them. So: loss and
# policing by nftables, a queue by tbf, and no fixed added delay, reordering or duplication (netem's work): the
# only delay here is the tbf queue's, up to LATENCY when the bottleneck is full.
#
# Safety: every rule, qdisc and sysctl is set inside the lab's target namespace NAME-tgt; nothing in the root
# namespace changes (the ICMP defaults are read from a throwaway namespace, `unshare --net`).
set -euo pipefail

readonly IMPAIR_STATE_ROOT=${SYNSCAN_LAB_STATE_ROOT:-/run/synscan-lab}
readonly IMPAIR_DEV=veth-tgt
readonly IMPAIR_TABLE=synscan_impair   # one netdev table (the link) and one inet table (the host), both this name

log() { printf 'lab impair: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}
# Bad input (a kind, a number): one line naming it, exit 2.
bad() {
  log "error: $*"
  exit 2
}
usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

# A positive count (packets, packets per second).
is_count() { [[ $1 =~ ^[1-9][0-9]{0,8}$ ]]; }
# Percent with up to 3 decimals, 0-100, as parts per 100,000 on stdout.
percent_to_pcm() {
  [[ $1 =~ ^([0-9]{1,3})(\.([0-9]{1,3}))?$ ]] || return 1
  local whole=${BASH_REMATCH[1]} frac=${BASH_REMATCH[3]}
  frac=${frac}000
  local pcm=$((10#$whole * 1000 + 10#${frac:0:3}))
  ((pcm <= 100000)) || return 1
  printf '%d\n' "$pcm"
}

tgt_nft() { ip netns exec "$TGT" nft "$@"; }

# Replaces chain CHAIN of table FAMILY synscan_impair with one holding HOOK_SPEC and the RULES (nft syntax, one a
# line). The tables are made on first use.
set_chain() {
  local family=$1 chain=$2 hook=$3 rules=$4
  tgt_nft add table "$family" "$IMPAIR_TABLE"
  if tgt_nft list chain "$family" "$IMPAIR_TABLE" "$chain" >/dev/null 2>&1; then
    tgt_nft delete chain "$family" "$IMPAIR_TABLE" "$chain"
  fi
  tgt_nft -f - <<EOF
table $family $IMPAIR_TABLE {
  chain $chain {
    $hook
$rules
  }
}
EOF
}

readonly INGRESS="type filter hook ingress device \"$IMPAIR_DEV\" priority -500; policy accept;"
readonly EGRESS="type filter hook egress device \"$IMPAIR_DEV\" priority -500; policy accept;"
# Replies: the target's TCP and its ICMP errors (destination unreachable only: neighbour discovery passes).
readonly REPLY_MATCH_TCP="meta l4proto tcp"
readonly REPLY_MATCH_ICMP="icmp type destination-unreachable"
readonly REPLY_MATCH_ICMP6="icmpv6 type destination-unreachable"

# Records KIND ARGS as active (replacing an earlier KIND) in the lab's state dir.
record() {
  local kind=$1 file=$STATE/impairments
  shift
  { grep -v "^$kind\\b" "$file" 2>/dev/null || true; printf '%s %s\n' "$kind" "$*"; } >"$file.tmp"
  mv -f "$file.tmp" "$file"
}

impair_loss() {
  (($# >= 1 && $# <= 2)) || bad "usage: loss FWD_PCT [REV_PCT]"
  local fwd rev
  fwd=$(percent_to_pcm "$1") || bad "bad loss percentage '$1' (0-100, up to 3 decimals)"
  rev=$(percent_to_pcm "${2:-$1}") || bad "bad loss percentage '${2:-$1}' (0-100, up to 3 decimals)"
  set_chain netdev loss_fwd "$INGRESS" "    meta l4proto tcp numgen random mod 100000 < $fwd counter drop"
  set_chain netdev loss_rev "$EGRESS" "    $REPLY_MATCH_TCP numgen random mod 100000 < $rev counter drop
    $REPLY_MATCH_ICMP numgen random mod 100000 < $rev counter drop
    $REPLY_MATCH_ICMP6 numgen random mod 100000 < $rev counter drop"
  record loss "$1" "${2:-$1}"
}

impair_policer() {
  (($# >= 1 && $# <= 2)) || bad "usage: policer PPS [BURST]"
  is_count "$1" || bad "bad policer rate '$1' (packets per second)"
  local burst=${2:-$(($1 / 100 > 5 ? $1 / 100 : 5))}
  is_count "$burst" || bad "bad policer burst '$burst' (packets)"
  set_chain netdev policer "$INGRESS" \
    "    meta l4proto tcp limit rate over $1/second burst $burst packets counter drop"
  record policer "$1" "$burst"
}

impair_tbf() {
  (($# == 3)) || bad "usage: tbf RATE BURST LATENCY (e.g. tbf 4mbit 16kb 50ms)"
  ip netns exec "$TGT" tc qdisc replace dev "$IMPAIR_DEV" root tbf rate "$1" burst "$2" latency "$3" ||
    die "tc refused tbf rate $1 burst $2 latency $3"
  record tbf "$@"
}

impair_synlimit() {
  (($# >= 1 && $# <= 2)) || bad "usage: synlimit PPS [BURST]"
  is_count "$1" || bad "bad per-target SYN rate '$1' (SYNs per second)"
  local burst=${2:-2}
  is_count "$burst" || bad "bad per-target SYN burst '$burst' (SYNs)"
  local limit="limit rate over $1/second burst $burst packets"
  # The sets forget an address after 60 s of silence; 1M entries cover any lab scan.
  tgt_nft add table inet "$IMPAIR_TABLE"
  local family
  for family in 4 6; do
    if tgt_nft list set inet "$IMPAIR_TABLE" "syn$family" >/dev/null 2>&1; then
      tgt_nft delete chain inet "$IMPAIR_TABLE" synlimit 2>/dev/null || true
      tgt_nft delete set inet "$IMPAIR_TABLE" "syn$family"
    fi
  done
  tgt_nft -f - <<EOF
table inet $IMPAIR_TABLE {
  set syn4 { type ipv4_addr; size 1048576; flags dynamic,timeout; timeout 60s; }
  set syn6 { type ipv6_addr; size 1048576; flags dynamic,timeout; timeout 60s; }
}
EOF
  set_chain inet synlimit "type filter hook input priority -10; policy accept;" \
    "    tcp flags & (syn | ack) == syn add @syn4 { ip daddr $limit } counter drop
    tcp flags & (syn | ack) == syn add @syn6 { ip6 daddr $limit } counter drop"
  record synlimit "$1" "$burst"
}

impair_rstlimit() {
  (($# >= 1 && $# <= 2)) || bad "usage: rstlimit PPS [BURST]"
  is_count "$1" || bad "bad RST rate '$1' (RSTs per second)"
  local burst=${2:-$(($1 / 10 > 5 ? $1 / 10 : 5))}
  is_count "$burst" || bad "bad RST burst '$burst' (RSTs)"
  set_chain inet rstlimit "type filter hook output priority 10; policy accept;" \
    "    tcp flags & rst == rst limit rate over $1/second burst $burst packets counter drop"
  record rstlimit "$1" "$burst"
}

impair_hosticmp() {
  (($# >= 1 && $# <= 2)) || bad "usage: hosticmp RATE [BURST]"
  is_count "$1" || bad "bad per-host ICMP error rate '$1' (messages per second)"
  local burst=${2:-6}
  is_count "$burst" || bad "bad per-host ICMP error burst '$burst' (messages)"
  local limit="limit rate over $1/second burst $burst packets"
  tgt_nft add table inet "$IMPAIR_TABLE"
  local family
  for family in 4 6; do
    if tgt_nft list set inet "$IMPAIR_TABLE" "icmperr$family" >/dev/null 2>&1; then
      tgt_nft delete chain inet "$IMPAIR_TABLE" hosticmp 2>/dev/null || true
      tgt_nft delete set inet "$IMPAIR_TABLE" "icmperr$family"
    fi
  done
  tgt_nft -f - <<EOF
table inet $IMPAIR_TABLE {
  set icmperr4 { type ipv4_addr; size 1048576; flags dynamic,timeout; timeout 60s; }
  set icmperr6 { type ipv6_addr; size 1048576; flags dynamic,timeout; timeout 60s; }
}
EOF
  # An ICMPv6 error is 8 bytes of header, then the quoted IPv6 header: its destination at bytes 24-39, so bits
  # 256-383 of the transport header.
  set_chain inet hosticmp "type filter hook output priority 10; policy accept;" \
    "    icmp type destination-unreachable add @icmperr4 { ip saddr $limit } counter drop
    icmpv6 type destination-unreachable add @icmperr6 { @th,256,128 $limit } counter drop"
  record hosticmp "$1" "$burst"
}

# The lab lifts the ICMP limits (scripts/lab.sh build_lab); these put them back as a fresh namespace has them.
readonly ICMP_SYSCTLS4=(net.ipv4.icmp_ratelimit net.ipv4.icmp_ratemask)
readonly ICMP_SYSCTLS6=(net.ipv6.icmp.ratelimit net.ipv6.icmp.ratemask)
impair_icmp() {
  (($# == 0)) || bad "usage: icmp (no arguments: Linux's defaults)"
  local keys=("${ICMP_SYSCTLS4[@]}") key value settings=()
  [[ -d /proc/sys/net/ipv6 ]] && keys+=("${ICMP_SYSCTLS6[@]}")
  for key in "${keys[@]}"; do
    value=$(unshare --net sysctl -n "$key") || die "cannot read the default of $key"
    settings+=("$key=$value")
  done
  ip netns exec "$TGT" sysctl -q -w "${settings[@]}"
  record icmp "${settings[*]}"
}

# The lab's own values (scripts/lab.sh build_lab): no ICMP limit at all.
restore_icmp() {
  ip netns exec "$TGT" sysctl -q -w net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_ratemask=0
  if [[ -d /proc/sys/net/ipv6 ]]; then
    ip netns exec "$TGT" sysctl -q -w net.ipv6.icmp.ratelimit=0 net.ipv6.icmp.ratemask=
  fi
}

impair_clear() {
  (($# == 0)) || bad "usage: clear"
  local family
  for family in netdev inet; do
    if tgt_nft list table "$family" "$IMPAIR_TABLE" >/dev/null 2>&1; then
      tgt_nft delete table "$family" "$IMPAIR_TABLE"
    fi
  done
  if ip netns exec "$TGT" tc qdisc show dev "$IMPAIR_DEV" root | grep -q '^qdisc tbf'; then
    ip netns exec "$TGT" tc qdisc del dev "$IMPAIR_DEV" root
  fi
  restore_icmp
  rm -f -- "$STATE/impairments"
}

main() {
  (($# >= 2)) || usage
  local name=$1 kind=$2
  shift 2
  [[ $name =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$ ]] || bad "bad lab name '$name'"
  TGT=$name-tgt
  STATE=$IMPAIR_STATE_ROOT/$name
  if [[ ! -d $STATE ]] || ! ip netns exec "$TGT" true 2>/dev/null; then die "no lab named $name"; fi
  case $kind in
    loss) impair_loss "$@" ;;
    policer) impair_policer "$@" ;;
    tbf) impair_tbf "$@" ;;
    synlimit) impair_synlimit "$@" ;;
    icmp) impair_icmp "$@" ;;
    rstlimit) impair_rstlimit "$@" ;;
    hosticmp) impair_hosticmp "$@" ;;
    clear) impair_clear "$@" ;;
    show) cat "$STATE/impairments" 2>/dev/null || true ;;
    *) bad "unknown impairment '$kind' (loss, policer, tbf, synlimit, icmp, hosticmp, rstlimit, clear, show)" ;;
  esac
}

main "$@"
