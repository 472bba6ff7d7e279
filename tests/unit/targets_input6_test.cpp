// IPv6 target input through cli/targets_input and the command line: -4/-6 and hostnames of both families, the
// IPv6 default exclusions, the probe-space limit (an IPv6 /64 is refused with one line), the --allow-large
// guard for IPv6, and hitlist files of both families read in blocks.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/targets_input.hpp"
#include "cli_test_util.hpp"
#include "engine/target_parse.hpp"
#include "fake_resolver.hpp"

namespace synscan {
namespace {

using test::config_of;
using test::FakeResolver;

ResolvedTargets resolve(TargetOptions o, const Resolver& r, const std::string& stdin_text = "") {
  std::istringstream in(stdin_text);
  return resolve_targets(o, r, in);
}

std::string error_of(auto&& fn) {
  try {
    fn();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "<no UsageError>";
}

std::vector<std::string> addresses_of(const TargetSet& t) {
  std::vector<std::string> out;
  for (std::uint64_t i = 0; i < t.size(); ++i) out.push_back(format_address(t.at(i)));
  return out;
}

TEST(TargetsInput6, HostnamesResolveToBothFamiliesOrTheOneOfMinus4Minus6) {
  int calls = 0;
  std::vector<Families> asked;
  FakeResolver fake{
      {{"dual.example", {"2001:db8::80", "192.0.2.80"}}, {"v6.example", {"2001:db8::6"}}}, &calls, &asked};
  TargetOptions o;
  o.targets = {"dual.example", "v6.example"};
  o.default_excludes = false;
  const ResolvedTargets both = resolve(o, fake);
  EXPECT_EQ(asked, (std::vector<Families>{Families::both, Families::both}));
  EXPECT_EQ(addresses_of(both.targets),
            (std::vector<std::string>{"192.0.2.80", "2001:db8::6", "2001:db8::80"}));
  // The writers get the name of every address, of either family.
  const auto name_of = hostname_lookup(both.hostnames);
  EXPECT_EQ(name_of(parse_address("2001:db8::80")), "dual.example");
  EXPECT_EQ(name_of(parse_address("192.0.2.80")), "dual.example");
  EXPECT_EQ(name_of(parse_address("2001:db8::6")), "v6.example");
  EXPECT_EQ(name_of(parse_address("2001:db8::7")), "");
  EXPECT_NE(std::find(both.notices.begin(), both.notices.end(),
                      "note: dual.example resolved to 2001:db8::80, 192.0.2.80"),
            both.notices.end());

  asked.clear();
  o.ipv6_only = true;
  EXPECT_EQ(addresses_of(resolve(o, fake).targets),
            (std::vector<std::string>{"2001:db8::6", "2001:db8::80"}));
  EXPECT_EQ(asked, (std::vector<Families>{Families::ipv6, Families::ipv6}));
  o.ipv6_only = false;
  o.ipv4_only = true;
  // v6.example has no A record: under -4 it is a bad target, named with where it came from.
  EXPECT_EQ(error_of([&] { resolve(o, fake); }),
            "cannot resolve target 'v6.example': no address of that family (in targets)");
  o.targets = {"dual.example"};
  EXPECT_EQ(addresses_of(resolve(o, fake).targets), (std::vector<std::string>{"192.0.2.80"}));
  o.ipv6_only = true;
  EXPECT_EQ(error_of([&] { resolve(o, fake); }),
            "-4 (IPv4 only) and -6 (IPv6 only) exclude each other; give neither to scan both families");
}

TEST(TargetsInput6, LiteralsOfTheOtherFamilyAreErrorsNamingTheToken) {
  EXPECT_EQ(error_of([] {
              config_of({"-4", "192.0.2.1,2001:db8::1", "-p", "80", "--dry-run"});
            }),
            "bad target '2001:db8::1' in targets (an IPv6 target, but -4 scans IPv4 only)");
  EXPECT_EQ(error_of([] {
              config_of({"--ipv6-only", "2001:db8::1", "192.0.2.0/24", "-p", "80", "--dry-run"});
            }),
            "bad target '192.0.2.0/24' in targets (an IPv4 target, but -6 scans IPv6 only)");
  // ::ffff:a.b.c.d is IPv4, whatever its spelling.
  EXPECT_NE(error_of([] {
              config_of({"-6", "::ffff:192.0.2.1", "-p", "80", "--dry-run"});
            }).find("an IPv4 target"),
            std::string::npos);
  const std::string file =
      test::write_temp_file("minus6", "2001:db8::1\n# v4 below\n2001:db8::2 198.51.100.7\n");
  EXPECT_EQ(error_of([&] {
              config_of({"-6", "-iL", file, "-p", "80", "--dry-run"});
            }),
            "bad target '198.51.100.7' in --include-file " + file +
                " line 3 (an IPv4 target, but -6 scans IPv6 only)");
  EXPECT_NE(error_of([] {
              config_of({"-46", "192.0.2.1", "-p", "80"});
            }).find("exclude each other"),
            std::string::npos);
  // Exclusions may name either family under -4/-6: a shared block list is not an error.
  const ScanConfig c = config_of({"-6", "2001:db8::/126", "-p", "80", "--exclude", "192.0.2.0/24,2001:db8::2",
                                  "--dry-run", "--no-default-excludes"});
  EXPECT_EQ(addresses_of(c.space.targets()),
            (std::vector<std::string>{"2001:db8::", "2001:db8::1", "2001:db8::3"}));
  EXPECT_EQ(config_of({"-4", "192.0.2.0/30", "-p", "80", "--exclude", "2001:db8::/32", "--dry-run",
                       "--no-default-excludes"})
                .space.size(),
            4u);
}

// getaddrinfo with numeric hosts (no DNS, no hosts file): the AF_INET6 decoding, mapped addresses and
// families.
TEST(TargetsInput6, SystemResolverTakesBothFamilies) {
  EXPECT_EQ(resolve_host("::1", Families::both), (std::vector<IpAddress>{IpAddress::v6(1)}));
  EXPECT_EQ(resolve_host("::1", Families::ipv6), (std::vector<IpAddress>{IpAddress::v6(1)}));
  EXPECT_EQ(resolve_host("2001:DB8::A", Families::both),
            (std::vector<IpAddress>{IpAddress::v6(make_ipv6(0x20010db800000000ULL, 0xA))}));
  EXPECT_EQ(resolve_host("::ffff:127.0.0.1", Families::both),
            (std::vector<IpAddress>{IpAddress::v4(0x7F000001u)}));
  EXPECT_EQ(resolve_host("127.0.0.1", Families::both), (std::vector<IpAddress>{IpAddress::v4(0x7F000001u)}));
  EXPECT_THROW(resolve_host("::1", Families::ipv4), UsageError);
  try {
    resolve_host("127.0.0.1", Families::ipv6);
    ADD_FAILURE() << "an IPv4 address resolved under -6";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("to an IPv6 address (-6)"), std::string::npos) << e.what();
  }
}

// A name of /etc/hosts with IPv6 lines only (Debian: "::1 ip6-localhost"): AAAA by default, and only it under
// -6; none under -4. Read from the file itself, the independent reference.
TEST(TargetsInput6, SystemResolverReadsIpv6HostsEntries) {
  std::ifstream hosts("/etc/hosts");
  std::set<std::string> v4_names, v6_names;
  for (std::string line; std::getline(hosts, line);) {
    std::istringstream words(line.substr(0, line.find('#')));
    std::string address, name;
    if (!(words >> address)) continue;
    const std::optional<IpAddress> a = try_parse_address(address);
    if (!a) continue;
    while (words >> name) (a->is_v6() ? v6_names : v4_names).insert(name);
  }
  std::string name;
  for (const std::string& n : v6_names) {
    if (!v4_names.count(n) && looks_like_hostname(n)) name = n;
  }
  if (name.empty()) GTEST_SKIP() << "/etc/hosts names no IPv6-only host";
  const std::vector<IpAddress> got = resolve_host(name, Families::both);
  ASSERT_FALSE(got.empty()) << name;
  for (const IpAddress& a : got) EXPECT_TRUE(a.is_v6()) << name;
  EXPECT_EQ(resolve_host(name, Families::ipv6), got);
  EXPECT_THROW(resolve_host(name, Families::ipv4), std::exception) << name;
}

// The IPv6 default exclusions at the edges of each block: the IANA IPv6 Special-Purpose Address Registry's
// blocks whose Destination or Forwardable is False, multicast and discard-only; and the registry's
// forwardable sub-blocks of 2001::/23 (benchmarking, Teredo, ...) and every other reachable block stay
// scannable.
TEST(TargetsInput6, DefaultExclusionsFollowTheSpecialPurposeRegistry) {
  for (const char* never : {"::",
                            "::1",
                            "100::",
                            "100::ffff:ffff:ffff:ffff",
                            "100:0:0:1::",
                            "100:0:0:1:ffff:ffff:ffff:ffff",
                            "2001:1::",
                            "2001:1::4",
                            "2001:1:ffff::",
                            "2001:4::",
                            "2001:4:111:ffff::",
                            "2001:4:113::",
                            "2001:5::",
                            "2001:10::",
                            "2001:1f:ffff::",
                            "2001:40::",
                            "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff",
                            "2001:db8::",
                            "2001:db8:ffff::1",
                            "3fff::",
                            "3fff:fff:ffff::",
                            "fe80::1",
                            "febf:ffff::",
                            "ff00::",
                            "ff02::1",
                            "ffff:ffff::"}) {
    EXPECT_TRUE(in_default_exclusions(parse_address(never))) << never;
  }
  for (const char* fine : {"::2",           "::fffe:ffff:ffff",
                           "::1:0:0:0",     "64:ff9b::1",
                           "64:ff9b:1::1",  "100:0:0:2::",
                           "2001::",        "2001::1",
                           "2001:0:ffff::", "2001:1::1",
                           "2001:1::2",     "2001:1::3",
                           "2001:2::",      "2001:2:0:ffff::1",
                           "2001:3::",      "2001:3:ffff::",
                           "2001:4:112::",  "2001:4:112:ffff::",
                           "2001:20::",     "2001:2f:ffff::",
                           "2001:30::",     "2001:3f:ffff:ffff:ffff:ffff:ffff:ffff",
                           "2001:200::",    "2001:db7:ffff::",
                           "2001:db9::",    "2002::1",
                           "2606:4700::1",  "3ffe::1",
                           "3fff:1000::",   "5f00::1",
                           "fc00::1",       "fdff::1",
                           "fec0::1",       "feff::1"}) {
    EXPECT_FALSE(in_default_exclusions(parse_address(fine))) << fine;
  }
  EXPECT_TRUE(
      in_default_exclusions(IpAddress::v6(kIpv4MappedPrefix | 0x7F000001u)));  // ::ffff:127.0.0.1 as IPv6
  const std::vector<Interval6>& table = default_exclusions_v6();
  for (std::size_t k = 1; k < table.size(); ++k) ASSERT_GT(table[k].first - table[k - 1].last, 1u) << k;
  // Through the command line: the benchmarking block is scannable, a range over ::ffff:0:0/96 loses those
  // 2^32, and what is excluded is named with both families' defaults.
  EXPECT_EQ(config_of({"2001:2::/120", "-p", "80", "--count"}).space.size(), 256u);
  EXPECT_EQ(config_of({"::fffe:ffff:ffff-::1:0:0:0", "-p", "80", "--count"}).space.size(), 2u);
  const std::string all = error_of([] {
    config_of({"ff02::1,fe80::/64,2001:db8::7", "-p", "80", "--count"});
  });
  for (const char* named :
       {"no targets left", "ff00::/8", "fe80::/10", "2001:db8::/32", "--no-default-excludes"}) {
    EXPECT_NE(all.find(named), std::string::npos) << named << " in " << all;
  }
  EXPECT_EQ(config_of({"ff02::1,fe80::/120", "-p", "80", "--count", "--no-default-excludes"}).space.size(),
            257u);
}

// The probe space is at most 2^48 probes (targets x ports): more is one clear line in every mode, never an
// exception from deep inside (TargetSet's length_error, a 64-bit product that wraps).
TEST(TargetsInput6, SpacesBeyond2To48ProbesAreRefusedNamingTheToken) {
  EXPECT_EQ(error_of([] {
              config_of({"2001:db8::/64", "-p", "80", "--count", "--no-default-excludes"});
            }),
            "2001:db8::/64 is 18446744073709551616 addresses: too many to scan (at most 2^48 probes); give a "
            "longer "
            "prefix or a hitlist");
  EXPECT_EQ(
      error_of([] {
        config_of({"192.0.2.1", "::/0", "-p", "80", "--dry-run"});
      }),
      "::/0 is 340282366920938463463374607431768211456 addresses: too many to scan (at most 2^48 probes); "
      "give a longer prefix or a hitlist");
  EXPECT_EQ(
      error_of([] {
        config_of({"2001:db8::/80", "-p", "80,443", "--count", "--no-default-excludes"});
      }),
      "2001:db8::/80 is 281474976710656 addresses x 2 ports: too many to scan (at most 2^48 probes); give a "
      "longer prefix or a hitlist");
  EXPECT_EQ(
      error_of([] {
        config_of({"2001:db8::/81,2001:db8:1::/81", "-p", "80,443", "--count", "--no-default-excludes"});
      }),
      "the targets are 281474976710656 addresses x 2 ports: too many to scan (at most 2^48 probes); give "
      "fewer targets or ports");
  // Exactly 2^48 is the limit, as for 0.0.0.0/0 x every port.
  EXPECT_EQ(config_of({"2001:db8::/80", "-p", "80", "--count", "--no-default-excludes"}).space.size(),
            1ull << 48);
  EXPECT_EQ(config_of({"2001:db8::/96", "-p", "0-65535", "--count", "--no-default-excludes"}).space.size(),
            1ull << 48);
  // The limit applies after exclusions: a /64 cut down to 2^48 addresses is fine.
  EXPECT_EQ(config_of({"2001:db8::/64", "-p", "80", "--count", "--no-default-excludes", "--exclude",
                       "2001:db8::1:0:0:0-2001:db8::ffff:ffff:ffff:ffff"})
                .space.size(),
            1ull << 48);
}

// More than 2^24 addresses to send to needs an exclusion list of one's own or --allow-large, IPv6 as IPv4.
TEST(TargetsInput6, LargeIpv6ScansNeedAnExclusionOrAllowLarge) {
  EXPECT_NE(error_of([] {
              config_of({"2001:db8::/96", "-p", "80", "--no-default-excludes"});
            }).find("--allow-large"),
            std::string::npos);
  EXPECT_EQ(config_of({"2001:db8::/104", "-p", "80", "--no-default-excludes"}).space.size(), 1ull << 24);
  EXPECT_EQ(config_of({"2001:db8::/96", "-p", "80", "--no-default-excludes", "--allow-large"}).space.size(),
            1ull << 32);
  EXPECT_EQ(config_of({"2001:db8::/96", "-p", "80", "--no-default-excludes", "--exclude", "2001:db8::1"})
                .space.size(),
            (1ull << 32) - 1);
  EXPECT_EQ(config_of({"2001:db8::/96", "-p", "80", "--no-default-excludes", "--dry-run"}).space.size(),
            1ull << 32);
}

// A hitlist file: IPv4 and IPv6 lines mixed, comments, CRLF, several tokens a line, a line longer than the
// 64 KiB read block, and a bad token past the first block named with its line.
TEST(TargetsInput6, HitlistFilesOfBothFamiliesAcrossReadBlocks) {
  std::string text = "# hitlist\r\n";
  std::set<std::string> want;
  for (int i = 0; i < 20000; ++i) {
    const std::string v6 = format_ipv6(make_ipv6(0x20010db800000000ULL, 0x10000ULL * i + 7));
    const std::string v4 = format_ipv4(0xC6336400u + static_cast<unsigned>(i % 200));
    text += i % 3 == 0 ? v6 + "\r\n" : i % 3 == 1 ? v4 + " # one\n" : v6 + "," + v4 + "\n";
    if (i % 3 != 1) want.insert(v6);
    if (i % 3 != 0) want.insert(v4);
  }
  std::string long_line;
  for (int i = 0; i < 6000; ++i) {
    const std::string v6 = format_ipv6(make_ipv6(0x20010db8ffff0000ULL, static_cast<std::uint64_t>(i)));
    long_line += v6 + " ";
    want.insert(v6);
  }
  ASSERT_GT(long_line.size(), std::size_t{1} << 16);
  text += long_line + "\n2001:db8::ffff:1";  // and a last line without a newline
  want.insert("2001:db8::ffff:1");
  const std::string file = test::write_temp_file("hitlist6", text);
  ASSERT_GT(text.size(), std::size_t{4} << 16);
  const ScanConfig c = config_of({"-iL", file, "-p", "80,443", "--count", "--no-default-excludes"});
  const std::vector<std::string> got = addresses_of(c.space.targets());
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), want);
  EXPECT_EQ(got.size(), want.size());
  EXPECT_EQ(test::dry_run_text(c), std::to_string(want.size() * 2) + "\n");
  // Through standard input, the same.
  TargetOptions o;
  o.include_files = {"-"};
  o.default_excludes = false;
  EXPECT_EQ(resolve(o, resolve_host, text).targets.size(), want.size());
  // A bad token a third into the file, well past the first 64 KiB block.
  const std::string head = text.substr(0, text.find('\n', text.size() / 3) + 1);
  const std::string bad = test::write_temp_file("hitlist6_bad", head + "2001:db8::1\n2001:db8:::2\n");
  const auto bad_line = static_cast<std::size_t>(std::count(head.begin(), head.end(), '\n')) + 2;
  ASSERT_GT(head.size(), std::size_t{1} << 16);
  EXPECT_EQ(error_of([&] {
              config_of({"-iL", bad, "-p", "80", "--count"});
            }),
            "bad target '2001:db8:::2' in --include-file " + bad + " line " + std::to_string(bad_line) +
                " (expected an address, a CIDR block a.b.c.d/n or 2001:db8::/n, a range a.b.c.d-e.f.g.h or a "
                "hostname)");
}

}  // namespace
}  // namespace synscan

