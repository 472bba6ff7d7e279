#include "engine/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <vector>

namespace synscan {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

// A sender on a fake clock: polls every `poll_ns`, sends whatever the limiter allows, and records each send
// time.
std::vector<std::int64_t> simulate(double rate, std::uint32_t batch, std::int64_t duration_ns,
                                   std::int64_t poll_ns) {
  RateLimiter limiter(rate, batch, 0);
  std::vector<std::int64_t> sends;
  for (std::int64_t now = 0; now < duration_ns; now += poll_ns) {
    std::uint32_t n = limiter.allowance(now);
    for (std::uint32_t i = 0; i < n; ++i) sends.push_back(now);
    limiter.consume(n);
  }
  return sends;
}

TEST(RateLimiter, HalfAPacketPerSecondIsExactlyTwoSecondsApart) {
  auto sends = simulate(0.5, 1, 20 * kSecond + 1, 1'000'000);
  ASSERT_EQ(sends.size(), 11u);
  for (std::size_t i = 0; i < sends.size(); ++i)
    EXPECT_EQ(sends[i], static_cast<std::int64_t>(i) * 2 * kSecond);
}

TEST(RateLimiter, NextDueTellsTheSleeperWhenToWake) {
  RateLimiter limiter(4.0, 1, 100);
  EXPECT_EQ(limiter.allowance(99), 0u);
  EXPECT_EQ(limiter.allowance(100), 1u);
  limiter.consume(1);
  EXPECT_EQ(limiter.next_due_ns(), 100 + kSecond / 4);
  EXPECT_EQ(limiter.allowance(100 + kSecond / 4 - 1), 0u);
  EXPECT_EQ(limiter.allowance(100 + kSecond / 4), 1u);
}

class RateAccuracy : public ::testing::TestWithParam<double> {};

// The mean rate holds within 2% and no 10 ms window carries more than twice its share plus one batch.
TEST_P(RateAccuracy, MeanWithinTwoPercentAndNoBursts) {
  const double rate = GetParam();
  const std::uint32_t batch = batch_for_rate(rate, 256);
  const std::int64_t duration = rate >= 100 ? 2 * kSecond : 20 * kSecond;
  auto sends = simulate(rate, batch, duration, 37'000);  // an odd poll period, like a real sleeper's jitter
  const double expected = rate * static_cast<double>(duration) / kSecond;
  EXPECT_NEAR(static_cast<double>(sends.size()), expected, expected * 0.02 + 1);
  if (rate >= 1000) {
    const double share = rate * 0.010;
    std::deque<std::int64_t> window;
    for (std::int64_t t : sends) {
      window.push_back(t);
      while (window.front() <= t - 10'000'000) window.pop_front();
      ASSERT_LE(static_cast<double>(window.size()), 2 * share + batch) << "at t=" << t;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Rates, RateAccuracy, ::testing::Values(0.5, 1.0, 10.0, 1000.0, 100000.0, 2000000.0));

TEST(RateLimiter, AStallNeverBecomesABurst) {
  RateLimiter limiter(100000.0, 50, 0);
  EXPECT_EQ(limiter.allowance(0), 1u);
  limiter.consume(1);
  // The sender was descheduled for a whole second: 100,000 probes are due, but only one batch goes now, and
  // all but 0.1 s of the backlog (10,000 probes) is forgiven.
  std::uint32_t n = limiter.allowance(kSecond);
  EXPECT_EQ(n, 50u);
  limiter.consume(n);
  EXPECT_EQ(limiter.allowance(kSecond), 0u);
  EXPECT_EQ(limiter.forgiven(), 100'000u - 10'000u);  // 100,001 due, 1 sent, 10,000 kept
  // Afterwards the backlog is caught up at twice the rate at most, then the pace is the requested one again:
  // polling every 37 us for 0.3 s, no 10 ms window carries more than 2 x 1,000 + one batch, and the 0.3 s
  // carry the 30,000 probes due plus the 10,000 kept, minus the batch already sent.
  std::vector<std::int64_t> sends;
  for (std::int64_t now = kSecond; now < kSecond + 300'000'000; now += 37'000) {
    n = limiter.allowance(now);
    for (std::uint32_t i = 0; i < n; ++i) sends.push_back(now);
    limiter.consume(n);
  }
  std::deque<std::int64_t> window;
  for (std::int64_t t : sends) {
    window.push_back(t);
    while (window.front() <= t - 10'000'000) window.pop_front();
    ASSERT_LE(window.size(), 2u * 1000u + 50u) << "at t=" << t;
  }
  EXPECT_NEAR(static_cast<double>(sends.size()), 30'000 + 10'000 - 50, 100);
}

TEST(RateLimiter, SmallLatenessIsCaughtUp) {
  RateLimiter limiter(1000.0, 4, 0);
  EXPECT_EQ(limiter.allowance(0), 1u);
  limiter.consume(1);
  // 3 ms late: probes 1, 2 and 3 are due; all three are caught up at once (within one batch).
  EXPECT_EQ(limiter.allowance(3'000'000), 3u);
  limiter.consume(3);
  EXPECT_EQ(limiter.forgiven(), 0u);
}

TEST(RateLimiter, BatchSizeFollowsRate) {
  EXPECT_EQ(batch_for_rate(0.5, 256), 1u);
  EXPECT_EQ(batch_for_rate(10, 256), 1u);
  EXPECT_EQ(batch_for_rate(1000, 256), 6u);
  EXPECT_EQ(batch_for_rate(10000, 256), 51u);
  EXPECT_EQ(batch_for_rate(100000, 256), 256u);
  EXPECT_EQ(batch_for_rate(1e9, 256), 256u);
}

}  // namespace
}  // namespace synscan

namespace synscan {
namespace {

// A sender that can only send `capacity_pps` (one batch, then busy for batch / capacity seconds), asked for
// `rate`.
RateLimiter simulate_slow_sender(double rate, double capacity_pps, std::int64_t duration_ns) {
  const std::uint32_t batch = batch_for_rate(rate, 256);
  RateLimiter limiter(rate, batch, 0);
  for (std::int64_t now = 0; now < duration_ns;) {
    const std::uint32_t n = limiter.allowance(now);
    limiter.consume(n);
    now += n == 0 ? 10'000 : static_cast<std::int64_t>(n * 1e9 / capacity_pps);
  }
  return limiter;
}

TEST(RateLimiter, ARateAboveTheSendersCapacityGivesItsMaximumAndSaysSo) {
  // Asked 100 M pps of a sender that manages 850 k pps: it sends at 850 k pps, never more, and reports the
  // cap.
  const RateLimiter limiter = simulate_slow_sender(1e8, 850'000, kSecond);
  EXPECT_NEAR(static_cast<double>(limiter.sent()), 850'000, 850'000 * 0.01);
  EXPECT_TRUE(limiter.capped());
  EXPECT_GT(limiter.forgiven(), 85'000'000u);  // 100 M due, 0.85 M sent, 0.1 s (10 M) kept as backlog
}

TEST(RateLimiter, AFeasibleRateIsNotCappedEvenAfterStalls) {
  // 100 k pps over 10 s, descheduled for 50 ms (caught up) and later for 150 ms (50 ms of it forgiven: 5,000
  // of 1 M probes): the mean rate holds within the 2% tolerance, so it is not reported as capped.
  RateLimiter limiter(100'000, 50, 0);
  for (std::int64_t now = 0; now < 10 * kSecond; now += 20'000) {
    if (now == 3 * kSecond) now += 50'000'000;
    if (now == 6 * kSecond) now += 150'000'000;
    limiter.consume(limiter.allowance(now));
  }
  EXPECT_NEAR(static_cast<double>(limiter.forgiven()), 5'000, 10);
  EXPECT_FALSE(limiter.capped());
  EXPECT_NEAR(static_cast<double>(limiter.sent()), 1e6 - 5'000, 1e6 * 0.001);
}

TEST(RateLimiter, LateWakeUpsAreCaughtUpNotForgiven) {
  // 1,000 pps from a sender whose sleeps overshoot by 0-4 ms, as on a busy machine: the mean rate still holds
  // within 0.1%, nothing is forgiven, and no 10 ms window carries more than twice its share plus one batch.
  const std::uint32_t batch = batch_for_rate(1000.0, 256);
  RateLimiter limiter(1000.0, batch, 0);
  std::vector<std::int64_t> sends;
  std::int64_t now = 0;
  for (int wake = 0; now < 20 * kSecond; ++wake) {
    const std::uint32_t n = limiter.allowance(now);
    for (std::uint32_t i = 0; i < n; ++i) sends.push_back(now);
    limiter.consume(n);
    now = n > 0 ? now + 1'000 : limiter.next_due_ns() + (wake * 7919 % 4'000'000);
  }
  EXPECT_EQ(limiter.forgiven(), 0u);
  EXPECT_NEAR(static_cast<double>(sends.size()), 20'000, 20);
  std::deque<std::int64_t> window;
  for (std::int64_t t : sends) {
    window.push_back(t);
    while (window.front() <= t - 10'000'000) window.pop_front();
    ASSERT_LE(window.size(), 20u + batch) << "at t=" << t;
  }
}

// Retries count toward the rate: new probes and retries take turns on one schedule (here 4 probes, then their
// 2 retries each), with no burst and no pause where the sender moves from one to the other.
TEST(RateLimiter, RetriesShareOneScheduleSoTheyCount) {
  RateLimiter limiter(2.0, 1, 0);
  std::vector<std::int64_t> sends;
  std::int64_t now = 0;
  for (int level = 0; level < 3; ++level) {
    for (int probe = 0; probe < 4;
         now += 1'000'000) {  // 4 probes (1 host x 4 ports) a level, polled every ms
      const std::uint32_t n = limiter.allowance(now);
      if (n == 0) continue;
      limiter.consume(n);
      sends.push_back(now);
      ++probe;
    }
  }
  ASSERT_EQ(sends.size(), 12u);
  for (std::size_t i = 0; i < sends.size(); ++i)
    EXPECT_EQ(sends[i], static_cast<std::int64_t>(i) * kSecond / 2) << i;
  EXPECT_EQ(limiter.sent(), 12u);
}

// Several send threads: each owns a limiter at rate / T, started 1 / rate apart (as scan_runner staggers
// them). Together they hold the total rate within 2% and no 10 ms window carries more than twice its share
// plus one batch per thread.
TEST(RateLimiter, StaggeredThreadsTogetherHoldTheTotalRate) {
  for (std::uint32_t threads : {2u, 3u, 4u}) {
    for (double rate : {10.0, 1000.0, 100000.0}) {
      const double per_thread = rate / threads;
      const std::uint32_t batch = batch_for_rate(per_thread, 256);
      const std::int64_t duration = rate >= 1000 ? 2 * kSecond : 20 * kSecond;
      std::vector<std::int64_t> sends;
      for (std::uint32_t t = 0; t < threads; ++t) {
        RateLimiter limiter(per_thread, batch, static_cast<std::int64_t>(t * 1e9 / rate));
        for (std::int64_t now = 0; now < duration; now += 37'000 + 1000 * t) {
          const std::uint32_t n = limiter.allowance(now);
          for (std::uint32_t i = 0; i < n; ++i) sends.push_back(now);
          limiter.consume(n);
        }
      }
      std::sort(sends.begin(), sends.end());
      const double expected = rate * static_cast<double>(duration) / kSecond;
      EXPECT_NEAR(static_cast<double>(sends.size()), expected, expected * 0.02 + threads)
          << threads << " x " << rate;
      if (rate >= 1000) {
        std::deque<std::int64_t> window;
        for (std::int64_t t : sends) {
          window.push_back(t);
          while (window.front() <= t - 10'000'000) window.pop_front();
          ASSERT_LE(static_cast<double>(window.size()), 2 * rate * 0.010 + batch * threads)
              << threads << " at " << t;
        }
      }
    }
  }
}

}  // namespace
}  // namespace synscan

namespace synscan {
namespace {

// set_rate keeps the schedule continuous: 1,000 pps for 1 s, then 4,000 pps for 1 s, then 500 pps for 1 s;
// each second sends its rate (no burst at the change, no backlog owed from the old rate).
TEST(RateLimiter, SetRateChangesThePaceWithoutBurstOrBacklog) {
  constexpr std::int64_t kMs = 1'000'000;
  RateLimiter limiter(1000, 64, 0);
  std::vector<std::uint64_t> per_second(3, 0);
  std::int64_t last_send = -1;
  std::int64_t min_gap_after_change = kSecond;
  for (std::int64_t now = 0; now < 3 * kSecond; now += kMs / 10) {
    if (now == kSecond) limiter.set_rate(4000, now);
    if (now == 2 * kSecond) limiter.set_rate(500, now);
    const std::uint32_t n = limiter.allowance(now);
    limiter.consume(n);
    per_second[static_cast<std::size_t>(now / kSecond)] += n;
    if (n > 0 && now > kSecond && now < kSecond + 10 * kMs && last_send >= 0)
      min_gap_after_change = std::min(min_gap_after_change, now - last_send);
    if (n > 0) last_send = now;
    EXPECT_LE(n, 1u);  // polled every 0.1 ms, on schedule: one probe at a time, never a burst
  }
  EXPECT_NEAR(static_cast<double>(per_second[0]), 1000, 2);
  EXPECT_NEAR(static_cast<double>(per_second[1]), 4000, 2);
  EXPECT_NEAR(static_cast<double>(per_second[2]), 500, 2);
  EXPECT_GE(min_gap_after_change, kSecond / 4000 - kMs / 10);
  EXPECT_EQ(limiter.forgiven(), 0u);
  EXPECT_NEAR(limiter.rate(), 500, 1e-9);
}

// A sender that was stalled (owes a backlog at the old rate) does not send it after a rate change.
TEST(RateLimiter, SetRateDropsTheOldBacklog) {
  RateLimiter limiter(10000, 256, 0);
  limiter.consume(limiter.allowance(0));
  const std::int64_t later = kSecond / 20;  // 50 ms stalled: ~500 probes owed at 10,000 pps
  limiter.set_rate(1000, later);
  EXPECT_LE(limiter.allowance(later), 1u);
}

}  // namespace
}  // namespace synscan
