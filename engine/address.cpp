#include "engine/address.hpp"

// inet_pton(3) only: libc's text-to-address conversion, a pure function (no socket is opened).
#include <arpa/inet.h>

#include <array>
#include <string>

#include "engine/decimal.hpp"
#include "engine/parse_error.hpp"

namespace synscan {
namespace {

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
  if (!parse_dotted_quad(text, ip))
    throw ParseError("address", std::string(text), "expected a dotted quad a.b.c.d");
  return ip;
}

std::string format_ipv4(Ipv4 ip) {
  return std::to_string(ip >> 24) + '.' + std::to_string((ip >> 16) & 0xFF) + '.' +
         std::to_string((ip >> 8) & 0xFF) + '.' + std::to_string(ip & 0xFF);
}

std::optional<Ipv4> try_parse_ipv4(std::string_view text) noexcept {
  Ipv4 ip = 0;
  if (!parse_dotted_quad(text, ip)) return std::nullopt;
  return ip;
}

std::string format_ipv6(Ipv6 a) {
  std::array<std::uint16_t, 8> g{};
  for (int i = 7; i >= 0; --i, a >>= 16) g[static_cast<std::size_t>(i)] = static_cast<std::uint16_t>(a);
  const bool mapped = g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xFFFF;
  const int groups = mapped ? 6 : 8;  // a mapped address ends in its dotted quad instead of two groups
  // The longest run of at least two zero groups; the first one wins a tie (RFC 5952 section 4.2.3).
  int best = -1, best_len = 1;
  for (int i = 0; i < groups;) {
    if (g[static_cast<std::size_t>(i)] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < groups && g[static_cast<std::size_t>(j)] == 0) ++j;
    if (j - i > best_len) best = i, best_len = j - i;
    i = j;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(41);
  for (int i = 0; i < groups; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    const std::uint16_t v = g[static_cast<std::size_t>(i)];
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const unsigned nibble = (v >> shift) & 0xF;
      if (nibble != 0 || started || shift == 0) {
        out += kHex[nibble];
        started = true;
      }
    }
  }
  if (mapped) {
    if (out.back() != ':') out += ':';
    out += format_ipv4(static_cast<Ipv4>((std::uint32_t{g[6]} << 16) | g[7]));
  }
  return out;
}

std::string format_address(const IpAddress& a) {
  return a.is_v4() ? format_ipv4(a.ipv4()) : format_ipv6(a.ipv6());
}

std::optional<Ipv6> try_parse_ipv6(std::string_view text) noexcept {
  // The longest valid text is 45 characters (a full address ending in a dotted quad).
  if (text.empty() || text.size() > 45) return std::nullopt;
  char buf[46];
  text.copy(buf, text.size());
  buf[text.size()] = '\0';
  std::uint8_t bytes[16];
  if (inet_pton(AF_INET6, buf, bytes) != 1) return std::nullopt;
  return load_ipv6(bytes);
}

std::optional<IpAddress> try_parse_address(std::string_view text) noexcept {
  if (text.find(':') == std::string_view::npos) {
    // No exception on the way: hitlists of a million lines come through here, and hostnames fail here first.
    if (const std::optional<Ipv4> v4 = try_parse_ipv4(text)) return IpAddress::v4(*v4);
    return std::nullopt;
  }
  const std::optional<Ipv6> v6 = try_parse_ipv6(text);
  if (!v6) return std::nullopt;
  if ((*v6 >> 32) == (kIpv4MappedPrefix >> 32)) return IpAddress::v4(static_cast<Ipv4>(*v6));
  return IpAddress::v6(*v6);
}

IpAddress parse_address(std::string_view text) {
  if (std::optional<IpAddress> a = try_parse_address(text)) return *a;
  throw ParseError("address", std::string(text), "expected an IPv4 address a.b.c.d or an IPv6 address");
}

}  // namespace synscan
