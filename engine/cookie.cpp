#include "engine/cookie.hpp"

#include <sodium.h>

#include <array>
#include <stdexcept>

#include "engine/siphash_avx2.hpp"

namespace synscan {

CookieKey CookieKey::random() {
  // sodium_init() is thread-safe and idempotent (0 first time, 1 afterwards, -1 on failure); the static runs
  // it once per process.
  static const int init_result = sodium_init();
  if (init_result < 0) throw std::runtime_error("libsodium: sodium_init() failed");
  std::array<unsigned char, 16> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  // Same layout as the reference key: k0 = bytes 0-7 little-endian, k1 = bytes 8-15.
  CookieKey key{0, 0};
  for (int i = 7; i >= 0; --i) {
    key.k0 = (key.k0 << 8) | bytes[i];
    key.k1 = (key.k1 << 8) | bytes[8 + i];
  }
  return key;
}

SynCookie::SynCookie(CookieKey key) noexcept : avx2_(cpu_has_avx2()) {
  std::uint64_t v0 = key.k0 ^ 0x736f6d6570736575ULL;  // "somepseudorandomlygeneratedbytes"
  std::uint64_t v1 = key.k1 ^ 0x646f72616e646f6dULL;
  v0 += v1;  // the first quarter of the first SipRound: the message does not reach v0, v1 before it
  v1 = std::rotl(v1, 13);
  v1 ^= v0;
  v0 = std::rotl(v0, 32);
  start_ = {v0, v1, key.k0 ^ 0x6c7967656e657261ULL, key.k1 ^ 0x7465646279746573ULL};
}

void SynCookie::batch(Ipv4 src_ip, const Ipv4* dst_ip, const std::uint32_t* ports, std::size_t n,
                      std::uint32_t* out) const noexcept {
  std::size_t done = 0;
  if (avx2_) done = siphash13_cookies_avx2(start_, src_ip, dst_ip, ports, n, out);
  batch_scalar(src_ip, dst_ip + done, ports + done, n - done, out + done);
}

void SynCookie::batch_scalar(Ipv4 src_ip, const Ipv4* dst_ip, const std::uint32_t* ports, std::size_t n,
                             std::uint32_t* out) const noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = (*this)(src_ip, dst_ip[i], static_cast<std::uint16_t>(ports[i]),
                     static_cast<std::uint16_t>(ports[i] >> 16));
  }
}

}  // namespace synscan
