#pragma once
// The answered set of the probes in flight: per send thread, one bit per slice element j over a window of its
// send order, instead of one bit per probe of the whole space. Memory follows the rate, not the space.
//
// The send order of thread t (engine/shard.hpp: slice element j is permutation position s + N*t + N*T*j) is a
// sequence of steps. Step s sends the new probe j = s (while s < count), then retry k = 1..R of j = s - k*D
// (when 0 <= j < count and j is unanswered), R = --retries and D = the retry gap in steps (the thread's rate
// x
// --retry-delay). Once the new probes run out the steps go on with the retries alone; a step that sends
// nothing still takes one slot of the rate limiter, so retries stay at least D slots after the previous send
// of their probe (>= --retry-delay at the asked rate, less the rate limiter's catch-up backlog of at most 0.1
// s). "Pass k" of a probe is its k-th retry.
//
// Element j is in flight from its step (head) until its fate is final: its last retry went out at step
// j + R*D and L more steps passed (L = the thread's rate x --late-replies). Then the aggregator thread
// reports it filtered (no-response) if no reply claimed it, clears its bit and moves the tail past it. So a
// thread holds at most R*D + L + slack elements: the ring's capacity, a power of two. The sender never runs
// more than the capacity ahead of the tail (back-pressure, counted).
//
// Threads: the aggregator thread is the only writer of the bits and of the tail; the sender publishes how
// many steps it completed and reads bits (a retry of a probe answered a moment ago costs one harmless frame)
// and the tail. A reply's probe index maps back through Permutation::inverse to its position, and from the
// position to (shard, thread, j); a reply for another shard's position, or for an element before the tail
// ("late": its fate was already final, no state is left to deduplicate it), is counted, not reported.
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "engine/permutation.hpp"
#include "engine/shard.hpp"
#include "engine/types.hpp"

namespace synscan {

/// How one scan's windows are laid out, the same for every send thread.
struct WindowShape {
  std::uint32_t retries = 0;     ///< R: retries per probe (--retries)
  std::uint64_t retry_gap = 1;   ///< D: steps between a probe's sends, >= 1
  std::uint64_t late_steps = 0;  ///< L: steps after a probe's last send until its fate is final
  std::uint64_t capacity = 64;   ///< ring bits per thread: a power of two >= R*D + L + slack, >= 64

  /// Steps from an element's first send until it is final: R*D + L.
  [[nodiscard]] std::uint64_t in_flight_steps() const noexcept { return retries * retry_gap + late_steps; }
  /// Bytes of ring per thread.
  [[nodiscard]] std::uint64_t bytes_per_thread() const noexcept { return capacity / 8; }
};

/// The shape for a send thread at `thread_rate_pps` (probes per second, > 0): D = max(1, round(rate x
/// retry_delay_s)), L = ceil(rate x late_s), capacity = the next power of two of R*D + L plus a slack of
/// max(4 x max_batch, 0.25 s of rate) for the aggregator's lag (the sender waits only when the aggregator
/// falls that far behind). Never throws.
WindowShape plan_window(double thread_rate_pps, std::uint32_t retries, double retry_delay_s, double late_s,
                        std::uint32_t max_batch) noexcept;

/// One send thread's window over its slice of `count` elements.
class ThreadWindow {
 public:
  /// A ring of capacity_for(shape, count) bits, all unanswered, tail 0.
  ThreadWindow(const WindowShape& shape, std::uint64_t count);

  /// The ring bits a thread of `count` elements holds: shape.capacity, or fewer when the whole slice fits in
  /// fewer (a power of two >= count, at least 64): a shard's state is bounded by its share of the space too.
  [[nodiscard]] static std::uint64_t capacity_for(const WindowShape& shape, std::uint64_t count) noexcept;

  // -- the aggregator thread (the only writer) --

  /// What a reply for element j meant.
  enum class Claim : std::uint8_t { first, duplicate, late };
  /// Marks j answered. first: j was in flight and unanswered (report it); duplicate: already answered; late:
  /// j is before the tail (its fate is final) or not yet reachable (j >= tail + capacity, or >= count).
  Claim claim(std::uint64_t j) noexcept;

  /// The first element not yet final, with the sender's progress now: tail() may advance to this.
  [[nodiscard]] std::uint64_t final_limit() const noexcept;

