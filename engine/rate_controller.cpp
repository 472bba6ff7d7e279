#include "engine/rate_controller.hpp"

#include <algorithm>
#include <cmath>

namespace synscan {

std::string_view rate_state_name(RateState s) noexcept {
  switch (s) {
    case RateState::slow_start:
      return "slow start";
    case RateState::holding:
      return "holding";
    case RateState::probing_up:
      return "probing up";
    case RateState::backing_off:
      return "backing off";
    case RateState::sender_limited:
      return "sender-limited";
    case RateState::fixed:
      return "fixed";
  }
  return "?";
}

RateController::RateController(const RateControllerParams& params) noexcept
    : p_(params), rate_(std::clamp(params.start_pps, params.min_pps, params.max_pps)) {
  held_pps_ = rate_;
}

double ratio_z(double ka, double na, double kb, double nb) noexcept {
  if (na <= 0 || nb <= 0) return 0;
  const double pa = ka / na, pb = kb / nb;
  const double pooled = (ka + kb) / (na + nb);
  const double se = std::sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb));
  if (se <= 0) return pa > pb ? 1e9 : pa < pb ? -1e9 : 0;
  return (pa - pb) / se;
}

bool ratio_fell(double ref_k, double ref_n, double k, double n, double tolerance, double z_crit) noexcept {
  return k / n < ref_k / ref_n * (1 - tolerance) && ratio_z(ref_k, ref_n, k, n) >= z_crit;
}

bool RateController::fell(const Window& w, double tolerance) const noexcept {
  return ratio_fell(ref_k_, ref_n_, w.k, w.n, tolerance, p_.z_crit);
}

double RateController::tolerance() const noexcept {
  return state_ == RateState::slow_start ? p_.slow_start_tolerance : p_.tolerance;
}

bool RateController::fell(const Window& w) const noexcept {
  if (fell(w, tolerance())) return true;
  // A smaller loss, too small for one window, shows in the windows of this rate together.
  return level_.k >= 2.0 * static_cast<double>(p_.hold_replies) && fell(level_, p_.level_tolerance);
}

bool RateController::rose(const Window& w) const noexcept {
  const double q = w.k / w.n, p = ref_k_ / ref_n_;
  return q > p * (1 + p_.tolerance) && z_of(w.k, w.n, ref_k_, ref_n_) >= p_.z_crit;
}

void RateController::pool(const Window& w) noexcept {
  // Only windows close to the reference join it: a rate with a loss too small to be significant in one
  // window would otherwise drag the reference down until that loss is the new normal. By the permutation
  // argument the loss-free ratio does not move during the scan, so the reference needs no tracking beyond
  // rose() (the reference was measured with loss) and a rate-independent loss step (backing_off).
  // "Close": not below it by tolerance / 2 at z >= 2. While the reference is young (100 replies) hardly any
  // window is significantly below it, so it grows quickly; once it is precise, lossy windows stay out.
  if (w.k / w.n < ref_k_ / ref_n_ * (1 - p_.tolerance / 2) && z_of(ref_k_, ref_n_, w.k, w.n) >= 2) return;
  ref_n_ = ref_n_ * p_.reference_decay + w.n;
  ref_k_ = ref_k_ * p_.reference_decay + w.k;
}

void RateController::set_rate(double pps, double now_s) noexcept {
  pps = std::clamp(pps, p_.min_pps, p_.max_pps);
  if (pps == rate_) return;
  rate_ = pps;
  pending_ = false;
  level_ = {};
  level_s_ = 0;
  last_change_s_ = now_s;
  open_ = false;  // the next window waits the lag out
}

double RateController::settle_s() const noexcept {
  if (lag_s_ < 0) return p_.settle_max_s;
  return std::clamp(2 * lag_s_, p_.settle_min_s, p_.settle_max_s);
}

void RateController::record(double now_s, std::uint64_t sent, std::uint64_t fresh) noexcept {
  const Mark m{now_s, static_cast<double>(sent), static_cast<double>(fresh)};
  if (marks_n_ < kMarks) {
    marks_[(marks_head_ + marks_n_++) % kMarks] = m;
  } else {  // full: the oldest goes
    marks_[marks_head_] = m;
    marks_head_ = (marks_head_ + 1) % kMarks;
  }
}

namespace {
// Linear interpolation of a cumulative count between two samples (sending is even between the 20 ms reads).
template <class Marks, class Field>
double count_at(const Marks& marks, std::size_t head, std::size_t n, double t_s, Field field) noexcept {
  if (n == 0) return 0;
  const auto at = [&](std::size_t i) -> const auto& { return marks[(head + i) % marks.size()]; };
  if (t_s <= at(0).t_s) return field(at(0));
  if (t_s >= at(n - 1).t_s) return field(at(n - 1));
  std::size_t lo = 0, hi = n - 1;  // at(lo).t_s < t_s <= at(hi).t_s
  while (hi - lo > 1) {
    const std::size_t mid = (lo + hi) / 2;
    (at(mid).t_s < t_s ? lo : hi) = mid;
  }
  const auto &x = at(lo), &y = at(hi);
  const double f = y.t_s > x.t_s ? (t_s - x.t_s) / (y.t_s - x.t_s) : 1.0;
  return field(x) + f * (field(y) - field(x));
}
}  // namespace

