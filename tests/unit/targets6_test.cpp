// IPv6 target tokens and the two-family TargetSet (engine/target_parse.hpp, engine/target_set.hpp,
// engine/address.hpp). Parsing and RFC 5952 text are checked against Python's ipaddress module on random
// tokens (an independent implementation; skipped when python3 is missing), and the interval logic against a
// brute-force set of addresses near the top of the IPv6 space, where last + 1 wraps.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "engine/target_parse.hpp"
#include "engine/target_set.hpp"

namespace synscan {
namespace {

constexpr Ipv6 kAllOnes = ~Ipv6{0};

std::string hex128(Ipv6 v) {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(v >> 64),
                static_cast<unsigned long long>(v));
  return buf;
}

std::string hint_of(std::string_view token) {
  try {
    parse_target_token(token);
  } catch (const ParseError& e) {
    return e.hint();
  }
  return "<no error>";
}

// Runs `script` with python3 over `input` lines; one output line per input line. Empty when python3 is
// missing.
std::vector<std::string> python_lines(const std::string& script, const std::vector<std::string>& input) {
  // Named by test and process: ctest runs the tests of this binary in parallel processes.
  const std::string stem = ::testing::TempDir() + "synscan_" +
                           ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" +
                           std::to_string(::getpid());
  const std::string in_path = stem + ".in", py_path = stem + ".py";
  {
    std::ofstream in(in_path);
    for (const std::string& line : input) in << line << "\n";
    std::ofstream(py_path) << script;
  }
  std::FILE* p = ::popen(("python3 " + py_path + " < " + in_path + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) return {};
  std::string text;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) text.append(buf, n);
  const int status = ::pclose(p);
  std::remove(in_path.c_str());
  std::remove(py_path.c_str());
  if (status != 0) return {};
  std::vector<std::string> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) out.push_back(line);
  return out;
}

// For each token: "4 FIRST LAST" / "6 FIRST LAST" (32 hex digits) or "error", by Python's rules restated as
// synscan's: a prefix masks host bits (strict=False), a range needs one family with first <= last, an
// IPv4-mapped address is its IPv4 address, and an IPv4-mapped prefix is refused.
constexpr const char* kParseReference = R"(import ipaddress, sys
def addr(t):
    a = ipaddress.ip_address(t)
    if a.version == 6 and a.ipv4_mapped is not None:
        return ipaddress.ip_address(a.ipv4_mapped)
    return a
for line in sys.stdin:
    t = line.strip()
    try:
        if '/' in t:
            base, n = t.split('/')
            if ':' in base and ipaddress.IPv6Address(base).ipv4_mapped is not None: raise ValueError
            net = ipaddress.ip_network(t, strict=False)
            first, last = net.network_address, net.broadcast_address
        elif '-' in t:
            a, b = t.split('-')
            first, last = addr(a), addr(b)
            if first.version != last.version or first > last: raise ValueError
        else:
            first = last = addr(t)
        print(first.version, '%032x' % int(first), '%032x' % int(last))
    except ValueError:
        print('error')
)";

// An IPv6 address with runs of zero groups (where "::" goes) and, sometimes, all ones.
Ipv6 random_address(std::mt19937_64& rng) {
  Ipv6 a = 0;
  for (int g = 0; g < 8; ++g) {
    const unsigned r = static_cast<unsigned>(rng() % 8);
    const std::uint64_t group = r < 3 ? 0 : r == 3 ? 0xFFFF : rng() & (r == 4 ? 0xF : 0xFFFF);
    a = (a << 16) | group;
  }
  return a;
}

