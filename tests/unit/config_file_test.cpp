// --config files and --echo-config: the same option description as the command line, bad lines named by line,
// the command line overriding the file, and echo -> config -> echo giving the same options (and probe order).
#include "cli/config_file.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/dry_run.hpp"
#include "cli/options.hpp"
#include "tests/unit/cli_test_helpers.hpp"

namespace synscan {
namespace {

namespace po = boost::program_options;

// A description with one option of each kind the CLI uses: a single value, a repeatable value, a flag.
struct Desc {
  std::string rate;
  std::vector<std::string> ports, targets;
  po::options_description d;
  Desc() {
    d.add_options()("rate", po::value(&rate))("ports,p", po::value(&ports))("dry-run", "flag")(
        "target", po::value(&targets))("config", po::value<std::string>())("help,h", "help");
  }
};

// A temporary file holding `text`, removed at scope exit.
struct TempFile {
  std::string path;
  explicit TempFile(const std::string& text) {
    path = (std::filesystem::temp_directory_path() /
            ("synscan-config-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)))
               .string();
    std::ofstream(path, std::ios::binary) << text;
  }
  ~TempFile() { std::remove(path.c_str()); }
  static inline int counter = 0;
};

using test::error_of;

using test::Parsed;
using test::run;

std::string dry_run_of(const ScanConfig& c) {
  ScanState state;
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* mem = open_memstream(&buf, &len);
  run_dry_run(c, state, mem);
  std::fclose(mem);
  std::string text(buf, len);
  std::free(buf);
  return text;
}

TEST(ConfigFile, ParsesEveryOptionKindCommentsBlankLinesAndCrlf) {
  Desc d;
  const ConfigEntries e = parse_config_text(
      "# a scan\n\ntarget = 192.0.2.0/30\r\nports=22\nports = 80,443   # web\n  rate =  100 \ndry-run = "
      "true\n"
      "--rate = 7\ntarget = 198.51.100.1",  // no final newline
      d.d, "f.conf");
  ASSERT_EQ(e.size(), 7U);
  EXPECT_EQ(e[0], (ConfigEntry{"target", "192.0.2.0/30", false, "", 0}));
  EXPECT_EQ(e[1].value, "22");
  EXPECT_EQ(e[2].value, "80,443");
  EXPECT_EQ(e[3], (ConfigEntry{"rate", "100", false, "", 0}));
  EXPECT_TRUE(e[4].flag);
  EXPECT_EQ(e[4].name, "dry-run");
  EXPECT_EQ(e[5].name, "rate");  // the command-line spelling --rate is tolerated
  EXPECT_EQ(e[6].value, "198.51.100.1");
  EXPECT_EQ(e[6].line, 9);
  EXPECT_EQ(e[6].source, "f.conf");
}

TEST(ConfigFile, FlagValues) {
  Desc d;
  EXPECT_EQ(parse_config_text("dry-run\n", d.d, "f").size(), 1U);
  EXPECT_EQ(parse_config_text("dry-run = yes\n", d.d, "f").size(), 1U);
  EXPECT_TRUE(parse_config_text("dry-run = false\ndry-run = off\n", d.d, "f").empty());
}

TEST(ConfigFile, BadLinesNameTokenAndLine) {
  Desc d;
  const auto err = [&](const std::string& text) {
    return error_of([&] { parse_config_text(text, d.d, "f.conf"); });
  };
  EXPECT_EQ(err("rate = 1\nfoo = 2\n"), "config f.conf line 2: unknown option 'foo'");
  EXPECT_EQ(err("\n\nports 80\n"), "config f.conf line 3: expected 'name = value', got 'ports 80'");
  EXPECT_EQ(err("= 80\n"), "config f.conf line 1: expected 'name = value', got '= 80'");
  EXPECT_EQ(err("ports =\n"), "config f.conf line 1: missing value for 'ports'");
  EXPECT_EQ(err("rate\n"), "config f.conf line 1: expected 'name = value', got 'rate'");
  EXPECT_EQ(
      err("dry-run = maybe\n"),
      "config f.conf line 1: bad value 'maybe' for flag 'dry-run' (expected true, yes, on, 1 or false, no, "
      "off, 0)");
  EXPECT_EQ(err("config = other.conf\n"),
            "config f.conf line 1: option 'config' cannot be used in a config file");
  EXPECT_EQ(err("p = 80\n"), "config f.conf line 1: unknown option 'p'");  // long names only
  // Invisible bytes are shown escaped: a byte-order mark past the start, a no-break space.
  EXPECT_EQ(err("rate = 1\n\xEF\xBB\xBF"
                "foo = 2\n"),
            "config f.conf line 2: unknown option '\\u{FEFF}foo'");
  EXPECT_EQ(err("ra\xC2\xA0te = 2\n"), "config f.conf line 1: unknown option 'ra\\u{00A0}te'");
}

// A UTF-8 byte-order mark first in the file (Windows editors write one) is no part of the text (issue 22).
TEST(ConfigFile, LeadingByteOrderMarkIsSkipped) {
  Desc d;
  const ConfigEntries entries = parse_config_text("\xEF\xBB\xBFrate = 1\n", d.d, "f.conf");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].name, "rate");
  EXPECT_EQ(entries[0].value, "1");
}

TEST(ConfigFile, CommandLineOverridesFilePerOption) {
  const ConfigEntries file = {{"target", "192.0.2.0/24", false, "f", 1},
                              {"ports", "80", false, "f", 2},
                              {"ports", "443", false, "f", 3},
                              {"rate", "5", false, "f", 4}};
  const ConfigEntries cli = {{"ports", "22", false, "", 0}, {"config", "f", false, "", 0}};
  const ConfigEntries merged = merge_entries(file, cli);
  const ConfigEntries want = {
      {"target", "192.0.2.0/24", false, "", 0}, {"rate", "5", false, "", 0}, {"ports", "22", false, "", 0}};
  EXPECT_EQ(merged, want);
}

TEST(ConfigFile, FormatOrdersTargetsFirstAndRoundTrips) {
  Desc d;
  const ConfigEntries e = {{"rate", "5", false, "", 0},
                           {"dry-run", "", true, "", 0},
                           {"target", "192.0.2.1", false, "", 0},
                           {"ports", "80", false, "", 0},
                           {"ports", "22", false, "", 0}};
  const std::string text = format_config(e, d.d);
  EXPECT_NE(text.find("target = 192.0.2.1\nrate = 5\nports = 80\nports = 22\ndry-run = true\n"),
            std::string::npos)
      << text;
  const ConfigEntries back = parse_config_text(text, d.d, "echo");
  const ConfigEntries want = {e[2], e[0], e[3], e[4], e[1]};
  EXPECT_EQ(back, want);
  EXPECT_FALSE(error_of([&] { format_config({{"rate", "1 #x", false, "", 0}}, d.d); }) == "(no error)");
}

TEST(ConfigFile, WithSeedReplacesOrAddsTheSeed) {
  const ConfigEntries e = with_seed({{"seed", "1", false, "", 0}, {"rate", "2", false, "", 0}}, 99);
  const ConfigEntries want = {{"rate", "2", false, "", 0}, {"seed", "99", false, "", 0}};
  EXPECT_EQ(e, want);
}

TEST(ConfigFile, ConfigFileGivesTheSameScanAsTheCommandLine) {
  const Parsed direct = run(
      {"192.0.2.0/29", "--no-default-excludes", "198.51.100.7", "-p", "22,80", "--seed", "7", "--dry-run"});
  TempFile f(
      "target = 192.0.2.0/29\ntarget = 198.51.100.7\nports = 22,80\nseed = 7\ndry-run = true\n"
      "no-default-excludes = true\n");
  const Parsed from_file = run({"--config", f.path});
  ASSERT_TRUE(direct.config && from_file.config);
  EXPECT_EQ(dry_run_of(*direct.config), dry_run_of(*from_file.config));
  EXPECT_EQ(from_file.config->space.size(), 18U);
}

TEST(ConfigFile, CommandLineValueOverridesTheFile) {
  TempFile f("target = 192.0.2.0/29\nports = 22,80\nrate = 5\ndry-run = true\nno-default-excludes = true\n");
  const Parsed r = run({"--config", f.path, "--rate", "9", "-p", "443"});
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->rate_pps, 9.0);
  EXPECT_EQ(r.config->space.size(), 8U);  // 8 addresses x port 443 only
}

// One rule for every flag of a config file (--dry-run, --count, switches alike), and the error states it.
TEST(ConfigFile, EveryFlagTakesTheSameWords) {
  for (const char* flag : {"dry-run", "count", "ipv4-only"}) {
    for (const char* yes : {"true", "Yes", "on", "1"}) {
      TempFile f(fmt::format("target = 192.0.2.0/29\nports = 22\n{} = {}\n", flag, yes));
      EXPECT_EQ(error_of([&] {
                  run({"--config", f.path, "--dry-run", "--no-default-excludes"});
                }),
                "(no error)")
          << flag << " " << yes;
    }
    TempFile bad(fmt::format("target = 192.0.2.0/29\nports = 22\n{} = maybe\n", flag));
    EXPECT_EQ(
        error_of([&] {
          run({"--config", bad.path, "--dry-run", "--no-default-excludes"});
        }),
        fmt::format(
            "config {} line 3: bad value 'maybe' for flag '{}' (expected true, yes, on, 1 or false, no, "
            "off, 0)",
            bad.path, flag));
  }
  TempFile count("target = 192.0.2.0/29\nports = 22\ncount = yes\nno-default-excludes = on\n");
  EXPECT_TRUE(run({"--config", count.path}).config->count_only);
  TempFile off("target = 192.0.2.0/29\nports = 22\ncount = no\ndry-run = yes\nno-default-excludes = on\n");
  EXPECT_FALSE(run({"--config", off.path}).config->count_only);
}

TEST(ConfigFile, BadValueInFileNamesItsLine) {
  TempFile f("target = 192.0.2.0/29\nports = 22\nrate = fast\n");
  EXPECT_EQ(error_of([&] {
              run({"--config", f.path});
            }),
            "bad value 'fast' in --rate (expected a number >= 0.001, auto or auto:MAX) (config " + f.path +
                " line 3)");
  TempFile g("target = 192.0.2.0/29\ntarget = 192.0.2.999\nports = 22\n");
  const std::string msg = error_of([&] { run({"--config", g.path}); });
  EXPECT_NE(msg.find("'192.0.2.999'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(config " + g.path + " line 2)"), std::string::npos) << msg;
  TempFile h("target = 192.0.2.0/29\nports = 22\nrate = 1\nrate = 2\n");
  EXPECT_NE(error_of([&] { run({"--config", h.path}); }).find("line 4)"), std::string::npos);
  // An unreadable file is an environment failure (exit 1 from main), not a UsageError (exit 2).
  try {
    run({"--config", "/nonexistent/x.conf"});
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    ADD_FAILURE() << "a usage error: " << e.what();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "cannot read config file '/nonexistent/x.conf': No such file or directory");
  }
}

