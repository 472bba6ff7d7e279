#pragma once
// Internal to capture/: the next hop's link-layer address from the kernel's neighbour table, for both
// families (ARP, RFC 826, for IPv4; neighbour discovery, RFC 4861, for IPv6), asking the kernel to resolve it
// when the table has no usable entry. Set-up only: it blocks for up to its timeout.
#include <netlink/netlink.h>

#include <chrono>
#include <string>

#include "engine/address.hpp"
#include "engine/types.hpp"

namespace synscan::netlink {

/// The MAC (wire order) that the neighbour table holds for `next_hop` (host byte order, either family) on
/// interface `ifindex` (named `ifname` in error texts; SO_BINDTODEVICE takes the name). An entry counts in
/// state REACHABLE, STALE, DELAY, PROBE, PERMANENT or NOARP with a 6-byte address: the states in which the
/// kernel itself would send to it. Without one, the kernel is asked to resolve the address: RTM_NEWNEIGH with
/// NTF_USE (as `ip neigh replace ADDR dev IF use`; needs CAP_NET_ADMIN), or else a zero-length UDP datagram
/// to the next hop's discard port 9 from a socket bound to the interface (a link-local IPv6 next hop is
/// addressed with the interface as its scope id), which makes the kernel send ARP requests or neighbour
/// solicitations as for any packet. The table is read every 20 ms; a resolution that has failed is asked for
/// again once a second. Throws RouteError after `timeout`, e.g. "next hop 198.18.0.99 on veth0 did not answer
/// ARP within 0.5 s" or "next hop fe80::1 on veth0 did not answer neighbour solicitation within 1.5 s", or
/// when the table cannot be read.
Mac resolve_neighbour(nl_sock* sock, const std::string& ifname, int ifindex, const IpAddress& next_hop,
                      std::chrono::milliseconds timeout);

}  // namespace synscan::netlink
