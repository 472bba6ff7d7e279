#!/usr/bin/env python3
"""Counts the TCP frames of a pcap file (Ethernet link type) by direction and flags, as JSON:
{"frames": N, "syn": probes (SYN only), "syn_ack": N, "rst": N, "icmp": N}. Used by test_outputs.sh to check
--pcap-out without tcpdump."""
import json
import struct
import sys

counts = {"frames": 0, "syn": 0, "syn_ack": 0, "rst": 0, "icmp": 0}
with open(sys.argv[1], "rb") as f:
    header = f.read(24)
    magic = struct.unpack("<I", header[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", header[20:24])[0]
    if linktype != 1:
        sys.exit(f"link type {linktype}, want 1 (Ethernet)")
    while True:
        rec = f.read(16)
        if len(rec) < 16:
            break
        incl = struct.unpack(endian + "IIII", rec)[2]
        frame = f.read(incl)
        counts["frames"] += 1
        if len(frame) < 34 or frame[12:14] != b"\x08\x00":
            continue
        ihl = (frame[14] & 0x0F) * 4
        proto = frame[23]
        if proto == 1:
            counts["icmp"] += 1
        elif proto == 6 and len(frame) >= 14 + ihl + 14:
            flags = frame[14 + ihl + 13]
            if flags & 0x3F == 0x02:
                counts["syn"] += 1
            elif flags & 0x12 == 0x12:
                counts["syn_ack"] += 1
            elif flags & 0x04:
                counts["rst"] += 1
print(json.dumps(counts))
