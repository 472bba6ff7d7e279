#pragma once
// Test-local frame builder for receive-side tests: writes Ethernet / 802.1Q / SLL / SLL2 / IPv4 (with
// options) / IPv6 (with extension headers) / TCP / ICMP / ICMPv6 byte by byte, big endian, with correct
// length fields and checksums (RFC 791, RFC 8200, RFC 9293, RFC 792, RFC 4443). Independent of the engine on
// purpose: it shares no code with the parser it tests (only the Ipv4 and Ipv6 integer types).
#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include "engine/address.hpp"
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

// ---- IPv6 (RFC 8200) ----

/// The 16 bytes of `a` in network byte order.
inline void put128(Bytes& b, Ipv6 a) {
  for (int shift = 120; shift >= 0; shift -= 8) b.push_back(static_cast<std::uint8_t>(a >> shift));
}

/// The RFC 8200 8.1 pseudo-header: source, destination, upper-layer packet length (32 bits), 3 zero bytes,
/// next header.
inline Bytes ipv6_pseudo_header(Ipv6 src, Ipv6 dst, std::size_t upper_length, std::uint8_t next_header) {
  Bytes b;
  put128(b, src);
  put128(b, dst);
  put32(b, static_cast<std::uint32_t>(upper_length));
  b.insert(b.end(), {0, 0, 0, next_header});
  return b;
}

/// TCP header (+ optional payload) of an IPv6 packet; checksum over the RFC 8200 8.1 pseudo-header.
inline Bytes tcp6(const TcpFields& f, Ipv6 src_ip, Ipv6 dst_ip, const Bytes& payload = {}) {
  Bytes b = tcp(f, 0, 0, payload);
  set16(b, 16, 0);
  Bytes pseudo = ipv6_pseudo_header(src_ip, dst_ip, b.size(), 6);
  append(pseudo, b);
  set16(b, 16, inet_checksum(pseudo));
  return b;
}

/// ICMPv6 error message (type, code, checksum, 4 unused bytes) quoting `quoted` (RFC 4443 3.1), from `src` to
/// `dst` (the checksum covers the pseudo-header, RFC 4443 2.3).
inline Bytes icmpv6(std::uint8_t type, std::uint8_t code, const Bytes& quoted, Ipv6 src, Ipv6 dst) {
  Bytes b{type, code, 0, 0, 0, 0, 0, 0};
  append(b, quoted);
  Bytes pseudo = ipv6_pseudo_header(src, dst, b.size(), 58);
  append(pseudo, b);
  set16(b, 2, inet_checksum(pseudo));
  return b;
}

/// One extension header: its Next Header value and its bytes, byte 0 (its own next header) left for ipv6() to
/// chain.
struct ExtensionHeader {
  std::uint8_t type;
  Bytes bytes;
};

/// Hop-by-hop (type 0) or destination options (type 60) header of `length` bytes (a multiple of 8, at least
/// 8), its options one PadN (RFC 8200 4.2).
inline ExtensionHeader options_header(std::uint8_t type, std::size_t length = 8) {
  Bytes b{0, static_cast<std::uint8_t>(length / 8 - 1), 1, static_cast<std::uint8_t>(length - 4)};
  b.resize(length, 0);
  return {type, b};
}

/// A routing header (type 43): a segment routing header (RFC 8754, routing type 4) with `segments` addresses
/// in 2001:2::/48 and segments left 0, so the destination is final.
inline ExtensionHeader routing_header(std::size_t segments = 1) {
  Bytes b{0, static_cast<std::uint8_t>(segments * 2), 4, 0, static_cast<std::uint8_t>(segments - 1), 0, 0, 0};
  for (std::size_t i = 0; i < segments; ++i) put128(b, make_ipv6(0x2001'0002'0000'0000ULL, 0x100 + i));
  return {43, b};
}

/// A fragment header (type 44, RFC 8200 4.5): offset in 8-byte units, M flag, identification.
inline ExtensionHeader fragment_header(std::uint16_t offset_units, bool more, std::uint32_t id = 0x01020304) {
  Bytes b{0, 0};
  put16(b, static_cast<std::uint16_t>((offset_units << 3) | (more ? 1 : 0)));
  put32(b, id);
  return {44, b};
}

/// An authentication header (type 51, RFC 4302 2): SPI, sequence number and an `icv_bytes` integrity check
/// value; its length field counts 4-byte units minus 2.
inline ExtensionHeader authentication_header(std::size_t icv_bytes = 12) {
  const std::size_t length = 12 + icv_bytes;
  Bytes b{0, static_cast<std::uint8_t>(length / 4 - 2), 0, 0};
  put32(b, 0x00001000);  // SPI
  put32(b, 7);           // sequence number
  b.resize(length, 0xab);
  return {51, b};
}

struct Ipv6Fields {
  Ipv6 src = 0;
  Ipv6 dst = 0;
  std::uint8_t next_header = 6;  ///< the upper-layer protocol, after the extension headers
  std::uint8_t hop_limit = 64;
  std::vector<ExtensionHeader> extensions;  ///< in order; their next-header bytes are chained here
};

/// IPv6 header with the right payload length, then the extension headers, then `payload` (the upper layer,
/// its checksum already computed by tcp6 / icmpv6).
inline Bytes ipv6(const Ipv6Fields& f, const Bytes& payload) {
  Bytes chain;
  for (std::size_t i = 0; i < f.extensions.size(); ++i) {
    Bytes h = f.extensions[i].bytes;
    h[0] = i + 1 < f.extensions.size() ? f.extensions[i + 1].type : f.next_header;
    append(chain, h);
  }
  Bytes b;
  put32(b, 0x60000000);  // version 6, traffic class 0, flow label 0
  put16(b, static_cast<std::uint16_t>(chain.size() + payload.size()));
  b.push_back(f.extensions.empty() ? f.next_header : f.extensions.front().type);
  b.push_back(f.hop_limit);
  put128(b, f.src);
  put128(b, f.dst);
  append(b, chain);
  append(b, payload);
  return b;
}

}  // namespace synscan::test
