// SipHash-1-3 SYN cookie, IPv4 (12-byte message) and IPv6 (36-byte message): checked against a byte-oriented
// SipHash-c-d reference written here from the paper's algorithm (Aumasson & Bernstein 2012, section 2). The
// reference itself is checked with c = 2, d = 4 against the paper's test vector and libsodium's
// crypto_shorthash_siphash24 (libsodium has no 1-3) for every message length from 0 to 63 bytes, and with c =
// 1, d = 3 against a published SipHash-1-3 value.
#include "engine/cookie.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "engine/siphash_avx2.hpp"

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

// The 12-byte message of the IPv4 cookie: every field big-endian.
std::array<unsigned char, 12> message(Ipv4 src_ip, Ipv4 dst_ip, std::uint16_t src_port,
                                      std::uint16_t dst_port) {
  return {static_cast<unsigned char>(src_ip >> 24),  static_cast<unsigned char>(src_ip >> 16),
          static_cast<unsigned char>(src_ip >> 8),   static_cast<unsigned char>(src_ip),
          static_cast<unsigned char>(dst_ip >> 24),  static_cast<unsigned char>(dst_ip >> 16),
          static_cast<unsigned char>(dst_ip >> 8),   static_cast<unsigned char>(dst_ip),
          static_cast<unsigned char>(src_port >> 8), static_cast<unsigned char>(src_port),
          static_cast<unsigned char>(dst_port >> 8), static_cast<unsigned char>(dst_port)};
}

// The 36-byte message of the IPv6 cookie: source address (16 bytes, network order), destination address,
// source port, destination port, every field big-endian; each byte shifted out of the 128-bit values one at a
// time.
std::array<unsigned char, 36> message6(Ipv6 src_ip, Ipv6 dst_ip, std::uint16_t src_port,
                                       std::uint16_t dst_port) {
  std::array<unsigned char, 36> m{};
  for (int i = 0; i < 16; ++i) {
    m[i] = static_cast<unsigned char>(src_ip >> (120 - 8 * i));
    m[16 + i] = static_cast<unsigned char>(dst_ip >> (120 - 8 * i));
  }
  m[32] = static_cast<unsigned char>(src_port >> 8);
  m[33] = static_cast<unsigned char>(src_port);
  m[34] = static_cast<unsigned char>(dst_port >> 8);
  m[35] = static_cast<unsigned char>(dst_port);
  return m;
}

// SipHash-c-d over any message, byte by byte as the paper describes it: little-endian 64-bit words, the last
// block padded with zeros and the message length (mod 256) in its top byte; v2 ^= 0xff before finalisation.
std::uint64_t reference_siphash(int c, int d, const Key16& key, const unsigned char* msg, std::size_t len) {
  std::uint64_t k0 = 0, k1 = 0;
  for (int i = 7; i >= 0; --i) {
    k0 = (k0 << 8) | key[i];
    k1 = (k1 << 8) | key[8 + i];
  }
  std::uint64_t v[4] = {k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL, k0 ^ 0x6c7967656e657261ULL,
                        k1 ^ 0x7465646279746573ULL};
  auto round = [&v] {
    v[0] += v[1];
    v[1] = std::rotl(v[1], 13);
    v[1] ^= v[0];
    v[0] = std::rotl(v[0], 32);
    v[2] += v[3];
    v[3] = std::rotl(v[3], 16);
    v[3] ^= v[2];
    v[0] += v[3];
    v[3] = std::rotl(v[3], 21);
    v[3] ^= v[0];
    v[2] += v[1];
    v[1] = std::rotl(v[1], 17);
    v[1] ^= v[2];
    v[2] = std::rotl(v[2], 32);
  };
  const std::size_t blocks = len / 8 + 1;  // the last block always holds the length byte
  for (std::size_t b = 0; b < blocks; ++b) {
    std::uint64_t m = 0;
    for (std::size_t i = 0; i < 8; ++i) {
      const std::size_t at = b * 8 + i;
      const std::uint64_t byte = at < len ? msg[at] : 0;
      m |= byte << (8 * i);
    }
    if (b == blocks - 1) m |= static_cast<std::uint64_t>(len & 0xff) << 56;
    v[3] ^= m;
    for (int r = 0; r < c; ++r) round();
    v[0] ^= m;
  }
  v[2] ^= 0xff;
  for (int r = 0; r < d; ++r) round();
  return v[0] ^ v[1] ^ v[2] ^ v[3];
}

// The reference SipHash-1-3 of the cookie's message, low 32 bits.
std::uint32_t reference_cookie(const Key16& key, Ipv4 src_ip, Ipv4 dst_ip, std::uint16_t src_port,
                               std::uint16_t dst_port) {
  const auto bytes = message(src_ip, dst_ip, src_port, dst_port);
  return static_cast<std::uint32_t>(reference_siphash(1, 3, key, bytes.data(), bytes.size()));
}

