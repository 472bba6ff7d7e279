#include "engine/reply_parser.hpp"

#include "engine/packet_reader.hpp"
#include "engine/reply_parser_detail.hpp"

namespace synscan {
namespace {

using reply_detail::kProtoTcp;

constexpr std::uint16_t kEthertypeIpv4 = 0x0800;
constexpr std::uint16_t kEthertypeIpv6 = 0x86dd;
constexpr std::uint16_t kEthertypeVlan = 0x8100;  // IEEE 802.1Q customer tag
constexpr std::uint16_t kEthertypeQinQ = 0x88a8;  // IEEE 802.1ad service tag
constexpr int kMaxVlanTags = 4;              // real networks stack 1-2; bound the loop against crafted frames
constexpr std::size_t kMacPairBytes = 12;    // destination + source MAC
constexpr std::size_t kSllHeaderBytes = 16;  // DLT_LINUX_SLL: protocol is the last 2 bytes
constexpr std::size_t kSllProtocolOffset = 14;
constexpr std::size_t kSll2HeaderBytes = 20;  // DLT_LINUX_SLL2: protocol is the first 2 bytes
constexpr std::size_t kSll2ProtocolOffset = 0;

constexpr std::uint8_t kProtoIcmp = 1;
constexpr std::size_t kIpv4MinHeaderBytes = 20;
constexpr std::size_t kIcmpHeaderBytes = 8;  // type, code, checksum, 4 unused bytes (RFC 792)
constexpr std::uint8_t kIcmpDestUnreachable = 3;
constexpr std::uint16_t kFragmentOffsetMask = 0x1fff;

/// ICMP destination-unreachable codes that nmap -sS reads as "filtered" (RFC 792, RFC 1812 5.2.7.1):
/// net, host, protocol, port unreachable, and the three "administratively prohibited" codes. Code 4
/// (fragmentation needed) and the rest say nothing about a firewall.
constexpr bool is_filtering_code(std::uint8_t code) noexcept {
  return code <= 3 || code == 9 || code == 10 || code == 13;
}

/// Strips the link layer: `network` gets the bytes from the IP header to the end of the frame and `ethertype`
/// what carries them (0x0800 or 0x86dd for the caller to read on; anything else it drops). A raw_ip frame has
/// no ethertype: its IP version nibble stands for one. False when the frame is too short for its link header.
/// Out-parameters rather than a returned struct: the IPv4 path keeps them in registers.
bool strip_link(std::span<const std::uint8_t> frame, LinkType link, std::span<const std::uint8_t>& network,
                std::uint16_t& ethertype) noexcept {
  PacketReader r(frame);
  std::optional<std::uint16_t> proto;
  switch (link) {
    case LinkType::raw_ip: {
      const auto version = r.peek_u8();
      if (!version) return false;
      network = frame;
      ethertype = (*version >> 4) == 6 ? kEthertypeIpv6 : kEthertypeIpv4;  // read_ipv4 checks its 4
      return true;
    }
    case LinkType::linux_sll:
      proto = r.peek_u16(kSllProtocolOffset);
      if (!r.skip(kSllHeaderBytes)) return false;
      break;
    case LinkType::linux_sll2:
      proto = r.peek_u16(kSll2ProtocolOffset);
      if (!r.skip(kSll2HeaderBytes)) return false;
      break;
    case LinkType::ethernet: {
      if (!r.skip(kMacPairBytes)) return false;
      proto = r.read_u16();
      // Each tag is 4 bytes: the TPID just read, then a 2-byte TCI, then the next ethertype.
      for (int tags = 0; proto && (*proto == kEthertypeVlan || *proto == kEthertypeQinQ); ++tags) {
        if (tags == kMaxVlanTags || !r.skip(2)) return false;
        proto = r.read_u16();
      }
      break;
    }
    default:
      return false;
  }
  if (!proto) return false;
  network = r.rest();
  ethertype = *proto;
  return true;
}

/// What the IPv4 header says, with `payload` cut to the datagram's own length.
struct Ipv4View {
  std::uint8_t ttl;
  std::uint8_t protocol;
  std::uint16_t fragment_offset;  // in 8-byte units
  Ipv4 src;
  Ipv4 dst;
  std::span<const std::uint8_t> payload;
};

/// Reads an IPv4 header and skips its options. When `whole_datagram` is set the total length must fit in
/// `bytes` (the rest is link padding); an ICMP quote is cut short by design, so there only the header must
/// fit. Always inlined: the reply's own header is read on the hot path, and a call there measured ~20%
/// slower.
[[gnu::always_inline]] inline std::optional<Ipv4View> read_ipv4(std::span<const std::uint8_t> bytes,
                                                                bool whole_datagram) noexcept {
  PacketReader r(bytes);
  const auto version_ihl = r.read_u8();
  if (!version_ihl || (*version_ihl >> 4) != 4) return std::nullopt;
  const std::size_t header_bytes = std::size_t{*version_ihl & 0x0fu} * 4;
  if (header_bytes < kIpv4MinHeaderBytes || bytes.size() < header_bytes) return std::nullopt;

  Ipv4View v{};
  std::uint16_t total_length = 0;
  std::uint16_t flags_fragment = 0;
  // The length check above makes every read below succeed; value_or keeps that local reasoning honest.
  (void)r.skip(1);  // DSCP/ECN
  total_length = r.read_u16().value_or(0);
  (void)r.skip(2);  // identification
  flags_fragment = r.read_u16().value_or(0);
  v.ttl = r.read_u8().value_or(0);
  v.protocol = r.read_u8().value_or(0);
  (void)r.skip(2);  // header checksum
  v.src = r.read_u32().value_or(0);
  v.dst = r.read_u32().value_or(0);
  v.fragment_offset = static_cast<std::uint16_t>(flags_fragment & kFragmentOffsetMask);

  if (whole_datagram) {
    if (total_length < header_bytes || total_length > bytes.size()) return std::nullopt;
    v.payload = bytes.subspan(header_bytes, total_length - header_bytes);
  } else {
    v.payload = bytes.subspan(header_bytes);
  }
  return v;
}

std::optional<Reply> parse_icmp(const Ipv4View& ip) noexcept {
  PacketReader r(ip.payload);
  const auto type = r.read_u8();
  const auto code = r.read_u8();
  if (!type || !code || *type != kIcmpDestUnreachable || !is_filtering_code(*code)) return std::nullopt;
  if (!r.skip(kIcmpHeaderBytes - 2)) return std::nullopt;

  const auto quoted = read_ipv4(r.rest(), /*whole_datagram=*/false);
  // A quoted non-first fragment would not start with the TCP header; our probes are never fragmented.
  if (!quoted || quoted->protocol != kProtoTcp || quoted->fragment_offset != 0) return std::nullopt;
  return reply_detail::parse_quoted_tcp(quoted->payload, IpAddress::v4(quoted->src),
                                        IpAddress::v4(quoted->dst), ip.ttl, *code);
}

std::optional<Reply> parse_ipv4(std::span<const std::uint8_t> bytes) noexcept {
  const auto ip = read_ipv4(bytes, /*whole_datagram=*/true);
  if (!ip || ip->fragment_offset != 0) return std::nullopt;
  switch (ip->protocol) {
    case kProtoTcp:
      return reply_detail::parse_tcp(ip->payload, IpAddress::v4(ip->src), IpAddress::v4(ip->dst), ip->ttl);
    case kProtoIcmp:
      return parse_icmp(*ip);
    default:
      return std::nullopt;
  }
}

}  // namespace

std::optional<Reply> parse_reply(std::span<const std::uint8_t> frame, LinkType link) noexcept {
  std::span<const std::uint8_t> network;
  std::uint16_t ethertype = 0;
  if (!strip_link(frame, link, network, ethertype)) return std::nullopt;
  if (ethertype == kEthertypeIpv4) return parse_ipv4(network);
  if (ethertype == kEthertypeIpv6) return reply_detail::parse_ipv6(network);
  return std::nullopt;
}

}  // namespace synscan
