// Resume files (C18): JSON round trip, --resume rebuilding the same config, the send loop's exact resume
// point (also when a stop cuts a batch short), and which run reports silence as filtered.
#include "cli/resume.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "capture/send_thread.hpp"
#include "cli/options.hpp"
#include "tests/unit/cli_test_helpers.hpp"
#include "cli/scan_config.hpp"
#include "engine/aggregator.hpp"
#include "engine/permutation.hpp"
#include "engine/shard.hpp"

namespace synscan {
namespace {

std::string temp_path(const std::string& tag) {
  static int counter = 0;
  return (std::filesystem::temp_directory_path() /
          ("synscan-resume-test-" + std::to_string(::getpid()) + "-" + tag + std::to_string(counter++)))
      .string();
}

using test::Parsed;
using test::run;

using test::error_of;

const std::vector<std::string> kScan = {"192.0.2.0/26",
                                        "198.51.100.0/30",
                                        "--no-default-excludes",
                                        "-p",
                                        "22,80,443",
                                        "--send-threads",
                                        "3",
                                        "--retries",
                                        "2",
                                        "--rate",
                                        "500",
                                        "-o",
                                        "out.ndjson",
                                        "--format",
                                        "ndjson",
                                        "--show",
                                        "all",
                                        "--resume-file",
                                        "r.json"};

// Writes the resume file of scan `args` stopped at `point`; returns its path.
std::string write_resume(const ScanConfig& c, const ResumePoint& point) {
  const std::string path = temp_path("file");
  std::ofstream(path) << resume_to_json(c, point);
  return path;
}

ResumePoint some_point(const ScanConfig& c) {
  ResumePoint p{1, {5, 0, 17}, std::vector<std::uint64_t>(ResultTable::bytes_for(c.space.size()) / 8, 0), {}};
  p.answered[0] = 0x8000000000000001ull;
  p.answered[3] = 0x00F0F0F0F0F0F0F0ull;
  return p;
}

TEST(Resume, JsonRoundTrip) {
  const Parsed r = run(kScan);
  ASSERT_TRUE(r.config);
  const ScanConfig& c = *r.config;
  const ResumePoint p = some_point(c);
  const ResumeFile f = resume_from_json(resume_to_json(c, p), "x");
  EXPECT_EQ(f.options, c.effective);
  EXPECT_EQ(f.seed, c.seed);
  EXPECT_EQ(f.send_threads, 3U);
  EXPECT_EQ(f.space_size, c.space.size());
  EXPECT_EQ(f.point.pass, 1U);
  EXPECT_EQ(f.point.next_j, p.next_j);
  EXPECT_EQ(f.point.answered, p.answered);
}

TEST(Resume, ResumeRebuildsTheSameConfigAndEchoesTheSameOptions) {
  std::vector<std::string> echo_args = kScan;
  echo_args.push_back("--echo-config");
  const Parsed original = run(kScan);
  ASSERT_TRUE(original.config);
  const std::string path = write_resume(*original.config, some_point(*original.config));
  const Parsed resumed = run({"--resume", path});
  ASSERT_TRUE(resumed.config);
  const ScanConfig& c = *resumed.config;
  EXPECT_EQ(c.seed, original.config->seed);
  EXPECT_EQ(c.send_threads, 3U);
  EXPECT_EQ(c.retries, 2U);
  EXPECT_EQ(c.resume_file, "r.json");
  ASSERT_TRUE(c.resume_from);
  EXPECT_EQ(c.resume_from->next_j, (std::vector<std::uint64_t>{5, 0, 17}));
  EXPECT_EQ(c.resume_from->loaded_from, path);
  EXPECT_EQ(first_pass(c), 1U);
  EXPECT_EQ(start_j(c, 1, 2), 17U);
  EXPECT_EQ(start_j(c, 2, 2), 0U);  // later passes start at the beginning
  // The stopped run's outputs are appended to, not truncated.
  ASSERT_EQ(c.outputs.size(), 1U);
  EXPECT_EQ(c.outputs[0].path, "out.ndjson");
  EXPECT_TRUE(c.outputs[0].append);
  // load then --echo-config gives the same options (the seed of the original, which was random).
  echo_args.push_back("--seed");
  echo_args.push_back(std::to_string(original.config->seed));
  EXPECT_EQ(run({"--resume", path, "--echo-config"}).out, run(echo_args).out);
  // A new -o on the command line writes a fresh file instead.
  const Parsed elsewhere = run({"--resume", path, "-o", "part2.ndjson", "--rate", "100"});
  ASSERT_TRUE(elsewhere.config);
  EXPECT_FALSE(elsewhere.config->outputs[0].append);
  EXPECT_EQ(elsewhere.config->rate_pps, 100.0);
  std::remove(path.c_str());
}

TEST(Resume, RefusesOptionsThatChangeTheProbeOrder) {
  const Parsed original = run(kScan);
  ASSERT_TRUE(original.config);
  const std::string path = write_resume(*original.config, some_point(*original.config));
  EXPECT_EQ(error_of([&] {
              run({"--resume", path, "-p", "22"});
            }).rfind("option '--ports' cannot be changed", 0),
            0U);
  EXPECT_EQ(error_of([&] {
              run({"--resume", path, "192.0.2.1", "--no-default-excludes"});
            }).rfind("option '192.0.2.1' cannot be", 0),
            0U);
  EXPECT_EQ(error_of([&] {
              run({"--resume", path, "--config", path});
            }),
            "--config and --resume cannot be used together");
  std::remove(path.c_str());
}

TEST(Resume, BadFilesAreUsageErrors) {
  const Parsed original = run(kScan);
  ASSERT_TRUE(original.config);
  const ScanConfig& c = *original.config;
  EXPECT_NE(error_of([] { resume_from_json("{", "f"); }).find("bad resume file 'f'"), std::string::npos);
  EXPECT_NE(
      error_of([] { resume_from_json("{\"synscan_resume\":9}", "f"); }).find("not a synscan resume file"),
      std::string::npos);
  ResumePoint p = some_point(c);
  p.next_j.pop_back();
  EXPECT_NE(
      error_of([&] { resume_from_json(resume_to_json(c, p), "f"); }).find("one position per send thread"),
      std::string::npos);
  // A position past the end of its slice, a pass past the retries, a different space: refused on load.
  for (int k = 0; k < 3; ++k) {
    ResumePoint q = some_point(c);
    std::string text = resume_to_json(c, q);
    if (k == 0) q.next_j[1] = c.space.size();
    if (k == 1) q.pass = 3;
    text = resume_to_json(c, q);
    if (k == 2) text.replace(text.find("\"space_size\": "), 14, "\"space_size\": 1");
    const std::string path = temp_path("bad");
    std::ofstream(path) << text;
    EXPECT_NE(error_of([&] { run({"--resume", path}); }).find("does not match"), std::string::npos) << k;
    std::remove(path.c_str());
  }
  // Unreadable: the environment (std::runtime_error, exit 1), not bad input (tests/unit/input_file_test.cpp).
  EXPECT_THROW(run({"--resume", "/nonexistent/r.json"}), std::runtime_error);
}

TEST(Resume, AnsweredWordsRoundTripThroughTheTable) {
  ResultTable a(200);
  for (ProbeIndex i : {0ULL, 63ULL, 64ULL, 150ULL, 199ULL}) a.claim(i);
  const std::vector<std::uint64_t> words = answered_words(a);
  ResultTable b(200);
  preload_answered(b, words);
  for (ProbeIndex i = 0; i < 200; ++i) EXPECT_EQ(a.answered(i), b.answered(i)) << i;
  EXPECT_FALSE(b.claim(150));  // preloaded = already reported
}

// A transmitter that reads (dst ip, dst port) of each frame it accepts, takes at most `budget` frames in all,
// and then requests the stop and accepts nothing more (a stop arriving mid-batch with the kernel queue full).
class FakeTransmitter : public Transmitter {
 public:
  FakeTransmitter(std::uint64_t budget, std::atomic<bool>& stop) : budget_(budget), stop_(stop) {}
  std::size_t send(const std::uint8_t* frames, std::size_t stride, const std::uint16_t*, std::size_t count) override {
    std::size_t n = 0;
    for (; n < count && budget_ > 0; ++n, --budget_) {
      const std::uint8_t* ip = frames + stride * n + 14;
      const Ipv4 dst = (Ipv4{ip[16]} << 24) | (Ipv4{ip[17]} << 16) | (Ipv4{ip[18]} << 8) | ip[19];
      const std::uint16_t port = static_cast<std::uint16_t>((ip[22] << 8) | ip[23]);
      ++seen[{dst, port}];
    }
    if (budget_ == 0) stop_ = true;
    return n;
  }
  std::map<std::pair<Ipv4, std::uint16_t>, int> seen;

