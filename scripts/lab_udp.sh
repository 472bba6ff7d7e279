# shellcheck shell=bash
# UDP services and ICMP echo for the synscan lab (`lab.sh up --udp`, or SYNSCAN_LAB_UDP=1): the servers of Debian
# packages, run inside the lab's target namespace, so that a UDP scan (synscan -p U:..., nmap -sU, masscan -pU:,
# zmap -M udp) and an echo scan meet what they meet on a real network. Sourced by scripts/lab.sh; nothing here
# runs alone.
#
#   UDP port  state          what answers                                 a query gets
#   53        open           dnsmasq (--no-resolv --no-hosts)             version.bind CH TXT: "dnsmasq-VERSION";
#                                                                         any other name: REFUSED (no upstream)
#   123       open           chronyd (local stratum 8, allow all,         a client-mode (3) request: a server-mode
#                            cmdport 0)                                   (4) answer, stratum 8, origin = the
#                                                                         request's transmit time
#   161       open           snmpd (rocommunity public)                   v1/v2c GET sysDescr.0 with community
#                                                                         "public": "synscan lab snmpd"
#   7778      open|filtered  nftables drops the datagrams                 nothing
#   7779      filtered       nftables rejects: ICMP admin-prohibited      IPv4 type 3 code 13, ICMPv6 type 1 code 1
#   any other closed         nothing bound: the kernel's ICMP port        IPv4 type 3 code 3, ICMPv6 type 1 code 4
#                            unreachable (e.g. 7, 9, 7777)
# Every address of the lab's blocks (198.19.0.0/16, 2001:2:0:1::/64: local routes) answers so, from the probed
# address, except the drop blocks (198.19.255.0/24, 2001:2:0:1::ff00/120), where every datagram is dropped
# (open|filtered). The TCP side of the lab stays as it was (lab.sh): dnsmasq also listens on TCP 53, so TCP 53 is
# answered with a reset here, closed as before.
#
# ICMP echo: every address answers echo requests (the kernel, from the probed address) except the no-echo blocks
# 198.19.0.192/26 and 2001:2:0:1::c0/122 (nftables drops the requests: hosts behind a firewall that blocks ping,
# whose UDP and TCP ports still answer) and the drop blocks.
#
# Where the answers come from: IPv4's from the probed address (dnsmasq and snmpd use IP_PKTINFO, chrony too, the
# kernel's ICMP errors take the probed address). IPv6: dnsmasq and chrony answer from the probed address with
# net.ipv6.ip_nonlocal_bind=1 in the target namespace (their IPV6_PKTINFO source is only a local route, not an
# interface address; without it dnsmasq drops the answer); snmpd 5.9.3 has no IPV6_PKTINFO, so it listens on
# [::1]:1161 and scripts/lab_udp_relay.py, on [::]:161, relays to it and answers from the probed address. The
# ICMPv6 errors (port unreachable, the reject's admin-prohibited) come from the target's own address 2001:2::2,
# as in the TCP lab (lab.sh): match them by the probe they quote.
#
# ICMP error limits: the lab lifts the kernel's own (lab.sh: icmp_ratelimit 0, icmp_ratemask 0 and the ICMPv6
# ones), so by default every closed port answers every probe and the truth is exact. `lab.sh up --udp
# --udp-icmp-limit RATE/s,BURST` (or `lab.sh impair NAME hosticmp RATE [BURST]` later) limits the ICMP
# destination-unreachable messages per target address as a real host does (Linux: about 1/s, burst 6): an
# nftables meter keyed on the address the error is about (IPv4: its source, the probed address; IPv6: the
# destination of the probe it quotes, as the source is 2001:2::2 for all). Errors over the limit are dropped, so
# a closed port then looks open|filtered to a scanner that probes it too often; the truth stays "closed".
#
# Truth (truth.json's "udp" and "echo", documented in lab.sh): per family, the UDP rules (first match wins) and
# the echo rules, the services with the product and version read from the installed binaries at lab start.
#
# Everything lives in STATE_DIR/udp; every process runs in the target namespace, so `lab.sh down` (which kills
# every process of the lab's namespaces) stops them all. Nothing runs in the root namespace (scripts/install-deps.sh
# keeps Debian's chrony and snmpd services from starting there).

