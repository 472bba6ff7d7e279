// rtnetlink plumbing shared by set-up code in capture/: see netlink.hpp.
#include "capture/netlink.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netlink/errno.h>
#include <sys/socket.h>

#include <array>
#include <cstring>

#include "capture/route.hpp"

namespace synscan::netlink {

SockPtr open_route_socket() {
  SockPtr sock(nl_socket_alloc());
  if (!sock) throw RouteError("cannot allocate a netlink socket");
  if (int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0) {
    throw RouteError(fmt::format("cannot open rtnetlink: {}", nl_geterror(err)));
  }
  return sock;
}

namespace {

/// Where the acknowledgement callbacks record the end of an exchange.
struct Exchange {
  bool done = false;
  int error = 0;
};

}  // namespace

int exchange(nl_sock* sock, nl_msg* msg, int (*on_valid)(nl_msg*, void*), void* arg) {
  Exchange state;
  CbPtr cb(nl_cb_alloc(NL_CB_DEFAULT));
  if (!cb) throw RouteError("cannot allocate netlink callbacks");
  if (on_valid != nullptr) nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_valid, arg);
  nl_cb_set(
      cb.get(), NL_CB_ACK, NL_CB_CUSTOM,
      [](nl_msg*, void* p) {
        static_cast<Exchange*>(p)->done = true;
        return static_cast<int>(NL_STOP);
      },
      &state);
  nl_cb_err(
      cb.get(), NL_CB_CUSTOM,
      [](sockaddr_nl*, nlmsgerr* err, void* p) {
        auto* s = static_cast<Exchange*>(p);
        s->done = true;
        s->error = -err->error;
        return static_cast<int>(NL_STOP);
      },
      &state);
  nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
  if (int err = nl_send_auto(sock, msg); err < 0) {
    throw RouteError(fmt::format("cannot send a netlink request: {}", nl_geterror(err)));
  }
  while (!state.done) {
    int err = nl_recvmsgs(sock, cb.get());
    if (err < 0 && !state.done) {
      throw RouteError(fmt::format("cannot read a netlink answer: {}", nl_geterror(err)));
    }
  }
  return state.error;
}

AddrPtr to_nl_addr(const IpAddress& address) {
  AddrPtr out;
  if (address.is_v4()) {
    const std::uint32_t be = htonl(address.ipv4());
    out.reset(nl_addr_build(AF_INET, &be, sizeof(be)));
  } else {
    std::array<std::uint8_t, 16> wire{};
    store_ipv6(address.ipv6(), wire.data());
    out.reset(nl_addr_build(AF_INET6, wire.data(), wire.size()));
  }
  if (!out) throw RouteError("cannot allocate a netlink address");
  return out;
}

std::optional<IpAddress> from_nl_addr(const nl_addr* address) noexcept {
  if (address == nullptr) return std::nullopt;
  const auto* bytes = static_cast<const std::uint8_t*>(nl_addr_get_binary_addr(address));
  const unsigned len = nl_addr_get_len(address);
  if (nl_addr_get_family(address) == AF_INET && len == 4) {
    std::uint32_t be = 0;
    std::memcpy(&be, bytes, sizeof(be));
    return IpAddress::v4(ntohl(be));
  }
  if (nl_addr_get_family(address) == AF_INET6 && len == 16) return IpAddress::v6(load_ipv6(bytes));
  return std::nullopt;
}

}  // namespace synscan::netlink
