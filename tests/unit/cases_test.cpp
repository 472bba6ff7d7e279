// The cases of ../shared/cases.md about targets, ports, excludes, counts and shards: one test per case, named
// by its id, each asserting the case's right answer through the command line where the case is about the
// command line. Cases answered completely below the CLI live with their topic and are not repeated here:
//   C01 TargetParse.C01BareAddressIsSlash32        (targets_test.cpp)
//   C07 PortParse.C07PortBoundaries                (targets_test.cpp)
//   C08 TargetParse.C08OverlapsProbedOnce          (targets_test.cpp)
//   C10 TargetSet.C10ExcludeSubtracts              (targets_test.cpp; --exclude through the CLI:
//   targets_input_test) C02 Shard.C02MoreThreadsThanProbesGiveEmptySlices and the slice-level C15
//   (shard_test.cpp)
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "cli/targets_input.hpp"
#include "cli_test_util.hpp"
#include "engine/target_parse.hpp"

namespace synscan {
namespace {

using test::config_of;
using test::dry_run_text;
using test::lines_of;

// C05: -p80, -p 80, --ports 80, --ports=80 give the same port set {80}; a bare -p at the end is a clear
// "missing value" error (main maps UsageError to exit 2; tests/e2e/test_bad_input.sh checks the exit code).
TEST(Cases, C05PortOptionSpellingsAndMissingValue) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"192.0.2.1", "--no-default-excludes", "-p80"},
                                             {"192.0.2.1", "--no-default-excludes", "-p", "80"},
                                             {"192.0.2.1", "--no-default-excludes", "--ports", "80"},
                                             {"192.0.2.1", "--no-default-excludes", "--ports=80"}}) {
    const ScanConfig c = config_of(args);
    ASSERT_EQ(c.space.blocks().front().ports().size(), 1u) << args[1];
    EXPECT_EQ(c.space.blocks().front().ports().at(0), 80) << args[1];
    EXPECT_EQ(c.space.size(), 1u) << args[1];
  }
  try {
    test::parse_args({"192.0.2.1", "-p"});
    FAIL() << "a bare -p was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("missing value"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("p"), std::string::npos) << e.what();
  }
  // An option's missing value is not read as a target, nor a target before the options ignored.
  EXPECT_THROW(test::parse_args({"-p", "192.0.2.1"}), UsageError);
  EXPECT_EQ(config_of({"192.0.2.1", "--no-default-excludes", "192.0.2.2", "-p", "80"}).space.size(), 2u);
}

// C06: target files: no final newline; a CIDR without newline; '#' comments, blank lines, CRLF, several a
// line.
TEST(Cases, C06TargetFiles) {
  const std::string two = test::write_temp_file("c06_two", "192.0.2.1\n192.0.2.2");
  const ScanConfig a = config_of({"-iL", two, "-p", "80", "--no-default-excludes"});
  ASSERT_EQ(a.space.targets().size(), 2u);
  EXPECT_EQ(format_address(a.space.targets().at(1)),
            "192.0.2.2");  // the last line, without its newline, counts

  const std::string cidr = test::write_temp_file("c06_cidr", "192.0.2.0/30");
  EXPECT_EQ(config_of({"--include-file", cidr, "-p", "80", "--no-default-excludes"}).space.targets().size(),
            4u);

  const std::string mixed =
      test::write_temp_file("c06_mixed",
                            "# audit list\r\n\r\n192.0.2.10 192.0.2.11,192.0.2.12\r\n   # indented comment\n"
                            "198.51.100.0/31 # trailing comment 192.0.2.99\r\n\n\t192.0.2.20-192.0.2.21\r\n");
  const ScanConfig m = config_of({"-iL", mixed, "-p", "80", "--no-default-excludes"});
  std::vector<std::string> got;
  for (std::uint64_t i = 0; i < m.space.targets().size(); ++i)
    got.push_back(format_address(m.space.targets().at(i)));
  EXPECT_EQ(got, (std::vector<std::string>{"192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.20",
                                           "192.0.2.21", "198.51.100.0", "198.51.100.1"}));
  // A bad token in a file is named with its line.
  const std::string bad = test::write_temp_file("c06_bad", "192.0.2.1\r\n192.0.2.300\r\n");
  try {
    config_of({"-iL", bad, "-p", "80"});
    FAIL() << "a bad address in a file was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("'192.0.2.300'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  }
}

