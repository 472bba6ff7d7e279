#pragma once
// The byte-level helpers the probe templates share: big-endian stores into a frame and one's complement
// arithmetic (RFC 1071) for their incremental checksums (RFC 1624).
//
// One's complement sums do not care how wide the words are added: since 2^16 = 1 (mod 2^16 - 1), adding 32-
// or 64-bit words with their carries folded back in, then folding to 16 bits, gives the sum of their 16-bit
// words (RFC 1071 section 2, "parallel summation"). The IPv6 template adds a 128-bit address as two 64-bit
// halves that way instead of as eight 16-bit words.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace synscan {

/// Stores `v` at `p` (any alignment) in network byte order: one unaligned store of the byte-swapped value
/// (the fields sit at odd offsets after the 14-byte Ethernet header), not a store per byte.
inline void store_be16(std::uint8_t* p, std::uint16_t v) noexcept {
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap16(v);
  std::memcpy(p, &v, sizeof v);
}
inline void store_be32(std::uint8_t* p, std::uint32_t v) noexcept {
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap32(v);
  std::memcpy(p, &v, sizeof v);
}
inline void store_be64(std::uint8_t* p, std::uint64_t v) noexcept {
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  std::memcpy(p, &v, sizeof v);
}

/// The one's complement sum of the four 16-bit words of `a` and the four of `b` (as they stand in host order:
/// a >> 48 is a's first word on the wire), not folded: a value below 2^33 whose 16-bit fold is that sum.
inline std::uint64_t ones_complement_add64(std::uint64_t a, std::uint64_t b) noexcept {
  std::uint64_t sum = a + b;
  sum += sum < a;  // end-around carry; cannot carry again (sum <= 2^64 - 2 when the first add carried)
  return (sum >> 32) + (sum & 0xFFFF'FFFFu);
}

/// Folds a one's complement accumulator below 2^48 to 16 bits and complements it: the checksum field's value.
/// Three folds: below 2^48 -> below 2^33 -> below 2^17 + 2^16 -> at most 0xFFFF.
inline std::uint16_t finish_checksum(std::uint64_t sum) noexcept {
  sum = (sum & 0xFFFF) + (sum >> 16);
  sum = (sum & 0xFFFF) + (sum >> 16);
  sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

/// The one's complement sum of `data` as big-endian 16-bit words (RFC 1071; an odd last byte is padded with a
/// zero byte), plus `initial`, folded to 16 bits, not complemented. A buffer whose checksum field is right
/// sums to 0xFFFF.
inline std::uint16_t ones_complement_sum(std::span<const std::uint8_t> data,
                                         std::uint32_t initial = 0) noexcept {
  std::uint64_t sum = initial;
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += (std::uint32_t{data[i]} << 8) | data[i + 1];
  if (i < data.size()) sum += std::uint32_t{data[i]} << 8;
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

}  // namespace synscan
