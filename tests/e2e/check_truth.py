#!/usr/bin/env python3
"""Checks a synscan NDJSON result file against the lab's ground truth (scripts/lab.sh truth NAME).

Usage:
  check_truth.py --truth TRUTH.json --targets SPEC [SPEC...] --ports PORTS [--show STATES | --all] RESULT

  SPEC    an IPv4 or IPv6 address, a CIDR block or an address range A-B (both ends of one family); commas
          also separate specs; IPv4 and IPv6 specs may be mixed. At most 2^24 addresses in all (they are
          enumerated): an IPv6 scan takes a slice of the lab's /64, e.g. 2001:2:0:1::/120
  PORTS   "22,80,1000-1010"
  STATES  the states the scan was asked to show (default "open"); --all = "open,closed,filtered"
  RESULT  NDJSON file ('-' for stdin)

The expected state and reason of every probe (target address x port) come from the truth rules, first match wins:
address in a drop block -> filtered/no-response; open port -> open/syn-ack; drop port -> filtered/no-response;
reject port -> filtered/icmp-unreach; otherwise closed/rst. The rules and ports hold for both families; the
blocks and the reject's ICMP code are the family's own (the truth's top level for IPv4, its "ipv6" object for
IPv6).

Checks: every line parses and has the keys ip, port, proto, state, reason, ttl, ts with sane values; ip is in
canonical form (IPv6 as RFC 5952 and Python's ipaddress write it: compressed, lower case, e.g.
2001:2:0:1::5); an icmp_code, when present on an icmp-unreach result, is the code of the lab's reject in the
address's family (IPv4 1, host unreachable; ICMPv6 3, address unreachable); every
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


MAX_ADDRESSES = 1 << 24


def address_key(ip):
    """Sort key of an address object: IPv4 before IPv6, then numeric."""
    return (ip.version, int(ip))


def parse_targets(specs):
    """Returns the de-duplicated target addresses (ipaddress.IPv4Address / IPv6Address), IPv4 first, each
    family in numeric order."""
    addresses = set()
    for spec in specs:
        for token in spec.split(","):
            token = token.strip()
            if not token:
                continue
            try:
                if "-" in token:
                    lo, hi = (ipaddress.ip_address(x.strip()) for x in token.split("-", 1))
                    if lo.version != hi.version:
                        raise ValueError("range ends of different families")
                    if lo > hi:
                        raise ValueError("empty range")
                    first, count = lo, int(hi) - int(lo) + 1
                else:
                    net = ipaddress.ip_network(token, strict=False)
                    first, count = net.network_address, net.num_addresses
            except ValueError as exc:
                raise UsageError(f"bad target '{token}': {exc}") from exc
            if len(addresses) + count > MAX_ADDRESSES:
                raise UsageError(f"more than {MAX_ADDRESSES} target addresses (at '{token}'): take a slice")
            addresses.update(first + i for i in range(count))
    if not addresses:
        raise UsageError("no targets")
    return sorted(addresses, key=address_key)


def as_address(ip):
    """An address object from an address object, its text, or an int (an int is IPv4, as this module once
    took only IPv4 as ints)."""
    if isinstance(ip, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return ip
    if isinstance(ip, int):
        return ipaddress.IPv4Address(ip)
    return ipaddress.ip_address(ip)


class FamilyTruth:
    """One family's part of the truth: its block, drop blocks and the reject's ICMP code (None: not given)."""

    def __init__(self, doc, version):
        self.block = ipaddress.ip_network(doc["block"])
        self.drop_blocks = [ipaddress.ip_network(b) for b in doc.get("drop_blocks", [])]
        self.reject_icmp_code = doc.get("reject_icmp", {}).get("code")
        if self.block.version != version or any(b.version != version for b in self.drop_blocks):
            raise ValueError(f"truth: IPv{version} part holds a block of the other family")


class Truth:
    """The lab's rules (see scripts/lab.sh), evaluated per probe. Addresses are ipaddress objects (ints are
    taken as IPv4)."""

    def __init__(self, doc):
        self.families = {4: FamilyTruth(doc, 4)}
        if "ipv6" in doc:
            self.families[6] = FamilyTruth(doc["ipv6"], 6)
        self.open_ports = set(doc["open_ports"])
        self.drop_ports = set(doc.get("drop_ports", []))
        self.reject_ports = set(doc.get("reject_ports", []))

    @property
    def block(self):
        """The IPv4 block (what this attribute always was)."""
        return self.families[4].block

    def family(self, ip):
        """The FamilyTruth of ip's family, None when the lab has none (an IPv6 address, an IPv4-only lab)."""
        return self.families.get(as_address(ip).version)

    def covers(self, ip):
        address = as_address(ip)
        part = self.families.get(address.version)
        return part is not None and address in part.block

    def in_drop_block(self, ip):
        address = as_address(ip)
        part = self.families.get(address.version)
        return part is not None and any(address in b for b in part.drop_blocks)

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
    address = as_address(ip)
    return f"[{address}]:{port}" if address.version == 6 else f"{address}:{port}"


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
        ip = ipaddress.ip_address(rec["ip"])
    except (ValueError, TypeError):
        return None, f"line {number}: bad ip {rec['ip']!r}"
    problems = []
    if str(ip) != rec["ip"]:
        problems.append(f"ip {rec['ip']!r} is not in canonical form ({str(ip)!r}, RFC 5952)")
    icmp_code = rec.get("icmp_code")
    if icmp_code is not None and (not isinstance(icmp_code, int) or isinstance(icmp_code, bool)
                                  or not 0 <= icmp_code <= 255):
        problems.append(f"bad icmp_code {icmp_code!r}")
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
    return (ip, port, rec["state"], rec["reason"], icmp_code), None


def check(truth, targets, ports, show, lines):
    """Returns (mismatches, summary lines)."""
    mismatches = []
    target_set, port_set = set(targets), set(ports)
    by_family = collections.defaultdict(list)
    for ip in targets:
        by_family[ip.version].append(ip)
    for version, family_targets in sorted(by_family.items()):
        part = truth.families.get(version)
        if part is None:
            raise UsageError(f"IPv{version} targets, but the truth has no IPv{version} part (lab without it?)")
        for ip in (family_targets[0], family_targets[-1]):  # sorted, and a block is one interval
            if not truth.covers(ip):
                raise UsageError(f"target {ip} is outside the lab block {part.block}")

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
        ip, port, state, reason, icmp_code = rec
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
        elif icmp_code is not None and reason == "icmp-unreach":
            want_code = truth.family(ip).reject_icmp_code
            if want_code is not None and icmp_code != want_code:
                mismatches.append(f"WRONG       {probe} got icmp_code {icmp_code}, truth says {want_code}")

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
    if 6 in by_family:  # IPv4-only checks print what they always printed (scripts/soak.sh reads it)
        summary.insert(1, "addresses by family: " + ", ".join(f"IPv{v} {len(a)}" for v, a in sorted(by_family.items())))
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
