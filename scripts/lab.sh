#!/usr/bin/env bash
# synscan test network ("lab"): two network namespaces joined by a veth pair, with a known ground truth, for
# IPv4 and IPv6 alike.
#
#   NAME-scan  veth-scan 198.18.0.1/24 ---- veth-tgt 198.18.0.2/24  NAME-tgt
#                        2001:2::1/64         2001:2::2/64
#              route 198.19.0.0/16 via 198.18.0.2                    local route 198.19.0.0/16 dev lo and
#              route 2001:2:0:1::/64 via 2001:2::2                   local route 2001:2:0:1::/64 dev lo (answer
#                                                                    for the whole blocks), listeners, nftables
#
# Usage: lab.sh up [--services] [--udp [--udp-icmp-limit RATE/s,BURST]] [--reflector] [NAME] | down NAME | exec NAME CMD... | exec-target NAME CMD... | truth NAME | list
#        | clean [--force] [NAME...] | check | add-scanner NAME IDX | exec-scanner NAME IDX CMD...
#        | impair NAME KIND [ARGS]
#   up           creates the lab, waits until its listeners are ready, prints NAME (the only stdout line).
#                Before creating, removes stale labs (creator process gone). The creator is the process that
#                owns the lab: $SYNSCAN_LAB_OWNER_PID (scripts and tests set it to themselves). Without it the lab
#                is a manual one (`L=$(lab.sh up)` at a prompt): never removed as stale, only by down or clean.
#                --services (or SYNSCAN_LAB_SERVICES=1): a services lab, real servers (nginx, Dropbear, vsftpd) on
#                its open ports and a silent and a resetting port; scripts/lab_services.sh says which and why.
#                --udp (or SYNSCAN_LAB_UDP=1): a UDP lab too, real servers (dnsmasq, chrony, snmpd) on UDP 53 123
#                161 of every address, a dropped and a rejected UDP port, the kernel's port unreachable elsewhere,
#                and addresses that do not answer ICMP echo; scripts/lab_udp.sh says which and why.
#                --udp-icmp-limit RATE/s,BURST: each target address sends at most RATE ICMP errors per second
#                (bucket BURST), as a real host does (Linux: 1/s,6); default: no limit, every probe answered.
#                --reflector: the target answers every probe at the rate it arrives, through an XDP program on its
#                veth (bench/xdp_reflector.bpf.c: SYN to an even port -> SYN-ACK, odd -> RST, UDP 53 -> the DNS
#                query echoed as a response, other UDP dropped, ICMP echo -> reply; both families), with an
#                XDP_PASS program on the scanner's veth so that the reflected frames arrive; the kernel's
#                listeners and firewall never see a probe. Its truth.json has "reflector" (those rules, which
#                replace the top-level ones). Needs bench/synscan_xdp_reflector ($SYNSCAN_REFLECTOR, default
#                <repo>/build/bench/synscan_xdp_reflector; exit 77 without it).
#   down         kills the lab's processes, deletes both namespaces and the state dir; no error if gone.
#   exec         runs CMD in the scanner namespace (exec-target: in the target namespace).
#   truth        prints the path of the lab's truth.json.
#   list         lists every synscan lab, alive or stale.
#   clean        removes every synscan lab (or the NAMEs) except one whose creator process still runs (a test, the
#                demo, a benchmark): that one is kept, with a warning, unless --force. Stale labs, manual labs
#                (made at a prompt; clean is how they go) and orphan namespaces are removed.
#   check        exits 0 when labs can be created here, 77 otherwise.
#   add-scanner  adds scanner namespace NAME-scanIDX (IDX 1-99): its own veth pair to the target namespace,
#                address 198.18.0.(10+IDX)/24 and 2001:2::(10+IDX)/64 (the same digits: IDX 1 is 198.18.0.11 and
#                2001:2::11), the same routes to both blocks; several scanners, one lab (shards).
#   exec-scanner runs CMD in scanner namespace NAME-scanIDX.
#   impair       loss, a policer, a shaped bottleneck, per-target SYN limits, ICMP and RST rate limits on the
#                lab's path, or clear / show them (scripts/lab_impair.sh, which documents each kind).
# Exit 77 (with a loud message on stderr) when namespaces cannot be created here, so tests can skip.
#
# The ground truth (below, and truth.json): the same ports and rules in both families.
#   open       22 80 443 8080: SYN-ACK from the listeners (0.0.0.0 and [::], IPV6_V6ONLY)
#   filtered   25 60000-60009: dropped (no-response); 113: rejected with ICMP (icmp-unreach): IPv4 type 3
#              code 1 (host-unreachable), IPv6 ICMPv6 type 1 code 3 (address unreachable)
#   filtered   every port of the drop blocks 198.19.255.0/24 and 2001:2:0:1::ff00/120 (no-response; first)
#   closed     everything else in 198.19.0.0/16 and 2001:2:0:1::/64 (the kernel's RST)
# IPv6 scans take a slice of the /64: 2001:2:0:1::/112 (65,536 addresses, its last /120 the drop block) is
# the counterpart of 198.19.0.0/16, 2001:2:0:1::/120 of 198.19.0.0/24. The ICMPv6 errors come from the
# target's own address toward the scanner (2001:2::2 on the veth), not from the probed address (the kernel
# sources ICMPv6 from a configured address, and the block is only a local route; IPv4's come from the probed
# address): match them by the probe they quote.
#
# A services lab (up --services) has the same filtered ports and blocks; its open ports are those of
# scripts/lab_services.sh (21 22 80 443 8080 9000 9001) and its truth.json has "services": the expected service
# per port (scripts/lab_services.sh documents the keys).
#
# A UDP lab (up --udp) adds "udp" and "echo" to truth.json (scripts/lab_udp.sh documents the ports):
#   "udp": {"open_ports", "drop_ports", "reject_ports", "closed_examples" (ports nothing binds: closed, like
#           every port not listed), "reject_icmp": {"ipv4": {type, code, name}, "ipv6": ...} (what reject_ports
#           get), "port_unreach_icmp": {"ipv4": {type, code}, "ipv6": ...}, "icmp_limit": null or
#           {"rate_per_s", "burst"} (at lab start), "services": per open port (a string key) {"name" (as
#           /etc/services and nmap name it: domain, ntp, snmp), "product", "version", and what its answer holds:
#           "version_bind", "stratum", "community" + "sysdescr"}, "rules": first match wins, the lab's drop
#           blocks first (open|filtered), then open (udp-response), drop (open|filtered, no-response), reject
#           (filtered, icmp-unreach), otherwise closed (port-unreach)}
#   "echo": {"dead_blocks": {"ipv4": [...], "ipv6": [...]} (echo requests dropped), "rules": in dead_blocks ->
#           down (no-response), otherwise up (echo-reply)}
# tests/e2e/check_udp_truth.py reads them.
#
# truth.json: the IPv4 keys as before (scanner_ip, next_hop, block, *_ports, drop_blocks, rules), plus
#   "families": ["ipv4", "ipv6"]     the families this lab answers in (["ipv4"] on a kernel without IPv6)
#   "reject_icmp": {"type": 3, "code": 1, "name": "host-unreachable"}    what port 113 gets, IPv4
#   "ipv6": {"scanner_ip", "next_hop", "block", "drop_blocks", "reject_icmp": {"type": 1, "code": 3, ...}}
# The ports and rules at the top level hold for both families; "ipv6" holds only its addresses and ICMP.
# IPv6 needs a kernel with IPv6 (/proc/sys/net/ipv6); without it, or with SYNSCAN_LAB_IPV6=0, the lab is
# IPv4 only, as before.
#
# Safety: every packet stays inside the namespaces made here; every address is in 198.18.0.0/15 (RFC 2544
# benchmarking range, RFC 6890) or 2001:2::/48 (RFC 5180 benchmarking range), besides the fe80:: link-local
# addresses of the veths. Nothing in the root namespace is changed: the veth pair is created directly inside
# the namespaces and all sysctls, routes and nftables rules are set per namespace. In the namespaces, IPv6
# runs without duplicate address detection (addresses usable at once), router solicitations or autoconf.
set -euo pipefail

