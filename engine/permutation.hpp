#pragma once
// Keyed random order of the probe space: a bijection on [0, size) for any size, computed in O(1) per index.
//
// Why the math works
// ------------------
// 1. A Feistel network is a bijection whatever its round functions. The domain is [0, A) x [0, 2^m), the
//    integer x = L * 2^m + R with L < A and R < 2^m. Rounds alternately update one half from the other:
//        L <- (L + F_i(R)) mod A,   with F_i(R) in [0, A),
//        R <- R xor G_i(L),         with G_i(L) in [0, 2^m).
//    Knowing the untouched half, a round is undone by subtracting mod A or xoring again, so every round, and
//    hence the whole chain, is a bijection on [0, A * 2^m). F and G need not be invertible. This is Black &
//    Rogaway's Feistel on a domain a x b ("Ciphers with Arbitrary Finite Domains", CT-RSA 2002, section 5)
//    with b = 2^m, so the split and join are shifts and masks and only the mod A needs work: F_i is reduced
//    into [0, A) with a multiply-high (Lemire's multiply-shift range reduction), and L + F_i(R) < 2A needs
//    one conditional subtraction. No division anywhere.
// 2. Cycle walking restricts a bijection E on a superset [0, D) to a bijection P on [0, size): P(x) is the
//    first of E(x), E(E(x)), ... that lies below size. The walk ends because x lies on its own cycle of E. On
//    each cycle of E, P sends each in-range element to the next in-range element of that cycle, a cyclic
//    shift of the cycle's in-range elements, hence P is a bijection (Black & Rogaway 2002, section 6).
// 3. Walk length. With n = bits of size (2^(n-1) < size <= 2^n), m = floor(n/2) and A = ceil(size / 2^m), the
//    domain D = A * 2^m exceeds size by less than 2^m. Every element of a cycle of E is stepped over at most
//    once by the walks that start in range on that cycle, so the walks from all of [0, size) cost at most D
//    evaluations of E together: on average D / size < 1 + 2^(1 - ceil(n/2)) per index, i.e. < 1.002 from
//    n = 20 on. Almost every walk is one step, so the loop's branch is predictable.
// 5. Tiny spaces (size <= 2^kMinBits) are a table instead. With halves of 3 bits or fewer, six rounds of this
//    Feistel reach only a small, structured family of permutations, and a cycle walk from a padded domain of
//    64 down to a handful of indices inherits that structure: for 4 indices the identity order came out for
//    ~17% of seeds (1/24 = 4% is uniform), and the first element's distribution was far from uniform up to
//    ~48 indices (permutation_test.cpp). A Fisher-Yates shuffle (Knuth, TAOCP vol. 2, 3.4.2, algorithm P)
//    driven by the seed's SplitMix64 stream is uniform up to the negligible bias of a 64-bit multiply-shift
//    reduction, and a table of at most 64 bytes costs nothing. Larger spaces keep the Feistel order as is.
// 4. The round functions hash one half with multiply-shift (Dietzfelbinger et al., 1997): (h + k_i) * C mod
//    2^64, C odd, whose top bits depend on every bit of h; G keeps the top m bits, F scales the whole product
//    into [0, A). A one-bit change of the index thus reaches all output bits within a few rounds, and
//    consecutive indices map to unrelated, well spread values, i.e. different hosts. The order must look
//    random to the network (spread the load over targets); it need not resist an adversary, since spoofed
//    replies are rejected by the SYN cookie.
//
// Prior art: masscan's BlackRock (crypto-blackrock.c) applies the same Black & Rogaway construction on a x b
// with a, b ~ sqrt(size), paying divisions and modulo operations in every round; zmap (cyclic.c) walks a
// multiplicative cyclic group modulo a prime. Round keys here come from the seed through SplitMix64.
#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>

namespace synscan {

/// A keyed pseudo-random permutation of [0, size): same (size, seed) gives the same order on every machine
/// and every run (shards and resumed scans rely on it), different seeds give unrelated orders. Immutable
/// after construction; safe to share between threads.
class Permutation {
 public:
  /// Largest supported size: 2^62 (each Feistel half stays within 31 bits, so L + F(R) and every shift fit).
  static constexpr std::uint64_t kMaxSize = std::uint64_t{1} << 62;
  /// Feistel rounds (half-updates); even, since encrypt() updates the two halves in turn. With 4, the
  /// differences between neighbours' values were measurably non-uniform (chi-square ~610 on 255 degrees of
  /// freedom, see permutation_test.cpp); 6 passes, at ~1.5x the cost.
  static constexpr int kRounds = 6;
  /// Spaces of up to 2^kMinBits indices are a shuffled table (header comment, 5); larger ones use the
  /// Feistel network, whose halves are then at least 3 bits wide.
  static constexpr unsigned kMinBits = 6;
  static constexpr std::uint64_t kTableSize = std::uint64_t{1} << kMinBits;

  /// Builds the permutation of [0, size) keyed by seed (round keys derived with SplitMix64).
  /// Throws std::invalid_argument if size is 0 or above kMaxSize.
  Permutation(std::uint64_t size, std::uint64_t seed);

  /// The number of indices permuted.
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }

