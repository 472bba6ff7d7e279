// --suppress-rst's ruleset (capture/rst_suppressor.hpp): the kernel's RSTs from the scan's own addresses and
// source ports, nothing else. The table itself is exercised in a lab by tests/e2e/test_reflector.sh.
#include "capture/rst_suppressor.hpp"

#include <gtest/gtest.h>

#include "engine/address.hpp"

namespace synscan {
namespace {

TEST(RstSuppressor, RulesetDropsRstsFromTheScansAddressesAndPortsOnly) {
  const std::string both = rst_suppress_ruleset("synscan_rst_42", parse_address("198.18.0.1"),
                                                parse_address("2001:2::1"), 61000, 61255);
  EXPECT_NE(both.find("table inet synscan_rst_42 {"), std::string::npos) << both;
  EXPECT_NE(both.find("type filter hook output priority filter; policy accept;"), std::string::npos) << both;
  EXPECT_NE(both.find("ip saddr 198.18.0.1 tcp sport 61000-61255 tcp flags & rst == rst drop"),
            std::string::npos)
      << both;
  EXPECT_NE(both.find("ip6 saddr 2001:2::1 tcp sport 61000-61255 tcp flags & rst == rst drop"),
            std::string::npos)
      << both;

  const std::string v4 = rst_suppress_ruleset("t", parse_address("198.18.0.1"), std::nullopt, 40000, 40000);
  EXPECT_NE(v4.find("tcp sport 40000 tcp"), std::string::npos) << v4;  // one port: no range
  EXPECT_EQ(v4.find("ip6"), std::string::npos) << v4;                  // no IPv6 source: no IPv6 rule
}

}  // namespace
}  // namespace synscan
