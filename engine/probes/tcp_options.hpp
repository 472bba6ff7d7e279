#pragma once
// The TCP options of a reply (a SYN-ACK, or an RST's, which has none as a rule), read once by tcp_reply() and
// kept in a few bytes for the Result (engine/result.hpp): the order of the option kinds (what fingerprints
// read: p0f's `olayout`, JA4TS's options list), MSS, window scale and the echoed timestamp.
//
// The order is packed as up to 10 codes of 3 bits, first option in the low bits, 0 ending the list:
// 1 EOL (kind 0), 2 NOP (1), 3 MSS (2), 4 window scale (3), 5 SACK permitted (4), 6 timestamps (8), 7 any
// other kind (its number is not kept). Kinds from RFC 9293 section 3.2, RFC 7323, RFC 2018.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace synscan {

/// What a TCP header's options say. Host byte order.
struct TcpOptionFacts {
  std::uint32_t layout = 0;  ///< the option kinds in order, packed as the file comment says; 0: none
  std::uint16_t mss = 0;     ///< MSS option's value (0 when absent: see layout)
  std::uint8_t wscale = 0;   ///< window scale shift (0 when absent: see layout)
  bool has_timestamps = false;
  std::uint32_t tsval = 0;  ///< the sender's TSval
  std::uint32_t tsecr = 0;  ///< the echoed TSval (ours, in a SYN-ACK answering a SYN with a timestamp)

  friend bool operator==(const TcpOptionFacts&, const TcpOptionFacts&) = default;
};

/// Reads the options area `options` (the TCP header past its 20 fixed bytes). Stops at EOL (kept in the
/// layout, as p0f counts it), at an option whose length is below 2 or past the area, or after 10 options.
/// Total, no allocation.
TcpOptionFacts read_tcp_options(std::span<const std::uint8_t> options) noexcept;

/// The option kinds of `layout` as p0f writes them: "mss,nop,ws,sok,ts" ("eol", "?n" for another kind: "?").
std::string options_text(std::uint32_t layout);
/// The option kinds of `layout` as numbers joined by '-', JA4TS's options part: "2-1-3-1-1-4" ("" for none;
/// another kind is "x").
std::string options_numbers(std::uint32_t layout);

/// A JA4TS-style fingerprint of a SYN-ACK (FoxIO's JA4+ JA4TS, zmap PR #974): window_options_mss_wscale, e.g.
/// "64240_2-1-1-4-1-3_1460_7"; a missing MSS or window scale is "00".
std::string ja4ts(std::uint16_t window, std::uint32_t layout, std::uint16_t mss, std::uint8_t wscale);

/// The layout has option code `code` (3 MSS, 4 window scale, 6 timestamps).
constexpr bool layout_has(std::uint32_t layout, std::uint32_t code) noexcept {
  for (; layout != 0; layout >>= 3) {
    if ((layout & 7) == code) return true;
  }
  return false;
}

}  // namespace synscan
