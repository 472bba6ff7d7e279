#include "engine/aggregator.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

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

TEST(ResultTable, ClaimIsTrueOnceAndSkipsAnswered) {
  ResultTable t(130);
  EXPECT_TRUE(t.claim(0));
  EXPECT_FALSE(t.claim(0));
  EXPECT_TRUE(t.claim(129));
  EXPECT_TRUE(t.answered(129));
  EXPECT_FALSE(t.answered(128));
  std::vector<ProbeIndex> free_list;
  t.for_each_unanswered([&](ProbeIndex i) { free_list.push_back(i); });
  EXPECT_EQ(free_list.size(), 128u);
  EXPECT_EQ(free_list.front(), 1u);
  EXPECT_EQ(free_list.back(), 128u);
  EXPECT_EQ(ResultTable::bytes_for(65536ull * 1000), 8'192'000u);  // /16 x 1,000 ports: under 8 MiB
}

TEST(Aggregator, EachProbeReportedOnceFirstReplyWins) {  // C24
  ProbeSpace s = small_space();
  ResultTable table(s.size());
  CollectingWriter w;
  Aggregator agg(table, {true, true, true}, {&w});
  EXPECT_TRUE(agg.add(found(s, 3, PortState::open, Reason::syn_ack)));
  EXPECT_FALSE(agg.add(found(s, 3, PortState::closed, Reason::rst)));  // a late duplicate
  EXPECT_TRUE(agg.add(found(s, 5, PortState::closed, Reason::rst)));
  agg.finish_unanswered(s, 1000);
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
  ResultTable table(s.size());
  CollectingWriter w;
  Aggregator agg(table, ShowMask{}, {&w});
  agg.add(found(s, 0, PortState::closed, Reason::rst));
  agg.add(found(s, 1, PortState::open, Reason::syn_ack));
  agg.finish_unanswered(s, 0);
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
  ResultTable table(s.size());
  CollectingWriter w;
  Aggregator agg(table, {true, true, true}, {&w});
  EXPECT_TRUE(agg.add(found(s, 5, PortState::open, Reason::syn_ack)));  // 2001:db8::1 port 22
  EXPECT_TRUE(agg.add(found(s, 13, PortState::closed, Reason::rst)));   // 2001:db8::1 port 80
  EXPECT_TRUE(agg.add(found(s, 2, PortState::closed, Reason::rst)));    // 192.0.2.2 port 22
  EXPECT_FALSE(agg.add(found(s, 5, PortState::closed, Reason::rst)));   // a duplicate counts nowhere
  agg.finish_unanswered(s, 0);
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
