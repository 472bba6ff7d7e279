#include "engine/aggregator.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "engine/port_set.hpp"
#include "engine/probe_window.hpp"
#include "engine/probes/tcp_validator.hpp"
#include "engine/spsc_queue.hpp"
#include "engine/target_parse.hpp"

namespace synscan {
namespace {

class CollectingWriter : public ResultWriter {
 public:
  void write(const Result& r) override { results.push_back(r); }
  void flush() override { ++flushes; }
  std::vector<Result> results;
  int flushes = 0;
};

ProbeSpace small_space() {
  AddressRanges t;
  parse_target_list("192.0.2.0/30", t);
  return ProbeSpace(TargetSet(t), PortSet(parse_port_list("22,80")));
}

Result found(const ProbeSpace& s, ProbeIndex i, PortState st, Reason r) {
  Result f;
  f.index = i;
  f.ip = s.at(i).ip;
  f.port = s.at(i).port;
  f.state = st;
  f.reason = r;
  return f;
}

// One shard, one send thread, no retries, no late steps: the windows of a small scan.
struct Windows {
  explicit Windows(const ProbeSpace& s, std::uint64_t shard = 0, std::uint64_t shards = 1,
                   std::uint32_t threads = 1)
      : plan(s.size(), shard, shards, threads), perm(s.size(), 77), windows(plan, perm, WindowShape{}) {}
  ScanPlan plan;
  Permutation perm;
  ProbeWindows windows;
};

TEST(Aggregator, EachProbeReportedOnceFirstReplyWins) {  // C24
  ProbeSpace s = small_space();
  Windows win(s);
  CollectingWriter w;
  Aggregator agg(win.windows, s, {true, true, true}, {&w});
  EXPECT_EQ(agg.add(found(s, 3, PortState::open, tcp_reason::syn_ack)), Aggregator::Taken::reported);
  EXPECT_EQ(agg.add(found(s, 3, PortState::closed, tcp_reason::rst)), Aggregator::Taken::duplicate);
  EXPECT_EQ(agg.add(found(s, 5, PortState::closed, tcp_reason::rst)), Aggregator::Taken::reported);
  agg.finalise_all(1000);
  ASSERT_EQ(w.results.size(), s.size());
  EXPECT_EQ(w.results[0].state, PortState::open);
  EXPECT_EQ(agg.count(PortState::open), 1u);
  EXPECT_EQ(agg.count(PortState::closed), 1u);
  EXPECT_EQ(agg.count(PortState::filtered), 6u);
  std::set<std::pair<IpAddress, std::uint16_t>> seen;
  for (const Result& r : w.results) EXPECT_TRUE(seen.insert({r.ip, r.port}).second);
}

TEST(Aggregator, HiddenStatesAreCountedNotWritten) {
  ProbeSpace s = small_space();
  Windows win(s);
  CollectingWriter w;
  Aggregator agg(win.windows, s, ShowMask{}, {&w});
  agg.add(found(s, 0, PortState::closed, tcp_reason::rst));
  agg.add(found(s, 1, PortState::open, tcp_reason::syn_ack));
  agg.finalise_all(0);
  ASSERT_EQ(w.results.size(), 1u);
  EXPECT_EQ(w.results[0].port, s.at(1).port);
  EXPECT_EQ(agg.count(PortState::closed), 1u);
  EXPECT_EQ(agg.count(PortState::filtered), 6u);
}

TEST(Aggregator, CountsEachFamily) {
  // Targets of both families: indices [0, 4) are the IPv4 addresses, [4, 8) the IPv6 ones, for each port.
  AddressRanges t;
  parse_target_list("192.0.2.0/30,2001:db8::/126", t);
  const ProbeSpace s(TargetSet(t), PortSet(parse_port_list("22,80")));
  ASSERT_EQ(s.size(), 16u);
  Windows win(s);
  CollectingWriter w;
  Aggregator agg(win.windows, s, {true, true, true}, {&w});
  using T = Aggregator::Taken;
  EXPECT_EQ(agg.add(found(s, 5, PortState::open, tcp_reason::syn_ack)), T::reported);  // 2001:db8::1 port 22
  EXPECT_EQ(agg.add(found(s, 13, PortState::closed, tcp_reason::rst)), T::reported);   // 2001:db8::1 port 80
  EXPECT_EQ(agg.add(found(s, 2, PortState::closed, tcp_reason::rst)), T::reported);    // 192.0.2.2 port 22
  EXPECT_EQ(agg.add(found(s, 5, PortState::closed, tcp_reason::rst)), T::duplicate);   // counts nowhere
  agg.finalise_all(0);
  EXPECT_EQ(agg.count(PortState::open, Family::ipv4), 0u);
  EXPECT_EQ(agg.count(PortState::closed, Family::ipv4), 1u);
  EXPECT_EQ(agg.count(PortState::filtered, Family::ipv4), 7u);
  EXPECT_EQ(agg.count(PortState::open, Family::ipv6), 1u);
  EXPECT_EQ(agg.count(PortState::closed, Family::ipv6), 1u);
  EXPECT_EQ(agg.count(PortState::filtered, Family::ipv6), 6u);
  EXPECT_EQ(agg.count(PortState::filtered), 13u);
  // The counts agree with the results written: each family's probes, once each.
  std::size_t v6 = 0;
  for (const Result& r : w.results) v6 += r.ip.is_v6();
  EXPECT_EQ(w.results.size(), 16u);
  EXPECT_EQ(v6, 8u);
  EXPECT_EQ(w.results[0].ip, parse_address("2001:db8::1"));
}

// A shard of 3 with 2 send threads: every index of the space maps to exactly one (shard, thread, j), the one
// whose slice position the permutation sends it from; the aggregator ignores the other shards' replies.
TEST(ProbeWindows, LocateInvertsTheSlicesOfEveryShardAndThread) {
  AddressRanges t;
  parse_target_list("192.0.2.0/26", t);
  const ProbeSpace s(TargetSet(t), PortSet(parse_port_list("22,80,443")));
  std::vector<int> owners(s.size(), 0);
  for (std::uint64_t shard = 0; shard < 3; ++shard) {
    Windows win(s, shard, 3, 2);
    for (std::uint32_t th = 0; th < 2; ++th) {
      const Slice& slice = win.plan.thread(th);
      for (std::uint64_t j = 0; j < slice.count; ++j) {
        const ProbeIndex index = win.perm(slice_position(slice, j));
        const auto at = win.windows.locate(index);
        ASSERT_TRUE(at.has_value());
        EXPECT_EQ(at->thread, th);
        EXPECT_EQ(at->j, j);
        ++owners[index];
      }
    }
    std::uint64_t mine = 0;
    for (ProbeIndex i = 0; i < s.size(); ++i) mine += win.windows.locate(i).has_value();
    EXPECT_EQ(mine, win.plan.shard_probes());
    CollectingWriter w;
    Aggregator agg(win.windows, s, {true, true, true}, {&w});
    const ProbeIndex foreign = win.perm((shard + 1) % 3);  // position 1 or 2 or 0 belongs to another shard
    EXPECT_EQ(agg.add(found(s, foreign, PortState::open, tcp_reason::syn_ack)),
              Aggregator::Taken::other_shard);
  }
  for (int n : owners) EXPECT_EQ(n, 1);
}

// The window: claims inside it are first/duplicate, outside it late; advance() reports the unanswered in
// order, clears the answered bits for the next lap of the ring, and the tail only moves as far as final_limit
// allows.
TEST(ProbeWindows, WindowClaimsAdvancesAndWrapsAround) {
  WindowShape shape;
  shape.retries = 2;
  shape.retry_gap = 3;
  shape.late_steps = 4;
  shape.capacity = 64;
  ThreadWindow w(shape, 1000);
  EXPECT_EQ(w.claim(5), ThreadWindow::Claim::first);
  EXPECT_EQ(w.claim(5), ThreadWindow::Claim::duplicate);
  EXPECT_EQ(w.claim(64), ThreadWindow::Claim::late);    // beyond tail + capacity: not reachable yet
  EXPECT_EQ(w.claim(1000), ThreadWindow::Claim::late);  // beyond the slice
  EXPECT_EQ(w.final_limit(), 0u);
  w.publish_steps(10);  // the last retry of j went out at step j + 6; 4 more steps: j < 0
  EXPECT_EQ(w.final_limit(), 0u);
  w.publish_steps(20);
  EXPECT_EQ(w.final_limit(), 10u);  // 20 - (2*3 + 4)
  std::vector<std::uint64_t> silent;
  EXPECT_EQ(w.advance(w.final_limit(), [&](std::uint64_t j) { silent.push_back(j); }), 10u);
  EXPECT_EQ(silent, (std::vector<std::uint64_t>{0, 1, 2, 3, 4, 6, 7, 8, 9}));
  EXPECT_EQ(w.tail(), 10u);
  EXPECT_EQ(w.claim(5), ThreadWindow::Claim::late);    // final: no state left
  EXPECT_EQ(w.claim(69), ThreadWindow::Claim::first);  // ring slot 5, cleared when 5 became final
  EXPECT_EQ(w.claim(74), ThreadWindow::Claim::late);   // 10 + 64
  // A snapshot from the tail and its restore in another window give the same answered set.
  const std::vector<std::uint64_t> bits = w.snapshot(70);
  ThreadWindow v(shape, 1000);
  v.restore(w.tail(), bits);
  EXPECT_EQ(v.tail(), 10u);
  for (std::uint64_t j = 10; j < 70; ++j) EXPECT_EQ(v.answered(j), w.answered(j)) << j;
  EXPECT_TRUE(v.answered(69));
}

TEST(ProbeWindows, PlanFollowsRateAndDelaysNotTheSpace) {
  // 10,000 pps on one thread, 2 retries 1 s apart, 64 s of late replies: 20,000 + 640,000 steps in flight.
  const WindowShape s = plan_window(10000, 2, 1.0, 64, 51);
  EXPECT_EQ(s.retry_gap, 10000u);
  EXPECT_EQ(s.late_steps, 640000u);
  EXPECT_GE(s.capacity, s.in_flight_steps() + 2500);
  EXPECT_LT(s.capacity, 2 * (s.in_flight_steps() + 2500));
  EXPECT_EQ(s.capacity & (s.capacity - 1), 0u);
  EXPECT_EQ(s.bytes_per_thread(), s.capacity / 8);  // 128 KiB: whatever the space
  // A slice smaller than the plan holds only a ring the size of the slice: a shard's state follows its share.
  EXPECT_EQ(ThreadWindow::capacity_for(s, 1000), 1024u);
  EXPECT_EQ(ThreadWindow::capacity_for(s, 10), 64u);
  EXPECT_EQ(ThreadWindow::capacity_for(s, 1ull << 40), s.capacity);
  const ScanPlan plan(3000, 0, 3, 2);  // 1,000 probes, 500 per thread
  EXPECT_EQ(ProbeWindows::bytes_for(plan, s), 2u * 512 / 8);
  const WindowShape slow = plan_window(1, 4, 1.0, 0, 1);
  EXPECT_EQ(slow.retry_gap, 1u);
  EXPECT_EQ(slow.capacity, 64u);
}

TEST(SpscQueue, DeliversEverythingInOrderAcrossThreads) {
  SpscQueue<std::uint64_t> q(1024);
  constexpr std::uint64_t kItems = 200'000;
  std::thread producer([&] {
    for (std::uint64_t i = 0; i < kItems;) {
      if (q.push(i)) ++i;
    }
  });
  std::uint64_t expected = 0;
  while (expected < kItems) {
    if (auto v = q.pop()) {
      ASSERT_EQ(*v, expected);
      ++expected;
    }
  }
  producer.join();
  EXPECT_FALSE(q.pop().has_value());
}

TEST(SpscQueue, RefusesWhenFull) {
  SpscQueue<int> q(4);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(q.push(i));
  EXPECT_FALSE(q.push(4));
  EXPECT_EQ(q.pop().value(), 0);
  EXPECT_TRUE(q.push(4));
}

}  // namespace
}  // namespace synscan
