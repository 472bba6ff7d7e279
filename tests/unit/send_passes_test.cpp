// The pass loop (capture/send_passes.hpp) over fake transmitters that read each frame's destination back:
// every probe once per pass, retry passes skip the answered ones (C19), and a stop leaves exact resume points
// that a second run continues from without losing or repeating a probe (C18).
#include "capture/send_passes.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <stdexcept>
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
    module = make_probe_module("tcp_syn", setup);
  }
  ScanConfig config;
  std::unique_ptr<ProbeModule> module;
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

PassSchedule fast(std::uint32_t retries) {
  PassSchedule s;
  s.rate_pps = 1e9;
  s.last_pass = retries;
  return s;
}

// C19: 1 host x 3 ports with --retries 3 is 4 passes; a probe answered after the first pass is not sent
// again.
TEST(SendPasses, EveryProbeOncePerPassAndRetriesSkipTheAnswered) {
  Scan scan({"198.18.0.9", "-p", "22,80,443", "--retries", "3", "--send-threads", "2", "--seed", "4"});
  ScanState state;
  const auto txs = transmitters(2, ~0ULL, state.stop);
  ResultTable answered(scan.config.space.size());
  ASSERT_TRUE(answered.claim(1));  // e.g. port 80 answered during the first pass
  const PassesSent sent =
      run_send_passes(scan.config.plan, scan.permutation, *scan.module, answered, txs, fast(3), state);
  EXPECT_EQ(sent.pass, 3U);
  EXPECT_EQ(sent.sent_per_pass, (std::vector<std::uint64_t>{3, 2, 2, 2}));
  EXPECT_EQ(state.sent.load(), 9U);
  for (std::uint32_t t = 0; t < 2; ++t) EXPECT_EQ(sent.next_j[t], scan.config.plan.thread(t).count);
  const Probe skipped = scan.config.space.at(1);
  for (const auto& [probe, n] : sent_by(txs)) {
    EXPECT_EQ(probe.first, 0xC6120009U);
    EXPECT_EQ(n, probe.second == skipped.port ? 1 : 4) << "port " << probe.second;
  }
  EXPECT_EQ(sent_by(txs).size(), 3U);
  EXPECT_TRUE(state.sending_done.load());
  EXPECT_EQ(state.pass.load(), 3U);
  EXPECT_EQ(state.pass_probes.load(), 3U);  // the counts ScanState had (none): at most all three
}

// C18: a stop in the first pass, then a second run from the points the first returned (what a resume file
// holds): every probe exactly once per pass over both runs.
TEST(SendPasses, StoppedAndContinuedIsOneRunOfEveryPass) {
  Scan scan({"198.18.0.0/24", "-p", "22,80,443", "--retries", "1", "--send-threads", "3", "--seed", "7"});
  const ScanPlan& plan = scan.config.plan;
  ResultTable none(scan.config.space.size());
  for (const std::uint64_t budget : {0ULL, 1ULL, 100ULL, 255ULL}) {
    ScanState first;
    const auto txs1 = transmitters(3, budget, first.stop);
    const PassesSent stopped =
        run_send_passes(plan, scan.permutation, *scan.module, none, txs1, fast(1), first);
    EXPECT_EQ(stopped.pass, 0U) << "budget " << budget;
    EXPECT_EQ(stopped.sent_per_pass.size(), 1U);
    EXPECT_LE(first.sent.load(), 3 * budget);  // the first thread out of budget stops the others

    ScanState second;
    const auto txs2 = transmitters(3, ~0ULL, second.stop);
    PassSchedule rest = fast(1);
    rest.first_pass = stopped.pass;
    rest.start_j = stopped.next_j;
    const PassesSent done = run_send_passes(plan, scan.permutation, *scan.module, none, txs2, rest, second);
    EXPECT_EQ(done.pass, 1U);
    Probes all = sent_by(txs1);
    for (const auto& [probe, n] : sent_by(txs2)) all[probe] += n;
    ASSERT_EQ(all.size(), scan.config.space.size());
    for (const auto& [probe, n] : all) EXPECT_EQ(n, 2) << "budget " << budget;
  }
}

TEST(SendPasses, RefusesTooFewTransmittersOrStartPositions) {
  Scan scan({"198.18.0.0/30", "-p", "80", "--send-threads", "2"});
  ScanState state;
  ResultTable none(scan.config.space.size());
  EXPECT_THROW(run_send_passes(scan.config.plan, scan.permutation, *scan.module, none,
                               transmitters(1, ~0ULL, state.stop), fast(0), state),
               std::invalid_argument);
  PassSchedule odd = fast(0);
  odd.start_j = {0};
  EXPECT_THROW(run_send_passes(scan.config.plan, scan.permutation, *scan.module, none,
                               transmitters(2, ~0ULL, state.stop), odd, state),
               std::invalid_argument);
}

}  // namespace
}  // namespace synscan
