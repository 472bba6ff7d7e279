#pragma once
// Receive side, step 2: decide whether a parsed reply answers one of our probes, and what it says.
//
// Stateless matching in the manner of masscan syn-cookie.c and zmap validate.c: the sender put a keyed hash
// of the probe's 4-tuple in the SYN's sequence number; a genuine answer echoes it (SYN-ACK / RST+ACK
// acknowledge it + 1, an ICMP error quotes it), so recomputing the hash from the reply's addresses proves the
// reply answers a probe we sent without remembering any. Spoofed, stale or foreign traffic fails the match
// with probability 2^-32 per packet.
#include <cstdint>
#include <optional>

#include "engine/cookie.hpp"
#include "engine/probe_space.hpp"
#include "engine/probes/tcp_reply.hpp"
#include "engine/result.hpp"
#include "engine/types.hpp"

namespace synscan {

/// The TCP SYN module's reason codes (Result::reason; named by its Vocabulary as nmap names them).
namespace tcp_reason {
inline constexpr Reason syn_ack{1};       ///< "syn-ack": open
inline constexpr Reason rst{2};           ///< "rst": closed
inline constexpr Reason icmp_unreach{3};  ///< "icmp-unreach": filtered
}  // namespace tcp_reason

/// Matches parsed replies to probes of one scan. Immutable after construction, so one instance may be shared
/// by any number of receive threads; validate() allocates nothing and takes no lock.
class ReplyValidator {
 public:
  /// `block` (the TCP SYN module's part of the probe space) must outlive the validator (it is referenced, not
  /// copied); results carry its protocol. `cookie` must be keyed as the
  /// sender's. `local_v4` / `local_v6` are the source addresses of our probes of each family (nullopt: the
  /// scan sends none of that family); source ports are drawn from the inclusive range [source_port_first,
  /// source_port_last]. Throws std::invalid_argument if source_port_first > source_port_last, or if local_v4
  /// is not IPv4 or local_v6 not IPv6.
  ReplyValidator(const ProbeBlock& block, SynCookie cookie, std::optional<IpAddress> local_v4,
                 std::optional<IpAddress> local_v6, std::uint16_t source_port_first,
                 std::uint16_t source_port_last);

  /// The same for a space's first block (a space of TCP ports alone: tests and benchmarks). Throws
  /// std::invalid_argument for a space without blocks.
  ReplyValidator(const ProbeSpace& space, SynCookie cookie, std::optional<IpAddress> local_v4,
                 std::optional<IpAddress> local_v6, std::uint16_t source_port_first,
                 std::uint16_t source_port_last);

  /// nullopt unless the reply answers one of our probes: target_ip and local_ip of one family, local_ip our
  /// address of that family and local_port in our range, (target_ip, target_port) in the probe space, and
  /// cookie_echo == the cookie of (local_ip, target_ip, local_port, target_port) (SynCookie: the 12-byte IPv4
  /// tuple, or SynCookie::v6 the 36-byte IPv6 one). Otherwise the verdict, with the reply's
  /// facts (ttl, window as Result::extra, ICMP code) and `ts_ms`: syn_ack -> open/syn-ack; rst -> closed/rst
  /// (both `answered`); icmp_unreach -> filtered/icmp-unreach.
  [[nodiscard]] std::optional<Result> validate(const Reply& reply, std::int64_t ts_ms = 0) const noexcept;

 private:
  /// The reply's target index if its local address is ours and its cookie matches, for each family: the IPv4
  /// one (12-byte tuple) inlined into validate(), the IPv6 one (36-byte tuple) kept out of line so that it
  /// does not cost the IPv4 path registers.
  std::optional<std::uint64_t> match_v4(const Reply& reply) const noexcept;
  [[gnu::noinline]] std::optional<std::uint64_t> match_v6(const Reply& reply) const noexcept;

  const ProbeBlock* block_;
  SynCookie cookie_;
  std::optional<Ipv4> local_v4_;  // our IPv4 source, host byte order
  std::optional<Ipv6> local_v6_;  // our IPv6 source
  std::uint16_t source_port_first_;
  std::uint16_t source_port_last_;
};

}  // namespace synscan
