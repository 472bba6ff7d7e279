#!/usr/bin/env python3
"""Checks a synscan NDJSON result file against the lab's ground truth (scripts/lab.sh truth NAME).

Usage:
  check_truth.py --truth TRUTH.json --targets SPEC [SPEC...] --ports PORTS [--show STATES | --all] RESULT

  SPEC    an address, a CIDR block or an address range A-B; commas also separate specs
  PORTS   "22,80,1000-1010"
  STATES  the states the scan was asked to show (default "open"); --all = "open,closed,filtered"
  RESULT  NDJSON file ('-' for stdin)

The expected state and reason of every probe (target address x port) come from the truth rules, first match wins:
address in a drop block -> filtered/no-response; open port -> open/syn-ack; drop port -> filtered/no-response;
reject port -> filtered/icmp-unreach; otherwise closed/rst.

Checks: every line parses and has the keys ip, port, proto, state, reason, ttl, ts with sane values; every
reported (ip, port) is a probe of the scan and is reported once; its state and reason are the expected ones; no
state outside STATES is reported; every probe whose expected state is in STATES is reported (with the default
STATES: every open port found, no false positive; with --all: every probe exactly once).
Prints the first 20 mismatches and a summary; exits 0 when all hold, 1 on any mismatch, 2 on usage errors.
"""

import argparse
import collections
import ipaddress
import json
import re
import sys

STATES = ("open", "closed", "filtered")
REASONS = ("syn-ack", "rst", "icmp-unreach", "no-response")
REQUIRED_KEYS = ("ip", "port", "proto", "state", "reason", "ttl", "ts")
TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$")
MAX_SHOWN = 20


class UsageError(Exception):
    pass


def parse_ports(text):
    ports = set()
    for token in text.split(","):
        token = token.strip()
        if not token:
            continue
        lo, sep, hi = token.partition("-")
        try:
            first, last = int(lo), int(hi) if sep else int(lo)
        except ValueError as exc:
            raise UsageError(f"bad port token '{token}'") from exc
        if not 0 <= first <= last <= 65535:
            raise UsageError(f"bad port token '{token}'")
        ports.update(range(first, last + 1))
    if not ports:
        raise UsageError("empty port list")
    return sorted(ports)


def parse_targets(specs):
    """Returns the sorted, de-duplicated target addresses as ints."""
    addresses = set()
    for spec in specs:
        for token in spec.split(","):
            token = token.strip()
            if not token:
                continue
            try:
                if "-" in token:
                    lo, hi = (int(ipaddress.IPv4Address(x)) for x in token.split("-", 1))
                    if lo > hi:
                        raise ValueError("empty range")
                    addresses.update(range(lo, hi + 1))
                else:
                    net = ipaddress.IPv4Network(token, strict=False)
                    addresses.update(range(int(net.network_address), int(net.broadcast_address) + 1))
            except ValueError as exc:
                raise UsageError(f"bad target '{token}': {exc}") from exc
    if not addresses:
        raise UsageError("no targets")
    return sorted(addresses)


class Truth:
    """The lab's rules (see scripts/lab.sh), evaluated per probe."""

    def __init__(self, doc):
        self.block = ipaddress.IPv4Network(doc["block"])
        self.drop_blocks = [ipaddress.IPv4Network(b) for b in doc.get("drop_blocks", [])]
        self.open_ports = set(doc["open_ports"])
        self.drop_ports = set(doc.get("drop_ports", []))
        self.reject_ports = set(doc.get("reject_ports", []))

    def covers(self, ip):
        return ipaddress.IPv4Address(ip) in self.block

    def in_drop_block(self, ip):
        address = ipaddress.IPv4Address(ip)
        return any(address in b for b in self.drop_blocks)

    def port_rule(self, port):
        if port in self.open_ports:
            return ("open", "syn-ack")
        if port in self.drop_ports:
            return ("filtered", "no-response")
        if port in self.reject_ports:
            return ("filtered", "icmp-unreach")
        return ("closed", "rst")

    def expect(self, ip, port):
        if self.in_drop_block(ip):
            return ("filtered", "no-response")
        return self.port_rule(port)


def fmt_probe(ip, port):
    return f"{ipaddress.IPv4Address(ip)}:{port}"


