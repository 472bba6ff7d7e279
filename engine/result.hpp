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
  ProbeIndex index = 0;  ///< the probe's position in the probe space (what the aggregator deduplicates on)
  // What the deciding reply's headers say (TCP SYN-ACK / RST: engine/probes/tcp_options.hpp), in the bytes
  // the alignment of `ip` leaves free: the record stays 80 bytes on the receive queue.
  std::uint16_t ip_id = 0;  ///< IPv4 identification of the reply (0 for IPv6 or none)
  std::uint16_t mss = 0;    ///< the reply's MSS option (tcp_options says whether there was one)
  /// Round trip in ms from the echoed timestamp (engine/probes/syn_timestamp.hpp), or kNoRtt.
  std::uint16_t rtt_ms = 0xFFFF;
  std::uint8_t wscale = 0;  ///< the reply's window scale shift (tcp_options says whether there was one)
  IpAddress ip;             ///< target address (either family), host byte order
  std::uint16_t port = 0;   ///< target port; 0 and never printed for a module without ports
  ProtocolId proto = 0;     ///< the module whose probe this answers (its Vocabulary names everything below)
  PortState state = PortState::filtered;
  Reason reason = Reason::no_response;  ///< the module's reason code; 0 no-response
  /// The target itself answered (TCP: SYN-ACK or RST; UDP: a datagram; echo: a reply), as opposed to an ICMP
  /// error from the path or silence: what the reply counters, --rate auto and the loss warning count.
  bool answered = false;
  /// The module described what the answer says (Vocabulary::describes): an AnswerInfo follows this result
  /// through the receive queue (engine/answer_info.hpp).
  bool has_answer = false;
  std::uint8_t ttl = 0;  ///< IPv4 TTL or IPv6 hop limit of the deciding reply (0 when there was none)
  /// The deciding reply was an ICMP or ICMPv6 error (from the path or the target); icmp_code is its code.
  bool from_icmp = false;
  std::uint8_t icmp_code = 0;  ///< ICMP or ICMPv6 code when from_icmp
  /// The module's one numeric fact of the deciding reply, printed under Vocabulary::extra_field when that is
  /// not empty (TCP: the window, bytes, unscaled).
  std::uint16_t extra = 0;
  /// The reply's TCP option kinds in order, packed (engine/probes/tcp_options.hpp); 0 none or not TCP.
  std::uint32_t tcp_options = 0;
  std::int64_t ts_ms = 0;  ///< when the verdict was reached: milliseconds since the Unix epoch, UTC
  /// What --banners learned about this open port, or what the module read in the answer (a UDP service's
  /// reply), or null. Not owned: set only while the result is handed to the writers (the aggregator thread
  /// owns the Banner).
  const Banner* banner = nullptr;
};

/// Result::rtt_ms when no round trip was measured.
inline constexpr std::uint16_t kNoRtt = 0xFFFF;

static_assert(sizeof(Result) == 80, "the reply facts fill padding: the receive queue's record does not grow");

/// Which states are reported (--show); the others are still counted.
/// `filtered` covers open|filtered too: both say no positive answer came (nmap's --open shows neither).
struct ShowMask {
  bool open = true;
  bool closed = false;
  bool filtered = false;
  bool shows(PortState s) const noexcept {
    return s == PortState::open ? open : s == PortState::closed ? closed : filtered;
  }
};

/// nmap's state words: "open", "closed", "filtered", "open|filtered" (a module may name them otherwise for
/// its outputs: Vocabulary::state_names).
constexpr std::string_view to_string(PortState s) noexcept {
  switch (s) {
    case PortState::open:
      return "open";
    case PortState::closed:
      return "closed";
    case PortState::filtered:
      return "filtered";
    case PortState::open_filtered:
      return "open|filtered";
  }
  return "?";
}

}  // namespace synscan
