#pragma once
// `--rate auto`: the fastest rate the path really carries, found while the scan runs. Pure logic with no
// clock of its own: the caller (the rate thread, engine/rate_thread.hpp) feeds it every 20 ms the time and
// running totals (frames sent, new probes sent, validated TCP replies) and sends at the rate it returns.
// tests/unit/rate_controller_test.cpp drives it with a simulated path (tests/unit/path_sim.hpp) on a fake
// clock.
//
// Why the reply ratio is a sound signal. The probes go out in the order of a keyed uniform random permutation
// of the probe space (engine/permutation.hpp). So every probe, whenever it is sent, is a uniform draw from
// the space, and the probability that it is answered, p0 (the share of (target, port) pairs that answer at
// all), is the same at every moment of the scan: the targets cannot make the ratio replies/probes move with
// time or with the rate. If the ratio measured at rate r is significantly below the ratio measured at a lower
// rate, the difference is the path's: a policer dropping the excess, a full bottleneck queue, a target or
// firewall limiting SYNs or ICMP, our own capture ring overflowing. A path that delivers at most C probes/s
// answers a share p0 * min(1, C / r), so r * q / p_ref (q the ratio measured at r, p_ref the loss-free one)
// estimates C. Loss that does not depend on the rate (2% random loss each way) lowers q at every rate alike:
// it is part of p_ref and causes no back-off.
//
// The counts are validated replies from the targets themselves: the first SYN-ACK or RST, UDP answer or echo
// reply of each probe (ScanState's replies_answered, `answered_replies`). Not ICMP unreachables: hosts and
// routers limit them by default, so their share falls as the rate rises on a path that carries every probe,
// and a lost one changes no result (an unreachable and silence are both filtered). Duplicates are not
// counted: a target that answers twice (or a retry and its original both answered) would raise the ratio
// without telling anything about delivery. The denominator is the new probes (ScanState::sent_new, the
// `fresh` argument of update()): retries are interleaved with new probes (capture/send_thread.hpp) and go
// only to probes that did not answer, a population that answers far less often; counting them would lower the
// ratio the moment they begin. The replies to retries stay in the numerator, a small share that only rises
// when the path loses.
//
// How many replies before deciding. In a window of n probes with k replies, q = k / n has the binomial
// standard error sqrt(q (1 - q) / n), about q / sqrt(k) when q is small: the precision of the ratio depends
// on the number of replies, not on the number of probes or the time. A slow-start window waits for
// min_replies (100: ~10% relative error, enough to see the >= 25% fall of a doubling far past the bottleneck,
// slow_start_tolerance); every other window for hold_replies (1,000: ~3%, so a 10% fall is ~3 standard
// errors). A window is compared with the reference by a two-proportion z-test, and a fall counts only when it
// is both significant (z >= z_crit = 3: ~0.1% false alarms a window) and larger than `tolerance` (10%). The
// windows at one rate also add up (level_): a smaller loss (>= level_tolerance, 4%) becomes significant after
// a few windows. With 1% of probes answering, 1,000 replies take 100,000 probes: at 10,000 pps a decision
// every 10 s; with 0.1%, slow start alone takes minutes. So with rare responders the controller decides
// slowly and stays low, which is right: it cannot tell loss from noise faster, and a rate it cannot justify
// is a rate it does not take. A decision is never made on time alone; windows also last at least min_window_s
// (0.5 s; 0.06 s in slow start, a few of the rate thread's 20 ms reads and of the senders' batches). Replies
// that reach the counter late or in blocks do not move a window's ratio: windows are measured on the replies'
// capture time (below). And a fall is acted on only when the next window at the same rate confirms it, judged
// on both together.
//
// Avoiding oscillation. (1) Hysteresis: a fall needs z >= z_crit and a >= tolerance drop, confirmed by a
// second window; a rise of the reference the same upward; everything in between holds. (2) After a back-off
// the rate sits at 85% of the estimated capacity (backoff_margin), below the knee, not on it. (3) Probing
// upward (x probe_factor, 1.25) happens only every probe_interval windows; each failed probe or back-off
// doubles that interval (up to max_probe_interval, 16 windows: ~8 s), each successful probe halves it, and
// once it is 1 the next probe follows at once in a growing step (x1.25, x1.5, x1.75, x2: CUBIC's idea that a
// long time without loss allows a faster climb): in a steady path the probes become rare and the direction
// changes bounded, while a bottleneck that moved up (or a back-off that went too deep, a false alarm on a
// busy machine) is found again geometrically. (4) After a back-off the next window checks that the lower rate
// answered better (backing_off state): if it answered as badly, the loss was not the rate's (a sudden step in
// random loss) and the rate is restored with a new reference, instead of spiralling down; if worse still, it
// backs off again. (5) The reference only takes in windows close to it, so a loss too small for one window
// cannot drag it down until it looks normal. This is TCP's AIMD in spirit (RFC 5681 slow start and congestion
// avoidance), with the window replaced by a rate and the loss signal by a statistical test; the
// delivered-rate estimate C = r * q / p_ref is BBR's (Cardwell et al., "BBR: Congestion-Based Congestion
// Control", ACM Queue 2016), and CUBIC's (RFC 9438) concern shapes the probing: return to the last good rate
// fast, probe beyond it carefully.
//
// The RTT lag. Replies arrive an RTT (plus any queueing delay) after their probes, so right after a rate
// change the replies counted are still those of the old rate. The controller waits the lag out: after each
// rate change it opens the next window only `settle` seconds later. The lag is estimated once, as the time
// from the first probe to the first reply's capture (resolution: the caller's period), and settle = clamp(2 x
// lag, settle_min_s 0.05, settle_max_s 2); until the first reply no window opens.
//
// Replies counted against the probes they answer (issue 23). The replies reach the counter late and in
// bursts: the capture hands them over in blocks (when a block is full or 50 ms old,
// capture/pcap_receiver.hpp) and a busy machine's receive thread and aggregator fall behind by 100s of ms,
// then catch up at once. A window that compares the replies counted in [t0, t1] with the probes sent in the
// same [t0, t1] sees a fall of a third whenever one 50 ms block of a 0.15 s window is late (and a rise when
// it lands in the next): on a quiet clean lab slow start fell back to ~1,000 pps after its first doubling in
// 3 runs of 5. So the windows are measured on the replies' own clock: the caller passes, with the count, the
// capture time of the latest reply counted (RateSample::replies_at_s; the aggregator publishes it,
// ScanState::reply_capture_ms). A window spans capture times [a0, a1]: its replies are those captured in it
// (the counts at the two marks), its probes those sent one lag earlier, in [a0 - lag, a1 - lag] (read from
// the controller's own record of the sent totals, RateController::fresh_at): each reply is compared with the
// probes it can answer, once they are older than the lag, however late the counter learns of it. A receive
// side that stalls moves the mark forward late, not the ratio. Replies this machine dropped itself (the
// capture ring full, the aggregator's queue full: RateSample::own_drops) are not the path's loss: a window in
// which they rose is discarded undecided, so the rate neither falls nor climbs while this machine cannot take
// the replies in.
//
// Start and ceiling. Slow start begins at start_pps (1,000 pps) and doubles every window whose ratio holds;
// it must start below the bottleneck, because the first window defines the loss-free reference (a rise of the
// ratio later replaces it, but a start above the bottleneck is only partly repaired). max_pps
// (`--rate auto:MAX`) caps every rate. When the senders cannot keep up (a slow-start window sent less than
// 80% of the rate asked, or a second at one rate less than 85%), the state is sender_limited: no probing
// upward from there, and after a second of evidence the asked rate is lowered to 110% of what they sent, so
// that the rate shown is nearly real.
//
// zmap #804 asks for this ("slow start when the link bandwidth is unknown"); masscan #757 and #546/#588 and
// zmap #903 report the silent loss it prevents.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace synscan {

