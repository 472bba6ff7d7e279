#include "engine/probes/icmp_echo.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "engine/packet_reader.hpp"
#include "engine/probes/wire.hpp"

namespace synscan {
namespace {

constexpr std::uint8_t kEchoRequest4 = 8, kEchoReply4 = 0;      // RFC 792
constexpr std::uint8_t kEchoRequest6 = 128, kEchoReply6 = 129;  // RFC 4443 4.1, 4.2
constexpr std::size_t kEchoHeader = 8;  // type, code, checksum, identifier, sequence number

constexpr std::string_view kReasonNames[] = {"no-response", "echo-reply", "icmp-unreach"};
constexpr std::uint8_t kReasonRank[] = {0, 2, 1};
constexpr std::uint8_t kIpProtocols[] = {kIpProtoIcmp, kIpProtoIcmpv6};

const Vocabulary kEchoVocabulary{
    .module = "icmp_echo",
    .protocol = "icmp",
    .port_prefix = "",
    .has_ports = false,
    .scan_type = "",
    .silence = PortState::filtered,
    .state_names = {"up", "closed", "down", "down"},
    .reason_names = kReasonNames,
    .reason_rank = kReasonRank,
    .usual_reason = {Reason{1}, Reason::no_response, Reason::no_response, Reason::no_response},
    .extra_field = "",
    .service_table = "",
    .describes = false,
    .stream_banners = false,
};

std::array<std::uint8_t, kEchoHeader> request(Family f) {
  return {f == Family::ipv4 ? kEchoRequest4 : kEchoRequest6, 0, 0, 0, 0, 0, 0, 0};
}

}  // namespace

const Vocabulary& IcmpEchoModule::kVocabulary = kEchoVocabulary;

IcmpEchoModule::IcmpEchoModule(const ProbeSetup& setup, const ProbeBlock& block)
    // "echo-key": the scan's key labelled, so no echo cookie is the TCP cookie of the addresses, ports 0.
    : block_(block), cookie_(setup.key.labelled(0x6563686f2d6b6579ull)) {
  if (block.targets().v4_size() > 0) {
    if (!setup.v4 || !setup.v4->source_ip.is_v4())
      throw std::invalid_argument("icmp_echo: IPv4 targets but no IPv4 source");
    local4_ = setup.v4->source_ip;
    const auto t = request(Family::ipv4);
    tmpl4_.emplace(*setup.v4, kIpProtoIcmp, t);
  }
  if (block.targets().v6_size() > 0) {
    if (!setup.v6 || !setup.v6->source_ip.is_v6())
      throw std::invalid_argument("icmp_echo: IPv6 targets but no IPv6 source");
    local6_ = setup.v6->source_ip;
    const auto t = request(Family::ipv6);
    tmpl6_.emplace(*setup.v6, kIpProtoIcmpv6, t);
  }
}

std::uint32_t IcmpEchoModule::cookie(const IpAddress& local, const IpAddress& target) const noexcept {
  return local.is_v4() ? cookie_(local.ipv4(), target.ipv4(), 0, 0)
                       : cookie_.v6(local.ipv6(), target.ipv6(), 0, 0);
}

void IcmpEchoModule::craft_batch(const ProbeIndex* indices, std::size_t n, std::uint8_t* out,
                                 std::size_t stride, std::uint16_t* lengths) const noexcept {
  const ProbeLocator locator = block_.locator();
  for (std::size_t i = 0; i < n; ++i) {
    const IpAddress target = locator.at(indices[i]).ip;
    const bool v4 = target.is_v4();
    const IpFrameTemplate& t = v4 ? *tmpl4_ : *tmpl6_;
    std::uint8_t* frame = out + stride * i;
    t.craft(frame, target);
    std::uint8_t* icmp = frame + t.transport_offset();
    store_be32(icmp + 4, cookie(v4 ? *local4_ : *local6_, target));
    // ICMPv4's checksum covers the message alone (RFC 792); ICMPv6's the pseudo-header too (RFC 4443 2.3).
    t.finish_transport(frame, target, 2, /*with_pseudo=*/!v4);
    lengths[i] = static_cast<std::uint16_t>(t.size());
  }
}

std::string IcmpEchoModule::reply_filter() const {
  std::string out;
  if (local4_) {
    out += fmt::format("(icmp and dst host {} and (icmp[0] == 0 or icmp[0] == 3))", format_address(*local4_));
  }
  if (local6_) {
    if (!out.empty()) out += " or ";
    out +=
        fmt::format("(icmp6 and dst host {} and (ip6[40] == 129 or ip6[40] == 1))", format_address(*local6_));
  }
  return out.empty() ? std::string("less 0") : out;
}

std::string IcmpEchoModule::traffic_filter() const {
  std::string out;
  if (local4_) out += fmt::format("(icmp and src host {} and icmp[0] == 8)", format_address(*local4_));
  if (local6_) {
    if (!out.empty()) out += " or ";
    out += fmt::format("(icmp6 and src host {} and ip6[40] == 128)", format_address(*local6_));
  }
  return out.empty() ? reply_filter() : out + " or " + reply_filter();
}

std::span<const std::uint8_t> IcmpEchoModule::ip_protocols() const noexcept { return kIpProtocols; }

std::optional<Result> IcmpEchoModule::classify(const Packet& p, std::int64_t ts_ms,
                                               AnswerInfo* /*answer*/) const noexcept {
  const bool v4 = p.src().is_v4();
  if (p.protocol != (v4 ? kIpProtoIcmp : kIpProtoIcmpv6)) return std::nullopt;
  const std::optional<IpAddress>& local = v4 ? local4_ : local6_;
  Result r;
  IpAddress target;
  std::span<const std::uint8_t> echo;
  if (!p.quote) {
    if (p.icmp_type != (v4 ? kEchoReply4 : kEchoReply6) || !local || p.dst() != *local) return std::nullopt;
    target = p.src();
    echo = p.transport;
    r.state = PortState::open;
    r.reason = echo_reason::echo_reply;
    r.answered = true;
  } else {
    // An error quoting our request: its quoted source is ours, its quoted destination the target.
    if (p.quote->protocol != p.protocol || !local || p.quote->src != *local) return std::nullopt;
    target = p.quote->dst;
    echo = p.quote->transport;
    r.state = PortState::filtered;
    r.reason = echo_reason::icmp_unreach;
    r.from_icmp = true;
    r.icmp_code = p.icmp_code;
  }
  PacketReader e(echo);
  if (e.remaining() < kEchoHeader) return std::nullopt;
  const std::uint8_t type = e.read_u8().value_or(0);
  if (p.quote && type != (v4 ? kEchoRequest4 : kEchoRequest6)) return std::nullopt;
  (void)e.skip(3);
  const std::uint32_t echoed = e.read_u32().value_or(0);
  if (echoed != cookie(*local, target)) return std::nullopt;
  const std::optional<ProbeIndex> index = block_.index_of(target, 0);
  if (!index) return std::nullopt;
  r.index = *index;
  r.ip = target;
  r.port = 0;
  r.proto = block_.proto();
  r.ttl = p.ttl;
  r.ts_ms = ts_ms;
  return r;
}

}  // namespace synscan
