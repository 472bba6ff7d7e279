#!/usr/bin/env python3
"""A point-to-point IP link between two network namespaces made of two tun devices and this relay.

Usage: tun_relay.py READY_FILE NETNS_A IFNAME_A NETNS_B IFNAME_B

Creates tun device IFNAME_A (IFF_TUN | IFF_NO_PI: bare IP packets, no link-layer header, so ARPHRD_NONE and
libpcap's DLT_RAW) inside network namespace NETNS_A and IFNAME_B inside NETNS_B, writes its pid to READY_FILE,
then copies every packet read from one device to the other until SIGTERM. The devices exist as long as this
process runs. The caller configures addresses and routes. Needs root (setns, /dev/net/tun).

IPv4 and IPv6 alike: the relay copies packets as they are, and without a packet information header the kernel
takes each packet's protocol from its version nibble (4 or 6) when the other device hands it in.

Safety: only a relay between two namespaces the test created; nothing touches the root namespace's devices.
"""

import ctypes
import fcntl
import os
import select
import signal
import struct
import sys

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def enter_netns(name):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({name}): {os.strerror(err)}")
    finally:
        os.close(fd)


def open_tun(name):
    """Opens /dev/net/tun as device `name` in the current network namespace."""
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def main(argv):
    if len(argv) != 6:
        print(__doc__, file=sys.stderr)
        return 2
    ready, ns_a, if_a, ns_b, if_b = argv[1:]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # A tun fd stays bound to its device in the namespace it was opened in, whatever this process enters later.
    enter_netns(ns_a)
    fd_a = open_tun(if_a)
    enter_netns(ns_b)
    fd_b = open_tun(if_b)
    peer = {fd_a: fd_b, fd_b: fd_a}
    with open(ready + ".tmp", "w") as f:
        f.write(f"{os.getpid()}\n")
    os.rename(ready + ".tmp", ready)
    poller = select.epoll()
    poller.register(fd_a, select.EPOLLIN)
    poller.register(fd_b, select.EPOLLIN)
    while True:
        for fd, _ in poller.poll():
            try:
                os.write(peer[fd], os.read(fd, 65536))
            except OSError:
                pass  # a packet the other side refuses (device down, queue full) is lost, as on a wire


if __name__ == "__main__":
    sys.exit(main(sys.argv))
