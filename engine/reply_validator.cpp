#include "engine/reply_validator.hpp"

#include <stdexcept>
#include <string>

namespace synscan {

ReplyValidator::ReplyValidator(const ProbeSpace& space, SynCookie cookie, std::optional<IpAddress> local_v4,
                               std::optional<IpAddress> local_v6, std::uint16_t source_port_first,
                               std::uint16_t source_port_last)
    : space_(&space),
      cookie_(cookie),
      local_v4_(local_v4),
      local_v6_(local_v6),
      source_port_first_(source_port_first),
      source_port_last_(source_port_last) {
  if (source_port_first > source_port_last) {
    throw std::invalid_argument("source port range " + std::to_string(source_port_first) + "-" +
                                std::to_string(source_port_last) + " is empty");
  }
}

std::optional<Result> ReplyValidator::validate(const Reply& reply, std::int64_t ts_ms) const noexcept {
  // Cheapest tests first: most foreign traffic on a busy interface is not even addressed to our port range.
  const std::optional<IpAddress>& local = reply.local_ip.is_v4() ? local_v4_ : local_v6_;
  if (!local || reply.local_ip != *local) return std::nullopt;
  if (reply.local_port < source_port_first_ || reply.local_port > source_port_last_) return std::nullopt;
  // The cookie is computed from the reply's own fields, exactly as the sender computed it for the probe.
  const std::uint32_t expected =
      reply.local_ip.is_v4()
          ? cookie_(reply.local_ip.ipv4(), reply.target_ip.ipv4(), reply.local_port, reply.target_port)
          : cookie_.v6(reply.local_ip.ipv6(), reply.target_ip.ipv6(), reply.local_port, reply.target_port);
  if (reply.cookie_echo != expected || reply.target_ip.family != reply.local_ip.family) return std::nullopt;
  // A matching cookie for a target outside the space can only come from another scan keyed alike (a resumed
  // or sharded run): still not a probe of this space, so it is not reported.
  const auto index = space_->index_of(reply.target_ip, reply.target_port);
  if (!index) return std::nullopt;
  Result r;
  r.index = *index;
  r.ip = reply.target_ip;
  r.port = reply.target_port;
  r.ttl = reply.ttl;
  r.window = reply.window;
  r.icmp_code = reply.icmp_code;
  r.ts_ms = ts_ms;
  switch (reply.kind) {
    case ReplyKind::syn_ack:
      r.state = PortState::open;
      r.reason = Reason::syn_ack;
      return r;
    case ReplyKind::rst:
      r.state = PortState::closed;
      r.reason = Reason::rst;
      return r;
    case ReplyKind::icmp_unreach:
      r.state = PortState::filtered;
      r.reason = Reason::icmp_unreach;
      return r;
  }
  return std::nullopt;
}

}  // namespace synscan
