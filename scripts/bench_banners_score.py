#!/usr/bin/env python3
"""Scores one tool's service identification against a services lab's truth, for scripts/bench-banners.sh.

Usage:
  bench_banners_score.py --truth TRUTH.json --targets SPEC [SPEC...] --format ndjson|nmap-xml|masscan-json FILE

  TRUTH.json    truth.json of a services lab (scripts/lab.sh up --services): its "services" object names the
                expected service per port (scripts/lab_services.sh documents the keys)
  SPEC          the scanned addresses, as in tests/e2e/check_truth.py (addresses, CIDR blocks, ranges); every
                port of "services" was scanned on each
  ndjson        synscan --banners --format ndjson: per open port "service" {name, product, version},
                "banner_status" (ok, silent, reset, ...), "tls" when spoken inside TLS
  nmap-xml      nmap -sV -oX: <service name product version tunnel method>; nmap names a port that closes at
                once "tcpwrapped" (a reset), and one it identified by nothing but the port number has
                method="table" (a silent port, or a service it does not know)
  masscan-json  masscan --banners -oJ: records {"ip", "ports": [{"port", "service": {"name", "banner"}}]};
                masscan names the protocol ("ssh", "ftp", "http", "ssl") and keeps the banner's text, so the
                product and version are looked for in that text

Per (address, port) of the truth, the tool's answer is one of: a service (name, tunnel, product, version),
"silent" (open, nothing identified), "reset" (the tool says the connection was reset), or nothing (port missing
from the output). A service port counts as identified when the name and tunnel agree ("https" and "ssl/http"
are http inside TLS) and the product's text holds the truth's product word (case-insensitive); its version
counts when the version's text holds the truth's version. The silent port counts when the tool reports it open
with nothing identified, the reset port when the tool reports the reset as such (nmap: tcpwrapped).

Prints one line of key=value pairs: services=FOUND/TOTAL (services identified), services_pct, versions=FOUND/TOTAL,
silent=FOUND/TOTAL, reset=FOUND/TOTAL, missing=N (truth ports absent from the output), and wrong=IP:PORT=ANSWER
for the first five misses.
"""

import argparse
import ipaddress
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from check_truth import parse_targets  # noqa: E402


def answer(name="", tunnel_ssl=False, product="", version="", status="ok"):
    """One tool's verdict on one port: status "ok" (a service), "silent" or "reset"."""
    return {"name": name, "tunnel_ssl": tunnel_ssl, "product": product, "version": version, "status": status}


def normalise_name(name, tunnel_ssl):
    """("https", False) and ("ssl/http", False) are ("http", True); a trailing "?" (nmap's guess) is dropped."""
    name = (name or "").rstrip("?").lower()
    if name.startswith("ssl/"):
        return name[4:], True
    if name == "https":
        return "http", True
    return name, tunnel_ssl


def read_ndjson(path):
    result = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            if rec.get("state") != "open":
                continue
            service = rec.get("service") or {}
            status = rec.get("banner_status") or "none"
            if status != "ok":
                result[(ipaddress.ip_address(rec["ip"]), rec["port"])] = answer(status=status)
                continue
            result[(ipaddress.ip_address(rec["ip"]), rec["port"])] = answer(
                service.get("name", ""), bool(rec.get("tls")), service.get("product", ""),
                service.get("version", ""))
    return result


def read_nmap_xml(path):
    result = {}
    for host in ET.parse(path).getroot().iter("host"):
        addr = next((a.get("addr") for a in host.iter("address") if a.get("addrtype") in ("ipv4", "ipv6")), None)
        if addr is None:
            continue
        for port in host.iter("port"):
            state = port.find("state")
            if state is None or state.get("state") != "open":
                continue
            service = port.find("service")
            key = (ipaddress.ip_address(addr), int(port.get("portid")))
            if service is None or service.get("method") == "table":
                result[key] = answer(status="silent")
            elif service.get("name") == "tcpwrapped":
                result[key] = answer(status="reset")
            else:
                result[key] = answer(service.get("name", ""), service.get("tunnel") == "ssl",
                                     service.get("product", ""), service.get("version", ""))
    return result


def read_masscan_json(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read().strip()
    if not text:
        return {}
    try:
        records = json.loads(text)
    except json.JSONDecodeError:  # stopped before it closed the array
        records = json.loads(text.rstrip(",\n") + "]")
    result = {}
    for rec in records:
        ip = ipaddress.ip_address(rec["ip"])
        for port in rec.get("ports", []):
            key = (ip, int(port["port"]))
            current = result.setdefault(key, answer(status="silent"))
            service = port.get("service")
            if not service:
                continue
            # masscan writes one record per banner of a port: "ssl" and "X509" for one TLS port, "http",
            # "http.server" and "title" for one HTTP port.
            name = service.get("name", "").split(".")[0]
            banner = service.get("banner", "")
            if name in ("ssl", "X509", "x509"):
                current["tunnel_ssl"] = True
            elif name != "title" and not current["name"]:
                current["name"] = name
            current["product"] += " " + banner
            current["version"] += " " + banner
            current["status"] = "ok"
    return result


READERS = {"ndjson": read_ndjson, "nmap-xml": read_nmap_xml, "masscan-json": read_masscan_json}


def describe(got):
    if got is None:
        return "missing"
    if got["status"] != "ok":
        return got["status"]
    name = ("ssl/" if got["tunnel_ssl"] else "") + (got["name"] or "?")
    return re.sub(r"\s+", "_", f"{name}({got['product'].strip()[:24]})")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--truth", required=True)
    parser.add_argument("--targets", required=True, nargs="+")
    parser.add_argument("--format", required=True, choices=sorted(READERS))
    parser.add_argument("file")
    args = parser.parse_args()

    with open(args.truth, encoding="utf-8") as f:
        services = json.load(f).get("services")
    if not services:
        print(f"bench_banners_score: {args.truth} has no \"services\" (not a services lab)", file=sys.stderr)
        return 2
    targets = parse_targets(args.targets)
    got_all = READERS[args.format](args.file) if os.path.exists(args.file) else {}

    counts = {k: [0, 0] for k in ("services", "versions", "silent", "reset")}
    missing = 0
    wrong = []
    for ip in targets:
        for port_text, want in services.items():
            port = int(port_text)
            got = got_all.get((ip, port))
            missing += got is None
            status = want["banner_status"]
            if status in ("silent", "reset"):
                counts[status][1] += 1
                ok = got is not None and got["status"] == status
                counts[status][0] += ok
            else:
                counts["services"][1] += 1
                counts["versions"][1] += 1
                ok = False
                if got is not None and got["status"] == "ok":
                    name, tunnel = normalise_name(got["name"], got["tunnel_ssl"])
                    ok = (name == want["name"] and tunnel == (want.get("tunnel") == "ssl")
                          and want["product"].lower() in got["product"].lower())
                    counts["versions"][0] += ok and want["version"] in got["version"]
                counts["services"][0] += ok
            if not ok and len(wrong) < 5:
                wrong.append(f"{ip}:{port}={describe(got)}")

    found, total = counts["services"]
    parts = [f"services={found}/{total}", f"services_pct={100.0 * found / total if total else 0:.1f}"]
    parts += [f"{k}={counts[k][0]}/{counts[k][1]}" for k in ("versions", "silent", "reset")]
    parts.append(f"missing={missing}")
    if wrong:
        parts.append("wrong=" + ",".join(wrong))
    print(" ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