// The reference SipHash-1-3 of the IPv6 cookie's message, low 32 bits.
std::uint32_t reference_cookie6(const Key16& key, Ipv6 src_ip, Ipv6 dst_ip, std::uint16_t src_port,
                                std::uint16_t dst_port) {
  const auto bytes = message6(src_ip, dst_ip, src_port, dst_port);
  return static_cast<std::uint32_t>(reference_siphash(1, 3, key, bytes.data(), bytes.size()));
}

std::uint64_t libsodium_siphash24(const Key16& key, const unsigned char* msg, std::size_t len) {
  std::array<unsigned char, crypto_shorthash_siphash24_BYTES> out{};
  crypto_shorthash_siphash24(out.data(), msg, len, key.data());
  std::uint64_t h = 0;
  for (int i = 7; i >= 0; --i) h = (h << 8) | out[i];
  return h;
}

class CookieTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_GE(sodium_init(), 0); }
};

TEST_F(CookieTest, ReferenceIsSipHash24WithTwoAndFourRounds) {
  // Aumasson & Bernstein 2012, appendix A: key 00 01 .. 0f, message 00 01 .. (len - 1). For len 12 the
  // authors' vectors.h (vectors_sip64[12]) gives the output bytes fb e5 0e 86 bc 8f 1e 75.
  Key16 key{};
  for (unsigned i = 0; i < key.size(); ++i) key[i] = static_cast<unsigned char>(i);
  std::array<unsigned char, 64> msg{};
  for (unsigned i = 0; i < msg.size(); ++i) msg[i] = static_cast<unsigned char>(i);
  EXPECT_EQ(reference_siphash(2, 4, key, msg.data(), 12), 0x751e8fbc860ee5fbULL);
  // Every length from 0 to 63 (all tail sizes, 1 to 8 blocks) against libsodium, and random keys.
  std::mt19937_64 rng(7);
  for (std::size_t len = 0; len < msg.size(); ++len) {
    EXPECT_EQ(reference_siphash(2, 4, key, msg.data(), len), libsodium_siphash24(key, msg.data(), len))
        << len;
    Key16 random_key{};
    for (auto& byte : random_key) byte = static_cast<unsigned char>(rng());
    EXPECT_EQ(reference_siphash(2, 4, random_key, msg.data(), len),
              libsodium_siphash24(random_key, msg.data(), len))
        << len;
  }
}

TEST_F(CookieTest, ReferenceWithOneAndThreeRoundsIsSipHash13) {
  // A published SipHash-1-3 value: the empty message under the all-zero key hashes to the 64-bit output
  // d1fba762150c532c (as SipHash-1-3 implementations' test suites list it, e.g. a Rust digest crate's).
  const Key16 zero{};
  EXPECT_EQ(reference_siphash(1, 3, zero, nullptr, 0), 0xd1fba762150c532cULL);
}

TEST_F(CookieTest, MatchesReferenceForTheCookieMessage) {
  // Key 00 01 .. 0f; message 00 01 02 03 | 04 05 06 07 | 08 09 | 0a 0b as big-endian fields.
  Key16 key{};
  for (unsigned i = 0; i < key.size(); ++i) key[i] = static_cast<unsigned char>(i);
  const SynCookie cookie(key_from_bytes(key));
  EXPECT_EQ(cookie(0x00010203, 0x04050607, 0x0809, 0x0a0b),
            reference_cookie(key, 0x00010203, 0x04050607, 0x0809, 0x0a0b));
}

TEST_F(CookieTest, KeyLayoutIsLittleEndianHalvesOfTheReferenceKey) {
  Key16 key{};
  for (unsigned i = 0; i < key.size(); ++i) key[i] = static_cast<unsigned char>(i);
  const CookieKey k = key_from_bytes(key);
  EXPECT_EQ(k.k0, 0x0706050403020100ULL);
  EXPECT_EQ(k.k1, 0x0f0e0d0c0b0a0908ULL);
}