/// The two-proportion z statistic of reply ratios a = ka / na and b = kb / nb (replies over probes): (a - b)
/// over the pooled standard error; > 0 when a > b, +-1e9 when the pooled error is 0 and they differ, 0 when
/// either has no probes.
double ratio_z(double ka, double na, double kb, double nb) noexcept;

/// The one reply-ratio test of a fall, shared by the controller (--rate auto) and the fixed rate's watch
/// (RateWatch, engine/rate_thread.hpp): the window's ratio k / n is below the reference's ref_k / ref_n by
/// more than `tolerance` (a fraction) and significantly so (ratio_z >= z_crit).
bool ratio_fell(double ref_k, double ref_n, double k, double n, double tolerance, double z_crit) noexcept;

/// What the controller is doing (status line, --status-json, --metadata).
enum class RateState : std::uint8_t {
  slow_start,      ///< doubling the rate every window while the reply ratio holds
  holding,         ///< at a rate the path carries; probing upward every probe_interval windows
  probing_up,      ///< trying probe_factor x the held rate for one window
  backing_off,     ///< just lowered the rate after a fall; checking that the lower rate answers better
  sender_limited,  ///< the senders send less than asked: the rate follows what they achieve
  fixed,           ///< not controlled (a fixed --rate): the watch-only detector (RateWatch) may still warn
};