readonly LAB_UDP_DNS_PORT=53
readonly LAB_UDP_NTP_PORT=123
readonly LAB_UDP_SNMP_PORT=161
readonly LAB_UDP_SNMP6_UPSTREAM=1161        # snmpd's IPv6 socket, [::1] only; the relay listens on [::]:161
readonly LAB_UDP_OPEN_PORTS=(53 123 161)
readonly LAB_UDP_DROP_PORTS=(7778)          # open|filtered, no-response
readonly LAB_UDP_REJECT_PORTS=(7779)        # filtered, ICMP admin-prohibited
readonly LAB_UDP_CLOSED_EXAMPLES=(7 9 7777) # closed like every other port: suggestions for scans
readonly LAB_UDP_REJECT_ICMP4=(3 13 admin-prohibited)
readonly LAB_UDP_REJECT_ICMP6=(1 1 admin-prohibited)
readonly LAB_UDP_PORT_UNREACH4=(3 3)
readonly LAB_UDP_PORT_UNREACH6=(1 4)
readonly LAB_ECHO_DEAD4=198.19.0.192/26
readonly LAB_ECHO_DEAD6=2001:2:0:1::c0/122
readonly LAB_UDP_SNMP_SYSDESCR="synscan lab snmpd"
readonly LAB_UDP_NTP_STRATUM=8
readonly LAB_UDP_COMMANDS=(dnsmasq chronyd snmpd)

# True when the lab being made gets the UDP services (lab.sh up --udp sets LAB_WANT_UDP=1).
lab_udp_wanted() {
  [[ ${LAB_WANT_UDP:-${SYNSCAN_LAB_UDP:-0}} == 1 ]]
}

