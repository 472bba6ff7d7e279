#!/usr/bin/env python3
"""Checks synscan --banners results against a services lab's truth (scripts/lab.sh up --services).

Usage:
  check_banners.py --truth TRUTH.json --targets SPEC [SPEC...] [--ndjson F] [--json F] [--csv F] [--xml F]
                   [--gnmap F]

  SPEC   the scanned addresses, as in check_truth.py; every port of the truth's "services" was scanned on each

Per address and service port (truth.json "services", documented in scripts/lab_services.sh), in every file given:
  NDJSON, JSON  exactly one open record; banner_status as the truth says; for a service: service.name, a
                product holding the truth's product word, the version; the banner starting with the greeting
                (ftp, ssh); http {status, server, title} as the truth's; inside TLS service.tunnel "ssl" and
                tls {version TLSv1.2/TLSv1.3, subject, issuer, every SAN, not_after}; no tls on a plain port;
                the silent and reset ports: no banner bytes, no service name (tcpwrapped on a reset one, as nmap)
  CSV           the header names the banner columns; per record: service, banner_status, product, version,
                http_status/http_title, tls_subject/tls_sans, banner as in NDJSON
  XML           (validity against nmap.dtd is xmllint's) per service port <service name product version> with
                tunnel="ssl" inside TLS and one <script>: id="ssl-cert" naming the subject and SANs on the TLS
                port, id="banner" elsewhere (the greeting, or the HTTP status line and Server header)
  grepable      each service port as nmap -sV writes it: PORT/open/tcp//NAME//PRODUCT VERSION/ (ssl|http
                inside TLS)
Prints the first 20 mismatches and a summary; exits 0 when all hold, 1 on any mismatch, 2 on usage errors.
"""

import argparse
import csv
import ipaddress
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_truth import parse_targets  # noqa: E402

MAX_SHOWN = 20
TLS_VERSIONS = ("TLSv1.2", "TLSv1.3")


