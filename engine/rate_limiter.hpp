#pragma once
// Pacing. Probe k of a sender (0-based, counting every frame it sends, retries included) is due at
// origin + k / rate. A sender asks how many probes are due at its current time and sends at most one batch of them;
// being late by up to one batch is caught up (so the mean rate holds within a fraction of a percent), being later
// than that moves the origin forward instead, so a stall (descheduling, a full queue) never turns into a burst.
// The limiter is pure arithmetic on a caller-supplied clock, so tests drive it with a fake one.
#include <algorithm>
#include <cstdint>

namespace synscan {

class RateLimiter {
 public:
  /// rate_pps > 0 (packets per second, fractional allowed: 0.5 is one probe every 2 s); max_batch >= 1 probes;
  /// start_ns: the clock reading (nanoseconds, any epoch) at which probe 0 is due.
  RateLimiter(double rate_pps, std::uint32_t max_batch, std::int64_t start_ns) noexcept
      : ns_per_probe_(1e9 / rate_pps), max_batch_(std::max<std::uint32_t>(1, max_batch)), origin_ns_(start_ns) {}

  /// How many probes may be sent at `now_ns`: 0 to max_batch. Call consume() with what was actually sent.
  std::uint32_t allowance(std::int64_t now_ns) noexcept {
    const double elapsed = static_cast<double>(now_ns - origin_ns_);
    if (elapsed < 0) return 0;
    // Probes due by now: those with index <= elapsed / ns_per_probe.
    const std::uint64_t due = static_cast<std::uint64_t>(elapsed / ns_per_probe_) + 1;
    if (due <= sent_) return 0;
    std::uint64_t owed = due - sent_;
    if (owed > 2ull * max_batch_) {
      // More than two batches late: forgive the backlog beyond one batch by moving the origin forward.
      const std::uint64_t forgiven = owed - max_batch_;
      origin_ns_ += static_cast<std::int64_t>(static_cast<double>(forgiven) * ns_per_probe_);
      owed = max_batch_;
      forgiven_ += forgiven;
    }
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(owed, max_batch_));
  }

  /// Records `n` probes as sent.
  void consume(std::uint32_t n) noexcept { sent_ += n; }

  /// The clock reading (ns) at which the next probe is due; a sender with allowance() == 0 sleeps until then.
  std::int64_t next_due_ns() const noexcept {
    return origin_ns_ + static_cast<std::int64_t>(static_cast<double>(sent_) * ns_per_probe_);
  }

  /// Probes sent so far.
  std::uint64_t sent() const noexcept { return sent_; }
  /// Probes whose due time passed while the sender could not keep up (0 unless the rate exceeds what it can send).
  std::uint64_t forgiven() const noexcept { return forgiven_; }

 private:
  double ns_per_probe_;
  std::uint32_t max_batch_;
  std::int64_t origin_ns_;
  std::uint64_t sent_ = 0;
  std::uint64_t forgiven_ = 0;
};

/// The batch size that keeps pacing smooth at `rate_pps`: about half a millisecond of probes, at least 1, at most
/// `max_batch`. At 1,000 pps that is 1 probe a batch; at 100,000 pps, 50.
inline std::uint32_t batch_for_rate(double rate_pps, std::uint32_t max_batch) noexcept {
  const double per_half_ms = rate_pps / 2000.0;
  if (per_half_ms < 1.0) return 1;
  return static_cast<std::uint32_t>(std::min<double>(per_half_ms, max_batch));
}

}  // namespace synscan
