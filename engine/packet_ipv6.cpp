// preprocess()'s IPv6 part: the IPv6 header (RFC 8200), its extension-header chain and ICMPv6 (RFC 4443).
#include "engine/packet.hpp"
#include "engine/packet_reader.hpp"

namespace synscan::packet_detail {
namespace {

constexpr std::size_t kIpv6HeaderBytes = 40;
constexpr std::size_t kFragmentHeaderBytes = 8;
constexpr std::size_t kIcmpv6HeaderBytes = 8;  // type, code, checksum, 4 bytes that depend on the type

// Next Header values (IANA "Assigned Internet Protocol Numbers"; RFC 8200 4, RFC 4302).
constexpr std::uint8_t kNextHopByHop = 0;
constexpr std::uint8_t kNextRouting = 43;
constexpr std::uint8_t kNextFragment = 44;
constexpr std::uint8_t kNextAuthentication = 51;
constexpr std::uint8_t kNextDestinationOptions = 60;

// A reply carries none in practice. RFC 8200 4.1 has each extension header at most once (destination options
// at most twice): hop-by-hop, destination options, routing, fragment and AH are 6 walked here (ESP is opaque
// and ends the walk). 8 leaves room for that and bounds the walk on crafted input.
constexpr int kMaxExtensionHeaders = 8;

// The fragment header's 13-bit offset, above 2 reserved bits and the M flag (RFC 8200 4.5).
constexpr std::uint16_t kFragmentOffsetMask = 0xfff8;

/// What the fixed IPv6 header says, before the extension headers are walked.
struct Ipv6View {
  std::uint8_t hop_limit;
  std::uint8_t next_header;  ///< after walk_extension_headers: the upper-layer protocol
  Ipv6 src;
  Ipv6 dst;
  /// From the byte after the header (after the walk: from the upper-layer header).
  std::span<const std::uint8_t> payload;
};

/// Reads the fixed 40-byte IPv6 header (RFC 8200 3). With `whole_datagram` the payload length is respected:
/// the bytes after it are link padding, a frame shorter than it is truncated (nullopt); a jumbogram's 0 (RFC
/// 2675) leaves an empty payload. An ICMPv6 error's quote is cut short by design and some routers rewrite the
/// quoted header, so there the quoted payload length is not trusted and only the header must fit.
std::optional<Ipv6View> read_ipv6(std::span<const std::uint8_t> bytes, bool whole_datagram) noexcept {
  PacketReader r(bytes);
  if (r.remaining() < kIpv6HeaderBytes) return std::nullopt;
  // The length check above makes every read below succeed; value_or keeps that local reasoning honest.
  const std::uint32_t version_class_flow = r.read_u32().value_or(0);
  if ((version_class_flow >> 28) != 6) return std::nullopt;
  Ipv6View v{};
  const std::uint16_t payload_length = r.read_u16().value_or(0);
  v.next_header = r.read_u8().value_or(0);
  v.hop_limit = r.read_u8().value_or(0);
  const auto addresses = r.read_span(32);
  if (!addresses) return std::nullopt;
  v.src = load_ipv6(addresses->data());
  v.dst = load_ipv6(addresses->data() + 16);
  if (whole_datagram) {
    const auto payload = r.read_span(payload_length);
    if (!payload) return std::nullopt;
    v.payload = *payload;
  } else {
    v.payload = r.rest();
  }
  return v;
}

/// Walks the extension headers of `v` (RFC 8200 4): hop-by-hop options (only first, RFC 8200 4.3), routing,
/// destination options (length in 8-byte units after the first 8), fragment (8 bytes) and AH (length in
/// 4-byte units after the first 8, RFC 4302 2.2). On true, v.next_header is the upper-layer protocol (or 59,
/// No Next Header, ESP 50, or any other protocol number, which the modules ignore) and v.payload starts at
/// its header. False for a header running past the payload, hop-by-hop anywhere but first, more than
/// kMaxExtensionHeaders, or a non-first fragment (offset != 0: it does not start with the upper-layer
/// header). A first fragment (offset 0, M set) is read on: RFC 8200 4.5 puts the whole header chain and the
/// upper-layer header in it.
bool walk_extension_headers(Ipv6View& v) noexcept {
  for (int seen = 0;; ++seen) {
    PacketReader r(v.payload);
    std::size_t length = 0;
    switch (v.next_header) {
      case kNextHopByHop:
        if (seen != 0) return false;
        [[fallthrough]];
      case kNextRouting:
      case kNextDestinationOptions: {
        const auto units = r.peek_u8(1);
        if (!units) return false;
        length = (std::size_t{*units} + 1) * 8;
        break;
      }
      case kNextFragment: {
        const auto offset_flags = r.peek_u16(2);
        if (!offset_flags || (*offset_flags & kFragmentOffsetMask) != 0) return false;
        length = kFragmentHeaderBytes;
        break;
      }
      case kNextAuthentication: {
        const auto units = r.peek_u8(1);
        if (!units) return false;
        length = (std::size_t{*units} + 2) * 4;
        break;
      }
      default:
        return true;
    }
    if (seen == kMaxExtensionHeaders) return false;
    const auto next = r.peek_u8(0);
    if (!next || !r.skip(length)) return false;
    v.next_header = *next;
    v.payload = r.rest();
  }
}

/// The ICMPv6 part of `p`: type and code, and for a destination unreachable (RFC 4443 3.1) the quoted probe.
bool read_icmpv6(Packet& p) noexcept {
  PacketReader r(p.transport);
  if (r.remaining() < kIcmpv6HeaderBytes) return false;
  p.icmp_type = r.read_u8().value_or(0);
  p.icmp_code = r.read_u8().value_or(0);
  if (p.icmp_type != kIcmpv6DestUnreachable) return true;
  (void)r.skip(kIcmpv6HeaderBytes - 2);
  auto quoted = read_ipv6(r.rest(), /*whole_datagram=*/false);
  if (quoted && walk_extension_headers(*quoted)) {
    p.quote = QuotedProbe{IpAddress::v6(quoted->src), IpAddress::v6(quoted->dst), quoted->next_header,
                          quoted->payload};
  }
  return true;
}

}  // namespace

bool preprocess_ipv6(std::span<const std::uint8_t> bytes, Packet& p) noexcept {
  auto ip = read_ipv6(bytes, /*whole_datagram=*/true);
  if (!ip || !walk_extension_headers(*ip)) return false;
  p.src_bits = ip->src;
  p.dst_bits = ip->dst;
  p.family = Family::ipv6;
  p.ttl = ip->hop_limit;
  p.protocol = ip->next_header;
  p.transport = ip->payload;
  return p.protocol != kIpProtoIcmpv6 || read_icmpv6(p);
}

}  // namespace synscan::packet_detail
