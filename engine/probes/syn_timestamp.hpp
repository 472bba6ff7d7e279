#pragma once
// The SYN's timestamp option as a stateless clock (RFC 7323 section 3.2: TSval is any clock the sender likes;
// the answer's TSecr echoes it). A probe's TSval is its send time in milliseconds plus a keyed 32-bit offset;
// a SYN-ACK from a target that keeps timestamps echoes it in TSecr, so the round trip is the capture time
// plus the offset minus TSecr, with no state per probe (zmap's `rtt` field works the same way). The offset
// keeps the scanner's clock out of its packets; it is a SipHash of the scan's key, so it says nothing about
// the key.
#include <cstdint>
#include <ctime>
#include <optional>

#include "engine/cookie.hpp"

namespace synscan {

/// The scan's TSval clock: immutable, shared by the send and receive threads.
class SynTimestamp {
 public:
  /// The longest round trip believed, ms: an echoed value further back than this (or in the future) is not a
  /// time we sent (a target echoing someone else's, or a very late duplicate).
  static constexpr std::uint32_t kMaxRttMs = 60'000;

  SynTimestamp() = default;
  /// The clock of a scan with key `key` (its own label: no other module's key).
  explicit SynTimestamp(const CookieKey& key) noexcept
      : offset_(SynCookie(key.labelled(0x7473'7661'6c00'0000ULL))(0, 0, 0, 0)) {}

  /// The TSval of a probe sent at `unix_ms` (milliseconds since the Unix epoch).
  std::uint32_t tsval(std::int64_t unix_ms) const noexcept {
    return static_cast<std::uint32_t>(unix_ms) + offset_;
  }
  /// The TSval of a probe sent now (CLOCK_REALTIME, the clock capture timestamps use; one vDSO call).
  std::uint32_t now() const noexcept {
    timespec t{};
    clock_gettime(CLOCK_REALTIME, &t);
    return tsval(std::int64_t{t.tv_sec} * 1000 + t.tv_nsec / 1'000'000);
  }
  /// The round trip in ms of a reply captured at `unix_ms` that echoes `tsecr`, or nullopt when `tsecr` is
  /// not a TSval sent within kMaxRttMs before.
  std::optional<std::uint32_t> rtt_ms(std::uint32_t tsecr, std::int64_t unix_ms) const noexcept {
    const std::uint32_t d = tsval(unix_ms) - tsecr;
    if (d > kMaxRttMs) return std::nullopt;
    return d;
  }

 private:
  std::uint32_t offset_ = 0;
};

}  // namespace synscan
