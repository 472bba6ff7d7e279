#pragma once
// Receive side, step 1: one protocol-neutral walk of a captured frame, in the spirit of masscan's
// proto-preprocess.c. Link layer, IP header (either version), IPv6 extension headers, and for an ICMP or
// ICMPv6 error the quoted probe's IP header: the offsets and facts every probe module needs, found once. What
// the transport bytes mean (a SYN-ACK, a DNS answer, an echo reply) is each module's business
// (engine/probes/).
//
// Pure and total: any byte string, of any length, yields either a Packet or std::nullopt, with no allocation,
// no exception and no read outside the frame.
#include <cstdint>
#include <optional>
#include <span>

#include "engine/address.hpp"
#include "engine/types.hpp"

namespace synscan {

/// IP protocol numbers (IANA "Assigned Internet Protocol Numbers") the preprocess and the modules name.
inline constexpr std::uint8_t kIpProtoIcmp = 1;
inline constexpr std::uint8_t kIpProtoTcp = 6;
inline constexpr std::uint8_t kIpProtoUdp = 17;
inline constexpr std::uint8_t kIpProtoIcmpv6 = 58;

/// The IP header of the probe an ICMP or ICMPv6 error quotes (RFC 792: the header and the first 8 bytes of
/// the datagram; RFC 4443 2.4 (c): as much of it as fits in the minimum MTU).
struct QuotedProbe {
  IpAddress src;              ///< the probe's source (ours, when it is our probe)
  IpAddress dst;              ///< the probe's destination (the target)
  std::uint8_t protocol = 0;  ///< the probe's upper-layer protocol, after the quoted extension headers
  /// From the quoted upper-layer header to the end of the quote (cut short by design: only the first 8
  /// bytes are guaranteed).
  std::span<const std::uint8_t> transport;
};

/// One frame, walked. Addresses host byte order, of one family. The addresses are kept as their bits and one
/// family byte, read through src() and dst(): an IpAddress member written field by field and then copied
/// whole stalls the CPU's store forwarding (measured: 54 ns a reply instead of 9).
struct Packet {
  Ipv6 src_bits = 0;
  Ipv6 dst_bits = 0;
  Family family = Family::ipv4;
  IpAddress src() const noexcept { return {src_bits, family}; }
  IpAddress dst() const noexcept { return {dst_bits, family}; }
  std::uint8_t ttl = 0;       ///< IPv4 TTL or IPv6 hop limit
  std::uint16_t ip_id = 0;    ///< IPv4 identification (0 for IPv6)
  std::uint8_t protocol = 0;  ///< the upper-layer protocol after the extension headers: 6, 17, 1, 58, ...
  /// From the upper-layer header to the end of the datagram (link padding cut off).
  std::span<const std::uint8_t> transport;
  /// ICMP (protocol 1) or ICMPv6 (58): the message's type and code, else 0.
  std::uint8_t icmp_type = 0;
  std::uint8_t icmp_code = 0;
  /// Set for a destination unreachable (ICMP type 3, ICMPv6 type 1) whose quote holds an IP header of the
  /// packet's family (IPv4: options allowed, not a non-first fragment; IPv6: its extension headers walked,
  /// none a non-first fragment).
  std::optional<QuotedProbe> quote;
};

/// ICMP type 3 and ICMPv6 type 1: destination unreachable (RFC 792, RFC 4443 3.1).
inline constexpr std::uint8_t kIcmpDestUnreachable = 3;
inline constexpr std::uint8_t kIcmpv6DestUnreachable = 1;

/// Walks one captured frame with the given link-layer framing.
///
/// - Link layer: ethernet (14-byte header, ethertype 0x0800 or 0x86dd after at most 4 802.1Q 0x8100 / 802.1ad
///   0x88a8 tags), raw_ip (frame starts at the IP header; the version nibble, 4 or 6, says which), linux_sll
///   (16-byte header, protocol at offset 14), linux_sll2 (20-byte header, protocol at offset 0). The version
///   nibble must agree with the ethertype.
/// - IPv4 (RFC 791): version 4, IHL >= 5 (options skipped), total length respected: link padding after it is
///   ignored, a frame shorter than it is truncated -> nullopt. Non-first fragments -> nullopt.
/// - IPv6 (RFC 8200): payload length respected as IPv4's total length is (a jumbogram's 0 gives an empty
///   transport). The extension headers are walked: hop-by-hop (0, only first), routing (43), destination
///   options (60), fragment (44; a non-first fragment -> nullopt, a first one is read on) and AH (51, RFC
///   4302, length in 4-byte units); at most 8 of them, each within the payload; ESP and the rest end the walk
///   as the upper-layer protocol.
/// - ICMP / ICMPv6: a message shorter than its 8-byte header -> nullopt. A destination unreachable's quote is
///   read as above (the quoted IPv4 total length and IPv6 payload length are not trusted: a quote is cut
///   short by design); a quote that does not parse leaves `quote` empty.
///
/// Checksums are not verified: the modules' keyed cookies are the stronger integrity check, and checksum
/// offload can leave captured checksums unset. Never throws, never allocates, never reads outside `frame`.
/// Writes into `out` (which must be default-constructed: fields not read stay as they are) and returns false
/// for a frame that is none of the above. No copy of the Packet is made on the receive path.
[[nodiscard]] bool preprocess(std::span<const std::uint8_t> frame, LinkType link, Packet& out) noexcept;

/// The same, returning the Packet (tests and tools).
[[nodiscard]] inline std::optional<Packet> preprocess(std::span<const std::uint8_t> frame,
                                                      LinkType link) noexcept {
  Packet p;
  if (!preprocess(frame, link, p)) return std::nullopt;
  return p;
}

namespace packet_detail {
/// preprocess()'s IPv6 part (packet_ipv6.cpp): `bytes` runs from the IPv6 header to the end of the frame.
[[nodiscard]] bool preprocess_ipv6(std::span<const std::uint8_t> bytes, Packet& p) noexcept;
}  // namespace packet_detail

}  // namespace synscan