// A text form of `a` chosen at random: RFC 5952, full with leading zeros, upper case, or a dotted-quad tail.
std::string random_text(Ipv6 a, std::mt19937_64& rng) {
  switch (rng() % 4) {
    case 0:
      return format_ipv6(a);
    case 1: {
      char buf[40];
      std::string out;
      for (int g = 7; g >= 0; --g) {
        std::snprintf(buf, sizeof buf, "%04x", static_cast<unsigned>((a >> (16 * g)) & 0xFFFF));
        out += buf;
        if (g) out += ':';
      }
      return out;
    }
    case 2: {
      std::string out = format_ipv6(a);
      for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return out;
    }
    default: {
      const auto low = static_cast<Ipv4>(a);
      char buf[64];
      std::snprintf(buf, sizeof buf, "%x:%x:%x:%x:%x:%x:%s", static_cast<unsigned>((a >> 112) & 0xFFFF),
                    static_cast<unsigned>((a >> 96) & 0xFFFF), static_cast<unsigned>((a >> 80) & 0xFFFF),
                    static_cast<unsigned>((a >> 64) & 0xFFFF), static_cast<unsigned>((a >> 48) & 0xFFFF),
                    static_cast<unsigned>((a >> 32) & 0xFFFF), format_ipv4(low).c_str());
      return buf;
    }
  }
}

TEST(TargetParse6, RandomTokensMatchPythonIpaddress) {
  std::mt19937_64 rng(6);
  std::vector<std::string> tokens;
  for (int i = 0; i < 3000; ++i) {
    const Ipv6 a = random_address(rng), b = random_address(rng);
    switch (i % 4) {
      case 0:
        tokens.push_back(random_text(a, rng));
        break;
      case 1:  // every prefix length, host bits often set
        tokens.push_back(random_text(a, rng) + "/" + std::to_string(rng() % 129));
        break;
      case 2:  // ranges, in either order (the wrong one is an error)
        tokens.push_back(random_text(a, rng) + "-" + random_text(b, rng));
        break;
      default:  // IPv4-mapped addresses and ranges that mix families
        tokens.push_back("::ffff:" + format_ipv4(static_cast<Ipv4>(a)));
        tokens.push_back(format_ipv4(static_cast<Ipv4>(a)) + "-" + random_text(b, rng));
        tokens.push_back("::ffff:" + format_ipv4(static_cast<Ipv4>(a)) + "-" +
                         format_ipv4(static_cast<Ipv4>(b)));
        break;
    }
  }
  const std::vector<std::string> want = python_lines(kParseReference, tokens);
  if (want.empty()) GTEST_SKIP() << "python3 with ipaddress not available";
  ASSERT_EQ(want.size(), tokens.size());
  int errors = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    std::string got;
    try {
      const AddressRange r = parse_target_token(tokens[i]);
      got = (r.first.is_v4() ? "4 " : "6 ") + hex128(r.first.bits) + " " + hex128(r.last.bits);
    } catch (const ParseError&) {
      got = "error";
      ++errors;
    }
    ASSERT_EQ(got, want[i]) << tokens[i];
  }
  EXPECT_GT(errors, 100);  // the reversed ranges and mixed families were tried
}

// RFC 5952 text (Python prints the same, except that RFC 5952 section 5 writes an IPv4-mapped address with a
// dotted-quad tail, which Python 3.11 does not: the reference applies that rule itself).
TEST(TargetParse6, FormatMatchesPythonAndRoundTrips) {
  std::mt19937_64 rng(5952);
  std::vector<Ipv6> addresses = {0,
                                 1,
                                 kAllOnes,
                                 make_ipv6(0x20010db800000000ULL, 0x0000000100000001ULL),
                                 make_ipv6(0x20010db800000001ULL, 0),
                                 kIpv4MappedPrefix | 0xC6120001u,
                                 make_ipv6(0x0000000000000000ULL, 0x0000FFFF00000000ULL)};
  for (int i = 0; i < 3000; ++i) addresses.push_back(random_address(rng));
  std::vector<std::string> input;
  for (Ipv6 a : addresses) input.push_back(hex128(a));
  const std::vector<std::string> want = python_lines(R"(import ipaddress, sys
for line in sys.stdin:
    a = ipaddress.IPv6Address(int(line, 16))
    print('::ffff:' + str(a.ipv4_mapped) if a.ipv4_mapped is not None else a.compressed)
)",
                                                     input);
  if (want.empty()) GTEST_SKIP() << "python3 with ipaddress not available";
  ASSERT_EQ(want.size(), addresses.size());
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    const std::string text = format_ipv6(addresses[i]);
    ASSERT_EQ(text, want[i]) << input[i];
    ASSERT_EQ(try_parse_ipv6(text), addresses[i]) << text;
  }
}

