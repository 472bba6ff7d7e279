// Command-line mistakes users make (../shared/cases.md, "also seen"): each is one clear UsageError, exit 2.
#include <gtest/gtest.h>

#include <sstream>

#include "cli/options.hpp"

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

TEST(Options, AValueThatSwallowedTheOnlyTargetIsNamed) {
  EXPECT_EQ(usage_error({"--rate", "192.0.2.1", "-p", "80", "--dry-run"}),
            "bad value '192.0.2.1' in --rate (expected a number >= 0.001)");
  EXPECT_NE(usage_error({"-o", "192.0.2.1", "198.51.100.1", "-p", "80", "--dry-run"})
                .find("output file name '192.0.2.1' looks like a target"),
            std::string::npos);
}

TEST(Options, StdoutDashIsStillAnOutput) {
  EXPECT_EQ(usage_error({"192.0.2.1", "-p", "80", "-o", "-", "--dry-run"}), "(no error)");
}

TEST(Options, ATargetBeforeTheOptionsCounts) {
  std::vector<const char*> args{"synscan", "192.0.2.7", "-p", "80", "--dry-run"};
  std::ostringstream out;
  CommandLine cl = parse_command_line(static_cast<int>(args.size()), args.data(), out);
  ASSERT_TRUE(cl.config.has_value());
  EXPECT_EQ(cl.config->space.size(), 1u);
}

}  // namespace
}  // namespace synscan
