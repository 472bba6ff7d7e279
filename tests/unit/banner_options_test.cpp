// --banners and its --banner-* options: parsed into ScanConfig, bad input named in one line, a --banner-*
// option without --banners refused, and the options carried through --echo-config (and so resume files).
#include <gtest/gtest.h>

#include "tests/unit/cli_test_helpers.hpp"

namespace synscan {
namespace {

TEST(BannerOptions, ParsedIntoScanConfig) {
  const test::Parsed r = test::run({"198.19.0.1", "-p", "80", "--banners", "--banner-probe", "443:TLS,none",
                                    "--banner-concurrency", "50", "--banner-rate", "200", "--banner-timeout",
                                    "2.5", "--banner-max-bytes", "512"});
  ASSERT_TRUE(r.config);
  const ScanConfig& c = *r.config;
  EXPECT_TRUE(c.banners);
  EXPECT_EQ(c.banner_probes.for_port(443), BannerProbe::tls);  // names in any case
  EXPECT_EQ(c.banner_probes.for_port(22), BannerProbe::none);
  EXPECT_EQ(c.banner_concurrency, 50U);
  EXPECT_EQ(c.banner_rate, 200.0);
  EXPECT_EQ(c.banner_timeout_s, 2.5);
  EXPECT_EQ(c.banner_max_bytes, 512U);
  const test::Parsed plain = test::run({"198.19.0.1", "-p", "80", "--banners"});
  EXPECT_EQ(plain.config->banner_probes.for_port(443), BannerProbe::tls);  // auto
  EXPECT_EQ(plain.config->banner_probes.for_port(8080), BannerProbe::http);
  EXPECT_EQ(plain.config->banner_probes.for_port(22), BannerProbe::generic);
}

TEST(BannerOptions, BadInputIsOneLineNamingTheToken) {
  auto error = [](std::vector<std::string> extra) {
    std::vector<std::string> args{"198.19.0.1", "-p", "80"};
    args.insert(args.end(), extra.begin(), extra.end());
    return test::error_of([&] { test::run(args); });
  };
  EXPECT_EQ(error({"--banner-rate", "5"}), "--banner-rate needs --banners");
  EXPECT_EQ(error({"--banners", "--show", "closed"}),
            "--banners needs open results shown (--show with open)");
  EXPECT_EQ(error({"--banner-probe", "tls"}), "--banner-probe needs --banners");
  EXPECT_EQ(
      error({"--banners", "--banner-probe", "443:ssl"}),
      "bad hello in --banner-probe: '443:ssl': unknown hello (expected auto, none, http, tls or generic)");
  EXPECT_EQ(error({"--banners", "--banner-probe", "0:tls"}),
            "bad hello in --banner-probe: '0:tls': bad port (expected 1-65535)");
  EXPECT_EQ(error({"--banners", "--banner-timeout", "0"}),
            "bad value '0' in --banner-timeout (expected a number >= 0.001)");
  EXPECT_EQ(error({"--banners", "--banner-timeout", "4000"}),
            "bad value '4000' in --banner-timeout (at most 3600 seconds)");
  EXPECT_NE(error({"--banners", "--banner-concurrency", "0"}).find("--banner-concurrency"),
            std::string::npos);
  EXPECT_NE(error({"--banners", "--banner-max-bytes", "x"}).find("'x' in --banner-max-bytes"),
            std::string::npos);
}

TEST(BannerOptions, EchoConfigCarriesThem) {
  const test::Parsed r = test::run(
      {"198.19.0.1", "-p", "80", "--seed", "1", "--banners", "--banner-timeout", "2.5", "--echo-config"});
  EXPECT_NE(r.out.find("banners = true\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("banner-timeout = 2.5\n"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace synscan
