// The send threads (capture/senders.hpp) over fake transmitters that read each frame's destination back:
// every probe once plus once per retry, retries skip the answered ones (C19), a full window holds the sender,
// and a stop leaves exact cursors that a second run continues from without losing or repeating a probe (C18).
#include "capture/senders.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "tests/unit/cli_test_helpers.hpp"

namespace synscan {
namespace {

using Probes = std::map<std::pair<Ipv4, std::uint16_t>, int>;

// Reads (dst ip, dst port) of each Ethernet + IPv4 frame it accepts. After `budget` frames it requests the
// stop and accepts nothing more (a stop arriving mid-batch with the kernel queue full).
class RecordingTransmitter : public Transmitter {
 public:
  RecordingTransmitter(std::uint64_t budget, std::atomic<bool>& stop) : budget_(budget), stop_(stop) {}
  std::size_t send(const std::uint8_t* frames, std::size_t stride, const std::uint16_t*,
                   std::size_t count) override {
    std::size_t n = 0;
    for (; n < count && budget_ > 0; ++n, --budget_) {
      const std::uint8_t* ip = frames + stride * n + 14;
      const Ipv4 dst = (Ipv4{ip[16]} << 24) | (Ipv4{ip[17]} << 16) | (Ipv4{ip[18]} << 8) | ip[19];
      ++seen[{dst, static_cast<std::uint16_t>((ip[22] << 8) | ip[23])}];
    }
    if (budget_ == 0) stop_ = true;
    return n;
  }
  Probes seen;

