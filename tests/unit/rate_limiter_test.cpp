#include "engine/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <vector>

namespace synscan {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

// A sender on a fake clock: polls every `poll_ns`, sends whatever the limiter allows, and records each send time.
std::vector<std::int64_t> simulate(double rate, std::uint32_t batch, std::int64_t duration_ns, std::int64_t poll_ns) {
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
  for (std::size_t i = 0; i < sends.size(); ++i) EXPECT_EQ(sends[i], static_cast<std::int64_t>(i) * 2 * kSecond);
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
  // The sender was descheduled for a whole second: 100,000 probes are due, but only one batch goes now.
  std::uint32_t n = limiter.allowance(kSecond);
  EXPECT_EQ(n, 50u);
  limiter.consume(n);
  EXPECT_EQ(limiter.allowance(kSecond), 0u);
  EXPECT_GT(limiter.forgiven(), 99000u);
  // And afterwards the pace is the requested one again.
  EXPECT_EQ(limiter.allowance(kSecond + 10'000), 1u);
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
  EXPECT_EQ(batch_for_rate(1000, 256), 1u);
  EXPECT_EQ(batch_for_rate(100000, 256), 50u);
  EXPECT_EQ(batch_for_rate(1e9, 256), 256u);
}

}  // namespace
}  // namespace synscan
