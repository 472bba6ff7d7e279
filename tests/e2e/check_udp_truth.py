#!/usr/bin/env python3
"""Checks a synscan NDJSON result file of a UDP, ICMP echo (and TCP) scan against a UDP lab's ground truth
(scripts/lab.sh up --udp; truth.json's "udp" and "echo", documented in scripts/lab.sh and scripts/lab_udp.sh).

THE RECORD CONTRACT (a proposal for synscan's writers; one JSON object a line, one line a result; the keys of
today's TCP records, engine/output/json_writers.cpp, with "proto" telling the probe type):

  UDP   {"ip": "198.19.0.5", "port": 53, "proto": "udp", "state": S, "reason": R, ["icmp_type": T,]
         ["icmp_code": C,] "ttl": N | null, "ts": ISO 8601 [, "service": NAME | {"name": NAME, ...}]
         [, "answer": {...}]}
        S / R, as nmap names the states:
          open           udp-response   a UDP datagram from ip:port to the probe's source port
          closed         port-unreach   ICMP type 3 code 3 / ICMPv6 type 1 code 4 quoting the probe
          filtered       icmp-unreach   another ICMP destination unreachable quoting the probe; icmp_code is its
                                        code (the lab's reject: IPv4 13, IPv6 1, admin-prohibited)
          open|filtered  no-response    nothing, after the retries
        "service": the port's UDP service name (/etc/services, nmap-services): domain, ntp, snmp.
        "answer" (optional): what the service's answer says: {"rcode": N, "version_bind": TEXT} for DNS (when the
          probe asked version.bind CH TXT), {"stratum": N} for NTP, {"sysdescr": TEXT} for SNMP; a key absent is
          not checked. "window" may be absent or 0.
        synscan's real records carry no "answer" but "banner" (the answer's summary, text) and "service":
          {"name", "product", "version", "method"}; with no "answer" and a "banner" present, --answers check/require
          check the banner (with service product/version) names the truth's facts: dnsmasq's version, NTP's
          "stratum N", SNMP's sysDescr (banner_problems).
  ICMP echo (no "port" key: a probe of the address alone)
        {"ip": "198.19.0.5", "proto": "icmp", "state": "up" | "down", "reason": "echo-reply" | "no-response",
         "ttl": N | null, "ts": ISO 8601}
  TCP   today's records ("proto": "tcp"), checked against the lab's TCP rules as tests/e2e/check_truth.py does.

Usage:
  check_udp_truth.py --truth TRUTH.json --targets SPEC [SPEC...] [--udp-ports PORTS] [--tcp-ports PORTS] [--echo]
                     [--show STATES] [--exact STATES] [--service MODE] [--answers MODE] [--summary-json FILE]
                     RESULT

  SPEC      addresses, CIDR blocks, ranges A-B, both families (as check_truth.py)
  PORTS     "53,123,161,7777-7779"; the UDP probes are targets x --udp-ports, the TCP ones targets x --tcp-ports,
            the echo probes (--echo) the targets alone
  STATES    comma separated, of: open closed filtered open|filtered up down. --show: the states the scan was asked
            to report (default: all); a probe whose true state is shown must be reported, one whose true state is
            not shown must not be. --exact (default: the shown ones): true states whose probes must be reported
            with exactly that state; a probe whose true state is shown but not exact may be missing or reported
            with another state (counted as "tolerated": e.g. --exact open,open|filtered under a per-host ICMP
            limit, which turns some closed ports silent). A false positive (open or up reported for a probe
            that is neither) is never tolerated.
  MODE      --service: require (every open UDP record names its service, the truth's), check (default: a name,
            when given, is the truth's), ignore. --answers: the same for "answer" (default check).
  RESULT    NDJSON file ('-' for stdin)

Prints a summary per protocol and true state (expected, exact, tolerated, wrong, missing), the first 20
mismatches, and exits 0 when all hold, 1 on any mismatch, 2 on usage errors. --summary-json writes the counts
as one JSON object (scripts/bench-udp.sh reads it).
"""

import argparse
import collections
import ipaddress
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_truth  # noqa: E402  (parse_ports, parse_targets, the TCP rules)

UDP_STATES = ("open", "closed", "filtered", "open|filtered")
ECHO_STATES = ("up", "down")
TCP_STATES = check_truth.STATES
ALL_STATES = ("open", "closed", "filtered", "open|filtered", "up", "down")
REASONS = {
    "udp": {"open": "udp-response", "closed": "port-unreach", "filtered": "icmp-unreach",
            "open|filtered": "no-response"},
    "icmp": {"up": "echo-reply", "down": "no-response"},
}
POSITIVE = {"open", "up"}
MAX_SHOWN = 20


class UsageError(Exception):
    pass