# ---- Ground truth: the one definition. truth.json is generated from it. ----------------------------------
readonly LAB_SCAN_ADDR=198.18.0.1/24
readonly LAB_NEXT_HOP=198.18.0.2
readonly LAB_TGT_ADDR=198.18.0.2/24
readonly LAB_BLOCK=198.19.0.0/16                   # every address here answers (target side)
readonly LAB_OPEN_PORTS=(22 80 443 8080)           # open: SYN-ACK from the listener
readonly LAB_DROP_PORTS=(25 60000-60009)           # filtered, no-response (dropped)
readonly LAB_REJECT_PORTS=(113)                    # filtered, icmp-unreach (ICMP host unreachable)
readonly LAB_DROP_BLOCK=198.19.255.0/24            # filtered, no-response on every port; takes precedence
readonly LAB_REJECT_ICMP=(3 1 host-unreachable)    # type, code, nftables name of the reject's ICMP message
# Everything else in LAB_BLOCK: closed, rst (the kernel's RST).
# IPv6: the same ports and rules, these addresses.
readonly LAB6_SCAN_ADDR=2001:2::1/64
readonly LAB6_NEXT_HOP=2001:2::2
readonly LAB6_TGT_ADDR=2001:2::2/64
readonly LAB6_BLOCK=2001:2:0:1::/64                # every address here answers (target side)
readonly LAB6_DROP_BLOCK=2001:2:0:1::ff00/120      # filtered, no-response on every port; takes precedence
readonly LAB6_REJECT_ICMP=(1 3 addr-unreachable)   # ICMPv6 destination unreachable, address unreachable

