// SipHash-2-4 SYN cookie: checked against the SipHash paper's test vector and against libsodium.
#include "engine/cookie.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <cstdint>
#include <random>

namespace synscan {
namespace {

using Key16 = std::array<unsigned char, crypto_shorthash_siphash24_KEYBYTES>;

CookieKey key_from_bytes(const Key16& bytes) {
  CookieKey key{0, 0};
  for (int i = 7; i >= 0; --i) {
    key.k0 = (key.k0 << 8) | bytes[i];
    key.k1 = (key.k1 << 8) | bytes[8 + i];
  }
  return key;
}

// The 12-byte message of the cookie: every field big-endian.
std::array<unsigned char, 12> message(Ipv4 src_ip, Ipv4 dst_ip, std::uint16_t src_port,
                                      std::uint16_t dst_port) {
  return {static_cast<unsigned char>(src_ip >> 24),  static_cast<unsigned char>(src_ip >> 16),
          static_cast<unsigned char>(src_ip >> 8),   static_cast<unsigned char>(src_ip),
          static_cast<unsigned char>(dst_ip >> 24),  static_cast<unsigned char>(dst_ip >> 16),
          static_cast<unsigned char>(dst_ip >> 8),   static_cast<unsigned char>(dst_ip),
          static_cast<unsigned char>(src_port >> 8), static_cast<unsigned char>(src_port),
          static_cast<unsigned char>(dst_port >> 8), static_cast<unsigned char>(dst_port)};
}

// libsodium's SipHash-2-4 over the same bytes; output bytes read little-endian, low 32 bits kept.
std::uint32_t reference_cookie(const Key16& key, Ipv4 src_ip, Ipv4 dst_ip, std::uint16_t src_port,
                               std::uint16_t dst_port) {
  const auto bytes = message(src_ip, dst_ip, src_port, dst_port);
  std::array<unsigned char, crypto_shorthash_siphash24_BYTES> out{};
  crypto_shorthash_siphash24(out.data(), bytes.data(), bytes.size(), key.data());
  return static_cast<std::uint32_t>(out[0]) | static_cast<std::uint32_t>(out[1]) << 8 |
         static_cast<std::uint32_t>(out[2]) << 16 | static_cast<std::uint32_t>(out[3]) << 24;
}

class CookieTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_GE(sodium_init(), 0); }
};

TEST_F(CookieTest, MatchesSipHashPaperVectorFor12Bytes) {
  // Aumasson & Bernstein 2012, appendix A: key 00 01 .. 0f, message 00 01 .. (len - 1). For len 12 the
  // authors' vectors.h (vectors_sip64[12]) gives the output bytes fb e5 0e 86 bc 8f 1e 75, i.e.
  // 0x751e8fbc860ee5fb read little-endian; the cookie is its low 32 bits.
  Key16 key{};
  for (unsigned i = 0; i < key.size(); ++i) key[i] = static_cast<unsigned char>(i);
  const SynCookie cookie(key_from_bytes(key));
  // Message 00 01 02 03 | 04 05 06 07 | 08 09 | 0a 0b as big-endian fields.
  EXPECT_EQ(cookie(0x00010203, 0x04050607, 0x0809, 0x0a0b), 0x860ee5fbU);
  EXPECT_EQ(reference_cookie(key, 0x00010203, 0x04050607, 0x0809, 0x0a0b), 0x860ee5fbU);
}

TEST_F(CookieTest, KeyLayoutIsLittleEndianHalvesOfTheReferenceKey) {
  Key16 key{};
  for (unsigned i = 0; i < key.size(); ++i) key[i] = static_cast<unsigned char>(i);
  const CookieKey k = key_from_bytes(key);
  EXPECT_EQ(k.k0, 0x0706050403020100ULL);
  EXPECT_EQ(k.k1, 0x0f0e0d0c0b0a0908ULL);
}

TEST_F(CookieTest, MatchesLibsodiumOnRandomTuplesAndKeys) {
  std::mt19937_64 rng(20240601);
  for (int trial = 0; trial < 10'000; ++trial) {
    Key16 key{};
    for (auto& byte : key) byte = static_cast<unsigned char>(rng());
    const auto src_ip = static_cast<Ipv4>(rng());
    const auto dst_ip = static_cast<Ipv4>(rng());
    const auto src_port = static_cast<std::uint16_t>(rng());
    const auto dst_port = static_cast<std::uint16_t>(rng());
    const SynCookie cookie(key_from_bytes(key));
    ASSERT_EQ(cookie(src_ip, dst_ip, src_port, dst_port),
              reference_cookie(key, src_ip, dst_ip, src_port, dst_port))
        << "trial " << trial;
  }
}

TEST_F(CookieTest, EveryFieldAndTheKeyChangeTheCookie) {
  const SynCookie cookie(CookieKey{0x0123456789abcdefULL, 0xfedcba9876543210ULL});
  const std::uint32_t base = cookie(0xC6120001, 0xC6120102, 40000, 80);
  EXPECT_NE(cookie(0xC6120002, 0xC6120102, 40000, 80), base);
  EXPECT_NE(cookie(0xC6120001, 0xC6120103, 40000, 80), base);
  EXPECT_NE(cookie(0xC6120001, 0xC6120102, 40001, 80), base);
  EXPECT_NE(cookie(0xC6120001, 0xC6120102, 40000, 81), base);
  // Swapping source and destination is a different probe, hence a different cookie.
  EXPECT_NE(cookie(0xC6120102, 0xC6120001, 80, 40000), base);
  const SynCookie other(CookieKey{0x0123456789abcdefULL, 0xfedcba9876543211ULL});
  EXPECT_NE(other(0xC6120001, 0xC6120102, 40000, 80), base);
}

TEST_F(CookieTest, RandomKeysDiffer) {
  const CookieKey a = CookieKey::random();
  const CookieKey b = CookieKey::random();
  EXPECT_FALSE(a.k0 == b.k0 && a.k1 == b.k1);
}

}  // namespace
}  // namespace synscan