class UdpTruth:
    """The UDP and echo rules of truth.json, per family, and the TCP rules (check_truth.Truth)."""

    def __init__(self, doc):
        if "udp" not in doc or "echo" not in doc:
            raise UsageError("truth has no \"udp\"/\"echo\" part: not a UDP lab (lab.sh up --udp)")
        self.tcp = check_truth.Truth(doc)
        udp = doc["udp"]
        self.open_ports = set(udp["open_ports"])
        self.drop_ports = set(udp.get("drop_ports", []))
        self.reject_ports = set(udp.get("reject_ports", []))
        self.services = {int(p): s for p, s in udp.get("services", {}).items()}
        self.reject_code = {4: udp["reject_icmp"]["ipv4"]["code"]}
        self.unreach_code = {4: udp["port_unreach_icmp"]["ipv4"]["code"]}
        if "ipv6" in udp["reject_icmp"]:
            self.reject_code[6] = udp["reject_icmp"]["ipv6"]["code"]
            self.unreach_code[6] = udp["port_unreach_icmp"]["ipv6"]["code"]
        dead = doc["echo"]["dead_blocks"]
        self.dead_blocks = {4: [ipaddress.ip_network(b) for b in dead.get("ipv4", [])],
                            6: [ipaddress.ip_network(b) for b in dead.get("ipv6", [])]}

    def expect_udp(self, ip, port):
        if self.tcp.in_drop_block(ip):
            return "open|filtered"
        if port in self.open_ports:
            return "open"
        if port in self.drop_ports:
            return "open|filtered"
        if port in self.reject_ports:
            return "filtered"
        return "closed"

    def expect_echo(self, ip):
        return "down" if any(ip in b for b in self.dead_blocks.get(ip.version, [])) else "up"

    def expect_tcp(self, ip, port):
        return self.tcp.expect(ip, port)[0]


def is_int(value, lo, hi):
    return isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi


def parse_record(number, text):
    """Returns ((proto, ip, port or None, state, rec), None) for a well formed line, (None, problem) otherwise."""
    try:
        rec = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"line {number}: not JSON ({exc.msg}): {text[:80]!r}"
    if not isinstance(rec, dict):
        return None, f"line {number}: not a JSON object: {text[:80]!r}"
    proto = rec.get("proto")
    if proto not in ("udp", "tcp", "icmp"):
        return None, f"line {number}: proto {proto!r} is not udp, tcp or icmp"
    required = ["ip", "state", "reason", "ts"] + ([] if proto == "icmp" else ["port"])
    missing = [k for k in required if k not in rec]
    if missing:
        return None, f"line {number}: missing keys {','.join(missing)}: {text[:80]!r}"
    problems = []
    try:
        ip = ipaddress.ip_address(rec["ip"])
        if str(ip) != rec["ip"]:
            problems.append(f"ip {rec['ip']!r} is not in canonical form ({str(ip)!r}, RFC 5952)")
    except (ValueError, TypeError):
        return None, f"line {number}: bad ip {rec['ip']!r}"
    port = rec.get("port")
    if proto == "icmp":
        if "port" in rec:
            problems.append("an icmp echo record has a \"port\"")
    elif not is_int(port, 0, 65535):
        problems.append(f"bad port {port!r}")
    states = {"udp": UDP_STATES, "icmp": ECHO_STATES, "tcp": TCP_STATES}[proto]
    if rec["state"] not in states:
        problems.append(f"state {rec['state']!r} is not one of {', '.join(states)} ({proto})")
    elif proto in REASONS and rec["reason"] != REASONS[proto][rec["state"]]:
        problems.append(f"reason {rec['reason']!r} for {proto} {rec['state']} (want {REASONS[proto][rec['state']]})")
    if "ttl" in rec and rec["ttl"] is not None and not is_int(rec["ttl"], 0, 255):
        problems.append(f"bad ttl {rec['ttl']!r}")
    for key in ("icmp_code", "icmp_type"):
        if key in rec and not is_int(rec[key], 0, 255):
            problems.append(f"bad {key} {rec[key]!r}")
    if not isinstance(rec["ts"], str) or not check_truth.TS_RE.match(rec["ts"]):
        problems.append(f"bad ts {rec['ts']!r}")
    if problems:
        return None, f"line {number}: " + "; ".join(problems)
    return (proto, ip, port if proto != "icmp" else None, rec["state"], rec), None


def fmt_probe(proto, ip, port):
    if proto == "icmp":
        return f"icmp {ip}"
    return f"{proto} {check_truth.fmt_probe(ip, port)}"


