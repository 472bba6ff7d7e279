#pragma once
// SYN cookie: the keyed hash of a probe's address/port 4-tuple that becomes its TCP initial sequence number,
// so the receiver can tell a genuine reply from noise without keeping any per-probe state (masscan
// syn-cookie.c, zmap validate.c). A SYN/ACK or RST answering our probe acknowledges ISN + 1 (RFC 9293
// section 3.4.1 on ISNs; section 3.10.7.3 for the ACK of a SYN), so the receiver recomputes the cookie from
// the reply's swapped tuple and compares it with ack - 1.
//
// The hash is SipHash-1-3: SipHash (Aumasson & Bernstein, "SipHash: a fast short-input PRF", INDOCRYPT 2012)
// with 1 compression round per 8-byte block and 3 finalisation rounds, keyed with 128 random bits per scan.
// Why 1-3 and not the paper's conservative 2-4: the cookie is computed for every probe sent and every reply
// received, and 1-3 does 5 SipRounds on our 2-block message instead of 8 (about 40% less work on the largest
// single cost of the send path). 1-3 is the variant Rust's standard HashMap and CPython (since 3.11) key
// their hashes with against hash flooding, an adversary model close to ours: an off-path host that does not
// see the key and must guess a 32-bit output. No published attack on full SipHash-1-3 does better than
// guessing, so the forging odds stay 2^-32 per packet, as with 2-4 (the cookie is 32 bits either way). It is
// specialised here for our fixed 12-byte message (one full 8-byte block, then the 4-byte tail block) and is
// bit-for-bit the reference algorithm with c = 1, d = 3, which the unit tests check against a byte-oriented
// reference (itself checked against libsodium's SipHash-2-4 with c = 2, d = 4).
#include <bit>
#include <cstddef>
#include <cstdint>

#include "engine/address.hpp"
#include "engine/types.hpp"

namespace synscan {

/// The 128-bit SipHash key. k0 is bytes 0-7 of the 16-byte reference key read little-endian, k1 bytes 8-15.
struct CookieKey {
  std::uint64_t k0;
  std::uint64_t k1;

  /// A fresh key from the OS CSPRNG (libsodium randombytes_buf). Throws std::runtime_error if libsodium
  /// cannot be initialised.
  static CookieKey random();

  /// This key with `label` folded into both words: a probe module's own key (engine/probes/), so that no two
  /// modules' cookies of the same addresses and ports are equal. Still secret: the label is public, the key
  /// not.
  constexpr CookieKey labelled(std::uint64_t label) const noexcept {
    return {k0 ^ label, std::rotl(k1, 17) ^ label};
  }
};

/// The SipHash state (v0, v1, v2, v3) of one key after the part of the first compression round that does not
/// depend on the message: SipRound's first quarter (v0 += v1; v1 <<<= 13; v1 ^= v0; v0 <<<= 32) touches only
/// v0 and v1, which the message (xored into v3) does not reach before it. Computed once per key, it saves
/// that quarter per cookie. v3 is the initial v3, still to be xored with the first message word.
struct SipHashStart {
  std::uint64_t v0;
  std::uint64_t v1;
  std::uint64_t v2;
  std::uint64_t v3;
};

/// SipRound (Aumasson & Bernstein 2012, section 2) without its first quarter, which the caller has done.
inline void sip_round_rest(std::uint64_t& v0, std::uint64_t& v1, std::uint64_t& v2,
                           std::uint64_t& v3) noexcept {
  v2 += v3;
  v3 = std::rotl(v3, 16);
  v3 ^= v2;
  v0 += v3;
  v3 = std::rotl(v3, 21);
  v3 ^= v0;
  v2 += v1;
  v1 = std::rotl(v1, 17);
  v1 ^= v2;
  v2 = std::rotl(v2, 32);
}

/// One whole SipRound.
inline void sip_round(std::uint64_t& v0, std::uint64_t& v1, std::uint64_t& v2, std::uint64_t& v3) noexcept {
  v0 += v1;
  v1 = std::rotl(v1, 13);
  v1 ^= v0;
  v0 = std::rotl(v0, 32);
  sip_round_rest(v0, v1, v2, v3);
}

/// Computes SYN cookies under one key. Immutable; safe to share between threads. Per call: no allocation, no
/// syscall, 5 SipRounds of integer arithmetic (the first one's message-independent quarter precomputed).
class SynCookie {
 public:
  explicit SynCookie(CookieKey key) noexcept;

  /// The cookie of the probe src_ip:src_port -> dst_ip:dst_port; all arguments in HOST byte order.
  /// Equals the low 32 bits of SipHash-1-3(key, message) where message is the 12 bytes
  /// src_ip (big-endian) || dst_ip (BE) || src_port (BE) || dst_port (BE) and the 64-bit output is read as
  /// the reference implementation writes it (little-endian). For a reply, pass the reply's tuple swapped
  /// back.
  [[nodiscard]] std::uint32_t operator()(Ipv4 src_ip, Ipv4 dst_ip, std::uint16_t src_port,
                                         std::uint16_t dst_port) const noexcept {
    // SipHash reads the message as little-endian 64-bit words. A big-endian field stored at byte offset i
    // contributes its most significant byte at i, so as an integer its bytes appear reversed: bswap.
    const std::uint64_t m0 = std::uint64_t{bswap32(src_ip)} | (std::uint64_t{bswap32(dst_ip)} << 32);
    // Last block: the 4 tail bytes, then the message length (12) in the top byte, as SipHash pads.
    const std::uint64_t m1 = std::uint64_t{bswap16(src_port)} | (std::uint64_t{bswap16(dst_port)} << 16) |
                             (std::uint64_t{12} << 56);
    return hash(start_, m0, m1);
  }

