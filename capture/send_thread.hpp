#pragma once
// One transmit thread: walk its slice of the permutation in steps (engine/probe_window.hpp: step s sends the
// new probe j = s and the retries owed by j - k*D), craft each probe, send in batches at the pace of its rate
// limiter.
#include <atomic>
#include <cstdint>

#include "capture/link_wait.hpp"
#include "capture/transmitter.hpp"
#include "engine/permutation.hpp"
#include "engine/probe_set.hpp"
#include "engine/probe_window.hpp"
#include "engine/rate_limiter.hpp"
#include "engine/shard.hpp"

namespace synscan {

struct SendWork {
  const Permutation& permutation;
  const ProbeSet& probes;   ///< crafts the frames
  Slice slice;              ///< this thread's positions in the permutation
  ThreadWindow& window;     ///< this thread's answered set in flight; the sender publishes its steps
  std::uint32_t max_batch;  ///< frames per send call
  SendCursor start{};       ///< where to begin (a resumed scan's cursor)
  /// --rate auto: the rate over all send threads (ScanState::rate_pps), read once a batch; this thread sends
  /// its share, rate / threads (RateLimiter::set_rate). nullptr: the limiter's rate is fixed.
  const std::atomic<double>* shared_rate_pps = nullptr;
  std::uint32_t threads = 1;
  /// What to do on a SendError (wait for the link, or record the failure); nullptr: the error propagates.
  LinkWait* link = nullptr;
};

/// What one sender did.
struct SendCounters {
  std::atomic<std::uint64_t>& sent;          ///< every frame the kernel accepted, added
  std::atomic<std::uint64_t>* per_level;     ///< [R + 1]: frames accepted by level (0 = new probes)
  std::atomic<std::uint64_t>& window_waits;  ///< times the window was full
  std::atomic<std::uint64_t>& sent_new;      ///< new probes (level 0) the kernel accepted, live (--rate auto)
};

/// Sleeps `seconds` in steps of 10 ms, returning early once `stop` is set: the wait for late replies after
/// the last probe.
void sleep_unless_stopped(double seconds, const std::atomic<bool>& stop);

/// Sends the thread's whole send order from work.start: every frame (new probe or retry) and every step that
/// sends nothing (after the new probes ran out) takes one slot of `limiter`, so retries count toward the rate
/// (C21) and keep their distance in time. With --rate auto (work.shared_rate_pps) the rate follows the rate
/// thread, and a step that sends nothing costs rate / planned rate of a slot (the limiter's first rate is the
/// planned one): the retry delay and the late bound are counted in steps at the planned rate, so the steps
/// after the last new probe still last --retry-delay per retry in time, not in probes at a lower rate. A
/// retry is skipped when the window marks its probe answered. The sender does not start the new probe j while
/// j >= window.tail() + capacity (back-pressure: it waits, counted in window_waits). Publishes its completed
/// steps to the window after each batch. Returns when the order is done or `stop` is set (checked every batch
/// and every 50 ms of waiting): the cursor of the first frame not handed to the kernel, exact also when a
/// stop cuts a batch short. Flushes the transmitter before returning. A SendError goes to work.link, which
/// waits for a link that went down (the same frames are sent again when it is back) or records the failure,
/// and the sender then ends as on a stop (cursor exact); without work.link it propagates.
SendCursor run_sender(const SendWork& work, RateLimiter& limiter, Transmitter& tx,
                      const SendCounters& counters, const std::atomic<bool>& stop);

}  // namespace synscan
