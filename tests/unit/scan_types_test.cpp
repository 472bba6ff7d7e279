// The probe types a scan asks for (issue 19), as nmap and masscan spell them: -sS / -sU / -sn, --ping, and
// -p items with nmap's T: / U: prefixes (a prefix holds for the items after it); what each gives in the probe
// space, and in --dry-run's lines. Nothing is sent: documentation addresses, --no-default-excludes.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "cli/usage_error.hpp"
#include "engine/probes/registry.hpp"
#include "tests/unit/cli_test_util.hpp"

namespace synscan {
namespace {

// Protocol word -> ports of its block, for `args` after "192.0.2.1 --no-default-excludes".
std::map<std::string, std::set<std::uint16_t>> blocks_of(std::vector<std::string> args) {
  args.insert(args.begin(), {"192.0.2.1", "--no-default-excludes"});
  const ScanConfig c = test::config_of(args);
  std::map<std::string, std::set<std::uint16_t>> out;
  for (const ProbeBlock& b : c.space.blocks()) {
    const auto& ports = b.ports().ports();
    out[std::string(vocabulary(b.proto()).protocol)] = std::set<std::uint16_t>(ports.begin(), ports.end());
  }
  return out;
}

using Blocks = std::map<std::string, std::set<std::uint16_t>>;

TEST(ScanTypes, ScanLettersAndPrefixesGiveTheBlocks) {
  EXPECT_EQ(blocks_of({"-p", "80"}), (Blocks{{"tcp", {80}}}));
  EXPECT_EQ(blocks_of({"-sU", "-p", "53"}), (Blocks{{"udp", {53}}}));
  EXPECT_EQ(blocks_of({"-p", "U:53,T:80"}), (Blocks{{"tcp", {80}}, {"udp", {53}}}));
  EXPECT_EQ(blocks_of({"-p", "22,U:53,161,T:80"}), (Blocks{{"tcp", {22, 80}}, {"udp", {53, 161}}}));
  EXPECT_EQ(blocks_of({"-p", "U:53"}), (Blocks{{"udp", {53}}}))
      << "prefixed items alone: only their protocol";
  EXPECT_EQ(blocks_of({"-sS", "-sU", "-p", "53"}), (Blocks{{"tcp", {53}}, {"udp", {53}}}));
  EXPECT_EQ(blocks_of({"--ping", "-p", "80"}), (Blocks{{"icmp", {0}}, {"tcp", {80}}}));
  EXPECT_EQ(blocks_of({"-sn"}), (Blocks{{"icmp", {0}}}));
  EXPECT_EQ(blocks_of({"--ping"}), (Blocks{{"icmp", {0}}}));
  EXPECT_EQ(blocks_of({"-sU", "-p", "53,54", "--exclude-ports", "U:53"}), (Blocks{{"udp", {54}}}));
}

// The blocks' ProtocolIds are the registry's (0 tcp_syn, 1 udp, 2 icmp_echo), in that order, and
// --exclude-ports works wherever it stands on the line.
TEST(ScanTypes, BlocksCarryTheRegistrysProtocolIds) {
  const auto protos_of = [](std::vector<std::string> args) {
    args.insert(args.begin(), {"192.0.2.1", "--no-default-excludes"});
    const ScanConfig c = test::config_of(args);
    std::vector<int> out;
    for (const ProbeBlock& b : c.space.blocks()) out.push_back(b.proto());
    return out;
  };
  EXPECT_EQ(protos_of({"-sU", "-p", "53"}), (std::vector<int>{1}));
  EXPECT_EQ(protos_of({"-p", "U:53,T:80"}), (std::vector<int>{0, 1}));
  EXPECT_EQ(protos_of({"--ping", "-p", "80"}), (std::vector<int>{0, 2}));
  EXPECT_EQ(protos_of({"-sn"}), (std::vector<int>{2}));
  EXPECT_EQ(blocks_of({"--exclude-ports", "U:53", "-sU", "-p", "53,54"}), (Blocks{{"udp", {54}}}));
  EXPECT_EQ(blocks_of({"--exclude-ports", "U:53", "-p", "T:53,U:53,54"}),
            (Blocks{{"tcp", {53}}, {"udp", {54}}}))
      << "a U: exclusion leaves the TCP port";
}

TEST(ScanTypes, BadInputIsNamed) {
  const auto error_of = [](std::vector<std::string> args) -> std::string {
    args.insert(args.begin(), {"192.0.2.1", "--no-default-excludes"});
    try {
      test::parse_args(args);
    } catch (const UsageError& e) {
      return e.what();
    }
    return "<no error>";
  };
  EXPECT_NE(error_of({"-sn", "-p", "80"}).find("-sn"), std::string::npos);
  EXPECT_NE(error_of({"-sX", "-p", "1"}).find("'-sX'"), std::string::npos);
  EXPECT_NE(error_of({"-p", "X:53"}).find("'X:53'"), std::string::npos);
  EXPECT_NE(error_of({"-sU", "-p", "T:80"}).find("no udp ports"), std::string::npos);
  EXPECT_NE(error_of({"-sU", "-p", "53", "--udp-payload", "53:zz"}).find("--udp-payload"), std::string::npos);
  EXPECT_NE(error_of({"-p", "T:53,U:53", "--exclude-ports", "53"}).find("no ports left"), std::string::npos);
}

TEST(ScanTypes, DryRunNamesEachProbe) {
  const ScanConfig c =
      test::config_of({"192.0.2.1", "--no-default-excludes", "-p", "80,U:53", "--ping", "--seed", "1"});
  const std::vector<std::string> lines = test::lines_of(test::dry_run_text(c));
  EXPECT_EQ(std::set<std::string>(lines.begin(), lines.end()),
            (std::set<std::string>{"192.0.2.1 80", "192.0.2.1 U:53", "192.0.2.1 icmp"}));
}

}  // namespace
}  // namespace synscan
