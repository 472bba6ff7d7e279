#!/usr/bin/env bash
# Interfaces without an Ethernet header, and on-link targets.
# (a) On-link: the lab's next hop 198.18.0.2 scanned itself, on the veth's own subnet: probes go to its own MAC
#     (route.cpp uses the target as next hop for an on-link route) and its ports answer as the truth's rules say.
# (b) tun (ARPHRD_NONE, libpcap DLT_RAW): the lab's two namespaces joined by two tun devices and a relay
#     (tests/e2e/tun_relay.py), 198.18.1.1 <-> 198.18.1.2, and the scanner's route to 198.19.0.0/16 moved onto
#     the tun. synscan sends bare IPv4 through AF_PACKET on it (no MACs, no ARP), captures with the raw link
#     offset, and every probe's state equals the truth. The tun's TX counter shows the probes went that way.
#     The kernel's ipip/gre modules are often absent in CI VMs; a tun needs only CONFIG_TUN and takes the same
#     path in synscan (route.cpp: ARPHRD_NONE and ARPHRD_TUNNEL both mean LinkType::raw_ip).
# (c) the same over the tun with the PACKET_MMAP TX ring backend.
# (d) --send-backend libnet on the tun: one line saying that libnet needs Ethernet (it said "libnet_init: unknown
#     physical layer type 0xfffe"), exit 1.
# IPv6 (when the lab has it): (e) the same tun carries IPv6 (2001:2:0:2::1 <-> 2001:2:0:2::2, 2001:2:0:1::/64 routed
# onto it): it checks that with the kernel's own TCP (an open port connects, a closed one is refused), then
# scans 2001:2:0:1::/120 and four addresses of the IPv6 drop block over it against the truth; (a6) likewise scans
# the on-link next hop 2001:2::2. Skipped only on a kernel without IPv6, never under CI.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns
[[ -c /dev/net/tun ]] || skip "/dev/net/tun missing (kernel without CONFIG_TUN)"
lab_up
SCAN_NS=$LAB_NAME-scan
TGT_NS=$LAB_NAME-tgt
lab_ipv6=0
jq -e .ipv6 "$LAB_TRUTH" >/dev/null && lab_ipv6=1
[[ $lab_ipv6 == 1 || ${CI:-} != true ]] || fail "the lab has no IPv6 under CI"
log "lab IPv6: $lab_ipv6"

log "(a) on-link target 198.18.0.2 through veth-scan"
scan 198.18.0.2 -p 22,25,113,1000 --wait 1 --show all --format ndjson >"$E2E_WORK/onlink.ndjson" ||
  fail "(a) synscan exited with $?"
got=$(jq -r '"\(.port) \(.state) \(.reason)"' "$E2E_WORK/onlink.ndjson" | sort -n | paste -sd, -)
want="22 open syn-ack,25 filtered no-response,113 filtered icmp-unreach,1000 closed rst"
[[ $got == "$want" ]] || fail "(a) on-link results '$got', expected '$want'"
tgt_mac=$(ip -n "$TGT_NS" -br link show veth-tgt | awk '{print $3}')
neigh=$(ip -n "$SCAN_NS" neigh show 198.18.0.2 dev veth-scan)
[[ $neigh == *"lladdr $tgt_mac"* ]] || fail "(a) neighbour entry '$neigh' lacks the target's MAC $tgt_mac"

if ((lab_ipv6)); then
  log "(a6) on-link target 2001:2::2 through veth-scan"
  scan 2001:2::2 -p 22,25,113,1000 --wait 1 --show all --format ndjson >"$E2E_WORK/onlink6.ndjson" ||
    fail "(a6) synscan exited with $?"
  got=$(jq -r '"\(.port) \(.state) \(.reason)"' "$E2E_WORK/onlink6.ndjson" | sort -n | paste -sd, -)
  [[ $got == "$want" ]] || fail "(a6) on-link results '$got', expected '$want'"
  neigh=$(ip -n "$SCAN_NS" -6 neigh show 2001:2::2 dev veth-scan)
  [[ $neigh == *"lladdr $tgt_mac"* ]] || fail "(a6) neighbour entry '$neigh' lacks the target's MAC $tgt_mac"
fi

log "(b) tun link 198.18.1.1 <-> 198.18.1.2 with a relay"
relay_pid=
stop_relay() {
  [[ -n $relay_pid ]] || return 0
  kill "$relay_pid" 2>/dev/null || true
  wait "$relay_pid" 2>/dev/null || true
  relay_pid=
}
trap 'stop_relay; _e2e_cleanup' EXIT
python3 "$SYNSCAN_SOURCE_DIR/tests/e2e/tun_relay.py" "$E2E_WORK/relay.ready" "$SCAN_NS" tun-scan "$TGT_NS" \
  tun-tgt 2>"$E2E_WORK/relay.log" &
relay_pid=$!
for _ in $(seq 100); do
  [[ -s $E2E_WORK/relay.ready ]] && break
  kill -0 "$relay_pid" 2>/dev/null || fail "tun relay exited: $(cat "$E2E_WORK/relay.log")"
  sleep 0.1
