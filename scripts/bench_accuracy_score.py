#!/usr/bin/env python3
"""Scores one scanner's results against the lab truth, for scripts/bench-accuracy.sh.

Usage:
  bench_accuracy_score.py --truth TRUTH.json --targets SPEC [SPEC...] --ports PORTS
                          --format ndjson|ips|masscan-list|nmap-xml [--states open,closed,filtered] FILE...

  SPEC          as in tests/e2e/check_truth.py: IPv4 or IPv6 addresses, CIDR blocks, ranges, comma lists
  ndjson        synscan --format ndjson records (ip, port, state, reason)
  ips           zmap output: one address a line, all for the single port given in --ports (state open)
  masscan-list  masscan -oL: "open tcp PORT IP TS" lines (masscan 1.3 writes IPv6 addresses uncanonically,
                e.g. 2001:2::1:0:0:0:ef for 2001:2:0:1::ef: every format's addresses are read by value)
  nmap-xml      nmap -oX: every <port> of every <host>, with nmap's state (open, closed, filtered; a state
                nmap could not decide, such as open|filtered, counts as a false positive)

Prints one line of key=value pairs: for each scored state S, S_found/S_truth (recall, %), fp (false positives:
results whose (ip, port) was not probed, or whose state is not filtered and differs from the truth: an answer
that is not there, or the wrong one), lost (results filtered where the truth is open or closed: an answer lost
on the way, which recall counts too) and dup (results reported more than once).
The truth rules are the ones tests/e2e/check_truth.py applies (imported from there).
"""

import argparse
import ipaddress
import json
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from check_truth import Truth, parse_ports, parse_targets  # noqa: E402


def read_nmap_xml(path):
    """Yields (address, port, state) of every TCP port nmap reported, per host."""
    for host in ET.parse(path).getroot().iter("host"):
        address = next((a.get("addr") for a in host.iter("address") if a.get("addrtype") in ("ipv4", "ipv6")),
                       None)
        if address is None:
            continue
        for port in host.iter("port"):
            state = port.find("state")
            if port.get("protocol") == "tcp" and state is not None:
                yield ipaddress.ip_address(address), int(port.get("portid")), state.get("state")


def read_results(fmt, paths, ports):
    """Yields (address object, port, state)."""
    for path in paths:
        if fmt == "nmap-xml":
            yield from read_nmap_xml(path)
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                if fmt == "ndjson":
                    r = json.loads(line)
                    yield ipaddress.ip_address(r["ip"]), r["port"], r["state"]
                elif fmt == "ips":
                    yield ipaddress.ip_address(line.split(",")[0]), ports[0], "open"
                else:
                    fields = line.split()
                    if len(fields) >= 4 and fields[0] == "open" and fields[1] == "tcp":
                        try:
                            yield ipaddress.ip_address(fields[3]), int(fields[2]), "open"
                        except ValueError:
                            continue  # a line cut short by a scanner that was stopped


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--truth", required=True)
    ap.add_argument("--targets", required=True, nargs="+")
    ap.add_argument("--ports", required=True)
    ap.add_argument("--format", choices=("ndjson", "ips", "masscan-list", "nmap-xml"), required=True)
    ap.add_argument("--states", default="open")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()

    with open(args.truth, encoding="utf-8") as f:
        truth = Truth(json.load(f))
    targets = parse_targets(args.targets)
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
    fp = lost = dup = 0
    for ip, port, state in read_results(args.format, args.files, ports):
        if (ip, port) in seen:
            dup += 1
            continue
        seen.add((ip, port))
        if ip not in target_set or port not in port_set:
            fp += 1
        elif truth.expect(ip, port)[0] != state:
            if state == "filtered":
                lost += 1
            else:
                fp += 1
        elif state in found:
            found[state] += 1

    parts = []
    for s in states:
        recall = 100.0 * found[s] / expected[s] if expected[s] else 100.0
        parts.append(f"{s}={found[s]}/{expected[s]} ({recall:.2f}%)")
    parts.append(f"fp={fp}")
    parts.append(f"lost={lost}")
    parts.append(f"dup={dup}")
    print(" ".join(parts))
    ok = all(found[s] == expected[s] for s in states) and fp == 0 and lost == 0 and dup == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
