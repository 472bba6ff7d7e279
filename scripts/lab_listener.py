#!/usr/bin/env python3
"""TCP listeners for the synscan lab's target namespace.

Usage: lab_listener.py [--ipv6] READY_FILE PORT...

Binds 0.0.0.0:PORT for every PORT (with --ipv6 also [::]:PORT, IPv6 only: the wildcard takes every address
of the lab's IPv6 local route, as 0.0.0.0 does for the IPv4 one), listens with a large backlog, then writes
its own pid to READY_FILE
(atomically: temp file + rename) so the lab knows the ports answer SYN with SYN-ACK before any scan starts.
Connections that complete are accepted and closed at once so the accept queues never fill. Exits on SIGTERM,
SIGINT or SIGHUP. Runs until killed by `lab.sh down`.
"""

import os
import selectors
import signal
import socket
import sys

BACKLOG = 4096


def main() -> int:
    args = sys.argv[1:]
    ipv6 = bool(args) and args[0] == "--ipv6"
    if ipv6:
        args = args[1:]
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    ready_file = args[0]
    ports = [int(p) for p in args[1:]]

    def stop(_signum, _frame):
        sys.exit(0)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, stop)

    selector = selectors.DefaultSelector()
    families = [(socket.AF_INET, "0.0.0.0")] + ([(socket.AF_INET6, "::")] if ipv6 else [])
    for port in ports:
        for family, wildcard in families:
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                # IPv6 only: the IPv4 socket of the same port already takes IPv4.
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind((wildcard, port))
            sock.listen(BACKLOG)
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ)

    tmp = f"{ready_file}.tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(f"{os.getpid()}\n")
    os.rename(tmp, ready_file)

    while True:
        for key, _ in selector.select():
            try:
                conn, _ = key.fileobj.accept()
                conn.close()
            except (BlockingIOError, ConnectionError):
                pass


if __name__ == "__main__":
    sys.exit(main())
