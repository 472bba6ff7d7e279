// MAC address parsing and formatting; runs as any user, without a network.
#include "capture/route.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace synscan {
namespace {

TEST(ParseMac, ReadsColonSeparatedPairs) {
  EXPECT_EQ(parse_mac("02:00:5e:10:00:01"), (Mac{0x02, 0x00, 0x5e, 0x10, 0x00, 0x01}));
}

TEST(ParseMac, ReadsDashSeparatedUpperCase) {
  EXPECT_EQ(parse_mac("AA-BB-CC-DD-EE-FF"), (Mac{0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}));
}

TEST(ParseMac, RoundTripsThroughFormat) {
  const Mac macs[] = {Mac{}, Mac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
                      Mac{0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f}};
  for (const Mac& mac : macs) EXPECT_EQ(parse_mac(format_mac(mac)), mac);
}

TEST(FormatMac, WritesLowerCaseWithColons) {
  EXPECT_EQ(format_mac(Mac{0xde, 0xad, 0xBE, 0xEF, 0x00, 0x0a}), "de:ad:be:ef:00:0a");
  EXPECT_EQ(format_mac(parse_mac("DE-AD-BE-EF-00-0A")), "de:ad:be:ef:00:0a");
}

TEST(ParseMac, RejectsMalformedTextAndNamesIt) {
  const char* bad[] = {
      "",                      // empty
      "aa:bb:cc:dd:ee",        // five pairs
      "aa:bb:cc:dd:ee:ff:00",  // seven pairs
      "aa:bb:cc:dd:ee:fg",     // not hex
      "aa:bb-cc:dd:ee:ff",     // mixed separators
      "aa.bb.cc.dd.ee.ff",     // wrong separator
      "a:bb:cc:dd:ee:fff",     // misplaced separator
      "aabbccddeeff",          // no separators
      " aa:bb:cc:dd:ee:f",     // leading space
      "aa:bb:cc:dd:ee:ff ",    // trailing space
  };
  for (const char* text : bad) {
    try {
      parse_mac(text);
      ADD_FAILURE() << "accepted '" << text << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("'") + text + "'"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace synscan