# Fails (exit 1, not a skip: CI installs them) when a server is missing.
lab_udp_require() {
  local cmd missing=()
  for cmd in "${LAB_UDP_COMMANDS[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || [[ -x /usr/sbin/$cmd ]] || missing+=("$cmd")
  done
  ((${#missing[@]} == 0)) ||
    die "UDP lab: missing ${missing[*]} (scripts/install-deps.sh installs dnsmasq-base chrony snmpd)"
}

# lab_udp_parse_limit TEXT: "RATE/s,BURST" (or "RATE,BURST") to "RATE BURST" on stdout; exit 2 on bad input.
lab_udp_parse_limit() {
  if [[ $1 =~ ^([1-9][0-9]{0,5})(/s)?,([1-9][0-9]{0,5})$ ]]; then
    printf '%s %s\n' "${BASH_REMATCH[1]}" "${BASH_REMATCH[3]}"
  else
    log "error: bad --udp-icmp-limit '$1' (RATE/s,BURST, e.g. 1/s,6)"
    exit 2
  fi
}

udp_joined() { local IFS=,; echo "$*"; }

# udp_nft TGT IPV6: the UDP lab's rules, table inet synscan_lab_udp (the lab's own table is left as it is).
udp_nft() {
  local tgt=$1 ipv6=$2 drop reject v6=''
  drop=$(udp_joined "${LAB_UDP_DROP_PORTS[@]}")
  reject=$(udp_joined "${LAB_UDP_REJECT_PORTS[@]}")
  if ((ipv6)); then
    v6="    meta nfproto ipv6 udp dport { $reject } reject with icmpv6 type ${LAB_UDP_REJECT_ICMP6[2]}
    ip6 daddr $LAB_ECHO_DEAD6 icmpv6 type echo-request drop"
  fi
  ip netns exec "$tgt" nft -f - <<EOF
table inet synscan_lab_udp {
  chain input {
    type filter hook input priority filter + 10; policy accept;
    tcp dport $LAB_UDP_DNS_PORT reject with tcp reset
    udp dport { $drop } drop
    meta nfproto ipv4 udp dport { $reject } reject with icmp type ${LAB_UDP_REJECT_ICMP4[2]}
    ip daddr $LAB_ECHO_DEAD4 icmp type echo-request drop
$v6
  }
}
EOF
}

# udp_configs UDP IPV6: chrony.conf and snmpd.conf in UDP.
udp_configs() {
  local udp=$1 agent=udp:$LAB_UDP_SNMP_PORT
  (($2)) && agent+=",udp6:[::1]:$LAB_UDP_SNMP6_UPSTREAM"
  cat >"$udp/chrony.conf" <<EOF
# chronyd -d -f THIS -u root -x: an NTP server on UDP 123 of every address, no clock of its own to steer.
port $LAB_UDP_NTP_PORT
cmdport 0
allow all
local stratum $LAB_UDP_NTP_STRATUM
driftfile $udp/chrony.drift
pidfile $udp/chronyd.pid
EOF
  cat >"$udp/snmpd.conf" <<EOF
# snmpd -f -C -c THIS: only this file is read (no /etc/snmp).
agentAddress $agent
rocommunity public default
rocommunity6 public default
sysDescr $LAB_UDP_SNMP_SYSDESCR
sysLocation synscan lab
sysContact nobody@lab.synscan.test
EOF
}

# udp_bound NS PORT: true when a UDP socket is bound to PORT in namespace NS.
udp_bound() {
  [[ -n $(ip netns exec "$1" ss -Hlun "sport = :$2" 2>/dev/null) ]]
}

# lab_udp_start DIR TGT_NS IPV6: configs in DIR/udp, rules and sysctls in TGT_NS, the servers started there; waits
# until each is bound.
lab_udp_start() {
  local tgt=$2 ipv6=$3 udp=$1/udp python
  lab_udp_require
  python=$(lab_python)
  mkdir -p "$udp"
  udp_configs "$udp" "$ipv6"
  udp_nft "$tgt" "$ipv6"
  ((ipv6)) && ip netns exec "$tgt" sysctl -q -w net.ipv6.ip_nonlocal_bind=1

  # setsid: their own session, out of reach of a terminal's Ctrl-C aimed at the caller (as the listener).
  ip netns exec "$tgt" setsid "$(svc_bin dnsmasq)" --no-daemon --port="$LAB_UDP_DNS_PORT" --no-resolv --no-hosts \
    --user=root --group=root --pid-file="$udp/dnsmasq.pid" --log-facility=- </dev/null >"$udp/dnsmasq.log" 2>&1 &
  ip netns exec "$tgt" setsid "$(svc_bin chronyd)" -d -f "$udp/chrony.conf" -u root -x \
    </dev/null >"$udp/chrony.log" 2>&1 &
  # MIBS/MIBDIRS: no MIB files to read (Debian ships few; snmpd serves numeric OIDs all the same).
  SNMP_PERSISTENT_DIR=$udp MIBS='' MIBDIRS=/nonexistent ip netns exec "$tgt" setsid "$(svc_bin snmpd)" -f -Lo -C \
    -c "$udp/snmpd.conf" -p "$udp/snmpd.pid" </dev/null >"$udp/snmpd.log" 2>&1 &
  if ((ipv6)); then
    ip netns exec "$tgt" setsid "$python" "$LAB_SCRIPT_DIR/lab_udp_relay.py" "$udp/relay.pid" \
      "$LAB_UDP_SNMP_PORT" "$LAB_UDP_SNMP6_UPSTREAM" </dev/null >"$udp/relay.log" 2>&1 &
    wait_for "SNMP relay (logs in $udp)" 100 test -s "$udp/relay.pid"
    wait_for "snmpd on [::1]:$LAB_UDP_SNMP6_UPSTREAM (logs in $udp)" 100 udp_bound "$tgt" "$LAB_UDP_SNMP6_UPSTREAM"
  fi
  local port
  for port in "${LAB_UDP_OPEN_PORTS[@]}"; do
    wait_for "UDP service on port $port (logs in $udp)" 100 udp_bound "$tgt" "$port"
  done
}

# udp_version CMD: the version the installed server announces.
udp_version() {
  case $1 in
    dnsmasq) "$(svc_bin dnsmasq)" --version 2>&1 | sed -n '1s/^Dnsmasq version \([^ ]*\).*/\1/p' ;;
    chronyd) "$(svc_bin chronyd)" --version 2>&1 | sed -n 's/.*version \([^ ]*\).*/\1/p' ;;
    snmpd) "$(svc_bin snmpd)" --version 2>&1 | sed -n 's/^NET-SNMP version: *\([^ ]*\).*/\1/p' ;;
  esac
}

