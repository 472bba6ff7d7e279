#pragma once
// Division by a run-time constant without a divide instruction, for the probe space's index -> (target, port)
// split.
//
// Why the math works
// ------------------
// For a divisor d in [1, 2^48] let L = ceil(log2 d) (so 2^(L-1) < d <= 2^L), k = 48 + L and M = ceil(2^k /
// d), i.e. M * d = 2^k + e with 0 <= e < d. For a numerator n < 2^48:
//     n * M / 2^k = n / d + n * e / (d * 2^k).
// The error term is below 1/d because n * e < 2^48 * 2^L = 2^k. The fractional part of n / d is at most
// (d - 1) / d, so adding less than 1/d cannot reach the next integer: floor(n * M / 2^k) = floor(n / d)
// exactly. M <= 2^k / d + 1 < 2^(48 + L) / 2^(L - 1) + 1 = 2^49 + 1 fits 64 bits (2^k <= 2^96 fits the 128
// bits M is computed in). This is the round-up method of Granlund & Montgomery ("Division by Invariant
// Integers using Multiplication", PLDI 1994, section 4) with the numerator bound 2^48 that the probe space
// guarantees (targets x ports <= 2^48; the CLI refuses larger spaces), which makes the multiplier fit without
// their extra add-back step. The divisor is the number of targets: up to 2^32 with IPv4 alone, up to 2^48
// with IPv6 targets.
//
// Evaluation: with n' = n * 2^16 (< 2^64) the quotient is floor(n' * M / 2^(64 + L)): the high word of one
// 64 x 64 -> 128-bit multiply (n' * M < 2^64 * 2^50), shifted right by L <= 48. One MUL and one shift (about
// 4 cycles) against 20-40 cycles for a 64-bit DIV on current x86-64 cores.
#include <cassert>
#include <cstdint>

namespace synscan {

/// Divides numerators below 2^48 by a fixed divisor in [1, 2^48] exactly (see the header comment).
class Divisor48 {
 public:
  /// Largest numerator + 1.
  static constexpr std::uint64_t kNumeratorLimit = std::uint64_t{1} << 48;
  /// Largest divisor.
  static constexpr std::uint64_t kDivisorLimit = std::uint64_t{1} << 48;

  Divisor48() noexcept : Divisor48(1) {}
  /// Precondition: 1 <= d <= 2^48 (asserted in debug builds).
  explicit Divisor48(std::uint64_t d) noexcept : divisor_(d) {
    assert(d >= 1 && d <= kDivisorLimit);
    while ((std::uint64_t{1} << log_) < d) ++log_;  // L = ceil(log2 d)
    // M = ceil(2^(48 + L) / d), computed in 128 bits since 2^(48 + L) may exceed 2^64.
    const Uint128 power = Uint128{1} << (48 + log_);
    multiplier_ = static_cast<std::uint64_t>((power + d - 1) / d);
  }

  /// floor(n / d). Precondition: n < 2^48.
  [[nodiscard]] std::uint64_t divide(std::uint64_t n) const noexcept {
    assert(n < kNumeratorLimit);
    const auto high = static_cast<std::uint64_t>((static_cast<Uint128>(n << 16) * multiplier_) >> 64);
    return high >> log_;
  }

  /// The divisor d.
  [[nodiscard]] std::uint64_t divisor() const noexcept { return divisor_; }

 private:
  __extension__ using Uint128 = unsigned __int128;  // GCC/Clang: one MUL on x86-64 and arm64

  std::uint64_t divisor_;
  std::uint64_t multiplier_ = 0;
  unsigned log_ = 0;  // L = ceil(log2 d), 0 to 48
};

}  // namespace synscan