double RateController::fresh_at(double t_s) const noexcept {
  return count_at(marks_, marks_head_, marks_n_, t_s, [](const Mark& m) { return m.fresh; });
}

double RateController::sent_at(double t_s) const noexcept {
  return count_at(marks_, marks_head_, marks_n_, t_s, [](const Mark& m) { return m.sent; });
}

void RateController::open_window(double at_s, double lag_s, std::uint64_t replies,
                                 std::uint64_t own_drops) noexcept {
  win_start_s_ = at_s;
  // Read now: a window may outlast the record (rare responders need minutes for their replies).
  win_fresh_ = fresh_at(at_s - lag_s);
  win_sent_ = sent_at(at_s - lag_s);
  win_replies_ = replies;
  win_drops_ = own_drops;
}

double RateController::update(const RateSample& s) noexcept {
  const double now_s = s.now_s;
  record(now_s, s.sent, s.fresh);
  // The capture mark: when the latest counted reply arrived (monotone, never ahead of now).
  double at = now_s;
  if (s.replies_at_s >= 0) at = last_at_s_ = std::min(now_s, std::max(s.replies_at_s, last_at_s_));
  if (first_sent_s_ < 0 && s.sent > 0) {
    first_sent_s_ = now_s;
    last_change_s_ = now_s;
  }
  if (lag_s_ < 0 && s.replies > 0 && first_sent_s_ >= 0) lag_s_ = std::max(0.0, at - first_sent_s_);
  if (lag_s_ < 0) return rate_;
  // The replies at the mark answer the probes sent one lag before it (counted at receipt: none before).
  const double lag = s.replies_at_s < 0 ? 0.0 : lag_s_;
  if (!open_) {
    // The window's probes (one lag before its replies) must all be sent at the current rate.
    if (at < last_change_s_ + settle_s()) return rate_;
    open_ = true;
    open_window(at, lag, s.replies, s.own_drops);
    return rate_;
  }
  if (s.own_drops != win_drops_) {  // this machine lost replies itself: the window says nothing of the path
    pending_ = false;
    open_window(at, lag, s.replies, s.own_drops);
    return rate_;
  }
  // Replies captured in [win_start, at] against the probes sent one lag earlier.
  const double frames = std::max(0.0, sent_at(at - lag) - win_sent_);
  const Window w{std::max(0.0, fresh_at(at - lag) - win_fresh_),
                 static_cast<double>(s.replies - std::min(s.replies, win_replies_))};
  const bool starting = state_ == RateState::slow_start;
  const std::uint64_t needed = starting ? p_.min_replies : p_.hold_replies;
  const double dt = at - win_start_s_;
  if (w.k < static_cast<double>(needed) || w.n <= 0 || dt < (starting ? p_.min_window_ss_s : p_.min_window_s))
    return rate_;
  // The rate achieved counts every frame (the senders' pace, which sender_limited compares with the rate).
  decide(w, dt > 0 && frames > 0 ? frames / dt : rate_, now_s);
  if (open_)
    open_window(at, lag, s.replies, s.own_drops);  // the rate did not change: the next window starts here
  return rate_;
}

void RateController::back_off(const Window& w, double measured_pps, double now_s) noexcept {
  const Window seen = fell(w, tolerance()) ? w : level_;  // the evidence that fell (one window, or the level)
  const double q = seen.k / seen.n, p = ref_k_ / ref_n_;
  fall_ = seen;
  fall_pps_ = rate_;
  probe_successes_ = 0;
  probe_interval_ = std::min(probe_interval_ * 2, p_.max_probe_interval);
  since_probe_ = 0;
  // The path delivered about (rate sent) * q / p probes a second: sit a margin below that.
  set_rate(std::min(rate_, measured_pps) * (q / p) * p_.backoff_margin, now_s);
  state_ = RateState::backing_off;
}

void RateController::hold() noexcept {
  state_ = RateState::holding;
  held_pps_ = rate_;
  since_probe_ = 0;
}

