#pragma once
// One transmit thread's pass: walk its slice of the permutation, craft each probe, send in batches at the pace of
// its rate limiter.
#include <atomic>
#include <cstdint>

#include "capture/transmitter.hpp"
#include "engine/permutation.hpp"
#include "engine/probe_module.hpp"
#include "engine/rate_limiter.hpp"
#include "engine/result_table.hpp"
#include "engine/shard.hpp"

namespace synscan {

struct SendPass {
  const Permutation& permutation;
  const ProbeModule& probes;       ///< crafts the frames
  Slice slice;                      ///< this thread's positions in the permutation
  const ResultTable* skip_answered; ///< retry passes: skip probes already answered; nullptr in the first pass
  std::uint32_t max_batch;          ///< frames per send call
  std::uint64_t start_j = 0;        ///< first element of the slice to send (a resumed scan's position)
  /// --rate auto: the rate over all send threads (ScanState::rate_pps), read once a batch; this thread sends
  /// its share, rate / threads (RateLimiter::set_rate). nullptr: the limiter's rate is fixed.
  const std::atomic<double>* shared_rate_pps = nullptr;
  std::uint32_t threads = 1;
};

/// Monotonic clock in nanoseconds (CLOCK_MONOTONIC).
std::int64_t monotonic_ns() noexcept;

/// Sleeps `seconds` in steps of 10 ms, returning early once `stop` is set: the waits for late replies between
/// passes and after the last one.
void sleep_unless_stopped(double seconds, const std::atomic<bool>& stop);

/// Sends one pass. `limiter` carries over between passes, so retries count toward the rate. Returns when the slice
/// is done or `stop` is set (checked every batch and every 50 ms of waiting). Adds every frame the kernel accepted to
/// `sent`. Returns the resume point: the slice element j of the first probe not handed to the kernel (slice.count
/// when the pass is done); every probe at [start_j, j) not skipped as answered was accepted exactly once, so a scan
/// resumed at j neither loses nor repeats one, also when a stop cuts a batch short. Flushes the transmitter before
/// returning. Throws std::runtime_error from the transmitter on a hard send error.
std::uint64_t run_send_pass(const SendPass& pass, RateLimiter& limiter, Transmitter& tx,
                            std::atomic<std::uint64_t>& sent, const std::atomic<bool>& stop);

}  // namespace synscan