 private:
  std::uint64_t budget_;
  std::atomic<bool>& stop_;
};

TEST(Resume, SendLoopResumesAtTheFirstProbeNotHandedToTheKernel) {
  const Parsed r = run({"198.18.0.0/24", "-p", "22,80,443", "--seed", "3"});
  ASSERT_TRUE(r.config);
  const ScanConfig& c = *r.config;
  ProbeSetup setup;
  setup.space = &c.space;
  setup.key = CookieKey{1, 2};
  setup.v4 = LocalEndpoint{LinkType::ethernet, {}, {}, IpAddress::v4(0xC6120001)};
  const std::unique_ptr<ProbeModule> maker = make_probe_module("tcp_syn", setup);
  const Permutation perm(c.space.size(), c.seed);
  ResultTable answered(c.space.size());
  for (ProbeIndex i = 0; i < c.space.size(); i += 5) answered.claim(i);  // a retry pass skips these
  for (const ResultTable* skip : std::vector<const ResultTable*>{nullptr, &answered}) {
    for (std::uint64_t budget : {0ULL, 1ULL, 37ULL, 100ULL, 500ULL}) {
      const Slice slice = make_slice(c.space.size(), 0, 1, 1, 2);  // thread 1 of 2
      std::atomic<bool> stop{false};
      std::atomic<std::uint64_t> sent{0};
      FakeTransmitter first(budget, stop);
      RateLimiter fast(1e9, 64, 0);
      const std::uint64_t j = run_send_pass({perm, *maker, slice, skip, 64, 0}, fast, first, sent, stop);
      std::uint64_t accepted = 0;
      for (const auto& [k, n] : first.seen) accepted += static_cast<std::uint64_t>(n);
      EXPECT_EQ(sent.load(), accepted);
      EXPECT_LE(accepted, budget);
      std::atomic<bool> no_stop{false};
      FakeTransmitter second(~0ULL, no_stop);
      RateLimiter fast2(1e9, 64, 0);
      EXPECT_EQ(run_send_pass({perm, *maker, slice, skip, 64, j}, fast2, second, sent, no_stop), slice.count);
      // Together: every probe of the slice not skipped, exactly once.
      std::map<std::pair<Ipv4, std::uint16_t>, int> all = first.seen;
      for (const auto& [k, n] : second.seen) all[k] += n;
      std::uint64_t expected = 0;
      for (std::uint64_t k = 0; k < slice.count; ++k) {
        const ProbeIndex index = perm(slice_position(slice, k));
        if (skip != nullptr && skip->answered(index)) continue;
        ++expected;
        const Probe p = c.space.at(index);
        EXPECT_EQ((all[{p.ip.ipv4(), p.port}]), 1) << "budget " << budget << " position " << k;
      }
      EXPECT_EQ(all.size(), expected) << "budget " << budget;
    }
  }
}

class CollectingWriter : public ResultWriter {
 public:
  void write(const Result& r) override { got.insert({r.ip, r.port}); }
  void flush() override {}
  std::set<std::pair<IpAddress, std::uint16_t>> got;
};

// Silence is reported by the run that sent a probe for the last time: stopped + resumed = the whole space
// once.
TEST(Resume, SilenceIsReportedOnceAcrossStopAndResume) {
  for (const char* retries : {"0", "1"}) {
    const Parsed r =
        run({"198.18.0.0/26", "-p", "22,80", "--send-threads", "2", "--retries", retries, "--show", "all"});
    ASSERT_TRUE(r.config);
    const ScanConfig& c = *r.config;
    const Permutation perm(c.space.size(), c.seed);
    const ResumePoint stopped{c.retries, {10, 31}, {}, {}};  // in the last pass
    ResultTable t1(c.space.size());
    CollectingWriter w1;
    Aggregator a1(t1, c.show, {&w1});
    report_silence(c, perm, stopped, a1, 0);
    EXPECT_EQ(w1.got.size(), 41U);

    ScanConfig resumed = c;
    resumed.resume_from = stopped;
    const ResumePoint done{c.retries, {64, 64}, {}, {}};
    ResultTable t2(c.space.size());
    CollectingWriter w2;
    Aggregator a2(t2, c.show, {&w2});
    report_silence(resumed, perm, done, a2, 0);
    EXPECT_EQ(w2.got.size(), c.space.size() - 41);
    for (const auto& k : w1.got) EXPECT_EQ(w2.got.count(k), 0U);
  }
  // Stopped before the last pass: nothing is final yet, the resumed run reports it all.
  const Parsed r = run({"198.18.0.0/26", "-p", "22,80", "--retries", "1", "--show", "all"});
  ASSERT_TRUE(r.config);
  const Permutation perm(r.config->space.size(), r.config->seed);
  ResultTable t(r.config->space.size());
  CollectingWriter w;
  Aggregator a(t, r.config->show, {&w});
  report_silence(*r.config, perm, ResumePoint{0, {100}, {}, {}}, a, 0);
  EXPECT_TRUE(w.got.empty());
}

TEST(Resume, WritesAtomically) {
  const std::string path = temp_path("atomic");
  write_file_atomically(path, "{}\n");
  write_file_atomically(path, "{\"a\":1}\n");
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "{\"a\":1}\n");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  std::remove(path.c_str());
  EXPECT_THROW(write_file_atomically("/nonexistent/dir/r.json", "x"), std::runtime_error);
}

}  // namespace
}  // namespace synscan
