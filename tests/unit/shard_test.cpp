// Shard and thread slices: every position of the space in exactly one slice, for all small splits.
#include "engine/shard.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <vector>

#include "engine/permutation.hpp"

namespace synscan {
namespace {

// Marks every position of every (shard, thread) slice; each must be hit exactly once.
void expect_exact_cover(std::uint64_t space_size, std::uint64_t shard_count, std::uint32_t thread_count) {
  std::vector<bool> seen(space_size, false);
  std::uint64_t total = 0;
  for (std::uint64_t shard = 0; shard < shard_count; ++shard) {
    for (std::uint32_t thread = 0; thread < thread_count; ++thread) {
      const Slice slice = make_slice(space_size, shard, shard_count, thread, thread_count);
      ASSERT_GE(slice.stride, 1U);
      for (std::uint64_t j = 0; j < slice.count; ++j) {
        const std::uint64_t position = slice_position(slice, j);
        ASSERT_LT(position, space_size);
        ASSERT_EQ(position % shard_count, shard) << "a shard strayed out of its residue class";
        ASSERT_FALSE(seen[position]) << "position " << position << " in two slices (size " << space_size
                                     << ", shards " << shard_count << ", threads " << thread_count << ")";
        seen[position] = true;
      }
      total += slice.count;
    }
  }
  EXPECT_EQ(total, space_size) << "size " << space_size << ", shards " << shard_count << ", threads "
                               << thread_count;
}

TEST(Shard, SlicesCoverSmallSpacesExactlyOnce) {
  for (std::uint64_t size = 0; size <= 40; ++size) {
    for (std::uint64_t shards = 1; shards <= 7; ++shards) {
      for (std::uint32_t threads = 1; threads <= 4; ++threads) expect_exact_cover(size, shards, threads);
    }
  }
}

TEST(Shard, SlicesCoverLargerSpacesExactlyOnce) {
  for (std::uint64_t size : {97ULL, 256ULL, 1000ULL, 4099ULL, 10'000ULL}) {
    for (std::uint64_t shards = 1; shards <= 7; ++shards) {
      for (std::uint32_t threads = 1; threads <= 4; ++threads) expect_exact_cover(size, shards, threads);
    }
  }
}

// C02: one probe with one thread; eight probes with 8 and with 16 threads (threads with nothing get count 0).
TEST(Shard, C02MoreThreadsThanProbesGiveEmptySlices) {
  const Slice single = make_slice(1, 0, 1, 0, 1);
  EXPECT_EQ(single.offset, 0U);
  EXPECT_EQ(single.count, 1U);

  for (std::uint32_t thread = 0; thread < 8; ++thread) {
    const Slice slice = make_slice(8, 0, 1, thread, 8);
    EXPECT_EQ(slice.offset, thread);
    EXPECT_EQ(slice.count, 1U);
  }
  for (std::uint32_t thread = 0; thread < 16; ++thread) {
    const Slice slice = make_slice(8, 0, 1, thread, 16);
    EXPECT_EQ(slice.count, thread < 8 ? 1U : 0U) << "thread " << thread;
  }
  // An empty slice yields nothing through a walk, and does not touch the permutation.
  const Permutation permutation(8, 1);
  int visits = 0;
  EXPECT_EQ(walk_slice(permutation, make_slice(8, 0, 1, 15, 16), 0, ~0ULL,
                       [&](std::span<const ProbeIndex>) {
                         ++visits;
                         return true;
                       }),
            0U);
  EXPECT_EQ(visits, 0);
  // The plan of the same split: threads 8-15 have nothing, and the shard is the 8 positions.
  const ScanPlan plan(8, 0, 1, 16);
  EXPECT_EQ(plan.shard_probes(), 8U);
  for (std::uint32_t t = 0; t < 16; ++t) EXPECT_EQ(plan.thread(t).count, t < 8 ? 1U : 0U);
}

// C15: one port over a /24 split into 3 shards with the same seed: disjoint, and together all 256 targets.
TEST(Shard, C15ThreeShardsOfA24AreDisjointAndComplete) {
  const Permutation permutation(256, 0xC15);
  std::vector<int> hits(256, 0);
  for (std::uint64_t shard = 0; shard < 3; ++shard) {
    for (std::uint32_t thread = 0; thread < 2; ++thread) {
      walk_slice(permutation, ScanPlan(256, shard, 3, 2).thread(thread), 0, ~0ULL,
                 [&](std::span<const ProbeIndex> batch) {
                   for (const ProbeIndex i : batch) ++hits[i];
                   return true;
                 });
    }
  }
  for (int h : hits) EXPECT_EQ(h, 1);
}

// Every index of [from, to) in order, as walk_slice hands them over.
std::vector<ProbeIndex> walked(const Permutation& permutation, const Slice& slice, std::uint64_t from,
                               std::uint64_t to) {
  std::vector<ProbeIndex> out;
  walk_slice(permutation, slice, from, to, [&](std::span<const ProbeIndex> batch) {
    EXPECT_LE(batch.size(), kWalkBatch);
    out.insert(out.end(), batch.begin(), batch.end());
    return true;
  });
  return out;
}

TEST(Shard, WalkYieldsPermutedPositionsInOrderAndResumes) {
  const Permutation permutation(1000, 5);
  const Slice slice = make_slice(1000, 1, 3, 1, 2);  // offset 4, stride 6
  EXPECT_EQ(slice.offset, 4U);
  EXPECT_EQ(slice.stride, 6U);
  EXPECT_EQ(slice.count, 166U);  // 4, 10, ..., 994
  const std::vector<ProbeIndex> all = walked(permutation, slice, 0, slice.count);
  ASSERT_EQ(all.size(), slice.count);
  for (std::uint64_t j = 0; j < slice.count; ++j) EXPECT_EQ(all[j], permutation(slice_position(slice, j)));

  // Resuming at j = 100 continues with exactly the remaining indices; a walk up to j stops there.
  const std::vector<ProbeIndex> rest = walked(permutation, slice, 100, ~0ULL);
  ASSERT_EQ(rest.size(), 66U);
  for (std::uint64_t j = 100; j < slice.count; ++j) ASSERT_EQ(rest[j - 100], all[j]);
  EXPECT_EQ(walked(permutation, slice, 10, 20), std::vector<ProbeIndex>(all.begin() + 10, all.begin() + 20));
  // A resume point past the end walks nothing, never out of the slice.
  EXPECT_TRUE(walked(permutation, slice, 1'000'000, ~0ULL).empty());
  EXPECT_TRUE(walked(permutation, slice, 50, 40).empty());
}

TEST(Shard, WalkStopsAfterTheBatchThatSaysSoAndReturnsWhereItStopped) {
  const Permutation permutation(1000, 9);
  const Slice slice = make_slice(1000, 0, 1, 0, 1);
  std::uint64_t seen = 0;
  const std::uint64_t j = walk_slice(permutation, slice, 3, 1000, [&](std::span<const ProbeIndex> batch) {
    seen += batch.size();
    return seen < 2 * kWalkBatch;
  });
  EXPECT_EQ(seen, 2 * kWalkBatch);
  EXPECT_EQ(j,
            3 + 2 * kWalkBatch);  // the next element to walk: a walk resumed there loses and repeats nothing
  EXPECT_EQ(walk_slice(permutation, slice, 3, 1000, [](std::span<const ProbeIndex>) { return true; }), 1000U);
}

// The plan: thread t's slice is make_slice's, the shard's slice holds exactly the threads' positions, and
// the shard's probe count is their sum.
TEST(Shard, PlanThreadsTogetherAreTheShard) {
  for (std::uint64_t size : {0ULL, 1ULL, 7ULL, 97ULL, 1000ULL}) {
    for (std::uint64_t shards = 1; shards <= 4; ++shards) {
      for (std::uint64_t shard = 0; shard < shards; ++shard) {
        for (std::uint32_t threads = 1; threads <= 5; ++threads) {
          const ScanPlan plan(size, shard, shards, threads);
          ASSERT_EQ(plan.threads(), threads);
          std::vector<std::uint64_t> from_threads;
          std::uint64_t sum = 0;
          for (std::uint32_t t = 0; t < threads; ++t) {
            const Slice& s = plan.thread(t);
            const Slice expected = make_slice(size, shard, shards, t, threads);
            EXPECT_EQ(s.offset, expected.offset);
            EXPECT_EQ(s.stride, expected.stride);
            EXPECT_EQ(s.count, expected.count);
            for (std::uint64_t j = 0; j < s.count; ++j) from_threads.push_back(slice_position(s, j));
            sum += s.count;
          }
          std::sort(from_threads.begin(), from_threads.end());
          std::vector<std::uint64_t> from_shard;
          for (std::uint64_t j = 0; j < plan.shard().count; ++j) {
            from_shard.push_back(slice_position(plan.shard(), j));
          }
          EXPECT_EQ(from_shard, from_threads) << size << " " << shard << "/" << shards << " x" << threads;
          EXPECT_EQ(plan.shard_probes(), sum);
        }
      }
    }
  }
  EXPECT_THROW(ScanPlan(10, 0, 1, 0), std::invalid_argument);
  EXPECT_THROW(ScanPlan(10, 2, 2, 1), std::invalid_argument);
  EXPECT_THROW((void)ScanPlan(10, 0, 1, 2).thread(2), std::out_of_range);
  const ScanPlan none;  // a config not built by the parser: one thread, nothing to send
  EXPECT_EQ(none.threads(), 1U);
  EXPECT_EQ(none.shard_probes(), 0U);
}

TEST(Shard, HugeCountsDoNotOverflow) {
  constexpr std::uint64_t kSpace = std::uint64_t{1} << 48;
  constexpr auto kMaxThreads = std::numeric_limits<std::uint32_t>::max();
  // As many shards as positions, the most threads: stride and offset products pass 2^64.
  const Slice last = make_slice(kSpace, kSpace - 1, kSpace, kMaxThreads - 1, kMaxThreads);
  EXPECT_EQ(last.count, 0U);
  const Slice first = make_slice(kSpace, kSpace - 1, kSpace, 0, kMaxThreads);
  EXPECT_EQ(first.offset, kSpace - 1);
  EXPECT_EQ(first.count, 1U);
  // Offset overflow by the addition alone.
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(make_slice(kMax, kMax - 1, kMax, 1, 2).count, 0U);
  // Largest sensible space, one shard, one thread: one slice of everything.
  const Slice all = make_slice(kMax, 0, 1, 0, 1);
  EXPECT_EQ(all.count, kMax);
  // Two shards of 2^48 + 1 positions: the even positions get the extra one.
  EXPECT_EQ(make_slice(kSpace + 1, 0, 2, 0, 1).count, kSpace / 2 + 1);
  EXPECT_EQ(make_slice(kSpace + 1, 1, 2, 0, 1).count, kSpace / 2);
}

TEST(Shard, RejectsIndicesOutOfRange) {
  EXPECT_THROW(make_slice(10, 0, 0, 0, 1), std::invalid_argument);
  EXPECT_THROW(make_slice(10, 3, 3, 0, 1), std::invalid_argument);
  EXPECT_THROW(make_slice(10, 0, 1, 0, 0), std::invalid_argument);
  EXPECT_THROW(make_slice(10, 0, 1, 4, 4), std::invalid_argument);
}

}  // namespace
}  // namespace synscan
