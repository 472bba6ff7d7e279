#pragma once
// What the probe-module tests share (probe_modules_test, udp_module_test, icmp_echo_test, probe_set_test):
// our side of a scan (MACs, addresses: 198.18.0.1 and 2001:db8::ff; nothing is sent), a ProbeSetup for a
// space, and frames built byte by byte (tests/unit/frame_builder.hpp) as a target would answer.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/probe_module.hpp"
#include "engine/probe_space.hpp"
#include "tests/unit/frame_builder.hpp"

namespace synscan::probe_fixture {

using Bytes = std::vector<std::uint8_t>;

inline constexpr Mac kSourceMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
inline constexpr Mac kNextHopMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
inline constexpr Ipv4 kLocal4 = 0xC6120001;                                 // 198.18.0.1
inline constexpr Ipv6 kLocal6 = make_ipv6(0x2001'0db8'0000'0000ULL, 0xff);  // 2001:db8::ff
inline constexpr std::size_t kEth = 14;                                     // Ethernet header bytes

/// A setup for `space` (which must outlive it): both families from kLocal4 / kLocal6 over Ethernet, a fixed
/// key, source ports 61000-61255, the modules' options `args`.
inline ProbeSetup setup_for(const ProbeSpace& space, ModuleArgs args = {}) {
  ProbeSetup s;
  s.space = &space;
  s.key = CookieKey{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
  s.v4 = LocalEndpoint{LinkType::ethernet, kSourceMac, kNextHopMac, IpAddress::v4(kLocal4)};
  s.v6 = LocalEndpoint{LinkType::ethernet, kSourceMac, kNextHopMac, IpAddress::v6(kLocal6)};
  s.source_port_first = 61000;
  s.source_port_last = 61255;
  s.args = std::move(args);
  return s;
}

inline std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
inline std::uint32_t be32(const std::uint8_t* p) { return std::uint32_t{be16(p)} << 16 | be16(p + 2); }

/// An IPv4 packet of `protocol` carrying `payload`, in Ethernet.
inline Bytes ipv4_frame(Ipv4 src, Ipv4 dst, std::uint8_t protocol, const Bytes& payload) {
  test::Ipv4Fields ip;
  ip.src = src;
  ip.dst = dst;
  ip.protocol = protocol;
  return test::ethernet(test::ipv4(ip, payload));
}

/// A UDP datagram from (src, sport) to (dst, dport) with `payload` and its RFC 768 checksum, in IPv4 in
/// Ethernet.
inline Bytes udp4_frame(Ipv4 src, std::uint16_t sport, Ipv4 dst, std::uint16_t dport, const Bytes& payload) {
  Bytes u;
  test::put16(u, sport);
  test::put16(u, dport);
  test::put16(u, static_cast<std::uint16_t>(8 + payload.size()));
  test::put16(u, 0);
  test::append(u, payload);
  Bytes pseudo;
  test::put32(pseudo, src);
  test::put32(pseudo, dst);
  test::put16(pseudo, 17);
  test::put16(pseudo, static_cast<std::uint16_t>(u.size()));
  test::append(pseudo, u);
  test::set16(u, 6, test::inet_checksum(pseudo));
  return ipv4_frame(src, dst, 17, u);
}

}  // namespace synscan::probe_fixture
