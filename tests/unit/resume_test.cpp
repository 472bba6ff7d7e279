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
#include "cli/scan_config.hpp"
#include "engine/aggregator.hpp"
#include "engine/permutation.hpp"
#include "engine/probe_set.hpp"
#include "engine/shard.hpp"
#include "tests/unit/cli_test_helpers.hpp"

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
  ResumePoint p;
  p.retry_gap = c.window.retry_gap;
  p.late_steps = c.window.late_steps;
  p.threads = {ThreadResume{SendCursor{5, 0}, 2, {0x8000000000000005ull}},
               ThreadResume{SendCursor{0, 0}, 0, {}}, ThreadResume{SendCursor{17, 1}, 10, {0xF0ull}}};
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
  EXPECT_EQ(f.point.retry_gap, p.retry_gap);
  EXPECT_EQ(f.point.late_steps, p.late_steps);
  ASSERT_EQ(f.point.threads.size(), 3U);
  for (std::size_t t = 0; t < 3; ++t) {
    EXPECT_EQ(f.point.threads[t].next, p.threads[t].next);
    EXPECT_EQ(f.point.threads[t].tail, p.threads[t].tail);
    EXPECT_EQ(f.point.threads[t].answered, p.threads[t].answered);
  }
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
  EXPECT_EQ(c.resume_from->loaded_from, path);
  EXPECT_EQ(start_cursors(c), (std::vector<SendCursor>{{5, 0}, {0, 0}, {17, 1}}));
  EXPECT_EQ(c.window.retry_gap, original.config->window.retry_gap);
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
  // A target is not an option: the message says what a resume does with targets (before: "option
  // '192.0.2.1' cannot be changed").
  EXPECT_EQ(
      error_of([&] {
        run({"--resume", path, "192.0.2.1", "--no-default-excludes"});
      })
          .rfind("target '192.0.2.1' cannot be given with --resume: a resumed scan continues the stopped "
                 "scan's targets",
                 0),
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
  p.threads.pop_back();
  EXPECT_NE(error_of([&] {
              resume_from_json(resume_to_json(c, p), "f");
            }).find("one cursor and one window per send thread"),
            std::string::npos);
  // A cursor past the end of its order, a tail past its cursor, a different space: refused on load.
  for (int k = 0; k < 3; ++k) {
    ResumePoint q = some_point(c);
    std::string text = resume_to_json(c, q);
    if (k == 0) q.threads[1].next.step = c.space.size() * 1000;
    if (k == 1) q.threads[0].tail = 6;
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

// A transmitter that reads (dst ip, dst port) of each frame it accepts, takes at most `budget` frames in all,
// and then requests the stop and accepts nothing more (a stop arriving mid-batch with the kernel queue full).
class FakeTransmitter : public Transmitter {
 public:
  FakeTransmitter(std::uint64_t budget, std::atomic<bool>& stop) : budget_(budget), stop_(stop) {}
  std::size_t send(const std::uint8_t* frames, std::size_t stride, const std::uint16_t*,
                   std::size_t count) override {
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

// --rate auto: the senders follow the shared rate, and a step that sends nothing costs rate / planned rate of
// a limiter slot, so the steps after the last new probe last --retry-delay in time at any rate found. Every
// probe answered: no retry is sent, every step after the new probes is empty.
TEST(SendLoop, EmptyStepsCostTheFoundRateOverThePlannedOne) {
  const Parsed r = run({"198.18.0.0/25", "-p", "80", "--seed", "5", "--retries", "1"});
  ASSERT_TRUE(r.config);
  const ScanConfig& c = *r.config;
  ProbeSetup setup;
  setup.space = &c.space;
  setup.key = CookieKey{1, 2};
  setup.v4 = LocalEndpoint{LinkType::ethernet, {}, {}, IpAddress::v4(0xC6120001)};
  const auto maker = std::make_unique<ProbeSet>(setup);
  const Permutation perm(c.space.size(), c.seed);
  const Slice slice = c.plan.thread(0);
  ASSERT_EQ(slice.count, 128U);
  WindowShape shape;
  shape.retries = 1;
  shape.retry_gap = 1000;  // 1,000 steps after the 128 new probes, all empty
  shape.capacity = 2048;
  for (const double found_over_planned : {1.0, 0.1}) {
    ThreadWindow window(shape, slice.count);
    for (std::uint64_t j = 0; j < slice.count; ++j) window.claim(j);
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> sent{0}, waits{0}, fresh{0};
    std::vector<std::atomic<std::uint64_t>> levels(2);
    FakeTransmitter tx(~0ULL, stop);
    const double planned = 1e9;
    const std::atomic<double> shared{planned * found_over_planned};
    RateLimiter limiter(planned, 64, 0);
    SendWork work{perm, *maker, slice, window, 64, {}};
    work.shared_rate_pps = &shared;
    const SendCursor end = run_sender(work, limiter, tx, {sent, levels.data(), waits, fresh}, stop);
    EXPECT_EQ(end.step, 128U + 1000U);
    EXPECT_EQ(sent.load(), 128U);
    EXPECT_EQ(fresh.load(), 128U);  // the new probes, the rate thread's denominator
    EXPECT_EQ(limiter.rate(), planned * found_over_planned);
    // 128 frames, then 1,000 empty steps at 1 slot each (the planned rate) or 0.1 slot each (a tenth of it).
    EXPECT_NEAR(static_cast<double>(limiter.sent()), 128 + 1000 * found_over_planned, 1.0)
        << found_over_planned;
  }
}

TEST(Resume, SendLoopResumesAtTheFirstProbeNotHandedToTheKernel) {
  const Parsed r = run({"198.18.0.0/24", "-p", "22,80,443", "--seed", "3", "--retries", "1", "--retry-delay",
                        "0.003", "--send-threads", "2"});
  ASSERT_TRUE(r.config);
  const ScanConfig& c = *r.config;
  ProbeSetup setup;
  setup.space = &c.space;
  setup.key = CookieKey{1, 2};
  setup.v4 = LocalEndpoint{LinkType::ethernet, {}, {}, IpAddress::v4(0xC6120001)};
  const auto maker = std::make_unique<ProbeSet>(setup);
  const Permutation perm(c.space.size(), c.seed);
  const Slice slice = c.plan.thread(1);
  for (std::uint64_t budget : {0ULL, 1ULL, 37ULL, 100ULL, 500ULL}) {
    ThreadWindow window(c.window, slice.count);
    for (std::uint64_t j = 0; j < slice.count; j += 5) window.claim(j);  // answered: no retry
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> sent{0}, waits{0}, fresh{0};
    std::vector<std::atomic<std::uint64_t>> levels(2);
    FakeTransmitter first(budget, stop);
    RateLimiter fast(1e9, 64, 0);
    const SendCursor at = run_sender({perm, *maker, slice, window, 64, {}}, fast, first,
                                     {sent, levels.data(), waits, fresh}, stop);
    std::uint64_t accepted = 0;
    for (const auto& [k, n] : first.seen) accepted += static_cast<std::uint64_t>(n);
    EXPECT_EQ(sent.load(), accepted);
    EXPECT_LE(accepted, budget);
    std::atomic<bool> no_stop{false};
    FakeTransmitter second(~0ULL, no_stop);
    RateLimiter fast2(1e9, 64, 0);
    const SendCursor end = run_sender({perm, *maker, slice, window, 64, at}, fast2, second,
                                      {sent, levels.data(), waits, fresh}, no_stop);
    EXPECT_EQ(end.step, total_steps(slice.count, c.window));
    EXPECT_EQ(levels[0].load(), slice.count);
    // Together: every probe of the slice once, and once more when unanswered.
    std::map<std::pair<Ipv4, std::uint16_t>, int> all = first.seen;
    for (const auto& [k, n] : second.seen) all[k] += n;
    for (std::uint64_t k = 0; k < slice.count; ++k) {
      const Probe p = c.space.at(perm(slice_position(slice, k)));
      EXPECT_EQ((all[{p.ip.ipv4(), p.port}]), k % 5 == 0 ? 1 : 2) << "budget " << budget << " element " << k;
    }
    EXPECT_EQ(all.size(), slice.count) << "budget " << budget;
  }
}

class CollectingWriter : public ResultWriter {
 public:
  void write(const Result& r) override { EXPECT_TRUE(got.insert({r.ip, r.port}).second); }
  void flush() override {}
  std::set<std::pair<IpAddress, std::uint16_t>> got;
};

// Silence is reported by the run in which a probe's fate became final: the stopped run up to each window's
// tail, the resumed run (its windows restored from the resume point) the rest; together the whole shard once.
TEST(Resume, SilenceIsReportedOnceAcrossStopAndResume) {
  for (const char* retries : {"0", "1"}) {
    const Parsed r = run({"198.18.0.0/26", "-p", "22,80", "--send-threads", "2", "--retries", retries,
                          "--show", "all", "--retry-delay", "0.001"});
    ASSERT_TRUE(r.config);
    ScanConfig c = *r.config;
    c.window.late_steps = 0;  // final right after the last retry (no option goes below a reply's delay)
    const Permutation perm(c.space.size(), c.seed);
    ProbeWindows w1(c.plan, perm, c.window);
    w1.thread(0).publish_steps(20);
    w1.thread(1).publish_steps(40);
    CollectingWriter out1;
    Aggregator a1(w1, c.space, c.show, {&out1});
    a1.finalise_ready(0);
    const std::uint64_t back = c.retries * c.window.retry_gap;
    EXPECT_EQ(out1.got.size(), 60 - 2 * back);
    const ResumePoint stopped = resume_point(c, {SendCursor{20, 0}, SendCursor{40, 0}}, w1);
    EXPECT_EQ(stopped.threads[1].tail, 40 - back);

    ScanConfig resumed = c;
    resumed.resume_from = stopped;
    ProbeWindows w2(resumed.plan, perm, resumed.window);
    restore_windows(resumed, w2);
    CollectingWriter out2;
    Aggregator a2(w2, resumed.space, resumed.show, {&out2});
    a2.finalise_all(0);
    EXPECT_EQ(out2.got.size(), c.space.size() - out1.got.size());
    for (const auto& k : out1.got) EXPECT_EQ(out2.got.count(k), 0U);
  }
}

}  // namespace
}  // namespace synscan
