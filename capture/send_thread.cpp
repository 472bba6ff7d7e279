#include "capture/send_thread.hpp"

#include <sched.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "engine/clock.hpp"

namespace synscan {
namespace {

constexpr std::int64_t kMaxSleepNs = 50'000'000;  // wake at least every 50 ms to see a stop request
constexpr std::int64_t kSpinNs = 100'000;  // closer than this to the due time, yield instead of sleeping
constexpr std::int64_t kWindowWaitNs = 1'000'000;  // a full window: look again after 1 ms

void wait_until(std::int64_t due_ns) noexcept {
  const std::int64_t now = monotonic_ns();
  if (due_ns - now > kSpinNs) {
    const std::int64_t wake = std::min(due_ns - kSpinNs / 2, now + kMaxSleepNs);
    timespec ts{static_cast<time_t>(wake / 1'000'000'000), static_cast<long>(wake % 1'000'000'000)};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
  } else {
    sched_yield();
  }
}

}  // namespace

void sleep_unless_stopped(double seconds, const std::atomic<bool>& stop) {
  const std::int64_t end = monotonic_ns() + static_cast<std::int64_t>(seconds * 1e9);
  while (monotonic_ns() < end && !stop.load(std::memory_order_relaxed)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

namespace {

// One batch of frames being assembled: which cursor and slice element each frame is, and its level.
struct Batch {
  explicit Batch(std::uint32_t max)
      : indices(new ProbeIndex[max]),
        j(new std::uint64_t[max]),
        at(new SendCursor[max]),
        fresh(new ProbeIndex[max]) {}
  std::unique_ptr<ProbeIndex[]> indices;  // the probes, in send order
  std::unique_ptr<std::uint64_t[]> j;     // each frame's slice element
  std::unique_ptr<SendCursor[]> at;       // each frame's place in the send order (the resume point if unsent)
  std::unique_ptr<ProbeIndex[]> fresh;    // the new probes' indices, from one Permutation::fill
};

}  // namespace

SendCursor run_sender(const SendWork& work, RateLimiter& limiter, Transmitter& tx,
                      const SendCounters& counters, const std::atomic<bool>& stop) {
  const std::size_t stride = work.probes.frame_stride();
  const Slice& slice = work.slice;
  ThreadWindow& window = work.window;
  const WindowShape& shape = window.shape();
  const std::uint32_t retries = shape.retries;
  const std::uint64_t gap = shape.retry_gap;
  const std::uint64_t count = slice.count;
  const std::uint64_t end = total_steps(count, shape);
  const std::uint64_t capacity = window.capacity();
  // Buffers for one batch, allocated before the first probe; the loop below never allocates.
  std::unique_ptr<std::uint8_t[]> frames(new std::uint8_t[stride * work.max_batch]);
  std::unique_ptr<std::uint16_t[]> lengths(new std::uint16_t[work.max_batch]);
  Batch b(work.max_batch);
  std::vector<std::uint64_t> by_level(retries + 1, 0);
  SendCursor cur = work.start;
  bool step_sent = cur.level > 0;  // a step resumed in its middle sent its new probe in the stopped run
  window.publish_steps(cur.step);
  const double planned_rate = limiter.rate();  // the rate the window's steps were planned for, this thread's
  double shared_rate = 0;                      // the last ScanState::rate_pps applied (--rate auto)
  double empty_cost = 1;                       // slots an empty step costs: rate now / planned rate
  double empty_owed = 0;                       // empty steps' slots not yet taken from the limiter
  while (cur.step < end && !stop.load(std::memory_order_relaxed)) {
    if (work.shared_rate_pps != nullptr) {
      if (const double r = work.shared_rate_pps->load(std::memory_order_relaxed); r > 0 && r != shared_rate) {
        shared_rate = r;
        limiter.set_rate(r / work.threads, monotonic_ns());
        empty_cost = limiter.rate() / planned_rate;
      }
    }
    const std::uint32_t allowed = limiter.allowance(monotonic_ns());
    if (allowed == 0) {
      wait_until(limiter.next_due_ns());
      continue;
    }
    // The new probe j may start only inside the ring: j < tail + capacity.
    const std::uint64_t room_end = window.tail() + capacity;
    std::size_t filled = 0;
    std::uint32_t slots = 0;  // frames plus steps that sent nothing: each takes one slot of the rate
    std::uint64_t fresh_first = 0;
    std::size_t fresh_n = 0;
    if (retries == 0) {
      // No retries: the steps are the new probes, consecutive elements, one Permutation::fill.
      const std::uint64_t stop_at = std::min(count, room_end);
      const auto want =
          static_cast<std::size_t>(std::min<std::uint64_t>(allowed, stop_at - std::min(stop_at, cur.step)));
      work.permutation.fill(slice_position(slice, cur.step), slice.stride, want, b.indices.get());
      for (std::size_t i = 0; i < want; ++i) b.at[i] = SendCursor{cur.step + i, 0};
      filled = want;
      slots = static_cast<std::uint32_t>(want);
      cur.step += want;
    } else {
      while (slots < allowed && cur.step < end) {
        if (cur.level == 0) {
          if (cur.step < count) {
            if (cur.step >= room_end) break;  // back-pressure
            if (fresh_n == 0) fresh_first = cur.step;
            ++fresh_n;
            b.at[filled] = cur;
            b.j[filled++] = cur.step;
            ++slots;
            step_sent = true;
          }
        } else if (const std::uint64_t back = std::uint64_t{cur.level} * gap; cur.step >= back) {
          const std::uint64_t j = cur.step - back;
          if (j < count && !window.answered(j)) {
            b.at[filled] = cur;
            b.j[filled++] = j;
            ++slots;
            step_sent = true;
          }
        }
        if (++cur.level > retries) {
          if (!step_sent) {  // nothing to send in this step: still a slot, so retries keep their distance
            empty_owed += empty_cost;
            if (empty_owed >= 1) {
              const auto whole = static_cast<std::uint32_t>(empty_owed);
              slots += whole;
              empty_owed -= whole;
            }
          }
          ++cur.step;
          cur.level = 0;
          step_sent = false;
        }
      }
      if (fresh_n > 0)
        work.permutation.fill(slice_position(slice, fresh_first), slice.stride, fresh_n, b.fresh.get());
      for (std::size_t i = 0; i < filled; ++i) {
        b.indices[i] = b.at[i].level == 0 ? b.fresh[b.j[i] - fresh_first]
                                          : work.permutation(slice_position(slice, b.j[i]));
      }
    }
    if (slots == 0 &&
        cur.step < end) {  // the window is full: the aggregator must finalise before the sender goes on
      counters.window_waits.fetch_add(1, std::memory_order_relaxed);
      wait_until(monotonic_ns() + kWindowWaitNs);
      continue;
    }
    std::size_t done = 0;
    if (filled > 0) {
      work.probes.craft_batch(b.indices.get(), filled, frames.get(), stride, lengths.get());
      while (done < filled) {
        std::size_t n = 0;
        try {
          n = tx.send(frames.get() + stride * done, stride, lengths.get() + done, filled - done);
          if (work.link != nullptr) work.link->sent();
        } catch (const SendError& e) {
          if (work.link == nullptr) throw;
          if (!work.link->wait(e, stop)) break;  // failed, or stopped while the link was down
          continue;
        }
        done += n;
        if (n == 0) {
          if (stop.load(std::memory_order_relaxed)) break;
          sched_yield();  // the kernel queue is full: let it drain
        }
      }
    }
    limiter.consume(static_cast<std::uint32_t>(slots - (filled - done)));
    counters.sent.fetch_add(done, std::memory_order_relaxed);
    std::uint64_t fresh_done = 0;
    for (std::size_t i = 0; i < done; ++i) {
      ++by_level[b.at[i].level];
      fresh_done += b.at[i].level == 0;
    }
    counters.sent_new.fetch_add(fresh_done, std::memory_order_relaxed);
    if (done < filled) {  // stopped with frames the kernel never took
      cur = b.at[done];
      break;
    }
    window.publish_steps(cur.step);
  }
  for (std::uint32_t k = 0; k <= retries; ++k)
    counters.per_level[k].fetch_add(by_level[k], std::memory_order_relaxed);
  try {
    tx.flush();
  } catch (const SendError& e) {
    if (work.link == nullptr) throw;
    work.link->fail(e);  // frames the kernel took but could not hand on: the scan ends with the error
  }
  return cur;
}

}  // namespace synscan
