#pragma once
// Internal to capture/: move-only owners for libnl objects and one request/answer exchange over rtnetlink.
// Used at set-up only (route and next-hop discovery); nothing here is on the hot path.
#include <netlink/cache.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include <memory>
#include <optional>

#include "engine/address.hpp"

namespace synscan::netlink {

struct SockDeleter {
  void operator()(nl_sock* sock) const { nl_socket_free(sock); }
};
struct CacheDeleter {
  void operator()(nl_cache* cache) const { nl_cache_free(cache); }
};
struct MsgDeleter {
  void operator()(nl_msg* msg) const { nlmsg_free(msg); }
};
struct CbDeleter {
  void operator()(nl_cb* cb) const { nl_cb_put(cb); }
};
struct LinkDeleter {
  void operator()(rtnl_link* link) const { rtnl_link_put(link); }
};
struct NeighDeleter {
  void operator()(rtnl_neigh* neigh) const { rtnl_neigh_put(neigh); }
};
struct AddrDeleter {
  void operator()(nl_addr* addr) const { nl_addr_put(addr); }
};
struct RouteDeleter {
  void operator()(rtnl_route* route) const { rtnl_route_put(route); }
};
using SockPtr = std::unique_ptr<nl_sock, SockDeleter>;
using CachePtr = std::unique_ptr<nl_cache, CacheDeleter>;
using MsgPtr = std::unique_ptr<nl_msg, MsgDeleter>;
using CbPtr = std::unique_ptr<nl_cb, CbDeleter>;
using LinkPtr = std::unique_ptr<rtnl_link, LinkDeleter>;
using NeighPtr = std::unique_ptr<rtnl_neigh, NeighDeleter>;
using AddrPtr = std::unique_ptr<nl_addr, AddrDeleter>;
using RoutePtr = std::unique_ptr<rtnl_route, RouteDeleter>;

/// A socket connected to NETLINK_ROUTE in the calling thread's network namespace. Throws RouteError.
SockPtr open_route_socket();

/// One request/answer exchange: sends `msg` with NLM_F_ACK added and passes every answer message to
/// `on_valid` (with `arg`; may be null) until the kernel's acknowledgement. Returns 0, or the positive errno
/// the kernel answered with (e.g. ENETUNREACH, EPERM). Throws RouteError when the socket itself fails.
int exchange(nl_sock* sock, nl_msg* msg, int (*on_valid)(nl_msg*, void*), void* arg);

/// `address` as a libnl address: family AF_INET (4 bytes) or AF_INET6 (16 bytes), network byte order inside,
/// prefix length 32 or 128 (what libnl gives the addresses it parses, so rtnl_neigh_get and nl_addr_cmp match
/// them). Throws RouteError when libnl cannot allocate it.
AddrPtr to_nl_addr(const IpAddress& address);

/// The IpAddress (host byte order) a libnl address holds: AF_INET with 4 bytes or AF_INET6 with 16 bytes;
/// nullopt for null, any other family or length.
std::optional<IpAddress> from_nl_addr(const nl_addr* address) noexcept;

}  // namespace synscan::netlink
