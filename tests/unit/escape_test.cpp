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

}  // namespace
}  // namespace synscan
