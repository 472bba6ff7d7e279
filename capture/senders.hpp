#pragma once
// The send threads of a scan (capture/send_thread.hpp sends one thread's order). One thread per slice of the
// plan (engine/shard.hpp), each with its own transmitter, RateLimiter and window (engine/probe_window.hpp),
// all running at once: each sends its new probes with the retries owed interleaved (a probe's k-th retry
// about
// --retry-delay after its previous send), so the retries count toward
// --rate (C21) and re-send only unanswered probes (C19). A stop request ends every thread at its exact
// cursor, which a resume file records (C18).
#include <cstdint>
#include <memory>
#include <vector>

#include "capture/send_thread.hpp"
#include "capture/transmitter.hpp"
#include "engine/permutation.hpp"
#include "engine/probe_set.hpp"
#include "engine/probe_window.hpp"
#include "engine/scan_state.hpp"
#include "engine/shard.hpp"

namespace synscan {

/// When and how fast the probes go out.
struct SendSchedule {
  double rate_pps = 0;  ///< probes per second over all threads, retries included; > 0
  /// --rate auto: the senders follow ScanState::rate_pps (the rate thread's), rate_pps being only the rate
  /// the windows were planned for (the batch size and the threads' stagger are computed from it too).
  bool auto_rate = false;
  /// Per send thread, the cursor it starts at (a resumed scan's); empty: every thread from the start.
  std::vector<SendCursor> start;
  std::int64_t start_ns = 0;  ///< monotonic_ns() at which the first probe is due: the scan's origin
  /// Where send errors go (capture/link_wait.hpp); nullptr: a send error propagates out of its thread, which
  /// ends the process.
  LinkWait* link = nullptr;
};

/// Where the senders ended.
struct SendersDone {
  std::vector<SendCursor> next;               ///< per send thread: its resume cursor (run_sender)
  std::vector<std::uint64_t> sent_per_level;  ///< frames the kernel took: new probes, then each retry level
  std::int64_t end_ns = 0;                    ///< monotonic_ns() when the last sender ended
};

/// The most frames per send call (batch_for_rate picks fewer at low rates).
inline constexpr std::uint32_t kMaxSendBatch = 256;

/// One send thread's share of a scan's rate: its RateLimiter's rate and its batch.
struct ThreadPace {
  double rate_pps = 0;      ///< `rate_pps` / threads
  std::uint32_t batch = 1;  ///< batch_for_rate(rate_pps, kMaxSendBatch)
};

/// The pace of each of `threads` send threads sharing `rate_pps`: what run_senders runs them at and what the
/// windows are planned for (cli/finish_config.cpp).
inline ThreadPace thread_pace(double rate_pps, std::uint32_t threads) noexcept {
  const double thread_rate = rate_pps / threads;
  return {thread_rate, batch_for_rate(thread_rate, kMaxSendBatch)};
}

/// Runs send thread t of `plan` on *transmitters[t] (at least plan.threads() of them) with window
/// windows.thread(t), all threads at once. Each thread's RateLimiter runs at rate_pps / threads, and the
/// threads' schedules are staggered by 1/rate_pps so that together they send evenly, not in step. Ends when
/// every thread is done or state.stop is set. Keeps the status line's fields of `state` current (sent,
/// frames_planned, rate_capped at the end, window_waits) and sets sending_done at the end. Throws
/// std::invalid_argument when there are fewer transmitters than threads or start is neither empty nor one per
/// thread. A transmitter's SendError goes to schedule.link: a link that went down is waited for (bounded),
/// and a failure (the bound passed, any other error) sets state.stop, so that every sender ends at its exact
/// cursor as on a stop request; the caller reads schedule.link->failure() afterwards.
SendersDone run_senders(const ScanPlan& plan, const Permutation& permutation, const ProbeSet& probes,
                        ProbeWindows& windows, const std::vector<std::unique_ptr<Transmitter>>& transmitters,
                        const SendSchedule& schedule, ScanState& state);

}  // namespace synscan