// --echo-config > f; synscan --config f repeats the scan: same options, same seed (even a random one), same
// order.
TEST(ConfigFile, EchoRoundTripRepeatsTheScan) {
  const Parsed first = run({"192.0.2.0/28", "--no-default-excludes", "-p", "80,443", "--rate", "250",
                            "--retries", "2", "--show", "open,closed", "--format", "ndjson", "-o", "a.ndjson",
                            "-o", "b.ndjson", "--dry-run", "--echo-config"});
  ASSERT_FALSE(first.config);                                              // echo exits
  EXPECT_NE(first.out.find("\nseed = "), std::string::npos) << first.out;  // the random seed, made explicit
  TempFile f(first.out);
  const Parsed second = run({"--config", f.path, "--echo-config"});
  EXPECT_EQ(first.out, second.out);
  const Parsed a = run({"--config", f.path});
  const Parsed b = run({"--config", f.path});
  ASSERT_TRUE(a.config && b.config);
  EXPECT_EQ(a.config->seed, b.config->seed);
  EXPECT_EQ(a.config->rate_pps, 250.0);
  EXPECT_EQ(a.config->retries, 2U);
  ASSERT_EQ(a.config->outputs.size(), 2U);
  EXPECT_EQ(a.config->outputs[1].path, "b.ndjson");
  EXPECT_EQ(a.config->outputs[1].format, "ndjson");
  EXPECT_EQ(dry_run_of(*a.config), dry_run_of(*b.config));
}

TEST(ConfigFile, EchoValidatesFirst) {
  EXPECT_EQ(error_of([] { run({"192.0.2.0/28", "-p", "99999", "--echo-config"}); }).rfind("bad port", 0), 0U);
}

}  // namespace
}  // namespace synscan