done
[[ -s $E2E_WORK/relay.ready ]] || fail "tun relay not ready after 10 s"
ip -n "$SCAN_NS" addr add 198.18.1.1 peer 198.18.1.2 dev tun-scan
ip -n "$TGT_NS" addr add 198.18.1.2 peer 198.18.1.1 dev tun-tgt
ip -n "$SCAN_NS" link set tun-scan up
ip -n "$TGT_NS" link set tun-tgt up
ip -n "$SCAN_NS" route replace 198.19.0.0/16 dev tun-scan

tx_packets() { ip -n "$SCAN_NS" -s -j link show dev tun-scan | jq '.[0].stats64.tx.packets'; }
tx_before=$(tx_packets)
targets=(198.19.0.0/24 198.19.255.0/30)
ports=22,25,80,113,443,1000,8080
# A Python relay carries every packet: a moderate rate, so that a loss would be synscan's, not the relay's.
scan "${targets[@]}" -p "$ports" --rate 5000 --wait 2 --show all --format ndjson -o "$E2E_WORK/tun.ndjson" \
  2>"$E2E_WORK/tun.stderr" || fail "(b) synscan exited with $?: $(cat "$E2E_WORK/tun.stderr")"
cat "$E2E_WORK/tun.stderr" >&2
check_truth --targets "${targets[@]}" --ports "$ports" --all "$E2E_WORK/tun.ndjson" ||
  fail "(b) states over the tun differ from the truth"
probes=$(((256 + 4) * 7))
sent=$(($(tx_packets) - tx_before))
((sent >= probes)) || fail "(b) tun-scan sent $sent packets, fewer than the $probes probes"

log "(c) the same through the TX ring (--send-backend mmap)"
scan 198.19.0.0/26 -p "$ports" --send-backend mmap --rate 5000 --wait 2 --show all --format ndjson \
  -o "$E2E_WORK/mmap.ndjson" 2>"$E2E_WORK/mmap.stderr" ||
  fail "(c) synscan exited with $?: $(cat "$E2E_WORK/mmap.stderr")"
check_truth --targets 198.19.0.0/26 --ports "$ports" --all "$E2E_WORK/mmap.ndjson" ||
  fail "(c) states over the tun (TX ring) differ from the truth"

log "(d) --send-backend libnet on the tun"
rc=0
scan 198.19.0.1 -p 80 --send-backend libnet --wait 0 >"$E2E_WORK/libnet.out" 2>"$E2E_WORK/libnet.err" || rc=$?
grep -v "^\[$E2E_TEST_NAME\] " "$E2E_WORK/libnet.err" >"$E2E_WORK/libnet.msg" || true
want="synscan: --send-backend libnet needs an Ethernet interface; 'tun-scan' has no link-layer header (ARPHRD 65534:"
((rc == 1)) || fail "(d) exit $rc, want 1: $(cat "$E2E_WORK/libnet.msg")"
[[ $(wc -l <"$E2E_WORK/libnet.msg") == 1 && $(cat "$E2E_WORK/libnet.msg") == "$want"* ]] ||
  fail "(d) stderr: $(cat "$E2E_WORK/libnet.msg")"
log "ok: $(cat "$E2E_WORK/libnet.msg")"

if ((lab_ipv6)); then
  log "(e) IPv6 over the same tun: 2001:2:0:2::1 <-> 2001:2:0:2::2, 2001:2:0:1::/64 routed onto it"
  ip -n "$SCAN_NS" addr add 2001:2:0:2::1/64 dev tun-scan nodad
  ip -n "$TGT_NS" addr add 2001:2:0:2::2/64 dev tun-tgt nodad
  ip -n "$SCAN_NS" -6 route replace 2001:2:0:1::/64 dev tun-scan
  # The kernel's own TCP first: whatever synscan does, the lab answers IPv6 over the tun.
  ip netns exec "$SCAN_NS" timeout 5 bash -c 'exec 3<>/dev/tcp/2001:2:0:1::5/22' 2>"$E2E_WORK/tcp6.err" ||
    fail "(e) no TCP connection to [2001:2:0:1::5]:22 over the tun: $(cat "$E2E_WORK/tcp6.err")"
  if ip netns exec "$SCAN_NS" timeout 5 bash -c 'exec 3<>/dev/tcp/2001:2:0:1::5/1000' 2>/dev/null; then
    fail "(e) closed port [2001:2:0:1::5]:1000 accepted a connection over the tun"
  fi
  targets6=(2001:2:0:1::/120 2001:2:0:1::ff00/126)
  tx_before=$(tx_packets)
  scan "${targets6[@]}" -p "$ports" --rate 5000 --wait 2 --show all --format ndjson -o "$E2E_WORK/tun6.ndjson" \
    2>"$E2E_WORK/tun6.stderr" || fail "(e) synscan exited with $?: $(cat "$E2E_WORK/tun6.stderr")"
  check_truth --targets "${targets6[@]}" --ports "$ports" --all "$E2E_WORK/tun6.ndjson" ||
    fail "(e) IPv6 states over the tun differ from the truth"
  sent=$(($(tx_packets) - tx_before))  # as many probes as (b): 260 addresses x 7 ports
  ((sent >= probes)) || fail "(e) tun-scan sent $sent packets, fewer than the $probes probes"
fi

log "PASS"
