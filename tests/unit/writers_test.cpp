#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <sstream>

#include "engine/output/writer.hpp"

namespace synscan {
namespace {

// Renders results through a writer into a string via a memory stream.
std::string render(std::string_view format, const std::vector<Result>& results) {
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  {
    auto w = make_writer(format, f);
    w->begin({"0.1.0", "synscan test", 0, {}});
    for (const Result& r : results) w->write(r);
    w->end({});
  }
  std::fclose(f);
  std::string out(buf, len);
  std::free(buf);
  return out;
}

std::vector<Result> sample() {
  return {{0xC6130001, 80, PortState::open, Reason::syn_ack, 64, 64240, 0, 1767225600123},
          {0xC6130002, 443, PortState::closed, Reason::rst, 63, 0, 0, 1767225600200},
          {0xC6130003, 25, PortState::filtered, Reason::no_response, 0, 0, 0, 1767225601000}};
}

TEST(Writers, ListLayout) {
  EXPECT_EQ(render("list", sample()),
            "open tcp 80 198.19.0.1\nclosed tcp 443 198.19.0.2\nfiltered tcp 25 198.19.0.3\n");
}

TEST(Writers, NdjsonLinesParseWithEveryKey) {
  std::istringstream lines(render("ndjson", sample()));
  std::string line;
  std::vector<nlohmann::json> records;
  while (std::getline(lines, line)) records.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0]["ip"], "198.19.0.1");
  EXPECT_EQ(records[0]["port"], 80);
  EXPECT_EQ(records[0]["proto"], "tcp");
  EXPECT_EQ(records[0]["state"], "open");
  EXPECT_EQ(records[0]["reason"], "syn-ack");
  EXPECT_EQ(records[0]["ttl"], 64);
  EXPECT_EQ(records[0]["window"], 64240);
  EXPECT_EQ(records[0]["ts"], "2026-01-01T00:00:00.123Z");
  EXPECT_EQ(records[2]["reason"], "no-response");
}

TEST(Writers, UnknownFormatIsRefused) { EXPECT_THROW(make_writer("yaml", stdout), std::invalid_argument); }

TEST(Writers, TimestampIsUtcWithMilliseconds) {
  EXPECT_EQ(format_timestamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_timestamp(1767225600123), "2026-01-01T00:00:00.123Z");
}

}  // namespace
}  // namespace synscan