readonly LAB_PREFIX=sslab
readonly LAB_STATE_ROOT=${SYNSCAN_LAB_STATE_ROOT:-/run/synscan-lab}
readonly LAB_VETH_SCAN=veth-scan
readonly LAB_VETH_TGT=veth-tgt
LAB_SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly LAB_SCRIPT_DIR
# shellcheck source=scripts/lab_services.sh
source "$LAB_SCRIPT_DIR/lab_services.sh"
# shellcheck source=scripts/lab_udp.sh
source "$LAB_SCRIPT_DIR/lab_udp.sh"

log() { printf 'lab: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}
# Exit 77: the lab cannot exist on this machine (not a failure of the code under test).
die_skip() {
  {
    echo "=================================================================="
    echo "SKIP: this synscan lab cannot be created here:"
    echo "      $*"
    echo "=================================================================="
  } >&2
  exit 77
}

valid_name() { [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$ ]]; }
# Reads the whole list first: `grep -q` at the end of a pipe could SIGPIPE the writer and, under pipefail,
# turn a match into a failure.
ns_exists() {
  local names
  names=$(ip netns list 2>/dev/null | awk '{print $1}')
  grep -qxF -- "$1" <<<"$names"
}

# Prints "PID STARTTIME" for a live pid (start time in clock ticks since boot, field 22 of /proc/PID/stat):
# the pair identifies a process even after its pid is reused.
proc_identity() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }                                   # drop "pid (comm) ", comm may hold spaces
  # shellcheck disable=SC2086
  set -- "$1" $stat
  printf '%s %s\n' "$1" "${21}"                       # $2 is field 3 (state), so ${21} is field 22
}

# True when the process recorded in STATE_DIR/creator still runs.
creator_alive() {
  local recorded pid current
  recorded=$(cat "$1/creator" 2>/dev/null) || return 1
  [[ $recorded != manual ]] || return 0
  pid=${recorded%% *}
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  current=$(proc_identity "$pid") || return 1
  [[ $current == "$recorded" ]]
}

# Checks that this process can build a lab at all; die_skip otherwise.
require_lab_support() {
  ((EUID == 0)) || die_skip "not root (uid $EUID); network namespaces need root"
  command -v ip >/dev/null 2>&1 || die_skip "'ip' (iproute2) not found"
  ip netns list >/dev/null 2>&1 || die_skip "'ip netns' does not work"
  command -v nft >/dev/null 2>&1 || die_skip "'nft' (nftables) not found"
  command -v flock >/dev/null 2>&1 || die_skip "'flock' (util-linux) not found"
  command -v ethtool >/dev/null 2>&1 || die_skip "'ethtool' not found (scripts/install-deps.sh installs it)"
  lab_python >/dev/null || die_skip "python3 not found"
}

lab_python() {
  if [[ -n ${SYNSCAN_LAB_PYTHON:-} ]]; then
    printf '%s\n' "$SYNSCAN_LAB_PYTHON"
  elif [[ -x /usr/bin/python3 ]]; then
    printf '%s\n' /usr/bin/python3
  else
    command -v python3
  fi
}

