// Target and port input beyond the cases: hostnames, exclusions, default exclusions, the large-scan guard,
// --top-ports and --exclude-ports, --count, -iL spelling.
#include "cli/targets_input.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "cli/ports_input.hpp"
#include "cli_test_util.hpp"
#include "engine/target_parse.hpp"
#include "fake_resolver.hpp"

namespace synscan {
namespace {

using test::config_of;
using test::FakeResolver;

ResolvedTargets resolve(TargetOptions o, const Resolver& r = resolve_host,
                        const std::string& stdin_text = "") {
  std::istringstream in(stdin_text);
  return resolve_targets(o, r, in);
}

std::string error_of(auto&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(TargetsInput, HostnamesResolveOnceToEveryAddressAndAreRemembered) {
  int calls = 0;
  FakeResolver fake{{{"web.example", {"192.0.2.80", "192.0.2.81"}}, {"db.example", {"198.51.100.5"}}},
                    &calls};
  TargetOptions o;
  o.default_excludes = false;  // documentation addresses
  o.targets = {"web.example,db.example", "192.0.2.1", "web.example"};
  const ResolvedTargets r = resolve(o, fake);
  EXPECT_EQ(calls, 2);  // web.example asked once although given twice
  EXPECT_EQ(r.targets.size(), 4u);
  ASSERT_EQ(r.hostnames.size(), 3u);
  const auto name_of = hostname_lookup(r.hostnames);
  EXPECT_EQ(name_of(parse_address("192.0.2.80")), "web.example");
  EXPECT_EQ(name_of(parse_address("192.0.2.81")), "web.example");
  EXPECT_EQ(name_of(parse_address("198.51.100.5")), "db.example");
  EXPECT_EQ(name_of(parse_address("192.0.2.1")), "");
  // A name that does not exist is bad input (exit 2), named, with where it came from.
  o.targets = {"192.0.2.1", "nosuch.example"};
  EXPECT_THROW(resolve(o, fake), UsageError);
  EXPECT_NE(error_of([&] { resolve(o, fake); }).find("'nosuch.example'"), std::string::npos);
}

TEST(TargetsInput, SystemResolverReadsHostsFile) {
  // localhost comes from /etc/hosts on any Linux: no network needed.
  const std::vector<IpAddress> local = resolve_host("localhost", Families::ipv4);
  ASSERT_FALSE(local.empty());
  EXPECT_EQ(format_address(local.front()), "127.0.0.1");
  EXPECT_THROW(resolve_host("name-that-does-not-exist.invalid", Families::both), std::exception);
}

TEST(TargetsInput, MistypedAddressesAreNotLookedUp) {
  EXPECT_FALSE(looks_like_hostname("300.1.2.3"));
  EXPECT_FALSE(looks_like_hostname("192.0.2.1/40"));
  EXPECT_FALSE(looks_like_hostname("-p"));
  EXPECT_TRUE(looks_like_hostname("scanme.example.org"));
  int calls = 0;
  FakeResolver fake{{}, &calls};
  TargetOptions o;
  o.targets = {"300.1.2.3"};
  EXPECT_EQ(
      error_of([&] { resolve(o, fake); }),
      "bad target '300.1.2.3' in targets (expected an address, a CIDR block a.b.c.d/n or 2001:db8::/n, a "
      "range a.b.c.d-e.f.g.h or a hostname)");
  EXPECT_EQ(calls, 0);
}

TEST(TargetsInput, HostBitsAreMaskedWithANotice) {
  TargetOptions o;
  o.default_excludes = false;
  o.targets = {"192.0.2.1/24"};
  const ResolvedTargets r = resolve(o);
  EXPECT_EQ(r.targets.size(), 256u);
  EXPECT_EQ(format_address(r.targets.at(0)), "192.0.2.0");
  ASSERT_EQ(r.notices.size(), 1u);
  EXPECT_NE(r.notices[0].find("192.0.2.1/24 has host bits set; using 192.0.2.0/24"), std::string::npos);
}

TEST(TargetsInput, ExcludeListsAndFilesSubtract) {
  const std::string file = test::write_temp_file("excl", "# keep out\n192.0.2.128/25\r\n192.0.2.7");
  const ScanConfig c = config_of({"192.0.2.0/24", "--no-default-excludes", "-p", "80", "--exclude",
                                  "192.0.2.0-192.0.2.3,192.0.2.9", "--exclude", "192.0.2.10",
                                  "--exclude-file", file, "--dry-run"});
  EXPECT_EQ(c.space.size(), 128u - 4 - 3);
  for (const char* gone : {"192.0.2.0", "192.0.2.3", "192.0.2.7", "192.0.2.9", "192.0.2.10", "192.0.2.200"}) {
    EXPECT_FALSE(c.space.targets().contains(parse_address(gone))) << gone;
  }
  const std::string out = test::dry_run_text(c);
  EXPECT_EQ(out.find("192.0.2.7 "), std::string::npos);
  EXPECT_EQ(test::lines_of(out).size(), 121u);
  // Removing everything is an error that says so.
  EXPECT_NE(error_of([] {
              config_of({"192.0.2.0/24", "--no-default-excludes", "-p", "80", "--exclude", "192.0.2.0/23"});
            }).find("exclusions (--exclude, --exclude-file) remove every target"),
            std::string::npos);
}

// The registry's not-forwardable blocks (RFC 6890) and multicast, as zmap's default blocklist has them; the
// forwardable benchmarking block 198.18.0.0/15 (the lab's), private use and shared address space stay.
TEST(TargetsInput, DefaultExclusionsAreTheNotForwardableBlocks) {
  for (const char* never :
       {"0.0.0.0", "0.255.255.255", "127.0.0.1", "169.254.0.1", "169.254.255.255", "192.0.0.0", "192.0.0.8",
        "192.0.0.11", "192.0.0.170", "192.0.0.255", "192.0.2.0", "192.0.2.255", "198.51.100.1",
        "203.0.113.255", "224.0.0.1", "239.255.255.255", "240.0.0.1", "255.255.255.255"}) {
    EXPECT_TRUE(in_default_exclusions(parse_address(never))) << never;
  }
  for (const char* fine :
       {"1.0.0.0", "126.255.255.255", "128.0.0.0", "198.18.0.1", "198.19.255.255", "192.0.0.9", "192.0.0.10",
        "192.0.1.255", "192.0.3.0", "192.88.99.1", "169.253.255.255", "169.255.0.0", "10.0.0.1", "100.64.0.1",
        "172.16.0.1", "192.168.0.1", "198.51.99.255", "203.0.112.255", "223.255.255.255"}) {
    EXPECT_FALSE(in_default_exclusions(parse_address(fine))) << fine;
  }
  // One table, each block named for people: what --help and the error say.
  EXPECT_EQ(default_exclusions_text().rfind(
                "IPv4 0.0.0.0/8, 127.0.0.0/8, 169.254.0.0/16, 192.0.0.0-192.0.0.8, 192.0.0.11-192.0.0.255, "
                "192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 224.0.0.0/4, 240.0.0.0/4 (RFC 6890",
                0),
            0u)
      << default_exclusions_text();
  for (const DefaultExclusion& e : default_exclusions_ipv4()) {
    const AddressRange r = parse_target_token(e.block);  // the text says what the range is
    EXPECT_EQ(r.first, IpAddress::v4(e.range.first)) << e.block;
    EXPECT_EQ(r.last, IpAddress::v4(e.range.last)) << e.block;
  }
  // A dry run of documentation addresses names the block and the way out.
  EXPECT_EQ(
      error_of([] {
        config_of({"192.0.2.0/24", "-p", "80", "--dry-run"});
      }),
      "no targets left: every target is in the default exclusions (192.0.2.0/24 Documentation (TEST-NET-1); "
      "never valid destinations, RFC 6890); add --no-default-excludes to scan them anyway");
  EXPECT_EQ(config_of({"192.0.2.0/24", "-p", "80", "--dry-run", "--no-default-excludes"}).space.size(), 256u);
  EXPECT_EQ(config_of({"126.255.255.254/31", "127.0.0.0/31", "-p", "1"}).space.size(), 2u);
  EXPECT_EQ(config_of({"127.0.0.0/31", "-p", "1", "--no-default-excludes"}).space.size(), 2u);
  EXPECT_NE(error_of([] {
              config_of({"224.0.0.1", "-p", "1"});
            }).find("--no-default-excludes"),
            std::string::npos);
}

TEST(TargetsInput, LargeScansNeedAnExclusionOrAllowLarge) {
  // 2^24 addresses is allowed; one more is not, unless the user has an exclusion list or says --allow-large.
  EXPECT_EQ(config_of({"10.0.0.0/8", "-p", "80"}).space.size(), 1ull << 24);
  EXPECT_NE(error_of([] {
              config_of({"10.0.0.0/8", "11.0.0.0", "-p", "80"});
            }).find("--allow-large"),
            std::string::npos);
  EXPECT_EQ(config_of({"10.0.0.0/8", "11.0.0.0", "-p", "80", "--allow-large"}).space.size(),
            (1ull << 24) + 1);
  EXPECT_EQ(config_of({"10.0.0.0/7", "-p", "80", "--exclude", "10.1.0.0/16"}).space.size(),
            (1ull << 25) - 65536);
  // A dry run sends nothing: it may count the Internet without asking.
  EXPECT_EQ(config_of({"0.0.0.0/0", "-p", "80", "--dry-run"}).space.size(),
            (1ull << 32) - 2 * (1ull << 24) - 2 * (1ull << 28) - 65536 - 254 - 3 * 256);
}

TEST(TargetsInput, IncludeFileFromStdinAndOnlyOnce) {
  TargetOptions o;
  o.default_excludes = false;
  o.include_files = {"-"};
  EXPECT_EQ(resolve(o, resolve_host, "192.0.2.1\r\n192.0.2.2").targets.size(), 2u);
  o.exclude_files = {"-"};
  EXPECT_NE(error_of([&] { resolve(o, resolve_host, "192.0.2.1"); }).find("given twice"), std::string::npos);
  o = {};
  o.include_files = {"/nonexistent/targets.txt"};
  EXPECT_NE(error_of([&] { resolve(o); }).find("/nonexistent/targets.txt"), std::string::npos);
  o.include_files = {test::write_temp_file("only_comments", "# nothing\n\n")};
  EXPECT_NE(error_of([&] { resolve(o); }).find("no targets"), std::string::npos);
}

TEST(TargetsInput, DashILIsIncludeFileNotInterfaceL) {
  const std::string file = test::write_temp_file("il", "192.0.2.5");
  const ScanConfig c = config_of({"-iL", file, "-p", "80", "--no-default-excludes"});
  EXPECT_FALSE(c.interface.has_value());
  EXPECT_EQ(c.space.size(), 1u);
  EXPECT_EQ(config_of({"-i", "L", "192.0.2.5", "--no-default-excludes", "-p", "80"}).interface, "L");
}

TEST(PortsInput, TopPortsFollowTheFrequencyTable) {
  std::istringstream table(
      "# comment\n"
      "http\t80/tcp\t0.484143\t# World Wide Web HTTP\n"
      "domain\t53/udp\t0.9\n"
      "telnet\t23/tcp\t0.221265\n"
      "tie-b\t9/tcp\t0.1\n"
      "tie-a\t7/tcp\t0.1\n"
      "broken line\n"
      "https\t443/tcp\t0.208669\t# secure http (SSL)\n");
  EXPECT_EQ(top_ports_from(table, 4, "tcp"), (std::vector<std::uint16_t>{80, 23, 443, 7}));
  table.clear();
  table.seekg(0);
  EXPECT_EQ(top_ports_from(table, 100, "tcp").size(), 5u);  // only the TCP entries
}

TEST(PortsInput, TopPortsFromNmapMatchNmap) {
  std::ifstream probe(kNmapServicesPaths[0]);
  if (!probe) GTEST_SKIP() << "nmap-services not installed (nmap package)";
  // nmap 7.93 --top-ports 5 scans 21-23,80,443; the most frequent is 80.
  const std::vector<std::uint16_t> top = top_ports(5, "tcp");
  EXPECT_EQ(top.front(), 80);
  EXPECT_EQ(std::set<std::uint16_t>(top.begin(), top.end()), (std::set<std::uint16_t>{21, 22, 23, 80, 443}));
  EXPECT_EQ(top_ports(1000, "tcp").size(), 1000u);
  const ScanConfig c = config_of(
      {"192.0.2.1", "--no-default-excludes", "--top-ports", "100", "-p", "1", "--exclude-ports", "80,443"});
  EXPECT_EQ(c.space.blocks().front().ports().size(), 100u + 1 - 2);
  EXPECT_FALSE(c.space.blocks().front().ports().contains(80));
  EXPECT_TRUE(c.space.blocks().front().ports().contains(1));
  EXPECT_TRUE(c.space.blocks().front().ports().contains(22));
  // More than the table lists is refused, naming how many it has (nmap 7.93: 8366 TCP ports).
  const std::size_t listed = top_ports(65536, "tcp").size();
  EXPECT_EQ(
      config_of({"192.0.2.1", "--no-default-excludes", "--top-ports", std::to_string(listed), "--count"})
          .space.size(),
      listed);
  EXPECT_EQ(
      error_of([] {
        config_of({"192.0.2.1", "--no-default-excludes", "--top-ports", "65536"});
      }),
      fmt::format("bad value '65536' in --top-ports (nmap-services lists {} tcp ports: give at most {}, or "
                  "-p- for every port)",
                  listed, listed));
}

TEST(PortsInput, ExcludePortsAndErrors) {
  EXPECT_EQ(config_of({"192.0.2.1", "--no-default-excludes", "-p", "1-1024", "--exclude-ports", "22,100-199"})
                .space.size(),
            1024u - 101);
  EXPECT_NE(error_of([] {
              config_of({"192.0.2.1", "--no-default-excludes", "-p", "80", "--exclude-ports", "80"});
            }).find("no ports left"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              config_of({"192.0.2.1", "--no-default-excludes", "--top-ports", "0"});
            }).find("'0' in --top-ports"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              config_of({"192.0.2.1", "--no-default-excludes", "-p", "80", "--exclude-ports", "x"});
            }).find("--exclude-ports"),
            std::string::npos);
  EXPECT_NE(error_of([] { config_of({"192.0.2.1"}); }).find("no ports given"), std::string::npos);
}

TEST(TargetsInput, CountPrintsOnlyTheNumberAndImpliesADryRun) {
  const ScanConfig c = config_of({"192.0.2.0/24", "--no-default-excludes", "-p", "1-10", "--count"});
  EXPECT_TRUE(c.dry_run);
  EXPECT_EQ(test::dry_run_text(c), "2560\n");
  const ScanConfig shard = config_of(
      {"192.0.2.0/24", "--no-default-excludes", "-p", "1-10", "--count", "--shard", "3/3", "--seed", "1"});
  EXPECT_EQ(test::dry_run_text(shard), "853\n");  // positions 2, 5, ..., 2558
}

// A -iL file from a Windows editor may start with a UTF-8 byte-order mark: not part of the first address.
// Other invisible bytes are bad input, shown escaped so that the message shows what is wrong (a NUL, which
// would cut a C string, and a no-break or zero-width space, which would look like nothing).
TEST(TargetsInput, IncludeFileByteOrderMarkAndInvisibleBytes) {
  TargetOptions o;
  o.include_files = {test::write_temp_file("bom",
                                           "\xEF\xBB\xBF"
                                           "198.19.0.1\n198.19.0.2\n")};
  EXPECT_EQ(resolve(o).targets.size(), 2u);
  const auto error_for = [&](const std::string& name, const std::string& text) {
    o.include_files = {test::write_temp_file(name, text)};
    return error_of([&] { resolve(o); });
  };
  using namespace std::string_literals;
  EXPECT_EQ(
      error_for("nul", "198.19.0.1\n198.19\0.0.2\n"s),
      "bad target '198.19\\x00.0.2' in --include-file " + ::testing::TempDir() + "synscan_nul" +
          " line 2 (expected an address, a CIDR block a.b.c.d/n or 2001:db8::/n, a range a.b.c.d-e.f.g.h or "
          "a hostname)");
  EXPECT_NE(error_for("nbsp", "198.19.0.1\xC2\xA0\n").find("bad target '198.19.0.1\\u{00A0}' in"),
            std::string::npos);
  EXPECT_NE(error_for("zwsp",
                      "\xE2\x80\x8B"
                      "198.19.0.3\n")
                .find("bad target '\\u{200B}198.19.0.3' in"),
            std::string::npos);
  EXPECT_NE(error_for("bom2",
                      "198.19.0.1\n\xEF\xBB\xBF"
                      "198.19.0.2\n")
                .find("'\\u{FEFF}198.19.0.2' in"),
            std::string::npos);
}

}  // namespace
}  // namespace synscan
