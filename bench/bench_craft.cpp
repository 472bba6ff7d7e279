// Per-probe crafting costs: the template copy + patch + checksums alone, and the whole path a send thread
// runs per probe (permutation step, probe space lookup, source port, SYN cookie, template), in the batches it
// uses; for IPv4 (ProbeMaker), IPv6 and mixed spaces (MixedProbeMaker), and through the probe module's
// virtual craft_batch as the send loop calls it.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/cookie.hpp"
#include "engine/permutation.hpp"
#include "engine/probe_module.hpp"
#include "engine/probe_set.hpp"
#include "engine/probe_space.hpp"
#include "engine/probes/syn_maker4.hpp"
#include "engine/probes/syn_maker_mixed.hpp"
#include "engine/probes/syn_profile.hpp"
#include "engine/probes/syn_template4.hpp"
#include "engine/probes/syn_template6.hpp"

namespace synscan {
namespace {

TemplateParams bench_params() {
  TemplateParams p;
  p.source_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
  p.next_hop_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
  p.source_ip = 0xC6120001;  // 198.18.0.1
  return p;
}

// Template copy + patch of 5 fields + both incremental checksums, over varied fields prepared outside the
// loop.
void BM_TemplatePatch(benchmark::State& state) {
  const ProbeTemplate tmpl(bench_params());
  std::vector<ProbeFields> fields(1024);
  std::uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (auto& f : fields) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    f = {static_cast<Ipv4>(0xC6130000 | (x >> 48)), static_cast<std::uint16_t>(x >> 32),
         static_cast<std::uint16_t>(61000 + (x >> 60)), static_cast<std::uint32_t>(x),
         static_cast<std::uint16_t>(x)};
  }
  alignas(64) std::uint8_t out[ProbeTemplate::kMaxFrame * 8];
  std::size_t i = 0;
  for (auto _ : state) {
    tmpl.craft(out + ProbeTemplate::kMaxFrame * (i & 7), fields[i]);
    benchmark::ClobberMemory();
    i = (i + 1) & 1023;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TemplatePatch);

// The whole per-probe path as run_sender runs it: a batch of positions through Permutation::fill, then
// ProbeMaker::craft_batch into a frame buffer. Space: 198.19.0.0/16 x arg ports (1,000: the memory goal's
// scan; 10: the bench-tx scan). One iteration = one batch of kBatch probes; items/s counts probes.
void BM_CraftProbe(benchmark::State& state) {
  constexpr std::size_t kBatch = 256;
  std::vector<std::uint16_t> ports;
  for (std::int64_t p = 0; p < state.range(0); ++p) ports.push_back(static_cast<std::uint16_t>(60000 + p));
  const ProbeSpace space(TargetSet(std::vector<Interval>{{0xC6130000, 0xC613FFFF}}), PortSet(ports));
  const ProbeTemplate tmpl(bench_params());
  const SynCookie cookie(CookieKey{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL});
  const ProbeMaker maker(space.blocks().front(), tmpl, cookie, 0xC6120001, 61000, 61255);
  const Permutation permutation(space.size(), 0x5eed);
  auto frames = std::make_unique<std::uint8_t[]>(ProbeTemplate::kMaxFrame * kBatch);
  ProbeIndex indices[kBatch];
  static_assert(65536 % kBatch == 0, "batches tile the space");
  std::uint64_t position = 0;
  for (auto _ : state) {
    // Permutation::fill as run_sender calls it; the space (a multiple of kBatch) wraps between batches.
    permutation.fill(position, 1, kBatch, indices);
    position = position + kBatch == space.size() ? 0 : position + kBatch;
    maker.craft_batch(indices, kBatch, frames.get(), ProbeTemplate::kMaxFrame);
    benchmark::DoNotOptimize(frames.get());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatch));
}
BENCHMARK(BM_CraftProbe)->Arg(10)->Arg(1000);

// ProbeMaker::craft alone (no permutation), one probe at a time: what craft_batch's interleaving buys.
void BM_CraftOne(benchmark::State& state) {
  const ProbeSpace space(TargetSet(std::vector<Interval>{{0xC6130000, 0xC613FFFF}}),
                         PortSet({60000, 60001, 60002, 60003, 60004}));
  const ProbeTemplate tmpl(bench_params());
  const SynCookie cookie(CookieKey{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL});
  const ProbeMaker maker(space.blocks().front(), tmpl, cookie, 0xC6120001, 61000, 61255);
  alignas(64) std::uint8_t out[ProbeTemplate::kMaxFrame];
  ProbeIndex index = 0;
  for (auto _ : state) {
    maker.craft(index, out);
    benchmark::ClobberMemory();
    index = index + 7919 < space.size() ? index + 7919 : index + 7919 - space.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CraftOne);

TemplateParams6 bench_params6() {
  TemplateParams6 p;
  p.source_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
  p.next_hop_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
  p.source_ip = make_ipv6(0x2001'0002'0000'0000ULL, 1);  // 2001:2::1
  return p;
}

constexpr std::uint64_t kLab6 = 0x2001'0002'0000'0001ULL;  // 2001:2:0:1::/64, in the IPv6 benchmarking /48

std::vector<std::uint16_t> bench_ports(std::int64_t count) {
  std::vector<std::uint16_t> ports;
  for (std::int64_t p = 0; p < count; ++p) ports.push_back(static_cast<std::uint16_t>(60000 + p));
  return ports;
}

// ProbeTemplate6::craft alone: copy + patch of 4 fields (one of them 16 bytes) + the incremental TCP
// checksum.
void BM_TemplatePatch6(benchmark::State& state) {
  const ProbeTemplate6 tmpl(bench_params6());
  std::vector<ProbeFields6> fields(1024);
  std::uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (auto& f : fields) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    f = {make_ipv6(kLab6, x >> 48), static_cast<std::uint16_t>(x >> 32),
         static_cast<std::uint16_t>(61000 + (x >> 60)), static_cast<std::uint32_t>(x)};
  }
  alignas(64) std::uint8_t out[128 * 8];
  std::size_t i = 0;
  for (auto _ : state) {
    tmpl.craft(out + 128 * (i & 7), fields[i]);
    benchmark::ClobberMemory();
    i = (i + 1) & 1023;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TemplatePatch6);

// BM_CraftProbe for IPv6: Permutation::fill, then MixedProbeMaker::craft_batch (split, address, source port,
// SynCookie::v6, ProbeTemplate6) into 128-byte slots. Space: 2001:2:0:1::/112 (65,536 addresses, one
// interval) x arg ports. One iteration = one batch of kBatch probes; items/s counts probes.
void BM_CraftProbe6(benchmark::State& state) {
  constexpr std::size_t kBatch = 256;
  constexpr std::size_t kStride = 128;
  const ProbeSpace space(TargetSet(AddressRanges({}, {{make_ipv6(kLab6, 0), make_ipv6(kLab6, 0xFFFF)}})),
                         PortSet(bench_ports(state.range(0))));
  const ProbeTemplate6 tmpl6(bench_params6());
  const SynCookie cookie(CookieKey{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL});
  const MixedProbeMaker maker(space.blocks().front(), std::nullopt, tmpl6, cookie, 0,
                              bench_params6().source_ip, 61000, 61255);
  const Permutation permutation(space.size(), 0x5eed);
  auto frames = std::make_unique<std::uint8_t[]>(kStride * kBatch);
  std::uint16_t lengths[kBatch];
  ProbeIndex indices[kBatch];
  std::uint64_t position = 0;
  for (auto _ : state) {
    permutation.fill(position, 1, kBatch, indices);
    position = position + kBatch == space.size() ? 0 : position + kBatch;
    maker.craft_batch(indices, kBatch, frames.get(), kStride, lengths);
    benchmark::DoNotOptimize(frames.get());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatch));
}
BENCHMARK(BM_CraftProbe6)->Arg(10)->Arg(1000);

// The send loop's per-batch call: Permutation::fill, then ProbeSet::craft_batch (for one module: its
// craft_batch, one virtual call per batch) with lengths, into frame_stride() slots. Arg 0: the family of the
// space, 4 = 198.19.0.0/16, 6 = 2001:2:0:1::/112, 46 = both (131,072 targets, IPv4 and IPv6 probes
// interleaved by the permutation); arg 1: ports. `profile`: the tcp_syn module's --syn-profile
// (engine/probes/syn_profile.hpp).
void craft_batch_run(benchmark::State& state, SynProfile profile, std::int64_t ports) {
  constexpr std::size_t kBatch = 256;
  const std::int64_t family = state.range(0);
  AddressRanges targets;
  if (family != 6) targets.v4.push_back({0xC6130000, 0xC613FFFF});
  if (family != 4) targets.v6.push_back({make_ipv6(kLab6, 0), make_ipv6(kLab6, 0xFFFF)});
  const ProbeSpace space(TargetSet(targets), PortSet(bench_ports(ports)));
  ProbeSetup setup;
  setup.space = &space;
  setup.key = CookieKey{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
  setup.args = {{"syn-profile", std::string(syn_profile_name(profile))}};
  const TemplateParams p4 = bench_params();
  const TemplateParams6 p6 = bench_params6();
  if (family != 6)
    setup.v4 = LocalEndpoint{p4.link, p4.source_mac, p4.next_hop_mac, IpAddress::v4(p4.source_ip)};
  if (family != 4)
    setup.v6 = LocalEndpoint{p6.link, p6.source_mac, p6.next_hop_mac, IpAddress::v6(p6.source_ip)};
  const auto module = std::make_unique<ProbeSet>(setup);
  const std::size_t stride = module->frame_stride();
  const Permutation permutation(space.size(), 0x5eed);
  auto frames = std::make_unique<std::uint8_t[]>(stride * kBatch);
  std::uint16_t lengths[kBatch];
  ProbeIndex indices[kBatch];
  std::uint64_t position = 0;
  for (auto _ : state) {
    permutation.fill(position, 1, kBatch, indices);
    position = position + kBatch == space.size() ? 0 : position + kBatch;
    module->craft_batch(indices, kBatch, frames.get(), stride, lengths);
    benchmark::DoNotOptimize(frames.get());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatch));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kBatch) * lengths[0]);
}
void BM_CraftBatch(benchmark::State& state) { craft_batch_run(state, kDefaultSynProfile, state.range(1)); }
BENCHMARK(BM_CraftBatch)->ArgNames({"family", "ports"})->ArgsProduct({{4, 6, 46}, {10, 1000}});

// BM_CraftBatch per SYN profile (arg 2: windows 0, linux 1, bsd 2, mss 3, none 4, kSynProfiles' order), 1,000
// ports; bytes/s counts frame bytes, for the per-byte comparison of the profiles.
void BM_CraftBatchProfile(benchmark::State& state) {
  craft_batch_run(state, kSynProfiles[static_cast<std::size_t>(state.range(1))], 1000);
}
BENCHMARK(BM_CraftBatchProfile)->ArgNames({"family", "profile"})->ArgsProduct({{4, 6}, {0, 1, 2, 3, 4}});

}  // namespace
}  // namespace synscan
