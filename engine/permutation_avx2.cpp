// Permutation::fill's vector path: the Feistel pass of engine/permutation.hpp on 8 indices at a time, 4 per
// AVX2 register, bit-identical to the scalar encrypt().
//
// AVX2 has no 64 x 64-bit multiply, but every multiply here has one factor below 2^32, and vpmuludq gives the
// full 64-bit product of two 32-bit numbers:
//   - the round hash h = (x * C + k) mod 2^64 with a half x < 2^31: x * C_lo + ((x * C_hi) << 32) + k, C =
//   C_hi
//     * 2^32 + C_lo (the high part's own top half falls off the 64-bit result);
//   - F's range reduction floor(h * A / 2^64) with A <= 2^31 (Lemire 2019), h = h_hi * 2^32 + h_lo:
//     floor((h_hi * A + floor(h_lo * A / 2^32)) / 2^32), exact because h_hi * A is an integer, so the inner
//     floor drops only a fraction the outer one would drop anyway; the sum stays below 2^63 + 2^31.
//   - the mod-A step of L + F(R) < 2A <= 2^32: min(L, L - A) on unsigned 32-bit lanes. When L < A, L - A
//     wraps (low half 2^32 - (A - L) > L, high half all ones > 0), so the min keeps L; otherwise L - A < L.
// That is 21 vector instructions per pair of rounds for 4 indices, against about 20 scalar ones per index,
// and the 64-bit scalar multiplier, the send path's busiest unit, is left to the probe space and source port.
#include "engine/cpu_features.hpp"
#include "engine/permutation.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace synscan {

#if defined(__x86_64__)
namespace {

struct Consts {
  __m256i mul_lo;  // kMul's low 32 bits (vpmuludq reads the low half of each lane)
  __m256i mul_hi;  // kMul's high 32 bits
  __m256i keys[Permutation::kRounds];
  __m256i high_size;  // A
  __m256i low_mask;   // 2^m - 1
  __m128i low_bits;   // m, as a shift count
  __m128i low_shift;  // 64 - m
};

// (x * kMul + key) mod 2^64 for x < 2^32.
SYNSCAN_AVX2 __m256i hash(const Consts& c, __m256i x, __m256i key) noexcept {
  const __m256i low = _mm256_mul_epu32(x, c.mul_lo);
  const __m256i high = _mm256_slli_epi64(_mm256_mul_epu32(x, c.mul_hi), 32);
  return _mm256_add_epi64(_mm256_add_epi64(low, high), key);
}

// floor(h * a / 2^64) for a < 2^32.
SYNSCAN_AVX2 __m256i multiply_high(__m256i h, __m256i a) noexcept {
  const __m256i low = _mm256_srli_epi64(_mm256_mul_epu32(h, a), 32);
  const __m256i high = _mm256_mul_epu32(_mm256_srli_epi64(h, 32), a);
  return _mm256_srli_epi64(_mm256_add_epi64(high, low), 32);
}

// Permutation::encrypt on 4 lanes.
SYNSCAN_AVX2 __m256i encrypt(const Consts& c, __m256i x) noexcept {
  __m256i left = _mm256_srl_epi64(x, c.low_bits);
  __m256i right = _mm256_and_si256(x, c.low_mask);
  for (int r = 0; r < Permutation::kRounds; r += 2) {
    left = _mm256_add_epi64(left, multiply_high(hash(c, right, c.keys[r]), c.high_size));
    left = _mm256_min_epu32(left, _mm256_sub_epi64(left, c.high_size));
    right = _mm256_xor_si256(right, _mm256_srl_epi64(hash(c, left, c.keys[r + 1]), c.low_shift));
  }
  return _mm256_or_si256(_mm256_sll_epi64(left, c.low_bits), right);
}

}  // namespace

__attribute__((target("avx2"))) std::size_t permutation_fill_avx2(const Permutation& p, std::uint64_t first,
                                                                  std::uint64_t stride, std::size_t n,
                                                                  std::uint64_t* out) noexcept {
  static_assert(Permutation::kRounds % 2 == 0, "rounds go in pairs");
  Consts c{};
  c.mul_lo = _mm256_set1_epi64x(static_cast<long long>(Permutation::kMul & 0xFFFFFFFFu));
  c.mul_hi = _mm256_set1_epi64x(static_cast<long long>(Permutation::kMul >> 32));
  for (int r = 0; r < Permutation::kRounds; ++r)
    c.keys[r] = _mm256_set1_epi64x(static_cast<long long>(p.keys_[r]));
  c.high_size = _mm256_set1_epi64x(static_cast<long long>(p.high_size_));
  c.low_mask = _mm256_set1_epi64x(static_cast<long long>(p.low_mask_));
  c.low_bits = _mm_cvtsi32_si128(static_cast<int>(p.low_bits_));
  c.low_shift = _mm_cvtsi32_si128(static_cast<int>(p.low_shift_));
  // Signed compares are exact here: every value is below 2^63.
  const __m256i last = _mm256_set1_epi64x(static_cast<long long>(p.size_ - 1));
  const auto at = [&](std::uint64_t i) { return static_cast<long long>(first + stride * i); };
  __m256i position_a = _mm256_setr_epi64x(at(0), at(1), at(2), at(3));
  __m256i position_b = _mm256_setr_epi64x(at(4), at(5), at(6), at(7));
  const __m256i step = _mm256_set1_epi64x(static_cast<long long>(stride * 8));
  const std::size_t k = n & ~std::size_t{7};
  for (std::size_t i = 0; i < k; i += 8) {
    const __m256i a = encrypt(c, position_a);
    const __m256i b = encrypt(c, position_b);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), a);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i + 4), b);
    const __m256i outside = _mm256_or_si256(_mm256_cmpgt_epi64(a, last), _mm256_cmpgt_epi64(b, last));
    if (!_mm256_testz_si256(outside, outside)) [[unlikely]] {
      // Cycle walking (header comment, 2 and 3): rare, since the domain exceeds size by less than 2^m.
      for (std::size_t j = i; j < i + 8; ++j) {
        while (out[j] >= p.size_) out[j] = p.encrypt(out[j]);
      }
    }
    position_a = _mm256_add_epi64(position_a, step);
    position_b = _mm256_add_epi64(position_b, step);
  }
  return k;
}

#else

std::size_t permutation_fill_avx2(const Permutation&, std::uint64_t, std::uint64_t, std::size_t,
                                  std::uint64_t*) noexcept {
  return 0;
}

#endif

}  // namespace synscan
