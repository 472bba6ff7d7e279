#pragma once
// The strict decimal number of the text users type (an octet, a prefix length, a port): shared by the parsers
// of addresses (engine/address.hpp), targets (engine/target_parse.hpp) and ports (engine/port_set.hpp).
#include <charconv>
#include <cstdint>
#include <string_view>

namespace synscan {

/// Parses `text` as a decimal number of at most `max` into `out`: digits only (no sign, no spaces, no "0x"),
/// at most 10 of them. False, with `out` unchanged, when it is not one.
inline bool parse_decimal(std::string_view text, std::uint32_t max, std::uint32_t& out) noexcept {
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

}  // namespace synscan
