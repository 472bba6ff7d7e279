#!/usr/bin/env python3
"""Writes the seed corpus of tests/fuzz/fuzz_reply.cpp into tests/fuzz/corpus/.

Each file is one fuzzer input: byte 0 selects the link type (0 ethernet, 1 raw_ip, 2 linux_sll, 3 linux_sll2),
the rest is the frame. Replies are built for the scan the fuzz target validates against (tests/fuzz/fuzz_scan.hpp:
SipHash reference key 00..0f, local 198.18.0.1 and 2001:2::1 ports 40000-40015, targets 198.18.1.0/24 minus .5
plus 198.18.2.7 and 2001:2:0:1::/120 minus ::5 plus 2001:2:0:2::7, ports 22/80/443), so the valid seeds carry the
right SYN cookie (IPv4: the 12-byte tuple, IPv6: the 36-byte one) and drive the fuzzer into the validator's
accept path of both families. A seed's name ends in the verdict it must get (open, closed, filtered; ignored: not
a reply; rejected: a reply to no probe of ours); tests/unit/reply_corpus_test.cpp checks it.
Usage: tests/fuzz/make_corpus.py [OUTDIR]
"""
import ipaddress
import pathlib
import struct
import sys

MASK = (1 << 64) - 1
KEY = bytes(range(16))
LOCAL = "198.18.0.1"
ROUTER = "198.18.0.254"
LOCAL6 = "2001:2::1"
ROUTER6 = "2001:2::fe"
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
    """An address of either family, as on the wire."""
    return ipaddress.ip_address(text).packed


def cookie(local, target, local_port, target_port):
    """The SYN cookie of the probe local:local_port -> target:target_port (engine/cookie.hpp): SipHash-1-3 of the
    12-byte IPv4 or 36-byte IPv6 tuple, low 32 bits."""
    return siphash13(KEY, ip(local) + ip(target) + struct.pack("!HH", local_port, target_port)) & 0xFFFFFFFF


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def pseudo_header(src, dst, proto, length):
    """RFC 9293 3.1 (IPv4) or RFC 8200 8.1 (IPv6) pseudo-header."""
    if ":" in src:
        return ip(src) + ip(dst) + struct.pack("!IxxxB", length, proto)
    return ip(src) + ip(dst) + struct.pack("!HH", proto, length)


def tcp(src, dst, sport, dport, seq, ack, flags, options=b""):
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, (20 + len(options)) // 4 << 4, flags, 64240, 0, 0)
    h += options
    c = checksum(pseudo_header(src, dst, 6, len(h)) + h)
    return h[:16] + struct.pack("!H", c) + h[18:]


def ipv4(src, dst, proto, payload, ttl=57, options=b""):
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | (20 + len(options)) // 4, 0, 20 + len(options) + len(payload), 0x1234,
                    0x4000, ttl, proto, 0, ip(src), ip(dst)) + options
    return h[:10] + struct.pack("!H", checksum(h)) + h[12:] + payload


def icmp(typ, code, quote):
    m = bytes([typ, code, 0, 0, 0, 0, 0, 0]) + quote
    return m[:2] + struct.pack("!H", checksum(m)) + m[4:]


def ethertype_of(payload):
    return 0x86DD if payload[0] >> 4 == 6 else 0x0800


def ethernet(payload, tags=()):
    b = bytes([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2])
    for tpid, tci in tags:
        b += struct.pack("!HH", tpid, tci)
    return b + struct.pack("!H", ethertype_of(payload)) + payload


def sll(payload):
    return struct.pack("!HHH8sH", 0, 1, 6, bytes([2, 0, 0, 0, 0, 2, 0, 0]), ethertype_of(payload)) + payload


def sll2(payload):
    return struct.pack("!HHIHBB8s", ethertype_of(payload), 0, 2, 1, 0, 6, bytes([2, 0, 0, 0, 0, 2, 0, 0])) + payload


