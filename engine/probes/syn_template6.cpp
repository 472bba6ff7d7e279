#include "engine/probes/syn_template6.hpp"

#include <libnet.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "engine/probes/libnet_build.hpp"

namespace synscan {
namespace {

constexpr std::size_t kEthernetHeader = 14;
constexpr std::size_t kIpHeader = ProbeTemplate6::kIpHeader;
constexpr std::size_t kTcpHeader = ProbeTemplate6::kTcpHeader;
static_assert(kEthernetHeader + kIpHeader + kTcpHeader + 40 <= ProbeTemplate6::kMaxFrame,
              "craft() copies kMaxFrame bytes: the whole Ethernet frame with the longest options");
static_assert(ProbeTemplate6::kMaxFrame % 16 == 0, "craft()'s copy is whole 16-byte vectors");

}  // namespace

std::vector<std::uint8_t> build_probe6_with_libnet(const TemplateParams6& p, const ProbeFields6& f) {
  const LibnetContext l = libnet_builder();  // build only: no socket, no privileges
  SynOptions options = syn_options(p.profile, p.mss);
  if (options.tsval_offset >= 0) store_be32(options.bytes.data() + options.tsval_offset, f.tsval);
  if (options.size > 0 && libnet_build_tcp_options(options.bytes.data(), options.size, l.get(), 0) == -1) {
    libnet_fail(l.get(), "tcp options");
  }
  const auto tcp_header = static_cast<std::uint16_t>(kTcpHeader + options.size);
  if (libnet_build_tcp(f.src_port, f.dst_port, f.seq, 0, TH_SYN, p.window, 0, 0, tcp_header, nullptr, 0,
                       l.get(), 0) == -1) {
    libnet_fail(l.get(), "tcp");
  }
  // Traffic class 0 and flow label 0 (RFC 6437: 0 for a flow not labelled); the length is the payload length.
  if (libnet_build_ipv6(0, 0, tcp_header, IPPROTO_TCP, p.hop_limit, to_libnet(p.source_ip),
                        to_libnet(f.dst_ip), nullptr, 0, l.get(), 0) == -1) {
    libnet_fail(l.get(), "ipv6");
  }
  if (p.link == LinkType::ethernet && libnet_build_ethernet(p.next_hop_mac.data(), p.source_mac.data(),
                                                            ETHERTYPE_IPV6, nullptr, 0, l.get(), 0) == -1) {
    libnet_fail(l.get(), "ethernet");
  }
  return libnet_frame(l.get());
}

ProbeTemplate6::ProbeTemplate6(const TemplateParams6& params) : link_(params.link) {
  if (params.link != LinkType::ethernet && params.link != LinkType::raw_ip) {
    throw std::invalid_argument("probe template: only Ethernet and raw IP links can send");
  }
  const std::vector<std::uint8_t> frame = build_probe6_with_libnet(params, ProbeFields6{});
  l2_ = params.link == LinkType::ethernet ? kEthernetHeader : 0;
  const SynOptions options = syn_options(params.profile, params.mss);
  const auto tcp_header = static_cast<std::uint16_t>(kTcpHeader + options.size);
  if (frame.size() != l2_ + kIpHeader + tcp_header) {
    throw std::runtime_error("libnet: IPv6 probe of " + std::to_string(frame.size()) + " bytes, expected " +
                             std::to_string(l2_ + kIpHeader + tcp_header));
  }
  if (options.tsval_offset >= 0)
    tsval_at_ = l2_ + kIpHeader + kTcpHeader + static_cast<std::size_t>(options.tsval_offset);
  size_ = frame.size();
  std::memcpy(bytes_, frame.data(), size_);
  std::uint8_t* tcp = bytes_ + l2_ + kIpHeader;
  tcp[16] = tcp[17] = 0;
  // Pseudo-header (RFC 8200 section 8.1): source, destination (zero here), upper-layer length (32 bits), zero
  // bytes and next header. Both lengths fit 16 bits, so their high words are 0.
  std::uint8_t source[16];
  store_ipv6(params.source_ip, source);
  const std::uint16_t pseudo = ones_complement_sum(source, tcp_header + IPPROTO_TCP);
  tcp_sum_ = ones_complement_sum({tcp, tcp_header}, pseudo);
}

}  // namespace synscan
