// Where resume files and a resumed run's files go: a resumed run writes a file of the stopped run that cannot
// be appended to (its --metadata, -oX, -oJ, -oC) beside it, never over it (C-N17); a stopped scan never
// writes over another scan's resume file; its fallback in $TMPDIR is one name per scan; a resume file
// already resumed is refused (issue 22 item 3).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli/resume.hpp"
#include "cli/scan_config.hpp"
#include "tests/unit/cli_test_helpers.hpp"

namespace synscan {
namespace {

using test::error_of;
using test::run;

// A fresh directory, removed with the object.
struct TempDir {
  TempDir() {
    char dir_template[] = "/tmp/synscan-resumed-XXXXXX";
    EXPECT_NE(::mkdtemp(dir_template), nullptr);
    path = dir_template;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::filesystem::path path;
};

std::string slurp(const std::string& path) {
  std::ostringstream s;
  s << std::ifstream(path).rdbuf();
  return s.str();
}

std::vector<std::string> scan_args(const std::string& resume_file) {
  return {"192.0.2.0/28",
          "--no-default-excludes",
          "-p",
          "22,80",
          "--send-threads",
          "2",
          "-o",
          "-",
          "--resume-file",
          resume_file};
}

// A stop point of a 2-thread scan.
ResumePoint two_thread_point(const ScanConfig& c) {
  ResumePoint p;
  p.retry_gap = c.window.retry_gap;
  p.late_steps = c.window.late_steps;
  p.threads = {ThreadResume{SendCursor{3, 0}, 1, {0x1ull}}, ThreadResume{SendCursor{2, 0}, 0, {}}};
  return p;
}

TEST(ResumedPath, EachResumeGetsAFileOfItsOwn) {
  const TempDir dir;
  const std::string first = dir.file("m.json");
  std::ofstream(first) << "stopped run";
  EXPECT_EQ(resumed_path(first), first + ".resumed");
  std::ofstream(first + ".resumed") << "first resume";
  EXPECT_EQ(resumed_path(first), first + ".resumed.2");
  std::ofstream(first + ".resumed.2") << "second resume";
  EXPECT_EQ(resumed_path(first), first + ".resumed.3");
}

// Before: a stopped scan wrote its resume file over an existing ./synscan.resume (another scan's).
TEST(ResumeFile, AStoppedScanKeepsAnotherScansResumeFile) {
  const TempDir dir;
  const std::string path = dir.file("synscan.resume");
  std::ofstream(path) << "another scan's resume file";
  const auto c = run(scan_args(path)).config;
  ASSERT_TRUE(c);
  save_resume(*c, two_thread_point(*c));
  EXPECT_EQ(slurp(path), "another scan's resume file");
  EXPECT_EQ(resume_from_json(slurp(path + ".2"), "x").seed, c->seed);
  save_resume(*c, two_thread_point(*c));  // and a third scan's: the next free name
  EXPECT_TRUE(std::filesystem::exists(path + ".3"));
}

// A resumed scan stopped again replaces the file it continued from (no new name), and that file, marked
// when the resumed run started, is refused by a second resume until then.
TEST(ResumeFile, AResumedFileIsRefusedUntilItsRunWritesANewOne) {
  const TempDir dir;
  const std::string path = dir.file("r.resume");
  const auto original = run(scan_args(path)).config;
  ASSERT_TRUE(original);
  save_resume(*original, two_thread_point(*original));
  const auto resumed = run({"--resume", path}).config;
  ASSERT_TRUE(resumed);
  mark_resumed(*resumed);
  // Before: accepted again, sending the same probes and appending their results a second time.
  const std::string again = error_of([&] { run({"--resume", path}); });
  EXPECT_EQ(again.rfind("resume file '" + path + "' was already resumed (at 20", 0), 0U) << again;
  save_resume(*resumed, two_thread_point(*resumed));  // the resumed run stops: its own file, a new point
  EXPECT_FALSE(std::filesystem::exists(path + ".2"));
  EXPECT_TRUE(run({"--resume", path}).config);
}

// Before: each stop that fell back to $TMPDIR made a new synscan-XXXXXX.resume. The name is the scan's: the
// same for the stopped run and its resumed runs (other outputs and rates allowed), another for another scan.
TEST(ResumeFile, TheFallbackIsOneFilePerScan) {
  const TempDir dir;
  const std::string path = dir.file("r.resume");
  ::setenv("TMPDIR", dir.path.c_str(), 1);
  const auto original = run(scan_args(path)).config;
  ASSERT_TRUE(original);
  const std::string fallback = fallback_resume_path(*original);
  EXPECT_EQ(fallback.rfind(dir.file("synscan-"), 0), 0U) << fallback;
  EXPECT_EQ(fallback.size(), dir.file("synscan-0123456789abcdef.resume").size()) << fallback;
  save_resume(*original, two_thread_point(*original));
  const auto resumed = run({"--resume", path, "--rate", "77", "-o", dir.file("part2.txt")}).config;
  ASSERT_TRUE(resumed);
  EXPECT_EQ(fallback_resume_path(*resumed), fallback);
  std::vector<std::string> other = scan_args(path);
  other.push_back("--seed");
  other.push_back(std::to_string(original->seed + 1));
  EXPECT_NE(fallback_resume_path(*run(other).config), fallback);
  other = scan_args(path);
  other[0] = "192.0.2.16/28";  // the same size, other targets
  other.push_back("--seed");
  other.push_back(std::to_string(original->seed));
  EXPECT_NE(fallback_resume_path(*run(other).config), fallback);
  ::unsetenv("TMPDIR");
}

// Before: a run of the same scan started anew and stopped wrote over the fallback file of an earlier run, so
// that run's point was lost. The fallback keeps another run's file (writes .2) and is replaced only by a run
// resumed from it.
TEST(ResumeFile, TheFallbackKeepsAnotherRunsFile) {
  const TempDir dir;
  ::setenv("TMPDIR", dir.path.c_str(), 1);
  std::vector<std::string> args = scan_args(dir.file("missing/r.resume"));  // a directory that cannot take it
  args.push_back("--seed");
  args.push_back("5");
  const auto first = run(args).config;
  ASSERT_TRUE(first);
  const std::string fallback = fallback_resume_path(*first);
  save_resume(*first, two_thread_point(*first));
  const std::string first_text = slurp(fallback);
  ASSERT_FALSE(first_text.empty());
  const auto anew = run(args).config;  // the same scan, started again
  ASSERT_TRUE(anew);
  ResumePoint other = two_thread_point(*anew);
  other.threads[0].next.step = 7;
  save_resume(*anew, other);
  EXPECT_EQ(slurp(fallback), first_text);
  EXPECT_TRUE(std::filesystem::exists(fallback + ".2"));
  const auto resumed = run({"--resume", fallback}).config;  // the first run continued: its own file
  ASSERT_TRUE(resumed);
  save_resume(*resumed, other);
  EXPECT_NE(slurp(fallback), first_text);
  EXPECT_FALSE(std::filesystem::exists(fallback + ".3"));
  ::unsetenv("TMPDIR");
}

}  // namespace
}  // namespace synscan
