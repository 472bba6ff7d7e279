#include "engine/probes/udp_module.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "engine/packet_reader.hpp"
#include "engine/probes/port_filters.hpp"
#include "engine/probes/udp/answer.hpp"
#include "engine/probes/udp/nmap_payloads.hpp"
#include "engine/probes/wire.hpp"

namespace synscan {
namespace {

constexpr std::size_t kUdpHeader = 8;  // source port, destination port, length, checksum (RFC 768)
constexpr std::uint8_t kIpProtocols[] = {kIpProtoUdp};

constexpr std::string_view kReasonNames[] = {"no-response", "udp-response", "port-unreach", "icmp-unreach"};
constexpr std::uint8_t kReasonRank[] = {0, 3, 2, 1};

const Vocabulary kUdpVocabulary{
    .module = "udp",
    .protocol = "udp",
    .port_prefix = "U",
    .has_ports = true,
    .scan_type = "udp",
    .silence = PortState::open_filtered,
    .state_names = {"open", "closed", "filtered", "open|filtered"},
    .reason_names = kReasonNames,
    .reason_rank = kReasonRank,
    .usual_reason = {Reason{1}, Reason{2}, Reason::no_response, Reason::no_response},
    .extra_field = "",
    .service_table = "udp",
    .describes = true,
    .stream_banners = false,
};

void check_payload_option(std::string_view v) { (void)udp::parse_payload_option(v); }
void check_payload_file(std::string_view text) { (void)udp::parse_nmap_payloads(text); }

const ModuleOption kUdpOptions[] = {
    {"udp-payload", "PORT:HEX",
     "UDP payload for a port, e.g. 9999:deadbeef (repeatable); replaces the built-in and nmap payloads there",
     true, false, "", check_payload_option},
    {"udp-payload-file", "FILE",
     "UDP payloads in nmap's nmap-payloads format for the ports without a built-in one (default: "
     "/usr/share/nmap/nmap-payloads when installed; 'none' reads none)",
     true, true, "/usr/share/nmap/nmap-payloads", check_payload_file},
};

// ICMP destination-unreachable codes: port unreachable says closed (nmap -sU); the codes nmap reads as a
// filter say filtered (RFC 792, RFC 1812 5.2.7.1: net, host, protocol unreachable, administratively
// prohibited; RFC 4443 3.1: no route, administratively prohibited, beyond scope, address unreachable, failed
// policy, reject route). The rest (fragmentation needed, ...) say nothing about the port.
constexpr std::uint8_t kPortUnreach4 = 3, kPortUnreach6 = 4;
constexpr bool is_filtering_code_v4(std::uint8_t code) noexcept {
  return code <= 2 || code == 9 || code == 10 || code == 13;
}
constexpr bool is_filtering_code_v6(std::uint8_t code) noexcept { return code <= 6 && code != kPortUnreach6; }

udp::UdpPayload generic(std::vector<std::uint8_t> bytes) {
  udp::UdpPayload p;
  p.bytes = std::move(bytes);
  return p;
}

}  // namespace

const Vocabulary& UdpModule::kVocabulary = kUdpVocabulary;
const std::span<const ModuleOption> UdpModule::kOptions = kUdpOptions;

UdpModule::UdpModule(const ProbeSetup& setup, const ProbeBlock& block)
    : block_(block),
      high_(setup.key.labelled(0x7564702d68696768ull)),  // "udp-high": no UDP cookie is a TCP cookie
      low_(setup.key.labelled(0x7564702d6c6f7721ull)),   // "udp-low!"
      port_first_(setup.source_port_first),
      port_last_(setup.source_port_last) {
  // The user's payloads, then the payload files': a port's payload is the user's, else the built-in one, else
  // the first file's that names it, else the empty datagram.
  std::map<std::uint16_t, std::vector<std::uint8_t>> user, files;
  for (const auto& [name, value] : setup.args) {
    if (name == "udp-payload") {
      auto [port, bytes] = udp::parse_payload_option(value);
      user[port] = std::move(bytes);
    } else if (name == "udp-payload-file") {
      for (auto& [port, bytes] : udp::parse_nmap_payloads(value)) files.try_emplace(port, std::move(bytes));
    }
  }
  const PortSet& ports = block.ports();
  payload_of_.resize(ports.size());
  for (std::uint32_t i = 0; i < ports.size(); ++i) {
    const std::uint16_t port = ports.at(i);
    udp::UdpPayload p;
    if (auto u = user.find(port); u != user.end()) {
      p = generic(u->second);
    } else if (std::optional<udp::UdpPayload> b = udp::builtin_payload(port)) {
      p = std::move(*b);
    } else if (auto f = files.find(port); f != files.end()) {
      p = generic(f->second);
    }
    const auto same = std::find_if(payloads_.begin(), payloads_.end(), [&](const udp::UdpPayload& q) {
      return q.bytes == p.bytes && q.slot == p.slot && q.kind == p.kind;
    });
    if (same == payloads_.end()) {
      if (payloads_.size() == 0xFFFF) throw std::invalid_argument("udp: more than 65,535 distinct payloads");
      payloads_.push_back(std::move(p));
      payload_of_[i] = static_cast<std::uint16_t>(payloads_.size() - 1);
    } else {
      payload_of_[i] = static_cast<std::uint16_t>(same - payloads_.begin());
    }
  }
  const auto build = [&](const LocalEndpoint& local, std::vector<IpFrameTemplate>& out) {
    for (const udp::UdpPayload& p : payloads_) {
      std::vector<std::uint8_t> transport(kUdpHeader + p.bytes.size(), 0);
      store_be16(transport.data() + 4, static_cast<std::uint16_t>(transport.size()));
      std::copy(p.bytes.begin(), p.bytes.end(), transport.begin() + kUdpHeader);
      out.emplace_back(local, kIpProtoUdp, transport);
      stride_ = std::max(stride_, (out.back().size() + 63) / 64 * 64);
    }
  };
  if (block.targets().v4_size() > 0) {
    if (!setup.v4 || !setup.v4->source_ip.is_v4())
      throw std::invalid_argument("udp: IPv4 targets but no IPv4 source");
    local4_ = setup.v4->source_ip;
    build(*setup.v4, tmpl4_);
  }
  if (block.targets().v6_size() > 0) {
    if (!setup.v6 || !setup.v6->source_ip.is_v6())
      throw std::invalid_argument("udp: IPv6 targets but no IPv6 source");
    local6_ = setup.v6->source_ip;
    build(*setup.v6, tmpl6_);
  }
}

const udp::UdpPayload& UdpModule::payload_for(std::uint16_t port) const noexcept {
  static const udp::UdpPayload kEmpty;
  const auto i = block_.ports().index_of(port);
  return i ? payloads_[payload_of_[*i]] : kEmpty;
}

std::uint64_t UdpModule::cookie(const IpAddress& local, const IpAddress& target, std::uint16_t sport,
                                std::uint16_t dport, std::uint8_t bytes) const noexcept {
  // A field of 4 bytes or fewer holds low bits alone (udp::cookie_field_value): the high hash only for wider
  // ones.
  if (local.is_v4()) {
    const std::uint64_t high = bytes > 4 ? high_(local.ipv4(), target.ipv4(), sport, dport) : 0;
    return high << 32 | low_(local.ipv4(), target.ipv4(), sport, dport);
  }
  const std::uint64_t high = bytes > 4 ? high_.v6(local.ipv6(), target.ipv6(), sport, dport) : 0;
  return high << 32 | low_.v6(local.ipv6(), target.ipv6(), sport, dport);
}

std::uint16_t UdpModule::source_port(const IpAddress& local, const IpAddress& target,
                                     std::uint16_t dport) const noexcept {
  // A keyed hash of the probe's addresses and port, reduced to the range by multiply-shift (Lemire): the
  // source port carries log2(range) secret bits of its own (8 with the default 256 ports).
  const std::uint32_t h = local.is_v4() ? low_(local.ipv4(), target.ipv4(), 0, dport)
                                        : low_.v6(local.ipv6(), target.ipv6(), 0, dport);
  const std::uint32_t count = std::uint32_t{port_last_} - port_first_ + 1;
  return static_cast<std::uint16_t>(port_first_ + ((std::uint64_t{h} * count) >> 32));
}

void UdpModule::craft_batch(const ProbeIndex* indices, std::size_t n, std::uint8_t* out, std::size_t stride,
                            std::uint16_t* lengths) const noexcept {
  const ProbeLocator locator = block_.locator();
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t t = 0;
    std::uint16_t dport = 0;
    locator.split(indices[i], t, dport);
    const bool v4 = t < locator.v4_count();
    const IpAddress target = v4 ? IpAddress::v4(locator.v4_at(t)) : IpAddress::v6(locator.v6_at(t));
    const std::uint16_t pi = payload_of_[*block_.ports().index_of(dport)];
    const IpFrameTemplate& tmpl = v4 ? tmpl4_[pi] : tmpl6_[pi];
    std::uint8_t* frame = out + stride * i;
    tmpl.craft(frame, target);
    std::uint8_t* udp = frame + tmpl.transport_offset();
    const std::uint16_t sport = source_port(v4 ? *local4_ : *local6_, target, dport);
    store_be16(udp, sport);
    store_be16(udp + 2, dport);
    const udp::UdpPayload& p = payloads_[pi];
    if (p.slot.bytes > 0) {
      udp::write_cookie(p.kind, p.slot, cookie(v4 ? *local4_ : *local6_, target, sport, dport, p.slot.bytes),
                        {udp + kUdpHeader, p.bytes.size()});
    }
    tmpl.finish_transport(frame, target, 6, /*with_pseudo=*/true);
    lengths[i] = static_cast<std::uint16_t>(tmpl.size());
  }
}