  /// The cookie of the IPv6 probe src_ip:src_port -> dst_ip:dst_port; all arguments in HOST byte order
  /// (engine/address.hpp). Equals the low 32 bits of SipHash-1-3(key, message) where message is the 36 bytes
  /// src_ip (16, big-endian) || dst_ip (16, BE) || src_port (BE) || dst_port (BE): 4 full blocks and the
  /// 4-byte tail block, 5 compression rounds and 3 finalisation rounds. The message length (36, in the last
  /// block) keeps it apart from every IPv4 cookie's 12-byte message under the same key.
  [[nodiscard]] std::uint32_t v6(Ipv6 src_ip, Ipv6 dst_ip, std::uint16_t src_port,
                                 std::uint16_t dst_port) const noexcept {
    const std::uint64_t words[4] = {
        bswap64(static_cast<std::uint64_t>(src_ip >> 64)), bswap64(static_cast<std::uint64_t>(src_ip)),
        bswap64(static_cast<std::uint64_t>(dst_ip >> 64)), bswap64(static_cast<std::uint64_t>(dst_ip))};
    const std::uint64_t tail = std::uint64_t{bswap16(src_port)} | (std::uint64_t{bswap16(dst_port)} << 16) |
                               (std::uint64_t{36} << 56);
    std::uint64_t v0 = start_.v0, v1 = start_.v1, v2 = start_.v2, v3 = start_.v3 ^ words[0];
    sip_round_rest(v0, v1, v2, v3);  // c = 1 for the first block (its first quarter precomputed)
    v0 ^= words[0];
    for (int i = 1; i < 4; ++i) {
      v3 ^= words[i];
      sip_round(v0, v1, v2, v3);
      v0 ^= words[i];
    }
    v3 ^= tail;
    sip_round(v0, v1, v2, v3);
    v0 ^= tail;
    v2 ^= 0xff;
    for (int r = 0; r < kFinalizationRounds; ++r) sip_round(v0, v1, v2, v3);
    return static_cast<std::uint32_t>(v0 ^ v1 ^ v2 ^ v3);
  }

  /// The cookies of n probes from one source address: out[i] = (*this)(src_ip, dst_ip[i], ports[i] & 0xFFFF,
  /// ports[i] >> 16), i.e. ports[i] packs the source port in its low 16 bits and the destination port in its
  /// high 16 bits, all host byte order. Bit-identical to n calls of operator(); where the CPU has AVX2
  /// (checked once, at construction) it hashes 8 probes at a time in vector registers
  /// (engine/siphash_avx2.hpp), about 3x fewer instructions per cookie than the scalar code.
  void batch(Ipv4 src_ip, const Ipv4* dst_ip, const std::uint32_t* ports, std::size_t n,
             std::uint32_t* out) const noexcept;

  /// The same as batch(), always with the scalar code (for tests and benchmarks).
  void batch_scalar(Ipv4 src_ip, const Ipv4* dst_ip, const std::uint32_t* ports, std::size_t n,
                    std::uint32_t* out) const noexcept;

  /// True when batch() uses the AVX2 code.
  [[nodiscard]] bool uses_avx2() const noexcept { return avx2_; }

  /// The key's SipHash state after the message-independent quarter of the first round.
  [[nodiscard]] const SipHashStart& start() const noexcept { return start_; }

  static constexpr std::uint32_t bswap32(std::uint32_t x) noexcept {
    return (x >> 24) | ((x >> 8) & 0xff00U) | ((x << 8) & 0xff0000U) | (x << 24);
  }
  static constexpr std::uint64_t bswap64(std::uint64_t x) noexcept {
    return (std::uint64_t{bswap32(static_cast<std::uint32_t>(x))} << 32) |
           bswap32(static_cast<std::uint32_t>(x >> 32));
  }
  static constexpr std::uint16_t bswap16(std::uint16_t x) noexcept {
    return static_cast<std::uint16_t>((x >> 8) | (x << 8));
  }

 private:
  /// SipHash-1-3 of the two message words m0, m1 (m1 carrying the length byte) from `s`, low 32 bits.
  static std::uint32_t hash(const SipHashStart& s, std::uint64_t m0, std::uint64_t m1) noexcept {
    std::uint64_t v0 = s.v0, v1 = s.v1, v2 = s.v2, v3 = s.v3 ^ m0;
    sip_round_rest(v0, v1, v2, v3);  // c = 1 compression round for m0 (its first quarter precomputed)
    v0 ^= m0;
    v3 ^= m1;
    sip_round(v0, v1, v2, v3);  // c = 1 for m1
    v0 ^= m1;
    v2 ^= 0xff;
    for (int r = 0; r < kFinalizationRounds; ++r) sip_round(v0, v1, v2, v3);
    return static_cast<std::uint32_t>(v0 ^ v1 ^ v2 ^ v3);
  }

  static constexpr int kFinalizationRounds = 3;  // d: SipRounds after the last block (c = 1 is unrolled)

  SipHashStart start_;
  bool avx2_;
};

}  // namespace synscan
