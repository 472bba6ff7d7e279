// Properties of the keyed permutation over whole spaces (the idea of masscan's blackrock_verify).
#include "engine/permutation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <unordered_set>
#include <vector>

namespace synscan {
namespace {

// Checks that the permutation visits every index of [0, size) exactly once, using a bitmap.
void expect_bijection(std::uint64_t size, std::uint64_t seed) {
  const Permutation permutation(size, seed);
  ASSERT_EQ(permutation.size(), size);
  std::vector<bool> seen(size, false);
  for (std::uint64_t i = 0; i < size; ++i) {
    const std::uint64_t value = permutation(i);
    ASSERT_LT(value, size) << "size " << size << " index " << i;
    ASSERT_FALSE(seen[value]) << "size " << size << " value " << value << " hit twice";
    seen[value] = true;
  }
  // size values, all distinct, all below size: every index was hit.
}

TEST(Permutation, VisitsEveryIndexOnceForSmallAndOddSizes) {
  for (std::uint64_t size : {1ULL, 2ULL, 3ULL, 4ULL, 5ULL, 31ULL, 32ULL, 33ULL, 63ULL, 64ULL, 65ULL, 1000ULL,
                             65535ULL, 65536ULL, 65537ULL}) {
    for (std::uint64_t seed : {0ULL, 1ULL, 0xDEADBEEFULL}) expect_bijection(size, seed);
  }
}

TEST(Permutation, VisitsEveryIndexOnceForEverySizeUpTo300) {
  for (std::uint64_t size = 1; size <= 300; ++size) expect_bijection(size, size * 7919);
}

TEST(Permutation, VisitsEveryIndexOnceForRandomSizes) {
  std::mt19937_64 rng(12345);
  std::uniform_int_distribution<std::uint64_t> sizes(1, std::uint64_t{1} << 20);
  for (int trial = 0; trial < 8; ++trial) expect_bijection(sizes(rng), rng());
}

TEST(Permutation, VisitsEveryIndexOnceForALargeOddSize) {
  // 2^24 + 3 lies just above a power of two: the worst case for cycle walking (domain 2^25, almost 2x size).
  expect_bijection((std::uint64_t{1} << 24) + 3, 42);
}

// fill() (the AVX2 path where the CPU has it, 8 at a time, and the scalar tail) gives exactly operator()'s
// values: sizes that never walk (a power of two, 2^16 x 10 ports), sizes that walk often (just above a power
// of two: domains up to 2^m larger), tiny ones, and the largest; every tail length; shard-like strides.
TEST(Permutation, FillEqualsOneAtATime) {
  std::mt19937_64 rng(77);
  for (const std::uint64_t size : std::initializer_list<std::uint64_t>{
           1ULL, 2ULL, 3ULL, 7ULL, 64ULL, 65ULL, 300ULL, 65536ULL, 655360ULL, 65536000ULL,
           (1ULL << 24) + 3ULL, (1ULL << 33) + 1ULL, (1ULL << 48) - 1ULL, Permutation::kMaxSize}) {
    const Permutation permutation(size, rng());
    for (const std::uint64_t stride : {1ULL, 3ULL, 1000ULL}) {
      for (std::size_t n = 0; n <= 70; n += (n < 20 ? 1 : 25)) {
        if (n > 0 && stride * (n - 1) >= size) continue;
        const std::uint64_t room = size - (n > 0 ? stride * (n - 1) : 0);
        const std::uint64_t first = rng() % room;
        std::vector<std::uint64_t> out(n + 1, ~0ULL);
        permutation.fill(first, stride, n, out.data());
        ASSERT_EQ(out[n], ~0ULL) << "wrote past the end";
        for (std::size_t i = 0; i < n; ++i) {
          ASSERT_EQ(out[i], permutation(first + stride * i))
              << "size " << size << " stride " << stride << " i " << i;
        }
      }
    }
  }
}

TEST(Permutation, FillOverAWholeWalkingSpaceIsABijection) {
  // 2^20 + 1: the domain 1025 x 2^10 has 1,023 elements outside, so about a thousand batches of 8 take the
  // cycle-walking fix-up.
  constexpr std::uint64_t kSize = (1ULL << 20) + 1;
  const Permutation permutation(kSize, 9);
  std::vector<std::uint64_t> out(kSize);
  permutation.fill(0, 1, kSize, out.data());
  std::vector<bool> seen(kSize, false);
  for (std::uint64_t i = 0; i < kSize; ++i) {
    ASSERT_EQ(out[i], permutation(i));
    ASSERT_FALSE(seen[out[i]]);
    seen[out[i]] = true;
  }
}

TEST(Permutation, SameSeedSameOrderDifferentSeedDifferentOrder) {
  constexpr std::uint64_t kSize = 10'000;
  const Permutation a(kSize, 1);
  const Permutation b(kSize, 1);
  const Permutation c(kSize, 2);
  std::uint64_t same_as_c = 0;
  for (std::uint64_t i = 0; i < kSize; ++i) {
    ASSERT_EQ(a(i), b(i));
    same_as_c += a(i) == c(i) ? 1 : 0;
  }
  // Two unrelated random orders agree at about 1 position on average.
  EXPECT_LT(same_as_c, 10U);
}

TEST(Permutation, DifferentSeedsGiveDifferentOrdersOnTinySpaces) {
  // 3! = 6 orders exist for size 3; 64 seeds must reach more than one of them, and all of them in practice.
  std::unordered_set<std::uint64_t> orders;
  for (std::uint64_t seed = 0; seed < 64; ++seed) {
    const Permutation permutation(3, seed);
    orders.insert(permutation(0) * 9 + permutation(1) * 3 + permutation(2));
  }
  EXPECT_EQ(orders.size(), 6U);
}

TEST(Permutation, TinySpacesAreShuffledUniformlyOverSeeds) {
  // Over 4800 seeds (fixed: deterministic), the first element of each order is near uniform (chi-square over
  // `size` classes, size - 1 degrees of freedom: below 3x that plus 15 holds with a wide margin for a uniform
  // shuffle) and the identity order comes out about 4800 / size! times. The Feistel cycle walk of old gave
  // the identity of 4 indices for ~17% of seeds (1/24 is ~4%) and chi-squares in the hundreds or thousands.
  constexpr int kSeeds = 4800;
  for (std::uint64_t size : {2ULL, 3ULL, 4ULL, 5ULL, 8ULL, 16ULL, 33ULL, 48ULL, 64ULL}) {
    std::vector<double> first(size, 0);
    int identity = 0;
    for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
      const Permutation permutation(size, seed);
      first[permutation(0)] += 1;
      bool same = true;
      for (std::uint64_t i = 0; i < size && same; ++i) same = permutation(i) == i;
      identity += same ? 1 : 0;
    }
    const double expected = static_cast<double>(kSeeds) / static_cast<double>(size);
    double chi = 0;
    for (const double f : first) chi += (f - expected) * (f - expected) / expected;
    EXPECT_LT(chi, 3.0 * static_cast<double>(size - 1) + 15) << "size " << size;
    double orders = 1;
    for (std::uint64_t k = 2; k <= size; ++k) orders *= static_cast<double>(k);
    const double identity_expected = kSeeds / orders;  // 2400, 800, 200, 40, then below 1
    EXPECT_LT(std::abs(identity - identity_expected), 4 * std::sqrt(identity_expected) + 3)
        << "size " << size;
  }
}

TEST(Permutation, ConsecutiveIndicesAreSpreadOut) {
  // Consecutive positions must land on unrelated targets: for a uniformly random order the mean distance
  // between neighbours' values is size/3 and few neighbours are close together.
  constexpr std::uint64_t kSize = 1 << 20;
  const Permutation permutation(kSize, 7);
  double distance_sum = 0;
  std::uint64_t close = 0;
  constexpr std::uint64_t kSteps = 100'000;
  for (std::uint64_t i = 0; i + 1 < kSteps; ++i) {
    const std::uint64_t x = permutation(i);
    const std::uint64_t y = permutation(i + 1);
    const std::uint64_t distance = x > y ? x - y : y - x;
    distance_sum += static_cast<double>(distance);
    close += distance < kSize / 1000 ? 1 : 0;
  }
  const double mean = distance_sum / (kSteps - 1);
  EXPECT_NEAR(mean / kSize, 1.0 / 3.0, 0.01);
  // Expected share of close neighbours is about 2/1000: 200 of 100,000.
  EXPECT_LT(close, 400U);
}

TEST(Permutation, NeighbourDifferencesAndLowBitsLookUniform) {
  // Chi-square over 256 classes (255 degrees of freedom: mean 255, sd ~23) of the low byte of p(i) and of
  // p(i+1) - p(i). Deterministic (fixed seeds); 4 rounds gave ~610 for the differences, 6 rounds ~230-300.
  for (std::uint64_t size : {std::uint64_t{1} << 20, (std::uint64_t{1} << 24) + 3, std::uint64_t{1} << 40}) {
    for (std::uint64_t seed : {1ULL, 2ULL}) {
      const Permutation permutation(size, seed);
      constexpr int kSteps = 1 << 18;
      std::vector<double> low(256, 0), difference(256, 0);
      for (std::uint64_t i = 0; i < kSteps; ++i) {
        const std::uint64_t a = permutation(i);
        const std::uint64_t b = permutation(i + 1);
        low[a & 255] += 1;
        difference[(b - a) & 255] += 1;
      }
      double chi_low = 0;
      double chi_difference = 0;
      constexpr double kExpected = kSteps / 256.0;
      for (int k = 0; k < 256; ++k) {
        chi_low += (low[k] - kExpected) * (low[k] - kExpected) / kExpected;
        chi_difference += (difference[k] - kExpected) * (difference[k] - kExpected) / kExpected;
      }
      EXPECT_LT(chi_low, 400) << "size " << size << " seed " << seed;
      EXPECT_LT(chi_difference, 400) << "size " << size << " seed " << seed;
    }
  }
}

TEST(Permutation, NotTheIdentityAndFewFixedPoints) {
  constexpr std::uint64_t kSize = 100'000;
  const Permutation permutation(kSize, 99);
  std::uint64_t fixed = 0;
  for (std::uint64_t i = 0; i < kSize; ++i) fixed += permutation(i) == i ? 1 : 0;
  EXPECT_LT(fixed, 10U);  // a random permutation has 1 fixed point on average
}

TEST(Permutation, HugeSizeMapsIntoRangeAndIsInjectiveOnASample) {
  for (std::uint64_t size :
       {(std::uint64_t{1} << 48) - 5, (std::uint64_t{1} << 48) + 1, Permutation::kMaxSize}) {
    const Permutation permutation(size, 2024);
    std::unordered_set<std::uint64_t> values;
    std::mt19937_64 rng(size);
    std::uniform_int_distribution<std::uint64_t> indices(0, size - 1);
    std::unordered_set<std::uint64_t> sampled;
    for (int k = 0; k < 100'000; ++k) {
      std::uint64_t index = k < 1000 ? static_cast<std::uint64_t>(k) : indices(rng);
      if (k >= 1000 && k < 2000) index = size - 1 - static_cast<std::uint64_t>(k - 1000);  // the top end
      if (!sampled.insert(index).second) continue;
      const std::uint64_t value = permutation(index);
      ASSERT_LT(value, size);
      ASSERT_TRUE(values.insert(value).second) << "two indices map to " << value;
    }
  }
}

TEST(Permutation, InverseUndoesEveryPositionOfSmallAndOddSizes) {
  for (std::uint64_t size : {1ull, 2ull, 3ull, 63ull, 64ull, 65ull, 1000ull, 4097ull, 65537ull}) {
    const Permutation p(size, 99 + size);
    for (std::uint64_t i = 0; i < size; ++i) {
      ASSERT_EQ(p.inverse(p(i)), i) << "size " << size;
      ASSERT_EQ(p(p.inverse(i)), i) << "size " << size;
    }
  }
}

TEST(Permutation, InverseUndoesPositionsOfHugeSizes) {
  for (std::uint64_t size :
       {std::uint64_t{1} << 40, (std::uint64_t{1} << 48) - 12345, Permutation::kMaxSize}) {
    const Permutation p(size, 7);
    for (std::uint64_t i = 0; i < 20000; ++i) {
      const std::uint64_t pos = (i * 0x9E3779B97F4A7C15ULL) % size;
      ASSERT_EQ(p.inverse(p(pos)), pos) << "size " << size;
    }
  }
}

TEST(Permutation, RejectsZeroAndTooLargeSizes) {
  EXPECT_THROW(Permutation(0, 1), std::invalid_argument);
  EXPECT_THROW(Permutation(Permutation::kMaxSize + 1, 1), std::invalid_argument);
  EXPECT_THROW(Permutation(~std::uint64_t{0}, 1), std::invalid_argument);
  EXPECT_NO_THROW(Permutation(Permutation::kMaxSize, 1));
}

}  // namespace
}  // namespace synscan