void RateController::after_good(double measured_pps, double now_s) noexcept {
  // The senders cannot keep up (a machine slower than the rate asked): asking more would only show a rate
  // that is not sent. One short window (a descheduled sender) stops slow start; lowering the rate needs a
  // second of evidence at this rate.
  const double level_pps = level_s_ > 0 ? level_.n / level_s_ : rate_;
  const bool limited_now = measured_pps < 0.8 * rate_;
  const bool limited_long = level_s_ >= 1.0 && level_pps < 0.85 * rate_;
  if (state_ == RateState::slow_start && !limited_now) {
    if (rate_ >= p_.max_pps)
      hold();
    else
      set_rate(rate_ * 2, now_s);
    return;
  }
  if (limited_now || limited_long) {
    if (limited_long) set_rate(level_pps * 1.1, now_s);
    state_ = RateState::sender_limited;
    held_pps_ = rate_;
    since_probe_ = 0;
    return;
  }
  if (state_ == RateState::probing_up) {  // the higher rate holds: keep it, probe again sooner
    probe_interval_ = std::max<std::uint32_t>(1, probe_interval_ / 2);
    ++probe_successes_;
    hold();
    if (probe_interval_ == 1 && rate_ < p_.max_pps) {
      // Probes keep succeeding (the bottleneck moved up, or a back-off was too deep): go on at once, in
      // growing steps (x1.25, x1.5, x1.75, x2 at most), as CUBIC grows faster the longer it sees no loss.
      state_ = RateState::probing_up;
      set_rate(rate_ * probe_factor(), now_s);
    }
    return;
  }
  state_ = RateState::holding;
  held_pps_ = rate_;
  if (++since_probe_ >= probe_interval_ && rate_ < p_.max_pps) {
    since_probe_ = 0;
    state_ = RateState::probing_up;
    set_rate(rate_ * probe_factor(), now_s);
  }
}

double RateController::probe_factor() const noexcept {
  return std::min(2.0, p_.probe_factor + 0.25 * static_cast<double>(probe_successes_));
}

void RateController::decide(const Window& w, double measured_pps, double now_s) noexcept {
  ++decisions_;
  last_q_ = w.k / w.n;
  level_.n += w.n;
  level_.k += w.k;
  level_s_ += w.n / std::max(measured_pps, 1e-9);
  if (ref_n_ <= 0) {  // the first window defines the reference
    ref_n_ = w.n;
    ref_k_ = w.k;
    after_good(measured_pps, now_s);
    return;
  }
  if (state_ == RateState::backing_off) {
    const double q_fall = fall_.k / fall_.n;
    const bool better =
        last_q_ > q_fall * (1 + p_.tolerance / 2) && z_of(w.k, w.n, fall_.k, fall_.n) >= p_.z_crit;
    if (better) {  // the loss answered the lower rate: it was the rate's
      if (fell(w)) {
        back_off(w, measured_pps, now_s);
        return;
      }
      if (rose(w)) {
        ref_n_ = w.n;
        ref_k_ = w.k;
      } else {
        pool(w);
      }
      hold();
      return;
    }
    const bool worse =
        last_q_ < q_fall * (1 - p_.tolerance / 2) && z_of(fall_.k, fall_.n, w.k, w.n) >= p_.z_crit;
    if (worse) {  // the path got worse still (or the fall was seen half-way): lower again
      back_off(w, measured_pps, now_s);
      return;
    }
    if (fell(w, p_.tolerance)) {
      // As lossy at the lower rate as at the higher: the loss does not depend on the rate (a step in random
      // loss). It is the new normal: the reference, and back to the rate before.
      ref_n_ = fall_.n + w.n;
      ref_k_ = fall_.k + w.k;
      set_rate(fall_pps_, now_s);
    } else {
      pool(w);  // near the reference: the lower rate is fine (the fall was small, or noise); probing resumes
    }
    hold();
    return;
  }
  // A fall is acted on only when the next window at the same rate confirms it, judged on both together.
  // Replies reach us in batches (the capture hands over a block when it is full or 50 ms old) and with a lag
  // that grows when the machine is busy: a window that missed replies that arrive late has a successor that
  // holds them, so the two together are off by the lag's change only once, over twice the time. A real loss
  // shows in both.
  if (pending_) {
    pending_ = false;
    const Window both{pending_fall_.n + w.n, pending_fall_.k + w.k};
    if (fell(both, tolerance()) || fell(w)) {
      if (state_ == RateState::probing_up) {  // the probe found the ceiling: back to the held rate
        probe_successes_ = 0;
        set_rate(held_pps_, now_s);
        probe_interval_ = std::min(probe_interval_ * 2, p_.max_probe_interval);
        hold();
        return;
      }
      back_off(fell(both, tolerance()) ? both : w, measured_pps, now_s);
      return;
    }
  } else if (fell(w)) {
    pending_ = true;
    pending_fall_ = w;
    return;
  }
  if (rose(w)) {  // the reference was measured with loss (or the path improved): this is the better one
    ref_n_ = w.n;
    ref_k_ = w.k;
  } else {
    pool(w);
  }
  after_good(measured_pps, now_s);
}

}  // namespace synscan
