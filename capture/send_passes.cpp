#include "capture/send_passes.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "capture/send_thread.hpp"
#include "engine/rate_limiter.hpp"

namespace synscan {
namespace {

// Frames per send call at most (batch_for_rate picks fewer at low rates).
constexpr std::uint32_t kMaxBatch = 256;

// True when the senders together fell behind the asked rate (RateLimiter::capped() over their sums).
bool rate_capped(const std::vector<RateLimiter>& limiters) {
  std::uint64_t sent = 0, forgiven = 0;
  for (const RateLimiter& l : limiters) {
    sent += l.sent();
    forgiven += l.forgiven();
  }
  return forgiven > (sent + forgiven) / 50;
}

}  // namespace

PassesSent run_send_passes(const ScanPlan& plan, const Permutation& permutation, const ProbeModule& probes,
                           const ResultTable& answered,
                           const std::vector<std::unique_ptr<Transmitter>>& transmitters,
                           const PassSchedule& schedule, ScanState& state) {
  const std::uint32_t threads = plan.threads();
  if (transmitters.size() < threads) throw std::invalid_argument("fewer transmitters than send threads");
  if (!schedule.start_j.empty() && schedule.start_j.size() != threads) {
    throw std::invalid_argument("one start position per send thread expected");
  }
  const std::uint64_t shard_probes = plan.shard_probes();
  const double thread_rate = schedule.rate_pps / threads;
  const std::uint32_t batch = batch_for_rate(thread_rate, kMaxBatch);
  std::vector<RateLimiter> limiters;
  for (std::uint32_t t = 0; t < threads; ++t) {
    // Stagger the threads' schedules so that together they send evenly, not in step.
    limiters.emplace_back(thread_rate, batch, schedule.start_ns + stagger_ns(t, schedule.rate_pps));
  }
  PassesSent reached{schedule.first_pass, std::vector<std::uint64_t>(threads, 0), {}, 0};
  for (std::uint32_t pass = schedule.first_pass; pass <= schedule.last_pass; ++pass) {
    const auto pass_probes = [&] {
      const std::uint64_t answered_so_far = state.open.load() + state.closed.load() + state.filtered.load();
      return pass == 0 ? shard_probes : shard_probes - std::min(shard_probes, answered_so_far);
    };
    begin_pass(state, pass, pass_probes());  // at 0% while it waits for the previous pass's replies
    if (pass > schedule.first_pass) {
      sleep_unless_stopped(schedule.pass_gap_s, state.stop);
      // Every pass staggers the threads as the first did: no window carries more than its share.
      resume_staggered(limiters, schedule.rate_pps, monotonic_ns());
    }
    const std::uint64_t before = state.sent.load();
    begin_pass(state, pass, pass_probes());  // the replies of the wait leave fewer probes to send
    reached.pass = pass;
    std::vector<std::jthread> senders;
    for (std::uint32_t t = 0; t < threads; ++t) {
      senders.emplace_back([&, t] {
        const bool resumed = pass == schedule.first_pass && !schedule.start_j.empty();
        const std::uint64_t start = resumed ? schedule.start_j[t] : 0;
        const SendPass sp{permutation, probes, plan.thread(t), pass > 0 ? &answered : nullptr, batch, start,
                          schedule.auto_rate ? &state.rate_pps : nullptr, threads};
        reached.next_j[t] = run_send_pass(sp, limiters[t], *transmitters[t], state.sent, state.stop);
      });
    }
    senders.clear();  // joins
    reached.sent_per_pass.push_back(state.sent.load() - before);
    state.rate_capped = rate_capped(limiters);
    if (state.stop) break;
  }
  reached.end_ns = monotonic_ns();
  state.sending_done = true;
  return reached;
}

}  // namespace synscan
