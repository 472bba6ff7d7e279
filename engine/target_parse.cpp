#include "engine/target_parse.hpp"

#include <string>

#include "engine/decimal.hpp"

namespace synscan {
namespace {

constexpr const char* kTargetHint =
    "expected an address, a CIDR block a.b.c.d/n or 2001:db8::/n, a range a.b.c.d-e.f.g.h or a hostname";

// The hint for a token that is no target, naming the habit that most likely produced it.
const char* target_hint(std::string_view token) {
  if (token.find_first_of("[]") != std::string_view::npos) {
    return "write an IPv6 address without brackets, e.g. 2001:db8::1, and its ports with -p";
  }
  if (token.find('%') != std::string_view::npos) {
    return "an IPv6 zone id (%IFACE) is not supported: scan a global address; the interface comes from the "
           "route "
           "or -i";
  }
  return kTargetHint;
}

}  // namespace

AddressRange parse_target_token(std::string_view token, bool* host_bits_masked) {
  auto bad = [&] { return ParseError("target", std::string(token), target_hint(token)); };
  if (host_bits_masked) *host_bits_masked = false;
  if (std::size_t slash = token.find('/'); slash != std::string_view::npos) {
    const std::optional<IpAddress> base = try_parse_address(token.substr(0, slash));
    if (!base) throw bad();
    // An IPv4-mapped prefix (::ffff:a.b.c.d/n) counts its length in IPv6 bits: not worth the confusion.
    const bool v6 = base->is_v6();
    if (!v6 && token.substr(0, slash).find(':') != std::string_view::npos) {
      throw ParseError("target", std::string(token),
                       "an IPv4-mapped prefix: write the IPv4 block as a.b.c.d/n (0-32)");
    }
    const std::uint32_t bits = v6 ? 128 : 32;
    std::uint32_t prefix = 0;
    const std::string_view len = token.substr(slash + 1);
    // "/024": octal 20 to some tools, 24 to others; refused rather than echoed as given or guessed (before
    // the range test, so that "/0120" is told the same).
    if (len.size() > 1 && len[0] == '0' && len.find_first_not_of("0123456789") == std::string_view::npos) {
      throw ParseError("target", std::string(token), "a prefix length is written without leading zeros");
    }
    if (len.size() > 3 || !parse_decimal(len, bits, prefix)) {
      throw ParseError("target", std::string(token),
                       v6 ? "prefix length must be 0-128" : "prefix length must be 0-32");
    }
    // Masks built as "all ones above the prefix" without a shift by the full width (undefined).
    const Ipv6 all = ~Ipv6{0};
    const Ipv6 space = v6 ? all : Ipv6{0xFFFF'FFFFu};
    const Ipv6 host = prefix == bits ? 0 : (space >> prefix);
    if ((base->bits & host) != 0 && host_bits_masked) *host_bits_masked = true;
    const Ipv6 first = base->bits & ~host & space;
    const Ipv6 last = first | host;
    return v6 ? AddressRange{IpAddress::v6(first), IpAddress::v6(last)}
              : AddressRange{IpAddress::v4(static_cast<Ipv4>(first)), IpAddress::v4(static_cast<Ipv4>(last))};
  }
  if (std::size_t dash = token.find('-'); dash != std::string_view::npos) {
    const std::optional<IpAddress> first = try_parse_address(token.substr(0, dash));
    const std::optional<IpAddress> last = try_parse_address(token.substr(dash + 1));
    if (!first || !last) throw bad();
    if (first->family != last->family) {
      throw ParseError("target", std::string(token), "a range's ends must be of one address family");
    }
    if (*first > *last) throw ParseError("target", std::string(token), "range start is above its end");
    return {*first, *last};
  }
  const std::optional<IpAddress> ip = try_parse_address(token);
  if (!ip) throw bad();
  return {*ip, *ip};
}

void parse_target_list(std::string_view list, AddressRanges& out) {
  std::size_t i = 0;
  while (i < list.size()) {
    std::size_t end = list.find_first_of(", \t\r\n", i);
    if (end == std::string_view::npos) end = list.size();
    if (end > i) {
      const AddressRange r = parse_target_token(list.substr(i, end - i));
      out.add(r.first, r.last);
    }
    i = end + 1;
  }
}

}  // namespace synscan
