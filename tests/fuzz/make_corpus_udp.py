#!/usr/bin/env python3
"""Writes the crafted seeds of tests/fuzz/fuzz_udp.cpp into tests/fuzz/corpus_udp/.

Each file is one UDP payload as received. The real_* seeds beside them were captured in the lab (dnsmasq 2.90,
chrony 4.3, net-snmp 5.9.3 answering the built-in DNS, NTP and SNMP probes with cookie 0x0123456789abcdef) and are
committed as they came; this script writes the answers of the protocols whose servers the lab does not run, built
as tests/unit/udp_answers.hpp builds them (nmbd NODE STATUS, strongSwan NO-PROPOSAL-CHOSEN, OpenVPN
HARD_RESET_SERVER_V2, Avahi legacy unicast, libcoap ACK, memcached VERSION, MiniUPnPd), plus a small nmap-payloads
text and a --udp-payload spec for the set-up parsers. Cookie 0x0123456789abcdef throughout.
Usage: tests/fuzz/make_corpus_udp.py [OUTDIR]
"""
import pathlib
import struct
import sys

COOKIE = bytes.fromhex("0123456789abcdef")


def label(s):
    return bytes([len(s)]) + s.encode()


def seeds():
    nb_name = b"\x20CK" + b"AA" * 15 + b"\x00"
    names = b"\x03"
    for name, suffix, flags in (("LABHOST", 0x00, 0x0400), ("LABHOST", 0x20, 0x0400), ("WORKGROUP", 0x00, 0x8400)):
        names += name.ljust(15).encode() + bytes([suffix]) + struct.pack(">H", flags)
    names += bytes(6 + 40)
    yield "nmbd_node_status", (COOKIE[6:] + struct.pack(">HHHHH", 0x8400, 0, 1, 0, 0) + nb_name +
                               struct.pack(">HHIH", 0x21, 1, 0, len(names)) + names)

    notify = struct.pack(">BBHIBBH", 0, 0, 12, 1, 1, 0, 14)
    yield "strongswan_no_proposal", (COOKIE + struct.pack(">IIBBBBII", 0x5A5A0001, 2, 11, 0x10, 5, 0, 0,
                                                          28 + len(notify)) + notify)

    yield "openvpn_hard_reset_server", (bytes([8 << 3]) + bytes.fromhex("deadbeef01020304") + b"\x01" + bytes(4) +
                                        COOKIE + bytes(4))

    question = label("_services") + label("_dns-sd") + label("_udp") + label("local") + b"\x00" + struct.pack(">HH", 12, 1)
    ptr1 = label("_http") + label("_tcp") + struct.pack(">H", 0xC000 | 35)
    ptr2 = label("_ssh") + label("_tcp") + struct.pack(">H", 0xC000 | 35)
    answers = b"".join(struct.pack(">HHHIH", 0xC00C, 12, 1, 10, len(p)) + p for p in (ptr1, ptr2))
    yield "avahi_legacy_unicast", COOKIE[6:] + struct.pack(">HHHHH", 0x8400, 1, 2, 0, 0) + question + answers

    yield "libcoap_ack_core", bytes([0x66, 0x45]) + COOKIE + b"\xc1\x28\xff</sensors/temp>;if=\"sensor\""

    yield "memcached_version", COOKIE[6:] + struct.pack(">HHH", 0, 1, 0) + b"VERSION 1.6.21\r\n"

    yield "miniupnpd_search", (b"HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: upnp:rootdevice\r\n"
                               b"SERVER: Debian/12 UPnP/1.1 MiniUPnPd/2.3.3\r\n"
                               b"LOCATION: http://198.18.1.1:5000/rootDesc.xml\r\n\r\n")

    yield "payloads_text", b"# sample\nudp 7,9-10 \"\\x0D\\x0a\\0\"\n  \"more\\\\\\\"\"\nsource 500\nudp 53 \"x\"\n"
    yield "payload_option", b"9999:deadbeef"


def main():
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).parent / "corpus_udp"
    out.mkdir(parents=True, exist_ok=True)
    for name, data in seeds():
        (out / name).write_bytes(data)


if __name__ == "__main__":
    main()