TEST(TargetParse6, PrefixesMaskHostBitsAtEveryLength) {
  const Ipv6 base = make_ipv6(0x20010db8ffffffffULL, 0xffffffffffffffffULL);
  for (unsigned n = 0; n <= 128; ++n) {
    bool masked = false;
    const AddressRange r =
        parse_target_token("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff/" + std::to_string(n), &masked);
    const Ipv6 host = n == 128 ? 0 : kAllOnes >> n;
    ASSERT_TRUE(r.first.is_v6()) << n;
    EXPECT_EQ(r.first.bits, base & ~host) << n;
    EXPECT_EQ(r.last.bits, base | host) << n;
    EXPECT_EQ(masked, n < 128) << n;
  }
  bool masked = true;
  const AddressRange exact = parse_target_token("2001:db8::/32", &masked);
  EXPECT_FALSE(masked);
  EXPECT_EQ(format_address(exact.last), "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
  EXPECT_EQ(parse_target_token("::/0").last.bits, kAllOnes);
}

TEST(TargetParse6, UpperCaseMappedAndFamilies) {
  EXPECT_EQ(parse_target_token("2001:DB8::AB"), parse_target_token("2001:db8::ab"));
  EXPECT_EQ(parse_target_token("2001:0DB8:0000:0000:0000:0000:0000:00AB"),
            parse_target_token("2001:db8::ab"));
  // ::ffff:a.b.c.d is the IPv4 address, in either spelling, also as a range end.
  EXPECT_EQ(parse_target_token("::ffff:192.0.2.1").first, IpAddress::v4(0xC0000201u));
  EXPECT_EQ(parse_target_token("::FFFF:c000:201").first, IpAddress::v4(0xC0000201u));
  EXPECT_EQ(parse_target_token("192.0.2.1-::ffff:192.0.2.9").last, IpAddress::v4(0xC0000209u));
  // ::ffff:0:0/96 as a prefix would count IPv6 bits over IPv4 addresses: refused with the IPv4 spelling.
  EXPECT_NE(hint_of("::ffff:192.0.2.0/120").find("a.b.c.d/n"), std::string::npos);
  // A range's ends are of one family.
  EXPECT_NE(hint_of("192.0.2.1-2001:db8::1").find("one address family"), std::string::npos);
  EXPECT_NE(hint_of("2001:db8::1-192.0.2.1").find("one address family"), std::string::npos);
  EXPECT_NE(hint_of("2001:db8::ff-2001:db8::1").find("above its end"), std::string::npos);
  EXPECT_EQ(parse_target_token("2001:db8::ff-2001:db8::ff").first, parse_target_token("2001:db8::ff").last);
}

TEST(TargetParse6, ZoneIdsBracketsAndBadTokensAreNamedWithAHint) {
  EXPECT_NE(hint_of("fe80::1%eth0").find("zone id"), std::string::npos);
  EXPECT_NE(hint_of("fe80::1%25eth0").find("zone id"), std::string::npos);
  EXPECT_NE(hint_of("[2001:db8::1]").find("without brackets"), std::string::npos);
  EXPECT_NE(hint_of("[2001:db8::1]:80").find("-p"), std::string::npos);
  EXPECT_NE(hint_of("2001:db8::/129").find("0-128"), std::string::npos);
  for (const char* bad : {":::", "2001:db8::1::2", "12345::", "2001:db8:0:0:0:0:0:0:1", "g::1", "2001:db8::/",
                          "2001:db8::/-1", "2001:db8::/1000", "2001:db8::/0x10", ":", "1:2:3:4:5:6:7",
                          "::ffff:1.2.3.256", "::1.2.3", "2001:db8::1-", "-2001:db8::1"}) {
    try {
      parse_target_token(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const ParseError& e) {
      EXPECT_EQ(e.token(), bad);
    }
  }
}

// The interval logic against a brute-force set, over the 64 addresses at the very top of the IPv6 space
// (ffff:...:ffc0 to ffff:...:ffff): subtraction and merging where last + 1 wraps to 0.
TEST(TargetSet6, SubtractionAndMergingAtTheTopMatchBruteForce) {
  constexpr Ipv6 kBase = kAllOnes - 63;
  std::mt19937_64 rng(128);
  for (int trial = 0; trial < 500; ++trial) {
    AddressRanges include, exclude;
    std::set<unsigned> want;
    std::set<unsigned> excluded;
    for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k) {
      unsigned a = rng() % 64, b = rng() % 64;
      if (a > b) std::swap(a, b);
      include.v6.push_back({kBase + a, kBase + b});
      for (unsigned x = a; x <= b; ++x) want.insert(x);
    }
    for (int k = 0; k < static_cast<int>(rng() % 4); ++k) {
      unsigned a = rng() % 64, b = rng() % 64;
      if (a > b) std::swap(a, b);
      if (rng() % 3 == 0) b = 63;  // an exclusion that reaches ffff:...:ffff
      exclude.v6.push_back({kBase + a, kBase + b});
      for (unsigned x = a; x <= b; ++x) excluded.insert(x);
    }
    for (unsigned x : excluded) want.erase(x);
    const TargetSet set(include, exclude);
    ASSERT_EQ(set.size(), want.size()) << trial;
    ASSERT_EQ(set.v4_size(), 0u);
    std::uint64_t i = 0;
    for (unsigned x : want) {
      ASSERT_EQ(set.at(i), IpAddress::v6(kBase + x)) << trial;
      ASSERT_EQ(set.index_of(IpAddress::v6(kBase + x)), i) << trial;
      ++i;
    }
    for (unsigned x : excluded) ASSERT_FALSE(set.contains(IpAddress::v6(kBase + x))) << trial;
    // Normalized: no two intervals touch.
    const auto& ivs = set.intervals_v6();
    for (std::size_t k = 1; k < ivs.size(); ++k) ASSERT_GT(ivs[k].first - ivs[k - 1].last, 1u) << trial;
  }
}

TEST(TargetSet6, AdjacentIntervalsMergeAlsoAtTheTop) {
  AddressRanges r;
  parse_target_list("2001:db8::-2001:db8::ff,2001:db8::100-2001:db8::1ff,2001:db8::201", r);
  parse_target_list("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", r);
  parse_target_list("255.255.255.254,255.255.255.255,0.0.0.0", r);
  const TargetSet t(r);
  ASSERT_EQ(t.intervals_v6().size(), 3u);
  EXPECT_EQ(t.intervals_v6()[0],
            (Interval6{make_ipv6(0x20010db800000000ULL, 0), make_ipv6(0x20010db800000000ULL, 0x1FF)}));
  EXPECT_EQ(t.intervals_v6()[2], (Interval6{kAllOnes - 1, kAllOnes}));
  ASSERT_EQ(t.intervals().size(), 2u);
  EXPECT_EQ(t.intervals()[1], (Interval{0xFFFFFFFEu, 0xFFFFFFFFu}));
  EXPECT_EQ(t.size(), 0x200u + 1 + 2 + 3);
}

// Indices [0, v4) are IPv4 ascending, then IPv6 ascending; at() and index_of() invert each other on a mixed
// set of several intervals per family (the binary-search paths), and addresses outside are not found.
TEST(TargetSet6, MixedSetIndexRoundTrips) {
  AddressRanges r;
  parse_target_list("2001:db8:0:1::/124 198.51.100.0/30 2001:db8::ffff:fff0-2001:db8::1:0:f 192.0.2.9", r);
  parse_target_list("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0/124 ::2 198.51.100.200-198.51.100.210", r);
  const TargetSet t(r);
  EXPECT_EQ(t.v4_size(), 4u + 1 + 11);
  EXPECT_EQ(t.v6_size(), 16u + 32 + 16 + 1);
  EXPECT_EQ(t.size(), t.v4_size() + t.v6_size());
  IpAddress previous = t.at(0);
  for (std::uint64_t i = 0; i < t.size(); ++i) {
    const IpAddress a = t.at(i);
    ASSERT_EQ(a.is_v4(), i < t.v4_size()) << i;
    if (i > 0) {
      ASSERT_LT(previous, a) << i;  // family first, then numeric
    }
    ASSERT_EQ(t.index_of(a), i) << format_address(a);
    previous = a;
  }
  EXPECT_EQ(format_address(t.at(t.v4_size())), "::2");
  EXPECT_EQ(format_address(t.at(t.size() - 1)), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  for (const char* out : {"2001:db8:0:1::10", "2001:db8::ffff:ffef", "2001:db8::1:0:10", "::1", "::3",
                          "192.0.2.8", "198.51.100.4", "::ffff:192.0.2.10"}) {
    EXPECT_FALSE(t.contains(parse_address(out))) << out;
  }
  EXPECT_TRUE(t.contains(parse_address("::ffff:192.0.2.9")));  // the mapped spelling of an IPv4 target
}

TEST(TargetSet6, CountsSaturateAndLargeSetsAreRefused) {
  auto ranges = [](std::string_view list) {
    AddressRanges r;
    parse_target_list(list, r);
    return r;
  };
  EXPECT_EQ(count_addresses_saturated(ranges("2001:db8::/65")), std::uint64_t{1} << 63);
  EXPECT_EQ(count_addresses_saturated(ranges("2001:db8::/65,2001:db8:0:0:8000::/65")), ~std::uint64_t{0});
  EXPECT_EQ(count_addresses_saturated(ranges("2001:db8::/64")), ~std::uint64_t{0});  // 2^64 does not fit
  EXPECT_EQ(count_addresses_saturated(ranges("::/0")), ~std::uint64_t{0});
  EXPECT_EQ(count_addresses_saturated(ranges("0.0.0.0/0,2001:db8::/96,2001:db8::/100")),
            (std::uint64_t{1} << 33));
  EXPECT_EQ(count_addresses_saturated(ranges("2001:db8::5,2001:db8::1-2001:db8::9,192.0.2.1")), 10u);
  // A set of 2^63 addresses is the most a TargetSet indexes.
  EXPECT_EQ(TargetSet(ranges("2001:db8::/65")).size(), std::uint64_t{1} << 63);
  EXPECT_THROW(TargetSet(ranges("2001:db8::/64")), std::length_error);
  EXPECT_THROW(TargetSet(ranges("2001:db8::/65,192.0.2.1")), std::length_error);
  // A huge include that the exclusions bring down to 16 addresses is fine: subtraction comes before indexing.
  EXPECT_EQ(TargetSet(ranges("::/0"), ranges("::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffef")).size(), 16u);
}

// The hitlist path moves intervals instead of copying them: no exclusion touches them, so the very same
// buffer becomes the set's (the memory bound of -iL rests on this).
TEST(TargetSet6, SubtractionWithoutOverlapKeepsTheBuffer) {
  AddressRanges hitlist;
  for (std::uint64_t a = 100; a < 100000; a += 3) {
    hitlist.v6.push_back({make_ipv6(0x20010db800000000ULL, a), make_ipv6(0x20010db800000000ULL, a)});
  }
  const Interval6* buffer = hitlist.v6.data();
  AddressRanges exclude;
  parse_target_list("2001:db9::/32,::1,192.0.2.0/24", exclude);
  const AddressRanges out = subtract_ranges(std::move(hitlist), exclude);
  EXPECT_EQ(out.v6.data(), buffer);
  EXPECT_EQ(out.v6.size(), (100000u - 100 + 2) / 3);
  // With an overlap the result is new, and right.
  AddressRanges again;
  parse_target_list("2001:db8::/120", again);
  AddressRanges hole;
  parse_target_list("2001:db8::10-2001:db8::1f", hole);
  const AddressRanges cut = subtract_ranges(std::move(again), hole);
  ASSERT_EQ(cut.v6.size(), 2u);
  EXPECT_EQ(cut.v6[0].last, make_ipv6(0x20010db800000000ULL, 0xF));
  EXPECT_EQ(cut.v6[1].first, make_ipv6(0x20010db800000000ULL, 0x20));
}

}  // namespace
}  // namespace synscan