 private:
  std::uint64_t budget_;
  std::atomic<bool>& stop_;
};

// A scan's config, probe module and permutation, as run_scan builds them.
struct Scan {
  explicit Scan(std::vector<std::string> args) : config(*test::run(std::move(args)).config) {
    ProbeSetup setup;
    setup.space = &config.space;
    setup.key = CookieKey{1, 2};
    setup.v4 = LocalEndpoint{LinkType::ethernet, {}, {}, IpAddress::v4(0xC6120001)};
    module = std::make_unique<ProbeSet>(setup);
  }
  ScanConfig config;
  std::unique_ptr<ProbeSet> module;
  Permutation permutation{config.space.size(), config.seed};
};

std::vector<std::unique_ptr<Transmitter>> transmitters(std::uint32_t n, std::uint64_t budget,
                                                       std::atomic<bool>& stop) {
  std::vector<std::unique_ptr<Transmitter>> out;
  for (std::uint32_t t = 0; t < n; ++t) out.push_back(std::make_unique<RecordingTransmitter>(budget, stop));
  return out;
}

Probes sent_by(const std::vector<std::unique_ptr<Transmitter>>& txs) {
  Probes all;
  for (const auto& tx : txs) {
    for (const auto& [probe, n] : static_cast<const RecordingTransmitter&>(*tx).seen) all[probe] += n;
  }
  return all;
}

SendSchedule fast() {
  SendSchedule s;
  s.rate_pps = 1e9;
  return s;
}

// C19: 1 host x 3 ports with --retries 3: each probe new once and retried 3 times, interleaved; a probe
// answered after its first send is not sent again.
TEST(SendPasses, EveryProbeOncePerRetryAndRetriesSkipTheAnswered) {
  Scan scan({"198.18.0.9", "-p", "22,80,443", "--retries", "3", "--send-threads", "2", "--seed", "4",
             "--retry-delay", "0.01"});
  ScanState state;
  const auto txs = transmitters(2, ~0ULL, state.stop);
  ProbeWindows windows(scan.config.plan, scan.permutation, scan.config.window);
  const auto at = windows.locate(1);  // e.g. port 80 answered right after its first send
  ASSERT_TRUE(at.has_value());
  ASSERT_EQ(windows.thread(at->thread).claim(at->j), ThreadWindow::Claim::first);
  const SendersDone sent =
      run_senders(scan.config.plan, scan.permutation, *scan.module, windows, txs, fast(), state);
  EXPECT_EQ(sent.sent_per_level, (std::vector<std::uint64_t>{3, 2, 2, 2}));
  EXPECT_EQ(state.sent.load(), 9U);
  for (std::uint32_t t = 0; t < 2; ++t) {
    EXPECT_EQ(sent.next[t].step, total_steps(scan.config.plan.thread(t).count, scan.config.window));
    EXPECT_EQ(windows.thread(t).steps(), sent.next[t].step);  // published for the aggregator
  }
  const Probe skipped = scan.config.space.at(1);
  for (const auto& [probe, n] : sent_by(txs)) {
    EXPECT_EQ(probe.first, 0xC6120009U);
    EXPECT_EQ(n, probe.second == skipped.port ? 1 : 4) << "port " << probe.second;
  }
  EXPECT_EQ(sent_by(txs).size(), 3U);
  EXPECT_TRUE(state.sending_done.load());
  EXPECT_EQ(state.frames_planned.load(), 12U);  // at most every probe 4 times
}

// C18: a stop anywhere, then a second run from the cursors the first returned and its windows restored (what
// a resume file holds): every probe exactly once per send it is owed over both runs.
TEST(SendPasses, StoppedAndContinuedIsOneRun) {
  Scan scan({"198.18.0.0/24", "-p", "22,80,443", "--retries", "1", "--send-threads", "3", "--seed", "7",
             "--retry-delay", "0.002"});
  const ScanPlan& plan = scan.config.plan;
  ASSERT_EQ(scan.config.window.retry_gap, 7U);  // 3,333 pps per thread x 2 ms
  for (const std::uint64_t budget : {0ULL, 1ULL, 5ULL, 100ULL, 255ULL, 258ULL}) {
    ScanState first;
    const auto txs1 = transmitters(3, budget, first.stop);
    ProbeWindows w1(plan, scan.permutation, scan.config.window);
    const SendersDone stopped = run_senders(plan, scan.permutation, *scan.module, w1, txs1, fast(), first);
    EXPECT_LE(first.sent.load(), 3 * budget);  // the first thread out of budget stops the others

    ScanState second;
    const auto txs2 = transmitters(3, ~0ULL, second.stop);
    ProbeWindows w2(plan, scan.permutation, scan.config.window);
    for (std::uint32_t t = 0; t < 3; ++t) {
      w2.thread(t).restore(w1.thread(t).tail(), w1.thread(t).snapshot(stopped.next[t].step + 1));
    }
    SendSchedule rest = fast();
    rest.start = stopped.next;
    run_senders(plan, scan.permutation, *scan.module, w2, txs2, rest, second);
    Probes all = sent_by(txs1);
    for (const auto& [probe, n] : sent_by(txs2)) all[probe] += n;
    ASSERT_EQ(all.size(), scan.config.space.size());
    for (const auto& [probe, n] : all) EXPECT_EQ(n, 2) << "budget " << budget;
  }
}

// Back-pressure: a window of 64 elements over a slice of 300 holds the sender until the tail moves; moved
// here as the aggregator thread would, the sender then finishes, every probe once.
TEST(SendPasses, FullWindowHoldsTheSenderUntilTheTailMoves) {
  Scan scan({"198.18.0.0/24", "-p", "22,80", "--seed", "3"});
  ScanState state;
  const auto txs = transmitters(1, ~0ULL, state.stop);
  WindowShape shape;
  shape.capacity = 64;
  shape.late_steps = 10;
  ProbeWindows windows(scan.config.plan, scan.permutation, shape);
  std::jthread sender(
      [&] { run_senders(scan.config.plan, scan.permutation, *scan.module, windows, txs, fast(), state); });
  for (int i = 0; i < 1000 && state.window_waits.load() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_GT(state.window_waits.load(), 0U);
  EXPECT_LE(state.sent.load(), 64U);
  while (!state.sending_done.load()) {
    windows.thread(0).advance(windows.thread(0).final_limit(), [](std::uint64_t) {});
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  sender.join();
  EXPECT_EQ(state.sent.load(), scan.config.space.size());
  EXPECT_EQ(sent_by(txs).size(), scan.config.space.size());
}

TEST(SendPasses, RefusesTooFewTransmittersOrStartCursors) {
  Scan scan({"198.18.0.0/30", "-p", "80", "--send-threads", "2"});
  ScanState state;
  ProbeWindows windows(scan.config.plan, scan.permutation, scan.config.window);
  EXPECT_THROW(run_senders(scan.config.plan, scan.permutation, *scan.module, windows,
                           transmitters(1, ~0ULL, state.stop), fast(), state),
               std::invalid_argument);
  SendSchedule odd = fast();
  odd.start = {SendCursor{}};
  EXPECT_THROW(run_senders(scan.config.plan, scan.permutation, *scan.module, windows,
                           transmitters(2, ~0ULL, state.stop), odd, state),
               std::invalid_argument);
}

}  // namespace
}  // namespace synscan
