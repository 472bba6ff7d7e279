// One file through two spellings is one file: outputs, --metadata, --pcap-out and the resume file may not
// share one, nor overwrite a file the scan read (-iL, --exclude-file, --config, --resume). Before, '-oX a.dat
// -oD
// ./a.dat' was accepted and left a file that was neither XML nor NDJSON.
#include "cli/file_identity.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli/options.hpp"
#include "tests/unit/cli_test_helpers.hpp"

namespace synscan {
namespace {

namespace fs = std::filesystem;

// A fresh directory with a subdirectory "sub"; the current directory is restored at scope exit.
struct Scratch {
  std::string dir;
  fs::path previous = fs::current_path();
  Scratch() {
    dir = ::testing::TempDir() + "synscan_identity_" + std::to_string(::getpid());
    fs::remove_all(dir);
    fs::create_directories(dir + "/sub");
  }
  ~Scratch() {
    fs::current_path(previous);
    fs::remove_all(dir);
  }
};

// The usage error of a scan command line (a dry run of one address; nothing is opened while parsing).
std::string error_of_scan(std::vector<std::string> args) {
  for (const char* a : {"198.18.0.1", "-p", "80", "--dry-run"}) args.emplace_back(a);
  return test::error_of([&] { test::run(args); });
}

TEST(FileIdentity, TwoSpellingsOfOneNewFileAreRefused) {
  Scratch s;
  fs::current_path(s.dir);
  EXPECT_EQ(error_of_scan({"-oX", "a.dat", "-oD", "./a.dat"}),
            "bad output './a.dat' (the same file as output 'a.dat': each output needs its own file)");
  EXPECT_EQ(error_of_scan({"-o", s.dir + "/sub/../b.xml", "-oJ", "b.xml"}),
            "bad output 'b.xml' (the same file as output '" + s.dir +
                "/sub/../b.xml': each output needs its own "
                "file)");
  EXPECT_FALSE(fs::exists("a.dat"));  // refused before anything was created
  EXPECT_EQ(error_of_scan({"-oX", "a.dat", "-oD", "sub/a.dat"}), "(no error)");
}

TEST(FileIdentity, ExistingFilesAreComparedByDeviceAndInode) {
  Scratch s;
  const std::string a = s.dir + "/a.dat";
  std::ofstream(a) << "old";
  fs::create_symlink(a, s.dir + "/link.dat");
  fs::create_hard_link(a, s.dir + "/hard.dat");
  EXPECT_EQ(error_of_scan({"-oX", a, "-oD", s.dir + "/link.dat"}),
            "bad output '" + s.dir + "/link.dat' (the same file as output '" + a +
                "': each output needs its own file)");
  EXPECT_NE(error_of_scan({"-oX", s.dir + "/hard.dat", "-oD", a}).find("the same file as output"),
            std::string::npos);
}

// Opening a dangling symlink for writing creates its target: the two are one file before either exists.
TEST(FileIdentity, ADanglingSymlinkIsItsTarget) {
  Scratch s;
  fs::create_symlink("sub/new.xml", s.dir + "/dangling.xml");
  EXPECT_EQ(file_identity(s.dir + "/dangling.xml"), file_identity(s.dir + "/sub/new.xml"));
  EXPECT_NE(
      error_of_scan({"-oX", s.dir + "/sub/new.xml", "-oD", s.dir + "/dangling.xml"}).find("the same file"),
      std::string::npos);
}

TEST(FileIdentity, MetadataPcapAndResumeFileCountAsOutputs) {
  Scratch s;
  const std::string m = s.dir + "/m.json";
  EXPECT_EQ(error_of_scan({"-o", m, "--metadata", s.dir + "/./m.json"}),
            "bad --metadata '" + s.dir + "/./m.json' (the same file as output '" + m +
                "': each output needs its own file)");
  EXPECT_NE(error_of_scan({"--metadata", m, "--pcap-out", s.dir + "/sub/../m.json"}).find("as --metadata"),
            std::string::npos);
  EXPECT_EQ(error_of_scan({"-o", m, "--resume-file", s.dir + "//m.json"}),
            "bad --resume-file '" + s.dir + "//m.json' (the same file as output '" + m +
                "': each output needs its own file)");
}

TEST(FileIdentity, AnOutputMayNotOverwriteAnInput) {
  Scratch s;
  const std::string targets = s.dir + "/targets.txt";
  std::ofstream(targets) << "198.18.0.1\n";
  EXPECT_EQ(test::error_of([&] {
              test::run({"-iL", targets, "-p", "80", "--dry-run", "-o", s.dir + "/sub/../targets.txt"});
            }),
            "bad output '" + s.dir + "/sub/../targets.txt' (the same file as --include-file '" + targets +
                "', which it would overwrite)");
  const std::string keep_out = s.dir + "/keep-out.txt";
  std::ofstream(keep_out) << "198.18.0.9\n";
  EXPECT_NE(error_of_scan({"--exclude-file", keep_out, "--metadata", keep_out}).find("as --exclude-file"),
            std::string::npos);
}

// Character devices take any number of writers; standard output is compared by what it is.
TEST(FileIdentity, CharacterDevicesAreShared) {
  EXPECT_EQ(file_identity("/dev/null"), "");
  EXPECT_EQ(error_of_scan({"-oX", "/dev/null", "-oD", "/dev/./null"}), "(no error)");
  EXPECT_EQ(error_of_scan({"-oX", "/dev/null", "-oD", "/dev/null", "--metadata", "/dev/null"}), "(no error)");
  EXPECT_NO_THROW(
      reject_shared_files({{"output", "-"}, {"--metadata", "/dev/null"}}, {{"--include-file", "-"}}));
}

}  // namespace
}  // namespace synscan
