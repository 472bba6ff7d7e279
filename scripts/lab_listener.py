#!/usr/bin/env python3
"""TCP listeners for the synscan lab's target namespace.

Usage: lab_listener.py READY_FILE PORT...

Binds 0.0.0.0:PORT for every PORT, listens with a large backlog, then writes its own pid to READY_FILE
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
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    ready_file = sys.argv[1]
    ports = [int(p) for p in sys.argv[2:]]

    def stop(_signum, _frame):
        sys.exit(0)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, stop)

    selector = selectors.DefaultSelector()
    for port in ports:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("0.0.0.0", port))
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
