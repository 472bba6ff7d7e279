#!/usr/bin/env python3
"""A UDP relay that answers from the address a datagram was sent to, for the synscan UDP lab (scripts/lab_udp.sh).

Usage: lab_udp_relay.py PIDFILE LISTEN_PORT UPSTREAM_PORT

Listens on [::]:LISTEN_PORT (IPv6 only), forwards each datagram's payload to [::1]:UPSTREAM_PORT from a socket of
its own, and sends the upstream's answers back to the client from the address the client sent to (IPV6_PKTINFO;
the target namespace sets net.ipv6.ip_nonlocal_bind=1, as that address is only a local route, not an address of
an interface). An upstream socket lives until its first answer or for UPSTREAM_TIMEOUT seconds.

Why: snmpd 5.9.3 answers IPv6 requests without IPV6_PKTINFO, so the kernel picks the source address of its
answers (2001:2::2, the target's veth address) instead of the probed one, which no scanner takes as that
target's answer. A real host's agent answers from its own address; this relay makes the lab's snmpd do so. The
answer's bytes are snmpd's own.
Writes PIDFILE once listening. Runs until killed (scripts/lab.sh down kills every process of the lab).
"""

import os
import selectors
import socket
import struct
import sys
import time

UPSTREAM_TIMEOUT = 3.0
MAX_PENDING = 4096  # the oldest pending request is dropped beyond this (a scan's flood stays bounded)


def main(argv):
    if len(argv) != 3:
        print("usage: lab_udp_relay.py PIDFILE LISTEN_PORT UPSTREAM_PORT", file=sys.stderr)
        return 2
    pidfile, listen_port, upstream_port = argv[0], int(argv[1]), int(argv[2])
    listener = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    listener.bind(("::", listen_port))
    listener.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, None)
    pending = {}  # upstream socket -> (client address tuple, local address bytes, deadline)

    with open(pidfile + ".tmp", "w", encoding="ascii") as f:
        f.write(f"{os.getpid()}\n")
    os.replace(pidfile + ".tmp", pidfile)

    def drop(sock):
        sel.unregister(sock)
        sock.close()
        del pending[sock]

    while True:
        for key, _ in sel.select(timeout=0.5):
            sock = key.fileobj
            if sock is listener:
                for _ in range(64):  # drain a burst without starving the upstream answers
                    try:
                        data, anc, _flags, client = listener.recvmsg(65535, socket.CMSG_SPACE(20))
                    except BlockingIOError:
                        break
                    local = None
                    for level, kind, value in anc:
                        if level == socket.IPPROTO_IPV6 and kind == socket.IPV6_PKTINFO:
                            local = value[:16]
                    if local is None:
                        continue
                    if len(pending) >= MAX_PENDING:
                        drop(min(pending, key=lambda s: pending[s][2]))
                    upstream = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
                    upstream.setblocking(False)
                    try:
                        upstream.sendto(data, ("::1", upstream_port))
                    except OSError:
                        upstream.close()
                        continue
                    pending[upstream] = (client, local, time.monotonic() + UPSTREAM_TIMEOUT)
                    sel.register(upstream, selectors.EVENT_READ, None)
            else:
                client, local, _deadline = pending[sock]
                try:
                    answer = sock.recv(65535)
                    info = struct.pack("16sI", local, 0)
                    listener.sendmsg([answer], [(socket.IPPROTO_IPV6, socket.IPV6_PKTINFO, info)], 0, client)
                except OSError:
                    pass
                drop(sock)
        now = time.monotonic()
        for sock in [s for s, (_c, _l, deadline) in pending.items() if deadline < now]:
            drop(sock)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
