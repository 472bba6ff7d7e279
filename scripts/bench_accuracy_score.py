#!/usr/bin/env python3
"""Scores one scanner's results against the lab truth, for scripts/bench-accuracy.sh.

Usage:
  bench_accuracy_score.py --truth TRUTH.json --targets SPEC --ports PORTS --format ndjson|ips|masscan-list
                          [--states open,closed,filtered] FILE...

  ndjson        synscan --format ndjson records (ip, port, state, reason)
  ips           zmap output: one address a line, all for the single port given in --ports (state open)
  masscan-list  masscan -oL: "open tcp PORT IP TS" lines

Prints one line of key=value pairs: for each scored state S, S_found/S_truth (recall, %), and fp (results whose
(ip, port) was not probed or whose state differs from the truth) and dup (results reported more than once).
The truth rules are the ones tests/e2e/check_truth.py applies (imported from there).
"""

import argparse
import ipaddress
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from check_truth import Truth, parse_ports, parse_targets  # noqa: E402


def read_results(fmt, paths, ports):
    """Yields (ip int, port, state)."""
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                if fmt == "ndjson":
                    r = json.loads(line)
                    yield int(ipaddress.IPv4Address(r["ip"])), r["port"], r["state"]
                elif fmt == "ips":
                    yield int(ipaddress.IPv4Address(line.split(",")[0])), ports[0], "open"
                else:
                    fields = line.split()
                    if len(fields) >= 4 and fields[0] == "open" and fields[1] == "tcp":
                        yield int(ipaddress.IPv4Address(fields[3])), int(fields[2]), "open"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--truth", required=True)
    ap.add_argument("--targets", required=True)
    ap.add_argument("--ports", required=True)
    ap.add_argument("--format", choices=("ndjson", "ips", "masscan-list"), required=True)
    ap.add_argument("--states", default="open")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()

    with open(args.truth, encoding="utf-8") as f:
        truth = Truth(json.load(f))
    targets = parse_targets([args.targets])
    ports = parse_ports(args.ports)
    states = args.states.split(",")
    target_set, port_set = set(targets), set(ports)

    expected = {s: 0 for s in states}
    for ip in targets:
        for port in ports:
            state = truth.expect(ip, port)[0]
            if state in expected:
                expected[state] += 1

    found = {s: 0 for s in states}
    seen = set()
    fp = dup = 0
    for ip, port, state in read_results(args.format, args.files, ports):
        if (ip, port) in seen:
            dup += 1
            continue
        seen.add((ip, port))
        if ip not in target_set or port not in port_set or truth.expect(ip, port)[0] != state:
            fp += 1
        elif state in found:
            found[state] += 1

    parts = []
    for s in states:
        recall = 100.0 * found[s] / expected[s] if expected[s] else 100.0
        parts.append(f"{s}={found[s]}/{expected[s]} ({recall:.2f}%)")
    parts.append(f"fp={fp}")
    parts.append(f"dup={dup}")
    print(" ".join(parts))
    ok = all(found[s] == expected[s] for s in states) and fp == 0 and dup == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