  /// Makes elements [tail, min(limit, count)) final: calls unanswered(j) for each one no reply claimed, in
  /// ascending order, clears its bit and publishes the new tail. Returns how many elements became final.
  template <class Fn>
  std::uint64_t advance(std::uint64_t limit, Fn&& unanswered) {
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    limit = std::min(limit, count_);
    if (limit <= tail) return 0;
    for (std::uint64_t j = tail; j < limit; ++j) {
      std::atomic<std::uint64_t>& word = words_[(j & mask_) >> 6];
      const std::uint64_t bit = std::uint64_t{1} << (j & 63);
      const std::uint64_t w = word.load(std::memory_order_relaxed);
      if ((w & bit) == 0) {
        unanswered(j);
      } else {
        word.store(w & ~bit, std::memory_order_relaxed);
      }
    }
    tail_.store(limit, std::memory_order_release);
    return limit - tail;
  }

  /// Restores a stopped run's window (cli/resume.hpp): the tail, and bit i of `bits` = element tail + i
  /// answered. The bits must fit the capacity.
  void restore(std::uint64_t tail, const std::vector<std::uint64_t>& bits);
  /// Bit i = element tail() + i answered, for the elements [tail(), end): a resume file's window.
  [[nodiscard]] std::vector<std::uint64_t> snapshot(std::uint64_t end) const;

  // -- the sender --

  /// Whether j was answered. Precondition: tail() <= j < tail() + capacity.
  [[nodiscard]] bool answered(std::uint64_t j) const noexcept {
    return (words_[(j & mask_) >> 6].load(std::memory_order_relaxed) >> (j & 63)) & 1;
  }
  /// The sender completed every frame of the steps before `steps`.
  void publish_steps(std::uint64_t steps) noexcept { steps_.store(steps, std::memory_order_release); }

  // -- both --

  [[nodiscard]] std::uint64_t tail() const noexcept { return tail_.load(std::memory_order_acquire); }
  [[nodiscard]] std::uint64_t steps() const noexcept { return steps_.load(std::memory_order_acquire); }
  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  [[nodiscard]] std::uint64_t capacity() const noexcept { return mask_ + 1; }
  [[nodiscard]] const WindowShape& shape() const noexcept { return shape_; }

 private:
  WindowShape shape_;
  std::uint64_t count_;
  std::uint64_t mask_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> words_;
  alignas(64) std::atomic<std::uint64_t> tail_{0};   // aggregator writes
  alignas(64) std::atomic<std::uint64_t> steps_{0};  // sender writes
};

/// The windows of every send thread of one shard, and the map from a probe index to its (thread, j).
class ProbeWindows {
 public:
  /// One window per thread of `plan`. `plan` and `permutation` must outlive this object.
  ProbeWindows(const ScanPlan& plan, const Permutation& permutation, const WindowShape& shape);

  struct Where {
    std::uint32_t thread;
    std::uint64_t j;
  };
  /// The send thread and slice element that sends `index` (Permutation::inverse, then the slice arithmetic of
  /// engine/shard.hpp); nullopt when another shard sends it or the index is outside the space.
  [[nodiscard]] std::optional<Where> locate(ProbeIndex index) const noexcept;

  [[nodiscard]] ThreadWindow& thread(std::uint32_t t) { return *windows_[t]; }
  [[nodiscard]] const ThreadWindow& thread(std::uint32_t t) const { return *windows_[t]; }
  [[nodiscard]] std::uint32_t threads() const noexcept { return static_cast<std::uint32_t>(windows_.size()); }
  [[nodiscard]] const ScanPlan& plan() const noexcept { return plan_; }
  [[nodiscard]] const Permutation& permutation() const noexcept { return permutation_; }
  /// Ring bytes of all threads: the scan's answered-set state.
  [[nodiscard]] std::uint64_t bytes() const noexcept;
  /// The ring bytes ProbeWindows(plan, ., shape) holds, without building it (the plan's check of
  /// --max-memory).
  [[nodiscard]] static std::uint64_t bytes_for(const ScanPlan& plan, const WindowShape& shape) noexcept;

 private:
  const ScanPlan& plan_;
  const Permutation& permutation_;
  std::vector<std::unique_ptr<ThreadWindow>> windows_;
};

/// Where a sender stands in its send order: step `step`, frame `level` of it (0: the new probe j = step,
/// k: retry k of j = step - k*D). Every frame before it was handed to the kernel exactly once (or skipped as
/// answered or out of the slice); a sender started here neither loses nor repeats one.
struct SendCursor {
  std::uint64_t step = 0;
  std::uint32_t level = 0;
  friend bool operator==(const SendCursor&, const SendCursor&) = default;
};

/// The number of steps of a slice of `count` elements: count + R*D when count > 0 (the last retries of the
/// last element), else 0.
[[nodiscard]] inline std::uint64_t total_steps(std::uint64_t count, const WindowShape& shape) noexcept {
  return count == 0 ? 0 : count + shape.retries * shape.retry_gap;
}

}  // namespace synscan
