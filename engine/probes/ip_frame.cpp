#include "engine/probes/ip_frame.hpp"

#include <arpa/inet.h>
#include <libnet.h>

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "engine/packet.hpp"
#include "engine/probes/libnet_build.hpp"
#include "engine/probes/wire.hpp"

namespace synscan {
namespace {

constexpr std::size_t kEthernetHeader = 14;
constexpr std::size_t kMinEthernetFrame = 60;
constexpr std::size_t kIpv4Header = 20;
constexpr std::size_t kIpv6Header = 40;
constexpr std::uint8_t kTtl = 64;  // Linux's default TTL and hop limit

// The one's complement sum of a 16-byte IPv6 address or a 4-byte IPv4 one, as 16-bit words.
std::uint32_t address_words(const IpAddress& a) noexcept {
  std::uint8_t b[16];
  std::size_t n = 4;
  if (a.is_v4()) {
    store_be32(b, a.ipv4());
  } else {
    store_ipv6(a.ipv6(), b);
    n = 16;
  }
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < n; i += 2) sum += (std::uint32_t{b[i]} << 8) | b[i + 1];
  return sum;
}

}  // namespace

IpFrameTemplate::IpFrameTemplate(const LocalEndpoint& local, std::uint8_t ip_protocol,
                                 std::span<const std::uint8_t> transport)
    : family_(local.source_ip.family), ip_protocol_(ip_protocol) {
  if (transport.size() > kMaxTransport)
    throw std::invalid_argument("probe template: transport part too long");
  if (local.link != LinkType::ethernet && local.link != LinkType::raw_ip) {
    throw std::invalid_argument("probe template: only Ethernet and raw IP links can send");
  }
  const LibnetContext l = libnet_builder();  // build only: no socket, no privileges
  const auto len = static_cast<std::uint32_t>(transport.size());
  const bool v4 = family_ == Family::ipv4;
  if (v4) {
    if (libnet_build_ipv4(static_cast<std::uint16_t>(kIpv4Header + len), 0, 0, 0, kTtl, ip_protocol, 0,
                          htonl(local.source_ip.ipv4()), 0, transport.data(), len, l.get(), 0) == -1) {
      libnet_fail(l.get(), "ipv4");
    }
  } else {
    if (libnet_build_ipv6(0, 0, static_cast<std::uint16_t>(len), ip_protocol, kTtl,
                          to_libnet(local.source_ip.ipv6()), to_libnet(0), transport.data(), len, l.get(),
                          0) == -1) {
      libnet_fail(l.get(), "ipv6");
    }
  }
  if (local.link == LinkType::ethernet &&
      libnet_build_ethernet(local.next_hop_mac.data(), local.source_mac.data(),
                            v4 ? ETHERTYPE_IP : ETHERTYPE_IPV6, nullptr, 0, l.get(), 0) == -1) {
    libnet_fail(l.get(), "ethernet");
  }
  bytes_ = libnet_frame(l.get());
  if (local.link == LinkType::ethernet && bytes_.size() < kMinEthernetFrame)
    bytes_.resize(kMinEthernetFrame, 0);
  l3_ = local.link == LinkType::ethernet ? kEthernetHeader : 0;
  l4_ = l3_ + (v4 ? kIpv4Header : kIpv6Header);
  transport_len_ = len;
  // Our own bytes after libnet: the transport part as given (libnet may have filled a checksum), and the IPv4
  // header's sum with the destination zero.
  std::memcpy(bytes_.data() + l4_, transport.data(), len);
  if (v4) {
    std::uint8_t* ip = bytes_.data() + l3_;
    ip[10] = ip[11] = 0;
    ip_sum_ = ones_complement_sum({ip, kIpv4Header});
  }
  pseudo_source_ = address_words(local.source_ip) + ip_protocol + len;
}

void IpFrameTemplate::craft(std::uint8_t* out, const IpAddress& dst) const noexcept {
  std::memcpy(out, bytes_.data(), bytes_.size());
  std::uint8_t* ip = out + l3_;
  if (family_ == Family::ipv4) {
    const Ipv4 d = dst.ipv4();
    store_be32(ip + 16, d);
    // RFC 1624: the header's sum with the destination zero, plus the destination's two words.
    const std::uint64_t sum = std::uint64_t{ip_sum_} + (d >> 16) + (d & 0xFFFF);
    store_be16(ip + 10, finish_checksum(sum));
  } else {
    store_ipv6(dst.ipv6(), ip + 24);
  }
}

void IpFrameTemplate::finish_transport(std::uint8_t* frame, const IpAddress& dst, std::size_t checksum_offset,
                                       bool with_pseudo) const noexcept {
  std::uint8_t* t = frame + l4_;
  t[checksum_offset] = t[checksum_offset + 1] = 0;
  const std::uint32_t pseudo = with_pseudo ? pseudo_source_ + address_words(dst) : 0;
  std::uint16_t sum = static_cast<std::uint16_t>(~ones_complement_sum({t, transport_len_}, pseudo));
  if (sum == 0 && ip_protocol_ == kIpProtoUdp) sum = 0xFFFF;  // RFC 768: 0 means "no checksum"
  store_be16(t + checksum_offset, sum);
}

}  // namespace synscan
