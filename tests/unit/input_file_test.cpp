// Input files (--config, -iL, --exclude-file, --resume, merge): a directory or a file that cannot be read is
// the environment (std::runtime_error, exit 1) with one message naming the path and the system's reason,
// never a silent empty input, a parse error or a usage error.
#include "cli/input_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/merge.hpp"
#include "cli/options.hpp"
#include "tests/unit/cli_test_helpers.hpp"
#include "tests/unit/cli_test_util.hpp"

namespace synscan {
namespace {

// A fresh, empty directory under the test temp dir.
std::string make_dir(const std::string& name) {
  const std::string path = ::testing::TempDir() + "synscan_input_" + name;
  std::filesystem::remove_all(path);
  std::filesystem::create_directory(path);
  return path;
}

// The std::runtime_error text of fn; a UsageError (bad input, exit 2) or no error at all is a test failure.
std::string environment_error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const UsageError& e) {
    return std::string("(a usage error) ") + e.what();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(InputFile, ADirectoryIsRefusedByName) {
  const std::string dir = make_dir("plain");
  EXPECT_EQ(environment_error_of([&] { open_input_file(dir, "--include-file"); }),
            "cannot read --include-file '" + dir + "': Is a directory");
  EXPECT_EQ(environment_error_of([&] { read_input_file(dir, "config file"); }),
            "cannot read config file '" + dir + "': Is a directory");
  EXPECT_EQ(environment_error_of([&] { read_input_file(dir, ""); }),
            "cannot read '" + dir + "': Is a directory");
}

TEST(InputFile, AMissingFileNamesTheReason) {
  EXPECT_EQ(environment_error_of([] { read_input_file("/nonexistent/x", "resume file"); }),
            "cannot read resume file '/nonexistent/x': No such file or directory");
  EXPECT_EQ(environment_error_of([] { open_input_file("/nonexistent/x", "--exclude-file"); }),
            "cannot read --exclude-file '/nonexistent/x': No such file or directory");
}

TEST(InputFile, ReadsTheWholeFile) {
  const std::string text(100000, 'x');
  const std::string path = test::write_temp_file("input_whole", text + "\nend\n");
  EXPECT_EQ(read_input_file(path, "config file"), text + "\nend\n");
  std::remove(path.c_str());
}

// Each option that reads a file refuses a directory the same way: before, --config DIR ran the scan without
// the file's options, -iL DIR failed without a reason and --resume DIR gave a JSON parse error.
TEST(InputFile, EveryInputOptionRefusesADirectory) {
  const std::string dir = make_dir("options");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--config", dir, "192.0.2.1", "-p", "80", "--dry-run", "--no-default-excludes"}, "config file"},
      {{"-iL", dir, "-p", "80", "--dry-run"}, "--include-file"},
      {{"--include-file", dir, "-p", "80", "--dry-run"}, "--include-file"},
      {{"192.0.2.1", "-p", "80", "--exclude-file", dir, "--dry-run"}, "--exclude-file"},
      {{"--resume", dir}, "resume file"},
  };
  for (const auto& [args, what] : cases) {
    EXPECT_EQ(environment_error_of([&] { test::run(args); }),
              "cannot read " + what + " '" + dir + "': Is a directory")
        << args[0];
  }
}

TEST(InputFile, MergeRefusesADirectory) {
  const std::string dir = make_dir("merge");
  std::vector<const char*> argv{"merge", dir.c_str()};
  std::ostringstream help;
  EXPECT_EQ(environment_error_of([&] { run_merge(static_cast<int>(argv.size()), argv.data(), help); }),
            "cannot read '" + dir + "': Is a directory");
}

// README: a file that cannot be read is the environment (exit 1), also a resume file (it was exit 2).
TEST(InputFile, AnUnreadableResumeFileIsTheEnvironment) {
  EXPECT_EQ(environment_error_of([] {
              test::run({"--resume", "/nonexistent/r.resume"});
            }),
            "cannot read resume file '/nonexistent/r.resume': No such file or directory");
  if (::geteuid() != 0) {  // root reads a mode-000 file anyway
    const std::string path = test::write_temp_file("unreadable.resume", "{}");
    ::chmod(path.c_str(), 0);
    EXPECT_EQ(environment_error_of([&] {
                test::run({"--resume", path});
              }),
              "cannot read resume file '" + path + "': Permission denied");
    std::remove(path.c_str());
  }
}

}  // namespace
}  // namespace synscan
