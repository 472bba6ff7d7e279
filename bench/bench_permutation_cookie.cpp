// Per-probe costs: the permutation step (which target next) and the SYN cookie (sequence number per probe,
// and again per reply).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "engine/cookie.hpp"
#include "engine/permutation.hpp"

namespace synscan {
namespace {

// Walks consecutive positions as a send thread does. Sizes: a /16 on one port, a /8 x 5 ports just above a
// power of two (worst case for cycle walking: domain almost 2x size), and ~2^48 (the whole IPv4 space x 65536
// ports).
void BM_PermutationStep(benchmark::State& state) {
  const auto size = static_cast<std::uint64_t>(state.range(0));
  const Permutation permutation(size, 0x5eed);
  std::uint64_t position = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(permutation(position));
    if (++position == size) position = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PermutationStep)->Arg(65536)->Arg((1LL << 24) * 5)->Arg((1LL << 24) + 3)->Arg((1LL << 48) - 1);

// The same walk in batches of 256 through Permutation::fill (8 at a time in AVX2 registers where the CPU has
// them), as run_sender and the dry run call it.
void BM_PermutationFill(benchmark::State& state) {
  constexpr std::size_t kBatch = 256;
  const auto size = static_cast<std::uint64_t>(state.range(0));
  const Permutation permutation(size, 0x5eed);
  std::vector<std::uint64_t> out(kBatch);
  std::uint64_t position = 0;
  for (auto _ : state) {
    if (position + kBatch > size) position = 0;
    permutation.fill(position, 1, kBatch, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
    position += kBatch;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatch));
}
BENCHMARK(BM_PermutationFill)->Arg(65536)->Arg((1LL << 24) * 5)->Arg((1LL << 24) + 3)->Arg((1LL << 48) - 1);

// Cookies of varied tuples, prepared outside the timed loop.
void BM_Cookie(benchmark::State& state) {
  const SynCookie cookie(CookieKey{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL});
  struct Tuple {
    Ipv4 src_ip;
    Ipv4 dst_ip;
    std::uint16_t src_port;
    std::uint16_t dst_port;
  };
  std::vector<Tuple> tuples(1024);
  std::uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (auto& t : tuples) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    t = Tuple{0xC6120001, static_cast<Ipv4>(0xC6120000 | (x >> 48)),
              static_cast<std::uint16_t>(40000 + (x >> 60)), static_cast<std::uint16_t>(x >> 32)};
  }
  std::size_t i = 0;
  for (auto _ : state) {
    const Tuple& t = tuples[i];
    benchmark::DoNotOptimize(cookie(t.src_ip, t.dst_ip, t.src_port, t.dst_port));
    i = (i + 1) & 1023;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Cookie);

// Cookies of 256 tuples from one source per iteration through SynCookie::batch (arg 1: AVX2 where the CPU
// has it, 8 at a time) or batch_scalar (arg 0): throughput, as the send path uses it.
void BM_CookieBatch(benchmark::State& state) {
  constexpr std::size_t kBatch = 256;
  const SynCookie cookie(CookieKey{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL});
  std::vector<Ipv4> dst(kBatch);
  std::vector<std::uint32_t> ports(kBatch);
  std::vector<std::uint32_t> out(kBatch);
  std::uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (std::size_t i = 0; i < kBatch; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    dst[i] = static_cast<Ipv4>(0xC6120000 | (x >> 48));
    ports[i] = static_cast<std::uint32_t>(x >> 16);
  }
  const bool vector = state.range(0) != 0;
  for (auto _ : state) {
    if (vector) {
      cookie.batch(0xC6120001, dst.data(), ports.data(), kBatch, out.data());
    } else {
      cookie.batch_scalar(0xC6120001, dst.data(), ports.data(), kBatch, out.data());
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatch));
}
BENCHMARK(BM_CookieBatch)->Arg(0)->Arg(1);

}  // namespace
}  // namespace synscan
