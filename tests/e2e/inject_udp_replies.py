#!/usr/bin/env python3
"""Forges answers to synscan's UDP (DNS, port 53) and ICMP echo probes from the lab's TARGET namespace (used by
tests/e2e/test_foreign_udp_replies.sh), byte by byte (RFC 768, RFC 791, RFC 792, RFC 1035), independent of
synscan's code.

It watches the probes arriving on the target's veth (AF_PACKET: it sees them before the lab's nftables drop them)
and per probe sends answers that must NEVER be reported, each the probe's right answer except in one field:
  DNS    a response whose transaction id is not the query's (id ^ 1); the right response to another of our source
         ports (sport + 1); from a host that was not probed (third octet replaced by --foreign-octet); from
         another port of the target (54); an ICMP port unreachable quoting the probe with another id
  echo   a reply whose sequence number is not the request's (seq ^ 1); the right reply from a host not probed
then, as positive controls proving that forged frames reach synscan, for a probe to an address whose last octet is
--control-open the right DNS response (-> open), --control-closed the right port unreachable quoting the whole probe
(-> closed), --control-up the right echo reply (-> up).

Runs for --duration seconds or until SIGTERM, touches --ready once capturing, writes a JSON summary (probes seen,
frames sent by kind) to --summary. IPv4 only. Needs CAP_NET_RAW; run it only inside a lab namespace (198.18.0.0/15).
"""

import argparse
import ipaddress
import json
import pathlib
import signal
import socket
import struct
import time

from inject_replies import ETH_P_ALL, ETH_P_IP, PACKET_OUTGOING, SAFE_NET, checksum, ipv4  # the TCP injector's


def udp(src, dst, sport, dport, payload):
    header = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 17, 8 + len(payload))
    return header[:6] + struct.pack("!H", checksum(pseudo + header + payload) or 0xFFFF) + payload


def icmp(type_, code, rest, body):
    msg = struct.pack("!BBH", type_, code, 0) + rest + body
    return msg[:2] + struct.pack("!H", checksum(msg)) + msg[4:]


def dns_response(query, txid):
    """The response a server gives to `query`: its id, QR and RA set, the question copied, no answer (RFC 1035)."""
    flags = struct.unpack("!H", query[2:4])[0] | 0x8080
    return struct.pack("!HHHHHH", txid, flags, 1, 0, 0, 0) + query[12:]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iface", default="veth-tgt")
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--foreign-octet", type=int, default=254)
    ap.add_argument("--control-open", type=int, default=9)
    ap.add_argument("--control-closed", type=int, default=10)
    ap.add_argument("--control-up", type=int, default=11)
    ap.add_argument("--ready", required=True)
    ap.add_argument("--summary", required=True)
    args = ap.parse_args()

    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.bind((args.iface, ETH_P_ALL))
    sock.settimeout(0.05)
    pathlib.Path(args.ready).touch()
    sent, probes = {}, {"udp": 0, "echo": 0}

    def send(kind, eth, packet):
        for a in (socket.inet_ntoa(packet[12:16]), socket.inet_ntoa(packet[16:20])):
            if ipaddress.IPv4Address(a) not in SAFE_NET:
                raise SystemExit(f"refusing to send outside {SAFE_NET}: {a}")
        sock.send(eth + struct.pack("!H", ETH_P_IP) + packet)
        sent[kind] = sent.get(kind, 0) + 1

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    end = time.monotonic() + args.duration
    while time.monotonic() < end and not stop:
        try:
            frame, address = sock.recvfrom(2048)
        except socket.timeout:
            continue
        if address[2] == PACKET_OUTGOING or len(frame) < 42 or struct.unpack("!H", frame[12:14])[0] != ETH_P_IP:
            continue
        eth = frame[6:12] + frame[0:6]  # back to the sender
        ihl = (frame[14] & 0x0F) * 4
        total = struct.unpack("!H", frame[16:18])[0]
        ip_packet = frame[14:14 + total]
        proto = frame[23]
        scanner, target = socket.inet_ntoa(frame[26:30]), socket.inet_ntoa(frame[30:34])
        t = ip_packet[ihl:]
        octets = target.split(".")
        foreign = ".".join(octets[:2] + [str(args.foreign_octet), octets[3]])
        last = int(octets[3])
        if proto == 17 and len(t) >= 8 + 12 and struct.unpack("!H", t[2:4])[0] == 53:
            probes["udp"] += 1
            sport = struct.unpack("!H", t[0:2])[0]
            query = t[8:]
            txid = struct.unpack("!H", query[0:2])[0]
            right = dns_response(query, txid)
            send("dns_wrong_id", eth, ipv4(target, scanner, 17, udp(target, scanner, 53, sport, dns_response(query, txid ^ 1))))
            send("dns_other_local_port", eth, ipv4(target, scanner, 17, udp(target, scanner, 53, sport % 65535 + 1, right)))
            send("dns_unprobed_host", eth, ipv4(foreign, scanner, 17, udp(foreign, scanner, 53, sport, right)))
            send("dns_other_target_port", eth, ipv4(target, scanner, 17, udp(target, scanner, 54, sport, right)))
            forged_quote = bytearray(ip_packet)
            forged_quote[ihl + 8] ^= 0x01  # the quoted query's id
            send("icmp_quote_other_id", eth, ipv4(target, scanner, 1, icmp(3, 3, b"\0\0\0\0", bytes(forged_quote))))
            if last == args.control_open:
                send("control_dns", eth, ipv4(target, scanner, 17, udp(target, scanner, 53, sport, right)))
            elif last == args.control_closed:
                send("control_port_unreach", eth, ipv4(target, scanner, 1, icmp(3, 3, b"\0\0\0\0", ip_packet)))
        elif proto == 1 and len(t) >= 8 and t[0] == 8:
            probes["echo"] += 1
            ident, seq = struct.unpack("!HH", t[4:8])
            data = t[8:]
            send("echo_wrong_seq", eth, ipv4(target, scanner, 1, icmp(0, 0, struct.pack("!HH", ident, seq ^ 1), data)))
            send("echo_unprobed_host", eth, ipv4(foreign, scanner, 1, icmp(0, 0, struct.pack("!HH", ident, seq), data)))
            if last == args.control_up:
                send("control_echo", eth, ipv4(target, scanner, 1, icmp(0, 0, struct.pack("!HH", ident, seq), data)))

    with open(args.summary, "w", encoding="utf-8") as f:
        json.dump({"probes": probes, "sent": sent}, f)


if __name__ == "__main__":
    main()
