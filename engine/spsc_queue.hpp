#pragma once
// A bounded single-producer single-consumer ring: the receive thread hands verdicts to the aggregator without
// a lock or an allocation. Lamport's classic construction with acquire/release indices and cached copies of
// the other side's index (so each side touches the shared cache line only when it must).
#include <atomic>
#include <cstddef>
#include <memory>
#include <new>
#include <optional>

namespace synscan {

template <typename T>
class SpscQueue {
 public:
  /// capacity is rounded up to a power of two, at least 2 items.
  explicit SpscQueue(std::size_t capacity) {
    std::size_t cap = 2;
    while (cap < capacity) cap <<= 1;
    mask_ = cap - 1;
    slots_ = std::make_unique<T[]>(cap);
  }

  /// Producer side. False when full (the caller counts it as a drop).
  bool push(const T& item) noexcept {
    const std::size_t head = head_.load(std::memory_order_relaxed);
    if (head - tail_cache_ > mask_) {
      tail_cache_ = tail_.load(std::memory_order_acquire);
      if (head - tail_cache_ > mask_) return false;
    }
    slots_[head & mask_] = item;
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

  /// Consumer side. nullopt when empty.
  std::optional<T> pop() noexcept {
    const std::size_t tail = tail_.load(std::memory_order_relaxed);
    if (tail == head_cache_) {
      head_cache_ = head_.load(std::memory_order_acquire);
      if (tail == head_cache_) return std::nullopt;
    }
    T item = slots_[tail & mask_];
    tail_.store(tail + 1, std::memory_order_release);
    return item;
  }

 private:
  static constexpr std::size_t kLine = 64;
  alignas(kLine) std::atomic<std::size_t> head_{0};
  std::size_t tail_cache_ = 0;  // producer's copy of tail_
  alignas(kLine) std::atomic<std::size_t> tail_{0};
  std::size_t head_cache_ = 0;  // consumer's copy of head_
  alignas(kLine) std::size_t mask_ = 0;
  std::unique_ptr<T[]> slots_;
};

}  // namespace synscan
