#pragma once
// The rate thread: every 20 ms it reads ScanState (frames sent, new probes sent, validated TCP replies with
// the capture time of the latest, this machine's own reply drops) and either controls the rate (`--rate
// auto`: RateController, engine/rate_controller.hpp, publishing ScanState::rate_pps, which each send thread
// reads once a batch and applies with RateLimiter::set_rate) or only watches a fixed rate (RateWatch below).
// Pure logic and std::thread, like the aggregator thread: no kernel, so in engine/.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "engine/rate_controller.hpp"
#include "engine/scan_state.hpp"

namespace synscan {

/// A fixed rate's watch (zmap #804): the same statistics as RateController, deciding nothing. By the
/// permutation argument (engine/rate_controller.hpp) the validated TCP replies per new probe are constant
/// over the scan; windows of at least `min_replies` replies and `min_window_s` seconds are compared with the
/// first window, and two windows in a row that fell by more than `tolerance` with z >= `z_crit` while sending
/// at least 90% as fast as the first (the ratio fell as the rate held or rose) mean that the path drops
/// probes or replies. The test is stricter than the controller's (z 4, 1,000 replies and 0.5 s a window): it
/// speaks to the user, so a false alarm costs more than a late one. A loss that is constant from the first
/// probe (a policer already below the rate at the start, with no burst) does not change the ratio and is not
/// seen: only a rate change would show it, and a fixed rate has none.
class RateWatch {
 public:
  struct Params {
    std::uint64_t min_replies = 1000;
    double min_window_s = 0.5;  ///< replies come in 50 ms capture blocks, late on a busy machine
    double tolerance = 0.10;
    double z_crit = 4.0;
  };
  RateWatch() noexcept : RateWatch(Params{}) {}
  explicit RateWatch(const Params& p) noexcept : p_(p) {}

  /// Feeds the totals at `now_s` (as RateController::update). Returns true once, when the fall is found.
  bool update(double now_s, std::uint64_t sent, std::uint64_t replies) noexcept;

  bool fired() const noexcept { return fired_; }
  /// The reference ratio and the ratio that fell, and the send rate (pps) at the fall; valid once fired().
  double reference_ratio() const noexcept { return ref_k_ / ref_n_; }
  double fallen_ratio() const noexcept { return fallen_q_; }
  double fallen_pps() const noexcept { return fallen_pps_; }
  /// The ratio of the last window, or -1.
  double last_ratio() const noexcept { return last_q_; }

 private:
  Params p_;
  bool have_start_ = false, fired_ = false;
  double win_s_ = 0;
  std::uint64_t win_sent_ = 0, win_replies_ = 0;
  double ref_n_ = 0, ref_k_ = 0, ref_pps_ = 0;
  int falls_in_row_ = 0;
  double fallen_q_ = -1, fallen_pps_ = 0, last_q_ = -1;
};

/// How the rate thread runs.
struct RateControlSetup {
  bool automatic = false;       ///< --rate auto: control; otherwise watch the fixed rate
  double fixed_pps = 0;         ///< the fixed --rate
  RateControllerParams params;  ///< --rate auto's (max_pps from auto:MAX)
  double period_s = 0.02;       ///< how often it reads ScanState (a slow start step takes a few)
};

/// The rate as it changed: [seconds since the start, pps].
using RateHistory = std::vector<std::pair<double, double>>;

/// Runs from construction until stop(). Publishes ScanState::rate_pps (set before the thread starts, so the
/// first probe already has a rate), rate_state and reply_ratio. `state` must outlive it.
class RateControlThread {
 public:
  RateControlThread(ScanState& state, const RateControlSetup& setup);
  ~RateControlThread() { stop(); }
  RateControlThread(const RateControlThread&) = delete;
  RateControlThread& operator=(const RateControlThread&) = delete;

  /// Joins. Idempotent. Call when sending is over (the rate of the waits means nothing).
  void stop() noexcept;
  /// The rate changes so far (the first at 0 s). Safe while the thread runs.
  RateHistory history() const;
  /// With a fixed rate, once the watch saw the ratio fall: one line for the user (no "synscan: " prefix, no
  /// newline). Empty otherwise.
  std::string loss_warning() const;

 private:
  void run(std::stop_token stop);
  void record(double t_s, double pps);

  ScanState& state_;
  RateControlSetup setup_;
  mutable std::mutex mutex_;  // guards history_ and warning_
  RateHistory history_;
  std::string warning_;
  std::jthread thread_;  // last: started once every other member exists
};

}  // namespace synscan
