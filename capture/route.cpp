// Route, source address and next-hop discovery over rtnetlink, for IPv4 and IPv6. Everything here runs once
// at set-up, so clarity of the error messages matters more than speed: each failure names the address or
// interface it is about.
#include "capture/route.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <netlink/attr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

#include "capture/netlink.hpp"
#include "capture/route_neighbour.hpp"

namespace synscan {
namespace {

using netlink::CachePtr;
using netlink::exchange;
using netlink::from_nl_addr;
using netlink::LinkPtr;
using netlink::MsgPtr;
using netlink::open_route_socket;
using netlink::RoutePtr;
using netlink::SockPtr;

/// fe80::/10 (RFC 4291 section 2.5.6).
bool is_link_local(const IpAddress& a) { return a.is_v6() && (a.ipv6() >> 118) == 0x3fa; }

/// What RTM_GETROUTE answered for one destination.
struct RouteAnswer {
  bool found = false;
  int parse_error = 0;  // a libnl error code when the answer could not be parsed
  std::uint8_t family = AF_UNSPEC;
  std::uint8_t type = RTN_UNSPEC;
  int wanted_oif = 0;  // the RTA_OIF asked for (0: none): picks the path of a multipath answer
  int oif = 0;
  std::optional<IpAddress> gateway;           // RTA_GATEWAY, or RTA_VIA (an IPv4 route via an IPv6 router)
  std::optional<IpAddress> preferred_source;  // RTA_PREFSRC
  std::uint32_t mtu = 0;                      // 0: no mtu metric on the route
};

int on_route(nl_msg* msg, void* arg) {
  nlmsghdr* hdr = nlmsg_hdr(msg);
  if (hdr->nlmsg_type != RTM_NEWROUTE) return NL_SKIP;
  auto* answer = static_cast<RouteAnswer*>(arg);
  rtnl_route* raw = nullptr;
  if (int err = rtnl_route_parse(hdr, &raw); err < 0) {
    answer->parse_error = err;
    return NL_SKIP;
  }
  RoutePtr route(raw);
  if (rtnl_route_get_family(route.get()) != answer->family) return NL_SKIP;
  answer->found = true;
  answer->type = rtnl_route_get_type(route.get());
  answer->preferred_source = from_nl_addr(rtnl_route_get_pref_src(route.get()));
  if (std::uint32_t mtu = 0; rtnl_route_get_metric(route.get(), RTAX_MTU, &mtu) == 0) answer->mtu = mtu;
  // The kernel answers a lookup with the one path it chose (RTA_OIF with RTA_GATEWAY or RTA_VIA), which libnl
  // keeps as the route's only next hop. An answer listing several (RTA_MULTIPATH) gives the one on the
  // interface asked for, else the first.
  rtnl_nexthop* chosen = nullptr;
  for (int i = 0; i < rtnl_route_get_nnexthops(route.get()); ++i) {
    rtnl_nexthop* nh = rtnl_route_nexthop_n(route.get(), i);
    if (chosen == nullptr ||
        (answer->wanted_oif != 0 && rtnl_route_nh_get_ifindex(nh) == answer->wanted_oif)) {
      chosen = nh;
    }
  }
  if (chosen != nullptr) {
    answer->oif = rtnl_route_nh_get_ifindex(chosen);
    answer->gateway = from_nl_addr(rtnl_route_nh_get_gateway(chosen));
    if (!answer->gateway) answer->gateway = from_nl_addr(rtnl_route_nh_get_via(chosen));
  }
  return NL_OK;
}

/// Asks the kernel which route it would use for `target`, as `ip route get TARGET [oif IFINDEX]` does.
/// Returns 0 with `answer` filled, or the kernel's positive errno.
int request_route(nl_sock* sock, const IpAddress& target, int oif, RouteAnswer& answer) {
  MsgPtr msg(nlmsg_alloc_simple(RTM_GETROUTE, NLM_F_REQUEST));
  if (!msg) throw RouteError("cannot allocate a netlink message");
  std::array<std::uint8_t, 16> dst{};  // network byte order
  rtmsg rtm{};
  if (target.is_v4()) {
    rtm.rtm_family = AF_INET;
    rtm.rtm_dst_len = 32;
    const std::uint32_t be = htonl(target.ipv4());
    std::memcpy(dst.data(), &be, sizeof(be));
  } else {
    rtm.rtm_family = AF_INET6;
    rtm.rtm_dst_len = 128;
    store_ipv6(target.ipv6(), dst.data());
  }
  if (nlmsg_append(msg.get(), &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
      nla_put(msg.get(), RTA_DST, rtm.rtm_dst_len / 8, dst.data()) < 0 ||
      (oif != 0 && nla_put_u32(msg.get(), RTA_OIF, static_cast<std::uint32_t>(oif)) < 0)) {
    throw RouteError("cannot build a route request");
  }
  answer = RouteAnswer{};
  answer.family = rtm.rtm_family;
  answer.wanted_oif = oif;
  return exchange(sock, msg.get(), on_route, &answer);
}

/// The route to `target` (through interface `oif` when it is not 0). Refuses anything but a unicast route.
/// Under -i (`oif` set) an IPv6 target that no route through that interface covers is taken as on-link there,
/// which is what the kernel itself does for IPv4 (an IPv6 lookup with an interface is strict and answers
/// ENETUNREACH instead).
RouteAnswer lookup_route(nl_sock* sock, const IpAddress& target, int oif) {
  const std::string name = format_address(target);
  RouteAnswer answer;
  const int err = request_route(sock, target, oif, answer);
  if (err == ENETUNREACH && oif != 0 && target.is_v6()) {
    RouteAnswer on_link;
    on_link.found = true;
    on_link.family = AF_INET6;
    on_link.type = RTN_UNICAST;
    on_link.oif = oif;
    return on_link;
  }
  if (err != 0 && target.is_v6()) {
    // An IPv6 lookup that ends in a reject route answers with the route's error, not the route
    // (ip6_rt_type_to_error in the kernel's net/ipv6/route.c).
    const char* kind = err == EINVAL         ? "routed to a blackhole"
                       : err == EHOSTUNREACH ? "routed as unreachable"
                       : err == EACCES       ? "routed as prohibited"
                                             : nullptr;
    if (kind != nullptr) throw RouteError(fmt::format("no unicast route to {}: it is {}", name, kind));
  }
  if (err != 0) throw RouteError(fmt::format("no route to {} ({})", name, std::strerror(err)));
  if (answer.parse_error != 0) {
    throw RouteError(fmt::format("no route to {} (cannot read the kernel's answer: {})", name,
                                 nl_geterror(answer.parse_error)));
  }
  if (!answer.found) throw RouteError(fmt::format("no route to {}", name));
  if (answer.type == RTN_LOCAL) {
    throw RouteError(
        fmt::format("{} is an address of this host; cannot scan it through a network interface", name));
  }
  if (answer.type != RTN_UNICAST) {
    const char* kind = answer.type == RTN_BROADCAST     ? "a broadcast address"
                       : answer.type == RTN_MULTICAST   ? "a multicast address"
                       : answer.type == RTN_ANYCAST     ? "an anycast address of this host"
                       : answer.type == RTN_BLACKHOLE   ? "routed to a blackhole"
                       : answer.type == RTN_UNREACHABLE ? "routed as unreachable"
                       : answer.type == RTN_PROHIBIT    ? "routed as prohibited"
                                                        : "not reachable by a unicast route";
    throw RouteError(fmt::format("no unicast route to {}: it is {}", name, kind));
  }
  if (answer.oif == 0) {
    throw RouteError(fmt::format("the route to {} names no outgoing interface; give one with -i", name));
  }
  return answer;
}

/// Reads one link by name (ifindex 0) or by index. A missing link is "does not exist".
LinkPtr get_link(nl_sock* sock, int ifindex, const std::string& name) {
  rtnl_link* raw = nullptr;
  int err = rtnl_link_get_kernel(sock, ifindex, ifindex == 0 ? name.c_str() : nullptr, &raw);
  LinkPtr link(raw);
  if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV || (err >= 0 && !link)) {
    throw RouteError(ifindex == 0 ? fmt::format("interface '{}' does not exist", name)
                                  : fmt::format("interface index {} does not exist", ifindex));
  }
  if (err < 0) {
    throw RouteError(ifindex == 0 ? fmt::format("interface '{}': {}", name, nl_geterror(err))
                                  : fmt::format("interface index {}: {}", ifindex, nl_geterror(err)));
  }
  return link;
}

/// Every address of every interface, both families, as the kernel lists them; throws RouteError when they
/// cannot be read.
CachePtr read_addresses(nl_sock* sock) {
  nl_cache* raw = nullptr;
  if (int err = rtnl_addr_alloc_cache(sock, &raw); err < 0) {
    throw RouteError(fmt::format("cannot read interface addresses: {}", nl_geterror(err)));
  }
  return CachePtr(raw);
}

/// The interface's primary (first non-secondary) IPv4 address, host byte order.
std::optional<IpAddress> primary_ipv4(nl_sock* sock, int ifindex) {
  CachePtr cache = read_addresses(sock);
  for (nl_object* obj = nl_cache_get_first(cache.get()); obj != nullptr; obj = nl_cache_get_next(obj)) {
    auto* addr = reinterpret_cast<rtnl_addr*>(obj);
    if (rtnl_addr_get_ifindex(addr) != ifindex || rtnl_addr_get_family(addr) != AF_INET) continue;
    if ((rtnl_addr_get_flags(addr) & IFA_F_SECONDARY) != 0) continue;
    if (auto local = from_nl_addr(rtnl_addr_get_local(addr)); local && local->is_v4()) return local;
  }
  return std::nullopt;
}

/// Leading bits `a` and `b` share (0-128).
int common_prefix(Ipv6 a, Ipv6 b) {
  const Ipv6 diff = a ^ b;
  const auto high = static_cast<std::uint64_t>(diff >> 64), low = static_cast<std::uint64_t>(diff);
  if (high != 0) return __builtin_clzll(high);
  return low != 0 ? 64 + __builtin_clzll(low) : 128;
}

/// The interface's best global IPv6 address for `target`: scope global, not link-local, neither tentative
/// (RFC 4862 section 5.4) nor failed duplicate address detection nor deprecated (RFC 4862 section 5.5.4); of
/// those, the one sharing the longest prefix with the target (RFC 6724 section 5 rule 8), the first listed on
/// a tie.
std::optional<IpAddress> best_global_ipv6(nl_sock* sock, int ifindex, const IpAddress& target) {
  constexpr unsigned kUnusable = IFA_F_TENTATIVE | IFA_F_DADFAILED | IFA_F_DEPRECATED;
  CachePtr cache = read_addresses(sock);
  std::optional<IpAddress> best;
  int best_prefix = -1;
  for (nl_object* obj = nl_cache_get_first(cache.get()); obj != nullptr; obj = nl_cache_get_next(obj)) {
    auto* addr = reinterpret_cast<rtnl_addr*>(obj);
    if (rtnl_addr_get_ifindex(addr) != ifindex || rtnl_addr_get_family(addr) != AF_INET6) continue;
    if (rtnl_addr_get_scope(addr) != RT_SCOPE_UNIVERSE || (rtnl_addr_get_flags(addr) & kUnusable) != 0)
      continue;
    const auto local = from_nl_addr(rtnl_addr_get_local(addr));
    if (!local || !local->is_v6() || is_link_local(*local)) continue;
    if (const int prefix = common_prefix(local->ipv6(), target.ipv6()); prefix > best_prefix) {
      best = local;
      best_prefix = prefix;
    }
  }
  return best;
}

/// The probes' source address: see resolve_next_hop, step 3.
IpAddress choose_source(nl_sock* sock, const NextHop& hop, const IpAddress& target, const RouteAnswer& route,
                        const RouteOverrides& overrides) {
  if (overrides.source_ip) {
    if (overrides.source_ip->family != target.family) {
      throw RouteError(fmt::format("--source-ip {} is not of the family of target {}",
                                   format_address(*overrides.source_ip), format_address(target)));
    }
    return *overrides.source_ip;
  }
  if (target.is_v4()) {
    if (route.preferred_source && route.preferred_source->is_v4()) return *route.preferred_source;
    if (auto primary = primary_ipv4(sock, hop.ifindex)) return *primary;
    throw RouteError(
        fmt::format("interface '{}' has no IPv4 address; give one with --source-ip", hop.interface));
  }
  // The kernel picks a link-local source for a global destination only when it has nothing better; replies
  // to it could not come back from beyond the link.
  if (route.preferred_source && route.preferred_source->is_v6() &&
      (!is_link_local(*route.preferred_source) || is_link_local(target))) {
    return *route.preferred_source;
  }
  if (auto global = best_global_ipv6(sock, hop.ifindex, target)) return *global;
  throw RouteError(
      fmt::format("interface '{}' has no usable IPv6 address; give one with --source-ip", hop.interface));
}

/// Fills the interface's fields of `hop` (name, index, MTU, link type, MAC) from `link`.
void describe_link(rtnl_link* link, const RouteAnswer& route, NextHop& hop) {
  hop.ifindex = rtnl_link_get_ifindex(link);
  const char* name = rtnl_link_get_name(link);
  hop.interface = name != nullptr ? name : std::to_string(hop.ifindex);
  if ((rtnl_link_get_flags(link) & IFF_UP) == 0) {
    throw RouteError(fmt::format("interface '{}' is down", hop.interface));
  }
  hop.mtu = rtnl_link_get_mtu(link);
  if (route.mtu != 0 && route.mtu < hop.mtu) hop.mtu = route.mtu;

  const unsigned arptype = rtnl_link_get_arptype(link);
  if (arptype == ARPHRD_ETHER) {
    hop.link = LinkType::ethernet;
    nl_addr* lladdr = rtnl_link_get_addr(link);
    if (lladdr == nullptr || nl_addr_get_len(lladdr) != hop.source_mac.size()) {
      throw RouteError(fmt::format("interface '{}' has no Ethernet address", hop.interface));
    }
    std::memcpy(hop.source_mac.data(), nl_addr_get_binary_addr(lladdr), hop.source_mac.size());
  } else if (arptype == ARPHRD_NONE || arptype == ARPHRD_TUNNEL) {
    hop.link = LinkType::raw_ip;  // tun, wireguard, ipip: IP packets without a link-layer header
  } else {
    throw RouteError(
        fmt::format("interface '{}' has link type {} (ARPHRD); only Ethernet, tun and ipip are supported",
                    hop.interface, arptype));
  }
}

}  // namespace

NextHop resolve_next_hop(const IpAddress& target, const RouteOverrides& overrides,
                         std::chrono::milliseconds neighbour_timeout) {
  SockPtr sock = open_route_socket();

  // With -i the interface is checked first, so that a typo or a down link is named as such rather than
  // reported as a missing route (the kernel answers ENODEV / ENETUNREACH for both).
  LinkPtr link;
  int oif = 0;
  if (overrides.interface) {
    link = get_link(sock.get(), 0, *overrides.interface);
    oif = rtnl_link_get_ifindex(link.get());
    if ((rtnl_link_get_flags(link.get()) & IFF_UP) == 0) {
      throw RouteError(fmt::format("interface '{}' is down", *overrides.interface));
    }
  }
  const RouteAnswer route = lookup_route(sock.get(), target, oif);
  if (!link) link = get_link(sock.get(), route.oif, {});

  NextHop hop;
  describe_link(link.get(), route, hop);
  hop.source_ip = choose_source(sock.get(), hop, target, route, overrides);
  hop.next_hop = route.gateway.value_or(target);
  if (hop.link == LinkType::ethernet) {
    hop.next_hop_mac = overrides.router_mac
                           ? *overrides.router_mac
                           : netlink::resolve_neighbour(sock.get(), hop.interface, hop.ifindex, hop.next_hop,
                                                        neighbour_timeout);
  }
  return hop;
}

Mac parse_mac(std::string_view text) {
  const auto bad = [&] {
    return std::invalid_argument(
        fmt::format("invalid MAC address '{}': expected six hex pairs like aa:bb:cc:dd:ee:ff", text));
  };
  if (text.size() != 17) throw bad();
  const char separator = text[2];
  if (separator != ':' && separator != '-') throw bad();
  const auto nibble = [&](char c) -> std::uint8_t {
    if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<std::uint8_t>(c - 'A' + 10);
    throw bad();
  };
  Mac mac{};
  for (std::size_t i = 0; i < mac.size(); ++i) {
    const std::size_t at = i * 3;
    if (i > 0 && text[at - 1] != separator) throw bad();
    mac[i] = static_cast<std::uint8_t>(nibble(text[at]) << 4 | nibble(text[at + 1]));
  }
  return mac;
}

std::string format_mac(const Mac& mac) {
  return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", mac[0], mac[1], mac[2], mac[3], mac[4],
                     mac[5]);
}

}  // namespace synscan