def service_problems(truth, ip, port, rec, service_mode, answers_mode):
    """Mismatches of an open UDP record's service name and answer against the truth (a list of strings)."""
    problems = []
    want = truth.services.get(port)
    if want is None:
        return problems
    where = fmt_probe("udp", ip, port)
    service = rec.get("service")
    name = service.get("name") if isinstance(service, dict) else service
    if service_mode != "ignore":
        if name is None:
            if service_mode == "require":
                problems.append(f"NO SERVICE  {where} open without a service name (truth: {want['name']})")
        elif name != want["name"]:
            problems.append(f"SERVICE     {where} service {name!r}, truth says {want['name']!r}")
    answer = rec.get("answer")
    if answers_mode != "ignore" and answer is None and "banner" in rec:
        problems.extend(banner_problems(want, where, rec))
    elif answers_mode != "ignore":
        if answer is None:
            if answers_mode == "require":
                problems.append(f"NO ANSWER   {where} open without an \"answer\" object")
        elif not isinstance(answer, dict):
            problems.append(f"ANSWER      {where} \"answer\" is not an object")
        else:
            checks = {"version_bind": want.get("version_bind"), "stratum": want.get("stratum"),
                      "sysdescr": want.get("sysdescr")}
            for key, value in checks.items():
                if key in answer and value is not None and answer[key] != value:
                    problems.append(f"ANSWER      {where} {key} {answer[key]!r}, truth says {value!r}")
    return problems


def banner_problems(want, where, rec):
    """Mismatches of synscan's real answer summary ("banner": text, "service": {"name", "product", "version"})
    against the truth: DNS names the product and version (dnsmasq, as version.bind says), NTP the stratum,
    SNMP the sysDescr. A list of strings."""
    problems = []
    banner = rec.get("banner")
    service = rec.get("service") if isinstance(rec.get("service"), dict) else {}
    if not isinstance(banner, str):
        return [f"NO ANSWER   {where} \"banner\" is not text"]
    # DNS's answer summary may be empty: dnsmasq's product and version are in "service" (version.bind).
    text = banner + " " + str(service.get("product", "")) + " " + str(service.get("version", ""))
    facts = []
    if want.get("version_bind"):
        facts.append(want["version_bind"].split("-", 1)[-1])  # the version; the product is in it or in service
        if want.get("product"):
            facts.append(want["product"])
    if want.get("stratum") is not None:
        facts.append(f"stratum {want['stratum']}")
    if want.get("sysdescr"):
        facts.append(want["sysdescr"])
    for fact in facts:
        if fact not in text:
            problems.append(f"ANSWER      {where} banner {banner!r} does not say {fact!r}")
    return problems


def expected_probes(truth, targets, udp_ports, tcp_ports, echo):
    """Yields (proto, ip, port or None, true state) for every probe of the scan."""
    for ip in targets:
        for port in udp_ports:
            yield "udp", ip, port, truth.expect_udp(ip, port)
        for port in tcp_ports:
            yield "tcp", ip, port, truth.expect_tcp(ip, port)
        if echo:
            yield "icmp", ip, None, truth.expect_echo(ip)


def check(truth, targets, udp_ports, tcp_ports, echo, show, exact, service_mode, answers_mode, lines):
    """Returns (mismatches, counts): counts[proto][true state] = Counter of expected/exact/tolerated/wrong/missing,
    plus counts["false_positives"]."""
    mismatches = []
    for ip in targets:
        if not truth.tcp.covers(ip):
            raise UsageError(f"target {ip} is outside the lab's blocks (or the lab has no IPv{ip.version})")
    expected = {(proto, ip, port): state
                for proto, ip, port, state in expected_probes(truth, targets, udp_ports, tcp_ports, echo)}
    seen = {}
    counts = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
    false_positives = 0
    for number, text in enumerate(lines, 1):
        text = text.strip()
        if not text:
            continue
        parsed, problem = parse_record(number, text)
        if problem:
            mismatches.append(f"BAD LINE    {problem}")
            continue
        proto, ip, port, state, rec = parsed
        key = (proto, ip, port)
        where = fmt_probe(proto, ip, port)
        if key not in expected:
            mismatches.append(f"UNEXPECTED  {where} reported {state} but was never a probe")
            if state in POSITIVE:
                false_positives += 1
            continue
        if key in seen:
            mismatches.append(f"DUPLICATE   {where} reported again (lines {seen[key]} and {number})")
            continue
        seen[key] = number
        want = expected[key]
        tally = counts[proto][want]
        if state not in show:
            mismatches.append(f"NOT SHOWN   {where} reported {state}; only {','.join(show)} asked")
            tally["wrong"] += 1
            continue
        if state == want:
            tally["exact"] += 1
            if proto == "tcp":
                _, want_reason = truth.tcp.expect(ip, port)
                if rec["reason"] != want_reason:
                    mismatches.append(f"WRONG       {where} reason {rec['reason']}, truth says {want_reason}")
            if proto == "udp" and state == "open":
                mismatches.extend(service_problems(truth, ip, port, rec, service_mode, answers_mode))
            if proto == "udp" and "icmp_code" in rec and state in ("closed", "filtered"):
                table = truth.unreach_code if state == "closed" else truth.reject_code
                want_code = table.get(ip.version)
                if want_code is not None and rec["icmp_code"] != want_code:
                    mismatches.append(f"WRONG       {where} icmp_code {rec['icmp_code']}, truth says {want_code}")
            continue
        if state in POSITIVE:
            false_positives += 1
            tally["wrong"] += 1
            mismatches.append(f"FALSE POS   {where} reported {state}, truth says {want}")
        elif want in exact:
            tally["wrong"] += 1
            mismatches.append(f"WRONG       {where} reported {state}, truth says {want}")
        else:
            tally["tolerated"] += 1
    for key, want in expected.items():
        counts[key[0]][want]["expected"] += 1
        if key in seen or want not in show:
            continue
        counts[key[0]][want]["missing"] += 1
        if want in exact:
            mismatches.append(f"MISSING     {fmt_probe(*key)} not reported, truth says {want}")
        elif want in POSITIVE:
            mismatches.append(f"MISSING     {fmt_probe(*key)} not reported, truth says {want} (never tolerated)")
    result = {proto: {state: dict(c) for state, c in by_state.items()} for proto, by_state in counts.items()}
    result["false_positives"] = false_positives
    return mismatches, result