def validate_line(number, text):
    """Returns (record, None) for a well formed result line, (None, problem) otherwise."""
    try:
        rec = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"line {number}: not JSON ({exc.msg}): {text[:80]!r}"
    if not isinstance(rec, dict):
        return None, f"line {number}: not a JSON object: {text[:80]!r}"
    missing = [k for k in REQUIRED_KEYS if k not in rec]
    if missing:
        return None, f"line {number}: missing keys {','.join(missing)}: {text[:80]!r}"
    try:
        ip = int(ipaddress.IPv4Address(rec["ip"]))
    except (ValueError, TypeError):
        return None, f"line {number}: bad ip {rec['ip']!r}"
    problems = []
    port = rec["port"]
    if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
        problems.append(f"bad port {port!r}")
    if rec["proto"] != "tcp":
        problems.append(f"proto {rec['proto']!r} is not 'tcp'")
    if rec["state"] not in STATES:
        problems.append(f"unknown state {rec['state']!r}")
    if rec["reason"] not in REASONS:
        problems.append(f"unknown reason {rec['reason']!r}")
    ttl = rec["ttl"]
    if ttl is not None and (not isinstance(ttl, int) or isinstance(ttl, bool) or not 0 <= ttl <= 255):
        problems.append(f"bad ttl {ttl!r}")
    if not isinstance(rec["ts"], str) or not TS_RE.match(rec["ts"]):
        problems.append(f"bad ts {rec['ts']!r}")
    if problems:
        return None, f"line {number}: " + "; ".join(problems)
    return (ip, port, rec["state"], rec["reason"]), None


def check(truth, targets, ports, show, lines):
    """Returns (mismatches, summary lines)."""
    mismatches = []
    target_set, port_set = set(targets), set(ports)
    for ip in (targets[0], targets[-1]):
        if not truth.covers(ip):
            raise UsageError(f"target {ipaddress.IPv4Address(ip)} is outside the lab block {truth.block}")

    seen = {}
    reported = collections.Counter()
    for number, text in enumerate(lines, 1):
        text = text.strip()
        if not text:
            continue
        rec, problem = validate_line(number, text)
        if problem:
            mismatches.append(f"BAD LINE    {problem}")
            continue
        ip, port, state, reason = rec
        reported[state] += 1
        probe = fmt_probe(ip, port)
        if ip not in target_set or port not in port_set:
            mismatches.append(f"UNEXPECTED  {probe} reported {state}/{reason} but was never a probe")
            continue
        if (ip, port) in seen:
            mismatches.append(f"DUPLICATE   {probe} reported again (lines {seen[(ip, port)]} and {number})")
            continue
        seen[(ip, port)] = number
        want_state, want_reason = truth.expect(ip, port)
        if state not in show:
            mismatches.append(f"NOT SHOWN   {probe} reported {state}/{reason}; only {','.join(show)} asked")
        elif (state, reason) != (want_state, want_reason):
            kind = "FALSE POS " if state == "open" else "WRONG     "
            mismatches.append(f"{kind}  {probe} got {state}/{reason}, truth says {want_state}/{want_reason}")

    expected = collections.Counter()
    port_rules = [(port, truth.port_rule(port)) for port in ports]
    for ip in targets:
        if truth.in_drop_block(ip):
            rules = [(port, ("filtered", "no-response")) for port in ports]
        else:
            rules = port_rules
        for port, (state, reason) in rules:
            expected[state] += 1
            if state in show and (ip, port) not in seen:
                mismatches.append(f"MISSING     {fmt_probe(ip, port)} not reported, truth says {state}/{reason}")

    total = len(targets) * len(ports)
    summary = [
        f"probes: {total} ({len(targets)} addresses x {len(ports)} ports), shown states: {','.join(show)}",
        "expected: " + ", ".join(f"{s} {expected[s]}" for s in STATES),
        "reported: " + ", ".join(f"{s} {reported[s]}" for s in STATES),
    ]
    return mismatches, summary


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--truth", required=True, help="truth.json written by scripts/lab.sh up")
    parser.add_argument("--targets", required=True, nargs="+", help="scanned addresses / CIDRs / ranges")
    parser.add_argument("--ports", required=True, help="scanned ports, e.g. 22,80,1000-1010")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--show", default="open", help="states the scan reported (default: open)")
    group.add_argument("--all", action="store_true", help="same as --show open,closed,filtered")
    parser.add_argument("result", help="NDJSON result file, '-' for stdin")
    args = parser.parse_args(argv)

    try:
        with open(args.truth, encoding="utf-8") as f:
            truth = Truth(json.load(f))
        show = list(STATES) if args.all else [s.strip() for s in args.show.split(",") if s.strip()]
        unknown = [s for s in show if s not in STATES]
        if unknown or not show:
            raise UsageError(f"bad --show '{args.show}'")
        ports = parse_ports(args.ports)
        targets = parse_targets(args.targets)
        if args.result == "-":
            lines = sys.stdin.read().splitlines()
        else:
            with open(args.result, encoding="utf-8", errors="replace") as f:
                lines = f.read().splitlines()
        mismatches, summary = check(truth, targets, ports, show, lines)
    except (UsageError, OSError, KeyError, ValueError) as exc:
        print(f"check_truth: error: {exc}", file=sys.stderr)
        return 2

    for line in summary:
        print(f"check_truth: {line}")
    if not mismatches:
        print("check_truth: OK, every reported result matches the truth")
        return 0
    print(f"check_truth: {len(mismatches)} mismatch(es); first {min(len(mismatches), MAX_SHOWN)}:")
    for line in mismatches[:MAX_SHOWN]:
        print(f"  {line}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
