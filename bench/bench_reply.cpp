// Per-reply cost of the receive path: parse a captured frame, then match it to a probe by its SYN cookie.
// Inputs (frames, probe space, validator) are prepared outside the timed loops; nothing allocates inside
// them.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <span>
#include <vector>

#include "engine/reply_parser.hpp"
#include "engine/reply_validator.hpp"
#include "tests/unit/frame_builder.hpp"

namespace synscan {
namespace {

constexpr CookieKey kKey{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
constexpr Ipv4 kLocal = 0xC6120001;   // 198.18.0.1
constexpr Ipv4 kTarget = 0xC613A50A;  // 198.19.165.10
constexpr std::uint16_t kLocalPort = 40001;

/// 198.18.0.0/15 with a few holes (several intervals, so index_of does a real binary search) x ports 1-1024.
ProbeSpace make_space() {
  std::vector<std::uint16_t> ports;
  for (std::uint16_t p = 1; p <= 1024; ++p) ports.push_back(p);
  return ProbeSpace(TargetSet(std::vector<Interval>{{0xC6120000, 0xC613FFFF}},
                              std::vector<Interval>{{0xC6120100, 0xC61201FF}, {0xC6128000, 0xC61280FF}, {0xC613F000, 0xC613F0FF}}),
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

}  // namespace
}  // namespace synscan
