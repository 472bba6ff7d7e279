#include "engine/rate_thread.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

namespace synscan {

bool RateWatch::update(double now_s, std::uint64_t sent, std::uint64_t replies) noexcept {
  if (!have_start_) {
    if (sent == 0) return false;
    have_start_ = true;
    win_s_ = now_s;
    win_sent_ = sent;
    win_replies_ = replies;
    return false;
  }
  const double n = static_cast<double>(sent - std::min(sent, win_sent_));
  const double k = static_cast<double>(replies - std::min(replies, win_replies_));
  if (k < static_cast<double>(p_.min_replies) || n <= 0 || now_s - win_s_ < p_.min_window_s) return false;
  const double pps = now_s > win_s_ ? n / (now_s - win_s_) : 0;
  win_s_ = now_s;
  win_sent_ = sent;
  win_replies_ = replies;
  last_q_ = k / n;
  if (ref_n_ <= 0) {
    ref_n_ = n;
    ref_k_ = k;
    ref_pps_ = pps;
    return false;
  }
  const double p = ref_k_ / ref_n_;
  // The controller's test (ratio_fell), at a rate no lower than the reference's.
  const bool fell = ratio_fell(ref_k_, ref_n_, k, n, p_.tolerance, p_.z_crit) && pps >= 0.9 * ref_pps_;
  falls_in_row_ = fell ? falls_in_row_ + 1 : 0;
  if (!fell && last_q_ >= p * (1 - p_.tolerance / 2)) {  // a window like the first joins the reference
    ref_n_ += n;
    ref_k_ += k;
  }
  if (falls_in_row_ >= 2 && !fired_) {
    fired_ = true;
    fallen_q_ = last_q_;
    fallen_pps_ = pps;
    return true;
  }
  return false;
}

RateControlThread::RateControlThread(ScanState& state, const RateControlSetup& setup)
    : state_(state), setup_(setup) {
  const double first = setup.automatic ? RateController(setup.params).rate() : setup.fixed_pps;
  state_.rate_pps.store(first, std::memory_order_relaxed);
  state_.rate_state.store(
      static_cast<std::uint8_t>(setup.automatic ? RateState::slow_start : RateState::fixed),
      std::memory_order_relaxed);
  history_.emplace_back(0.0, first);
  thread_ = std::jthread([this](std::stop_token st) { run(st); });
}

void RateControlThread::stop() noexcept {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

RateHistory RateControlThread::history() const {
  std::lock_guard lock(mutex_);
  return history_;
}

std::string RateControlThread::loss_warning() const {
  std::lock_guard lock(mutex_);
  return warning_;
}

void RateControlThread::record(double t_s, double pps) {
  std::lock_guard lock(mutex_);
  history_.emplace_back(std::round(t_s * 1000) / 1000, std::round(pps));
}

void RateControlThread::run(std::stop_token stop) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  const auto period = std::chrono::duration<double>(setup_.period_s);
  RateController controller(setup_.params);
  RateWatch watch;
  double rate = state_.rate_pps.load(std::memory_order_relaxed);
  for (Clock::time_point next = start + std::chrono::duration_cast<Clock::duration>(period);
       !stop.stop_requested(); next += std::chrono::duration_cast<Clock::duration>(period)) {
    std::this_thread::sleep_until(next);
    if (state_.sending_done.load(std::memory_order_relaxed)) break;
    const double now = std::chrono::duration<double>(Clock::now() - start).count();
    const std::uint64_t sent = state_.sent.load(std::memory_order_relaxed);
    const std::uint64_t fresh = state_.sent_new.load(std::memory_order_relaxed);  // new probes, no retries
    // The capture mark before the count (the aggregator stores them the other way round): every reply
    // captured up to the mark is in the count. From Unix time to this thread's clock by the offset now (an
    // NTP slew moves both alike; a step of the wall clock misplaces the replies captured before it, once).
    const std::int64_t capture_ms = state_.reply_capture_ms.load(std::memory_order_acquire);
    const std::uint64_t replies = answered_replies(state_);
    if (setup_.automatic) {
      const double wall_s =
          std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
      RateSample sample{now,
                        sent,
                        fresh,
                        replies,
                        -1,
                        state_.pcap_drops.load(std::memory_order_relaxed) +
                            state_.queue_drops.load(std::memory_order_relaxed)};
      if (capture_ms > 0) sample.replies_at_s = static_cast<double>(capture_ms) / 1000 - (wall_s - now);
      const double next_rate = controller.update(sample);
      if (next_rate != rate) {
        rate = next_rate;
        state_.rate_pps.store(rate, std::memory_order_relaxed);
        record(now, rate);
      }
      state_.rate_state.store(static_cast<std::uint8_t>(controller.state()), std::memory_order_relaxed);
      state_.reply_ratio.store(controller.last_ratio(), std::memory_order_relaxed);
    } else {
      if (watch.update(now, fresh, replies)) {
        std::lock_guard lock(mutex_);
        warning_ = fmt::format(
            "warning: the replies per probe fell from {:.3g} to {:.3g} at {:.0f} pps: the path is dropping "
            "probes or replies and results are probably being lost; --rate auto finds the rate it carries",
            watch.reference_ratio(), watch.fallen_ratio(), watch.fallen_pps());
      }
      state_.reply_ratio.store(watch.last_ratio(), std::memory_order_relaxed);
    }
  }
}

}  // namespace synscan
