// Reading a reply's TCP options (engine/probes/tcp_options.hpp) and the strings made of them: p0f's layout
// words, JA4TS's numbers and fingerprint.
#include "engine/probes/tcp_options.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace synscan {
namespace {

TcpOptionFacts read(const std::vector<std::uint8_t>& o) { return read_tcp_options({o.data(), o.size()}); }

TEST(TcpOptions, LinuxSynAckLayoutAndValues) {
  // A Linux SYN-ACK to a SYN with timestamps: MSS 1460, SACK permitted, TS (val 0x01020304, ecr 0xA0B0C0D0),
  // NOP, WS 7.
  const TcpOptionFacts f =
      read({2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4, 0xA0, 0xB0, 0xC0, 0xD0, 1, 3, 3, 7});
  EXPECT_EQ(options_text(f.layout), "mss,sok,ts,nop,ws");
  EXPECT_EQ(options_numbers(f.layout), "2-4-8-1-3");
  EXPECT_EQ(f.mss, 1460);
  EXPECT_EQ(f.wscale, 7);
  ASSERT_TRUE(f.has_timestamps);
  EXPECT_EQ(f.tsval, 0x01020304u);
  EXPECT_EQ(f.tsecr, 0xA0B0C0D0u);
  EXPECT_EQ(ja4ts(65160, f.layout, f.mss, f.wscale), "65160_2-4-8-1-3_1460_7");
}

TEST(TcpOptions, NoOptionsAndMissingValues) {
  const TcpOptionFacts none = read({});
  EXPECT_EQ(none.layout, 0u);
  EXPECT_EQ(options_text(none.layout), "");
  EXPECT_EQ(ja4ts(1024, none.layout, 0, 0), "1024__00_00");
  const TcpOptionFacts mss = read({2, 4, 0x02, 0x18});
  EXPECT_EQ(ja4ts(29200, mss.layout, mss.mss, mss.wscale), "29200_2_536_00");
}

TEST(TcpOptions, EolEndsAndUnknownKindsAreMarked) {
  EXPECT_EQ(options_text(read({1, 1, 0, 2, 4, 5, 0xb4}).layout), "nop,nop,eol");
  EXPECT_EQ(options_text(read({30, 4, 0, 0, 1}).layout), "?,nop");
  EXPECT_EQ(options_numbers(read({30, 4, 0, 0, 1}).layout), "x-1");
}

TEST(TcpOptions, MalformedLengthsStopTheWalk) {
  EXPECT_EQ(options_text(read({2, 1, 5, 0xb4}).layout), "mss") << "a length below 2 ends the walk";
  EXPECT_EQ(read({2, 1, 5, 0xb4}).mss, 0);
  EXPECT_EQ(options_text(read({8, 10, 1, 2}).layout), "ts") << "past the area: not read";
  EXPECT_FALSE(read({8, 10, 1, 2}).has_timestamps);
  EXPECT_EQ(options_text(read({2}).layout), "mss");
  // At most 10 options are kept.
  EXPECT_EQ(options_text(read(std::vector<std::uint8_t>(40, 1)).layout),
            "nop,nop,nop,nop,nop,nop,nop,nop,nop,nop");
}

}  // namespace
}  // namespace synscan
