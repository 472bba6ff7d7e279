// Each default is written once (cli/defaults.hpp): an option not given takes it, and --help, the man page and
// README state it. The expected texts are formatted from the constants, so changing a default without the
// documents (or the documents without the default) fails here.
#include "cli/defaults.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/usage_text.hpp"
#include "tests/unit/cli_test_helpers.hpp"

namespace synscan {
namespace {

// Runs of blanks and line breaks as one space: help and README wrap their text where they like.
std::string collapse_whitespace(const std::string& text) {
  std::string out;
  for (const char ch : text) {
    const bool blank = ch == ' ' || ch == '\n' || ch == '\t';
    if (!blank) {
      out += ch;
    } else if (!out.empty() && out.back() != ' ') {
      out += ' ';
    }
  }
  return out;
}

// The entry of `option` ("--rate") in Boost's help text: its line and the description lines wrapped under it,
// whitespace collapsed. Empty when the help has no such option.
std::string help_entry(const std::string& help, const std::string& option) {
  std::istringstream in(help);
  std::string entry;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    const bool starts_option = line.rfind("  -", 0) == 0;
    if (starts_option) {
      if (inside) break;
      inside = line.find(option + " ") != std::string::npos || line.find(option + "\t") != std::string::npos;
    }
    if (inside) entry += line + "\n";
  }
  return collapse_whitespace(entry);
}

// The man page's entry of `option`: the text after its .TP up to the next macro line. `option` as roff writes
// it ("\-\-rate").
std::string man_entry(const std::string& man, const std::string& option) {
  const std::size_t at = man.find("\\fB" + option + "\\fR");
  if (at == std::string::npos) return "";
  const std::size_t end = man.find("\n.", at);
  return collapse_whitespace(man.substr(at, end - at));
}

// Roff's escaped hyphens, as the man page writes them (cli/man_page.cpp).
std::string roff_hyphens(const std::string& text) {
  std::string out;
  for (const char ch : text) out += ch == '-' ? std::string("\\-") : std::string(1, ch);
  return out;
}

std::string read_readme() {
  std::ifstream in(std::string(SYNSCAN_SOURCE_DIR) + "/README.md");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// README's options-table row whose first cell starts with `cell_start` ("| `--rate").
std::string readme_row(const std::string& readme, const std::string& cell_start) {
  std::istringstream in(readme);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(cell_start, 0) == 0) return line;
  }
  return "";
}

// The states of defaults::kShow as --show takes them ("open").
std::string default_show() {
  std::string out;
  for (const PortState s : {PortState::open, PortState::closed, PortState::filtered}) {
    if (!defaults::kShow.shows(s)) continue;
    if (!out.empty()) out += ',';
    out += to_string(s);
  }
  return out;
}

struct Documented {
  std::string option;  ///< long name with dashes
  std::string value;   ///< the default as the help text prints it
  std::string readme;  ///< README's row for the option starts with this
};

std::vector<Documented> documented_defaults() {
  return {
      {"--rate", fmt::format("{}", defaults::kRatePps), "| `--rate"},
      {"--wait", fmt::format("{}", defaults::kWaitS), "| `--wait"},
      {"--retries", fmt::format("{}", defaults::kRetries), "| `--retries"},
      {"--retry-delay", fmt::format("{}", defaults::kRetryDelayS), "| `--retry-delay"},
      {"--late-replies", fmt::format("{}", defaults::kLateRepliesS), "| `--late-replies"},
      {"--send-threads", fmt::format("{}", defaults::kSendThreads), "| `--send-threads"},
      {"--source-port", fmt::format("{}-{}", defaults::kSourcePortFirst, defaults::kSourcePortLast),
       "| `-i, --interface"},
      {"--max-memory", fmt::format("{}", defaults::kMaxMemoryMiB), "| `--max-memory"},
      {"--pcap-buffer", fmt::format("{}", defaults::kPcapBufferMiB), "| `--max-memory"},
      {"--show", default_show(), "| `--show"},
      {"--user", std::string(defaults::kUser), "| `--user"},
      {"--send-backend", std::string(send_backend_name(defaults::kSendBackend)), "| `--send-backend"},
      {"--resume-file", std::string(defaults::kResumeFile), ""},
      {"--banner-concurrency", fmt::format("{}", defaults::kBannerConcurrency), "| `--banner-concurrency"},
      {"--banner-rate", fmt::format("{}", defaults::kBannerRate), "| `--banner-concurrency"},
      {"--banner-timeout", fmt::format("{}", defaults::kBannerTimeoutS), "| `--banner-timeout"},
      {"--banner-max-bytes", fmt::format("{}", defaults::kBannerMaxBytes), "| `--banner-timeout"},
      {"--banner-probe", "auto", "| `--banner-probe"},
  };
}

TEST(Defaults, HelpStatesEachDefaultFromDefaultsHpp) {
  const std::string help = test::run({"--help"}).out;
  ASSERT_FALSE(help.empty());
  for (const Documented& d : documented_defaults()) {
    const std::string entry = help_entry(help, d.option);
    ASSERT_FALSE(entry.empty()) << d.option << " missing from --help";
    EXPECT_NE(entry.find(fmt::format("(default {})", d.value)), std::string::npos) << entry;
  }
  // The output format, named in both -o's and --format's help.
  for (const char* option : {"--output", "--format"}) {
    EXPECT_NE(help_entry(help, option).find(fmt::format("else {}", defaults::kFormat)), std::string::npos)
        << help_entry(help, option);
  }
}