def parse_states(text, option):
    states = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in states if s not in ALL_STATES]
    if unknown or not states:
        raise UsageError(f"bad {option} '{text}' (states: {', '.join(ALL_STATES)})")
    return states


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--truth", required=True, help="truth.json of a UDP lab (lab.sh up --udp)")
    parser.add_argument("--targets", required=True, nargs="+", help="scanned addresses / CIDRs / ranges")
    parser.add_argument("--udp-ports", default="", help="scanned UDP ports, e.g. 53,123,161,7777-7779")
    parser.add_argument("--tcp-ports", default="", help="scanned TCP ports")
    parser.add_argument("--echo", action="store_true", help="the scan sent ICMP echo requests to every target")
    parser.add_argument("--show", default=",".join(ALL_STATES), help="states the scan reported (default: all)")
    parser.add_argument("--exact", default=None, help="true states that must be reported exactly (default: --show)")
    parser.add_argument("--service", choices=("require", "check", "ignore"), default="check")
    parser.add_argument("--answers", choices=("require", "check", "ignore"), default="check")
    parser.add_argument("--summary-json", help="also write the counts as JSON to this file")
    parser.add_argument("result", help="NDJSON result file, '-' for stdin")
    args = parser.parse_args(argv)

    try:
        with open(args.truth, encoding="utf-8") as f:
            truth = UdpTruth(json.load(f))
        show = parse_states(args.show, "--show")
        exact = parse_states(args.exact, "--exact") if args.exact is not None else show
        udp_ports = check_truth.parse_ports(args.udp_ports) if args.udp_ports else []
        tcp_ports = check_truth.parse_ports(args.tcp_ports) if args.tcp_ports else []
        if not udp_ports and not tcp_ports and not args.echo:
            raise UsageError("nothing scanned: give --udp-ports, --tcp-ports or --echo")
        targets = check_truth.parse_targets(args.targets)
        if args.result == "-":
            lines = sys.stdin.read().splitlines()
        else:
            with open(args.result, encoding="utf-8", errors="replace") as f:
                lines = f.read().splitlines()
        mismatches, counts = check(truth, targets, udp_ports, tcp_ports, args.echo, show, exact, args.service,
                                   args.answers, lines)
    except (UsageError, check_truth.UsageError, OSError, KeyError, ValueError) as exc:
        print(f"check_udp_truth: error: {exc}", file=sys.stderr)
        return 2

    for proto in ("udp", "tcp", "icmp"):
        for state, c in sorted(counts.get(proto, {}).items()):
            print(f"check_udp_truth: {proto} {state}: expected {c.get('expected', 0)}, exact {c.get('exact', 0)}, "
                  f"tolerated {c.get('tolerated', 0)}, wrong {c.get('wrong', 0)}, missing {c.get('missing', 0)}")
    print(f"check_udp_truth: false positives {counts['false_positives']}")
    if args.summary_json:
        with open(args.summary_json, "w", encoding="utf-8") as f:
            json.dump(counts, f)
    if not mismatches:
        print("check_udp_truth: OK, every reported result matches the truth")
        return 0
    print(f"check_udp_truth: {len(mismatches)} mismatch(es); first {min(len(mismatches), MAX_SHOWN)}:")
    for line in mismatches[:MAX_SHOWN]:
        print(f"  {line}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
