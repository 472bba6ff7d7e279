#!/usr/bin/env python3
"""TCP listeners for the synscan lab's target namespace.

Usage: lab_listener.py [--ipv6] READY_FILE PORT[:MODE]...

Binds 0.0.0.0:PORT for every PORT (with --ipv6 also [::]:PORT, IPv6 only: the wildcard takes every address
of the lab's IPv6 local route, as 0.0.0.0 does for the IPv4 one), listens with a large backlog, then writes
its own pid to READY_FILE
(atomically: temp file + rename) so the lab knows the ports answer SYN with SYN-ACK before any scan starts.
What a completed connection gets is the port's MODE:
  close   (the default) accepted and closed at once (FIN), so the accept queues never fill
  silent  accepted and held open without a byte ever sent (a service that waits for the client, or a
          tarpit); whatever the client sends is read and dropped; closed when the client closes, after
          SILENT_HOLD_S seconds, or (the oldest first) when more than SILENT_MAX are held
  reset   accepted and closed with SO_LINGER 0: the kernel answers with RST (a service that drops
          connections it does not want)
Exits on SIGTERM, SIGINT or SIGHUP. Runs until killed by `lab.sh down`.
"""

import collections
import os
import resource
import selectors
import signal
import socket
import struct
import sys
import time

BACKLOG = 4096
MODES = ("close", "silent", "reset")
SILENT_HOLD_S = 120.0  # longer than any banner timeout a test or benchmark uses
# Bounds the descriptors held by silent connections, below the process's own limit.
SILENT_MAX = max(16, min(4096, resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 64))


def parse_spec(spec):
    port, _, mode = spec.partition(":")
    mode = mode or "close"
    if mode not in MODES:
        raise ValueError(f"bad mode '{mode}' in '{spec}' (close, silent, reset)")
    return int(port), mode


def main() -> int:
    args = sys.argv[1:]
    ipv6 = bool(args) and args[0] == "--ipv6"
    if ipv6:
        args = args[1:]
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    ready_file = args[0]
    try:
        specs = [parse_spec(a) for a in args[1:]]
    except ValueError as exc:
        print(f"lab_listener: {exc}", file=sys.stderr)
        return 2

    def stop(_signum, _frame):
        sys.exit(0)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, stop)

    selector = selectors.DefaultSelector()
    families = [(socket.AF_INET, "0.0.0.0")] + ([(socket.AF_INET6, "::")] if ipv6 else [])
    for port, mode in specs:
        for family, wildcard in families:
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                # IPv6 only: the IPv4 socket of the same port already takes IPv4.
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind((wildcard, port))
            sock.listen(BACKLOG)
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ, ("listen", mode))

    tmp = f"{ready_file}.tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(f"{os.getpid()}\n")
    os.rename(tmp, ready_file)

    held = collections.OrderedDict()  # silent connections: socket -> time accepted, oldest first

    def drop(conn):
        held.pop(conn, None)
        selector.unregister(conn)
        conn.close()

    while True:
        events = selector.select(timeout=1.0 if held else None)
        for key, _ in events:
            kind, mode = key.data
            if kind == "held":
                try:
                    data = key.fileobj.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    drop(key.fileobj)
                continue
            try:
                conn, _ = key.fileobj.accept()
            except OSError:  # nothing pending, aborted before accept, or out of descriptors
                continue
            if mode == "silent":
                conn.setblocking(False)
                selector.register(conn, selectors.EVENT_READ, ("held", mode))
                held[conn] = time.monotonic()
                if len(held) > SILENT_MAX:
                    drop(next(iter(held)))
                continue
            if mode == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
        now = time.monotonic()
        while held:
            oldest, since = next(iter(held.items()))
            if now - since < SILENT_HOLD_S:
                break
            drop(oldest)


if __name__ == "__main__":
    sys.exit(main())
