#!/usr/bin/env python3
"""Checks the outputs of one scan against each other (used by tests/e2e/test_interrupt.sh and test_outputs.sh).

  check_outputs.py --pipe PIPE.tsv [--max-latency-ms N] [--interrupted] [--families 4,6] FILE...

PIPE.tsv holds what a pipe reader saw ("<arrival ms>\\t<ndjson record>", from line_reader.py). Every FILE (by
extension: .ndjson .json .xml .csv .gnmap .txt) must parse and hold exactly the results the pipe saw; each result
must have reached the pipe within --max-latency-ms of its timestamp. Both address families are accepted: every
address must be in its canonical text (a dotted quad, or RFC 5952 for IPv6, as Python's ipaddress prints it), the
XML must name its family (addrtype ipv4 or ipv6) and, grouped, list its hosts IPv4 first, then IPv6, each in
numeric order. --families 4,6 also asks for results of each family named (a mixed lab scan). Exit 0 when all
holds, 1 with reasons otherwise."""
import argparse
import csv
import datetime
import ipaddress
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

NMAP_DTD = "/usr/share/nmap/nmap.dtd"  # Debian package nmap-common


def canonical(text):
    """The RFC 5952 / dotted-quad text of an address, or None when `text` is not an address. Python before 3.13
    prints IPv4-mapped addresses in hex; synscan reports those as their IPv4 address, so they never reach here."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def check_addresses(path, results, problems):
    """Every address of `results` ((ip, port, state) tuples) in canonical text."""
    bad = sorted({ip for ip, _, _ in results if canonical(ip) != ip})
    if bad:
        problems.append(f"{path}: addresses not in canonical text (RFC 5952 for IPv6): {bad[:5]}")


def family_split(results):
    v6 = sum(1 for ip, _, _ in results if ":" in ip)
    return len(results) - v6, v6


def ts_ms(text):
    dt = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return int(dt.timestamp() * 1000)


def read_pipe(path, max_latency_ms, problems):
    seen = set()
    worst = 0
    with open(path) as f:
        for line in f:
            arrival, record = line.rstrip("\n").split("\t", 1)
            r = json.loads(record)
            seen.add((r["ip"], r["port"], r["state"]))
            worst = max(worst, int(arrival) - ts_ms(r["ts"]))
    if max_latency_ms is not None and worst > max_latency_ms:
        problems.append(f"a result reached the pipe {worst} ms after it was found (limit {max_latency_ms} ms)")
    check_addresses(path, seen, problems)
    v4, v6 = family_split(seen)
    print(f"pipe: {len(seen)} results ({v4} IPv4, {v6} IPv6), worst latency {worst} ms")
    return seen


def read_file(path, interrupted, problems):
    if path.endswith(".ndjson"):
        with open(path) as f:
            return {(r["ip"], r["port"], r["state"]) for r in map(json.loads, f)}
    if path.endswith(".json"):
        with open(path) as f:
            return {(r["ip"], r["port"], r["state"]) for r in json.load(f)}
    if path.endswith(".csv"):
        with open(path, newline="") as f:
            return {(r["ip"], int(r["port"]), r["state"]) for r in csv.DictReader(f)}
    if path.endswith(".gnmap"):
        out = set()
        with open(path) as f:
            lines = f.read().splitlines()
        if not lines or not lines[-1].startswith("# synscan done at"):
            problems.append(f"{path}: no final '# synscan done' line")
        for line in lines:
            if line.startswith("Host: "):
                host = line.split()[1]
                port, state = line.split("\tPorts: ")[1].split("/")[:2]
                out.add((host, int(port), state))
        return out
    if path.endswith(".txt"):
        out = set()
        with open(path) as f:
            for line in f:
                state, _proto, port, host = line.split()
                out.add((host, int(port), state))
        return out
    if path.endswith(".xml"):
        if subprocess.run(["xmllint", "--noout", path]).returncode != 0:
            problems.append(f"{path}: not well-formed XML")
            return set()
        if os.path.exists(NMAP_DTD) and subprocess.run(["xmllint", "--noout", "--dtdvalid", NMAP_DTD, path],
                                                       stderr=subprocess.DEVNULL).returncode != 0:
            problems.append(f"{path}: not valid against nmap.dtd")
        root = ET.parse(path).getroot()
        finished = root.find("runstats/finished")
        if finished is None:
            problems.append(f"{path}: no runstats/finished")
        elif (finished.get("exit") == "error") != interrupted:
            problems.append(f"{path}: finished exit={finished.get('exit')} for interrupted={interrupted}")
        out = set()
        addresses = []
        for host in root.iter("host"):
            address = host.find("address")
            ip = address.get("addr")
            addresses.append(ip)
            family = "ipv6" if ":" in ip else "ipv4"
            if address.get("addrtype") != family:
                problems.append(f"{path}: <address addr=\"{ip}\"> has addrtype {address.get('addrtype')}, not {family}")
            for port in host.iter("port"):
                out.add((ip, int(port.get("portid")), port.find("state").get("state")))
        if len(addresses) != len(set(addresses)):
            problems.append(f"{path}: an address appears in more than one <host> (not grouped)")
        elif None not in map(canonical, addresses):
            # Grouped hosts: IPv4 first, then IPv6, each family in numeric order (not text order).
            order = sorted(addresses, key=lambda a: (ipaddress.ip_address(a).version, ipaddress.ip_address(a)))
            if addresses != order:
                problems.append(f"{path}: hosts not in address order (IPv4 first, then IPv6): {addresses[:6]}")
        return out
    problems.append(f"{path}: unknown extension")
    return set()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pipe", required=True)
    ap.add_argument("--max-latency-ms", type=int)
    ap.add_argument("--interrupted", action="store_true")
    ap.add_argument("--families", default="", help="comma list of 4 and 6: each file must hold results of each")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    problems = []
    seen = read_pipe(args.pipe, args.max_latency_ms, problems)
    for path in args.files:
        try:
            got = read_file(path, args.interrupted, problems)
        except Exception as e:  # a parse error is the finding
            problems.append(f"{path}: does not parse: {e}")
            continue
        check_addresses(path, got, problems)
        v4, v6 = family_split(got)
        for family, count in (("4", v4), ("6", v6)):
            if family in args.families.split(",") and count == 0:
                problems.append(f"{path}: no IPv{family} result")
        if got != seen:
            problems.append(f"{path}: {len(got)} results, pipe saw {len(seen)}; only in file: "
                            f"{sorted(got - seen)[:5]}, only in pipe: {sorted(seen - got)[:5]}")
        else:
            print(f"{path}: {len(got)} results ({v4} IPv4, {v6} IPv6), same as the pipe")
    for p in problems:
        print("problem:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