  /// The index at position `index` of the order. Precondition: index < size() (asserted in debug builds; a
  /// larger index might never reach the range). Costs barely more than one Feistel pass on average (header
  /// comment, 3).
  [[nodiscard]] std::uint64_t operator()(std::uint64_t index) const noexcept {
    assert(index < size_);
    if (size_ <= kTableSize) return table_[index];
    std::uint64_t x = index;
    do {
      x = encrypt(x);
    } while (x >= size_);
    return x;
  }

  /// The position whose index is `value`: inverse(operator()(p)) == p for every p < size(). Runs the Feistel
  /// rounds backwards (each round is undone by subtracting mod A or xoring again, header comment 1) and walks
  /// the cycle backwards until the value lies below size (the inverse of the cycle walk, 2). Costs about one
  /// operator() call. Used by the aggregator to map a reply's probe index back to its shard, send thread and
  /// slice element (engine/probe_window.hpp). Precondition: value < size().
  [[nodiscard]] std::uint64_t inverse(std::uint64_t value) const noexcept {
    assert(value < size_);
    if (size_ <= kTableSize) return inverse_table_[value];
    std::uint64_t x = value;
    do {
      x = decrypt(x);
    } while (x >= size_);
    return x;
  }

  /// out[i] = (*this)(first + stride * i) for i in [0, n): the positions a send thread walks
  /// (engine/shard.hpp), as one batch. Precondition: first + stride * (n - 1) < size(). The same values as n
  /// calls of operator(), faster: where the CPU has AVX2 (checked at construction) 8 indices go through the
  /// Feistel rounds side by side in vector registers (engine/permutation_avx2.cpp), and the rare index whose
  /// pass lands outside [0, size) finishes its cycle walk with the scalar code.
  void fill(std::uint64_t first, std::uint64_t stride, std::size_t n, std::uint64_t* out) const noexcept;

 private:
  friend std::size_t permutation_fill_avx2(const Permutation& p, std::uint64_t first, std::uint64_t stride,
                                           std::size_t n, std::uint64_t* out) noexcept;

  /// One pass of the Feistel network over [0, A * 2^m) (see the header comment). The halves stay in separate
  /// registers between rounds.
  [[nodiscard]] std::uint64_t encrypt(std::uint64_t x) const noexcept {
    std::uint64_t left = x >> low_bits_;  // in [0, high_size_)
    std::uint64_t right = x & low_mask_;  // in [0, 2^low_bits_)
    for (int r = 0; r < kRounds; r += 2) {
      left += multiply_high(hash(right, keys_[r]), high_size_);  // F(R) in [0, A): left < 2A
      left = left >= high_size_ ? left - high_size_ : left;      // mod A, branch-free (cmov)
      right ^= hash(left, keys_[r + 1]) >> low_shift_;           // G(L) in [0, 2^m)
    }
    return (left << low_bits_) | right;
  }

  /// encrypt()'s inverse: the same rounds in reverse order, each undone.
  [[nodiscard]] std::uint64_t decrypt(std::uint64_t x) const noexcept {
    std::uint64_t left = x >> low_bits_;
    std::uint64_t right = x & low_mask_;
    for (int r = kRounds - 2; r >= 0; r -= 2) {
      right ^= hash(left, keys_[r + 1]) >> low_shift_;
      const std::uint64_t f = multiply_high(hash(right, keys_[r]), high_size_);  // in [0, A)
      left = left >= f ? left - f : left + high_size_ - f;                       // (L - F(R)) mod A
    }
    return (left << low_bits_) | right;
  }

  /// Multiply-shift hash (h + k) * C, computed as h * C + k * C with key_times_mul = k * C precomputed, so
  /// the multiply does not wait for the key. Its top bits are the well-mixed ones.
  static std::uint64_t hash(std::uint64_t half, std::uint64_t key_times_mul) noexcept {
    return half * kMul + key_times_mul;
  }

  /// floor(h * n / 2^64): maps a 64-bit hash into [0, n) without a division (Lemire 2019).
  static std::uint64_t multiply_high(std::uint64_t h, std::uint64_t n) noexcept {
    __extension__ using Uint128 = unsigned __int128;  // GCC/Clang: one MUL instruction on x86-64 and arm64
    return static_cast<std::uint64_t>((static_cast<Uint128>(h) * n) >> 64);
  }

  static constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ULL;  // odd: 2^64 / golden ratio

  std::uint64_t size_;
  unsigned low_bits_;                        // m: the low half R is in [0, 2^m), m in [3, 31]
  unsigned low_shift_;                       // 64 - m: G keeps the top m bits of its hash
  std::uint64_t low_mask_;                   // 2^m - 1
  std::uint64_t high_size_;                  // A: the high half L is in [0, A), A <= 2^31
  std::array<std::uint64_t, kRounds> keys_;  // round key k_i, stored as k_i * kMul
  // size <= kTableSize: the order itself and its inverse (header comment, 5); unused above.
  std::array<std::uint8_t, kTableSize> table_{};
  std::array<std::uint8_t, kTableSize> inverse_table_{};
  bool avx2_;  // fill() uses permutation_fill_avx2
};

/// fill()'s AVX2 code: writes out[i] for i in [0, k), k = n rounded down to a multiple of 8, and returns k.
/// Precondition: cpu_has_avx2(), p.size() > Permutation::kTableSize. Returns 0 where AVX2 code is not
/// compiled in.
std::size_t permutation_fill_avx2(const Permutation& p, std::uint64_t first, std::uint64_t stride,
                                  std::size_t n, std::uint64_t* out) noexcept;

}  // namespace synscan
