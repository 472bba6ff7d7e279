#pragma once
// The parser of the target syntax users type (nmap/masscan conventions). The address text of either family is
// engine/address.hpp's, the port list engine/port_set.hpp's.
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
/// Host bits set under a prefix are masked off, and `host_bits_masked` is set so the caller can say so. A
/// range's ends are of one family with first <= last. Throws ParseError(kind "target") naming the token.
AddressRange parse_target_token(std::string_view token, bool* host_bits_masked = nullptr);

/// Appends every target of a list: tokens separated by commas and/or white space (several positional
/// arguments are parsed one by one). Throws ParseError on the first bad token.
void parse_target_list(std::string_view list, AddressRanges& out);

}  // namespace synscan