/// "slow start", "holding", "probing up", "backing off", "sender-limited", "fixed".
std::string_view rate_state_name(RateState s) noexcept;

/// One reading of the scan's totals for RateController::update.
struct RateSample {
  double now_s = 0;           ///< the caller's clock, seconds, non-decreasing
  std::uint64_t sent = 0;     ///< every frame sent so far (the rate the senders achieve)
  std::uint64_t fresh = 0;    ///< of those, the new probes (the ratio's denominator)
  std::uint64_t replies = 0;  ///< validated replies counted so far
  /// When the latest reply of `replies` was captured, on the same clock as now_s (<= now_s), or < 0 when
  /// unknown: then the replies are taken as captured when counted (now_s), and a late or bursty receive side
  /// looks like loss.
  double replies_at_s = -1;
  std::uint64_t own_drops = 0;  ///< replies this machine dropped itself so far (capture ring, queue)
};

/// The controller's tuning. Rates in probes per second over all send threads, retries included; times in
/// seconds. The defaults are the ones `--rate auto` uses (the header comment says why each is what it is).
struct RateControllerParams {
  double start_pps = 1000;            ///< first rate (clamped to [min_pps, max_pps])
  double min_pps = 100;               ///< never below
  double max_pps = 1e7;               ///< never above (--rate auto:MAX)
  std::uint64_t min_replies = 100;    ///< validated replies a slow-start window needs before a decision
  std::uint64_t hold_replies = 1000;  ///< and any other window (a 10% fall is then ~3 standard errors)
  /// A window also lasts at least this long (slow start, other states), seconds of capture time: several of
  /// the rate thread's 20 ms reads (the sent totals are interpolated between them). Replies that reach the
  /// counter in the capture's 50 ms blocks or late do not need longer windows: they are counted by capture
  /// time (RateSample::replies_at_s); without capture times a window this short would be fooled by them.
  double min_window_ss_s = 0.06;
  double min_window_s = 0.5;
  double tolerance = 0.10;        ///< relative fall of the ratio that counts as loss in one window
  double level_tolerance = 0.04;  ///< and in all windows at one rate together (more replies)
  /// In slow start: a doubling far past the bottleneck loses a quarter or more, and short windows on a busy
  /// machine see more jitter; a smaller overshoot is found once holding (level_tolerance).
  double slow_start_tolerance = 0.25;
  double z_crit = 3.0;                    ///< significance of a fall or rise (two-proportion z)
  double probe_factor = 1.25;             ///< probing upward: held rate x this
  double backoff_margin = 0.85;           ///< after a fall: this x the estimated capacity
  std::uint32_t max_probe_interval = 16;  ///< windows between probes at most (~8 s of 0.5 s windows)
  double settle_min_s = 0.05;  ///< wait after a rate change at least (the senders take the rate once a batch)
  double settle_max_s = 2.0;   ///< and at most (2 x the measured lag in between)
  /// Weight of the older reference per window pooled in: 1, none forgotten, because the loss-free ratio is
  /// constant during the scan (a path that changes is handled by rose() and the backing_off check).
  double reference_decay = 1.0;
};

/// The `--rate auto` controller. Not thread-safe: one caller (the rate thread, engine/rate_thread.hpp).
class RateController {
 public:
  explicit RateController(const RateControllerParams& params) noexcept;

