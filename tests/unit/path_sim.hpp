#pragma once
// A simulated network path for the rate controller's tests (tests/unit/rate_controller_test.cpp), on a fake
// clock of 1 ms steps: probes leave at the asked rate (or the sender's maximum), cross random forward loss, a
// policer (token bucket: the excess is dropped at once), a shaped bottleneck (tbf-like: a FIFO of `queue`
// probes drained at `bottleneck_pps`, the excess dropped when it is full; the queue adds delay), reach a
// population where each probe answers with probability `responders`, and the replies cross random reverse
// loss and come back after `rtt_s` plus the queueing delay. This machine's receive side then counts them: at
// once, or in blocks every `block_s` (the capture's 50 ms blocks) and not at all during a stall of `stall_s`
// every `stall_every_s` (a busy machine's receive thread and aggregator, behind, then catching up). Every
// draw is binomial from a seeded generator, so a run is deterministic. The controller is fed every 20 ms, as
// the rate thread feeds it, with the count and (capture_times) the capture time of the latest reply counted,
// as the aggregator publishes it (ScanState::reply_capture_ms); without capture_times, the count alone.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "engine/rate_controller.hpp"

namespace synscan::test {

struct PathParams {
  double responders = 0.3;  ///< share of probes whose target answers (p0)
  double loss_fwd = 0, loss_rev = 0;
  double policer_pps = 0;      ///< 0: none
  double policer_burst = 100;  ///< probes
  double bottleneck_pps = 0;   ///< 0: none
  double queue = 1000;         ///< probes the bottleneck queue holds
  double rtt_s = 0.02;
  double sender_max_pps = 1e9;  ///< what the sender can send at most
  double block_s = 0;  ///< the receive side counts the replies captured so far every block_s (0: at once)
  double stall_every_s = 0;   ///< the receive side stalls every this many seconds (0: never)
  double stall_s = 0;         ///< for this long (nothing counted; the backlog counted when it ends)
  bool capture_times = true;  ///< feed the controller the replies' capture time (false: the count alone)
};

struct SimSample {
  double t_s, rate_pps;
  RateState state;
};

struct SimResult {
  std::vector<SimSample> trace;                      ///< one sample per tick
  std::uint64_t sent = 0, replies = 0, dropped = 0;  ///< dropped: by the policer or the full queue
  double end_s = 0;                                  ///< when the last probe was sent
};

class PathSim {
 public:
  PathSim(PathParams path, std::uint64_t seed) : path_(path), rng_(seed) {}

  /// Runs `controller` until `probes` are sent or `max_s` passes. `change(t_s, path)` may move the path's
  /// parameters at each tick (a bottleneck that moves); `observe(t_s, sent, replies)` sees each tick's totals
  /// (a RateWatch). A controller whose start, minimum and maximum are one rate sends at that fixed rate.
  SimResult run(RateController& controller, std::uint64_t probes, double max_s,
                const std::function<void(double, PathParams&)>& change = {},
                const std::function<void(double, std::uint64_t, std::uint64_t)>& observe = {}) {
    constexpr double kStep = 0.001;
    constexpr double kTick = 0.02;  // as the rate thread (engine/rate_thread.hpp)
    const std::size_t ring = 4096;  // arrivals up to 4 s ahead
    std::vector<double> arriving(ring, 0);
    SimResult r;
    double carry = 0, tokens = path_.policer_burst, queue = 0, drain_carry = 0, replies = 0;
    double next_tick = 0, next_block = 0;
    double captured = 0, captured_at = -1, counted_at = -1;  // replies captured, not yet counted
    double rate = controller.rate();
    std::uint64_t step = 0;
    for (double t = 0; t < max_s; t += kStep, ++step) {
      if (t >= next_tick) {
        if (change) change(t, path_);
        rate = controller.update(RateSample{t, r.sent, r.sent, static_cast<std::uint64_t>(replies),
                                            path_.capture_times ? counted_at : -1, 0});
        r.trace.push_back({t, rate, controller.state()});
        if (observe) observe(t, r.sent, static_cast<std::uint64_t>(replies));
        next_tick += kTick;
      }
      if (arriving[step % ring] > 0) {
        captured += arriving[step % ring];
        captured_at = t;
        arriving[step % ring] = 0;
      }
      const bool stalled = path_.stall_every_s > 0 && std::fmod(t, path_.stall_every_s) < path_.stall_s;
      if (!stalled && t >= next_block) {  // the receive side counts what was captured so far
        if (captured > 0) {
          replies += captured;
          captured = 0;
          counted_at = captured_at;
        }
        if (path_.block_s > 0) next_block = t + path_.block_s;
      }
      // Sending.
      std::uint64_t n = 0;
      if (r.sent < probes) {
        carry += std::min(rate, path_.sender_max_pps) * kStep;
        n = std::min<std::uint64_t>(static_cast<std::uint64_t>(carry), probes - r.sent);
        carry -= static_cast<double>(n);
        r.sent += n;
        if (r.sent >= probes) r.end_s = t;
      }
      double alive = static_cast<double>(binomial(n, 1 - path_.loss_fwd));
      if (path_.policer_pps > 0) {
        tokens = std::min(path_.policer_burst, tokens + path_.policer_pps * kStep);
        const double pass = std::min(alive, std::floor(tokens));
        tokens -= pass;
        r.dropped += static_cast<std::uint64_t>(alive - pass);
        alive = pass;
      }
      double delay = 0;
      if (path_.bottleneck_pps > 0) {
        const double room = std::max(0.0, path_.queue - queue);
        const double in = std::min(alive, room);
        r.dropped += static_cast<std::uint64_t>(alive - in);
        queue += in;
        drain_carry += path_.bottleneck_pps * kStep;
        const double out = std::min(queue, std::floor(drain_carry));
        drain_carry -= out;
        queue -= out;
        if (queue == 0) drain_carry = std::min(drain_carry, 1.0);  // an idle link saves no credit
        alive = out;
        delay = queue / path_.bottleneck_pps;
      }
      const auto answered = binomial(static_cast<std::uint64_t>(alive), path_.responders);
      const auto back = binomial(answered, 1 - path_.loss_rev);
      const auto lag = static_cast<std::size_t>(std::lround((path_.rtt_s + delay) / kStep));
      arriving[(step + std::max<std::size_t>(1, std::min(lag, ring - 1))) % ring] +=
          static_cast<double>(back);
      r.replies += back;
      if (r.sent >= probes && t > r.end_s + 1) break;
    }
    return r;
  }

 private:
  std::uint64_t binomial(std::uint64_t n, double p) {
    if (n == 0 || p <= 0) return 0;
    if (p >= 1) return n;
    return std::binomial_distribution<std::uint64_t>(n, p)(rng_);
  }

  PathParams path_;
  std::mt19937_64 rng_;
};

}  // namespace synscan::test
