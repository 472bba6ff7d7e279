#pragma once
// Where probes leave from and where they go first: the outgoing interface, the source address and the next
// hop's link-layer address, asked of the kernel's routing, address and neighbour tables over rtnetlink
// (libnl-3 / libnl-route-3) once per address family, before the scan starts.
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "engine/address.hpp"
#include "engine/types.hpp"

namespace synscan {

/// Where probes to a target leave from and go to first. Built once at set-up; read-only afterwards.
struct NextHop {
  std::string interface;  ///< outgoing interface name, e.g. "veth0"
  int ifindex = 0;        ///< kernel interface index of `interface`
  IpAddress source_ip;    ///< source address of the probes (the target's family); host byte order
  /// The route's gateway, or the target itself when it is on-link; host byte order. Usually of the target's
  /// family; an IPv6 gateway is often link-local (fe80::/10), which names a router only together with
  /// `ifindex`; an IPv4 route may also go via an IPv6 router (`ip route add ... via inet6 ADDR`, RFC 5549).
  IpAddress next_hop;
  Mac source_mac{};                    ///< the interface's MAC, wire order (zeros on non-Ethernet links)
  Mac next_hop_mac{};                  ///< the next hop's MAC, wire order (zeros on non-Ethernet links)
  LinkType link = LinkType::ethernet;  ///< ethernet for ARPHRD_ETHER; raw_ip for tun/ipip/wireguard (no MACs)
  std::uint32_t mtu = 0;  ///< bytes of IP packet the interface (or the route's mtu metric, if lower) carries
};

/// Values from the command line that replace what would otherwise be discovered.
struct RouteOverrides {
  /// -i: send through this interface (its route, or the target on-link).
  std::optional<std::string> interface;
  /// --source-ip of the target's family; not checked to be local (may spoof).
  std::optional<IpAddress> source_ip;
  /// --router-mac: used as next_hop_mac, no neighbour lookup.
  std::optional<Mac> router_mac;
};

/// A set-up failure of route or next-hop discovery, with one line that says what is wrong, e.g.
/// "no route to 198.19.0.1 (Network is unreachable)", "interface 'eth9' does not exist",
/// "interface 'veth0' is down", "next hop 198.18.0.2 on veth0 did not answer ARP within 1.0 s",
/// "next hop fe80::1 on veth0 did not answer neighbour solicitation within 1.5 s",
/// "interface 'veth2' has no usable IPv6 address; give one with --source-ip".
struct RouteError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Resolves how probes reach `target` (host byte order, IPv4 or IPv6), as the kernel would send them:
/// 1. The route: RTM_GETROUTE for the exact destination of the target's family (with RTA_OIF when
///    `overrides.interface` is set). It must be unicast: a local, broadcast, multicast, anycast, blackhole,
///    unreachable or prohibit route is refused by name. With -i, IPv4 uses the kernel's route via that
///    interface or treats the target as on-link there (the kernel does so itself); IPv6 does the same (the
///    kernel's IPv6 lookup is strict and answers ENETUNREACH when no route through that interface covers the
///    target, which is then taken as on-link there).
/// 2. The interface must exist and be up (IFF_UP). Its ARPHRD type decides `link`; other types are refused.
/// 3. The source: `overrides.source_ip` (which must be of the target's family), else the route's preferred
///    source (RTA_PREFSRC: the route's `src` if it has one, else the kernel's own source address selection,
///    RFC 6724 for IPv6, which may pick an address of another interface as the kernel would for any socket;
///    for IPv6 a link-local one is taken only for a link-local target), else for IPv4 the interface's primary
///    address, for IPv6 the interface's best global address (not link-local fe80::/10, not tentative, not
///    failed DAD, not deprecated; the longest prefix shared with the target wins, RFC 6724 rule 8).
/// 4. The next hop is the route's gateway (RTA_GATEWAY or RTA_VIA), or the target itself for an on-link
///    route. On Ethernet its MAC comes from `overrides.router_mac`, else from the neighbour table (ARP,
///    RFC 826, for IPv4; neighbour discovery, RFC 4861, for IPv6): an entry in state REACHABLE, STALE, DELAY,
///    PROBE, PERMANENT or NOARP counts. If there is none, the kernel is asked to resolve it (RTM_NEWNEIGH
///    with NTF_USE, as `ip neigh replace ... use`; without CAP_NET_ADMIN, a zero-length UDP datagram to the
///    next hop's discard port 9 from a socket bound to the interface, which only the next hop receives; a
///    link-local next hop gets the interface as scope id), and the table is polled every 20 ms until
///    `neighbour_timeout` has passed.
/// Runs in the calling thread's network namespace. Blocks at most about `neighbour_timeout` plus a few
/// netlink round trips. Throws RouteError on any failure; never returns a partly filled NextHop.
NextHop resolve_next_hop(const IpAddress& target, const RouteOverrides& overrides,
                         std::chrono::milliseconds neighbour_timeout);

/// Parses a MAC address written as six pairs of hex digits separated by ':' or by '-' (one separator
/// throughout), e.g. "aa:bb:cc:dd:ee:ff" or "AA-BB-CC-DD-EE-FF". Returns it in wire order. Throws
/// std::invalid_argument whose message quotes the offending text.
Mac parse_mac(std::string_view text);

/// Formats a MAC as six lowercase hex pairs joined by ':', e.g. "02:00:5e:10:00:01" (what parse_mac reads
/// back).
std::string format_mac(const Mac& mac);

}  // namespace synscan
