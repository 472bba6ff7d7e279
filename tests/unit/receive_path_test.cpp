// The receive path out of cli/: the receive thread's per-frame work (ReplyHandler: classify, hand over, count
// what is ignored or dropped) and the aggregator thread (drain, deduplicate, flush while idle, publish
// counts).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "capture/receive_thread.hpp"
#include "engine/aggregate_thread.hpp"
#include "engine/aggregator.hpp"
#include "engine/port_set.hpp"
#include "engine/probe_window.hpp"
#include "engine/probes/registry.hpp"
#include "engine/probes/tcp_validator.hpp"
#include "engine/target_parse.hpp"

namespace synscan {
namespace {

// A probe set whose replies are one-byte-tagged frames: [1, index, state] answers probe `index` with
// `state`; anything else answers nothing. Only classify() is used by the receive path.
class TaggedModule : public ProbeSet {
 public:
  std::optional<Result> classify(std::span<const std::uint8_t> frame, LinkType, std::int64_t ts_ms,
                                 AnswerInfo*) const noexcept override {
    if (frame.size() != 3 || frame[0] != 1) return std::nullopt;
    Result r;
    r.index = frame[1];
    r.ip = IpAddress::v4(0xC6120000 + frame[1]);
    r.port = 80;
    r.state = static_cast<PortState>(frame[2]);
    r.reason = r.state == PortState::open     ? tcp_reason::syn_ack
               : r.state == PortState::closed ? tcp_reason::rst
                                              : tcp_reason::icmp_unreach;
    r.answered = r.state != PortState::filtered;
    r.ts_ms = ts_ms;
    return r;
  }
};

std::vector<std::uint8_t> reply(std::uint8_t index, PortState state) {
  return {1, index, static_cast<std::uint8_t>(state)};
}

TEST(ReceivePath, HandlerQueuesVerdictsAndCountsIgnoredFramesAndQueueDrops) {
  const TaggedModule module;
  SpscQueue<Result> queue(2);  // room for two verdicts
  ScanState state;
  const ReplyHandler handle{LinkType::ethernet, module, queue, state};
  const std::vector<std::uint8_t> foreign = {0, 7, 0};
  handle(foreign, 1);
  handle({}, 2);
  for (std::uint8_t i = 0; i < 3; ++i) handle(reply(i, PortState::open), 100 + i);
  EXPECT_EQ(state.replies_ignored.load(), 2U);
  EXPECT_EQ(state.queue_drops.load(), 1U);  // the third verdict found the queue full
  for (std::uint8_t i = 0; i < 2; ++i) {
    const std::optional<Result> r = queue.pop();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->index, i);
    EXPECT_EQ(r->ts_ms, 100 + i);  // the capture time becomes the result's time
  }
  EXPECT_FALSE(queue.pop());
}

TEST(ReceivePath, CaptureStatsReachScanState) {
  ScanState state;
  publish_capture_stats(CaptureStats{10, 2, 3}, state);
  EXPECT_EQ(state.pcap_received.load(), 10U);
  EXPECT_EQ(state.pcap_drops.load(), 2U);
  EXPECT_EQ(state.pcap_if_drops.load(), 3U);
}

// Collects results; counts flushes. Written by the aggregator thread, read by the test thread.
class WatchedWriter : public ResultWriter {
 public:
  void write(const Result& r) override {
    const std::lock_guard lock(mutex_);
    pending_.push_back(r.index);
  }
  void flush() override {
    const std::lock_guard lock(mutex_);
    flushed_.insert(flushed_.end(), pending_.begin(), pending_.end());
    pending_.clear();
  }
  std::vector<ProbeIndex> flushed() {
    const std::lock_guard lock(mutex_);
    return flushed_;
  }

