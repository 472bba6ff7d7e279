#pragma once
// The one result record every output format renders.
#include <cstdint>
#include <string_view>

#include "engine/address.hpp"
#include "engine/types.hpp"

namespace synscan {

struct Banner;  // engine/banner/banner.hpp

/// The verdict for one probe: the one type from the reply's validation (the probe module's classify) through
/// the aggregator's deduplication to every writer and `synscan merge`.
struct Result {
  ProbeIndex index = 0;      ///< the probe's position in the probe space (what the aggregator deduplicates on)
  IpAddress ip;              ///< target address (either family), host byte order
  std::uint16_t port = 0;    ///< target port
  PortState state = PortState::filtered;
  Reason reason = Reason::no_response;
  std::uint8_t ttl = 0;      ///< IPv4 TTL or IPv6 hop limit of the deciding reply (0 when there was none)
  std::uint16_t window = 0;  ///< TCP window of the deciding reply, bytes (0 for ICMP or no reply)
  std::uint8_t icmp_code = 0;  ///< ICMP code when reason is icmp_unreach
  std::int64_t ts_ms = 0;    ///< when the verdict was reached: milliseconds since the Unix epoch, UTC
  /// What --banners learned about this open port, or null (no banner stage, or not an open port). Not
  /// owned: set only while the result is handed to the writers (the aggregator thread owns the Banner).
  const Banner* banner = nullptr;
};

/// Which states are reported (--show); the others are still counted.
struct ShowMask {
  bool open = true;
  bool closed = false;
  bool filtered = false;
  bool shows(PortState s) const noexcept {
    return s == PortState::open ? open : s == PortState::closed ? closed : filtered;
  }
};

/// "open", "closed", "filtered".
constexpr std::string_view to_string(PortState s) noexcept {
  switch (s) {
    case PortState::open: return "open";
    case PortState::closed: return "closed";
    case PortState::filtered: return "filtered";
  }
  return "?";
}

/// nmap's reason names: "syn-ack", "rst", "icmp-unreach", "no-response".
constexpr std::string_view to_string(Reason r) noexcept {
  switch (r) {
    case Reason::syn_ack: return "syn-ack";
    case Reason::rst: return "rst";
    case Reason::icmp_unreach: return "icmp-unreach";
    case Reason::no_response: return "no-response";
  }
  return "?";
}

}  // namespace synscan
