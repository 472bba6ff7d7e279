#include "capture/senders.hpp"

#include <stdexcept>
#include <thread>

#include "engine/clock.hpp"
#include "engine/rate_limiter.hpp"

namespace synscan {
namespace {

// True when the senders together fell behind the asked rate (RateLimiter::capped() over their sums).
bool rate_capped(const std::vector<RateLimiter>& limiters) {
  std::uint64_t sent = 0, forgiven = 0;
  for (const RateLimiter& l : limiters) {
    sent += l.sent();
    forgiven += l.forgiven();
  }
  return RateLimiter::schedule_capped(sent, forgiven);
}

}  // namespace

SendersDone run_senders(const ScanPlan& plan, const Permutation& permutation, const ProbeSet& probes,
                        ProbeWindows& windows, const std::vector<std::unique_ptr<Transmitter>>& transmitters,
                        const SendSchedule& schedule, ScanState& state) {
  const std::uint32_t threads = plan.threads();
  if (transmitters.size() < threads) throw std::invalid_argument("fewer transmitters than send threads");
  if (!schedule.start.empty() && schedule.start.size() != threads) {
    throw std::invalid_argument("one start cursor per send thread expected");
  }
  const std::uint32_t retries = windows.thread(0).shape().retries;
  const auto [thread_rate, batch] = thread_pace(schedule.rate_pps, threads);
  std::vector<RateLimiter> limiters;
  for (std::uint32_t t = 0; t < threads; ++t) {
    // Stagger the threads' schedules so that together they send evenly, not in step.
    limiters.emplace_back(thread_rate, batch, schedule.start_ns + stagger_ns(t, schedule.rate_pps));
  }
  // The status line's progress: every frame the order may hold (new probes and every retry).
  state.frames_planned.store(plan.shard_probes() * (std::uint64_t{retries} + 1), std::memory_order_relaxed);
  std::unique_ptr<std::atomic<std::uint64_t>[]> per_level(new std::atomic<std::uint64_t>[retries + 1]);
  for (std::uint32_t k = 0; k <= retries; ++k) per_level[k].store(0);
  SendersDone done{std::vector<SendCursor>(threads), {}, 0};
  {
    std::vector<std::jthread> senders;
    for (std::uint32_t t = 0; t < threads; ++t) {
      senders.emplace_back([&, t] {
        const SendCursor start = schedule.start.empty() ? SendCursor{} : schedule.start[t];
        const SendWork work{permutation,
                            probes,
                            plan.thread(t),
                            windows.thread(t),
                            batch,
                            start,
                            schedule.auto_rate ? &state.rate_pps : nullptr,
                            threads,
                            schedule.link};
        const SendCounters counters{state.sent, per_level.get(), state.window_waits, state.sent_new};
        done.next[t] = run_sender(work, limiters[t], *transmitters[t], counters, state.stop);
        if (schedule.link != nullptr && schedule.link->failed())
          state.stop = true;  // end the other senders too
        state.cpu_ns_send.fetch_add(thread_cpu_ns(), std::memory_order_relaxed);
      });
    }
  }  // joins
  for (std::uint32_t k = 0; k <= retries; ++k) done.sent_per_level.push_back(per_level[k].load());
  state.rate_capped = rate_capped(limiters);
  done.end_ns = monotonic_ns();
  state.sending_done = true;
  return done;
}

}  // namespace synscan
