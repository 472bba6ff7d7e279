#pragma once
// An operating-system guess from one SYN-ACK, against p0f 3's `[tcp:response]` signatures (p0f.fp, read at
// run time from the p0f package's /etc/p0f/p0f.fp: nothing of it is copied into this tree). nmap -O needs
// many probes per host; this costs nothing beyond the SYN-ACK the scan already has.
//
// A signature is `ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass` (p0f's README, section 5). What one
// SYN-ACK lets us check: the IP version, the initial TTL (the reply's TTL at most 35 hops below it, p0f's
// MAX_DIST), the MSS, the window ("*", a number, "mss*N", "mtu*N" with MTU = MSS + 40 / 60, "%N"), the scale,
// the option layout ("eol+N" read as eol), and of the quirks `id+` (IPv4: DF set with a non-zero IP ID; we
// see the ID, not DF: a zero ID contradicts it). IP options length and the other quirks are not seen and not
// checked. A guess is `exact` when the layout, version and TTL match and every checked value matches; `fuzzy`
// when the layout, version and TTL match and the fewest of MSS, window, scale and id+ differ (the first such
// signature in file order, as p0f takes the first). No match: no guess.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.hpp"

namespace synscan {

/// Where Debian's p0f package puts its signatures.
inline constexpr std::string_view kP0fSignatures = "/etc/p0f/p0f.fp";

/// A guess: p0f's label ("s:unix:Linux:3.x", its class and name and flavour) and how exact the match was.
struct OsGuess {
  std::string_view label;
  bool exact = false;
};

/// The `[tcp:response]` signatures of one p0f.fp; immutable once loaded, shared by the writers.
class P0fSignatures {
 public:
  /// The signatures in `text` (p0f.fp's format). Lines it cannot read are skipped (p0f.fp's other sections,
  /// signatures of shapes this reader does not know); never throws on content.
  static P0fSignatures parse(std::string_view text);

  /// The guess for result `r` (a SYN-ACK's facts: ttl, extra = window, mss, wscale, tcp_options, ip_id), or
  /// nullopt when no signature's layout, version and TTL fit.
  std::optional<OsGuess> match(const Result& r) const noexcept;

  std::size_t size() const noexcept { return sigs_.size(); }

 private:
  struct Value {  // a number, or '*' (any)
    bool any = true;
    std::uint32_t n = 0;
  };
  enum class WindowKind : std::uint8_t { any, fixed, mss_times, mtu_times, modulo };
  struct Signature {
    std::size_t label;         // index into labels_
    std::uint8_t version = 0;  // 0 any, 4, 6
    std::uint8_t ittl = 0;
    Value mss;
    WindowKind window_kind = WindowKind::any;
    std::uint32_t window = 0;
    Value scale;
    std::uint32_t layout = 0;  // engine/probes/tcp_options.hpp's packing
    bool id_plus = false;
  };
  static std::optional<Signature> parse_sig(std::string_view sig);

  std::vector<std::string> labels_;
  std::vector<Signature> sigs_;
};

}  // namespace synscan
