// Command-line mistakes users make (../shared/cases.md, "also seen"): each is one clear UsageError, exit 2.
#include "cli/options.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "capture/route.hpp"
#include "cli/defaults.hpp"
#include "engine/probe_window.hpp"
#include "tests/unit/cli_test_helpers.hpp"

namespace synscan {
namespace {

std::string usage_error(std::vector<const char*> args) {
  args.insert(args.begin(), "synscan");
  std::ostringstream out;
  try {
    parse_command_line(static_cast<int>(args.size()), args.data(), out);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Options, AnOptionWhereAValueShouldBeIsAMissingValue) {
  EXPECT_EQ(usage_error({"192.0.2.1", "-p", "--dry-run"}),
            "missing value for -p (found the option '--dry-run' where its value should be)");
  EXPECT_EQ(usage_error({"192.0.2.1", "-p", "80", "--wait", "--dry-run"}),
            "missing value for --wait (found the option '--dry-run' where its value should be)");
  EXPECT_EQ(usage_error({"192.0.2.1", "-p"}), "missing value for --ports");
}

TEST(Options, ANegativeNumberIsABadValueNotAMissingOne) {
  EXPECT_EQ(usage_error({"192.0.2.1", "-p", "80", "--rate", "-1", "--dry-run"}),
            "bad value '-1' in --rate (expected a number >= 0.001, auto or auto:MAX)");
  EXPECT_NE(
      usage_error({"192.0.2.1", "-p", "80", "--wait", "-3", "--dry-run"}).find("bad value '-3' in --wait"),
      std::string::npos);
  EXPECT_NE(usage_error({"192.0.2.1", "-p", "80", "--retries", "-1", "--dry-run"}).find("'-1'"),
            std::string::npos);
}

TEST(Options, NmapOpenPortRangesReachThePortParser) {
  const auto ports_of = [](std::vector<const char*> args) {
    args.insert(args.begin(), {"synscan", "192.0.2.1", "--no-default-excludes", "--dry-run"});
    std::ostringstream out;
    const CommandLine cl = parse_command_line(static_cast<int>(args.size()), args.data(), out);
    return cl.config.has_value() ? cl.config->space.size() : 0u;
  };
  EXPECT_EQ(ports_of({"-p", "-1024"}), 1024u);
  EXPECT_EQ(ports_of({"-p-"}), 65535u);
  EXPECT_EQ(ports_of({"-p", "-"}), 65535u);
  EXPECT_EQ(ports_of({"--ports", "65000-"}), 536u);
  EXPECT_EQ(ports_of({"-p", "1-10", "--exclude-ports", "-5"}), 5u);
  EXPECT_EQ(usage_error({"192.0.2.1", "-p", "80,,443", "--dry-run"}),
            "bad port '80,,443' in --ports (an empty entry between commas)");
  // The token named is the one typed, whatever its place (issue 22: ",80" was echoed as ",,80").
  EXPECT_EQ(usage_error({"192.0.2.1", "-p", ",80", "--dry-run"}),
            "bad port ',80' in --ports (an empty entry between commas)");
  EXPECT_EQ(usage_error({"192.0.2.1", "-p", "80,", "--dry-run"}),
            "bad port '80,' in --ports (an empty entry between commas)");
  EXPECT_EQ(usage_error({"192.0.2.1", "-p", "80", "-p", ",81", "--dry-run"}),
            "bad port ',81' in --ports (an empty entry between commas)");
  EXPECT_EQ(usage_error({"192.0.2.1", "-p", "U:", "--dry-run"}),
            "bad port 'U:' in --ports (no port after 'U:')");
  EXPECT_EQ(usage_error({"192.0.2.1", "-p", "80", "-p", "", "--dry-run"}),
            "bad port '' in --ports (the port list is empty)");
}

TEST(Options, AValueThatSwallowedTheOnlyTargetIsNamed) {
  EXPECT_EQ(usage_error({"--rate", "192.0.2.1", "-p", "80", "--dry-run"}),
            "bad value '192.0.2.1' in --rate (expected a number >= 0.001, auto or auto:MAX)");
  EXPECT_EQ(usage_error({"--dry-run", "-p", "192.0.2.1"}),
            "bad port '192.0.2.1' in --ports (ports are 0-65535, as N, N-M, -M or N-)");
  EXPECT_NE(usage_error({"-o", "192.0.2.1", "198.51.100.1", "-p", "80", "--dry-run"})
                .find("output file name '192.0.2.1' looks like a target"),
            std::string::npos);
}

TEST(Options, StdoutDashIsStillAnOutput) {
  EXPECT_EQ(usage_error({"192.0.2.1", "--no-default-excludes", "-p", "80", "-o", "-", "--dry-run"}),
            "(no error)");
}

TEST(Options, ATargetBeforeTheOptionsCounts) {
  std::vector<const char*> args{"synscan", "192.0.2.7", "--no-default-excludes", "-p", "80", "--dry-run"};
  std::ostringstream out;
  CommandLine cl = parse_command_line(static_cast<int>(args.size()), args.data(), out);
  ASSERT_TRUE(cl.config.has_value());
  EXPECT_EQ(cl.config->space.size(), 1u);
}

// README: N runs from 1 to the number of probes. Shard 5/5 of 4 probes printed 0 (it would scan nothing).
TEST(Options, MoreShardsThanProbesIsBadInput) {
  EXPECT_EQ(usage_error({"198.18.0.0/30", "-p", "80", "--seed", "1", "--shard", "5/5", "--count"}),
            "bad shard '5/5' in --shard (N runs from 1 to the number of probes, here 4)");
  EXPECT_EQ(usage_error({"198.18.0.0/30", "-p", "80", "--seed", "1", "--shard", "4/4", "--count"}),
            "(no error)");
}

// A late-reply bound below a reply's own delay would lose every result as "late"; a retry delay of hours
// would keep the scan sending for hours: both refused naming the value (found by a new user: --late-replies 0
// lost 20,296 of 20,480 results, --retry-delay 1e12 never ended).
TEST(Options, LateRepliesAndRetryDelayBounds) {
  const std::string late = usage_error({"198.18.0.0/24", "-p", "80", "--late-replies", "0.5"});
  EXPECT_NE(late.find("'0.5' in --late-replies"), std::string::npos) << late;
  EXPECT_NE(late.find(fmt::format(">= {}", defaults::kMinLateRepliesS)), std::string::npos) << late;
  const std::string delay = usage_error({"198.18.0.0/24", "-p", "80", "--retry-delay", "1e12"});
  EXPECT_NE(delay.find("'1e12' in --retry-delay"), std::string::npos) << delay;
  EXPECT_NE(delay.find(fmt::format("at most {} seconds", defaults::kMaxRetryDelayS)), std::string::npos)
      << delay;
  const test::Parsed ok =
      test::run({"198.18.0.0/24", "-p", "80", "--late-replies", "1", "--retry-delay", "3600"});
  ASSERT_TRUE(ok.config);
  EXPECT_EQ(ok.config->late_replies_s, 1.0);
}
}  // namespace
}  // namespace synscan

namespace synscan {
namespace {

// --max-runtime 0 is no limit (what lifts a stopped scan's limit on --resume); a negative one is still bad.
TEST(Options, MaxRuntimeZeroIsNoLimit) {
  const char* args[] = {"synscan", "198.19.0.1", "-p", "80", "--max-runtime", "0", "--dry-run"};
  std::ostringstream out;
  const CommandLine cl = parse_command_line(7, args, out);
  ASSERT_TRUE(cl.config);
  EXPECT_EQ(cl.config->max_runtime_s, 0.0);
  EXPECT_EQ(usage_error({"198.19.0.1", "-p", "80", "--max-runtime", "-1", "--dry-run"}),
            "bad value '-1' in --max-runtime (expected a number >= 0)");
}

// --max-memory bounds the window of probes in flight (rate x (retries x delay + late replies)), not the
// space: 10.0.0.0/8 x 0-65535 (2^40 probes) plans at the defaults; a rate whose window does not fit is
// refused.
TEST(Options, MaxMemoryBoundsTheWindowNotTheSpace) {
  const test::Parsed big = test::run({"10.0.0.0/8", "-p", "0-65535", "--rate", "100000"});
  ASSERT_TRUE(big.config);
  EXPECT_EQ(big.config->space.size(), std::uint64_t{1} << 40);
  EXPECT_EQ(ProbeWindows::bytes_for(big.config->plan, big.config->window), 1U << 20);  // 100,000 pps x 64 s
  const std::string e = usage_error({"10.0.0.0/8", "-p", "0-65535", "--rate", "100000000", "--retries", "2",
                                     "--retry-delay", "10", "--max-memory", "64"});
  EXPECT_NE(e.find("above --max-memory 64 MiB"), std::string::npos) << e;
  EXPECT_NE(e.find("100000000 pps x (2 retries x 10 s + 64 s of late replies)"), std::string::npos) << e;
  // A dry run holds no window: not refused.
  EXPECT_TRUE(
      test::run({"198.18.0.0/24", "-p", "80", "--rate", "100000000", "--max-memory", "1", "--dry-run"})
          .config);
}

}  // namespace
}  // namespace synscan

namespace synscan {
namespace {

ScanConfig config_of(std::vector<const char*> args) {
  args.insert(args.begin(), {"synscan", "192.0.2.1", "-p", "80", "--no-default-excludes", "--dry-run"});
  std::ostringstream out;
  CommandLine cl = parse_command_line(static_cast<int>(args.size()), args.data(), out);
  return std::move(*cl.config);
}

TEST(Options, RateAutoSearchesUpToItsCeilingAndRetriesOnceUnlessTold) {
  const ScanConfig fixed = config_of({"--rate", "5000"});
  EXPECT_FALSE(fixed.rate_auto);
  EXPECT_EQ(fixed.rate_pps, 5000);
  EXPECT_EQ(fixed.retries, defaults::kRetries);
  const ScanConfig automatic = config_of({"--rate", "auto"});
  EXPECT_TRUE(automatic.rate_auto);
  EXPECT_EQ(automatic.rate_pps, defaults::kAutoMaxPps);
  EXPECT_EQ(automatic.retries, defaults::kAutoRetries);
  const ScanConfig capped = config_of({"--rate", "AUTO:50000", "--retries", "0"});
  EXPECT_TRUE(capped.rate_auto);
  EXPECT_EQ(capped.rate_pps, 50000);
  EXPECT_EQ(capped.retries, 0u);  // an explicit --retries wins, 0 included
  EXPECT_EQ(config_of({"--retries", "3", "--rate", "auto"}).retries, 3u);
}

TEST(Options, BadRateAutoFormsNameTheirToken) {
  EXPECT_EQ(usage_error({"192.0.2.1", "-p", "80", "--rate", "auto:", "--dry-run"}),
            "bad value '' in --rate auto:MAX (expected a number >= 1)");
  EXPECT_EQ(usage_error({"192.0.2.1", "-p", "80", "--rate", "auto:fast", "--dry-run"}),
            "bad value 'fast' in --rate auto:MAX (expected a number >= 1)");
  EXPECT_EQ(usage_error({"192.0.2.1", "-p", "80", "--rate", "auto:0.5", "--dry-run"}),
            "bad value '0.5' in --rate auto:MAX (expected a number >= 1)");
  EXPECT_EQ(usage_error({"192.0.2.1", "-p", "80", "--rate", "automatic", "--dry-run"}),
            "bad value 'automatic' in --rate (expected a number >= 0.001, auto or auto:MAX)");
}

}  // namespace
}  // namespace synscan

namespace synscan {
namespace {

// The implied --retries is written out with the effective options (resume files, --echo-config): a resumed
// scan that asks for a fixed --rate keeps the stopped scan's passes.
TEST(Options, RateAutoWritesItsImpliedRetriesOut) {
  const ScanConfig c = config_of({"--rate", "auto"});
  const auto retries = std::find_if(c.effective.begin(), c.effective.end(),
                                    [](const ConfigEntry& e) { return e.name == "retries"; });
  ASSERT_NE(retries, c.effective.end());
  EXPECT_EQ(retries->value, std::to_string(defaults::kAutoRetries));
  const ScanConfig told = config_of({"--rate", "auto", "--retries", "0"});
  EXPECT_EQ(std::count_if(told.effective.begin(), told.effective.end(),
                          [](const ConfigEntry& e) { return e.name == "retries"; }),
            1);
}

// A scan of both families has two next hops: one --router-mac would send every IPv6 probe to the IPv4 router.
TEST(Options, RouterMacPerFamily) {
  const ScanConfig both = *test::run({"198.18.0.1", "2001:2::1", "-p", "80", "--dry-run", "--router-mac",
                                      "02:00:00:00:00:04", "--router-mac-ipv6", "02:00:00:00:00:06"})
                               .config;
  EXPECT_EQ(router_mac_for(both, false), parse_mac("02:00:00:00:00:04"));
  EXPECT_EQ(router_mac_for(both, true), parse_mac("02:00:00:00:00:06"));
  EXPECT_EQ(
      usage_error({"198.18.0.1", "2001:2::1", "-p", "80", "--dry-run", "--router-mac", "02:00:00:00:00:04"}),
      "--router-mac with targets of both families: give the IPv6 next hop too with --router-mac-ipv6 MAC "
      "(the same MAC when one router serves both), or scan the families separately");
  // One family: --router-mac is its next hop, as before.
  const ScanConfig v6 =
      *test::run({"2001:2::1", "-p", "80", "--dry-run", "--router-mac", "02:00:00:00:00:04"}).config;
  EXPECT_EQ(router_mac_for(v6, true), parse_mac("02:00:00:00:00:04"));
  // --router-mac-ipv6 alone: IPv4's next hop from the neighbour table.
  const ScanConfig only6 = *test::run({"198.18.0.1", "2001:2::1", "-p", "80", "--dry-run",
                                       "--router-mac-ipv6", "02:00:00:00:00:06"})
                                .config;
  EXPECT_EQ(router_mac_for(only6, false), std::nullopt);
  EXPECT_EQ(router_mac_for(only6, true), parse_mac("02:00:00:00:00:06"));
  EXPECT_EQ(usage_error({"198.18.0.1", "-p", "80", "--dry-run", "--router-mac-ipv6", "02:00:00:00:00:06"}),
            "--router-mac-ipv6 needs an IPv6 target (this scan has none)");
  EXPECT_EQ(usage_error({"2001:2::1", "-p", "80", "--dry-run", "--router-mac-ipv6", "02:00:00:00:00"}),
            "bad MAC '02:00:00:00:00' in --router-mac-ipv6 (expected aa:bb:cc:dd:ee:ff)");
}

// A bare `synscan` is someone who does not know how to start: the usage line, not the first check's
// complaint.
TEST(Options, NoArgumentsAtAllIsTheUsageLine) {
  EXPECT_EQ(
      usage_error({}),
      "usage: synscan [options] TARGET... (e.g. synscan 198.19.0.0/24 -p 80,443; synscan --help lists every "
      "option)");
  EXPECT_NE(usage_error({"198.18.0.1"}).find("no ports given"), std::string::npos);
}

TEST(Options, WaitHasASaneMaximum) {
  EXPECT_EQ(usage_error({"198.18.0.1", "-p", "80", "--dry-run", "--wait", "1e9"}),
            "bad value '1e9' in --wait (expected at most 3600 seconds)");
  EXPECT_EQ(test::run({"198.18.0.1", "-p", "80", "--dry-run", "--wait", "3600"}).config->wait_s, 3600);
}

}  // namespace
}  // namespace synscan
