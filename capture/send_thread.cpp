#include "capture/send_thread.hpp"

#include <sched.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

namespace synscan {
namespace {

constexpr std::int64_t kMaxSleepNs = 50'000'000;  // wake at least every 50 ms to see a stop request
constexpr std::int64_t kSpinNs = 100'000;         // closer than this to the due time, yield instead of sleeping

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

std::int64_t monotonic_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

void sleep_unless_stopped(double seconds, const std::atomic<bool>& stop) {
  const std::int64_t end = monotonic_ns() + static_cast<std::int64_t>(seconds * 1e9);
  while (monotonic_ns() < end && !stop.load(std::memory_order_relaxed)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::uint64_t run_send_pass(const SendPass& pass, RateLimiter& limiter, Transmitter& tx,
                            std::atomic<std::uint64_t>& sent, const std::atomic<bool>& stop) {
  const std::size_t stride = pass.probes.frame_stride();
  // Buffers for one batch, allocated before the first probe; the loop below never allocates.
  std::unique_ptr<std::uint8_t[]> frames(new std::uint8_t[stride * pass.max_batch]);
  std::unique_ptr<std::uint16_t[]> lengths(new std::uint16_t[pass.max_batch]);
  std::unique_ptr<ProbeIndex[]> indices(new ProbeIndex[pass.max_batch]);
  // The slice element of each frame in the batch: a batch cut short by a stop resumes at its first unsent frame.
  std::unique_ptr<std::uint64_t[]> frame_j(new std::uint64_t[pass.max_batch]);
  std::uint64_t j = pass.start_j;
  double shared_rate = 0;  // the last ScanState::rate_pps applied (--rate auto)
  while (j < pass.slice.count && !stop.load(std::memory_order_relaxed)) {
    if (pass.shared_rate_pps != nullptr) {
      if (const double r = pass.shared_rate_pps->load(std::memory_order_relaxed); r > 0 && r != shared_rate) {
        shared_rate = r;
        limiter.set_rate(r / pass.threads, monotonic_ns());
      }
    }
    const std::uint32_t allowed = limiter.allowance(monotonic_ns());
    if (allowed == 0) {
      wait_until(limiter.next_due_ns());
      continue;
    }
    std::size_t filled = 0;
    while (filled < allowed && j < pass.slice.count) {
      // The next positions in one batch (Permutation::fill), then the answered ones dropped in place.
      const auto want =
          static_cast<std::size_t>(std::min<std::uint64_t>(allowed - filled, pass.slice.count - j));
      ProbeIndex* const batch = indices.get() + filled;
      pass.permutation.fill(pass.slice.offset + pass.slice.stride * j, pass.slice.stride, want, batch);
      for (std::size_t k = 0; k < want; ++k, ++j) {
        if (pass.skip_answered != nullptr && pass.skip_answered->answered(batch[k])) continue;
        frame_j[filled] = j;
        indices[filled++] = batch[k];
      }
    }
    pass.probes.craft_batch(indices.get(), filled, frames.get(), stride, lengths.get());
    std::size_t done = 0;
    while (done < filled) {
      const std::size_t n = tx.send(frames.get() + stride * done, stride, lengths.get() + done, filled - done);
      done += n;
      if (n == 0) {
        if (stop.load(std::memory_order_relaxed)) break;
        sched_yield();  // the kernel queue is full: let it drain
      }
    }
    limiter.consume(static_cast<std::uint32_t>(done));
    sent.fetch_add(done, std::memory_order_relaxed);
    if (done < filled) {  // stopped with frames the kernel never took
      tx.flush();
      return frame_j[done];
    }
  }
  tx.flush();
  return std::min(j, pass.slice.count);
}

}  // namespace synscan
