#pragma once
// Internals of parse_reply (engine/reply_parser.hpp) shared by its IPv4 part (reply_parser.cpp) and its IPv6
// part (reply_parser_ipv6.cpp): the TCP reply and the quoted probe read the same way over both families.
// Inline, so the IPv4 path (the hot one) stays one function after inlining, as it was before IPv6.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "engine/address.hpp"
#include "engine/packet_reader.hpp"
#include "engine/reply_parser.hpp"

namespace synscan::reply_detail {

constexpr std::uint8_t kProtoTcp = 6;
constexpr std::size_t kTcpMinHeaderBytes = 20;
constexpr std::size_t kQuotedTcpBytes = 8;  // RFC 792 and RFC 4443 both guarantee at least the first 64 bits

/// The reply a TCP segment from `src` to `dst` is (RFC 9293), or nullopt. `segment` runs from the TCP header
/// to the end of the datagram's payload (link padding already cut off); `ttl` is the IPv4 TTL or IPv6 hop
/// limit. Data offset >= 5 and within the segment. SYN+ACK without RST -> syn_ack; RST with ACK -> rst;
/// anything else (bare RST, plain ACK, SYN, ...) -> nullopt.
inline std::optional<Reply> parse_tcp(std::span<const std::uint8_t> segment, const IpAddress& src,
                                      const IpAddress& dst, std::uint8_t ttl) noexcept {
  PacketReader r(segment);
  if (r.remaining() < kTcpMinHeaderBytes) return std::nullopt;
  // The length check above makes every read below succeed; value_or keeps that local reasoning honest.
  const std::uint16_t src_port = r.read_u16().value_or(0);
  const std::uint16_t dst_port = r.read_u16().value_or(0);
  (void)r.skip(4);  // sequence number: the peer's ISN, of no use to a stateless scanner
  const std::uint32_t ack = r.read_u32().value_or(0);
  const auto data_offset = static_cast<std::uint8_t>(r.read_u8().value_or(0) >> 4);
  const std::uint8_t flags = r.read_u8().value_or(0);
  const std::uint16_t window = r.read_u16().value_or(0);
  const std::size_t header_bytes = std::size_t{data_offset} * 4;
  if (header_bytes < kTcpMinHeaderBytes || header_bytes > segment.size()) return std::nullopt;

  ReplyKind kind;
  if ((flags & (kTcpSyn | kTcpAck | kTcpRst)) == (kTcpSyn | kTcpAck)) {
    kind = ReplyKind::syn_ack;
  } else if ((flags & (kTcpRst | kTcpAck)) == (kTcpRst | kTcpAck)) {
    // A bare RST (no ACK) carries no acknowledgement of our sequence number, so it cannot be matched to a
    // probe statelessly; RFC 9293 3.10.7.1 has a closed port answer a SYN with RST+ACK.
    kind = ReplyKind::rst;
  } else {
    return std::nullopt;
  }
  return Reply{.kind = kind,
               .target_ip = src,
               .target_port = src_port,
               .local_ip = dst,
               .local_port = dst_port,
               .cookie_echo = ack - 1u,
               .ttl = ttl,
               .window = window,
               .icmp_code = 0,
               .tcp_flags = flags};
}

/// The icmp_unreach reply an ICMP or ICMPv6 error quoting our probe is: `quoted_tcp` runs from the quoted TCP
/// header to the end of the quote and must hold its first 8 bytes (ports and sequence number); `probe_src`
/// and `probe_dst` are the quoted IP header's addresses (ours, the target's); `ttl` and `code` are the error
/// message's own. nullopt when fewer than 8 TCP bytes were quoted.
inline std::optional<Reply> parse_quoted_tcp(std::span<const std::uint8_t> quoted_tcp,
                                             const IpAddress& probe_src, const IpAddress& probe_dst,
                                             std::uint8_t ttl, std::uint8_t code) noexcept {
  PacketReader q(quoted_tcp);
  if (q.remaining() < kQuotedTcpBytes) return std::nullopt;
  const std::uint16_t src_port = q.read_u16().value_or(0);
  const std::uint16_t dst_port = q.read_u16().value_or(0);
  const std::uint32_t seq = q.read_u32().value_or(0);
  return Reply{.kind = ReplyKind::icmp_unreach,
               .target_ip = probe_dst,
               .target_port = dst_port,
               .local_ip = probe_src,
               .local_port = src_port,
               .cookie_echo = seq,
               .ttl = ttl,
               .window = 0,
               .icmp_code = code,
               .tcp_flags = 0};
}

/// parse_reply's IPv6 part (reply_parser_ipv6.cpp): `packet` runs from the IPv6 header to the end of the
/// frame. Total as parse_reply is.
[[nodiscard]] std::optional<Reply> parse_ipv6(std::span<const std::uint8_t> packet) noexcept;

}  // namespace synscan::reply_detail
