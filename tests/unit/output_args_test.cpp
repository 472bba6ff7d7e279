#include "cli/output_args.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cli/options.hpp"
#include "engine/output/writer.hpp"

namespace synscan {
namespace {

std::vector<std::string> expand(std::vector<const char*> args) {
  args.insert(args.begin(), "synscan");
  return expand_output_shorthands(static_cast<int>(args.size()), args.data());
}

TEST(OutputArgs, ShortFormsBecomeLongOptions) {
  EXPECT_EQ(expand({"-oX", "a.xml", "-oJ", "a.json", "-oD", "a.nd", "-oL", "l", "-oG", "g", "-oC", "c", "-oA",
                    "b"}),
            (std::vector<std::string>{"synscan", "--output-xml", "a.xml", "--output-json", "a.json",
                                      "--output-ndjson", "a.nd", "--output-list", "l", "--output-grepable",
                                      "g", "--output-csv", "c", "--output-all", "b"}));
}

TEST(OutputArgs, OtherArgumentsKeepTheirMeaning) {
  EXPECT_EQ(expand({"-o", "X", "-ofile", "-ox", "198.19.0.0/24", "-p", "80"}),
            (std::vector<std::string>{"synscan", "-o", "X", "-ofile", "-ox", "198.19.0.0/24", "-p", "80"}));
  EXPECT_EQ(expand({"--", "-oX"}), (std::vector<std::string>{"synscan", "--", "-oX"}));
}

TEST(OutputArgs, UnknownShortFormNamesTheToken) {
  try {
    expand({"-oN", "scan.nmap"});
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("'-oN'"), std::string::npos) << e.what();
  }
}

TEST(OutputArgs, ExtensionOrFormatChoosesTheWriter) {
  OutputArgs a;
  a.files = {"s.xml", "s.ndjson", "s.jsonl", "s.csv", "s.gnmap", "s.out"};
  const auto specs = resolve_outputs(a);
  ASSERT_EQ(specs.size(), 6u);
  EXPECT_EQ(specs[0].format, "xml");
  EXPECT_EQ(specs[1].format, "ndjson");
  EXPECT_EQ(specs[2].format, "ndjson");
  EXPECT_EQ(specs[3].format, "csv");
  EXPECT_EQ(specs[4].format, "grepable");
  EXPECT_EQ(specs[5].format, "list");
  a.format = "json";
  for (const OutputSpec& s : resolve_outputs(a)) EXPECT_EQ(s.format, "json") << s.path;
}

TEST(OutputArgs, StdoutByDefaultInTheGivenFormat) {
  OutputArgs a;
  auto specs = resolve_outputs(a);
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_EQ(specs[0].path, "-");
  EXPECT_EQ(specs[0].format, "list");
  a.format = "ndjson";
  EXPECT_EQ(resolve_outputs(a)[0].format, "ndjson");
}

TEST(OutputArgs, ShortFormsFixTheirFormatAndAllMakesThree) {
  OutputArgs a;
  a.format = "csv";  // applies to -o and stdout only
  a.xml = {"x"};
  a.json = {"j"};
  a.all = {"base"};
  const auto specs = resolve_outputs(a);
  ASSERT_EQ(specs.size(), 5u);
  EXPECT_EQ(specs[0].path, "x");
  EXPECT_EQ(specs[0].format, "xml");
  EXPECT_EQ(specs[1].format, "json");
  EXPECT_EQ(specs[2].path, "base.xml");
  EXPECT_EQ(specs[2].format, "xml");
  EXPECT_EQ(specs[3].path, "base.gnmap");
  EXPECT_EQ(specs[3].format, "grepable");
  EXPECT_EQ(specs[4].path, "base.txt");
  EXPECT_EQ(specs[4].format, "list");
}

TEST(OutputArgs, BadFormatAndDuplicatePathAreUsageErrors) {
  OutputArgs a;
  a.format = "yaml";
  EXPECT_THROW(resolve_outputs(a), UsageError);
  OutputArgs b;
  b.files = {"same.xml"};
  b.xml = {"same.xml"};
  EXPECT_THROW(resolve_outputs(b), UsageError);
}

std::optional<ScanConfig> parse(std::vector<const char*> args) {
  args.insert(args.begin(), "synscan");
  std::ostringstream out;
  return parse_command_line(static_cast<int>(args.size()), args.data(), out).config;
}

TEST(OutputArgs, CommandLineWithShortForms) {
  const auto c = parse(
      {"198.51.100.0/24", "--no-default-excludes", "-p", "80", "-oX", "a.xml", "-o", "b.csv", "--dry-run"});
  ASSERT_TRUE(c);
  ASSERT_EQ(c->outputs.size(), 2u);
  EXPECT_EQ(c->outputs[0].path, "b.csv");
  EXPECT_EQ(c->outputs[0].format, "csv");
  EXPECT_EQ(c->outputs[1].path, "a.xml");
  EXPECT_EQ(c->outputs[1].format, "xml");
  try {
    parse({"198.51.100.0/24", "-p", "80", "--format", "yaml"});
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("'yaml'"), std::string::npos) << e.what();
  }
}

