#pragma once
// Parsers for the target and port syntax users type (nmap/masscan conventions).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/address.hpp"
#include "engine/parse_error.hpp"
#include "engine/target_set.hpp"
#include "engine/types.hpp"

namespace synscan {

/// Parses a dotted-quad IPv4 address ("198.18.0.1") into host byte order. Throws ParseError(kind "address").
Ipv4 parse_ipv4(std::string_view text);

/// As parse_ipv4, without throwing: nullopt when `text` is not a dotted quad.
std::optional<Ipv4> try_parse_ipv4(std::string_view text) noexcept;

/// Formats a host-byte-order address as a dotted quad.
std::string format_ipv4(Ipv4 ip);

/// One target token's addresses: an inclusive range of one family.
struct AddressRange {
  IpAddress first;
  IpAddress last;
  friend bool operator==(const AddressRange&, const AddressRange&) = default;
};

/// One target token as a range of one family:
/// - IPv4: an address (a /32), a CIDR block "a.b.c.d/n" (n 0-32), a range "a.b.c.d-e.f.g.h";
/// - IPv6 (RFC 4291 text): an address (a /128), a prefix "2001:db8::/120" (n 0-128), a range
///   "2001:db8::1-2001:db8::ff". An IPv4-mapped address (::ffff:a.b.c.d) is the IPv4 address.
/// Host bits set under a prefix are masked off, and `host_bits_masked` is set so the caller can say so. A range's
/// ends are of one family with first <= last. Throws ParseError(kind "target") naming the token.
AddressRange parse_target_token(std::string_view token, bool* host_bits_masked = nullptr);

/// Appends every target of a list: tokens separated by commas and/or white space (several positional arguments are
/// parsed one by one). Throws ParseError on the first bad token.
void parse_target_list(std::string_view list, AddressRanges& out);

/// Parses a port list: "80", "1-1024", "22,80,8000-8100"; each port 0-65535, ranges inclusive with first <= last.
/// As in nmap (nmap(1), "Port Specification"), a range's missing start is 1 and its missing end 65535:
/// "-1024" is 1-1024, "60000-" is 60000-65535, "-" is 1-65535 (port 0 only when named). Spaces around
/// entries are allowed. Returns the ports in the order given (duplicates kept; PortSet merges them).
/// Throws ParseError(kind "port") naming the bad entry, or the whole list when an entry is empty ("80,,443").
std::vector<std::uint16_t> parse_port_list(std::string_view list);

}  // namespace synscan
