// Divisor48 (engine/fast_divide.hpp) against the DIV instruction, and the probe space's index split that uses
// it.
#include "engine/fast_divide.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "engine/probe_space.hpp"

namespace synscan {
namespace {

constexpr std::uint64_t kLimit = Divisor48::kNumeratorLimit;

// The divisors where rounding is tightest: powers of two and their neighbours, small ones, the largest. Above
// 2^32 the divisor is a count of IPv6 targets (a /80 is 2^48 of them); 2^48 - 59 is the largest prime below
// 2^48.
std::vector<std::uint64_t> edge_divisors() {
  std::vector<std::uint64_t> d = {1,
                                  2,
                                  3,
                                  5,
                                  7,
                                  10,
                                  255,
                                  256,
                                  257,
                                  65535,
                                  65536,
                                  65537,
                                  1000003,
                                  0xFFFFFFFFull,
                                  std::uint64_t{1} << 32,
                                  (std::uint64_t{1} << 48) - 59,
                                  std::uint64_t{1} << 48};
  for (unsigned b = 1; b <= 48; ++b) {
    d.push_back((std::uint64_t{1} << b) - 1);
    d.push_back(std::uint64_t{1} << b);
    if (b < 48) d.push_back((std::uint64_t{1} << b) + 1);
  }
  return d;
}

TEST(Divisor48, ExactAtTheEdgesOfTheNumeratorRange) {
  for (std::uint64_t d : edge_divisors()) {
    const Divisor48 div(d);
    ASSERT_EQ(div.divisor(), d);
    // Around 0, around every multiple near the top of the range, and the largest numerator.
    for (std::uint64_t n : {std::uint64_t{0}, std::uint64_t{1}, d - 1, d, d + 1, kLimit - 1, kLimit - 2}) {
      if (n >= kLimit) continue;
      ASSERT_EQ(div.divide(n), n / d) << n << " / " << d;
    }
    const std::uint64_t top_multiple = (kLimit - 1) / d * d;
    for (std::uint64_t n : {top_multiple - 1, top_multiple, top_multiple + d - 1}) {
      if (n >= kLimit) continue;
      ASSERT_EQ(div.divide(n), n / d) << n << " / " << d;
    }
  }
}

TEST(Divisor48, ExactOnRandomDivisorsAndNumerators) {
  std::mt19937_64 rng(48);
  for (int trial = 0; trial < 2000; ++trial) {
    // Divisors of every magnitude: a random bit length, then a random value of that length.
    const unsigned bits = 1 + static_cast<unsigned>(rng() % 48);
    const std::uint64_t d = (rng() & ((std::uint64_t{1} << bits) - 1)) | (std::uint64_t{1} << (bits - 1));
    const Divisor48 div(d);
    for (int i = 0; i < 200; ++i) {
      const std::uint64_t n = rng() & (kLimit - 1);
      ASSERT_EQ(div.divide(n), n / d) << n << " / " << d;
    }
  }
}

TEST(ProbeSpaceAt, MatchesPortMajorOrderOnSeveralIntervals) {
  // 3 intervals (the slow path of TargetSet::at) and 1 interval (the fast path), against the definition.
  for (const std::vector<Interval>& include :
       {std::vector<Interval>{{0xC6120010, 0xC6120012}, {0xC6120100, 0xC6120104}, {0xC6130000, 0xC6130006}},
        std::vector<Interval>{{0xC6130000, 0xC61300FF}}}) {
    const TargetSet targets(include);
    const PortSet ports({22, 80, 443, 60000});
    const ProbeSpace space(targets, ports);
    for (ProbeIndex i = 0; i < space.size(); ++i) {
      const Probe p = space.at(i);
      ASSERT_EQ(p.ip, targets.at(i % targets.size())) << i;
      ASSERT_EQ(p.port, ports.at(static_cast<std::uint32_t>(i / targets.size()))) << i;
      ASSERT_EQ(space.index_of(p.ip, 0, p.port), i);
    }
  }
}

// IPv6 targets make the divisor larger than any IPv4 set: 2^40 + 7 targets (a /88 and 7 more) x 3 ports and
// 2^48 targets x 1 port, at random indices and at the ends, against the definition index = port_index x
// targets + target_index.
TEST(ProbeSpaceAt, MoreThan2To32Ipv6Targets) {
  AddressRanges wide;
  wide.v6 = {
      {make_ipv6(0x20010db800000000ULL, 0), make_ipv6(0x20010db800000000ULL, (std::uint64_t{1} << 40) - 1)},
      {make_ipv6(0x20010db8ffff0000ULL, 0), make_ipv6(0x20010db8ffff0000ULL, 6)}};
  AddressRanges widest;
  widest.v6 = {
      {make_ipv6(0x20010db800000000ULL, 0), make_ipv6(0x20010db800000000ULL, (std::uint64_t{1} << 48) - 1)}};
  std::mt19937_64 rng(6);
  for (const auto& [include, ports] :
       {std::pair{wide, PortSet({22, 80, 443})}, std::pair{widest, PortSet({80})}}) {
    const TargetSet targets(include);
    const ProbeSpace space(targets, ports);
    const std::uint64_t n = targets.size();
    ASSERT_EQ(space.size(), n * ports.size());
    std::vector<ProbeIndex> indices = {0, n - 1, space.size() - 1, space.size() - n};
    if (ports.size() > 1) indices.push_back(n);
    for (int i = 0; i < 20000; ++i) indices.push_back(rng() % space.size());
    for (ProbeIndex i : indices) {
      const Probe p = space.at(i);
      ASSERT_EQ(p.ip, targets.at(i % n)) << i;
      ASSERT_EQ(p.port, ports.at(static_cast<std::uint32_t>(i / n))) << i;
      ASSERT_EQ(space.index_of(p.ip, 0, p.port), i) << i;
    }
  }
}

}  // namespace
}  // namespace synscan
