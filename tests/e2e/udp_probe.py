#!/usr/bin/env python3
"""Small UDP clients for the UDP lab's self-check (tests/e2e/test_lab_udp.sh), run in the lab's scanner namespace.

Usage:
  udp_probe.py ask ADDR PORT KIND     one request from a socket connected to ADDR:PORT (the kernel then takes only
                                      a datagram from ADDR:PORT itself, so an answer proves its source address),
                                      KIND ntp | snmp | dns; prints one line:
                                        ntp: "answer mode=4 stratum=S origin=ok|bad"
                                        snmp: "answer sysdescr=TEXT"  (SNMPv2c GET sysDescr.0, community public)
                                        dns: "answer rcode=N txt=TEXT"  (version.bind CH TXT)
                                      or "refused" (ICMP port unreachable), "unreachable ERRNO" (another ICMP
                                      destination unreachable), "timeout" (nothing within 1 s)
  udp_probe.py icmp-count PORT N ADDR...
                                      sends N datagrams to PORT of each ADDR at once, then counts for 1.5 s the
                                      ICMP destination-unreachable messages about each ADDR (by the probe they
                                      quote; raw ICMP sockets); prints "ADDR COUNT" per address
  udp_probe.py observe PORTS [--echo] ADDR...
                                      a tiny reference scan: one probe per ADDR x PORT (comma separated) at once,
                                      each from its own connected socket with IP_RECVERR / IPV6_RECVERR (the ICMP
                                      error's type and code), the DNS, NTP, SNMP requests above on 53, 123, 161
                                      and a short text elsewhere; waits 1.5 s; with --echo also one ping per ADDR.
                                      Prints one NDJSON record per probe in the contract of
                                      tests/e2e/check_udp_truth.py (no retries: a lost packet reads as silence)
Exit 0 on a printed result, 2 on bad usage.
"""

import datetime
import errno
import ipaddress
import json
import subprocess
import os
import select
import socket
import struct
import sys
import time


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def ntp_request():
    """An NTPv4 client request (RFC 5905: LI 0, VN 4, mode 3) with a transmit timestamp to be echoed as origin."""
    transmit = struct.pack("!II", 0x12345678, os.getpid() & 0xFFFFFFFF)
    return bytes([0x23]) + bytes(39) + transmit, transmit


def snmp_request(request_id):
    """SNMPv2c GetRequest for sysDescr.0 (1.3.6.1.2.1.1.1.0), community "public" (BER, RFC 3416)."""
    varbind = bytes.fromhex("300c06082b060102010101000500")
    varbinds = b"\x30" + bytes([len(varbind)]) + varbind
    pdu_body = b"\x02\x04" + struct.pack("!I", request_id) + b"\x02\x01\x00\x02\x01\x00" + varbinds
    pdu = b"\xa0" + bytes([len(pdu_body)]) + pdu_body
    body = b"\x02\x01\x01\x04\x06public" + pdu
    return b"\x30" + bytes([len(body)]) + body


def dns_request(query_id):
    """A DNS query (RFC 1035) for version.bind, class CH, type TXT, no recursion."""
    header = struct.pack("!HHHHHH", query_id, 0, 1, 0, 0, 0)
    name = b"\x07version\x04bind\x00"
    return header + name + struct.pack("!HH", 16, 3)


def snmp_sysdescr(answer):
    """The OCTET STRING value of the answer's last varbind (the GET's only one), decoded; None if not found."""
    marker = bytes.fromhex("06082b06010201010100")
    at = answer.rfind(marker)
    if at < 0 or at + len(marker) + 2 > len(answer) or answer[at + len(marker)] != 0x04:
        return None
    length = answer[at + len(marker) + 1]
    start = at + len(marker) + 2
    return answer[start:start + length].decode("utf-8", "replace")


