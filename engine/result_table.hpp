#pragma once
// Exact deduplication over the probe space: one bit per probe index, set when the probe gets its first valid
// reply. Memory is size/8 bytes (8 MiB for a /16 x 1,000 ports), fixed before the scan starts.
#include <atomic>
#include <cstdint>
#include <memory>

#include "engine/types.hpp"

namespace synscan {

class ResultTable {
 public:
  /// A table for `space_size` probes, all unanswered. Allocates bytes_for(space_size) (std::bad_alloc if it cannot).
  explicit ResultTable(std::uint64_t space_size);

  /// Bytes a table for `space_size` probes needs; the CLI compares it with --max-memory before the scan.
  static std::uint64_t bytes_for(std::uint64_t space_size) noexcept { return (space_size + 63) / 64 * 8; }

  /// Marks `index` answered. True only for the first call with this index: its result is the one reported.
  /// Safe to call from one thread while others read answered().
  bool claim(ProbeIndex index) noexcept {
    const std::uint64_t bit = std::uint64_t{1} << (index & 63);
    return (words_[index >> 6].fetch_or(bit, std::memory_order_relaxed) & bit) == 0;
  }

  /// Whether `index` has been answered (a retry pass skips answered probes).
  bool answered(ProbeIndex index) const noexcept {
    return (words_[index >> 6].load(std::memory_order_relaxed) >> (index & 63)) & 1;
  }

  std::uint64_t size() const noexcept { return size_; }

  /// Calls fn(index) for every unanswered index in ascending order; skips whole answered words.
  template <typename Fn>
  void for_each_unanswered(Fn&& fn) const {
    for (std::uint64_t w = 0; w * 64 < size_; ++w) {
      std::uint64_t free_bits = ~words_[w].load(std::memory_order_relaxed);
      while (free_bits) {
        const std::uint64_t index = w * 64 + static_cast<std::uint64_t>(__builtin_ctzll(free_bits));
        if (index >= size_) return;
        fn(index);
        free_bits &= free_bits - 1;
      }
    }
  }

 private:
  std::uint64_t size_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> words_;
};

}  // namespace synscan
