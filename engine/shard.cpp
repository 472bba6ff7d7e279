#include "engine/shard.hpp"

#include <limits>
#include <stdexcept>
#include <string>

namespace synscan {

Slice make_slice(std::uint64_t space_size, std::uint64_t shard_index, std::uint64_t shard_count,
                 std::uint32_t thread_index, std::uint32_t thread_count) {
  if (shard_count == 0 || shard_index >= shard_count) {
    throw std::invalid_argument("shard index " + std::to_string(shard_index) + " is not below shard count " +
                                std::to_string(shard_count));
  }
  if (thread_count == 0 || thread_index >= thread_count) {
    throw std::invalid_argument("thread index " + std::to_string(thread_index) +
                                " is not below thread count " + std::to_string(thread_count));
  }
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  Slice slice{0, 0, 0};
  // A stride past 2^64 means every position after the first is past any space: saturate, count stays exact.
  if (__builtin_mul_overflow(shard_count, std::uint64_t{thread_count}, &slice.stride)) slice.stride = kMax;
  std::uint64_t first_of_thread = 0;
  if (__builtin_mul_overflow(shard_count, std::uint64_t{thread_index}, &first_of_thread) ||
      __builtin_add_overflow(shard_index, first_of_thread, &slice.offset)) {
    slice.offset = kMax;  // beyond any space: empty
    return slice;
  }
  if (slice.offset < space_size) {
    // Number of j >= 0 with offset + stride*j < space_size, written so that nothing can overflow.
    slice.count = 1 + (space_size - 1 - slice.offset) / slice.stride;
  }
  return slice;
}

ScanPlan::ScanPlan(std::uint64_t space_size, std::uint64_t shard_index, std::uint64_t shard_count,
                   std::uint32_t thread_count)
    : space_size_(space_size),
      shard_index_(shard_index),
      shard_count_(shard_count),
      shard_(make_slice(space_size, shard_index, shard_count, 0, 1)) {
  if (thread_count == 0) throw std::invalid_argument("a scan needs at least one send thread");
  threads_.clear();
  threads_.reserve(thread_count);
  for (std::uint32_t t = 0; t < thread_count; ++t) {
    threads_.push_back(make_slice(space_size, shard_index, shard_count, t, thread_count));
  }
}

}  // namespace synscan
