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
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

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

/// How one scan's permutation is split: between the shards (machines), and inside this shard between its send
/// threads. Built once from the scan's options (cli/finish_config.hpp, as the last step of building
/// the ScanConfig) and then only read: the send threads each walk thread(t) (new probes and retries
/// interleaved); the dry run and the silence report of a whole shard walk shard(); a resume file records, and
/// a resumed scan continues at, an element j of each thread(t). shard() holds exactly the positions of the
/// threads' slices together, in ascending order (thread t takes every T-th of them, from the t-th on), which
/// is also the order in which the send threads together send them.
class ScanPlan {
 public:
  /// An empty space, one shard, one thread (a config not built by the option parser).
  ScanPlan() = default;

  /// The plan of shard shard_index (0-based) of shard_count over a space of space_size positions, with
  /// thread_count send threads. Throws std::invalid_argument unless shard_index < shard_count and
  /// thread_count >= 1 (make_slice).
  ScanPlan(std::uint64_t space_size, std::uint64_t shard_index, std::uint64_t shard_count,
           std::uint32_t thread_count);

  [[nodiscard]] std::uint64_t space_size() const noexcept { return space_size_; }
  [[nodiscard]] std::uint64_t shard_index() const noexcept { return shard_index_; }
  [[nodiscard]] std::uint64_t shard_count() const noexcept { return shard_count_; }
  /// The number of send threads, >= 1.
  [[nodiscard]] std::uint32_t threads() const noexcept { return static_cast<std::uint32_t>(threads_.size()); }

  /// Send thread t's positions. Throws std::out_of_range unless t < threads().
  [[nodiscard]] const Slice& thread(std::uint32_t t) const { return threads_.at(t); }

  /// Every position of this shard, ascending.
  [[nodiscard]] const Slice& shard() const noexcept { return shard_; }

  /// New probes this shard sends (retries not counted): shard().count, the sum of the threads' counts.
  [[nodiscard]] std::uint64_t shard_probes() const noexcept { return shard_.count; }

 private:
  std::uint64_t space_size_ = 0;
  std::uint64_t shard_index_ = 0;
  std::uint64_t shard_count_ = 1;
  Slice shard_{0, 1, 0};
  std::vector<Slice> threads_{Slice{0, 1, 0}};
};

/// How many probe indices walk_slice() hands over at a time.
inline constexpr std::size_t kWalkBatch = 256;

/// Walks elements [from_j, to_j) of `slice` in order (to_j is clamped to slice.count; nothing when from_j >=
/// to_j) and hands their probe indices, permutation(offset + stride*j), to `visit(std::span<const
/// ProbeIndex>)` up to kWalkBatch at a time, through Permutation::fill (the AVX2 path where the CPU has it).
/// Stops after a batch for which visit returns false. Returns the element j after the last batch handed over
/// (to_j when the walk ran to its end): a walk's resume point. No allocation; `permutation` must have size()
/// >= the slice's space.
template <class Visit>
std::uint64_t walk_slice(const Permutation& permutation, const Slice& slice, std::uint64_t from_j,
                         std::uint64_t to_j, Visit&& visit) {
  to_j = std::min(to_j, slice.count);
  std::array<ProbeIndex, kWalkBatch> indices;
  std::uint64_t j = from_j;
  while (j < to_j) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(kWalkBatch, to_j - j));
    permutation.fill(slice_position(slice, j), slice.stride, n, indices.data());
    j += n;
    if (!visit(std::span<const ProbeIndex>(indices.data(), n))) break;
  }
  return j;
}

}  // namespace synscan
