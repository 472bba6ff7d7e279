#include <gtest/gtest.h>

#include "engine/port_set.hpp"
#include "engine/probe_space.hpp"
#include "engine/target_parse.hpp"

namespace synscan {
namespace {

TargetSet targets_of(std::string_view list, std::string_view exclude = "") {
  AddressRanges inc;
  AddressRanges exc;
  parse_target_list(list, inc);
  parse_target_list(exclude, exc);
  return TargetSet(inc, exc);
}

std::string bad_token(auto&& fn) {
  try {
    fn();
  } catch (const ParseError& e) {
    return e.token();
  }
  return "<no error>";
}

TEST(TargetParse, C01BareAddressIsSlash32) {  // cases.md C01
  TargetSet t = targets_of("192.0.2.46");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(format_address(t.at(0)), "192.0.2.46");
}

TEST(TargetParse, CidrBoundaries) {
  EXPECT_EQ(targets_of("0.0.0.0/0").size(), 1ull << 32);
  EXPECT_EQ(targets_of("198.18.0.0/15").size(), 131072u);
  EXPECT_EQ(targets_of("198.18.0.7/32").size(), 1u);
  EXPECT_EQ(targets_of("255.255.255.255/32").at(0), IpAddress::v4(0xFFFFFFFFu));
  EXPECT_EQ(targets_of("255.255.255.0/24").intervals().back().last, 0xFFFFFFFFu);
}

TEST(TargetParse, HostBitsAreMaskedAndReported) {
  bool masked = false;
  AddressRange iv = parse_target_token("192.0.2.1/24", &masked);
  EXPECT_TRUE(masked);
  EXPECT_EQ(format_address(iv.first), "192.0.2.0");
  EXPECT_EQ(format_address(iv.last), "192.0.2.255");
  parse_target_token("192.0.2.0/24", &masked);
  EXPECT_FALSE(masked);
}

TEST(TargetParse, Ranges) {
  TargetSet t = targets_of("192.0.2.10-192.0.2.20");
  EXPECT_EQ(t.size(), 11u);
  EXPECT_EQ(format_address(t.at(10)), "192.0.2.20");
  EXPECT_EQ(bad_token([] { parse_target_token("192.0.2.20-192.0.2.10"); }), "192.0.2.20-192.0.2.10");
}

TEST(TargetParse, BadTokensAreNamed) {
  for (const char* bad : {"300.1.2.3", "198.18.0.0/33", "1.2.3", "1.2.3.4.5", "a.b.c.d", "1.2.3.4/", "/24",
                          "1..2.3", "01234.1.1.1", "1.2.3.4/-1", "", "-"}) {
    EXPECT_EQ(bad_token([&] { parse_target_token(bad); }), bad) << bad;
  }
}

// "/024" is 24 to some tools and octal 20 to others: refused, not echoed as given (issue 22).
TEST(TargetParse, PrefixLengthWithLeadingZerosIsRefused) {
  for (const char* bad : {"198.19.0.1/024", "198.19.0.0/00", "2001:2::/064"}) {
    EXPECT_EQ(bad_token([&] { parse_target_token(bad); }), bad) << bad;
  }
  EXPECT_EQ(parse_target_token("198.19.0.0/0").last, parse_address("255.255.255.255"));
  EXPECT_EQ(parse_target_token("2001:2::/120").last, parse_address("2001:2::ff"));
  // The reason is the zeros, also where the digits are four ("/0120" is not out of range, it is padded).
  for (const char* padded : {"198.19.0.1/024", "2001:2::/0120", "198.19.0.1/0032"}) {
    try {
      parse_target_token(padded);
      ADD_FAILURE() << padded << " accepted";
    } catch (const ParseError& e) {
      EXPECT_NE(std::string(e.what()).find("without leading zeros"), std::string::npos) << e.what();
    }
  }
}

TEST(TargetParse, C08OverlapsProbedOnce) {  // cases.md C08
  TargetSet t = targets_of("198.51.100.0/22,198.51.100.0/24,198.51.100.7,198.51.100.7");
  EXPECT_EQ(t.size(), 1024u);
  EXPECT_EQ(t.intervals().size(), 1u);
  TargetSet u = targets_of("192.0.2.1 192.0.2.2, 192.0.2.3\t192.0.2.9");
  EXPECT_EQ(u.size(), 4u);
  EXPECT_EQ(u.intervals().size(), 2u);
}

TEST(TargetSet, C10ExcludeSubtracts) {  // cases.md C10
  TargetSet t = targets_of("192.0.2.0/24", "192.0.2.25");
  EXPECT_EQ(t.size(), 255u);
  EXPECT_FALSE(t.contains(parse_address("192.0.2.25")));
  for (std::uint64_t i = 0; i < t.size(); ++i) EXPECT_NE(format_address(t.at(i)), "192.0.2.25");
  EXPECT_EQ(targets_of("192.0.2.0/24", "192.0.2.0/23").size(), 0u);
  EXPECT_EQ(targets_of("0.0.0.0/0", "0.0.0.0/8,255.255.255.255").size(), (1ull << 32) - (1u << 24) - 1);
}

TEST(TargetSet, AtAndIndexOfAreInverse) {
  TargetSet t = targets_of("10.0.0.0/30,192.0.2.7,198.18.0.0-198.18.0.9,255.255.255.254/31");
  ASSERT_EQ(t.size(), 4u + 1 + 10 + 2);
  for (std::uint64_t i = 0; i < t.size(); ++i) {
    auto back = t.index_of(t.at(i));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, i);
    if (i > 0) {
      EXPECT_LT(t.at(i - 1), t.at(i));
    }
  }
  EXPECT_FALSE(t.index_of(parse_address("10.0.0.4")).has_value());
  EXPECT_FALSE(t.index_of(0).has_value());
}

TEST(PortParse, C07PortBoundaries) {  // cases.md C07
  EXPECT_EQ(PortSet(parse_port_list("1-5")).size(), 5u);
  EXPECT_EQ(PortSet(parse_port_list("1-65535")).size(), 65535u);
  PortSet all(parse_port_list("0-65535"));
  EXPECT_EQ(all.size(), 65536u);
  EXPECT_TRUE(all.contains(0));
  EXPECT_TRUE(all.contains(65535));
  EXPECT_EQ(PortSet(parse_port_list("80,80,79-81")).size(), 3u);
}

TEST(PortParse, BadTokensAreNamed) {
  EXPECT_EQ(bad_token([] { parse_port_list("70000"); }), "70000");
  EXPECT_EQ(bad_token([] { parse_port_list("80,65536"); }), "65536");
  EXPECT_EQ(bad_token([] { parse_port_list("80-x"); }), "80-x");
  EXPECT_EQ(bad_token([] { parse_port_list("--80"); }), "--80");
  EXPECT_EQ(bad_token([] { parse_port_list("1-2-3"); }), "1-2-3");
  EXPECT_EQ(bad_token([] { parse_port_list("90-80"); }), "90-80");
  EXPECT_EQ(bad_token([] { parse_port_list("http"); }), "http");
  EXPECT_EQ(bad_token([] { parse_port_list(""); }), "");
  try {
    parse_port_list("70000");
  } catch (const ParseError& e) {
    EXPECT_STREQ(e.what(), "bad port '70000' (ports are 0-65535, as N, N-M, -M or N-)");
  }
}

TEST(PortParse, AnEmptyEntryIsAnErrorNamingTheList) {
  for (const char* list : {"80,,443", "80,", ",80", "80, ,443"}) {
    try {
      parse_port_list(list);
      ADD_FAILURE() << list << " was accepted";
    } catch (const ParseError& e) {
      EXPECT_EQ(e.token(), list);
      EXPECT_EQ(e.hint(), "an empty entry between commas");
    }
  }
  EXPECT_EQ(parse_port_list(" 80 , 443 "), (std::vector<std::uint16_t>{80, 443}));
}

TEST(PortParse, OpenRangesAreNmaps) {  // nmap(1): a missing start is 1, a missing end 65535
  const std::vector<std::uint16_t> low = parse_port_list("-3");
  EXPECT_EQ(low, (std::vector<std::uint16_t>{1, 2, 3}));
  const std::vector<std::uint16_t> high = parse_port_list("65533-");
  EXPECT_EQ(high, (std::vector<std::uint16_t>{65533, 65534, 65535}));
  PortSet all(parse_port_list("-"));
  EXPECT_EQ(all.size(), 65535u);
  EXPECT_FALSE(all.contains(0));  // port 0 only when named, as in nmap
  EXPECT_TRUE(all.contains(1));
  EXPECT_TRUE(all.contains(65535));
  EXPECT_EQ(PortSet(parse_port_list("0,-")).size(), 65536u);
  EXPECT_EQ(bad_token([] { parse_port_list("-0"); }), "-0");  // 1-0: start above end
}

TEST(ProbeSpace, CountsAreExactWithoutWalking) {  // C13 through the CLI: cases_test.cpp
  ProbeSpace all(targets_of("0.0.0.0/0"), PortSet(parse_port_list("0-65535")));
  EXPECT_EQ(all.size(), 1ull << 48);
  ProbeSpace c13(targets_of("0.0.0.0/0", "0.0.0.0/8,127.0.0.0/8,224.0.0.0/4,240.0.0.0/4,255.255.255.255"),
                 PortSet(parse_port_list("80-84")));
  EXPECT_EQ(c13.size(), ((1ull << 32) - 2 * (1ull << 24) - 2 * (1ull << 28)) * 5);
}

TEST(ProbeSpace, AtAndIndexOfAreInverse) {
  ProbeSpace s(targets_of("192.0.2.0/30,198.51.100.9"), PortSet(parse_port_list("22,80,443")));
  ASSERT_EQ(s.size(), 15u);
  for (ProbeIndex i = 0; i < s.size(); ++i) {
    Probe p = s.at(i);
    auto back = s.index_of(p.ip, p.proto, p.port);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, i);
  }
  EXPECT_FALSE(s.index_of(parse_address("192.0.2.0"), 0, 23).has_value());
  EXPECT_FALSE(s.index_of(parse_address("192.0.2.4"), 0, 22).has_value());
}

}  // namespace
}  // namespace synscan
