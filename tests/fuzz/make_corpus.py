#!/usr/bin/env python3
"""Writes the seed corpus of tests/fuzz/fuzz_reply.cpp into tests/fuzz/corpus/.

Each file is one fuzzer input: byte 0 selects the link type (0 ethernet, 1 raw_ip, 2 linux_sll, 3 linux_sll2),
the rest is the frame. Replies are built for the scan the fuzz target validates against (SipHash reference key
00..0f, local 198.18.0.1 ports 40000-40015, targets 198.18.1.0/24 minus .5 plus 198.18.2.7, ports 22/80/443), so
the valid seeds carry the right SYN cookie and drive the fuzzer into the validator's accept path.
Usage: tests/fuzz/make_corpus.py [OUTDIR]
"""
import pathlib
import struct
import sys

MASK = (1 << 64) - 1
KEY = bytes(range(16))
LOCAL = "198.18.0.1"
ROUTER = "198.18.0.254"
PORT_FIRST = 40000


def rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & MASK


def siphash13(key, msg):
    """Reference SipHash-1-3 (Aumasson & Bernstein 2012 with 1 compression and 3 finalisation rounds, as
    engine/cookie.hpp); returns the 64-bit output as an integer (LE)."""
    k0, k1 = struct.unpack("<QQ", key)
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D, k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def rnd():
        v[0] = (v[0] + v[1]) & MASK; v[1] = rotl(v[1], 13); v[1] ^= v[0]; v[0] = rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & MASK; v[3] = rotl(v[3], 16); v[3] ^= v[2]
        v[0] = (v[0] + v[3]) & MASK; v[3] = rotl(v[3], 21); v[3] ^= v[0]
        v[2] = (v[2] + v[1]) & MASK; v[1] = rotl(v[1], 17); v[1] ^= v[2]; v[2] = rotl(v[2], 32)

    tail = len(msg) % 8
    padded = msg[: len(msg) - tail] + msg[len(msg) - tail:] + bytes(7 - tail) + bytes([len(msg) & 0xFF])
    for (m,) in struct.iter_unpack("<Q", padded):
        v[3] ^= m; rnd(); v[0] ^= m
    v[2] ^= 0xFF
    for _ in range(3):
        rnd()
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def ip(text):
    return bytes(int(p) for p in text.split("."))


def cookie(local, target, local_port, target_port):
    """The SYN cookie of the probe local:local_port -> target:target_port (engine/cookie.hpp)."""
    return siphash13(KEY, ip(local) + ip(target) + struct.pack("!HH", local_port, target_port)) & 0xFFFFFFFF


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp(src, dst, sport, dport, seq, ack, flags, options=b""):
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, (20 + len(options)) // 4 << 4, flags, 64240, 0, 0)
    h += options
    c = checksum(ip(src) + ip(dst) + struct.pack("!HH", 6, len(h)) + h)
    return h[:16] + struct.pack("!H", c) + h[18:]


def ipv4(src, dst, proto, payload, ttl=57, options=b""):
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | (20 + len(options)) // 4, 0, 20 + len(options) + len(payload), 0x1234,
                    0x4000, ttl, proto, 0, ip(src), ip(dst)) + options
    return h[:10] + struct.pack("!H", checksum(h)) + h[12:] + payload


def icmp(typ, code, quote):
    m = bytes([typ, code, 0, 0, 0, 0, 0, 0]) + quote
    return m[:2] + struct.pack("!H", checksum(m)) + m[4:]


def ethernet(payload, tags=(), ethertype=0x0800):
    b = bytes([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2])
    for tpid, tci in tags:
        b += struct.pack("!HH", tpid, tci)
    return b + struct.pack("!H", ethertype) + payload


def sll(payload):
    return struct.pack("!HHH8sH", 0, 1, 6, bytes([2, 0, 0, 0, 0, 2, 0, 0]), 0x0800) + payload


def sll2(payload):
    return struct.pack("!HHIHBB8s", 0x0800, 0, 2, 1, 0, 6, bytes([2, 0, 0, 0, 0, 2, 0, 0])) + payload


RECORD_ROUTE = bytes([7, 11, 8, 198, 18, 0, 1, 0, 0, 0, 0, 0])
MSS_WS_SACK = bytes([2, 4, 5, 0xB4, 1, 3, 3, 7, 4, 2, 1, 1])


def answer(target, tport, flags, lport=PORT_FIRST, ack_delta=1, ip_options=b"", tcp_options=b""):
    ack = (cookie(LOCAL, target, lport, tport) + ack_delta) & 0xFFFFFFFF
    return ipv4(target, LOCAL, 6, tcp(target, LOCAL, tport, lport, 0x11223344, ack, flags, tcp_options),
                options=ip_options)


def unreachable(target, tport, code, lport=PORT_FIRST, seq_delta=0, quote_options=b"", quote_len=8):
    seq = (cookie(LOCAL, target, lport, tport) + seq_delta) & 0xFFFFFFFF
    probe = ipv4(LOCAL, target, 6, tcp(LOCAL, target, lport, tport, seq, 0, 0x02), ttl=3, options=quote_options)
    quote = probe[: len(probe) - 20 + quote_len]
    return ipv4(ROUTER, LOCAL, 1, icmp(3, code, quote), ttl=250)


SEEDS = {
    "eth_synack_open": (0, ethernet(answer("198.18.1.10", 80, 0x12, tcp_options=MSS_WS_SACK))),
    "eth_rstack_closed": (0, ethernet(answer("198.18.1.10", 443, 0x14)) + bytes(6)),  # padded to 60
    "eth_qinq_synack_ipopts": (0, ethernet(answer("198.18.2.7", 22, 0x12, lport=40015, ip_options=RECORD_ROUTE),
                                           tags=((0x88A8, 100), (0x8100, 10)))),
    "eth_icmp_filtered": (0, ethernet(unreachable("198.18.1.200", 22, 13))),
    "eth_icmp_code4_ignored": (0, ethernet(unreachable("198.18.1.200", 22, 4))),
    "eth_bare_rst_ignored": (0, ethernet(answer("198.18.1.10", 80, 0x04))),
    "eth_wrong_ack_rejected": (0, ethernet(answer("198.18.1.10", 80, 0x12, ack_delta=0))),
    "raw_rstack_closed": (1, answer("198.18.1.1", 22, 0x14)),
    "raw_outside_space": (1, answer("198.18.1.5", 80, 0x12)),
    "sll_icmp_quote_opts": (2, sll(unreachable("198.18.1.77", 443, 10, lport=40007, quote_options=RECORD_ROUTE,
                                               quote_len=20))),
    "sll2_synack_open": (3, sll2(answer("198.18.1.254", 443, 0x12, lport=40003))),
    "sll2_icmp_wrong_seq": (3, sll2(unreachable("198.18.1.3", 80, 3, seq_delta=1))),
}


def main():
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent / "corpus"
    out.mkdir(parents=True, exist_ok=True)
    for name, (link, frame) in SEEDS.items():
        (out / name).write_bytes(bytes([link]) + frame)
    print(f"wrote {len(SEEDS)} seeds to {out}")


if __name__ == "__main__":
    main()
