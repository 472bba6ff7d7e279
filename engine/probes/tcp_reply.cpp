// tcp_reply(): a preprocessed packet read as an answer to a TCP SYN (RFC 9293, RFC 792, RFC 4443).
#include "engine/probes/tcp_reply.hpp"

#include "engine/packet_reader.hpp"

namespace synscan {
namespace {

constexpr std::size_t kTcpMinHeaderBytes = 20;
constexpr std::size_t kQuotedTcpBytes = 8;  // RFC 792 and RFC 4443 both guarantee at least the first 64 bits

/// ICMP destination-unreachable codes that nmap -sS reads as "filtered" (RFC 792, RFC 1812 5.2.7.1).
constexpr bool is_filtering_code_v4(std::uint8_t code) noexcept {
  return code <= 3 || code == 9 || code == 10 || code == 13;
}

/// ICMPv6 destination-unreachable codes read as "filtered", as nmap -sS reads them (scan_engine_raw.cc): 0-6.
/// Code 2 (beyond scope of source address) is kept: like 0 and 6 it says the probe cannot reach the target on
/// this path, and reporting it with its code tells the user why (a link-local or ULA source toward a global
/// target) instead of leaving silence.
constexpr bool is_filtering_code_v6(std::uint8_t code) noexcept { return code <= 6; }

/// The reply a TCP segment from `src` to `dst` is, or nullopt (see tcp_reply()).
std::optional<Reply> parse_tcp(std::span<const std::uint8_t> segment, const IpAddress& src,
                               const IpAddress& dst, std::uint8_t ttl, std::uint16_t ip_id) noexcept {
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
  return Reply{
      .kind = kind,
      .target_ip = src,
      .target_port = src_port,
      .local_ip = dst,
      .local_port = dst_port,
      .cookie_echo = ack - 1u,
      .ttl = ttl,
      .window = window,
      .icmp_code = 0,
      .tcp_flags = flags,
      .ip_id = ip_id,
      .options = read_tcp_options(segment.subspan(kTcpMinHeaderBytes, header_bytes - kTcpMinHeaderBytes))};
}

/// The icmp_unreach reply an ICMP or ICMPv6 error quoting our probe is; nullopt when fewer than 8 TCP bytes
/// were quoted.
std::optional<Reply> parse_quoted_tcp(const QuotedProbe& quote, std::uint8_t ttl,
                                      std::uint8_t code) noexcept {
  PacketReader q(quote.transport);
  if (q.remaining() < kQuotedTcpBytes) return std::nullopt;
  const std::uint16_t src_port = q.read_u16().value_or(0);
  const std::uint16_t dst_port = q.read_u16().value_or(0);
  const std::uint32_t seq = q.read_u32().value_or(0);
  return Reply{.kind = ReplyKind::icmp_unreach,
               .target_ip = quote.dst,
               .target_port = dst_port,
               .local_ip = quote.src,
               .local_port = src_port,
               .cookie_echo = seq,
               .ttl = ttl,
               .window = 0,
               .icmp_code = code,
               .tcp_flags = 0};
}

}  // namespace

std::optional<Reply> tcp_reply(const Packet& p) noexcept {
  if (p.protocol == kIpProtoTcp) return parse_tcp(p.transport, p.src(), p.dst(), p.ttl, p.ip_id);
  if (!p.quote || p.quote->protocol != kIpProtoTcp) return std::nullopt;
  const bool filtering =
      p.protocol == kIpProtoIcmp
          ? p.src().is_v4() && p.icmp_type == kIcmpDestUnreachable && is_filtering_code_v4(p.icmp_code)
          : p.protocol == kIpProtoIcmpv6 && p.src().is_v6() && p.icmp_type == kIcmpv6DestUnreachable &&
                is_filtering_code_v6(p.icmp_code);
  if (!filtering) return std::nullopt;
  return parse_quoted_tcp(*p.quote, p.ttl, p.icmp_code);
}

std::optional<Reply> parse_reply(std::span<const std::uint8_t> frame, LinkType link) noexcept {
  Packet p;
  if (!preprocess(frame, link, p)) return std::nullopt;
  return tcp_reply(p);
}

}  // namespace synscan