std::string UdpModule::reply_filter() const {
  return port_reply_filter("udp", local4_, local6_, port_first_, port_last_);
}

std::string UdpModule::traffic_filter() const {
  return port_traffic_filter("udp", local4_, local6_, port_first_, port_last_);
}

std::span<const std::uint8_t> UdpModule::ip_protocols() const noexcept { return kIpProtocols; }

std::optional<Result> UdpModule::classify(const Packet& p, std::int64_t ts_ms,
                                          AnswerInfo* answer) const noexcept {
  if (p.quote) return classify_error(p, ts_ms);
  if (p.protocol == kIpProtoUdp) return classify_answer(p, ts_ms, answer);
  return std::nullopt;
}

std::optional<Result> UdpModule::classify_answer(const Packet& p, std::int64_t ts_ms,
                                                 AnswerInfo* answer) const noexcept {
  const std::optional<IpAddress>& local = p.dst().is_v4() ? local4_ : local6_;
  if (!local || p.dst() != *local) return std::nullopt;
  PacketReader r(p.transport);
  if (r.remaining() < kUdpHeader) return std::nullopt;
  const std::uint16_t tport = r.read_u16().value_or(0);
  const std::uint16_t lport = r.read_u16().value_or(0);
  const std::uint16_t length = r.read_u16().value_or(0);
  if (length < kUdpHeader || length > p.transport.size()) return std::nullopt;
  const std::optional<ProbeIndex> index = block_.index_of(p.src(), tport);
  if (!index) return std::nullopt;
  // The source port is the probe's own (keyed): a datagram to another port answers no probe.
  if (lport != source_port(*local, p.src(), tport)) return std::nullopt;
  const udp::UdpPayload& pl = payloads_[payload_of_[*block_.ports().index_of(tport)]];
  const std::span<const std::uint8_t> data = p.transport.subspan(kUdpHeader, length - kUdpHeader);
  const std::optional<std::uint64_t> echoed = udp::echoed_cookie(pl.kind, pl.slot, data);
  if (!echoed || *echoed != udp::cookie_field_value(pl.kind, pl.slot,
                                                    cookie(*local, p.src(), lport, tport, pl.slot.bytes))) {
    return std::nullopt;
  }
  Result res;
  res.index = *index;
  res.ip = p.src();
  res.port = tport;
  res.proto = block_.proto();
  res.state = PortState::open;
  res.reason = udp_reason::udp_response;
  res.answered = true;
  res.ttl = p.ttl;
  res.ts_ms = ts_ms;
  if (answer != nullptr && udp::describe_answer(pl.kind, data, *answer)) res.has_answer = true;
  return res;
}

