// --syn-profile on the command line: its default written into the effective options (--echo-config, resume
// files, --metadata) for a scan with TCP probes only, a given one kept, a bad one named in one line.
#include <gtest/gtest.h>

#include "tests/unit/cli_test_helpers.hpp"

namespace synscan {
namespace {

TEST(SynProfileOptions, DefaultIsWrittenIntoTheEffectiveOptions) {
  const test::Parsed r = test::run({"198.19.0.1", "-p", "80", "--seed", "1", "--echo-config"});
  EXPECT_NE(r.out.find("syn-profile = windows\n"), std::string::npos) << r.out;
  const test::Parsed given = test::run({"198.19.0.1", "-p", "80", "--syn-profile", "linux", "--echo-config"});
  EXPECT_NE(given.out.find("syn-profile = linux\n"), std::string::npos) << given.out;
  EXPECT_EQ(given.out.find("syn-profile = windows"), std::string::npos) << given.out;
  const test::Parsed udp = test::run({"198.19.0.1", "-sU", "-p", "53", "--echo-config"});
  EXPECT_EQ(udp.out.find("syn-profile"), std::string::npos) << "no TCP probes, no SYN profile";
}

TEST(SynProfileOptions, ReachesTheModuleArgs) {
  const test::Parsed r = test::run({"198.19.0.1", "-p", "80", "--syn-profile", "bsd"});
  ASSERT_TRUE(r.config);
  ASSERT_EQ(r.config->module_args.size(), 1u);
  EXPECT_EQ(r.config->module_args[0], (std::pair<std::string, std::string>{"syn-profile", "bsd"}));
}

TEST(SynProfileOptions, BadNameIsOneLineNamingIt) {
  EXPECT_EQ(
      test::error_of([] {
        test::run({"198.19.0.1", "-p", "80", "--syn-profile", "solaris"});
      }),
      "bad value in --syn-profile solaris: unknown SYN profile 'solaris' (windows, linux, bsd, mss, none)");
  EXPECT_NE(test::error_of([] {
              test::run({"198.19.0.1", "-p", "80", "--syn-profile", "linux", "--syn-profile", "bsd"});
            }).find("--syn-profile given more than once"),
            std::string::npos);
}

}  // namespace
}  // namespace synscan