// --rate auto's words (cli/usage_text.hpp) in --help, the man page and README's --rate row.
TEST(Defaults, RateAutoIsDescribedInTheSameWordsEverywhere) {
  const std::string text = rate_auto_text();
  EXPECT_NE(text.find(fmt::format("from {} pps", defaults::kAutoStartPps)), std::string::npos);
  EXPECT_NE(text.find(fmt::format("--retries {} unless given", defaults::kAutoRetries)), std::string::npos);
  EXPECT_NE(help_entry(test::run({"--help"}).out, "--rate").find(text), std::string::npos);
  EXPECT_NE(man_entry(test::run({"--help-man"}).out, roff_hyphens("--rate")).find(roff_hyphens(text)),
            std::string::npos);
  EXPECT_NE(readme_row(read_readme(), "| `--rate").find(text), std::string::npos);
}

TEST(Defaults, ManPageStatesTheSameDefaults) {
  const std::string man = test::run({"--help-man"}).out;
  ASSERT_FALSE(man.empty());
  for (const Documented& d : documented_defaults()) {
    const std::string entry = man_entry(man, roff_hyphens(d.option));
    ASSERT_FALSE(entry.empty()) << d.option << " missing from the man page";
    EXPECT_NE(entry.find(roff_hyphens(fmt::format("(default {})", d.value))), std::string::npos) << entry;
  }
}

TEST(Defaults, ReadmeStatesTheSameDefaults) {
  const std::string readme = read_readme();
  ASSERT_FALSE(readme.empty());
  for (const Documented& d : documented_defaults()) {
    if (d.readme.empty()) continue;
    const std::string row = readme_row(readme, d.readme);
    ASSERT_FALSE(row.empty()) << "no README row for " << d.option;
    const bool stated = row.find(fmt::format("default {}", d.value)) != std::string::npos ||
                        row.find(fmt::format("default `{}`", d.value)) != std::string::npos ||
                        row.find(fmt::format("`{}` (default", d.value)) != std::string::npos;
    EXPECT_TRUE(stated) << d.option << " default " << d.value << " not in README's row: " << row;
  }
  const std::string text = collapse_whitespace(readme);
  EXPECT_NE(text.find(fmt::format("`--resume-file`, default `./{}`", defaults::kResumeFile)),
            std::string::npos);
  EXPECT_NE(text.find(fmt::format("in `--format` (default `{}`)", defaults::kFormat)), std::string::npos);
  EXPECT_NE(text.find(fmt::format("`--format`, default {})", defaults::kMergeFormat)), std::string::npos);
}

TEST(Defaults, OptionsNotGivenTakeTheDefaults) {
  const test::Parsed r = test::run({"198.19.0.1", "-p", "80"});
  ASSERT_TRUE(r.config);
  const ScanConfig& c = *r.config;
  EXPECT_EQ(c.rate_pps, defaults::kRatePps);
  EXPECT_EQ(c.wait_s, defaults::kWaitS);
  EXPECT_EQ(c.retries, defaults::kRetries);
  EXPECT_EQ(c.retry_delay_s, defaults::kRetryDelayS);
  EXPECT_EQ(c.late_replies_s, defaults::kLateRepliesS);
  EXPECT_EQ(c.send_threads, defaults::kSendThreads);
  EXPECT_EQ(c.send_backend, defaults::kSendBackend);
  EXPECT_EQ(c.source_port_first, defaults::kSourcePortFirst);
  EXPECT_EQ(c.source_port_last, defaults::kSourcePortLast);
  EXPECT_EQ(c.max_memory_bytes, defaults::kMaxMemoryMiB << 20);
  EXPECT_EQ(c.pcap_buffer_bytes, defaults::kPcapBufferMiB << 20);
  EXPECT_EQ(c.show.open, defaults::kShow.open);
  EXPECT_EQ(c.show.closed, defaults::kShow.closed);
  EXPECT_EQ(c.show.filtered, defaults::kShow.filtered);
  EXPECT_EQ(c.user, defaults::kUser);
  EXPECT_EQ(c.resume_file, defaults::kResumeFile);
  EXPECT_EQ(c.max_runtime_s, defaults::kMaxRuntimeS);
  EXPECT_FALSE(c.banners);
  EXPECT_EQ(c.banner_concurrency, defaults::kBannerConcurrency);
  EXPECT_EQ(c.banner_rate, defaults::kBannerRate);
  EXPECT_EQ(c.banner_timeout_s, defaults::kBannerTimeoutS);
  EXPECT_EQ(c.banner_max_bytes, defaults::kBannerMaxBytes);
  ASSERT_EQ(c.outputs.size(), 1U);
  EXPECT_EQ(c.outputs[0].path, defaults::kOutputPath);
  EXPECT_EQ(c.outputs[0].format, defaults::kFormat);
  // An option given overrides its default, and an empty value is still a bad value, not "not given".
  EXPECT_EQ(test::run({"198.19.0.1", "-p", "80", "--rate", "7"}).config->rate_pps, 7.0);
  EXPECT_EQ(test::error_of([] {
              test::run({"198.19.0.1", "-p", "80", "--rate", ""});
            }),
            "bad value '' in --rate (expected a number >= 0.001, auto or auto:MAX)");
  EXPECT_EQ(test::error_of([] {
              test::run({"198.19.0.1", "-p", "80", "--user", ""});
            }),
            "bad user '' in --user (name an unprivileged user)");
}

}  // namespace
}  // namespace synscan
