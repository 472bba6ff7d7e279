#include "engine/cookie.hpp"

#include <sodium.h>

#include <array>
#include <stdexcept>

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

}  // namespace synscan
