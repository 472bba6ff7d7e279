// IPv6 text as every output prints it: RFC 5952 canonical form (lower case, leading zeros dropped, the first
// longest run of two or more zero groups as "::", IPv4-mapped addresses ending in a dotted quad). The
// reference is Python's ipaddress module, run by the test itself: a fixed table of the cases RFC 5952 section
// 4 names, then a few thousand addresses drawn with many zero groups, so that every position and length of a
// zero run is met.
#include "engine/address.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace synscan {
namespace {

struct Case {
  const char* input;      // any RFC 4291 text
  const char* canonical;  // what python3 -c 'import ipaddress; print(ipaddress.ip_address(INPUT))' prints
};

// The expected column was printed by Python 3.11's ipaddress, except the IPv4-mapped rows: Python before 3.13
// prints those in hex (::ffff:c612:1), where RFC 5952 section 5 recommends the dotted quad that 3.13 prints.
const Case kCases[] = {
    {"2001:2:0:1:0:0:0:364", "2001:2:0:1::364"},  // masscan printed 2001:2::1:0:0:0:364 (not the longest run)
    {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},     // two runs of two: the first one (4.2.3)
    {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},  // one zero group is "0", never "::" (4.2.2)
    {"0:0:0:0:0:0:0:1", "::1"},
    {"0:0:0:0:0:0:0:0", "::"},
    {"::ffff:198.18.0.1", "::ffff:198.18.0.1"},  // IPv4-mapped (section 5)
    {"::FFFF:C612:0001", "::ffff:198.18.0.1"},
    // Lower case, leading zeros dropped (4.1, 4.3).
    {"2001:DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
    {"2001:0db8:0:0:0:0:2:1", "2001:db8::2:1"},
    {"2001:db8:0:0:1:0:0:0", "2001:db8:0:0:1::"},  // the longer run wins, also at the end (4.2.1)
    {"1:0:0:0:0:0:0:0", "1::"},
    {"0:0:1:0:0:0:0:0", "0:0:1::"},
    {"0:0:0:0:0:1:0:0", "::1:0:0"},
    {"2001:2:0:0:1:0:0:0", "2001:2:0:0:1::"},
    {"2001:2:ffff:ffff:ffff:ffff:ffff:ffff", "2001:2:ffff:ffff:ffff:ffff:ffff:ffff"},
    {"::ffff:0:1", "::ffff:0.0.0.1"},
    {"::c612:1", "::c612:1"},  // IPv4-compatible (deprecated): plain hex, unlike glibc's inet_ntop
    {"64:ff9b::c612:1", "64:ff9b::c612:1"},
    {"fe80::1:2:3:4", "fe80::1:2:3:4"},
};

TEST(AddressText, Rfc5952Table) {
  for (const Case& c : kCases) {
    const std::optional<Ipv6> a = try_parse_ipv6(c.input);
    ASSERT_TRUE(a.has_value()) << c.input;
    EXPECT_EQ(format_ipv6(*a), c.canonical) << c.input;
    EXPECT_EQ(format_address(IpAddress::v6(*a)), c.canonical) << c.input;
  }
  EXPECT_EQ(format_address(IpAddress::v4(0xC6120001)), "198.18.0.1");
  EXPECT_EQ(format_ipv6(make_ipv6(0x2001'0002'0000'0001ULL, 0x0000'0000'0000'0364ULL)), "2001:2:0:1::364");
}

// Every group of `a` in full, upper case: the least canonical text there is.
std::string uncompressed_upper(Ipv6 a) {
  std::string out;
  for (int shift = 112; shift >= 0; shift -= 16) {
    out += fmt::format("{:04X}", static_cast<unsigned>((a >> shift) & 0xFFFF));
    if (shift) out += ':';
  }
  return out;
}

// Addresses whose groups are zero half the time (and 0xFFFF now and then, so IPv4-mapped ones occur), plus
// the table's inputs. Fixed seed: the same addresses every run.
std::vector<Ipv6> sample_addresses() {
  std::vector<Ipv6> out;
  for (const Case& c : kCases) out.push_back(*try_parse_ipv6(c.input));
  std::mt19937_64 rng(5952);
  for (int n = 0; n < 4000; ++n) {
    Ipv6 a = 0;
    for (int g = 0; g < 8; ++g) {
      const std::uint64_t draw = rng();
      std::uint16_t v = 0;
      if (draw % 8 >= 4) v = static_cast<std::uint16_t>(draw >> 16) >> (draw % 3 * 4);  // 1-4 hex digits
      if (draw % 8 == 3) v = 0xFFFF;
      a = (a << 16) | v;
    }
    if (n % 10 == 0) a = kIpv4MappedPrefix | static_cast<std::uint32_t>(a);  // an IPv4-mapped one
    out.push_back(a);
  }
  return out;
}

TEST(AddressText, MatchesPythonIpaddress) {
  if (std::system("command -v python3 >/dev/null 2>&1") != 0) GTEST_SKIP() << "python3 missing";
  const std::vector<Ipv6> addresses = sample_addresses();
  const std::string in_path = testing::TempDir() + "synscan_ipv6_in.txt";
  const std::string out_path = testing::TempDir() + "synscan_ipv6_out.txt";
  {
    std::ofstream in(in_path);
    for (Ipv6 a : addresses) in << uncompressed_upper(a) << '\n';
  }
  // The mapped form is built from ipv4_mapped so that Python before 3.13 (hex) and after (dotted) agree.
  const std::string script =
      "import ipaddress, sys\n"
      "for line in open(sys.argv[1]):\n"
      "    a = ipaddress.IPv6Address(line.strip())\n"
      "    print('::ffff:' + str(a.ipv4_mapped) if a.ipv4_mapped else str(a))\n";
  const std::string script_path = testing::TempDir() + "synscan_ipv6.py";
  std::ofstream(script_path) << script;
  ASSERT_EQ(std::system(("python3 " + script_path + " " + in_path + " > " + out_path).c_str()), 0);
  std::ifstream out(out_path);
  std::string expected;
  std::size_t i = 0, mapped = 0, compressed = 0, lone_zero = 0;
  while (std::getline(out, expected)) {
    ASSERT_LT(i, addresses.size());
    const Ipv6 a = addresses[i++];
    EXPECT_EQ(format_ipv6(a), expected) << uncompressed_upper(a);
    EXPECT_EQ(try_parse_ipv6(expected), a) << expected;  // the canonical text reads back as the same address
    mapped += expected.rfind("::ffff:", 0) == 0 && expected.find('.') != std::string::npos;
    const bool has_run = expected.find("::") != std::string::npos;
    compressed += has_run;
    lone_zero += !has_run && (":" + expected + ":").find(":0:") != std::string::npos;
  }
  EXPECT_EQ(i, addresses.size());
  // The sample reaches the interesting cases (not a test that passes on plain addresses only).
  EXPECT_GT(mapped, 300u);
  EXPECT_GT(compressed, 2000u);
  EXPECT_GT(lone_zero, 100u);  // a single zero group, written "0"
}

TEST(AddressText, OrderIsIpv4FirstThenNumeric) {
  const IpAddress v4_high = IpAddress::v4(0xFFFFFFFF);
  const IpAddress v6_low = IpAddress::v6(0);
  const IpAddress v6_a = IpAddress::v6(*try_parse_ipv6("2001:2::1"));
  const IpAddress v6_b = IpAddress::v6(*try_parse_ipv6("2001:2:0:1::364"));
  EXPECT_LT(IpAddress::v4(1), v4_high);
  EXPECT_LT(v4_high, v6_low);  // every IPv4 address before every IPv6 address, also ::
  EXPECT_LT(v6_a, v6_b);       // numeric, not textual ("2001:2:0:1::364" < "2001:2::1" as text)
  EXPECT_NE(IpAddress::v4(1), IpAddress::v6(1));  // ::1 is not 0.0.0.1
}

}  // namespace
}  // namespace synscan
