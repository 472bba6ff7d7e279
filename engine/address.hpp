#pragma once
// The one address type of both families (in the spirit of masscan's `ipaddress`, massip-addr.h): a small
// tagged value that targets, the probe space, cookies, templates, replies, results and writers all take. IPv4
// keeps its own 32-bit fast path: a set of IPv4 targets is stored and walked as 32-bit integers
// (engine/target_set.hpp), and the family is tested once per batch of probes, not per probe.
#include <bit>
#include <compare>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "engine/types.hpp"

namespace synscan {

/// An IPv6 address as one 128-bit unsigned integer in host byte order: 2001:2::1 is
/// 0x2001'0002'0000'...'0001, so the first group written is the top 16 bits and integer order is address
/// order (GCC/Clang __int128).
__extension__ typedef unsigned __int128 Ipv6;

/// The address family of a target, probe, reply or result.
enum class Family : std::uint8_t { ipv4 = 4, ipv6 = 6 };

/// An IPv4 or an IPv6 address. IPv4 sits in the low 32 bits of `bits` (host byte order), the rest zero.
/// Ordered by family first (every IPv4 address before every IPv6 address), then numerically: the order
/// outputs and `synscan merge` sort by.
struct IpAddress {
  Ipv6 bits = 0;
  Family family = Family::ipv4;

  static constexpr IpAddress v4(Ipv4 a) noexcept { return {a, Family::ipv4}; }
  static constexpr IpAddress v6(Ipv6 a) noexcept { return {a, Family::ipv6}; }
  constexpr bool is_v4() const noexcept { return family == Family::ipv4; }
  constexpr bool is_v6() const noexcept { return family == Family::ipv6; }
  /// The IPv4 address, host byte order. Precondition: is_v4().
  constexpr Ipv4 ipv4() const noexcept { return static_cast<Ipv4>(bits); }
  /// The IPv6 address. Precondition: is_v6().
  constexpr Ipv6 ipv6() const noexcept { return bits; }

  friend constexpr bool operator==(const IpAddress&, const IpAddress&) = default;
  friend constexpr std::strong_ordering operator<=>(const IpAddress& a, const IpAddress& b) noexcept {
    if (a.family != b.family) return a.family <=> b.family;
    return a.bits == b.bits ? std::strong_ordering::equal
                            : (a.bits < b.bits ? std::strong_ordering::less : std::strong_ordering::greater);
  }
};

/// The 16 bytes at `p` (network byte order, as on the wire) as an Ipv6: two 8-byte loads, byte-swapped on a
/// little-endian host (a byte-at-a-time loop on a 128-bit integer cost half of an IPv6 reply's parse).
inline Ipv6 load_ipv6(const std::uint8_t* p) noexcept {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  std::memcpy(&high, p, 8);
  std::memcpy(&low, p + 8, 8);
  if constexpr (std::endian::native == std::endian::little) {
    high = __builtin_bswap64(high);
    low = __builtin_bswap64(low);
  }
  return (static_cast<Ipv6>(high) << 64) | low;
}

/// Writes `a` to out[0, 16) in network byte order.
inline void store_ipv6(Ipv6 a, std::uint8_t* out) noexcept {
  std::uint64_t high = static_cast<std::uint64_t>(a >> 64);
  std::uint64_t low = static_cast<std::uint64_t>(a);
  if constexpr (std::endian::native == std::endian::little) {
    high = __builtin_bswap64(high);
    low = __builtin_bswap64(low);
  }
  std::memcpy(out, &high, 8);
  std::memcpy(out + 8, &low, 8);
}

/// A literal IPv6 address from its top and bottom 64 bits (tests, tables).
constexpr Ipv6 make_ipv6(std::uint64_t high, std::uint64_t low) noexcept {
  return (static_cast<Ipv6>(high) << 64) | low;
}

/// RFC 5952 canonical text of an IPv6 address: lower case, leading zeros dropped, the longest run of two or
/// more zero groups (the first one on a tie) written "::", a single zero group written "0". IPv4-mapped
/// addresses
/// (::ffff:0:0/96) end in a dotted quad (RFC 5952 section 5). E.g. "2001:2:0:1::364", "::1",
/// "::ffff:198.18.0.1".
std::string format_ipv6(Ipv6 a);

/// Parses a dotted-quad IPv4 address ("198.18.0.1") into host byte order. Throws ParseError(kind "address").
Ipv4 parse_ipv4(std::string_view text);

/// As parse_ipv4, without throwing: nullopt when `text` is not a dotted quad.
std::optional<Ipv4> try_parse_ipv4(std::string_view text) noexcept;

/// Formats a host-byte-order address as a dotted quad.
std::string format_ipv4(Ipv4 ip);

/// A dotted quad for IPv4, RFC 5952 text for IPv6.
std::string format_address(const IpAddress& a);

/// Parses one IPv6 address in RFC 4291 section 2.2 text ("2001:2::1", "::", "::ffff:198.18.0.1"; hex in
/// either case; no zone index, no brackets). nullopt when the text is not one.
std::optional<Ipv6> try_parse_ipv6(std::string_view text) noexcept;

/// Parses one address of either family: a dotted quad is IPv4; text with a ':' is IPv6, where an IPv4-mapped
/// address (::ffff:a.b.c.d) is taken as the IPv4 address it maps (probes to it go out as IPv4). nullopt when
/// it is neither.
std::optional<IpAddress> try_parse_address(std::string_view text) noexcept;

/// As try_parse_address; throws ParseError(kind "address") naming the text.
IpAddress parse_address(std::string_view text);

/// The IPv4-mapped prefix ::ffff:0:0/96 (RFC 4291 section 2.5.5.2).
inline constexpr Ipv6 kIpv4MappedPrefix = make_ipv6(0, 0x0000'FFFF'0000'0000ULL);

}  // namespace synscan
