#pragma once
// The scan the receive-path fuzzer (tests/fuzz/fuzz_reply.cpp) validates replies against, and that
// tests/fuzz/make_corpus.py writes seeds for: keep the three in step. tests/unit/reply_corpus_test.cpp checks
// that every seed gets the verdict its name says, which also checks the Python SipHash-1-3 cookies against
// engine/cookie.hpp.
#include <cstdint>
#include <vector>

#include "engine/address.hpp"
#include "engine/cookie.hpp"
#include "engine/port_set.hpp"
#include "engine/probe_space.hpp"
#include "engine/target_set.hpp"

namespace synscan::fuzz {

inline constexpr CookieKey kKey{0x0706050403020100ULL,
                                0x0f0e0d0c0b0a0908ULL};                    // SipHash reference key 00..0f
inline constexpr Ipv4 kLocal4 = 0xC6120001;                                // 198.18.0.1
inline constexpr Ipv6 kLocal6 = make_ipv6(0x2001'0002'0000'0000ULL, 0x1);  // 2001:2::1
inline constexpr std::uint16_t kPortFirst = 40000;
inline constexpr std::uint16_t kPortLast = 40015;

/// 198.18.1.0/24 without 198.18.1.5, plus 198.18.2.7; 2001:2:0:1::/120 without 2001:2:0:1::5, plus
/// 2001:2:0:2::7; ports 22, 80, 443.
inline ProbeSpace make_space() {
  const Ipv6 block = make_ipv6(0x2001'0002'0000'0001ULL, 0);
  const Ipv6 single = make_ipv6(0x2001'0002'0000'0002ULL, 7);
  return ProbeSpace(TargetSet(AddressRanges({{0xC6120100, 0xC61201FF}, {0xC6120207, 0xC6120207}},
                                            {{block, block + 0xff}, {single, single}}),
                              AddressRanges({{0xC6120105, 0xC6120105}}, {{block + 5, block + 5}})),
                    PortSet({22, 80, 443}));
}

}  // namespace synscan::fuzz
