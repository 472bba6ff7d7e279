#include "engine/siphash_avx2.hpp"

#include "engine/cpu_features.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace synscan {

#if defined(__x86_64__)

namespace {

// Rotations of each 64-bit lane. 16 and 32 are whole bytes: one shuffle instead of two shifts and an or.
template <int R>
SYNSCAN_AVX2 __m256i rotl(__m256i x) noexcept {
  if constexpr (R == 32) {
    return _mm256_shuffle_epi32(x, _MM_SHUFFLE(2, 3, 0, 1));
  } else if constexpr (R == 16) {
    // Byte i of the rotated lane is byte (i - 2) mod 8 of the lane.
    const __m256i by16 = _mm256_setr_epi8(6, 7, 0, 1, 2, 3, 4, 5, 14, 15, 8, 9, 10, 11, 12, 13,  //
                                          6, 7, 0, 1, 2, 3, 4, 5, 14, 15, 8, 9, 10, 11, 12, 13);
    return _mm256_shuffle_epi8(x, by16);
  } else {
    return _mm256_or_si256(_mm256_slli_epi64(x, R), _mm256_srli_epi64(x, 64 - R));
  }
}

struct State {
  __m256i v0, v1, v2, v3;
};

// SipRound without its first quarter (see sip_round_rest in engine/cookie.hpp).
SYNSCAN_AVX2 void round_rest(State& s) noexcept {
  s.v2 = _mm256_add_epi64(s.v2, s.v3);
  s.v3 = rotl<16>(s.v3);
  s.v3 = _mm256_xor_si256(s.v3, s.v2);
  s.v0 = _mm256_add_epi64(s.v0, s.v3);
  s.v3 = rotl<21>(s.v3);
  s.v3 = _mm256_xor_si256(s.v3, s.v0);
  s.v2 = _mm256_add_epi64(s.v2, s.v1);
  s.v1 = rotl<17>(s.v1);
  s.v1 = _mm256_xor_si256(s.v1, s.v2);
  s.v2 = rotl<32>(s.v2);
}

SYNSCAN_AVX2 void round(State& s) noexcept {
  s.v0 = _mm256_add_epi64(s.v0, s.v1);
  s.v1 = rotl<13>(s.v1);
  s.v1 = _mm256_xor_si256(s.v1, s.v0);
  s.v0 = rotl<32>(s.v0);
  round_rest(s);
}

// The start state broadcast to 4 lanes, and the message words' constant parts.
struct Consts {
  __m256i v0, v1, v2, v3;
  __m256i src_word;  // bswap32(src_ip) in the low half of m0
  __m256i len_word;  // the message length, 12, in the top byte of m1
  __m256i dst_shuffle;
  __m256i port_shuffle;
};

// Cookies of 4 probes: dst and ports point at 4 values each; returns v0 ^ v1 ^ v2 ^ v3 per lane.
SYNSCAN_AVX2 __m256i hash4(const Consts& c, const Ipv4* dst, const std::uint32_t* ports) noexcept {
  // Zero-extend each 32-bit value to a 64-bit lane, then place its bytes as the little-endian message word
  // reads them (see SynCookie::operator()): m0 = bswap32(src) | bswap32(dst) << 32, m1 = bswap16(sport) |
  // bswap16(dport) << 16 | 12 << 56.
  const __m256i d = _mm256_cvtepu32_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(dst)));
  const __m256i p = _mm256_cvtepu32_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(ports)));
  const __m256i m0 = _mm256_or_si256(_mm256_shuffle_epi8(d, c.dst_shuffle), c.src_word);
  const __m256i m1 = _mm256_or_si256(_mm256_shuffle_epi8(p, c.port_shuffle), c.len_word);
  State s{c.v0, c.v1, c.v2, _mm256_xor_si256(c.v3, m0)};
  round_rest(s);
  s.v0 = _mm256_xor_si256(s.v0, m0);
  s.v3 = _mm256_xor_si256(s.v3, m1);
  round(s);
  s.v0 = _mm256_xor_si256(s.v0, m1);
  s.v2 = _mm256_xor_si256(s.v2, _mm256_set1_epi64x(0xff));
  round(s);
  round(s);
  round(s);
  return _mm256_xor_si256(_mm256_xor_si256(s.v0, s.v1), _mm256_xor_si256(s.v2, s.v3));
}

}  // namespace

__attribute__((target("avx2"))) std::size_t siphash13_cookies_avx2(const SipHashStart& start, Ipv4 src_ip,
                                                                   const Ipv4* dst_ip,
                                                                   const std::uint32_t* ports, std::size_t n,
                                                                   std::uint32_t* out) noexcept {
  constexpr char z = -128;  // a shuffle index with its top bit set writes a zero byte
  const Consts c{
      _mm256_set1_epi64x(static_cast<long long>(start.v0)),
      _mm256_set1_epi64x(static_cast<long long>(start.v1)),
      _mm256_set1_epi64x(static_cast<long long>(start.v2)),
      _mm256_set1_epi64x(static_cast<long long>(start.v3)),
      _mm256_set1_epi64x(SynCookie::bswap32(src_ip)),
      _mm256_set1_epi64x(static_cast<long long>(std::uint64_t{12} << 56)),
      _mm256_setr_epi8(z, z, z, z, 3, 2, 1, 0, z, z, z, z, 11, 10, 9, 8,  //
                       z, z, z, z, 3, 2, 1, 0, z, z, z, z, 11, 10, 9, 8),
      _mm256_setr_epi8(1, 0, 3, 2, z, z, z, z, 9, 8, 11, 10, z, z, z, z,  //
                       1, 0, 3, 2, z, z, z, z, 9, 8, 11, 10, z, z, z, z),
  };
  const std::size_t k = n & ~std::size_t{7};
  for (std::size_t i = 0; i < k; i += 8) {
    // Two independent groups of 4: their dependency chains overlap in the pipeline.
    const __m256i a = hash4(c, dst_ip + i, ports + i);
    const __m256i b = hash4(c, dst_ip + i + 4, ports + i + 4);
    // The low 32 bits of each lane, in order: per 128-bit half [a0 a1 b0 b1 | a2 a3 b2 b3], then the middle
    // quadwords swapped.
    const __m256 low =
        _mm256_shuffle_ps(_mm256_castsi256_ps(a), _mm256_castsi256_ps(b), _MM_SHUFFLE(2, 0, 2, 0));
    const __m256i ordered = _mm256_permute4x64_epi64(_mm256_castps_si256(low), _MM_SHUFFLE(3, 1, 2, 0));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), ordered);
  }
  return k;
}

#else

std::size_t siphash13_cookies_avx2(const SipHashStart&, Ipv4, const Ipv4*, const std::uint32_t*, std::size_t,
                                   std::uint32_t*) noexcept {
  return 0;
}

#endif

}  // namespace synscan