// C13: 0.0.0.0/0 minus the default exclusions x ports 80-84: the exact count (well over 2^32) without walking
// the space, and a dry run started on it makes progress at once (it streams; here it is stopped after one
// buffer).
TEST(Cases, C13HugeSpaceCountsExactlyAndStreams) {
  // Minus 0/8, 127/8, 224/3, 169.254/16, 192.0.0.0/24 but two, the three documentation /24s.
  constexpr std::uint64_t kAddresses =
      (1ull << 32) - 2 * (1ull << 24) - 2 * (1ull << 28) - 65536 - 254 - 3 * 256;
  const ScanConfig counted = config_of({"0.0.0.0/0", "-p", "80-84", "--dry-run", "--count"});
  EXPECT_EQ(counted.space.size(), kAddresses * 5);
  EXPECT_GT(counted.space.size(), 1ull << 32);
  EXPECT_EQ(dry_run_text(counted), std::to_string(kAddresses * 5) + "\n");

  const ScanConfig walked = config_of({"0.0.0.0/0", "-p", "80-84", "--dry-run", "--seed", "13"});
  const std::vector<std::string> lines = lines_of(dry_run_text(walked, /*stop_first=*/true));
  ASSERT_GT(lines.size(), 1000u);
  ASSERT_LT(lines.size(), 10000u);
  std::set<std::string> distinct(lines.begin(), lines.end());
  EXPECT_EQ(distinct.size(), lines.size());
  for (const std::string& line : lines) {
    const std::size_t space = line.find(' ');
    ASSERT_NE(space, std::string::npos) << line;
    EXPECT_FALSE(in_default_exclusions(parse_address(line.substr(0, space)))) << line;
    const int port = std::stoi(line.substr(space + 1));
    EXPECT_TRUE(port >= 80 && port <= 84) << line;
  }
  // The whole space, no default exclusions, all ports: 2^48.
  EXPECT_EQ(config_of({"0.0.0.0/0", "-p", "0-65535", "--no-default-excludes", "--count"}).space.size(),
            1ull << 48);
}

// C15: 198.51.100.0/24, one port, --shard 1/3, 2/3, 3/3 with the same --seed, through the command line: three
// disjoint dry-run outputs whose union is all 256 probes, each once, and whose counts add up.
TEST(Cases, C15ThreeShardsThroughTheCli) {
  std::multiset<std::string> all;
  std::uint64_t counted = 0;
  for (int shard = 1; shard <= 3; ++shard) {
    const std::vector<std::string> base{
        "198.51.100.0/24", "--no-default-excludes",     "-p", "443", "--seed", "1515", "--dry-run",
        "--shard",         std::to_string(shard) + "/3"};
    const std::vector<std::string> lines = lines_of(dry_run_text(config_of(base)));
    EXPECT_GE(lines.size(), 85u);
    EXPECT_LE(lines.size(), 86u);
    all.insert(lines.begin(), lines.end());
    std::vector<std::string> with_count = base;
    with_count.push_back("--count");
    counted += std::stoull(dry_run_text(config_of(with_count)));
  }
  EXPECT_EQ(all.size(), 256u);
  EXPECT_EQ(counted, 256u);
  const std::vector<std::string> whole = lines_of(dry_run_text(
      config_of({"198.51.100.0/24", "--no-default-excludes", "-p", "443", "--seed", "1515", "--dry-run"})));
  EXPECT_EQ(std::multiset<std::string>(whole.begin(), whole.end()), all);  // every probe exactly once
  // Shards need an explicit seed: machines with different random seeds would overlap.
  EXPECT_THROW(
      config_of({"198.51.100.0/24", "--no-default-excludes", "-p", "443", "--dry-run", "--shard", "1/3"}),
      UsageError);
}