class Checker:
    def __init__(self, services, targets):
        self.services = {int(p): s for p, s in services.items()}
        self.targets = targets
        self.problems = []
        self.checked = 0

    def expect(self, cond, where, what):
        self.checked += 1
        if not cond:
            self.problems.append(f"{where}: {what}")
        return cond

    def probes(self):
        for ip in self.targets:
            for port, want in sorted(self.services.items()):
                yield ip, port, want

    # ---- NDJSON / JSON: the same records ------------------------------------------------------------------
    def records(self, kind, records):
        by_key = {}
        for rec in records:
            if rec.get("state") != "open":
                continue
            key = (ipaddress.ip_address(rec["ip"]), rec["port"])
            self.expect(key not in by_key, f"{kind} {key[0]}:{key[1]}", "reported twice")
            by_key[key] = rec
        for ip, port, want in self.probes():
            where = f"{kind} {ip}:{port}"
            rec = by_key.get((ip, port))
            if not self.expect(rec is not None, where, "no open record"):
                continue
            self.record(where, rec, want)

    def record(self, where, rec, want):
        status = rec.get("banner_status")
        self.expect(status == want["banner_status"], where, f"banner_status {status!r}, want {want['banner_status']!r}")
        service = rec.get("service") or {}
        banner = rec.get("banner", "")
        if want["banner_status"] != "ok":
            # nmap's word for a port that accepts and then closes or resets without a byte: tcpwrapped.
            name = "tcpwrapped" if want["banner_status"] in ("reset", "closed") else None
            self.expect(service.get("name") == name, where, f"service name {service.get('name')!r} on a "
                        f"{want['banner_status']} port, want {name!r}")
            self.expect(banner == "", where, f"banner bytes {banner[:40]!r} on a {want['banner_status']} port")
            return
        self.expect(service.get("name") == want["name"], where, f"service name {service.get('name')!r}, want "
                    f"{want['name']!r}")
        self.expect(want["product"].lower() in service.get("product", "").lower(), where,
                    f"product {service.get('product')!r} does not name {want['product']!r}")
        self.expect(service.get("version") == want["version"], where,
                    f"version {service.get('version')!r}, want {want['version']!r}")
        self.expect(isinstance(banner, str) and banner, where, "no banner")
        if "banner_starts" in want:
            self.expect(banner.startswith(want["banner_starts"]), where,
                        f"banner {banner[:40]!r} does not start with {want['banner_starts']!r}")
        if "http" in want:
            http = rec.get("http") or {}
            for k in ("status", "server", "title"):
                self.expect(http.get(k) == want["http"][k], where, f"http.{k} {http.get(k)!r}, want "
                            f"{want['http'][k]!r}")
            self.expect(banner.startswith("HTTP/1.1 200"), where, f"banner {banner[:40]!r} is not the answer")
        tls = rec.get("tls")
        if want.get("tunnel") == "ssl":
            self.expect(service.get("tunnel") == "ssl", where, f"service.tunnel {service.get('tunnel')!r}, "
                        "want 'ssl'")
            if self.expect(isinstance(tls, dict), where, "no tls object"):
                wt = want["tls"]
                self.expect(tls.get("version") in TLS_VERSIONS, where, f"tls.version {tls.get('version')!r}")
                for k in ("subject", "issuer", "not_after"):
                    self.expect(tls.get(k) == wt[k], where, f"tls.{k} {tls.get(k)!r}, want {wt[k]!r}")
                self.expect(set(wt["sans"]) <= set(tls.get("sans") or []), where,
                            f"tls.sans {tls.get('sans')!r} lack some of {wt['sans']!r}")
        else:
            self.expect(tls is None, where, "a tls object on a plain-text port")
            self.expect(not service.get("tunnel"), where, f"service.tunnel {service.get('tunnel')!r} on a "
                        "plain-text port")

    # ---- CSV ----------------------------------------------------------------------------------------------
    def csv_file(self, path):
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
            header = rows and list(rows[0].keys()) or []
        for col in ("service", "banner_status", "product", "version", "http_status", "http_title", "tls_subject",
                    "tls_sans", "banner"):
            self.expect(col in header, "CSV", f"no column {col!r} in {header}")
        by_key = {(ipaddress.ip_address(r["ip"]), int(r["port"])): r for r in rows if r.get("state") == "open"}
        for ip, port, want in self.probes():
            where = f"CSV {ip}:{port}"
            row = by_key.get((ip, port))
            if not self.expect(row is not None, where, "no open row"):
                continue
            self.expect(row.get("banner_status") == want["banner_status"], where,
                        f"banner_status {row.get('banner_status')!r}")
            if want["banner_status"] != "ok":
                continue
            self.expect(row.get("service") == want["name"], where, f"service {row.get('service')!r}")
            self.expect(want["product"].lower() in row.get("product", "").lower(), where,
                        f"product {row.get('product')!r}")
            self.expect(row.get("version") == want["version"], where, f"version {row.get('version')!r}")
            self.expect(bool(row.get("banner")), where, "no banner")
            if "http" in want:
                self.expect(row.get("http_status") == str(want["http"]["status"]), where,
                            f"http_status {row.get('http_status')!r}")
                self.expect(row.get("http_title") == want["http"]["title"], where,
                            f"http_title {row.get('http_title')!r}")
            if "tls" in want:
                self.expect(row.get("tls_subject") == want["tls"]["subject"], where,
                            f"tls_subject {row.get('tls_subject')!r}")
                self.expect(all(s in row.get("tls_sans", "") for s in want["tls"]["sans"]), where,
                            f"tls_sans {row.get('tls_sans')!r}")

    # ---- XML ----------------------------------------------------------------------------------------------
    def xml_file(self, path):
        found = {}
        for host in ET.parse(path).getroot().iter("host"):
            addr = next((a.get("addr") for a in host.iter("address") if a.get("addrtype") in ("ipv4", "ipv6")), None)
            for port in host.iter("port"):
                found[(ipaddress.ip_address(addr), int(port.get("portid")))] = port
        for ip, port, want in self.probes():
            where = f"XML {ip}:{port}"
            elem = found.get((ip, port))
            if not self.expect(elem is not None, where, "no <port>"):
                continue
            if want["banner_status"] != "ok":
                continue
            service = elem.find("service")
            if not self.expect(service is not None, where, "no <service>"):
                continue
            self.expect(service.get("name") == want["name"], where, f"service name {service.get('name')!r}")
            self.expect(want["product"].lower() in (service.get("product") or "").lower(), where,
                        f"product {service.get('product')!r}")
            self.expect(service.get("version") == want["version"], where, f"version {service.get('version')!r}")
            self.expect(service.get("tunnel") == want.get("tunnel"), where, f"tunnel {service.get('tunnel')!r}")
            # One <script> a port (ndiff 7.93 cannot sort two): ssl-cert on a TLS port, banner elsewhere.
            scripts = [(s.get("id"), s.get("output", "")) for s in elem.iter("script")]
            want_id = "ssl-cert" if "tls" in want else "banner"
            if not self.expect(len(scripts) == 1 and scripts[0][0] == want_id, where,
                               f"scripts {[i for i, _ in scripts]}, want one {want_id!r}"):
                continue
            output = scripts[0][1]
            if "tls" in want:
                self.expect(want["tls"]["subject_cn"] in output and all(s in output for s in want["tls"]["sans"]),
                            where, f"ssl-cert script {output!r} lacks the subject or a SAN")
            elif "banner_starts" in want:
                self.expect(output.startswith(want["banner_starts"]), where, f"banner script {output[:40]!r}")
            elif "http" in want:
                self.expect(output.startswith("HTTP/1.1 200") and want["http"]["server"] in output, where,
                            f"banner script {output[:60]!r} is not the HTTP answer")

    # ---- grepable -----------------------------------------------------------------------------------------
    def gnmap_file(self, path):
        found = {}
        line_re = re.compile(r"^Host: (\S+) .*\tPorts: (.*)$")
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = line_re.match(line.rstrip("\n"))
                if not m:
                    continue
                for entry in m.group(2).split(", "):
                    fields = entry.split("/")
                    if len(fields) >= 7:
                        found[(ipaddress.ip_address(m.group(1)), int(fields[0]))] = fields
        for ip, port, want in self.probes():
            where = f"grepable {ip}:{port}"
            fields = found.get((ip, port))
            if not self.expect(fields is not None, where, "no entry"):
                continue
            self.expect(fields[1] == "open", where, f"state {fields[1]!r}")
            if want["banner_status"] != "ok":
                continue
            name = ("ssl|" if want.get("tunnel") == "ssl" else "") + want["name"]
            self.expect(fields[4] == name, where, f"service {fields[4]!r}, want {name!r}")
            self.expect(want["product"].lower() in fields[6].lower() and want["version"] in fields[6], where,
                        f"version field {fields[6]!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--truth", required=True)
    parser.add_argument("--targets", required=True, nargs="+")
    for kind in ("ndjson", "json", "csv", "xml", "gnmap"):
        parser.add_argument(f"--{kind}")
    args = parser.parse_args()
    with open(args.truth, encoding="utf-8") as f:
        services = json.load(f).get("services")
    if not services:
        print(f"check_banners: {args.truth} has no \"services\" (not a services lab)", file=sys.stderr)
        return 2
    checker = Checker(services, parse_targets(args.targets))
    if args.ndjson:
        with open(args.ndjson, encoding="utf-8") as f:
            checker.records("NDJSON", [json.loads(line) for line in f if line.strip()])
    if args.json:
        with open(args.json, encoding="utf-8") as f:
            checker.records("JSON", json.load(f))
    if args.csv:
        checker.csv_file(args.csv)
    if args.xml:
        checker.xml_file(args.xml)
    if args.gnmap:
        checker.gnmap_file(args.gnmap)
    for problem in checker.problems[:MAX_SHOWN]:
        print(f"check_banners: {problem}", file=sys.stderr)
    if checker.problems:
        print(f"check_banners: {len(checker.problems)} of {checker.checked} checks failed", file=sys.stderr)
        return 1
    print(f"check_banners: OK, {checker.checked} checks on {len(checker.targets)} addresses x "
          f"{len(services)} ports", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
