// Route, source address and next-hop discovery over rtnetlink. Everything here runs once at set-up, so
// clarity of the error messages matters more than speed: each failure names the address or interface it is
// about.
#include "capture/route.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <netlink/attr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <thread>

#include "capture/netlink.hpp"

namespace synscan {
namespace {

using netlink::AddrPtr;
using netlink::CachePtr;
using netlink::exchange;
using netlink::LinkPtr;
using netlink::MsgPtr;
using netlink::NeighPtr;
using netlink::open_route_socket;
using netlink::SockPtr;

using Clock = std::chrono::steady_clock;

/// How often the neighbour table is read while the kernel resolves the next hop.
constexpr std::chrono::milliseconds kNeighbourPoll{20};
/// How long to leave the kernel's own ARP retries alone before asking again: one default retrans_time.
constexpr std::chrono::milliseconds kResolveRetry{1000};

/// Closes a plain file descriptor.
struct Fd {
  int fd = -1;
  explicit Fd(int value) : fd(value) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string dotted(Ipv4 address) {
  return fmt::format("{}.{}.{}.{}", address >> 24, (address >> 16) & 0xff, (address >> 8) & 0xff,
                     address & 0xff);
}

/// What RTM_GETROUTE answered for one destination.
struct RouteAnswer {
  bool found = false;
  std::uint8_t type = RTN_UNSPEC;
  int oif = 0;
  std::optional<Ipv4> gateway;
  std::optional<Ipv4> preferred_source;
  std::uint32_t mtu = 0;  // 0: no mtu metric on the route
};

int on_route(nl_msg* msg, void* arg) {
  nlmsghdr* hdr = nlmsg_hdr(msg);
  if (hdr->nlmsg_type != RTM_NEWROUTE) return NL_SKIP;
  auto* answer = static_cast<RouteAnswer*>(arg);
  const auto* rtm = static_cast<const rtmsg*>(nlmsg_data(hdr));
  nlattr* tb[RTA_MAX + 1] = {};
  if (rtm->rtm_family != AF_INET || nlmsg_parse(hdr, sizeof(rtmsg), tb, RTA_MAX, nullptr) < 0) return NL_SKIP;
  answer->found = true;
  answer->type = rtm->rtm_type;
  if (tb[RTA_OIF] != nullptr) answer->oif = static_cast<int>(nla_get_u32(tb[RTA_OIF]));
  // Address attributes carry network byte order.
  if (tb[RTA_GATEWAY] != nullptr) answer->gateway = ntohl(nla_get_u32(tb[RTA_GATEWAY]));
  if (tb[RTA_PREFSRC] != nullptr) answer->preferred_source = ntohl(nla_get_u32(tb[RTA_PREFSRC]));
  if (tb[RTA_METRICS] != nullptr) {
    nlattr* metrics[RTAX_MAX + 1] = {};
    if (nla_parse_nested(metrics, RTAX_MAX, tb[RTA_METRICS], nullptr) == 0 && metrics[RTAX_MTU] != nullptr) {
      answer->mtu = nla_get_u32(metrics[RTAX_MTU]);
    }
  }
  return NL_OK;
}

/// Asks the kernel which route it would use for `target`, as `ip route get TARGET [oif IFINDEX]` does.
RouteAnswer lookup_route(nl_sock* sock, Ipv4 target, int oif) {
  MsgPtr msg(nlmsg_alloc_simple(RTM_GETROUTE, NLM_F_REQUEST));
  if (!msg) throw RouteError("cannot allocate a netlink message");
  rtmsg rtm{};
  rtm.rtm_family = AF_INET;
  rtm.rtm_dst_len = 32;
  const std::uint32_t dst = htonl(target);
  if (nlmsg_append(msg.get(), &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
      nla_put_u32(msg.get(), RTA_DST, dst) < 0 ||
      (oif != 0 && nla_put_u32(msg.get(), RTA_OIF, static_cast<std::uint32_t>(oif)) < 0)) {
    throw RouteError("cannot build a route request");
  }
  RouteAnswer answer;
  if (int err = exchange(sock, msg.get(), on_route, &answer); err != 0) {
    throw RouteError(fmt::format("no route to {} ({})", dotted(target), std::strerror(err)));
  }
  if (!answer.found) throw RouteError(fmt::format("no route to {}", dotted(target)));
  if (answer.type == RTN_LOCAL) {
    throw RouteError(fmt::format("{} is an address of this host; cannot scan it through a network interface",
                                 dotted(target)));
  }
  if (answer.type != RTN_UNICAST) {
    const char* kind = answer.type == RTN_BROADCAST     ? "a broadcast address"
                       : answer.type == RTN_MULTICAST   ? "a multicast address"
                       : answer.type == RTN_BLACKHOLE   ? "routed to a blackhole"
                       : answer.type == RTN_UNREACHABLE ? "routed as unreachable"
                       : answer.type == RTN_PROHIBIT    ? "routed as prohibited"
                                                        : "not reachable by a unicast route";
    throw RouteError(fmt::format("no unicast route to {}: it is {}", dotted(target), kind));
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

/// The interface's primary (first non-secondary) IPv4 address, host byte order.
std::optional<Ipv4> primary_address(nl_sock* sock, int ifindex) {
  nl_cache* raw = nullptr;
  if (int err = rtnl_addr_alloc_cache(sock, &raw); err < 0) {
    throw RouteError(fmt::format("cannot read interface addresses: {}", nl_geterror(err)));
  }
  CachePtr cache(raw);
  for (nl_object* obj = nl_cache_get_first(cache.get()); obj != nullptr; obj = nl_cache_get_next(obj)) {
    auto* addr = reinterpret_cast<rtnl_addr*>(obj);
    if (rtnl_addr_get_ifindex(addr) != ifindex || rtnl_addr_get_family(addr) != AF_INET) continue;
    if ((rtnl_addr_get_flags(addr) & IFA_F_SECONDARY) != 0) continue;
    nl_addr* local = rtnl_addr_get_local(addr);
    if (local == nullptr || nl_addr_get_len(local) != 4) continue;
    std::uint32_t be = 0;
    std::memcpy(&be, nl_addr_get_binary_addr(local), 4);
    return ntohl(be);
  }
  return std::nullopt;
}

/// Neighbour states in which the kernel itself would send to the cached link-layer address.
constexpr int kUsableStates = NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP;

struct NeighbourState {
  bool present = false;
  int state = NUD_NONE;
  std::optional<Mac> mac;  // set only in a usable state with a 6-byte address
};

NeighbourState read_neighbour(nl_cache* cache, int ifindex, nl_addr* dst) {
  NeighbourState out;
  NeighPtr neigh(rtnl_neigh_get(cache, ifindex, dst));
  if (!neigh) return out;
  out.present = true;
  out.state = rtnl_neigh_get_state(neigh.get());
  nl_addr* lladdr = rtnl_neigh_get_lladdr(neigh.get());
  if ((out.state & kUsableStates) != 0 && lladdr != nullptr && nl_addr_get_len(lladdr) == 6) {
    Mac mac{};
    std::memcpy(mac.data(), nl_addr_get_binary_addr(lladdr), mac.size());
    out.mac = mac;
  }
  return out;
}

/// Starts ARP resolution of `next_hop` on the interface. First as `ip neigh replace NEXT_HOP dev IF use` does
/// (needs CAP_NET_ADMIN); failing that, by sending an empty UDP datagram to the next hop's discard port (9),
/// which makes the kernel resolve it like any other packet would. Errors are ignored: the poll reports the
/// timeout.
void kick_resolution(nl_sock* sock, const std::string& ifname, int ifindex, Ipv4 next_hop) {
  const std::uint32_t dst = htonl(next_hop);
  MsgPtr msg(nlmsg_alloc_simple(RTM_NEWNEIGH, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE));
  if (msg) {
    ndmsg ndm{};
    ndm.ndm_family = AF_INET;
    ndm.ndm_ifindex = ifindex;
    ndm.ndm_state = NUD_NONE;
    ndm.ndm_flags = NTF_USE;
    if (nlmsg_append(msg.get(), &ndm, sizeof(ndm), NLMSG_ALIGNTO) == 0 &&
        nla_put(msg.get(), NDA_DST, sizeof(dst), &dst) == 0 &&
        exchange(sock, msg.get(), nullptr, nullptr) == 0) {
      return;
    }
  }
  Fd udp(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (udp.fd < 0) return;
  // Bound to the interface so the datagram cannot leave by another route.
  if (::setsockopt(udp.fd, SOL_SOCKET, SO_BINDTODEVICE, ifname.c_str(),
                   static_cast<socklen_t>(ifname.size() + 1)) != 0) {
    return;
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9);
  to.sin_addr.s_addr = dst;
  (void)::sendto(udp.fd, "", 0, MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&to), sizeof(to));
}

/// The next hop's MAC from the neighbour table, resolving it if needed; throws RouteError after `timeout`.
Mac resolve_neighbour(nl_sock* sock, const std::string& ifname, int ifindex, Ipv4 next_hop,
                      std::chrono::milliseconds timeout) {
  const std::uint32_t be = htonl(next_hop);
  AddrPtr dst(nl_addr_build(AF_INET, &be, sizeof(be)));
  if (!dst) throw RouteError("cannot allocate a netlink address");
  nl_cache* raw = nullptr;
  if (int err = rtnl_neigh_alloc_cache(sock, &raw); err < 0) {
    throw RouteError(fmt::format("cannot read the neighbour table: {}", nl_geterror(err)));
  }
  CachePtr cache(raw);
  const auto deadline = Clock::now() + timeout;
  std::optional<Clock::time_point> last_kick;
  for (;;) {
    NeighbourState neighbour = read_neighbour(cache.get(), ifindex, dst.get());
    if (neighbour.mac) return *neighbour.mac;
    const auto now = Clock::now();
    if (now >= deadline) break;
    // INCOMPLETE (and PROBE without an address) means the kernel is already sending ARP requests.
    const bool in_progress = neighbour.present && (neighbour.state & (NUD_INCOMPLETE | NUD_PROBE)) != 0;
    if (!in_progress && (!last_kick || now - *last_kick >= kResolveRetry)) {
      kick_resolution(sock, ifname, ifindex, next_hop);
      last_kick = now;
    }
    std::this_thread::sleep_for(std::min<Clock::duration>(kNeighbourPoll, deadline - now));
    if (int err = nl_cache_refill(sock, cache.get()); err < 0) {
      throw RouteError(fmt::format("cannot read the neighbour table: {}", nl_geterror(err)));
    }
  }
  throw RouteError(fmt::format("next hop {} on {} did not answer ARP within {:.1f} s", dotted(next_hop),
                               ifname, std::chrono::duration<double>(timeout).count()));
}

}  // namespace

NextHop resolve_next_hop(const IpAddress& target_address, const RouteOverrides& overrides,
                         std::chrono::milliseconds neighbour_timeout) {
  if (!target_address.is_v4()) throw RouteError("IPv6 next hops are not resolved yet");
  const Ipv4 target = target_address.ipv4();
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
  hop.ifindex = rtnl_link_get_ifindex(link.get());
  const char* name = rtnl_link_get_name(link.get());
  hop.interface = name != nullptr ? name : std::to_string(hop.ifindex);
  if ((rtnl_link_get_flags(link.get()) & IFF_UP) == 0) {
    throw RouteError(fmt::format("interface '{}' is down", hop.interface));
  }
  hop.mtu = rtnl_link_get_mtu(link.get());
  if (route.mtu != 0 && route.mtu < hop.mtu) hop.mtu = route.mtu;

  const unsigned arptype = rtnl_link_get_arptype(link.get());
  if (arptype == ARPHRD_ETHER) {
    hop.link = LinkType::ethernet;
    nl_addr* lladdr = rtnl_link_get_addr(link.get());
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

  if (overrides.source_ip) {
    hop.source_ip = *overrides.source_ip;
  } else if (route.preferred_source) {
    hop.source_ip = IpAddress::v4(*route.preferred_source);
  } else if (auto primary = primary_address(sock.get(), hop.ifindex)) {
    hop.source_ip = IpAddress::v4(*primary);
  } else {
    throw RouteError(
        fmt::format("interface '{}' has no IPv4 address; give one with --source-ip", hop.interface));
  }

  hop.next_hop = IpAddress::v4(route.gateway.value_or(target));
  if (hop.link == LinkType::ethernet) {
    hop.next_hop_mac = overrides.router_mac ? *overrides.router_mac
                                            : resolve_neighbour(sock.get(), hop.interface, hop.ifindex,
                                                                hop.next_hop.ipv4(), neighbour_timeout);
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
