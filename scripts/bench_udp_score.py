#!/usr/bin/env python3
"""Scores one UDP scanner's output against a UDP lab's truth for scripts/bench-udp.sh: prints one Markdown table row.

Usage: bench_udp_score.py --truth TRUTH.json --targets SPEC... --udp-ports PORTS --format FORMAT --tool NAME
                          --case NAME --wall SECONDS [--note TEXT] [--ndjson-out FILE] FILE...

FORMAT   ndjson        synscan's NDJSON (the contract of tests/e2e/check_udp_truth.py)
         nmap-xml      nmap -oX: every <port protocol="udp"> with its state (open, closed, filtered, open|filtered)
         masscan-list  masscan -oL: "open udp PORT IP TS" lines (masscan reports open ports only)
         zmap-csv      zmap -M udp -O csv with --output-fields=saddr,sport,classification,success,icmp_type,icmp_code;
                       one file per port (the port is its sport, or the ICMP error's): success 1 -> open; an ICMP
                       destination unreachable type 3 code 3 -> closed, another -> filtered
FILE     the tool's output files (zmap: one a port)

The row: case | tool | per true state "exact/expected" (open, closed, open|filtered; filtered when the work has
any) | false positives (open reported for a probe that is not) | other wrong states | wall time | note. A state a
tool never reports counts 0 exact (masscan: closed and open|filtered; zmap: open|filtered, silence is not
reported). Exits 0 (the row is the result), 2 on bad input.
"""

import argparse
import csv
import json
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import check_truth  # noqa: E402
import check_udp_truth  # noqa: E402

TS = "1970-01-01T00:00:00Z"
REASON = check_udp_truth.REASONS["udp"]


def record(ip, port, state, **extra):
    rec = {"ip": str(check_truth.as_address(ip)), "port": int(port), "proto": "udp", "state": state,
           "reason": REASON[state], "ttl": None, "ts": TS}
    rec.update(extra)
    return json.dumps(rec)


def from_nmap(paths):
    for path in paths:
        root = ET.parse(path).getroot()
        for host in root.iter("host"):
            addr = next((a.get("addr") for a in host.iter("address") if a.get("addrtype") in ("ipv4", "ipv6")), None)
            for port in host.iter("port"):
                state = port.find("state").get("state")
                if port.get("protocol") == "udp" and state in REASON and addr:
                    yield record(addr, port.get("portid"), state)


def from_masscan(paths):
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 4 and parts[0] == "open" and parts[1] == "udp":
                    yield record(parts[3], parts[2], "open")


def from_zmap(paths):
    seen = set()
    for path in paths:
        port_of_file = int(os.path.basename(path).split("-")[-1].split(".")[0])
        with open(path, encoding="utf-8", errors="replace") as f:
            for row in csv.DictReader(f):
                if not row.get("saddr"):
                    continue
                if row.get("success") == "1":
                    state = "open"
                elif row.get("icmp_type") == "3" and row.get("icmp_code") == "3":
                    state = "closed"
                elif row.get("icmp_type") == "3":
                    state = "filtered"
                else:
                    continue
                key = (row["saddr"], port_of_file)
                if key not in seen:  # zmap -P 2 may report a probe twice
                    seen.add(key)
                    yield record(row["saddr"], port_of_file, state)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--truth", required=True)
    parser.add_argument("--targets", required=True, nargs="+")
    parser.add_argument("--udp-ports", required=True)
    parser.add_argument("--format", required=True, choices=("ndjson", "nmap-xml", "masscan-list", "zmap-csv"))
    parser.add_argument("--tool", required=True)
    parser.add_argument("--case", required=True)
    parser.add_argument("--wall", required=True)
    parser.add_argument("--note", default="")
    parser.add_argument("--ndjson-out", help="also write the converted records there")
    parser.add_argument("files", nargs="*")
    args = parser.parse_args(argv)
    try:
        with open(args.truth, encoding="utf-8") as f:
            truth = check_udp_truth.UdpTruth(json.load(f))
        targets = check_truth.parse_targets(args.targets)
        ports = check_truth.parse_ports(args.udp_ports)
        files = [p for p in args.files if os.path.exists(p)]
        if args.format == "ndjson":
            lines = [line for p in files for line in open(p, encoding="utf-8", errors="replace").read().splitlines()]
        else:
            convert = {"nmap-xml": from_nmap, "masscan-list": from_masscan, "zmap-csv": from_zmap}[args.format]
            lines = list(convert(files))
    except (OSError, ValueError, KeyError, ET.ParseError, check_truth.UsageError,
            check_udp_truth.UsageError) as exc:
        print(f"bench_udp_score: error: {exc}", file=sys.stderr)
        return 2
    if args.ndjson_out:
        with open(args.ndjson_out, "w", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in lines))
    states = list(check_udp_truth.UDP_STATES)
    mismatches, counts = check_udp_truth.check(truth, targets, ports, [], False, states, states, "check", "check",
                                               lines)
    udp = counts.get("udp", {})
    cells = []
    for state in ("open", "closed", "filtered", "open|filtered"):
        c = udp.get(state)
        if c is None:
            continue
        cells.append(f"{c.get('exact', 0)}/{c.get('expected', 0)}")
    wrong = sum(c.get("wrong", 0) for c in udp.values()) - counts["false_positives"]
    bad_lines = sum(1 for m in mismatches if m.startswith(("BAD LINE", "UNEXPECTED", "DUPLICATE")))
    note = args.note + (f"; {bad_lines} malformed/unexpected records" if bad_lines else "")
    print(f"| {args.case} | {args.tool} | " + " | ".join(cells) +
          f" | {counts['false_positives']} | {wrong} | {args.wall} | {note.strip('; ')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