// Names from a fixed set are matched in any case, as file extensions are: "--format JSON" was refused while
// "-o a.JSON" gave json. A bad one is still named as typed.
TEST(OutputArgs, FormatStateAndBackendNamesIgnoreCase) {
  const auto c = parse({"198.18.0.1", "-p", "80", "--format", "JSON", "--show", "OPEN,Closed",
                        "--send-backend", "SendMMsg", "-o", "a.out", "--dry-run"});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->outputs[0].format, "json");
  EXPECT_TRUE(c->show.open && c->show.closed && !c->show.filtered);
  EXPECT_EQ(c->send_backend, SendBackend::sendmmsg);
  EXPECT_EQ(parse({"198.18.0.1", "-p", "80", "--format", "NDJson"})->outputs[0].format, "ndjson");
  EXPECT_EQ(parse({"198.18.0.1", "-p", "80", "--show", "ALL"})->show.filtered, true);
  for (const std::vector<const char*>& bad :
       {std::vector<const char*>{"--format", "JSONX"}, {"--show", "OPENED"}, {"--send-backend", "XDPX"}}) {
    std::vector<const char*> args{"198.18.0.1", "-p", "80"};
    args.insert(args.end(), bad.begin(), bad.end());
    try {
      parse(args);
      ADD_FAILURE() << bad[1] << ": no error";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("'") + bad[1] + "'"), std::string::npos) << e.what();
    }
  }
}

TEST(OutputArgs, StatusModes) {
  EXPECT_EQ(parse({"198.51.100.1", "--no-default-excludes", "-p", "80"})->status, StatusMode::automatic);
  EXPECT_EQ(parse({"198.51.100.1", "--no-default-excludes", "-p", "80", "--status"})->status, StatusMode::on);
  EXPECT_EQ(parse({"198.51.100.1", "--no-default-excludes", "-p", "80", "--no-status"})->status,
            StatusMode::off);
  EXPECT_EQ(parse({"198.51.100.1", "--no-default-excludes", "-p", "80", "--status-json"})->status,
            StatusMode::json);
  EXPECT_THROW(parse({"198.51.100.1", "--no-default-excludes", "-p", "80", "--status", "--no-status"}),
               UsageError);
}

TEST(OutputArgs, ManPageListsEveryGroupAndOption) {
  std::vector<const char*> args = {"synscan", "--help-man"};
  std::ostringstream man;
  EXPECT_FALSE(parse_command_line(2, args.data(), man).config);
  const std::string text = man.str();
  EXPECT_EQ(text.rfind(".TH SYNSCAN 1", 0), 0u);
  for (const char* needle :
       {".SS Targets", ".SS Ports", ".SS Output", ".SS Advanced", "\\fB\\-\\-output\\-xml\\fR \\fIFILE\\fR",
        "\\fB\\-p\\fR, \\fB\\-\\-ports\\fR", ".SH EXIT STATUS"}) {
    EXPECT_NE(text.find(needle), std::string::npos) << needle;
  }
}

}  // namespace
}  // namespace synscan

namespace synscan {
namespace {

TEST(OutputArgs, BashCompletionOffersEveryFormat) {
  std::ifstream in(std::string(SYNSCAN_SOURCE_DIR) + "/completion/synscan.bash");
  ASSERT_TRUE(in) << "completion/synscan.bash missing";
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const std::size_t at = text.find("_synscan_formats=\"");
  ASSERT_NE(at, std::string::npos);
  const std::string listed = text.substr(at, text.find('\n', at) - at);
  for (const std::string& f : writer_formats()) {
    EXPECT_TRUE(listed.find("\"" + f + " ") != listed.npos || listed.find(" " + f + " ") != listed.npos ||
                listed.find(" " + f + "\"") != listed.npos)
        << f << " missing from " << listed;
  }
}

}  // namespace
}  // namespace synscan
