// C-N30: a send error in a send thread no longer ends the process. A link that goes down is waited for and
// the scan goes on with every probe sent once; one that stays down past the bound, or any other send error,
// ends the senders at exact cursors (as a stop does) with one failure naming the interface.
#include "capture/link_wait.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <set>

#include "capture/senders.hpp"
#include "tests/unit/cli_test_helpers.hpp"

namespace synscan {
namespace {

// Throws SendError(code) on calls [fail_from, fail_from + fail_calls), else takes every frame and counts it.
class FlakyTransmitter : public Transmitter {
 public:
  FlakyTransmitter(int code, std::uint64_t fail_from, std::uint64_t fail_calls)
      : code_(code), fail_from_(fail_from), fail_to_(fail_from + fail_calls) {}
  std::size_t send(const std::uint8_t* frames, std::size_t stride, const std::uint16_t*,
                   std::size_t count) override {
    const std::uint64_t call = calls_++;
    if (call >= fail_from_ && call < fail_to_)
      throw SendError("sendmmsg: " + std::string(std::strerror(code_)), code_);
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint8_t* ip = frames + stride * i + 14;
      seen.insert((std::uint64_t{ip[19]} << 16) | (ip[22] << 8) | ip[23]);
      ++frames_;
    }
    return count;
  }
  std::set<std::uint64_t> seen;  // (last address byte, port) of each frame taken
  std::uint64_t frames_ = 0;
  std::uint64_t calls() const noexcept { return calls_; }

 private:
  int code_;
  std::uint64_t fail_from_, fail_to_;
  std::uint64_t calls_ = 0;
};

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

struct Outcome {
  SendersDone done;
  std::uint64_t frames = 0;
  std::uint64_t calls = 0;
  std::size_t distinct = 0;
  std::optional<std::string> failure;
  bool stop = false;
};

// 64 hosts x 2 ports at 1000 pps, one thread (about 128 ms, in small batches); the transmitter fails as
// given.
Outcome run_flaky(int code, std::uint64_t fail_from, std::uint64_t fail_calls, double bound_s) {
  Scan scan({"198.18.0.0/26", "-p", "22,80", "--seed", "5", "--rate", "1000"});
  ScanState state;
  std::vector<std::unique_ptr<Transmitter>> txs;
  txs.push_back(std::make_unique<FlakyTransmitter>(code, fail_from, fail_calls));
  ProbeWindows windows(scan.config.plan, scan.permutation, scan.config.window);
  std::FILE* notes = std::tmpfile();
  LinkWait link("veth-test", bound_s, notes);
  SendSchedule s;
  s.rate_pps = 1000;
  s.link = &link;
  Outcome r;
  r.done = run_senders(scan.config.plan, scan.permutation, *scan.module, windows, txs, s, state);
  const auto& tx = static_cast<const FlakyTransmitter&>(*txs[0]);
  r.frames = tx.frames_;
  r.calls = tx.calls();
  r.distinct = tx.seen.size();
  r.failure = link.failure();
  r.stop = state.stop.load();
  std::fclose(notes);
  return r;
}

TEST(LinkWait, ALinkBackWithinTheBoundLosesAndRepeatsNothing) {
  // 20 failing calls at ~100 ms each: about 2 s down, within a 30 s bound.
  const Outcome r = run_flaky(ENETDOWN, 3, 20, 30);
  EXPECT_FALSE(r.failure.has_value()) << *r.failure;
  EXPECT_FALSE(r.stop);
  EXPECT_GT(r.calls, 23U);    // the outage was met and outlasted
  EXPECT_EQ(r.frames, 128U);  // every probe once
  EXPECT_EQ(r.distinct, 128U);
  EXPECT_EQ(r.done.next[0].step, 128U);
}

TEST(LinkWait, ALinkDownPastTheBoundStopsAtAnExactCursor) {
  const Outcome r = run_flaky(ENETDOWN, 2, ~0ULL / 2, 0.3);
  ASSERT_TRUE(r.failure.has_value());
  EXPECT_NE(r.failure->find("link veth-test down"), std::string::npos) << *r.failure;
  EXPECT_NE(r.failure->find("Network is down"), std::string::npos) << *r.failure;
  EXPECT_TRUE(r.stop);                       // the other senders and the scan stop as on Ctrl-C
  EXPECT_EQ(r.done.next[0].step, r.frames);  // the resume point is the first frame never taken
  EXPECT_LT(r.frames, 128U);
}

TEST(LinkWait, AnyOtherSendErrorStopsAtOnce) {
  const Outcome r = run_flaky(EPERM, 1, ~0ULL / 2, 30);
  ASSERT_TRUE(r.failure.has_value());
  EXPECT_NE(r.failure->find("sending on veth-test"), std::string::npos) << *r.failure;
  EXPECT_TRUE(r.stop);
  EXPECT_EQ(r.done.next[0].step, r.frames);
}

TEST(LinkWait, LinkGoneErrors) {
  for (int code : {ENETDOWN, ENXIO, ENODEV, EIO}) EXPECT_TRUE(SendError("x", code).link_gone()) << code;
  for (int code : {EPERM, EINVAL, EMSGSIZE}) EXPECT_FALSE(SendError("x", code).link_gone()) << code;
}

TEST(LinkWait, AStopDuringTheWaitRecordsNoFailure) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> notes(std::tmpfile(), &std::fclose);
  LinkWait link("veth-test", 30, notes.get());
  std::atomic<bool> stop{true};
  EXPECT_FALSE(link.wait(SendError("sendmmsg: Network is down", ENETDOWN), stop));
  EXPECT_FALSE(link.failure().has_value());
}

}  // namespace
}  // namespace synscan
