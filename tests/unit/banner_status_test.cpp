// The status line and --status-json with --banners: banners done, pending, timed out, silent, refused.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/status.hpp"

namespace synscan {
namespace {

StatusSnapshot with_banners() {
  StatusSnapshot s;
  s.elapsed_s = 3;
  s.sent = s.total = 10;
  s.open = 6;
  s.banners = true;
  s.banners_done = 4;
  s.banners_pending = 2;
  s.banners_timeout = 1;
  s.banners_refused = 1;
  s.banners_silent = 3;
  return s;
}

TEST(BannerStatus, LineAndJsonCountBanners) {
  const StatusSnapshot s = with_banners();
  const std::string line = format_status_line(s);
  EXPECT_NE(line.find(" | banners 4 done, 2 pending, 1 timed out, 3 silent, 1 refused"), std::string::npos)
      << line;
  const auto json = nlohmann::json::parse(format_status_json(s));
  EXPECT_EQ(json["banners"]["done"], 4);
  EXPECT_EQ(json["banners"]["pending"], 2);
  EXPECT_EQ(json["banners"]["timeout"], 1);
  EXPECT_EQ(json["banners"]["silent"], 3);
  EXPECT_EQ(json["banners"]["refused"], 1);
  EXPECT_EQ(json["open"], 6);
  StatusSnapshot plain = s;
  plain.banners = false;  // without --banners: nothing about them
  EXPECT_EQ(format_status_line(plain).find("banners"), std::string::npos);
  EXPECT_FALSE(nlohmann::json::parse(format_status_json(plain)).contains("banners"));
}

}  // namespace
}  // namespace synscan