# Kills PIDs (TERM, bounded wait, then KILL).
kill_pids() {
  (($# > 0)) || return 0
  local pid i alive
  kill -TERM "$@" 2>/dev/null || true
  for ((i = 0; i < 30; i++)); do
    alive=0
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || return 0
    sleep 0.1
  done
  kill -KILL "$@" 2>/dev/null || true
}

# The extra scanner namespaces of lab NAME (add-scanner): NAME-scan1, NAME-scan2, ...
extra_scanners() {
  local names
  names=$(ip netns list 2>/dev/null | awk '{print $1}')
  grep -xE -- "$(printf '%s' "$1" | sed 's/[.]/[.]/g')-scan[0-9]+" <<<"$names" || true
}

# Removes lab NAME: its processes (all of them run inside its namespaces), namespaces, state dir. Idempotent.
lab_down() {
  local name=$1 ns pids=() extra
  extra=$(extra_scanners "$name")
  for ns in "$name-tgt" "$name-scan" $extra; do
    if ns_exists "$ns"; then
      mapfile -t -O "${#pids[@]}" pids < <(ip netns pids "$ns" 2>/dev/null || true)
    fi
  done
  kill_pids "${pids[@]}"
  for ns in "$name-scan" $extra "$name-tgt"; do
    if ns_exists "$ns"; then
      ip netns del "$ns" 2>/dev/null || log "warning: could not delete namespace $ns"
    fi
  done
  rm -rf -- "${LAB_STATE_ROOT:?}/$name"
}

# Every lab name known from state dirs or from namespaces named sslab-*-scan / sslab-*-tgt.
known_labs() {
  {
    local dir
    for dir in "$LAB_STATE_ROOT"/*/; do
      [[ -d $dir ]] && basename "$dir"
    done
    ip netns list 2>/dev/null | awk '{print $1}' | sed -n "s/^\\($LAB_PREFIX-.*\\)-\\(scan[0-9]*\\|tgt\\)\$/\\1/p"
  } | sort -u
}

# Removes labs whose creator is gone, and sslab-* namespaces without a state dir (a state dir is always
# created before the namespaces and removed after them, under the lock, so such a namespace is an orphan).
# Caller holds the lock.
remove_stale_labs() {
  local name
  while read -r name; do
    [[ -n $name ]] || continue
    if [[ -d $LAB_STATE_ROOT/$name ]] && creator_alive "$LAB_STATE_ROOT/$name"; then
      continue
    fi
    log "removing stale lab $name (creator gone)"
    lab_down "$name"
  done < <(known_labs)
}

# Runs "$@" while holding the lab lock (serialises stale cleanup against lab creation).
with_lock() {
  mkdir -p "$LAB_STATE_ROOT"
  {
    flock -w 60 9 || die "could not take $LAB_STATE_ROOT/.lock"
    "$@"
  } 9>"$LAB_STATE_ROOT/.lock"
}

# Expands port specs ("25 60000-60009") into a JSON array body "25,60000,...".
ports_json() {
  local spec
  for spec in "$@"; do
    if [[ $spec == *-* ]]; then seq "${spec%-*}" "${spec#*-}"; else printf '%s\n' "$spec"; fi
  done | paste -sd, -
}

# json_icmp TYPE CODE NAME: the JSON object of a reject's ICMP message.
json_icmp() { printf '{"type": %s, "code": %s, "name": "%s"}' "$1" "$2" "$3"; }

# write_truth NAME FILE IPV6 SERVICES UDP [LIMIT]: the IPv6 part only when IPV6 is 1, the services when SERVICES
# is 1, the UDP and echo parts when UDP is 1 (LIMIT: its ICMP error limit, "RATE BURST", or empty).
write_truth() {
  local name=$1 file=$2 ipv6=$3 families='"ipv4"' v6='' open=("${LAB_OPEN_PORTS[@]}") services='' udp=''
  if (($5)); then
    udp=",
$(lab_udp_truth_json "$ipv6" "${6:-}")"
  fi
  if (($4)); then
    open=("${LAB_SVC_OPEN_PORTS[@]}")
    services=",
  \"services\": $(lab_services_truth_json "$(dirname "$file")" "$ipv6")"
  fi
  if ((ipv6)); then
    families='"ipv4", "ipv6"'
    v6=",
  \"ipv6\": {
    \"scanner_ip\": \"${LAB6_SCAN_ADDR%/*}\",
    \"next_hop\": \"$LAB6_NEXT_HOP\",
    \"block\": \"$LAB6_BLOCK\",
    \"drop_blocks\": [\"$LAB6_DROP_BLOCK\"],
    \"reject_icmp\": $(json_icmp "${LAB6_REJECT_ICMP[@]}")
  }"
  fi
  cat >"$file.tmp" <<EOF
{
  "lab": "$name",
  "scanner_ns": "$name-scan",
  "target_ns": "$name-tgt",
  "families": [$families],
  "scanner_ip": "${LAB_SCAN_ADDR%/*}",
  "next_hop": "$LAB_NEXT_HOP",
  "block": "$LAB_BLOCK",
  "open_ports": [$(ports_json "${open[@]}")],
  "drop_ports": [$(ports_json "${LAB_DROP_PORTS[@]}")],
  "reject_ports": [$(ports_json "${LAB_REJECT_PORTS[@]}")],
  "drop_blocks": ["$LAB_DROP_BLOCK"],
  "reject_icmp": $(json_icmp "${LAB_REJECT_ICMP[@]}"),
  "rules": [
    {"match": "ip in drop_blocks", "state": "filtered", "reason": "no-response"},
    {"match": "port in open_ports", "state": "open", "reason": "syn-ack"},
    {"match": "port in drop_ports", "state": "filtered", "reason": "no-response"},
    {"match": "port in reject_ports", "state": "filtered", "reason": "icmp-unreach"},
    {"match": "otherwise", "state": "closed", "reason": "rst"}
  ]$v6$services$udp${LAB_REFLECTOR_JSON:-}
}
EOF
  mv -f "$file.tmp" "$file"
}

# Under the lock: drop stale labs, refuse an existing NAME, create the state dir with the creator identity.
claim_lab() {
  local name=$1 owner=$2 dir=$LAB_STATE_ROOT/$1 identity
  remove_stale_labs
  if [[ -e $dir ]] || ns_exists "$name-scan" || ns_exists "$name-tgt"; then
    die "lab $name already exists (lab.sh down $name)"
  fi
  if [[ $owner == manual ]]; then
    identity=manual
  else
    identity=$(proc_identity "$owner") || die "owner pid $owner is not running"
  fi
  mkdir -p "$dir"
  printf '%s\n' "$identity" >"$dir/creator"
}

wait_for() {
  local what=$1 tries=$2 i
  shift 2
  for ((i = 0; i < tries; i++)); do
    "$@" && return 0
    sleep 0.1
  done
  die "timed out waiting for $what"
}

link_up() { [[ $(ip -n "$1" -o link show dev "$2" 2>/dev/null) == *"state UP"* ]]; }

# True when this kernel has IPv6 and SYNSCAN_LAB_IPV6 does not turn it off: the lab then answers in IPv6 too.
lab_ipv6_wanted() {
  [[ ${SYNSCAN_LAB_IPV6:-1} != 0 && -d /proc/sys/net/ipv6 ]]
}

# ns_sysctls NS IPV6: the settings of every lab namespace, before its links exist (new links take the
# defaults). IPv6 on (IPV6 1) or off: on, addresses work at once (no duplicate address detection) and the
# namespace neither solicits routers nor configures itself from advertisements; link-local fe80:: addresses
# come with every link.
ns_sysctls() {
  local ns=$1 conf
  if (($2)); then
    for conf in all default; do
      ip netns exec "$ns" sysctl -q -w "net.ipv6.conf.$conf.disable_ipv6=0" "net.ipv6.conf.$conf.accept_dad=0" \
        "net.ipv6.conf.$conf.dad_transmits=0" "net.ipv6.conf.$conf.accept_ra=0" \
        "net.ipv6.conf.$conf.autoconf=0" "net.ipv6.conf.$conf.router_solicitations=0"
    done
  else
    ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  fi
  ip -n "$ns" link set lo up
}

# Builds the namespaces, link, routes, sysctls, firewall and listeners of lab NAME (state dir exists).
build_lab() {
  local name=$1 scan=$1-scan tgt=$1-tgt dir=$LAB_STATE_ROOT/$1 python ipv6=0 ns services=0 udp=0
  python=$(lab_python)
  lab_ipv6_wanted && ipv6=1

  ip netns add "$scan" || die_skip "'ip netns add' failed (missing CAP_SYS_ADMIN?)"
  ip netns add "$tgt" || die_skip "'ip netns add' failed (missing CAP_SYS_ADMIN?)"
  ip netns exec "$tgt" nft list tables >/dev/null 2>&1 || die_skip "nftables does not work in a namespace"
  for ns in "$scan" "$tgt"; do ns_sysctls "$ns" "$ipv6"; done
  printf '%s\n' "$ipv6" >"$dir/ipv6"

  # The pair is born inside the scanner namespace with its peer in the target one: never in the root ns.
  ip -n "$scan" link add "$LAB_VETH_SCAN" type veth peer name "$LAB_VETH_TGT" netns "$tgt"
  # A veth passes the sender's CHECKSUM_PARTIAL along: without this, the target's SYN-ACKs reach a packet
  # socket in the scanner namespace with a TCP checksum not yet filled in (tcpdump: "incorrect"), which a
  # real wire never shows. Checksums computed in software make the lab look like a NIC.
  ip netns exec "$scan" ethtool -K "$LAB_VETH_SCAN" tx off >/dev/null
  ip netns exec "$tgt" ethtool -K "$LAB_VETH_TGT" tx off >/dev/null
  ip -n "$scan" addr add "$LAB_SCAN_ADDR" dev "$LAB_VETH_SCAN"
  ip -n "$tgt" addr add "$LAB_TGT_ADDR" dev "$LAB_VETH_TGT"
  if ((ipv6)); then
    ip -n "$scan" addr add "$LAB6_SCAN_ADDR" dev "$LAB_VETH_SCAN" nodad
    ip -n "$tgt" addr add "$LAB6_TGT_ADDR" dev "$LAB_VETH_TGT" nodad
  fi
  ip -n "$scan" link set "$LAB_VETH_SCAN" up
  ip -n "$tgt" link set "$LAB_VETH_TGT" up
  ip -n "$scan" route add "$LAB_BLOCK" via "$LAB_NEXT_HOP" dev "$LAB_VETH_SCAN"
  ip -n "$tgt" route add local "$LAB_BLOCK" dev lo
  if ((ipv6)); then
    # A local route makes the kernel take every address of the /64 as its own (TCP answers from each), as
    # the IPv4 one does for the /16.
    ip -n "$scan" -6 route add "$LAB6_BLOCK" via "$LAB6_NEXT_HOP" dev "$LAB_VETH_SCAN"
    ip -n "$tgt" -6 route add local "$LAB6_BLOCK" dev lo
  fi

  # No ICMP rate limits (icmp_ratemask=0 exempts every type from the per-host and the global limit), large
  # SYN and accept queues: every probe gets its answer even at 100k pps. ICMPv6 likewise: ratelimit=0 lifts
  # the per-destination limit, an empty ratemask the global one (nftables' reject goes through icmpv6_send).
  ip netns exec "$tgt" sysctl -q -w net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_ratemask=0 \
    net.ipv4.tcp_max_syn_backlog=65536 net.core.somaxconn=65535
  if ((ipv6)); then
    ip netns exec "$tgt" sysctl -q -w net.ipv6.icmp.ratelimit=0 net.ipv6.icmp.ratemask=
  fi

  # One inet table for both families: the port rules match IPv4 and IPv6 alike; the drop blocks and the
  # rejects are per family (an ICMP message in IPv4, ICMPv6 in IPv6).
  local drop_ports reject_ports v6_drop='' v6_reject=''
  drop_ports=$(IFS=,; echo "${LAB_DROP_PORTS[*]}")
  reject_ports=$(IFS=,; echo "${LAB_REJECT_PORTS[*]}")
  if ((ipv6)); then
    v6_drop="ip6 daddr $LAB6_DROP_BLOCK drop"
    v6_reject="meta nfproto ipv6 tcp dport { $reject_ports } reject with icmpv6 type ${LAB6_REJECT_ICMP[2]}"
  fi
  ip netns exec "$tgt" nft -f - <<EOF
table inet synscan_lab {
  chain input {
    type filter hook input priority filter; policy accept;
    ip daddr $LAB_DROP_BLOCK drop
    $v6_drop
    tcp dport { $drop_ports } drop
    meta nfproto ipv4 tcp dport { $reject_ports } reject with icmp type ${LAB_REJECT_ICMP[2]}
    $v6_reject
  }
}
EOF

  # setsid: its own session, so a terminal's Ctrl-C aimed at the caller does not take the listeners down.
  local listener_args=() listener_ports=("${LAB_OPEN_PORTS[@]}")
  ((ipv6)) && listener_args+=(--ipv6)
  if lab_services_wanted; then
    services=1
    lab_services_start "$dir" "$tgt" "$ipv6"
    mapfile -t listener_ports < <(lab_services_listener_specs)
  fi
  if lab_udp_wanted; then
    udp=1
    lab_udp_start "$dir" "$tgt" "$ipv6"
  fi
  ip netns exec "$tgt" setsid "$python" "$LAB_SCRIPT_DIR/lab_listener.py" "${listener_args[@]}" \
    "$dir/listener.pid" "${listener_ports[@]}" </dev/null >"$dir/listener.log" 2>&1 &
  local starter=$!
  listener_ready() {
    [[ -s $dir/listener.pid ]] && return 0
    kill -0 "$starter" 2>/dev/null || die "listener exited: $(tail -n 5 "$dir/listener.log")"
    return 1
  }
  wait_for "listeners" 100 listener_ready
  wait_for "link $LAB_VETH_SCAN up" 50 link_up "$scan" "$LAB_VETH_SCAN"
  wait_for "link $LAB_VETH_TGT up" 50 link_up "$tgt" "$LAB_VETH_TGT"

  if ((${LAB_WANT_REFLECTOR:-0})); then
    lab_reflector_attach "$scan" "$tgt"
  fi
  if ((udp)) && [[ -n ${LAB_UDP_ICMP_LIMIT:-} ]]; then
    # shellcheck disable=SC2086  # "RATE BURST"
    "$LAB_SCRIPT_DIR/lab_impair.sh" "$name" hosticmp $LAB_UDP_ICMP_LIMIT
  fi
  write_truth "$name" "$dir/truth.json" "$ipv6" "$services" "$udp" "${LAB_UDP_ICMP_LIMIT:-}"
}

# The reflector lab (up --reflector): the loader and its BPF object, or exit 77.
lab_reflector_bin() { printf '%s\n' "${SYNSCAN_REFLECTOR:-$LAB_SCRIPT_DIR/../build/bench/synscan_xdp_reflector}"; }
lab_reflector_require() {
  local bin
  bin=$(lab_reflector_bin)
  [[ -x $bin && -f $(dirname "$bin")/xdp_reflector.bpf.o ]] ||
    die_skip "no XDP reflector at $bin (build the synscan_xdp_reflector target; needs clang and libbpf-dev)"
}

# lab_reflector_attach SCAN_NS TGT_NS: the reflector on the target's veth, XDP_PASS on the scanner's (XDP_TX
# frames reach a veth only when it runs XDP too), and the truth's "reflector" part.
lab_reflector_attach() {
  local bin
  bin=$(lab_reflector_bin)
  # Two queues each way (before any XDP program: a veth then refuses the change): two send threads get an
  # AF_XDP TX queue each, and the target reflects on two RX queues. Kept at one where the kernel refuses.
  if ip netns exec "$1" ethtool -L "$LAB_VETH_SCAN" tx 2 rx 2 2>/dev/null; then
    ip netns exec "$2" ethtool -L "$LAB_VETH_TGT" tx 2 rx 2 2>/dev/null || true
  fi
  # A kernel without native XDP on veth cannot host this lab: a skip, as a kernel without namespaces is.
  ip netns exec "$2" "$bin" reflect "$LAB_VETH_TGT" || die_skip "could not attach the XDP reflector to $LAB_VETH_TGT"
  ip netns exec "$1" "$bin" pass "$LAB_VETH_SCAN" || die_skip "could not attach XDP_PASS to $LAB_VETH_SCAN"
  LAB_REFLECTOR_JSON=',
  "reflector": {
    "tcp": {"even_port": {"state": "open", "reason": "syn-ack"}, "odd_port": {"state": "closed", "reason": "rst"}},
    "udp": {"open_ports": [53], "open": {"state": "open", "reason": "udp-response"},
            "otherwise": {"state": "open|filtered", "reason": "no-response"}},
    "echo": {"state": "up", "reason": "echo-reply"},
    "note": "every address of block and ipv6.block answers; the drop blocks and the top-level rules do not apply"
  }'
}

cmd_up() {
  require_lab_support
  while (($# > 0)); do
    case $1 in
      --services) LAB_WANT_SERVICES=1 ;;
      --udp) LAB_WANT_UDP=1 ;;
      --reflector) LAB_WANT_REFLECTOR=1 ;;
      --udp-icmp-limit)
        (($# >= 2)) || { log "error: --udp-icmp-limit needs RATE/s,BURST"; exit 2; }
        LAB_UDP_ICMP_LIMIT=$(lab_udp_parse_limit "$2") || exit 2
        shift
        ;;
      --udp-icmp-limit=*) LAB_UDP_ICMP_LIMIT=$(lab_udp_parse_limit "${1#*=}") || exit 2 ;;
      -*) log "error: unknown option '$1' for up (--services, --udp, --udp-icmp-limit RATE/s,BURST, --reflector)"; exit 2 ;;
      *) break ;;
    esac
    shift
  done
  if [[ -n ${LAB_UDP_ICMP_LIMIT:-} ]] && ! lab_udp_wanted; then
    log "error: --udp-icmp-limit needs --udp"
    exit 2
  fi
  if lab_services_wanted; then lab_services_require; fi
  if lab_udp_wanted; then lab_udp_require; fi
  if ((${LAB_WANT_REFLECTOR:-0})); then lab_reflector_require; fi
  local name=${1:-} owner=${SYNSCAN_LAB_OWNER_PID:-manual}
  if [[ -z $name ]]; then
    name=$(printf '%s-%s-%04x%04x' "$LAB_PREFIX" "$$" "$RANDOM" "$RANDOM")
  fi
  valid_name "$name" || die "bad lab name '$name' (letters, digits, _ . -; at most 48)"

  # Once the lab is claimed, a failure or a signal removes what was built.
  UP_NAME=
  UP_DONE=0
  trap '[[ -z $UP_NAME ]] || ((UP_DONE)) || lab_down "$UP_NAME"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  with_lock claim_lab "$name" "$owner"
  UP_NAME=$name
  build_lab "$name" >&2
  # shellcheck disable=SC2034  # read by the EXIT trap
  UP_DONE=1
  printf '%s\n' "$name"
}

cmd_down() {
  (($# == 1)) || die "usage: lab.sh down NAME"
  valid_name "$1" || die "bad lab name '$1'"
  lab_down "$1"
}

cmd_exec() {
  local suffix=$1 name=${2:-}
  shift 2 || die "usage: lab.sh exec NAME CMD..."
  (($# > 0)) || die "usage: lab.sh exec NAME CMD..."
  valid_name "$name" || die "bad lab name '$name'"
  ns_exists "$name-$suffix" || die "no lab named $name (namespace $name-$suffix missing)"
  exec ip netns exec "$name-$suffix" "$@"
}

# add-scanner NAME IDX: one more scanner namespace joined to the target namespace by its own veth pair. The target
# reaches it by a host route on that pair (its 198.18.0.2 answers ARP on every link), so the original scanner
# and its /24 route are untouched. IPv6 answers neighbour solicitations only for addresses of the link they
# arrive on: the pair's target end gets the next hop 2001:2::2 as a /128 of its own (a /128, so that the
# /64's route stays on the first pair) and a host route to the scanner's 2001:2::(10+IDX).
cmd_add_scanner() {
  (($# == 2)) || die "usage: lab.sh add-scanner NAME IDX"
  local name=$1 idx=$2 ns tgt=$1-tgt addr addr6 ipv6
  valid_name "$name" || die "bad lab name '$name'"
  [[ $idx =~ ^[1-9][0-9]?$ ]] || die "bad scanner index '$idx' (1-99)"
  ns=$name-scan$idx
  addr=198.18.0.$((10 + idx))
  addr6=${LAB6_NEXT_HOP%::*}::$((10 + idx))
  ns_exists "$tgt" || die "no lab named $name"
  ns_exists "$ns" && die "scanner $ns already exists"
  ipv6=$(cat "$LAB_STATE_ROOT/$name/ipv6" 2>/dev/null || echo 0)
  ip netns add "$ns"
  ns_sysctls "$ns" "$ipv6"
  ip -n "$ns" link add "$LAB_VETH_SCAN" type veth peer name "veth-t$idx" netns "$tgt"
  ip netns exec "$ns" ethtool -K "$LAB_VETH_SCAN" tx off >/dev/null
  ip netns exec "$tgt" ethtool -K "veth-t$idx" tx off >/dev/null
  ip -n "$ns" addr add "$addr/24" dev "$LAB_VETH_SCAN"
  if ((ipv6)); then
    ip -n "$ns" addr add "$addr6/${LAB6_SCAN_ADDR#*/}" dev "$LAB_VETH_SCAN" nodad
    ip -n "$tgt" addr add "$LAB6_NEXT_HOP/128" dev "veth-t$idx" nodad
  fi
  ip -n "$ns" link set "$LAB_VETH_SCAN" up
  ip -n "$tgt" link set "veth-t$idx" up
  ip -n "$tgt" route add "$addr/32" dev "veth-t$idx" src "$LAB_NEXT_HOP"
  ip -n "$ns" route add "$LAB_BLOCK" via "$LAB_NEXT_HOP" dev "$LAB_VETH_SCAN"
  if ((ipv6)); then
    ip -n "$tgt" -6 route add "$addr6/128" dev "veth-t$idx" src "$LAB6_NEXT_HOP"
    ip -n "$ns" -6 route add "$LAB6_BLOCK" via "$LAB6_NEXT_HOP" dev "$LAB_VETH_SCAN"
  fi
  wait_for "link $LAB_VETH_SCAN up in $ns" 50 link_up "$ns" "$LAB_VETH_SCAN"
  wait_for "link veth-t$idx up" 50 link_up "$tgt" "veth-t$idx"
  if ((ipv6)); then
    log "scanner $ns ($addr, $addr6) added to lab $name"
  else
    log "scanner $ns ($addr) added to lab $name"
  fi
}

cmd_truth() {
  (($# == 1)) || die "usage: lab.sh truth NAME"
  valid_name "$1" || die "bad lab name '$1'"
  [[ -f $LAB_STATE_ROOT/$1/truth.json ]] || die "no lab named $1"
  printf '%s\n' "$LAB_STATE_ROOT/$1/truth.json"
}

cmd_list() {
  local name status
  while read -r name; do
    [[ -n $name ]] || continue
    if creator_alive "$LAB_STATE_ROOT/$name"; then status=alive; else status=stale; fi
    printf '%s\t%s\n' "$name" "$status"
  done < <(known_labs)
}

clean_all() {
  local force=0 name names=() recorded
  while (($# > 0)); do
    case $1 in
      --force) force=1 ;;
      *)
        valid_name "$1" || die "bad lab name '$1'"
        names+=("$1")
        ;;
    esac
    shift
  done
  ((${#names[@]} > 0)) || mapfile -t names < <(known_labs)
  for name in "${names[@]}"; do
    [[ -n $name ]] || continue
    recorded=$(cat "$LAB_STATE_ROOT/$name/creator" 2>/dev/null || true)
    if ((!force)) && [[ -n $recorded && $recorded != manual ]] && creator_alive "$LAB_STATE_ROOT/$name"; then
      log "warning: keeping lab $name: its creator (pid ${recorded%% *}) is still running; 'lab.sh clean --force $name' removes it anyway"
      continue
    fi
    log "removing lab $name"
    lab_down "$name"
  done
}

# Creates and deletes a throwaway namespace: the one reliable test that namespaces work here.
cmd_check() {
  require_lab_support
  local probe
  probe=$(printf '%s-check-%s-%04x' "$LAB_PREFIX" "$$" "$RANDOM")
  ip netns add "$probe" 2>/dev/null || die_skip "'ip netns add' failed (missing CAP_SYS_ADMIN?)"
  ip netns del "$probe"
  log "ok: network namespaces can be created"
}

main() {
  local cmd=${1:-}
  (($# > 0)) && shift
  case $cmd in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    exec) cmd_exec scan "$@" ;;
    exec-target) cmd_exec tgt "$@" ;;
    add-scanner) require_lab_support && cmd_add_scanner "$@" ;;
    exec-scanner)
      [[ ${2:-} =~ ^[1-9][0-9]?$ ]] || die "usage: lab.sh exec-scanner NAME IDX CMD..."
      local lab=$1 idx=$2
      shift 2
      cmd_exec "scan$idx" "$lab" "$@"
      ;;
    truth) cmd_truth "$@" ;;
    impair) exec "$LAB_SCRIPT_DIR/lab_impair.sh" "$@" ;;
    list) cmd_list ;;
    clean)
      require_lab_support
      with_lock clean_all "$@"
      ;;
    check) cmd_check ;;
    *)
      sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
      exit 2
      ;;
  esac
}

main "$@"