std::optional<Result> UdpModule::classify_error(const Packet& p, std::int64_t ts_ms) const noexcept {
  const bool v4 = p.src().is_v4();
  if (p.quote->protocol != kIpProtoUdp) return std::nullopt;
  const bool icmp = v4 ? p.protocol == kIpProtoIcmp && p.icmp_type == kIcmpDestUnreachable
                       : p.protocol == kIpProtoIcmpv6 && p.icmp_type == kIcmpv6DestUnreachable;
  if (!icmp) return std::nullopt;
  const bool closed = p.icmp_code == (v4 ? kPortUnreach4 : kPortUnreach6);
  if (!closed && !(v4 ? is_filtering_code_v4(p.icmp_code) : is_filtering_code_v6(p.icmp_code)))
    return std::nullopt;
  const std::optional<IpAddress>& local = v4 ? local4_ : local6_;
  if (!local || p.quote->src != *local) return std::nullopt;
  PacketReader q(p.quote->transport);
  if (q.remaining() < kUdpHeader) return std::nullopt;  // RFC 792: the quote holds at least the UDP header
  const std::uint16_t lport = q.read_u16().value_or(0);
  const std::uint16_t tport = q.read_u16().value_or(0);
  const IpAddress target = p.quote->dst;
  const std::optional<ProbeIndex> index = block_.index_of(target, tport);
  if (!index) return std::nullopt;
  if (lport != source_port(*local, target, tport)) return std::nullopt;
  // A quote that holds the cookie field (Linux quotes the whole probe) must hold our cookie there.
  const udp::UdpPayload& pl = payloads_[payload_of_[*block_.ports().index_of(tport)]];
  const std::span<const std::uint8_t> quoted = p.quote->transport.subspan(kUdpHeader);
  if (pl.slot.bytes > 0 && quoted.size() >= std::size_t{pl.slot.offset} + pl.slot.bytes) {
    std::uint8_t expected[8] = {};
    udp::write_cookie(pl.kind, {0, pl.slot.bytes}, cookie(*local, target, lport, tport, pl.slot.bytes),
                      {expected, pl.slot.bytes});
    if (!std::equal(expected, expected + pl.slot.bytes, quoted.begin() + pl.slot.offset)) return std::nullopt;
  }
  Result res;
  res.index = *index;
  res.ip = target;
  res.port = tport;
  res.proto = block_.proto();
  res.state = closed ? PortState::closed : PortState::filtered;
  res.reason = closed ? udp_reason::port_unreach : udp_reason::icmp_unreach;
  res.from_icmp = true;
  res.icmp_code = p.icmp_code;
  res.ttl = p.ttl;
  res.ts_ms = ts_ms;
  return res;
}

}  // namespace synscan