  /// Feeds the totals at `now_s` (seconds, any epoch, non-decreasing): probes sent so far and validated
  /// replies so far (both non-decreasing). Returns the rate to send at from now on, pps.
  double update(double now_s, std::uint64_t sent, std::uint64_t replies) noexcept {
    return update(now_s, sent, sent, replies);
  }
  /// The same with retries interleaved (capture/send_thread.hpp): `sent` counts every frame (the rate the
  /// senders achieve), `fresh` only the new probes, which are the reply ratio's denominator: a retry goes
  /// only to a probe that did not answer, so counting retries would lower the ratio the moment they begin, a
  /// fall that is the scan's, not the network's. The few replies to retries stay in `replies`.
  double update(double now_s, std::uint64_t sent, std::uint64_t fresh, std::uint64_t replies) noexcept {
    return update(RateSample{now_s, sent, fresh, replies, -1, 0});
  }
  /// The same with the replies' capture time and this machine's own drops (the header comment: replies
  /// counted against the probes they answer). What the rate thread calls.
  double update(const RateSample& s) noexcept;

  double rate() const noexcept { return rate_; }
  RateState state() const noexcept { return state_; }
  /// The reference reply ratio (validated replies per probe sent), or -1 before the first window.
  double reference_ratio() const noexcept { return ref_n_ > 0 ? ref_k_ / ref_n_ : -1.0; }
  /// The ratio of the last window decided, or -1.
  double last_ratio() const noexcept { return last_q_; }
  /// Windows decided so far.
  std::uint64_t decisions() const noexcept { return decisions_; }

 private:
  struct Window {
    double n = 0, k = 0;  // probes, replies
  };
  void decide(const Window& w, double measured_pps, double now_s) noexcept;
  void after_good(double measured_pps, double now_s) noexcept;
  void back_off(const Window& w, double measured_pps, double now_s) noexcept;
  void hold() noexcept;
  void set_rate(double pps, double now_s) noexcept;
  double settle_s() const noexcept;
  /// The new probes (and frames) sent by time `t_s`, interpolated in the record of samples (clamped to it).
  double fresh_at(double t_s) const noexcept;
  double sent_at(double t_s) const noexcept;
  void record(double now_s, std::uint64_t sent, std::uint64_t fresh) noexcept;
  void open_window(double at_s, double lag_s, std::uint64_t replies, std::uint64_t own_drops) noexcept;
  double probe_factor() const noexcept;  // grows with probe_successes_
  void pool(const Window& w) noexcept;
  static double z_of(double ka, double na, double kb, double nb) noexcept { return ratio_z(ka, na, kb, nb); }
  bool fell(const Window& w) const noexcept;  // the window, or all windows at this rate, fell
  bool fell(const Window& w, double tolerance) const noexcept;
  double tolerance() const noexcept;  // a window's, in the current state
  bool rose(const Window& w) const noexcept;

  RateControllerParams p_;
  double rate_;
  RateState state_ = RateState::slow_start;
  // Lag estimate: first probe and first reply seen.
  double first_sent_s_ = -1, lag_s_ = -1;
  // The next window opens settle_s() after the last rate change.
  double last_change_s_ = 0;
  bool open_ = false;
  double win_start_s_ = 0;               // capture time of the window's first mark (replies_at_s)
  double win_fresh_ = 0, win_sent_ = 0;  // the new probes and frames sent by win_start_s_ - lag
  std::uint64_t win_replies_ = 0, win_drops_ = 0;
  double last_at_s_ = 0;  // the latest capture mark seen (kept monotone)
  // The record of (time, sent, fresh) samples: the probes a window's replies answer were sent one lag before.
  struct Mark {
    double t_s;
    double sent, fresh;
  };
  static constexpr std::size_t kMarks = 1024;  // 20 s at the rate thread's 20 ms
  std::array<Mark, kMarks> marks_{};
  std::size_t marks_n_ = 0, marks_head_ = 0;  // count, index of the oldest
  // The reference: pooled good windows, older ones decayed.
  double ref_n_ = 0, ref_k_ = 0;
  // Holding/probing.
  double held_pps_ = 0;  // the rate probing_up returns to on a fall
  std::uint32_t probe_interval_ = 2, since_probe_ = 0;
  std::uint32_t probe_successes_ = 0;  // probes in a row that held
  // Backing off: the window that fell and the rate it fell at.
  Window fall_;
  // A window that fell, waiting for the next window at the same rate to confirm it.
  bool pending_ = false;
  Window pending_fall_;
  // Every window decided at the current rate, together.
  Window level_;
  double level_s_ = 0;  // seconds of sending those windows took
  double fall_pps_ = 0;
  double last_q_ = -1;
  std::uint64_t decisions_ = 0;
};

}  // namespace synscan
