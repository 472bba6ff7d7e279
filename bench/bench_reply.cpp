// Per-reply cost of the receive path: parse a captured frame, then match it to a probe by its SYN cookie, for
// an IPv4 and an IPv6 SYN-ACK. Inputs (frames, probe space, validator) are prepared outside the timed loops;
// nothing allocates inside them. The IPv4 cases keep their names and inputs from before IPv6, so runs compare
// with older builds.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <span>
#include <vector>

#include "engine/permutation.hpp"
#include "engine/probe_window.hpp"
#include "engine/probes/tcp_reply.hpp"
#include "engine/probes/tcp_validator.hpp"
#include "tests/unit/frame_builder.hpp"

namespace synscan {
namespace {

constexpr CookieKey kKey{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
constexpr Ipv4 kLocal = 0xC6120001;   // 198.18.0.1
constexpr Ipv4 kTarget = 0xC613A50A;  // 198.19.165.10
constexpr std::uint16_t kLocalPort = 40001;
constexpr Ipv6 kLocal6 = make_ipv6(0x2001'0002'0000'0000ULL, 0x1);     // 2001:2::1
constexpr Ipv6 kTarget6 = make_ipv6(0x2001'0002'0000'a50aULL, 0x1bb);  // 2001:2:0:a50a::1bb

/// 198.18.0.0/15 with a few holes (several intervals, so index_of does a real binary search) x ports 1-1024.
ProbeSpace make_space() {
  std::vector<std::uint16_t> ports;
  for (std::uint16_t p = 1; p <= 1024; ++p) ports.push_back(p);
  return ProbeSpace(
      TargetSet(std::vector<Interval>{{0xC6120000, 0xC613FFFF}},
                std::vector<Interval>{
                    {0xC6120100, 0xC61201FF}, {0xC6128000, 0xC61280FF}, {0xC613F000, 0xC613F0FF}}),
      PortSet(std::move(ports)));
}

/// make_space()'s IPv4 part and 16 blocks of 65,536 IPv6 addresses in 2001:2::/48, one with a hole (17
/// intervals, so the IPv6 index_of does a real binary search too), x ports 1-1024.
ProbeSpace make_mixed_space() {
  std::vector<std::uint16_t> ports;
  for (std::uint16_t p = 1; p <= 1024; ++p) ports.push_back(p);
  std::vector<Interval6> include6;
  for (std::uint64_t net = 0xa500; net <= 0xa50f; ++net) {
    const Ipv6 first = make_ipv6(0x2001'0002'0000'0000ULL | net, 0);
    include6.push_back({first, first + 0xffff});
  }
  const Ipv6 hole = make_ipv6(0x2001'0002'0000'a50aULL, 0x100);
  return ProbeSpace(
      TargetSet(AddressRanges({{0xC6120000, 0xC613FFFF}}, include6),
                AddressRanges({{0xC6120100, 0xC61201FF}, {0xC6128000, 0xC61280FF}, {0xC613F000, 0xC613F0FF}},
                              {{hole, hole + 0x7f}})),
      PortSet(std::move(ports)));
}

/// A SYN-ACK from kTarget:443 answering our probe, as a 60-byte padded Ethernet frame with TCP options.
test::Bytes make_syn_ack(const SynCookie& cookie) {
  const test::TcpFields t{.src_port = 443,
                          .dst_port = kLocalPort,
                          .seq = 0x11223344,
                          .ack = cookie(kLocal, kTarget, kLocalPort, 443) + 1,
                          .flags = kTcpSyn | kTcpAck,
                          .window = 64240,
                          .options = {2, 4, 0x05, 0xb4}};
  test::Bytes frame =
      test::ethernet(test::ipv4({.src = kTarget, .dst = kLocal, .protocol = 6, .ttl = 57, .options = {}},
                                test::tcp(t, kTarget, kLocal)));
  frame.resize(60, 0);
  return frame;
}

/// A SYN-ACK from kTarget6:443 answering our IPv6 probe, as an Ethernet frame with the MSS option (86 bytes:
/// no padding).
test::Bytes make_syn_ack6(const SynCookie& cookie) {
  const test::TcpFields t{.src_port = 443,
                          .dst_port = kLocalPort,
                          .seq = 0x11223344,
                          .ack = cookie.v6(kLocal6, kTarget6, kLocalPort, 443) + 1,
                          .flags = kTcpSyn | kTcpAck,
                          .window = 64240,
                          .options = {2, 4, 0x05, 0xa0}};
  return test::ethernet(
      test::ipv6({.src = kTarget6, .dst = kLocal6, .next_header = 6, .hop_limit = 57, .extensions = {}},
                 test::tcp6(t, kTarget6, kLocal6)),
      0x86dd);
}

void BM_ParseReply(benchmark::State& state) {
  const test::Bytes frame = make_syn_ack(SynCookie(kKey));
  const std::span<const std::uint8_t> bytes(frame.data(), frame.size());
  for (auto _ : state) {
    auto reply = parse_reply(bytes, LinkType::ethernet);
    benchmark::DoNotOptimize(reply);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseReply);

void BM_ParseAndValidate(benchmark::State& state) {
  const ProbeSpace space = make_space();
  const SynCookie cookie(kKey);
  const ReplyValidator validator(space, cookie, IpAddress::v4(kLocal), std::nullopt, 40000, 40015);
  const test::Bytes frame = make_syn_ack(cookie);
  const std::span<const std::uint8_t> bytes(frame.data(), frame.size());
  if (!validator.validate(parse_reply(bytes, LinkType::ethernet).value()))
    state.SkipWithError("frame not valid");
  for (auto _ : state) {
    const auto reply = parse_reply(bytes, LinkType::ethernet);
    auto verdict = reply ? validator.validate(*reply) : std::nullopt;
    benchmark::DoNotOptimize(verdict);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseAndValidate);

void BM_ParseReplyIpv6(benchmark::State& state) {
  const test::Bytes frame = make_syn_ack6(SynCookie(kKey));
  const std::span<const std::uint8_t> bytes(frame.data(), frame.size());
  for (auto _ : state) {
    auto reply = parse_reply(bytes, LinkType::ethernet);
    benchmark::DoNotOptimize(reply);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseReplyIpv6);

/// An IPv6 SYN-ACK parsed and validated against a scan of both families (the 36-byte cookie, the IPv6 target
/// lookup).
void BM_ParseAndValidateIpv6(benchmark::State& state) {
  const ProbeSpace space = make_mixed_space();
  const SynCookie cookie(kKey);
  const ReplyValidator validator(space, cookie, IpAddress::v4(kLocal), IpAddress::v6(kLocal6), 40000, 40015);
  const test::Bytes frame = make_syn_ack6(cookie);
  const std::span<const std::uint8_t> bytes(frame.data(), frame.size());
  if (!validator.validate(parse_reply(bytes, LinkType::ethernet).value()))
    state.SkipWithError("frame not valid");
  for (auto _ : state) {
    const auto reply = parse_reply(bytes, LinkType::ethernet);
    auto verdict = reply ? validator.validate(*reply) : std::nullopt;
    benchmark::DoNotOptimize(verdict);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseAndValidateIpv6);

// The aggregator's per-reply work added by the windows (engine/probe_window.hpp): the probe index back to its
// send thread and slice element (Permutation::inverse, then the shard/thread arithmetic), then the window's
// claim. It runs on the aggregator thread, not the receive thread, so BM_ParseAndValidate above is unchanged.
// A /16 x 1,000 ports split over 4 shards x 2 threads; replies to the first 4,096 positions of shard 1.
void BM_LocateAndClaim(benchmark::State& state) {
  const std::uint64_t size = 65536ULL * 1000;
  const ScanPlan plan(size, 1, 4, 2);
  const Permutation perm(size, 42);
  WindowShape shape;
  shape.capacity = std::uint64_t{1} << 20;
  ProbeWindows windows(plan, perm, shape);
  std::vector<ProbeIndex> indices(4096);
  for (std::size_t i = 0; i < indices.size(); ++i) indices[i] = perm(slice_position(plan.shard(), i));
  std::size_t k = 0;
  for (auto _ : state) {
    const auto at = windows.locate(indices[k]);
    benchmark::DoNotOptimize(windows.thread(at->thread).claim(at->j));
    k = (k + 1) & 4095;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LocateAndClaim);

// Permutation::inverse alone, for comparison with the forward direction a send thread pays per probe.
void BM_PermutationInverse(benchmark::State& state) {
  const std::uint64_t size = 65536ULL * 1000;
  const Permutation perm(size, 42);
  std::uint64_t x = 12345;
  for (auto _ : state) {
    benchmark::DoNotOptimize(perm.inverse(x));  // independent calls, as BM_PermutationStep's forward ones
    x = x + 0x9E3779B97F4A7C15ULL % size;
    x = x >= size ? x - size : x;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PermutationInverse);

}  // namespace
}  // namespace synscan
