#pragma once
// Pacing. Probe k of a sender (0-based, counting every frame it sends, retries included) is due at
// origin + k / rate. A sender asks how many probes are due at its current time and sends at most one batch of
// them. A sender that fell behind (woken late, descheduled, a full queue) catches up, so the mean rate holds,
// but at no more than twice the rate: after a batch of n probes the next may not go before n / (2 * rate) has
// passed. So no 10 ms window ever carries more than twice its share plus one batch. A backlog beyond 0.1 s of
// the schedule (at most 65,536 probes, at least two batches) is forgiven instead: the origin moves forward,
// the probes are counted in forgiven(), and a long stall never turns into a long burst. A sender that cannot
// send as fast as asked forgives continuously and thus sends at its maximum; capped() reports it. The limiter
// is pure arithmetic on a caller-supplied clock, so tests drive it with a fake one.
#include <algorithm>
#include <cstdint>

namespace synscan {

class RateLimiter {
 public:
  /// rate_pps > 0 (packets per second, fractional allowed: 0.5 is one probe every 2 s); max_batch >= 1
  /// probes; start_ns: the clock reading (nanoseconds, any epoch) at which probe 0 is due.
  RateLimiter(double rate_pps, std::uint32_t max_batch, std::int64_t start_ns) noexcept
      : ns_per_probe_(1e9 / rate_pps),
        max_batch_(std::max<std::uint32_t>(1, max_batch)),
        max_backlog_(
            std::max<double>(2.0 * max_batch_, std::min(rate_pps * kMaxBacklogS, kMaxBacklogProbes))),
        origin_ns_(start_ns),
        not_before_ns_(start_ns) {}

  /// How many probes may be sent at `now_ns`: 0 to max_batch. Call consume() with what was actually sent.
  std::uint32_t allowance(std::int64_t now_ns) noexcept {
    if (now_ns < not_before_ns_) return 0;
    const double elapsed = static_cast<double>(now_ns - origin_ns_);
    if (elapsed < 0) return 0;
    // Probes due by now: those with index <= elapsed / ns_per_probe.
    const std::uint64_t due = static_cast<std::uint64_t>(elapsed / ns_per_probe_) + 1;
    if (due <= sent_) return 0;
    std::uint64_t owed = due - sent_;
    if (static_cast<double>(owed) > max_backlog_) {
      // Too far behind to catch up: forgive the backlog beyond max_backlog_ by moving the origin forward.
      const auto keep = static_cast<std::uint64_t>(max_backlog_);
      const std::uint64_t forgiven = owed - keep;
      origin_ns_ += static_cast<std::int64_t>(static_cast<double>(forgiven) * ns_per_probe_);
      owed = keep;
      forgiven_ += forgiven;
    }
    const auto n = static_cast<std::uint32_t>(std::min<std::uint64_t>(owed, max_batch_));
    // Catching up runs at twice the rate at most: these n probes take n / (2 * rate) of the schedule.
    not_before_ns_ = now_ns + static_cast<std::int64_t>(static_cast<double>(n) * ns_per_probe_ / 2);
    return n;
  }

  /// Changes the rate to `rate_pps` (> 0) at `now_ns` (`--rate auto`, engine/rate_thread.hpp), keeping the
  /// schedule continuous: the next probe is due at the old schedule's next due time, but no earlier than
  /// `now_ns` and no later than one new interval after it; the probes after it follow at the new rate. So a
  /// higher rate sends no burst, a lower one takes effect at once, and a backlog owed at the old rate is
  /// dropped (not counted as forgiven: the sender was not too slow, the rate moved).
  void set_rate(double rate_pps, std::int64_t now_ns) noexcept {
    const double old_next = static_cast<double>(origin_ns_) + static_cast<double>(sent_) * ns_per_probe_;
    ns_per_probe_ = 1e9 / rate_pps;
    max_backlog_ = std::max<double>(2.0 * max_batch_, std::min(rate_pps * kMaxBacklogS, kMaxBacklogProbes));
    const double now = static_cast<double>(now_ns);
    const double anchor = std::clamp(old_next, now, now + ns_per_probe_);
    origin_ns_ = static_cast<std::int64_t>(anchor - static_cast<double>(sent_) * ns_per_probe_);
    not_before_ns_ = std::min(not_before_ns_, static_cast<std::int64_t>(anchor));
  }

  /// The rate in use, pps.
  double rate() const noexcept { return 1e9 / ns_per_probe_; }

  /// Records `n` probes as sent.
  void consume(std::uint32_t n) noexcept { sent_ += n; }

  /// The clock reading (ns) at which the next probe is due; a sender with allowance() == 0 sleeps until then.
  std::int64_t next_due_ns() const noexcept {
    const auto next = origin_ns_ + static_cast<std::int64_t>(static_cast<double>(sent_) * ns_per_probe_);
    return std::max(not_before_ns_, next);
  }

  /// Probes sent so far.
  std::uint64_t sent() const noexcept { return sent_; }
  /// Probes whose due time passed while the sender could not keep up (0 unless the rate exceeds what it can
  /// send).
  std::uint64_t forgiven() const noexcept { return forgiven_; }
  /// True when more than 2% of the schedule so far was forgiven: the rate asked is above what this sender can
  /// send (it sends at its maximum instead), or it missed the asked mean rate by more than the 2% pacing
  /// tolerance.
  bool capped() const noexcept { return schedule_capped(sent_, forgiven_); }

  /// The test capped() makes, for `sent` probes sent and `forgiven` forgiven (one sender's or several
  /// senders' sums): more than 2% of the schedule forgiven.
  static constexpr bool schedule_capped(std::uint64_t sent, std::uint64_t forgiven) noexcept {
    return forgiven > (sent + forgiven) / 50;
  }

  /// Seconds of schedule a sender may be behind and still catch up (at twice the rate); more is forgiven. At
  /// most kMaxBacklogProbes (so that above 655,360 pps, a sender that cannot keep up is found out within
  /// milliseconds), at least two batches.
  static constexpr double kMaxBacklogS = 0.1;
  static constexpr double kMaxBacklogProbes = 65536;

 private:
  double ns_per_probe_;
  std::uint32_t max_batch_;
  double max_backlog_;  // probes: the most a sender may owe before the rest is forgiven
  std::int64_t origin_ns_;
  std::int64_t not_before_ns_;  // the earliest time of the next batch (catch-up at twice the rate at most)
  std::uint64_t sent_ = 0;
  std::uint64_t forgiven_ = 0;
};

/// Several send threads share `rate_pps` (each limiter at rate_pps / threads). Thread t's schedule runs
/// t / rate_pps behind thread 0's, so that together they send one probe every 1 / rate_pps instead of all at
/// once.
inline std::int64_t stagger_ns(std::uint32_t thread, double rate_pps) noexcept {
  return static_cast<std::int64_t>(thread * 1e9 / rate_pps);
}

/// The most probes a sender sends at once at `rate_pps`: 5 ms of probes plus one, at most `max_batch` (its
/// buffer). On schedule a sender sends only what is due (about 1 probe at 1,000 pps); the larger batch serves
/// catching up after a late wake-up, so that a sender whose sleeps overshoot by a few milliseconds (a busy
/// machine) still holds the mean rate. At 10 pps that is 1 probe; at 1,000 pps, 6; from 51,000 pps on,
/// max_batch.
inline std::uint32_t batch_for_rate(double rate_pps, std::uint32_t max_batch) noexcept {
  const double burst = rate_pps * 0.005 + 1.0;
  return static_cast<std::uint32_t>(std::max(1.0, std::min<double>(burst, max_batch)));
}

}  // namespace synscan