namespace synscan {
namespace {

// Addresses named inside a default block beside real targets are dropped with one notice naming the blocks; a
// range that holds whole blocks loses them silently; an excluded IPv6 address alone names its own block.
TEST(TargetsInput6, DefaultExclusionsOfNamedAddressesAreSaidOnce) {
  TargetOptions o;
  o.targets = {"ff02::1", "2001:2::1", "127.0.0.1", "198.18.0.1"};
  std::istringstream none;
  const ResolvedTargets r = resolve_targets(o, resolve_host, none);
  EXPECT_EQ(r.targets.size(), 2u);
  const std::string want =
      "note: 2 of the targets are in the default exclusions (127.0.0.0/8 Loopback, ff00::/8 Multicast) and "
      "are "
      "not probed; --no-default-excludes probes them";
  EXPECT_EQ(std::count(r.notices.begin(), r.notices.end(), want), 1) << ::testing::PrintToString(r.notices);

  o.targets = {"0.0.0.0/0"};
  o.allow_large = true;
  for (const std::string& n : resolve_targets(o, resolve_host, none).notices) {
    EXPECT_EQ(n.find("default exclusions"), std::string::npos) << n;
  }

  o.targets = {"::1"};
  o.allow_large = false;
  try {
    resolve_targets(o, resolve_host, none);
    ADD_FAILURE() << "::1 alone was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("(::1/128 Loopback Address;"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace synscan
