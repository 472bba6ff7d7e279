#pragma once
// Splitting one permutation between shards (machines) and send threads without overlap or gap.
//
// The permutation's index space [0, space_size) is dealt out like cards: shard s of S takes the positions
// p with p % S == s, and thread t of T inside that shard takes every T-th of those, i.e. the positions
// p = (s + S*t) + (S*T)*j. For a fixed stride S*T the offsets s + S*t run over exactly 0 .. S*T-1 once each
// as (s, t) ranges over all pairs, and every p has one remainder modulo S*T, so every position belongs to
// exactly one (shard, thread) slice. Because the positions are passed through the keyed permutation, each
// slice is still a random, well-spread sample of the targets. Shards on different machines must use the same
// seed and space (zmap shard.h interleaves the same way, over its cyclic group).
#include <cstdint>

#include "engine/permutation.hpp"
#include "engine/types.hpp"

namespace synscan {

/// The positions offset + stride*j, j in [0, count), of a permutation's index space.
/// count is 0 when the slice is empty (more shards/threads than positions); stride is then still >= 1.
struct Slice {
  std::uint64_t offset;
  std::uint64_t stride;
  std::uint64_t count;
};

/// The slice of shard shard_index (0-based) of shard_count and send thread thread_index of thread_count:
/// offset = shard_index + shard_count*thread_index, stride = shard_count*thread_count, count = the number of
/// such positions below space_size. Exact for any space_size, including 0: when a product overflows 64 bits
/// the positions it would describe lie beyond any space, so the slice holds at most its first position (the
/// stride saturates at 2^64-1). Throws std::invalid_argument unless shard_index < shard_count and
/// thread_index < thread_count.
Slice make_slice(std::uint64_t space_size, std::uint64_t shard_index, std::uint64_t shard_count,
                 std::uint32_t thread_index, std::uint32_t thread_count);

/// The permutation position of the j-th element of a slice. Precondition: j < slice.count (then no overflow).
[[nodiscard]] constexpr std::uint64_t slice_position(const Slice& slice, std::uint64_t j) noexcept {
  return slice.offset + slice.stride * j;
}

/// Walks one send thread's slice in order, yielding probe indices: the j-th is permutation(offset +
/// stride*j). Keeps a running position instead of multiplying per step. `next_j()` is the number of indices
/// consumed, which is what a resume file records; constructing with that j continues where the walk stopped.
class SliceCursor {
 public:
  /// Starts at element `start_j` of `slice` (clamped to slice.count). The permutation must outlive the cursor
  /// and have size() >= the space_size the slice was made for.
  SliceCursor(const Permutation& permutation, Slice slice, std::uint64_t start_j = 0) noexcept
      : permutation_(&permutation),
        stride_(slice.stride),
        j_(start_j < slice.count ? start_j : slice.count),
        count_(slice.count),
        position_(j_ < count_ ? slice_position(slice, j_) : 0) {}

  /// True while indices remain.
  [[nodiscard]] bool has_next() const noexcept { return j_ < count_; }

  /// The next probe index. Precondition: has_next().
  [[nodiscard]] ProbeIndex next() noexcept {
    const ProbeIndex index = (*permutation_)(position_);
    ++j_;
    position_ += stride_;  // may wrap after the last element; never used then
    return index;
  }

  /// Elements consumed so far (the resume point), in [0, count].
  [[nodiscard]] std::uint64_t next_j() const noexcept { return j_; }

  /// Elements left to walk.
  [[nodiscard]] std::uint64_t remaining() const noexcept { return count_ - j_; }

 private:
  const Permutation* permutation_;
  std::uint64_t stride_;
  std::uint64_t j_;
  std::uint64_t count_;
  std::uint64_t position_;
};

}  // namespace synscan
