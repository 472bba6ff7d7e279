#include "engine/probes/tcp_validator.hpp"

#include <stdexcept>
#include <string>

namespace synscan {

namespace {
const ProbeBlock& first_block(const ProbeSpace& space) {
  if (space.blocks().empty()) throw std::invalid_argument("reply validator: an empty probe space");
  return space.blocks().front();
}
}  // namespace

ReplyValidator::ReplyValidator(const ProbeSpace& space, SynCookie cookie, std::optional<IpAddress> local_v4,
                               std::optional<IpAddress> local_v6, std::uint16_t source_port_first,
                               std::uint16_t source_port_last)
    : ReplyValidator(first_block(space), cookie, local_v4, local_v6, source_port_first, source_port_last) {}

ReplyValidator::ReplyValidator(const ProbeBlock& block, SynCookie cookie, std::optional<IpAddress> local_v4,
                               std::optional<IpAddress> local_v6, std::uint16_t source_port_first,
                               std::uint16_t source_port_last)
    : block_(&block),
      cookie_(cookie),
      local_v4_(local_v4 ? std::optional<Ipv4>(local_v4->ipv4()) : std::nullopt),
      local_v6_(local_v6 ? std::optional<Ipv6>(local_v6->ipv6()) : std::nullopt),
      source_port_first_(source_port_first),
      source_port_last_(source_port_last) {
  if ((local_v4 && !local_v4->is_v4()) || (local_v6 && !local_v6->is_v6())) {
    throw std::invalid_argument("local addresses given in the wrong family");
  }
  if (source_port_first > source_port_last) {
    throw std::invalid_argument("source port range " + std::to_string(source_port_first) + "-" +
                                std::to_string(source_port_last) + " is empty");
  }
}

[[gnu::always_inline]] inline std::optional<std::uint64_t> ReplyValidator::match_v4(
    const Reply& reply) const noexcept {
  if (!local_v4_ || reply.local_ip.ipv4() != *local_v4_) return std::nullopt;
  const Ipv4 target = reply.target_ip.ipv4();
  if (reply.cookie_echo != cookie_(*local_v4_, target, reply.local_port, reply.target_port))
    return std::nullopt;
  return block_->targets().index_of(target);
}

std::optional<std::uint64_t> ReplyValidator::match_v6(const Reply& reply) const noexcept {
  if (!local_v6_ || reply.local_ip.ipv6() != *local_v6_) return std::nullopt;
  const Ipv6 target = reply.target_ip.ipv6();
  if (reply.cookie_echo != cookie_.v6(*local_v6_, target, reply.local_port, reply.target_port))
    return std::nullopt;
  return block_->targets().index_of(reply.target_ip);
}

std::optional<Result> ReplyValidator::validate(const Reply& reply, std::int64_t ts_ms) const noexcept {
  // Cheapest tests first: most foreign traffic on a busy interface is not even addressed to our port range.
  if (reply.local_port < source_port_first_ || reply.local_port > source_port_last_) return std::nullopt;
  // A parser never gives mixed families; a Reply built otherwise could, and its cookie would hash the wrong
  // bits.
  if (reply.target_ip.family != reply.local_ip.family) return std::nullopt;
  // One family test, then each family's own compare and cookie (IPv4: the 12-byte message, IPv6: the 36-byte
  // one). The cookie is computed from the reply's own fields, exactly as the sender computed it for the
  // probe.
  const std::optional<std::uint64_t> target_index =
      reply.local_ip.is_v4() ? match_v4(reply) : match_v6(reply);
  // A matching cookie for a target outside the space can only come from another scan keyed alike (a resumed
  // or sharded run): still not a probe of this space, so it is not reported.
  if (!target_index) return std::nullopt;
  const auto port_index = block_->ports().index_of(reply.target_port);
  if (!port_index) return std::nullopt;
  Result r;
  r.index = block_->index_at(*target_index, *port_index);  // ProbeSpace's numbering
  r.ip = reply.target_ip;
  r.port = reply.target_port;
  r.proto = block_->proto();
  r.ttl = reply.ttl;
  r.extra = reply.window;
  r.ip_id = reply.ip_id;
  r.mss = reply.options.mss;
  r.wscale = reply.options.wscale;
  r.tcp_options = reply.options.layout;
  r.icmp_code = reply.icmp_code;
  r.ts_ms = ts_ms;
  switch (reply.kind) {
    case ReplyKind::syn_ack:
      r.state = PortState::open;
      r.reason = tcp_reason::syn_ack;
      r.answered = true;
      return r;
    case ReplyKind::rst:
      r.state = PortState::closed;
      r.reason = tcp_reason::rst;
      r.answered = true;
      return r;
    case ReplyKind::icmp_unreach:
      r.state = PortState::filtered;
      r.reason = tcp_reason::icmp_unreach;
      r.from_icmp = true;
      return r;
  }
  return std::nullopt;
}

}  // namespace synscan
