#include "engine/permutation.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <string>
#include <utility>

#include "engine/cpu_features.hpp"

namespace synscan {
namespace {

/// SplitMix64 (Steele, Lea & Flood, "Fast Splittable Pseudorandom Number Generators", OOPSLA 2014): turns one
/// 64-bit seed into a stream of well-mixed round keys, so that nearby seeds (1, 2, 3) give unrelated keys.
std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

Permutation::Permutation(std::uint64_t size, std::uint64_t seed) : size_(size), avx2_(cpu_has_avx2()) {
  if (size == 0 || size > kMaxSize) {
    throw std::invalid_argument("permutation size " + std::to_string(size) + " is outside [1, 2^62]");
  }
  // n: smallest width with 2^n >= size (size <= 2^62 keeps n <= 62). Tiny spaces are a table, but their
  // Feistel fields are set up over the domain 2^kMinBits all the same, so that every member is defined.
  const auto bits = std::max(static_cast<unsigned>(std::bit_width(size - 1)), kMinBits);
  const std::uint64_t padded = std::max(size, kTableSize);
  low_bits_ = bits / 2;
  low_shift_ = 64 - low_bits_;
  low_mask_ = (std::uint64_t{1} << low_bits_) - 1;
  high_size_ = (padded + low_mask_) >> low_bits_;  // ceil(padded / 2^m) <= 2^ceil(n/2)
  std::uint64_t state = seed;
  // Stored premultiplied: (R + k) * C = R * C + k * C, one multiply per round.
  for (auto& key : keys_) key = splitmix64(state) * kMul;
  if (size <= kTableSize) {
    // Fisher-Yates (header comment, 5) on the stream after the round keys: j uniform in [0, i].
    for (std::uint64_t i = 0; i < size; ++i) table_[i] = static_cast<std::uint8_t>(i);
    for (std::uint64_t i = size - 1; i > 0; --i) {
      const std::uint64_t j = multiply_high(splitmix64(state), i + 1);
      std::swap(table_[i], table_[j]);
    }
    for (std::uint64_t i = 0; i < size; ++i) inverse_table_[table_[i]] = static_cast<std::uint8_t>(i);
  }
}

void Permutation::fill(std::uint64_t first, std::uint64_t stride, std::size_t n,
                       std::uint64_t* out) const noexcept {
  std::size_t done = 0;
  if (avx2_ && size_ > kTableSize) done = permutation_fill_avx2(*this, first, stride, n, out);
  for (std::uint64_t position = first + stride * done; done < n; ++done, position += stride) {
    out[done] = (*this)(position);
  }
}

}  // namespace synscan