def dns_txt(answer):
    """(rcode, first TXT string of the answer section or "")."""
    rcode = answer[3] & 0x0F
    ancount = struct.unpack("!H", answer[6:8])[0]
    pos = 12
    while answer[pos] != 0:  # the question's name
        pos += answer[pos] + 1
    pos += 5
    if ancount == 0:
        return rcode, ""
    if answer[pos] & 0xC0 == 0xC0:
        pos += 2
    else:
        while answer[pos] != 0:
            pos += answer[pos] + 1
        pos += 1
    rtype, _cls, _ttl, _rdlen = struct.unpack("!HHIH", answer[pos:pos + 10])
    pos += 10
    if rtype != 16:
        return rcode, ""
    length = answer[pos]
    return rcode, answer[pos + 1:pos + 1 + length].decode("utf-8", "replace")


def ask(addr, port, kind):
    sock = socket.socket(family_of(addr), socket.SOCK_DGRAM)
    sock.settimeout(1.0)
    sock.connect((addr, port))
    request_id = (os.getpid() * 7919) & 0x7FFFFFFF
    if kind == "ntp":
        request, transmit = ntp_request()
    elif kind == "snmp":
        request = snmp_request(request_id)
    elif kind == "dns":
        request = dns_request(request_id & 0xFFFF)
    else:
        raise ValueError(f"unknown kind '{kind}'")
    sock.send(request)
    try:
        answer = sock.recv(65535)
    except ConnectionRefusedError:
        return "refused"
    except socket.timeout:
        return "timeout"
    except OSError as exc:
        return f"unreachable {errno.errorcode.get(exc.errno, exc.errno)}"
    if kind == "ntp":
        origin = "ok" if answer[24:32] == transmit else "bad"
        return f"answer mode={answer[0] & 7} stratum={answer[1]} origin={origin}"
    if kind == "snmp":
        return f"answer sysdescr={snmp_sysdescr(answer)}"
    rcode, txt = dns_txt(answer)
    return f"answer rcode={rcode} txt={txt}"


def icmp_count(port, count, addrs):
    counts = {addr: 0 for addr in addrs}
    raws, senders = [], {}
    for fam, proto in ((socket.AF_INET, socket.IPPROTO_ICMP), (socket.AF_INET6, socket.IPPROTO_ICMPV6)):
        if any(family_of(a) == fam for a in addrs):
            raws.append((fam, socket.socket(fam, socket.SOCK_RAW, proto)))
            senders[fam] = socket.socket(fam, socket.SOCK_DGRAM)
    for _ in range(count):
        for addr in addrs:
            senders[family_of(addr)].sendto(b"synscan lab", (addr, port))
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        ready, _, _ = select.select([r for _, r in raws], [], [], 0.1)
        for fam, raw in raws:
            if raw not in ready:
                continue
            data = raw.recv(2048)
            if fam == socket.AF_INET:  # a raw IPv4 socket gets the IP header too
                ihl = (data[0] & 15) * 4
                icmp_type, inner = data[ihl], data[ihl + 8:]
                quoted = socket.inet_ntop(fam, inner[16:20]) if icmp_type == 3 and len(inner) >= 20 else None
            else:
                icmp_type, inner = data[0], data[8:]
                quoted = socket.inet_ntop(fam, inner[24:40]) if icmp_type == 1 and len(inner) >= 40 else None
            if quoted in counts:
                counts[quoted] += 1
    return counts


SERVICE_KINDS = {53: ("dns", "domain"), 123: ("ntp", "ntp"), 161: ("snmp", "snmp")}
SO_EE_ORIGIN_ICMP, SO_EE_ORIGIN_ICMP6 = 2, 3
IP_RECVERR, IPV6_RECVERR = 11, 25  # <linux/in.h>, <linux/in6.h>


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def request_for(port, request_id):
    kind = SERVICE_KINDS.get(port, (None, None))[0]
    if kind == "dns":
        return dns_request(request_id & 0xFFFF), kind
    if kind == "ntp":
        return ntp_request()[0], kind
    if kind == "snmp":
        return snmp_request(request_id), kind
    return b"synscan lab", None