// N04: an exclusion file with an IPv6 line among IPv4 lines is read as IPv6 (not an error, not dropped): each
// line excludes its own address, of its own family.
TEST(Cases, N04ExclusionFileWithAnIpv6LineAmongIpv4Lines) {
  const std::string file = test::write_temp_file("n04", "192.0.2.1\n2001:db8::2\r\n192.0.2.3 # v4 again\n");
  const ScanConfig c = config_of({"192.0.2.0/30,2001:db8::/126", "-p", "80", "--exclude-file", file,
                                  "--dry-run", "--no-default-excludes", "--seed", "4"});
  std::vector<std::string> got = lines_of(dry_run_text(c));
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"192.0.2.0 80", "192.0.2.2 80", "2001:db8:: 80", "2001:db8::1 80",
                                           "2001:db8::3 80"}));
}

// A mixed IPv4 + IPv6 space is one probe space: the dry run visits every (address, port) exactly once, writes
// IPv6 in RFC 5952 text (lower case, the longest zero run as "::", "::ffff:a.b.c.d" never, since those are
// IPv4), and --count gives the same number without walking.
TEST(Cases, MixedDryRunVisitsEveryProbeOnceInRfc5952Text) {
  const std::vector<std::string> args{"198.51.100.0/30",
                                      "2001:DB8:0:0:1:0:0:0/126",
                                      "2001:db8:0:1::ffff",
                                      "::ffff:198.51.100.9",
                                      "-p",
                                      "22,80,443",
                                      "--no-default-excludes",
                                      "--seed",
                                      "6"};
  std::vector<std::string> dry = args, count = args;
  dry.push_back("--dry-run");
  count.push_back("--count");
  std::multiset<std::string> want;
  for (const char* ip : {"198.51.100.0", "198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.9",
                         "2001:db8:0:0:1::" /* the longer zero run wins */, "2001:db8::1:0:0:1",
                         "2001:db8::1:0:0:2", "2001:db8::1:0:0:3", "2001:db8:0:1::ffff"}) {
    for (const char* port : {"22", "80", "443"}) want.insert(std::string(ip) + " " + port);
  }
  const std::vector<std::string> lines = lines_of(dry_run_text(config_of(dry)));
  EXPECT_EQ(std::multiset<std::string>(lines.begin(), lines.end()), want);
  EXPECT_EQ(dry_run_text(config_of(count)), "30\n");
  // The permutation mixes the families: the IPv6 probes are not all at the end.
  std::size_t first_v6 = lines.size(), last_v4 = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find(':') != std::string::npos)
      first_v6 = std::min(first_v6, i);
    else
      last_v4 = i;
  }
  EXPECT_LT(first_v6, last_v4);
}

// Shards of a mixed space (C15 with both families): disjoint, and together every probe once; their counts add
// up.
TEST(Cases, MixedSpaceShardsAreDisjointAndCoverIt) {
  const std::vector<std::string> base{
      "198.51.100.0/27", "2001:db8::/123", "-p", "80,443", "--seed", "1515", "--no-default-excludes"};
  std::multiset<std::string> all;
  std::uint64_t counted = 0;
  for (int shard = 1; shard <= 3; ++shard) {
    std::vector<std::string> args = base;
    args.insert(args.end(), {"--shard", std::to_string(shard) + "/3", "--dry-run"});
    const std::vector<std::string> lines = lines_of(dry_run_text(config_of(args)));
    EXPECT_GE(lines.size(), 42u);
    EXPECT_LE(lines.size(), 43u);
    all.insert(lines.begin(), lines.end());
    args.push_back("--count");
    counted += std::stoull(dry_run_text(config_of(args)));
  }
  std::vector<std::string> whole_args = base;
  whole_args.push_back("--dry-run");
  const std::vector<std::string> whole = lines_of(dry_run_text(config_of(whole_args)));
  EXPECT_EQ(whole.size(), 128u);
  EXPECT_EQ(std::set<std::string>(whole.begin(), whole.end()).size(), 128u);
  EXPECT_EQ(std::multiset<std::string>(whole.begin(), whole.end()), all);  // every probe exactly once
  EXPECT_EQ(counted, 128u);
}

}  // namespace
}  // namespace synscan
