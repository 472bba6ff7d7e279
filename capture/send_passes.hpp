#pragma once
// The pass loop: every pass of a scan over its send threads (capture/send_thread.hpp sends one thread's share
// of one pass). A scan sends 1 + --retries passes; each pass starts one thread per slice of the plan
// (engine/shard.hpp), each with its own transmitter and RateLimiter, and joins them all before the next pass
// begins. The limiters carry over from pass to pass, so retries count toward --rate (C21); a retry pass skips
// the probes already answered (C19). A stop request ends the pass being sent at each thread's exact resume
// point, which a resume file records (C18).
#include <cstdint>
#include <memory>
#include <vector>

#include "capture/transmitter.hpp"
#include "engine/permutation.hpp"
#include "engine/probe_module.hpp"
#include "engine/result_table.hpp"
#include "engine/scan_state.hpp"
#include "engine/shard.hpp"

namespace synscan {

/// When and how fast the passes go out.
struct PassSchedule {
  double rate_pps = 0;           ///< probes per second over all threads, retries included; > 0
  /// --rate auto: the senders follow ScanState::rate_pps (the rate thread's), rate_pps being only its ceiling
  /// (the batch size and the threads' stagger are computed from it).
  bool auto_rate = false;
  std::uint32_t first_pass = 0;  ///< 0-based: 0, or the pass a resumed scan continues in
  std::uint32_t last_pass = 0;   ///< 0-based: --retries
  /// Per send thread, the slice element it starts at in first_pass (a resumed scan's positions); empty: all
  /// 0. Later passes start every thread at 0.
  std::vector<std::uint64_t> start_j;
  double pass_gap_s = 0;      ///< pause before each later pass, for the previous pass's replies, seconds
  std::int64_t start_ns = 0;  ///< monotonic_ns() at which the first probe is due: the scan's origin
};

/// Where the pass loop ended.
struct PassesSent {
  std::uint32_t pass = 0;                    ///< the last pass begun (0-based)
  std::vector<std::uint64_t> next_j;         ///< per send thread: its resume point in `pass` (run_send_pass)
  std::vector<std::uint64_t> sent_per_pass;  ///< frames the kernel took in each pass begun, first_pass first
  std::int64_t end_ns = 0;                   ///< monotonic_ns() when the last pass ended
};

/// Sends passes schedule.first_pass .. schedule.last_pass of `plan` with send thread t on *transmitters[t]
/// (at least plan.threads() of them). Each thread's RateLimiter runs at rate_pps / threads, and the threads'
/// schedules are staggered by 1/rate_pps so that together they send evenly, not in step; before each later
/// pass the limiters forgive the pause (neither owed nor burst). Retry passes (pass > 0) skip what `answered`
/// marks. Ends after the pass during which state.stop is set. Keeps the status line's fields of `state`
/// current (pass, pass_first_sent, pass_probes; rate_capped after each pass) and sets sending_done at the
/// end; the send threads add to state.sent. Throws std::invalid_argument when there are fewer transmitters
/// than threads or start_j is neither empty nor one per thread; a transmitter's hard send error
/// (std::runtime_error) inside a send thread ends the process, as any uncaught exception on a thread does.
PassesSent run_send_passes(const ScanPlan& plan, const Permutation& permutation, const ProbeModule& probes,
                           const ResultTable& answered,
                           const std::vector<std::unique_ptr<Transmitter>>& transmitters,
                           const PassSchedule& schedule, ScanState& state);

}  // namespace synscan
