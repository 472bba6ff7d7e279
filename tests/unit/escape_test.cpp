#include "engine/output/escape.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace synscan {
namespace {

std::string json(std::string_view s) {
  std::string out;
  append_json_escaped(out, s);
  return out;
}
std::string xml(std::string_view s) {
  std::string out;
  append_xml_escaped(out, s);
  return out;
}
std::string csv(std::string_view s) {
  std::string out;
  append_csv_field(out, s);
  return out;
}

TEST(Escape, JsonRoundTripsEveryByteThroughAParser) {
  std::string all;
  for (int c = 1; c < 128; ++c) all += static_cast<char>(c);
  all += "h\xC3\xA9llo";  // UTF-8 passes through
  std::string quoted = "\"";
  quoted += json(all);
  quoted += '"';
  EXPECT_EQ(nlohmann::json::parse(quoted).get<std::string>(), all);
  EXPECT_EQ(json("a\"b\\c\n\x01"), "a\\\"b\\\\c\\n\\u0001");
}

TEST(Escape, XmlEntitiesAndControlCharacters) {
  EXPECT_EQ(xml("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
  EXPECT_EQ(xml("t\tn\nr\r"), "t&#9;n&#10;r&#13;");
  EXPECT_EQ(xml(std::string("x\x01y\x1f", 4)), "x?y?");
}

TEST(Escape, CsvQuotesOnlyWhenNeeded) {
  EXPECT_EQ(csv("http"), "http");
  EXPECT_EQ(csv(""), "");
  EXPECT_EQ(csv("a,b"), "\"a,b\"");
  EXPECT_EQ(csv("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv(" padded"), "\" padded\"");
}

// Messages show every byte: controls and broken UTF-8 as \xNN, blanks that look like nothing as \u{XXXX}.
TEST(Escape, VisibleTextShowsInvisibleBytes) {
  using namespace std::string_literals;
  EXPECT_EQ(visible_text("198.19.0.1"), "198.19.0.1");
  EXPECT_EQ(visible_text("a\0b\r\x7F"s), "a\\x00b\\x0D\\x7F");
  EXPECT_EQ(visible_text("\xEF\xBB\xBF"
                         "198.19.0.1"),
            "\\u{FEFF}198.19.0.1");
  EXPECT_EQ(visible_text("a\xC2\xA0"
                         "b\xE2\x80\x8B"
                         "c\xC2\x85"),
            "a\\u{00A0}b\\u{200B}c\\u{0085}");
  EXPECT_EQ(visible_text("caf\xC3\xA9 \xE2\x82\xAC"), "caf\xC3\xA9 \xE2\x82\xAC");  // printable UTF-8 as is
  EXPECT_EQ(visible_text("\xFF\xC3"), "\\xFF\\xC3");                                // not UTF-8
}

}  // namespace
}  // namespace synscan
