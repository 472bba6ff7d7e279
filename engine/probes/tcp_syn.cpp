#include "engine/probes/tcp_syn.hpp"

#include <stdexcept>

#include "engine/probes/port_filters.hpp"
#include "engine/probes/tcp_reply.hpp"

namespace synscan {
namespace {

std::optional<IpAddress> source_of(const std::optional<LocalEndpoint>& e) {
  return e ? std::optional<IpAddress>(e->source_ip) : std::nullopt;
}

TemplateParams template_params(const LocalEndpoint& e) {
  TemplateParams tp;
  tp.link = e.link;
  tp.source_mac = e.source_mac;
  tp.next_hop_mac = e.next_hop_mac;
  tp.source_ip = e.source_ip.ipv4();
  return tp;
}

TemplateParams6 template_params6(const LocalEndpoint& e) {
  TemplateParams6 tp;
  tp.link = e.link;
  tp.source_mac = e.source_mac;
  tp.next_hop_mac = e.next_hop_mac;
  tp.source_ip = e.source_ip.ipv6();
  return tp;
}

// A send slot: the largest frame crafted, rounded up to whole 64-byte cache lines.
constexpr std::size_t kStride6 = (MixedProbeMaker::kMaxFrame + 63) / 64 * 64;
static_assert(kStride6 == 128, "an IPv6 probe's slot is two cache lines");
static_assert(ProbeTemplate::kMaxFrame == 64, "an IPv4 probe's slot is one cache line, as before IPv6");

constexpr std::string_view kReasonNames[] = {"no-response", "syn-ack", "rst", "icmp-unreach"};
constexpr std::uint8_t kReasonRank[] = {0, 3, 2, 1};
constexpr std::uint8_t kIpProtocols[] = {kIpProtoTcp};

const Vocabulary kTcpSynVocabulary{
    .module = "tcp_syn",
    .protocol = "tcp",
    .port_prefix = "T",
    .has_ports = true,
    .scan_type = "syn",
    .silence = PortState::filtered,
    .state_names = {"open", "closed", "filtered", "open|filtered"},
    .reason_names = kReasonNames,
    .reason_rank = kReasonRank,
    .usual_reason = {Reason{1}, Reason{2}, Reason::no_response, Reason::no_response},
    .extra_field = "window",
    .service_table = "tcp",
    .describes = false,
    .stream_banners = true,
};

}  // namespace

const Vocabulary& TcpSynModule::kVocabulary = kTcpSynVocabulary;

TcpSynModule::TcpSynModule(const ProbeSetup& setup, const ProbeBlock& block)
    : setup_(setup),
      cookie_(setup.key),
      validator_(block, cookie_, source_of(setup.v4), source_of(setup.v6), setup.source_port_first,
                 setup.source_port_last) {
  const TargetSet& targets = block.targets();
  if (targets.v4_size() > 0) {
    if (!setup.v4 || !setup.v4->source_ip.is_v4()) {
      throw std::invalid_argument("tcp_syn: IPv4 targets but no IPv4 source");
    }
    tmpl4_.emplace(template_params(*setup.v4));
  }
  if (targets.v6_size() > 0) {
    if (!setup.v6 || !setup.v6->source_ip.is_v6()) {
      throw std::invalid_argument("tcp_syn: IPv6 targets but no IPv6 source");
    }
    const Ipv4 source4 = tmpl4_ ? setup.v4->source_ip.ipv4() : 0;
    mixed_.emplace(block, tmpl4_, ProbeTemplate6(template_params6(*setup.v6)), cookie_, source4,
                   setup.v6->source_ip.ipv6(), setup.source_port_first, setup.source_port_last);
    stride_ = kStride6;
  } else if (tmpl4_) {
    maker4_.emplace(block, *tmpl4_, cookie_, setup.v4->source_ip.ipv4(), setup.source_port_first,
                    setup.source_port_last);
  }
}

void TcpSynModule::craft_batch(const ProbeIndex* indices, std::size_t n, std::uint8_t* out, std::size_t stride,
                               std::uint16_t* lengths) const noexcept {
  // maker4_ is set exactly when the space is non-empty and ProbeLocator::all_v4(): IPv4 only, no family test.
  if (maker4_) {
    maker4_->craft_batch(indices, n, out, stride);
    const auto len = static_cast<std::uint16_t>(tmpl4_->size());
    for (std::size_t i = 0; i < n; ++i) lengths[i] = len;
  } else if (mixed_) {
    mixed_->craft_batch(indices, n, out, stride, lengths);
  }
}

std::string TcpSynModule::reply_filter() const {
  return port_reply_filter("tcp", source_of(setup_.v4), source_of(setup_.v6), setup_.source_port_first,
                              setup_.source_port_last);
}

std::string TcpSynModule::traffic_filter() const {
  return port_traffic_filter("tcp", source_of(setup_.v4), source_of(setup_.v6), setup_.source_port_first,
                                setup_.source_port_last);
}

std::span<const std::uint8_t> TcpSynModule::ip_protocols() const noexcept { return kIpProtocols; }

std::optional<Result> TcpSynModule::classify(const Packet& packet, std::int64_t ts_ms,
                                             AnswerInfo* /*answer*/) const noexcept {
  const std::optional<Reply> reply = tcp_reply(packet);
  if (!reply) return std::nullopt;
  return validator_.validate(*reply, ts_ms);
}

}  // namespace synscan