TEST_F(CookieTest, MatchesReferenceOnRandomTuplesAndKeys) {
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

// The batch paths (scalar, AVX2 where the CPU has it, and whichever batch() picks) against one call of
// operator() per tuple, which the tests above check against the reference: thousands of random tuples under
// random keys, every batch length from 0 to 40 (all tails of the 8-lane code) and a long one.
TEST_F(CookieTest, BatchMatchesOneAtATimeOnRandomTuplesAndKeys) {
  std::mt19937_64 rng(99);
  std::vector<std::size_t> lengths;
  for (std::size_t n = 0; n <= 40; ++n) lengths.push_back(n);
  lengths.push_back(1000);
  int checked_avx2 = 0;
  for (int trial = 0; trial < 20; ++trial) {
    const SynCookie cookie(CookieKey{rng(), rng()});
    const auto src_ip = static_cast<Ipv4>(rng());
    for (const std::size_t n : lengths) {
      std::vector<Ipv4> dst(n);
      std::vector<std::uint32_t> ports(n);
      std::vector<std::uint32_t> expected(n);
      for (std::size_t i = 0; i < n; ++i) {
        dst[i] = static_cast<Ipv4>(rng());
        ports[i] = static_cast<std::uint32_t>(rng());
        expected[i] = cookie(src_ip, dst[i], static_cast<std::uint16_t>(ports[i]),
                             static_cast<std::uint16_t>(ports[i] >> 16));
      }
      std::vector<std::uint32_t> out(n + 1, 0xDEADBEEF);
      cookie.batch(src_ip, dst.data(), ports.data(), n, out.data());
      EXPECT_EQ(out[n], 0xDEADBEEF) << "wrote past the end, n " << n;
      out.resize(n);
      ASSERT_EQ(out, expected) << "batch, trial " << trial << " n " << n;
      std::fill(out.begin(), out.end(), 0);
      cookie.batch_scalar(src_ip, dst.data(), ports.data(), n, out.data());
      ASSERT_EQ(out, expected) << "scalar, trial " << trial << " n " << n;
      if (cpu_has_avx2()) {
        std::fill(out.begin(), out.end(), 0);
        const std::size_t k =
            siphash13_cookies_avx2(cookie.start(), src_ip, dst.data(), ports.data(), n, out.data());
        ASSERT_EQ(k, n / 8 * 8);
        for (std::size_t i = 0; i < k; ++i)
          ASSERT_EQ(out[i], expected[i]) << "avx2, trial " << trial << " i " << i;
        checked_avx2 += static_cast<int>(k);
      }
    }
  }
  if (cpu_has_avx2()) {
    EXPECT_GT(checked_avx2, 10'000);
    EXPECT_TRUE(SynCookie(CookieKey{1, 2}).uses_avx2());
  }
}

TEST_F(CookieTest, BatchMatchesTheReferenceVector) {
  // The reference cookie of the key 00 01 .. 0f, through the 8-lane path with the vector in every lane.
  Key16 key{};
  for (unsigned i = 0; i < key.size(); ++i) key[i] = static_cast<unsigned char>(i);
  const SynCookie cookie(key_from_bytes(key));
  const std::uint32_t expected = reference_cookie(key, 0x00010203, 0x04050607, 0x0809, 0x0a0b);
  std::vector<Ipv4> dst(16, 0x04050607);
  std::vector<std::uint32_t> ports(16, 0x0a0b0809);
  std::vector<std::uint32_t> out(16);
  cookie.batch(0x00010203, dst.data(), ports.data(), dst.size(), out.data());
  for (const std::uint32_t c : out) EXPECT_EQ(c, expected);
}

TEST_F(CookieTest, Ipv6MessageIsTheAddressesBytesInNetworkOrder) {
  // message6 against the bytes the C library's inet_pton gives: the reference hashes what goes on the wire.
  const Ipv6 src = *try_parse_ipv6("2001:2::1");
  const Ipv6 dst = *try_parse_ipv6("2001:2:0:1::364");
  const auto m = message6(src, dst, 61000, 443);
  unsigned char wire[16];
  ASSERT_EQ(inet_pton(AF_INET6, "2001:2::1", wire), 1);
  EXPECT_TRUE(std::equal(wire, wire + 16, m.begin()));
  ASSERT_EQ(inet_pton(AF_INET6, "2001:2:0:1::364", wire), 1);
  EXPECT_TRUE(std::equal(wire, wire + 16, m.begin() + 16));
  EXPECT_EQ(m[0], 0x20);
  EXPECT_EQ(m[1], 0x01);
  EXPECT_EQ(m[31], 0x64);
  EXPECT_EQ(m[32], 0xEE);  // 61000 = 0xEE48
  EXPECT_EQ(m[35], 0xBB);  // 443 = 0x01BB
}

TEST_F(CookieTest, Ipv6MatchesReferenceForTheCookieMessage) {
  // Key 00 01 .. 0f; message 00 01 .. 23 as the 36 bytes of (source, destination, source port, destination
  // port).
  Key16 key{};
  for (unsigned i = 0; i < key.size(); ++i) key[i] = static_cast<unsigned char>(i);
  std::array<unsigned char, 36> msg{};
  for (unsigned i = 0; i < msg.size(); ++i) msg[i] = static_cast<unsigned char>(i);
  const SynCookie cookie(key_from_bytes(key));
  const Ipv6 src = make_ipv6(0x0001020304050607ULL, 0x08090a0b0c0d0e0fULL);
  const Ipv6 dst = make_ipv6(0x1011121314151617ULL, 0x18191a1b1c1d1e1fULL);
  EXPECT_EQ(cookie.v6(src, dst, 0x2021, 0x2223),
            static_cast<std::uint32_t>(reference_siphash(1, 3, key, msg.data(), msg.size())));
}

TEST_F(CookieTest, Ipv6MatchesReferenceOnRandomTuplesAndKeys) {
  std::mt19937_64 rng(20261201);
  for (int trial = 0; trial < 10'000; ++trial) {
    Key16 key{};
    for (auto& byte : key) byte = static_cast<unsigned char>(rng());
    Ipv6 src_ip = make_ipv6(rng(), rng());
    Ipv6 dst_ip = make_ipv6(rng(), rng());
    if (trial == 0) src_ip = dst_ip = ~Ipv6{0};
    if (trial == 1) src_ip = dst_ip = 0;
    const auto src_port = static_cast<std::uint16_t>(rng());
    const auto dst_port = static_cast<std::uint16_t>(rng());
    const SynCookie cookie(key_from_bytes(key));
    ASSERT_EQ(cookie.v6(src_ip, dst_ip, src_port, dst_port),
              reference_cookie6(key, src_ip, dst_ip, src_port, dst_port))
        << "trial " << trial;
  }
}

TEST_F(CookieTest, Ipv6EveryByteAndFieldChangesTheCookie) {
  const SynCookie cookie(CookieKey{0x0123456789abcdefULL, 0xfedcba9876543210ULL});
  const Ipv6 src = make_ipv6(0x2001'0002'0000'0000ULL, 1);
  const Ipv6 dst = make_ipv6(0x2001'0002'0000'0001ULL, 0x364);
  const std::uint32_t base = cookie.v6(src, dst, 61000, 443);
  for (int bit = 0; bit < 128; bit += 8) {  // one byte of each address at a time, all 16 positions
    EXPECT_NE(cookie.v6(src ^ (Ipv6{0x5A} << bit), dst, 61000, 443), base) << "source byte " << bit / 8;
    EXPECT_NE(cookie.v6(src, dst ^ (Ipv6{0x5A} << bit), 61000, 443), base) << "destination byte " << bit / 8;
  }
  EXPECT_NE(cookie.v6(src, dst, 61001, 443), base);
  EXPECT_NE(cookie.v6(src, dst, 61000, 444), base);
  EXPECT_NE(cookie.v6(dst, src, 443, 61000), base);  // the reply's tuple unswapped is another probe
  EXPECT_NE(SynCookie(CookieKey{0x0123456789abcdefULL, 0xfedcba9876543211ULL}).v6(src, dst, 61000, 443),
            base);
}

TEST_F(CookieTest, Ipv6CookieDiffersFromTheIpv4CookieOfRelatedTuples) {
  // Under one key, an IPv6 probe whose addresses embed IPv4 ones (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible
  // ::a.b.c.d, or an address ending in the same 32 bits) has a cookie unrelated to the IPv4 probe's: the
  // 36-byte message differs from the 12-byte one in its length byte and blocks. Each pair of random 32-bit
  // outputs is equal with odds 2^-32, so over 3 x 2,000 pairs a single equality would be a fault (odds
  // about 1.4e-6 by chance).
  std::mt19937_64 rng(4646);
  const SynCookie cookie(CookieKey{rng(), rng()});
  int equal = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    const auto src4 = static_cast<Ipv4>(rng());
    const auto dst4 = static_cast<Ipv4>(rng());
    const auto sport = static_cast<std::uint16_t>(rng());
    const auto dport = static_cast<std::uint16_t>(rng());
    const std::uint32_t v4 = cookie(src4, dst4, sport, dport);
    equal += cookie.v6(kIpv4MappedPrefix | src4, kIpv4MappedPrefix | dst4, sport, dport) == v4;
    equal += cookie.v6(Ipv6{src4}, Ipv6{dst4}, sport, dport) == v4;
    equal += cookie.v6(make_ipv6(0x2001'0002'0000'0000ULL, src4), make_ipv6(0x2001'0002'0000'0001ULL, dst4),
                       sport, dport) == v4;
  }
  EXPECT_EQ(equal, 0);
}

TEST_F(CookieTest, RandomKeysDiffer) {
  const CookieKey a = CookieKey::random();
  const CookieKey b = CookieKey::random();
  EXPECT_FALSE(a.k0 == b.k0 && a.k1 == b.k1);
}

}  // namespace
}  // namespace synscan
