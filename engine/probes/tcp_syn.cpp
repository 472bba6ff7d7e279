#include "engine/probes/tcp_syn.hpp"

#include <stdexcept>

#include "engine/probes/port_filters.hpp"
#include "engine/probes/registry.hpp"
#include "engine/probes/tcp_reply.hpp"

namespace synscan {
namespace {

std::optional<IpAddress> source_of(const std::optional<LocalEndpoint>& e) {
  return e ? std::optional<IpAddress>(e->source_ip) : std::nullopt;
}

// The template of one family: the endpoint's addresses, the profile's options, window and TTL.
TemplateParams template_params(const LocalEndpoint& e, SynProfile profile) {
  TemplateParams tp;
  tp.link = e.link;
  tp.source_mac = e.source_mac;
  tp.next_hop_mac = e.next_hop_mac;
  tp.source_ip = e.source_ip.ipv4();
  tp.profile = profile;
  const SynOptions o = syn_options(profile, tp.mss);
  tp.window = o.window;
  tp.ttl = o.ttl;
  return tp;
}

TemplateParams6 template_params6(const LocalEndpoint& e, SynProfile profile) {
  TemplateParams6 tp;
  tp.link = e.link;
  tp.source_mac = e.source_mac;
  tp.next_hop_mac = e.next_hop_mac;
  tp.source_ip = e.source_ip.ipv6();
  tp.profile = profile;
  const SynOptions o = syn_options(profile, tp.mss);
  tp.window = o.window;
  tp.hop_limit = o.ttl;
  return tp;
}

void check_profile(std::string_view value) {
  if (!syn_profile_by_name(value)) {
    throw std::invalid_argument("unknown SYN profile '" + std::string(value) +
                                "' (windows, linux, bsd, mss, none)");
  }
}

const ModuleOption kTcpOptions[] = {
    {.name = "syn-profile",
     .value_name = "NAME",
     .help =
         "the TCP options of the SYN probes, as a real system sends them: windows (MSS, window scale, SACK; "
         "the default, as zmap's), linux (with timestamps), bsd (macOS, with timestamps), mss (MSS alone), "
         "none; linux and bsd carry the send time in TSval, which gives the round trip (rtt_ms) of targets "
         "that echo it",
     .check = check_profile,
     .default_value = "windows"},
};

// A send slot: the largest frame crafted, rounded up to whole 64-byte cache lines.
constexpr std::size_t kStride6 = (MixedProbeMaker::kMaxFrame + 63) / 64 * 64;
static_assert(kStride6 == 128, "an IPv6 probe's slot is two cache lines");
static_assert(ProbeTemplate::kSmallCopy == 64, "an IPv4 probe with MSS alone has one cache line, as before");

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
    .reply_facts = true,
};

}  // namespace

const Vocabulary& TcpSynModule::kVocabulary = kTcpSynVocabulary;
const std::span<const ModuleOption> TcpSynModule::kOptions = kTcpOptions;

SynProfile TcpSynModule::profile_of(const ModuleArgs& args) {
  SynProfile profile = kDefaultSynProfile;
  for (const auto& [name, value] : args) {
    if (name != "syn-profile") continue;
    check_profile(value);
    profile = *syn_profile_by_name(value);
  }
  return profile;
}

TcpSynModule::TcpSynModule(const ProbeSetup& setup, const ProbeBlock& block)
    : setup_(setup),
      profile_(profile_of(setup.args)),
      cookie_(setup.key),
      clock_(setup.key),
      validator_(block, cookie_, source_of(setup.v4), source_of(setup.v6), setup.source_port_first,
                 setup.source_port_last) {
  const TargetSet& targets = block.targets();
  if (targets.v4_size() > 0) {
    if (!setup.v4 || !setup.v4->source_ip.is_v4()) {
      throw std::invalid_argument("tcp_syn: IPv4 targets but no IPv4 source");
    }
    tmpl4_.emplace(template_params(*setup.v4, profile_));
  }
  if (targets.v6_size() > 0) {
    if (!setup.v6 || !setup.v6->source_ip.is_v6()) {
      throw std::invalid_argument("tcp_syn: IPv6 targets but no IPv6 source");
    }
    const Ipv4 source4 = tmpl4_ ? setup.v4->source_ip.ipv4() : 0;
    mixed_.emplace(block, tmpl4_, ProbeTemplate6(template_params6(*setup.v6, profile_)), cookie_, source4,
                   setup.v6->source_ip.ipv6(), setup.source_port_first, setup.source_port_last);
    stride_ = kStride6;
  } else if (tmpl4_) {
    maker4_.emplace(block, *tmpl4_, cookie_, setup.v4->source_ip.ipv4(), setup.source_port_first,
                    setup.source_port_last);
    stride_ = tmpl4_->copy_size();
  }
  timestamps_ = syn_options(profile_, 0).tsval_offset >= 0;
}

void TcpSynModule::craft_batch(const ProbeIndex* indices, std::size_t n, std::uint8_t* out,
                               std::size_t stride, std::uint16_t* lengths) const noexcept {
  // maker4_ is set exactly when the space is non-empty and ProbeLocator::all_v4(): IPv4 only, no family test.
  const std::uint32_t tsval = timestamps_ ? clock_.now() : 0;
  if (maker4_) {
    maker4_->craft_batch(indices, n, out, stride, tsval);
    const auto len = static_cast<std::uint16_t>(tmpl4_->size());
    for (std::size_t i = 0; i < n; ++i) lengths[i] = len;
  } else if (mixed_) {
    mixed_->craft_batch(indices, n, out, stride, lengths, tsval);
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
  std::optional<Result> r = validator_.validate(*reply, ts_ms);
  // Our TSval echoed: the round trip, if it is one we sent (a SYN-ACK's TSecr; an RST carries no timestamp).
  if (r && timestamps_ && reply->options.has_timestamps) {
    if (const auto rtt = clock_.rtt_ms(reply->options.tsecr, ts_ms))
      r->rtt_ms = static_cast<std::uint16_t>(*rtt);
  }
  return r;
}

}  // namespace synscan
