// The next hop's MAC from the neighbour table, resolved by the kernel when missing: see route_neighbour.hpp.
#include "capture/route_neighbour.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/route/neighbour.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <thread>

#include "capture/netlink.hpp"
#include "capture/route.hpp"

namespace synscan::netlink {
namespace {

using Clock = std::chrono::steady_clock;

/// How often the neighbour table is read while the kernel resolves the next hop.
constexpr std::chrono::milliseconds kNeighbourPoll{20};
/// How long to leave the kernel's own retries alone before asking again: one default retrans_time (ARP and
/// neighbour discovery alike, RFC 4861 section 10 RETRANS_TIMER).
constexpr std::chrono::milliseconds kResolveRetry{1000};
/// The UDP discard port (RFC 863): nobody is expected to listen, and the datagram is empty.
constexpr std::uint16_t kDiscardPort = 9;

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

/// fe80::/10 (RFC 4291 section 2.5.6): meaningful only together with an interface.
bool is_link_local(const IpAddress& a) { return a.is_v6() && (a.ipv6() >> 118) == 0x3fa; }

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

/// Asks the kernel to resolve `next_hop` on the interface: first as `ip neigh replace NEXT_HOP dev IF use`
/// does (needs CAP_NET_ADMIN); failing that, by sending an empty UDP datagram to the next hop's discard port,
/// which makes the kernel resolve it like any other packet would. Errors are ignored: the poll reports the
/// timeout.
void kick_resolution(nl_sock* sock, const std::string& ifname, int ifindex, const IpAddress& next_hop) {
  std::array<std::uint8_t, 16> dst{};  // network byte order
  std::size_t dst_len = 4;
  if (next_hop.is_v4()) {
    const std::uint32_t be = htonl(next_hop.ipv4());
    std::memcpy(dst.data(), &be, sizeof(be));
  } else {
    store_ipv6(next_hop.ipv6(), dst.data());
    dst_len = 16;
  }
  const int family = next_hop.is_v4() ? AF_INET : AF_INET6;
  MsgPtr msg(nlmsg_alloc_simple(RTM_NEWNEIGH, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE));
  if (msg) {
    ndmsg ndm{};
    ndm.ndm_family = static_cast<std::uint8_t>(family);
    ndm.ndm_ifindex = ifindex;
    ndm.ndm_state = NUD_NONE;
    ndm.ndm_flags = NTF_USE;
    if (nlmsg_append(msg.get(), &ndm, sizeof(ndm), NLMSG_ALIGNTO) == 0 &&
        nla_put(msg.get(), NDA_DST, static_cast<int>(dst_len), dst.data()) == 0 &&
        exchange(sock, msg.get(), nullptr, nullptr) == 0) {
      return;
    }
  }
  Fd udp(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (udp.fd < 0) return;
  // Bound to the interface so the datagram cannot leave by another route.
  if (::setsockopt(udp.fd, SOL_SOCKET, SO_BINDTODEVICE, ifname.c_str(),
                   static_cast<socklen_t>(ifname.size() + 1)) != 0) {
    return;
  }
  if (next_hop.is_v4()) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(kDiscardPort);
    std::memcpy(&to.sin_addr, dst.data(), 4);
    (void)::sendto(udp.fd, "", 0, MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&to), sizeof(to));
  } else {
    sockaddr_in6 to{};
    to.sin6_family = AF_INET6;
    to.sin6_port = htons(kDiscardPort);
    std::memcpy(&to.sin6_addr, dst.data(), 16);
    // A link-local address names no link by itself (RFC 4007 section 6). SO_BINDTODEVICE above already gives
    // the kernel the interface; the scope id says the same in the address itself rather than relying on that.
    if (is_link_local(next_hop)) to.sin6_scope_id = static_cast<std::uint32_t>(ifindex);
    (void)::sendto(udp.fd, "", 0, MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&to), sizeof(to));
  }
}

}  // namespace

Mac resolve_neighbour(nl_sock* sock, const std::string& ifname, int ifindex, const IpAddress& next_hop,
                      std::chrono::milliseconds timeout) {
  AddrPtr dst = to_nl_addr(next_hop);
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
    // INCOMPLETE (and PROBE without an address) means the kernel is already sending ARP requests or
    // neighbour solicitations.
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
  throw RouteError(fmt::format(
      "next hop {} on {} did not answer {} within {:.1f} s", format_address(next_hop), ifname,
      next_hop.is_v4() ? "ARP" : "neighbour solicitation", std::chrono::duration<double>(timeout).count()));
}

}  // namespace synscan::netlink