def answer_fields(kind, answer):
    """The contract's "answer" object of a service's datagram."""
    try:
        if kind == "dns":
            rcode, txt = dns_txt(answer)
            return {"rcode": rcode, "version_bind": txt}
        if kind == "ntp":
            return {"stratum": answer[1]}
        if kind == "snmp":
            return {"sysdescr": snmp_sysdescr(answer)}
    except (IndexError, struct.error):
        pass
    return {}


def observe(ports, addrs, echo):
    probes = {}
    for addr in addrs:
        fam = family_of(addr)
        for port in ports:
            sock = socket.socket(fam, socket.SOCK_DGRAM)
            if fam == socket.AF_INET:
                sock.setsockopt(socket.SOL_IP, IP_RECVERR, 1)
            else:
                sock.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVERR, 1)
            sock.connect((addr, port))
            request, kind = request_for(port, len(probes) + 1000)
            sock.send(request)
            probes[sock] = (addr, port, kind)
    pings = {}
    if echo:
        for addr in addrs:
            pings[addr] = subprocess.Popen(["ping", "-n", "-q", "-c", "1", "-W", "1", addr],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    records, open_socks = [], dict(probes)
    deadline = time.monotonic() + 1.5
    while open_socks and time.monotonic() < deadline:
        ready, _, _ = select.select(list(open_socks), [], [], 0.1)
        for sock in ready:
            addr, port, kind = open_socks.pop(sock)
            rec = {"ip": str(ipaddress_of(addr)), "port": port, "proto": "udp"}
            try:
                answer = sock.recv(65535)
                rec.update(state="open", reason="udp-response", ttl=None, ts=now_iso())
                if kind:
                    rec["service"] = SERVICE_KINDS[port][1]
                    rec["answer"] = answer_fields(kind, answer)
            except OSError:
                _data, anc, _flags, _src = sock.recvmsg(512, 512, socket.MSG_ERRQUEUE)
                icmp_type = icmp_code = None
                for _level, _kind, value in anc:
                    _errno, origin, icmp_type, icmp_code = struct.unpack("=IBBB", value[:7])
                    if origin not in (SO_EE_ORIGIN_ICMP, SO_EE_ORIGIN_ICMP6):
                        icmp_type = icmp_code = None
                unreach = (3, 3) if sock.family == socket.AF_INET else (1, 4)
                if (icmp_type, icmp_code) == unreach:
                    rec.update(state="closed", reason="port-unreach")
                else:
                    rec.update(state="filtered", reason="icmp-unreach")
                rec.update(icmp_type=icmp_type, icmp_code=icmp_code, ttl=None, ts=now_iso())
            records.append(rec)
    for sock, (addr, port, _kind) in open_socks.items():
        records.append({"ip": str(ipaddress_of(addr)), "port": port, "proto": "udp", "state": "open|filtered",
                        "reason": "no-response", "ttl": None, "ts": now_iso()})
    for sock in probes:
        sock.close()
    for addr, proc in pings.items():
        up = proc.wait() == 0
        records.append({"ip": str(ipaddress_of(addr)), "proto": "icmp", "state": "up" if up else "down",
                        "reason": "echo-reply" if up else "no-response", "ttl": None, "ts": now_iso()})
    return records


def ipaddress_of(addr):
    return ipaddress.ip_address(addr)


def main(argv):
    try:
        if len(argv) == 4 and argv[0] == "ask":
            print(ask(argv[1], int(argv[2]), argv[3]))
            return 0
        if len(argv) >= 3 and argv[0] == "observe":
            echo = "--echo" in argv[2:]
            addrs = [a for a in argv[2:] if a != "--echo"]
            for rec in observe([int(p) for p in argv[1].split(",")], addrs, echo):
                print(json.dumps(rec))
            return 0
        if len(argv) >= 4 and argv[0] == "icmp-count":
            for addr, n in icmp_count(int(argv[1]), int(argv[2]), argv[3:]).items():
                print(addr, n)
            return 0
    except ValueError as exc:
        print(f"udp_probe: {exc}", file=sys.stderr)
        return 2
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
