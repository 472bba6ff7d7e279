#include "engine/probes/syn_template4.hpp"

#include <arpa/inet.h>
#include <libnet.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "engine/probes/libnet_build.hpp"

namespace synscan {
namespace {

constexpr std::size_t kIpHeader = 20;
constexpr std::size_t kTcpHeader = 20;  // without options
constexpr std::size_t kEthernetHeader = 14;
constexpr std::size_t kMinEthernetFrame = 60;
static_assert(kEthernetHeader + kIpHeader + kTcpHeader + 40 <= ProbeTemplate::kMaxFrame,
              "craft() copies the largest frame");
static_assert(kMinEthernetFrame <= ProbeTemplate::kSmallCopy, "the small copy holds a padded minimum frame");

}  // namespace

std::vector<std::uint8_t> build_probe_with_libnet(const TemplateParams& p, const ProbeFields& f) {
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
  if (libnet_build_ipv4(kIpHeader + tcp_header, 0, f.ip_id, 0, p.ttl, IPPROTO_TCP, 0, htonl(p.source_ip),
                        htonl(f.dst_ip), nullptr, 0, l.get(), 0) == -1) {
    libnet_fail(l.get(), "ipv4");
  }
  if (p.link == LinkType::ethernet && libnet_build_ethernet(p.next_hop_mac.data(), p.source_mac.data(),
                                                            ETHERTYPE_IP, nullptr, 0, l.get(), 0) == -1) {
    libnet_fail(l.get(), "ethernet");
  }
  std::vector<std::uint8_t> frame = libnet_frame(l.get());
  if (p.link == LinkType::ethernet && frame.size() < kMinEthernetFrame) frame.resize(kMinEthernetFrame, 0);
  return frame;
}

ProbeTemplate::ProbeTemplate(const TemplateParams& params) : link_(params.link) {
  if (params.link != LinkType::ethernet && params.link != LinkType::raw_ip) {
    throw std::invalid_argument("probe template: only Ethernet and raw IPv4 links can send");
  }
  std::vector<std::uint8_t> frame = build_probe_with_libnet(params, ProbeFields{});
  size_ = frame.size();
  l2_ = params.link == LinkType::ethernet ? kEthernetHeader : 0;
  std::memcpy(bytes_, frame.data(), size_);
  std::uint8_t* ip = bytes_ + l2_;
  std::uint8_t* tcp = ip + kIpHeader;
  ip[10] = ip[11] = 0;
  tcp[16] = tcp[17] = 0;
  ip_sum_ = ones_complement_sum({ip, kIpHeader});
  const SynOptions options = syn_options(params.profile, params.mss);
  const auto tcp_header = static_cast<std::uint16_t>(kTcpHeader + options.size);
  if (options.tsval_offset >= 0)
    tsval_at_ = l2_ + kIpHeader + kTcpHeader + static_cast<std::size_t>(options.tsval_offset);
  // Pseudo-header (RFC 9293 section 3.1): source, destination (zero here), zero + protocol, TCP length.
  std::uint32_t pseudo = (params.source_ip >> 16) + (params.source_ip & 0xFFFF) + IPPROTO_TCP + tcp_header;
  tcp_sum_ = ones_complement_sum({tcp, tcp_header}, pseudo);
}

}  // namespace synscan