udp_json_ports() { local p; for p in "$@"; do printf '%s\n' "$p"; done | paste -sd, -; }

# lab_udp_truth_json IPV6 LIMIT: the "udp" and "echo" members of truth.json (two members, no braces around them).
# LIMIT is "RATE BURST" or empty.
lab_udp_truth_json() {
  local ipv6=$1 limit=null dnsmasq chrony snmpd v6_reject='' v6_unreach='' v6_dead=''
  if [[ -n $2 ]]; then
    # shellcheck disable=SC2086
    set -- $2
    limit="{\"rate_per_s\": $1, \"burst\": $2}"
  fi
  dnsmasq=$(udp_version dnsmasq)
  chrony=$(udp_version chronyd)
  snmpd=$(udp_version snmpd)
  if ((ipv6)); then
    v6_reject=", \"ipv6\": $(json_icmp "${LAB_UDP_REJECT_ICMP6[@]}")"
    v6_unreach=", \"ipv6\": {\"type\": ${LAB_UDP_PORT_UNREACH6[0]}, \"code\": ${LAB_UDP_PORT_UNREACH6[1]}}"
    v6_dead=", \"ipv6\": [\"$LAB_ECHO_DEAD6\", \"$LAB6_DROP_BLOCK\"]"
  fi
  cat <<EOF
  "udp": {
    "open_ports": [$(udp_json_ports "${LAB_UDP_OPEN_PORTS[@]}")],
    "drop_ports": [$(udp_json_ports "${LAB_UDP_DROP_PORTS[@]}")],
    "reject_ports": [$(udp_json_ports "${LAB_UDP_REJECT_PORTS[@]}")],
    "closed_examples": [$(udp_json_ports "${LAB_UDP_CLOSED_EXAMPLES[@]}")],
    "reject_icmp": {"ipv4": $(json_icmp "${LAB_UDP_REJECT_ICMP4[@]}")$v6_reject},
    "port_unreach_icmp": {"ipv4": {"type": ${LAB_UDP_PORT_UNREACH4[0]}, "code": ${LAB_UDP_PORT_UNREACH4[1]}}$v6_unreach},
    "icmp_limit": $limit,
    "services": {
      "$LAB_UDP_DNS_PORT": {"name": "domain", "product": "dnsmasq", "version": "$dnsmasq",
             "version_bind": "dnsmasq-$dnsmasq"},
      "$LAB_UDP_NTP_PORT": {"name": "ntp", "product": "chrony", "version": "$chrony", "stratum": $LAB_UDP_NTP_STRATUM},
      "$LAB_UDP_SNMP_PORT": {"name": "snmp", "product": "net-snmp", "version": "$snmpd", "community": "public",
             "sysdescr": "$LAB_UDP_SNMP_SYSDESCR"}
    },
    "rules": [
      {"match": "ip in drop_blocks", "state": "open|filtered", "reason": "no-response"},
      {"match": "port in open_ports", "state": "open", "reason": "udp-response"},
      {"match": "port in drop_ports", "state": "open|filtered", "reason": "no-response"},
      {"match": "port in reject_ports", "state": "filtered", "reason": "icmp-unreach"},
      {"match": "otherwise", "state": "closed", "reason": "port-unreach"}
    ]
  },
  "echo": {
    "dead_blocks": {"ipv4": ["$LAB_ECHO_DEAD4", "$LAB_DROP_BLOCK"]$v6_dead},
    "rules": [
      {"match": "ip in dead_blocks", "state": "down", "reason": "no-response"},
      {"match": "otherwise", "state": "up", "reason": "echo-reply"}
    ]
  }
EOF
}
