#include "engine/probe_window.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>

namespace synscan {

WindowShape plan_window(double thread_rate_pps, std::uint32_t retries, double retry_delay_s, double late_s,
                        std::uint32_t max_batch) noexcept {
  WindowShape s;
  s.retries = retries;
  const double gap = std::round(thread_rate_pps * retry_delay_s);
  s.retry_gap = static_cast<std::uint64_t>(std::clamp(gap, 1.0, 1e15));
  s.late_steps = static_cast<std::uint64_t>(std::clamp(std::ceil(thread_rate_pps * late_s), 0.0, 1e15));
  const double lag = std::max(4.0 * max_batch, std::ceil(thread_rate_pps * 0.25));
  const double need = static_cast<double>(s.in_flight_steps()) + lag;
  // Beyond 2^50 bits (128 TiB) nobody has the memory; the options refuse long before (--max-memory).
  const auto bits = static_cast<std::uint64_t>(std::clamp(need, 64.0, 1125899906842624.0));
  s.capacity = std::bit_ceil(bits);
  return s;
}

std::uint64_t ThreadWindow::capacity_for(const WindowShape& shape, std::uint64_t count) noexcept {
  const std::uint64_t planned = std::max<std::uint64_t>(64, std::bit_ceil(shape.capacity));
  const std::uint64_t whole = std::bit_ceil(std::max<std::uint64_t>(64, count));
  return std::min(planned, whole);
}

ThreadWindow::ThreadWindow(const WindowShape& shape, std::uint64_t count)
    : shape_(shape),
      count_(count),
      mask_(capacity_for(shape, count) - 1),
      words_(new std::atomic<std::uint64_t>[(mask_ + 1) / 64]) {
  for (std::uint64_t w = 0; w < (mask_ + 1) / 64; ++w) words_[w].store(0, std::memory_order_relaxed);
}

ThreadWindow::Claim ThreadWindow::claim(std::uint64_t j) noexcept {
  const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
  if (j < tail || j >= count_ || j - tail > mask_) return Claim::late;
  std::atomic<std::uint64_t>& word = words_[(j & mask_) >> 6];
  const std::uint64_t bit = std::uint64_t{1} << (j & 63);
  const std::uint64_t w = word.load(std::memory_order_relaxed);
  if (w & bit) return Claim::duplicate;
  word.store(w | bit, std::memory_order_relaxed);
  return Claim::first;
}

std::uint64_t ThreadWindow::final_limit() const noexcept {
  const std::uint64_t steps = steps_.load(std::memory_order_acquire);
  const std::uint64_t flight = shape_.in_flight_steps();
  return steps > flight ? steps - flight : 0;
}

void ThreadWindow::restore(std::uint64_t tail, const std::vector<std::uint64_t>& bits) {
  if (bits.size() * 64 > mask_ + 1) throw std::invalid_argument("window bits exceed the ring's capacity");
  for (std::uint64_t w = 0; w <= mask_ / 64; ++w) words_[w].store(0, std::memory_order_relaxed);
  for (std::uint64_t w = 0; w < bits.size(); ++w) {
    for (std::uint64_t b = bits[w]; b != 0; b &= b - 1) {
      const std::uint64_t j = tail + w * 64 + static_cast<std::uint64_t>(__builtin_ctzll(b));
      words_[(j & mask_) >> 6].fetch_or(std::uint64_t{1} << (j & 63), std::memory_order_relaxed);
    }
  }
  tail_.store(tail, std::memory_order_release);
}

std::vector<std::uint64_t> ThreadWindow::snapshot(std::uint64_t end) const {
  const std::uint64_t tail = tail_.load(std::memory_order_acquire);
  end = std::min({end, count_, tail + mask_ + 1});
  std::vector<std::uint64_t> bits(end > tail ? (end - tail + 63) / 64 : 0, 0);
  for (std::uint64_t j = tail; j < end; ++j) {
    if (answered(j)) bits[(j - tail) / 64] |= std::uint64_t{1} << ((j - tail) % 64);
  }
  return bits;
}

ProbeWindows::ProbeWindows(const ScanPlan& plan, const Permutation& permutation, const WindowShape& shape)
    : plan_(plan), permutation_(permutation) {
  for (std::uint32_t t = 0; t < plan.threads(); ++t) {
    windows_.push_back(std::make_unique<ThreadWindow>(shape, plan.thread(t).count));
  }
}

std::optional<ProbeWindows::Where> ProbeWindows::locate(ProbeIndex index) const noexcept {
  if (index >= permutation_.size()) return std::nullopt;
  const std::uint64_t position = permutation_.inverse(index);
  const std::uint64_t shards = plan_.shard_count();
  if (position % shards != plan_.shard_index()) return std::nullopt;
  const std::uint64_t in_shard = position / shards;
  const std::uint64_t threads = windows_.size();
  return Where{static_cast<std::uint32_t>(in_shard % threads), in_shard / threads};
}

std::uint64_t ProbeWindows::bytes_for(const ScanPlan& plan, const WindowShape& shape) noexcept {
  std::uint64_t n = 0;
  for (std::uint32_t t = 0; t < plan.threads(); ++t)
    n += ThreadWindow::capacity_for(shape, plan.thread(t).count) / 8;
  return n;
}

std::uint64_t ProbeWindows::bytes() const noexcept {
  std::uint64_t n = 0;
  for (const auto& w : windows_) n += w->capacity() / 8;
  return n;
}

}  // namespace synscan