 private:
  std::mutex mutex_;
  std::vector<ProbeIndex> pending_, flushed_;
};

// Polls `done` for up to 10 s.
template <class Done>
bool eventually(Done done) {
  for (int i = 0; i < 1000 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return done();
}

TEST(ReceivePath, AggregatorThreadStreamsDeduplicatesAndPublishes) {
  AddressRanges targets;
  parse_target_list("192.0.2.0/30", targets);
  const ProbeSpace space(TargetSet(targets), PortSet(parse_port_list("1-4")));  // 16 probes
  const ScanPlan plan(space.size(), 0, 1, 1);
  const Permutation perm(space.size(), 5);
  ProbeWindows windows(plan, perm, WindowShape{});
  WatchedWriter writer;
  Aggregator aggregator(windows, space, ShowMask{true, true, true}, {&writer});
  SpscQueue<Result> queue(64);
  ScanState state;
  const TaggedModule module;
  const ReplyHandler handle{LinkType::ethernet, module, queue, state};
  AggregateThread aggregating(queue, aggregator, state);

  handle(reply(1, PortState::open), 0);
  handle(reply(2, PortState::closed), 0);
  // While the scan runs, results reach the writer's file as soon as the queue runs dry (C29), not at the end.
  ASSERT_TRUE(eventually([&] { return writer.flushed().size() == 2; }));
  EXPECT_TRUE(eventually([&] { return state.open.load() == 1 && state.closed.load() == 1; }));

  handle(reply(1, PortState::closed), 0);  // a later reply to an answered probe: a duplicate, not a result
  handle(reply(3, PortState::filtered), 0);
  aggregating.stop();  // takes what is still queued
  aggregating.stop();  // idempotent
  EXPECT_EQ(writer.flushed(), (std::vector<ProbeIndex>{1, 2, 3}));
  EXPECT_EQ(state.replies_duplicate.load(), 1U);
  EXPECT_EQ(state.replies_by_reason[0][1].load(), 1U);  // syn-ack
  EXPECT_EQ(state.replies_by_reason[0][2].load(), 1U);  // rst
  EXPECT_EQ(state.replies_by_reason[0][3].load(), 1U);  // icmp-unreach
  EXPECT_EQ(state.replies_answered.load(), 2U);         // the target's own: not the ICMP error
  EXPECT_EQ(state.open.load(), 1U);
  EXPECT_EQ(state.closed.load(), 1U);
  EXPECT_EQ(state.filtered.load(), 1U);
  EXPECT_EQ(aggregator.count(PortState::closed), 1U);
}

// Silence streams: once the sender's steps pass a probe (no retries, no late steps here), the aggregator
// thread reports it filtered while the scan still runs, each probe once, the answered ones never.
TEST(ReceivePath, AggregatorThreadReportsSilenceAsTheWindowMoves) {
  AddressRanges targets;
  parse_target_list("192.0.2.0/30", targets);
  const ProbeSpace space(TargetSet(targets), PortSet(parse_port_list("1-4")));
  const ScanPlan plan(space.size(), 0, 1, 1);
  const Permutation perm(space.size(), 5);
  ProbeWindows windows(plan, perm, WindowShape{});
  WatchedWriter writer;
  Aggregator aggregator(windows, space, ShowMask{true, true, true}, {&writer});
  SpscQueue<Result> queue(64);
  ScanState state;
  AggregateThread aggregating(queue, aggregator, state);
  Result r;
  r.index = perm(3);  // slice element 3
  r.ip = space.at(r.index).ip;
  r.port = space.at(r.index).port;
  r.state = PortState::open;
  r.reason = tcp_reason::syn_ack;
  ASSERT_TRUE(queue.push(r));
  ASSERT_TRUE(eventually([&] { return state.open.load() == 1; }));
  windows.thread(0).publish_steps(8);  // elements 0..7 sent
  ASSERT_TRUE(eventually([&] { return state.filtered.load() == 7; }));
  EXPECT_EQ(windows.thread(0).tail(), 8U);
  r.index = perm(2);  // element 2 is final: a reply now is late
  ASSERT_TRUE(queue.push(r));
  ASSERT_TRUE(eventually([&] { return state.replies_late.load() == 1; }));
  aggregating.stop();
  EXPECT_EQ(writer.flushed().size(), 8U);
  EXPECT_EQ(state.open.load(), 1U);
}

// Records every result written: its probe, state and reason.
class ReasonWriter : public ResultWriter {
 public:
  void write(const Result& r) override {
    const std::lock_guard lock(mutex_);
    written_.push_back(r);
  }
  void flush() override {}
  std::vector<Result> written() {
    const std::lock_guard lock(mutex_);
    return written_;
  }

 private:
  std::mutex mutex_;
  std::vector<Result> written_;
};

// Issue 24: a reply captured but dropped at the full queue is not silence. Its probe is reported once, with
// the reason reply-dropped (state unknown: the module's state of silence, flagged), before the window moves
// past it; the other probes keep their own results.
TEST(ReceivePath, AReplyTheFullQueueDroppedIsReportedReplyDroppedNotSilent) {
  AddressRanges targets;
  parse_target_list("192.0.2.0/30", targets);
  const ProbeSpace space(TargetSet(targets), PortSet(parse_port_list("1-4")));  // 16 probes
  const ScanPlan plan(space.size(), 0, 1, 1);
  const Permutation perm(space.size(), 5);
  ProbeWindows windows(plan, perm, WindowShape{});
  ReasonWriter writer;
  Aggregator aggregator(windows, space, ShowMask{true, true, true}, {&writer});
  SpscQueue<Result> queue(2);  // room for two verdicts
  SpscQueue<ProbeIndex> dropped(8);
  ScanState state;
  const TaggedModule module;
  const ReplyHandler handle{LinkType::ethernet, module, queue, state, nullptr, &dropped};
  for (std::uint8_t i = 0; i < 3; ++i)
    handle(reply(i, PortState::open), 0);  // the third finds the queue full
  EXPECT_EQ(state.queue_drops.load(), 1U);
  EXPECT_EQ(state.replies_dropped_unmarked.load(), 0U);

  AggregateThread aggregating(queue, aggregator, state, {}, nullptr, &dropped);
  windows.thread(0).publish_steps(16);  // every probe sent: the silent ones become final
  ASSERT_TRUE(eventually([&] { return writer.written().size() == 16; }));
  aggregating.stop();
  std::vector<Result> by_index(16);
  std::vector<int> times(16, 0);
  for (const Result& r : writer.written()) {
    ASSERT_LT(r.index, 16U);
    by_index[r.index] = r;
    ++times[r.index];
  }
  for (int i = 0; i < 16; ++i) EXPECT_EQ(times[i], 1) << "probe " << i;
  EXPECT_EQ(by_index[2].reason, Reason::reply_dropped);
  EXPECT_EQ(by_index[2].state, PortState::filtered);  // TCP's state of silence, flagged by its reason
  EXPECT_EQ(by_index[2].ip, space.at(2).ip);
  EXPECT_EQ(by_index[2].port, space.at(2).port);
  EXPECT_EQ(by_index[0].state, PortState::open);
  EXPECT_EQ(by_index[1].state, PortState::open);
  for (int i = 3; i < 16; ++i) EXPECT_EQ(by_index[i].reason, Reason::no_response) << "probe " << i;
  EXPECT_EQ(state.replies_dropped_marked.load(), 1U);
  EXPECT_EQ(vocabulary(0).reason_name(Reason::reply_dropped), "reply-dropped");
  EXPECT_EQ(vocabulary(0).reason_by_name("reply-dropped"), Reason::reply_dropped);
}

// With the record of dropped probes full too, the drop is still counted (unmarked), never lost silently.
TEST(ReceivePath, ADropBeyondTheRecordIsCountedUnmarked) {
  const TaggedModule module;
  SpscQueue<Result> queue(2);
  SpscQueue<ProbeIndex> dropped(2);
  ScanState state;
  const ReplyHandler handle{LinkType::ethernet, module, queue, state, nullptr, &dropped};
  for (std::uint8_t i = 0; i < 5; ++i) handle(reply(i, PortState::open), 0);
  EXPECT_EQ(state.queue_drops.load(), 3U);
  EXPECT_EQ(state.replies_dropped_unmarked.load(), 1U);
  EXPECT_EQ(dropped.pop(), std::optional<ProbeIndex>(2));
  EXPECT_EQ(dropped.pop(), std::optional<ProbeIndex>(3));
}

}  // namespace
}  // namespace synscan
