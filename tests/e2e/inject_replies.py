#!/usr/bin/env python3
"""Forges replies to synscan's probes from the lab's TARGET namespace (used by tests/e2e/test_*.sh).

It watches the probes (TCP SYN from the scanner to --port) arriving on the target's veth with an AF_PACKET socket
and answers each one with hand-made Ethernet frames sent back through the same veth, byte by byte (RFC 791, RFC
9293, RFC 792), independent of synscan's code.

  --mode foreign  per probe, replies that must NEVER be reported, each the probe's right answer except in one field:
                    syn-ack from a host that was not probed (third octet of the address replaced by --foreign-octet)
                    syn-ack and rst+ack with a wrong acknowledgement number (cookie + 2, cookie + 0)
                    syn-ack to a local port the probe did not use (source port + 1; and port 40000, outside the range)
                    ICMP host unreachable quoting a probe we did not send (sequence + 1; destination port + 1)
                  then, as positive controls proving that forged frames do reach synscan, for probes to an address
                  whose last octet is --control-open a correct syn-ack (-> open), and for --control-icmp a correct
                  ICMP host unreachable quoting the probe (-> filtered/icmp-unreach).
  --mode late     per probe, the correct syn-ack, sent --delay seconds after the probe arrived.

Runs for --duration seconds or until SIGTERM, touches --ready once capturing, and writes a JSON summary (probes seen, frames sent by
kind) to --summary. Needs CAP_NET_RAW; run it only inside a lab namespace (198.18.0.0/15 addresses only).
"""

import argparse
import heapq
import ipaddress
import json
import pathlib
import signal
import socket
import struct
import time

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
PACKET_OUTGOING = 4
SAFE_NET = ipaddress.IPv4Network("198.18.0.0/15")


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4(src, dst, proto, payload, ttl=64):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x4242, 0x4000, ttl, proto, 0,
                         socket.inet_aton(src), socket.inet_aton(dst))
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + payload


def tcp(src, dst, sport, dport, seq, ack, flags, window=64240):
    header = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, window, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(header))
    return header[:16] + struct.pack("!H", checksum(pseudo + header)) + header[18:]


def icmp_unreach(code, quoted):
    body = struct.pack("!BBHI", 3, code, 0, 0) + quoted
    return body[:2] + struct.pack("!H", checksum(body)) + body[4:]


class Probe:
    def __init__(self, frame):
        self.eth_dst, self.eth_src = frame[0:6], frame[6:12]
        ihl = (frame[14] & 0x0F) * 4
        self.ip_header = frame[14:14 + ihl]
        self.src = socket.inet_ntoa(frame[26:30])
        self.dst = socket.inet_ntoa(frame[30:34])
        t = frame[14 + ihl:]
        self.sport, self.dport, self.seq = struct.unpack("!HHI", t[:8])
        self.tcp_first8 = t[:8]

    def quote(self, seq_delta=0, dport_delta=0):
        """The probe's IPv4 header + first 8 TCP bytes as an ICMP error quotes them, optionally altered."""
        ip_header = bytearray(self.ip_header)
        t = struct.pack("!HHI", self.sport, self.dport + dport_delta, (self.seq + seq_delta) & 0xFFFFFFFF)
        return bytes(ip_header) + t


def parse_probe(frame, port):
    if len(frame) < 54 or struct.unpack("!H", frame[12:14])[0] != ETH_P_IP or frame[23] != 6:
        return None
    ihl = (frame[14] & 0x0F) * 4
    if len(frame) < 14 + ihl + 20:
        return None
    flags = frame[14 + ihl + 13]
    if flags & 0x3F != 0x02:  # SYN only
        return None
    probe = Probe(frame)
    return probe if probe.dport == port else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iface", default="veth-tgt")
    ap.add_argument("--port", type=int, required=True, help="answer probes to this target port")
    ap.add_argument("--mode", choices=("foreign", "late"), required=True)
    ap.add_argument("--delay", type=float, default=1.5)
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--foreign-octet", type=int, default=2)
    ap.add_argument("--control-open", type=int, default=9)
    ap.add_argument("--control-icmp", type=int, default=10)
    ap.add_argument("--ready", required=True)
    ap.add_argument("--summary", required=True)
    args = ap.parse_args()

    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.bind((args.iface, ETH_P_ALL))
    sock.settimeout(0.05)
    pathlib.Path(args.ready).touch()

    sent = {}
    probes = 0
    pending = []  # (due time, seq no., frame) for --mode late

    def send(kind, probe, ip_packet):
        for address in (ipaddress.IPv4Address(a) for a in ip_packet_addresses(ip_packet)):
            if address not in SAFE_NET:
                raise SystemExit(f"refusing to send outside {SAFE_NET}: {address}")
        sock.send(probe.eth_src + probe.eth_dst + struct.pack("!H", ETH_P_IP) + ip_packet)
        sent[kind] = sent.get(kind, 0) + 1

    def synack(p, src=None, dport=None, ack_delta=1, flags=0x12):
        s = src or p.dst
        d = p.sport if dport is None else dport
        return ipv4(s, p.src, 6, tcp(s, p.src, p.dport, d, 0x1000, p.seq + ack_delta, flags))

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    end = time.monotonic() + args.duration
    while time.monotonic() < end and not stop:
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            _, _, probe = heapq.heappop(pending)
            send("late_synack", probe, synack(probe))
        try:
            frame, address = sock.recvfrom(2048)
        except socket.timeout:
            continue
        if address[2] == PACKET_OUTGOING:
            continue
        probe = parse_probe(frame, args.port)
        if probe is None:
            continue
        probes += 1
        if args.mode == "late":
            heapq.heappush(pending, (now + args.delay, probes, probe))
            continue
        octets = probe.dst.split(".")
        foreign_host = ".".join(octets[:2] + [str(args.foreign_octet), octets[3]])
        send("unprobed_host", probe, synack(probe, src=foreign_host))
        send("wrong_ack", probe, synack(probe, ack_delta=2))
        send("wrong_ack_rst", probe, synack(probe, ack_delta=0, flags=0x14))
        send("unused_port", probe, synack(probe, dport=probe.sport + 1 if probe.sport < 65535 else 1))
        send("port_outside_range", probe, synack(probe, dport=40000))
        send("icmp_other_seq", probe, ipv4(probe.dst, probe.src, 1, icmp_unreach(1, probe.quote(seq_delta=1))))
        send("icmp_other_port", probe, ipv4(probe.dst, probe.src, 1, icmp_unreach(1, probe.quote(dport_delta=1))))
        last = int(octets[3])
        if last == args.control_open:
            send("control_synack", probe, synack(probe))
        elif last == args.control_icmp:
            send("control_icmp", probe, ipv4(probe.dst, probe.src, 1, icmp_unreach(1, probe.quote())))

    with open(args.summary, "w", encoding="utf-8") as f:
        json.dump({"probes": probes, "sent": sent, "pending": len(pending)}, f)


def ip_packet_addresses(packet):
    return (socket.inet_ntoa(packet[12:16]), socket.inet_ntoa(packet[16:20]))


if __name__ == "__main__":
    main()
