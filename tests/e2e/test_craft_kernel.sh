#!/usr/bin/env bash
# Crafted probes against a real stack: the Linux kernel of a target namespace, as independent a judge of a SYN as
# there is, must answer every probe the tcp_syn module crafts, IPv4 and IPv6 interleaved in one batch and sent
# with per-frame lengths through the sendmmsg transmitter (tests/e2e/craft_send.cpp): SYN-ACK from the port with
# a listener, RST+ACK from the closed one, each acknowledging its probe's SYN cookie + 1. A frame with a wrong
# checksum, length, address or header would be dropped by the kernel and its probe left unanswered.
#
# Two namespaces of this test's own joined by a veth: 198.18.0.1 / 2001:2::1 (scanner side) and 198.18.0.2 /
# 2001:2::2 (target side, listening on 8080 in both families); nothing else is addressed.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

skip_if_no_netns
command -v tcpdump >/dev/null || fail "tcpdump missing (scripts/install-deps.sh installs it)"
helper=${SYNSCAN_BUILD_DIR:-$SYNSCAN_SOURCE_DIR/build}/tests/synscan_craft_send
[[ -x $helper ]] || fail "$helper missing: build the synscan_craft_send target"

scan_ns=synscan-craft-$$-scan
tgt_ns=synscan-craft-$$-tgt
listener_pid=
capture_pid=
craft_cleanup() {
  [[ -n $capture_pid ]] && kill "$capture_pid" 2>/dev/null
  [[ -n $listener_pid ]] && kill "$listener_pid" 2>/dev/null
  ip netns del "$scan_ns" 2>/dev/null
  ip netns del "$tgt_ns" 2>/dev/null
  _e2e_cleanup
}
trap craft_cleanup EXIT

ip netns add "$scan_ns"
ip netns add "$tgt_ns"
ip link add veth-scan netns "$scan_ns" type veth peer name veth-tgt netns "$tgt_ns"
ip -n "$scan_ns" addr add 198.18.0.1/24 dev veth-scan
ip -n "$tgt_ns" addr add 198.18.0.2/24 dev veth-tgt
ip -n "$scan_ns" addr add 2001:2::1/64 dev veth-scan nodad
ip -n "$tgt_ns" addr add 2001:2::2/64 dev veth-tgt nodad
for ns in "$scan_ns" "$tgt_ns"; do ip -n "$ns" link set lo up; done
ip -n "$scan_ns" link set veth-scan up
ip -n "$tgt_ns" link set veth-tgt up
scan_mac=$(ip -n "$scan_ns" -br link show veth-scan | awk '{print $3}')
tgt_mac=$(ip -n "$tgt_ns" -br link show veth-tgt | awk '{print $3}')

ip netns exec "$tgt_ns" python3 -c '
import socket, sys, time
socks = []
for family, addr in ((socket.AF_INET, "198.18.0.2"), (socket.AF_INET6, "2001:2::2")):
    s = socket.socket(family)
    s.bind((addr, 8080))
    s.listen(64)
    socks.append(s)
open(sys.argv[1], "w").write("ready\n")
time.sleep(60)' "$E2E_WORK/listener.ready" &
listener_pid=$!
ip netns exec "$scan_ns" tcpdump -i veth-scan -n -U -w "$E2E_WORK/replies.pcap" \
  'tcp and (src port 8080 or src port 8081)' 2>"$E2E_WORK/tcpdump.log" &
capture_pid=$!
for _ in $(seq 100); do
  [[ -s $E2E_WORK/listener.ready ]] && grep -q "listening on" "$E2E_WORK/tcpdump.log" && break
  sleep 0.1
done
[[ -s $E2E_WORK/listener.ready ]] || fail "listener not ready"
grep -q "listening on" "$E2E_WORK/tcpdump.log" || fail "tcpdump not capturing: $(cat "$E2E_WORK/tcpdump.log")"

profiles="windows linux bsd mss none"
for profile in $profiles; do
  log "one batch with --syn-profile $profile: 198.18.0.2 and 2001:2::2 x ports 8080 (listening), 8081 (closed)"
  SYNSCAN_SYN_PROFILE=$profile ip netns exec "$scan_ns" "$helper" veth-scan "$scan_mac" "$tgt_mac" 198.18.0.1 \
    2001:2::1 198.18.0.2 2001:2::2 8080 8081 >"$E2E_WORK/probes.one" || fail "synscan_craft_send exited with $?"
  sed "s/\$/ $profile/" "$E2E_WORK/probes.one" >>"$E2E_WORK/probes.txt"
  sleep 0.2
done
for _ in $(seq 30); do
  sleep 0.1
  (($(stat -c %s "$E2E_WORK/replies.pcap") >= 24 + 20 * (16 + 74))) && break
done
sleep 0.3
kill "$capture_pid"
wait "$capture_pid" 2>/dev/null || true
capture_pid=

python3 - "$E2E_WORK/probes.txt" "$E2E_WORK/replies.pcap" <<'EOF' || fail "the kernel's answers do not match the probes"
import ipaddress, struct, sys

probes = [line.split() for line in open(sys.argv[1])]
replies = {}  # (address, target port, our port) -> {(flags, ack)}: one per profile's batch
with open(sys.argv[2], "rb") as f:
    magic = struct.unpack("<I", f.read(24)[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    while len(rec := f.read(16)) == 16:
        frame = f.read(struct.unpack(endian + "IIII", rec)[2])
        ethertype = frame[12:14]
        if ethertype == b"\x08\x00":
            ip, tcp = frame[14:], frame[14 + (frame[14] & 0x0F) * 4:]
            address = str(ipaddress.IPv4Address(ip[12:16]))
        elif ethertype == b"\x86\xdd":
            ip, tcp = frame[14:], frame[54:]
            address = str(ipaddress.IPv6Address(ip[8:24]))
        else:
            continue
        sport, dport, _, ack = struct.unpack("!HHII", tcp[:12])
        replies.setdefault((address, sport, dport), set()).add((tcp[13], ack))
# Frame lengths by profile (engine/probes/syn_profile.hpp): Ethernet + IP + TCP + options (IPv4 padded to 60).
lengths = {"windows": (66, 86), "linux": (74, 94), "bsd": (78, 98), "mss": (60, 78), "none": (60, 74)}
ok = len(probes) == 4 * len(lengths) and {p[0] for p in probes} == {"ipv4", "ipv6"}
for family, address, port, sport, seq, length, profile in probes:
    want_length = lengths[profile][0 if family == "ipv4" else 1]
    want_flags = 0x12 if port == "8080" else 0x14  # SYN+ACK / RST+ACK
    got = replies.get((address, int(port), int(sport)), set())
    verdict = (want_flags, (int(seq) + 1) % 2**32) in got
    verdict = verdict and int(length) == want_length
    print(f"{profile} {family} {address} port {port} from {sport}: seq {seq}, {length} bytes; reply {got}: "
          f"{'ok' if verdict else 'WRONG'}", file=sys.stderr)
    ok = ok and verdict
sys.exit(0 if ok else 1)
EOF
log "every probe answered by the kernel as its port's state says, acknowledging its cookie"
