#include "engine/target_parse.hpp"

#include <charconv>
#include <string>

namespace synscan {
namespace {

constexpr const char* kTargetHint =
    "expected an address, a CIDR block a.b.c.d/n or 2001:db8::/n, a range a.b.c.d-e.f.g.h or a hostname";
constexpr const char* kPortHint = "ports are 0-65535, as N, N-M, -M or N-";

// The hint for a token that is no target, naming the habit that most likely produced it.
const char* target_hint(std::string_view token) {
  if (token.find_first_of("[]") != std::string_view::npos) {
    return "write an IPv6 address without brackets, e.g. 2001:db8::1, and its ports with -p";
  }
  if (token.find('%') != std::string_view::npos) {
    return "an IPv6 zone id (%IFACE) is not supported: scan a global address; the interface comes from the route "
           "or -i";
  }
  return kTargetHint;
}

// Strict decimal: digits only, no sign, no spaces, value <= max.
bool parse_decimal(std::string_view text, std::uint32_t max, std::uint32_t& out) {
  if (text.empty() || text.size() > 10) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v > max) return false;
  out = static_cast<std::uint32_t>(v);
  return true;
}

bool parse_dotted_quad(std::string_view text, Ipv4& out) {
  Ipv4 ip = 0;
  for (int octet = 0; octet < 4; ++octet) {
    std::size_t dot = text.find('.');
    std::string_view part = octet < 3 ? text.substr(0, dot) : text;
    if (octet < 3 && dot == std::string_view::npos) return false;
    std::uint32_t v = 0;
    if (part.size() > 3 || !parse_decimal(part, 255, v)) return false;
    ip = (ip << 8) | v;
    if (octet < 3) text.remove_prefix(dot + 1);
  }
  out = ip;
  return true;
}

}  // namespace

Ipv4 parse_ipv4(std::string_view text) {
  Ipv4 ip = 0;
  if (!parse_dotted_quad(text, ip)) throw ParseError("address", std::string(text), "expected a dotted quad a.b.c.d");
  return ip;
}

std::string format_ipv4(Ipv4 ip) {
  return std::to_string(ip >> 24) + '.' + std::to_string((ip >> 16) & 0xFF) + '.' + std::to_string((ip >> 8) & 0xFF) +
         '.' + std::to_string(ip & 0xFF);
}

std::optional<Ipv4> try_parse_ipv4(std::string_view text) noexcept {
  Ipv4 ip = 0;
  if (!parse_dotted_quad(text, ip)) return std::nullopt;
  return ip;
}

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
    if (len.size() > 3 || !parse_decimal(len, bits, prefix)) {
      throw ParseError("target", std::string(token), v6 ? "prefix length must be 0-128" : "prefix length must be 0-32");
    }
    // "/024": octal 20 to some tools, 24 to others; refused rather than echoed as given or guessed.
    if (len.size() > 1 && len[0] == '0') {
      throw ParseError("target", std::string(token), "a prefix length is written without leading zeros");
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

std::vector<std::uint16_t> parse_port_list(std::string_view list) {
  std::vector<std::uint16_t> ports;
  if (list.find_first_not_of(", ") == std::string_view::npos) {
    throw ParseError("port", std::string(list), "the port list is empty");
  }
  std::size_t i = 0;
  while (i <= list.size()) {
    std::size_t end = list.find(',', i);
    if (end == std::string_view::npos) end = list.size();
    std::string_view token = list.substr(i, end - i);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    // "80,,443" or "80,": a port lost in typing, not a style; say so instead of scanning one port fewer.
    if (token.empty()) throw ParseError("port", std::string(list), "an empty entry between commas");
    std::uint32_t first = 0;
    std::uint32_t last = 0;
    const std::size_t dash = token.find('-');
    bool ok = false;
    if (dash == std::string_view::npos) {
      ok = parse_decimal(token, 65535, first);
      last = first;
    } else {
      // nmap's open ranges: a missing start is 1, a missing end 65535 ("-1024", "60000-", "-" for 1-65535).
      const std::string_view from = token.substr(0, dash);
      const std::string_view to = token.substr(dash + 1);
      first = 1;
      last = 65535;
      ok = (from.empty() || parse_decimal(from, 65535, first)) && (to.empty() || parse_decimal(to, 65535, last));
    }
    if (!ok) throw ParseError("port", std::string(token), kPortHint);
    if (first > last) throw ParseError("port", std::string(token), "range start is above its end");
    for (std::uint32_t p = first; p <= last; ++p) ports.push_back(static_cast<std::uint16_t>(p));
    i = end + 1;
  }
  return ports;
}

}  // namespace synscan
