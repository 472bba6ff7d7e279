#pragma once
// Test-local frame builder for receive-side tests: writes Ethernet / 802.1Q / SLL / SLL2 / IPv4 (with
// options) / TCP / ICMP byte by byte, big endian, with correct length fields and checksums (RFC 791, RFC
// 9293, RFC 792). Independent of the engine on purpose: it shares no code with the parser it tests.
#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include "engine/types.hpp"

namespace synscan::test {

using Bytes = std::vector<std::uint8_t>;

inline void put16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}

inline void put32(Bytes& b, std::uint32_t v) {
  put16(b, static_cast<std::uint16_t>(v >> 16));
  put16(b, static_cast<std::uint16_t>(v));
}

inline void append(Bytes& b, const Bytes& tail) { b.insert(b.end(), tail.begin(), tail.end()); }

/// RFC 1071 Internet checksum over `b`, starting from the partial sum `sum`.
inline std::uint16_t inet_checksum(const Bytes& b, std::uint32_t sum = 0) {
  for (std::size_t i = 0; i + 1 < b.size(); i += 2) sum += static_cast<std::uint32_t>((b[i] << 8) | b[i + 1]);
  if (b.size() % 2) sum += static_cast<std::uint32_t>(b.back() << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

inline void set16(Bytes& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}

struct TcpFields {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0;
  std::uint16_t window = 0;
  Bytes options;  // multiple of 4 bytes, at most 40
};

/// TCP header (+ optional payload); checksum over the RFC 9293 pseudo-header of (src_ip, dst_ip).
inline Bytes tcp(const TcpFields& f, Ipv4 src_ip, Ipv4 dst_ip, const Bytes& payload = {}) {
  Bytes b;
  put16(b, f.src_port);
  put16(b, f.dst_port);
  put32(b, f.seq);
  put32(b, f.ack);
  b.push_back(static_cast<std::uint8_t>(((20 + f.options.size()) / 4) << 4));
  b.push_back(f.flags);
  put16(b, f.window);
  put16(b, 0);  // checksum
  put16(b, 0);  // urgent pointer
  append(b, f.options);
  append(b, payload);
  Bytes pseudo;
  put32(pseudo, src_ip);
  put32(pseudo, dst_ip);
  put16(pseudo, 6);
  put16(pseudo, static_cast<std::uint16_t>(b.size()));
  append(pseudo, b);
  set16(b, 16, inet_checksum(pseudo));
  return b;
}

struct Ipv4Fields {
  Ipv4 src = 0;
  Ipv4 dst = 0;
  std::uint8_t protocol = 6;
  std::uint8_t ttl = 64;
  std::uint16_t flags_fragment = 0x4000;  // DF, offset 0
  Bytes options;                          // multiple of 4 bytes, at most 40
};

/// IPv4 header with correct IHL, total length and header checksum, followed by `payload`.
inline Bytes ipv4(const Ipv4Fields& f, const Bytes& payload) {
  Bytes b;
  b.push_back(static_cast<std::uint8_t>(0x40 | ((20 + f.options.size()) / 4)));
  b.push_back(0);
  put16(b, static_cast<std::uint16_t>(20 + f.options.size() + payload.size()));
  put16(b, 0x1234);  // identification
  put16(b, f.flags_fragment);
  b.push_back(f.ttl);
  b.push_back(f.protocol);
  put16(b, 0);  // checksum
  put32(b, f.src);
  put32(b, f.dst);
  append(b, f.options);
  set16(b, 10, inet_checksum(b));
  append(b, payload);
  return b;
}

/// ICMP error message (type/code, checksum, 4 unused bytes) quoting `quoted` (RFC 792).
inline Bytes icmp(std::uint8_t type, std::uint8_t code, const Bytes& quoted) {
  Bytes b{type, code, 0, 0, 0, 0, 0, 0};
  append(b, quoted);
  set16(b, 2, inet_checksum(b));
  return b;
}

/// Ethernet II frame; each entry of `tags` is a (TPID, TCI) pair inserted before the ethertype.
inline Bytes ethernet(const Bytes& payload, std::uint16_t ethertype = 0x0800,
                      std::initializer_list<std::pair<std::uint16_t, std::uint16_t>> tags = {}) {
  Bytes b{0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
  for (const auto& [tpid, tci] : tags) {
    put16(b, tpid);
    put16(b, tci);
  }
  put16(b, ethertype);
  append(b, payload);
  return b;
}

/// DLT_LINUX_SLL (cooked v1): packet type, ARPHRD, address length, 8 address bytes, protocol.
inline Bytes sll(const Bytes& payload, std::uint16_t protocol = 0x0800) {
  Bytes b;
  put16(b, 0);  // PACKET_HOST
  put16(b, 1);  // ARPHRD_ETHER
  put16(b, 6);
  append(b, Bytes{0x02, 0, 0, 0, 0, 0x02, 0, 0});
  put16(b, protocol);
  append(b, payload);
  return b;
}

/// DLT_LINUX_SLL2 (cooked v2): protocol, reserved, ifindex, ARPHRD, packet type, address length, 8 address
/// bytes.
inline Bytes sll2(const Bytes& payload, std::uint16_t protocol = 0x0800) {
  Bytes b;
  put16(b, protocol);
  put16(b, 0);
  put32(b, 2);     // ifindex
  put16(b, 1);     // ARPHRD_ETHER
  b.push_back(0);  // PACKET_HOST
  b.push_back(6);
  append(b, Bytes{0x02, 0, 0, 0, 0, 0x02, 0, 0});
  append(b, payload);
  return b;
}

/// A 12-byte IPv4 options block: Record Route with 2 slots, one filled (198.18.0.1), padded with EOL (RFC
/// 791).
inline Bytes ip_options_record_route() { return Bytes{7, 11, 8, 0xc6, 0x12, 0x00, 0x01, 0, 0, 0, 0, 0}; }

}  // namespace synscan::test
