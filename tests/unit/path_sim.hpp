#pragma once
// A simulated network path for the rate controller's tests (tests/unit/rate_controller_test.cpp), on a fake
// clock of 1 ms steps: probes leave at the asked rate (or the sender's maximum), cross random forward loss, a
// policer (token bucket: the excess is dropped at once), a shaped bottleneck (tbf-like: a FIFO of `queue`
// probes drained at `bottleneck_pps`, the excess dropped when it is full; the queue adds delay), reach a
// population where each probe answers with probability `responders`, and the replies cross random reverse
// loss and come back after `rtt_s` plus the queueing delay. Every draw is binomial from a seeded generator,
// so a run is deterministic. The controller is fed every `tick_s`, as the rate thread feeds it.
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
    constexpr double kTick = 0.02;  // as the rate thread (engine/rate_control.hpp)
    const std::size_t ring = 4096;  // arrivals up to 4 s ahead
    std::vector<double> arriving(ring, 0);
    SimResult r;
    double carry = 0, tokens = path_.policer_burst, queue = 0, drain_carry = 0, replies = 0;
    double next_tick = 0;
    double rate = controller.rate();
    std::uint64_t step = 0;
    for (double t = 0; t < max_s; t += kStep, ++step) {
      if (t >= next_tick) {
        if (change) change(t, path_);
        rate = controller.update(t, r.sent, static_cast<std::uint64_t>(replies));
        r.trace.push_back({t, rate, controller.state()});
        if (observe) observe(t, r.sent, static_cast<std::uint64_t>(replies));
        next_tick += kTick;
      }
      replies += arriving[step % ring];
      arriving[step % ring] = 0;
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