# IPv6 (RFC 8200) and its extension headers: (next-header value, bytes with byte 0 to be chained).
def ext_options(kind, length=8):
    """Hop-by-hop (0) or destination options (60), one PadN."""
    return kind, bytes([0, length // 8 - 1, 1, length - 4]) + bytes(length - 4)


def ext_routing():
    """Segment routing header (RFC 8754), one segment, segments left 0."""
    return 43, bytes([0, 2, 4, 0, 0, 0, 0, 0]) + ip("2001:2::100")


def ext_fragment(offset, more):
    return 44, bytes([0, 0]) + struct.pack("!HI", offset << 3 | more, 0x01020304)


def ext_ah():
    """Authentication header (RFC 4302): SPI, sequence number, 12-byte ICV; length in 4-byte units minus 2."""
    return 51, bytes([0, 4, 0, 0]) + struct.pack("!II", 0x1000, 7) + bytes([0xAB]) * 12


def ipv6(src, dst, proto, payload, hop_limit=57, extensions=()):
    chain = b""
    for i, (_, body) in enumerate(extensions):
        nxt = extensions[i + 1][0] if i + 1 < len(extensions) else proto
        chain += bytes([nxt]) + body[1:]
    first = extensions[0][0] if extensions else proto
    return struct.pack("!IHBB", 0x60000000, len(chain) + len(payload), first, hop_limit) + ip(src) + ip(dst) + chain + payload


def icmpv6(src, dst, typ, code, quote):
    m = bytes([typ, code, 0, 0, 0, 0, 0, 0]) + quote
    c = checksum(pseudo_header(src, dst, 58, len(m)) + m)
    return m[:2] + struct.pack("!H", c) + m[4:]


RECORD_ROUTE = bytes([7, 11, 8, 198, 18, 0, 1, 0, 0, 0, 0, 0])
MSS_WS_SACK = bytes([2, 4, 5, 0xB4, 1, 3, 3, 7, 4, 2, 1, 1])


def answer(target, tport, flags, lport=PORT_FIRST, ack_delta=1, ip_options=b"", tcp_options=b""):
    ack = (cookie(LOCAL, target, lport, tport) + ack_delta) & 0xFFFFFFFF
    return ipv4(target, LOCAL, 6, tcp(target, LOCAL, tport, lport, 0x11223344, ack, flags, tcp_options),
                options=ip_options)


def answer6(target, tport, flags, lport=PORT_FIRST, ack_delta=1, extensions=(), tcp_options=MSS_WS_SACK):
    ack = (cookie(LOCAL6, target, lport, tport) + ack_delta) & 0xFFFFFFFF
    return ipv6(target, LOCAL6, 6, tcp(target, LOCAL6, tport, lport, 0x11223344, ack, flags, tcp_options),
                extensions=extensions)


def unreachable(target, tport, code, lport=PORT_FIRST, seq_delta=0, quote_options=b"", quote_len=8):
    seq = (cookie(LOCAL, target, lport, tport) + seq_delta) & 0xFFFFFFFF
    probe = ipv4(LOCAL, target, 6, tcp(LOCAL, target, lport, tport, seq, 0, 0x02), ttl=3, options=quote_options)
    quote = probe[: len(probe) - 20 + quote_len]
    return ipv4(ROUTER, LOCAL, 1, icmp(3, code, quote), ttl=250)


def unreachable6(target, tport, code, lport=PORT_FIRST, seq_delta=0, quote_extensions=(), quote_tcp=24, typ=1):
    seq = (cookie(LOCAL6, target, lport, tport) + seq_delta) & 0xFFFFFFFF
    segment = tcp(LOCAL6, target, lport, tport, seq, 0, 0x02, bytes([2, 4, 5, 0xA0]))
    probe = ipv6(LOCAL6, target, 6, segment, hop_limit=3, extensions=quote_extensions)
    quote = probe[: len(probe) - len(segment) + quote_tcp]
    return ipv6(ROUTER6, LOCAL6, 58, icmpv6(ROUTER6, LOCAL6, typ, code, quote), hop_limit=250)


SEEDS = {
    # IPv4
    "eth_synack_open": (0, ethernet(answer("198.18.1.10", 80, 0x12, tcp_options=MSS_WS_SACK))),
    "eth_rstack_closed": (0, ethernet(answer("198.18.1.10", 443, 0x14)) + bytes(6)),  # padded to 60
    "eth_qinq_synack_ipopts_open": (0, ethernet(answer("198.18.2.7", 22, 0x12, lport=40015, ip_options=RECORD_ROUTE),
                                                tags=((0x88A8, 100), (0x8100, 10)))),
    "eth_icmp_filtered": (0, ethernet(unreachable("198.18.1.200", 22, 13))),
    "eth_icmp_code4_ignored": (0, ethernet(unreachable("198.18.1.200", 22, 4))),
    "eth_bare_rst_ignored": (0, ethernet(answer("198.18.1.10", 80, 0x04))),
    "eth_wrong_ack_rejected": (0, ethernet(answer("198.18.1.10", 80, 0x12, ack_delta=0))),
    "raw_rstack_closed": (1, answer("198.18.1.1", 22, 0x14)),
    "raw_outside_space_rejected": (1, answer("198.18.1.5", 80, 0x12)),
    "sll_icmp_quote_opts_filtered": (2, sll(unreachable("198.18.1.77", 443, 10, lport=40007,
                                                        quote_options=RECORD_ROUTE, quote_len=20))),
    "sll2_synack_open": (3, sll2(answer("198.18.1.254", 443, 0x12, lport=40003))),
    "sll2_icmp_wrong_seq_rejected": (3, sll2(unreachable("198.18.1.3", 80, 3, seq_delta=1))),
    # IPv6
    "eth6_synack_open": (0, ethernet(answer6("2001:2:0:1::a", 80, 0x12))),
    "eth6_rstack_padded_closed": (0, ethernet(answer6("2001:2:0:1::ff", 443, 0x14, tcp_options=b"")) + bytes(10)),
    "eth6_vlan_hbh_synack_open": (0, ethernet(answer6("2001:2:0:2::7", 22, 0x12, lport=40015,
                                                      extensions=(ext_options(0),)), tags=((0x8100, 10),))),
    "raw6_every_ext_header_closed": (1, answer6("2001:2:0:1::1", 22, 0x14, extensions=(
        ext_options(0), ext_options(60, 16), ext_routing(), ext_fragment(0, 1), ext_ah()))),
    "raw6_nonfirst_fragment_ignored": (1, answer6("2001:2:0:1::1", 22, 0x14, extensions=(ext_fragment(3, 0),))),
    "eth6_icmp6_filtered": (0, ethernet(unreachable6("2001:2:0:1::c8", 22, 1))),
    "eth6_icmp6_beyond_scope_filtered": (0, ethernet(unreachable6("2001:2:0:1::c8", 80, 2, lport=40009))),
    "sll_icmp6_quote_ext_filtered": (2, sll(unreachable6("2001:2:0:1::4d", 443, 4, lport=40007, quote_tcp=8,
                                                         quote_extensions=(ext_options(0), ext_fragment(0, 1))))),
    "sll2_icmp6_code7_ignored": (3, sll2(unreachable6("2001:2:0:1::3", 80, 7))),
    "sll2_icmp6_time_exceeded_ignored": (3, sll2(unreachable6("2001:2:0:1::3", 80, 0, typ=3))),
    "sll2_synack6_open": (3, sll2(answer6("2001:2:0:1::fe", 443, 0x12, lport=40003))),
    "raw6_wrong_ack_rejected": (1, answer6("2001:2:0:1::a", 80, 0x12, ack_delta=0)),
    "raw6_outside_space_rejected": (1, answer6("2001:2:0:1::5", 80, 0x12)),
    "eth6_icmp6_wrong_seq_rejected": (0, ethernet(unreachable6("2001:2:0:1::3", 80, 3, seq_delta=1))),
}


def main():
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent / "corpus"
    out.mkdir(parents=True, exist_ok=True)
    for name, (link, frame) in SEEDS.items():
        (out / name).write_bytes(bytes([link]) + frame)
    print(f"wrote {len(SEEDS)} seeds to {out}")


if __name__ == "__main__":
    main()
