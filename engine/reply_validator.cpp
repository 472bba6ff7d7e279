#include "engine/reply_validator.hpp"

#include <stdexcept>
#include <string>

namespace synscan {

ReplyValidator::ReplyValidator(const ProbeSpace& space, SynCookie cookie, Ipv4 local_ip,
                               std::uint16_t source_port_first, std::uint16_t source_port_last)
    : space_(&space),
      cookie_(cookie),
      local_ip_(local_ip),
      source_port_first_(source_port_first),
      source_port_last_(source_port_last) {
  if (source_port_first > source_port_last) {
    throw std::invalid_argument("source port range " + std::to_string(source_port_first) + "-" +
                                std::to_string(source_port_last) + " is empty");
  }
}

std::optional<Verdict> ReplyValidator::validate(const Reply& reply) const noexcept {
  // Cheapest tests first: most foreign traffic on a busy interface is not even addressed to our port range.
  if (reply.local_ip != local_ip_) return std::nullopt;
  if (reply.local_port < source_port_first_ || reply.local_port > source_port_last_) return std::nullopt;
  // The cookie is computed from the reply's own fields, exactly as the sender computed it for the probe.
  if (reply.cookie_echo != cookie_(reply.local_ip, reply.target_ip, reply.local_port, reply.target_port)) {
    return std::nullopt;
  }
  // A matching cookie for a target outside the space can only come from another scan keyed alike (a resumed
  // or sharded run): still not a probe of this space, so it is not reported.
  const auto index = space_->index_of(reply.target_ip, reply.target_port);
  if (!index) return std::nullopt;

  switch (reply.kind) {
    case ReplyKind::syn_ack:
      return Verdict{*index, PortState::open, Reason::syn_ack};
    case ReplyKind::rst:
      return Verdict{*index, PortState::closed, Reason::rst};
    case ReplyKind::icmp_unreach:
      return Verdict{*index, PortState::filtered, Reason::icmp_unreach};
  }
  return std::nullopt;
}

}  // namespace synscan
