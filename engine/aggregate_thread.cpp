#include "engine/aggregate_thread.hpp"

#include <chrono>
#include <optional>

namespace synscan {
namespace {

// Marks the capture time of a counted reply from a target (after its count: a reader that sees the mark sees
// the count of every reply captured up to it). Verdicts come in capture order, from one receive thread.
// Stored as is, not the largest seen: after a step back of the wall clock the marks go on from the new time
// (the rate thread maps them to its steady clock with the offset of the moment, and keeps its own marks
// monotone).
void mark_capture(std::int64_t ts_ms, ScanState& state) noexcept {
  if (ts_ms > 0) state.reply_capture_ms.store(ts_ms, std::memory_order_release);
}

// Counts the reply that decided a new result: by module and reason, and whether the target itself answered.
void count_reply(const Result& r, ScanState& state) noexcept {
  const auto reason = static_cast<std::size_t>(r.reason);
  if (r.proto < ScanState::kMaxProtocols && reason < ScanState::kMaxReasons) {
    state.replies_by_reason[r.proto][reason].fetch_add(1, std::memory_order_relaxed);
  }
  if (r.answered) {
    state.replies_answered.fetch_add(1, std::memory_order_relaxed);
    mark_capture(r.ts_ms, state);
  }
}

// Under a steady stream of verdicts the queue never runs dry: move the windows every this many verdicts too,
// so that the senders are not held back (ThreadWindow back-pressure).
constexpr std::uint32_t kFinaliseEvery = 1024;

std::int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

void publish_counts(const Aggregator& aggregator, ScanState& state) noexcept {
  state.open.store(aggregator.count(PortState::open), std::memory_order_relaxed);
  state.closed.store(aggregator.count(PortState::closed), std::memory_order_relaxed);
  state.filtered.store(aggregator.count(PortState::filtered), std::memory_order_relaxed);
  state.open_filtered.store(aggregator.count(PortState::open_filtered), std::memory_order_relaxed);
  for (std::size_t p = 0; p < ScanState::kMaxProtocols; ++p) {
    for (std::size_t i = 0; i < kPortStates; ++i) {
      state.results_by_proto[p][i].store(
          aggregator.count(static_cast<PortState>(i), static_cast<ProtocolId>(p)), std::memory_order_relaxed);
    }
  }
  state.open_v6.store(aggregator.count(PortState::open, Family::ipv6), std::memory_order_relaxed);
  state.closed_v6.store(aggregator.count(PortState::closed, Family::ipv6), std::memory_order_relaxed);
  state.filtered_v6.store(aggregator.count(PortState::filtered, Family::ipv6), std::memory_order_relaxed);
  state.open_filtered_v6.store(aggregator.count(PortState::open_filtered, Family::ipv6),
                               std::memory_order_relaxed);
}

AggregateThread::AggregateThread(SpscQueue<Result>& queue, Aggregator& aggregator, ScanState& state,
                                 std::function<void()> on_idle, SpscQueue<QueuedAnswer>* answers,
                                 SpscQueue<ProbeIndex>* dropped)
    : queue_(queue),
      answers_(answers),
      dropped_(dropped),
      aggregator_(aggregator),
      state_(state),
      on_idle_(std::move(on_idle)) {
  thread_ = std::jthread([this] { run(); });
}

void AggregateThread::stop() noexcept {
  if (!thread_.joinable()) return;
  stop_.store(true, std::memory_order_release);
  thread_.join();
}

void AggregateThread::run() {
  // Drain; flush whenever idle so each result reaches a pipe within milliseconds of being found. The windows
  // move (silence reported as filtered) whenever idle and every kFinaliseEvery verdicts under load.
  bool dirty = false;
  bool unpublished = false;  // results not yet in the published counts
  std::uint32_t since_finalise = 0;
  // The probes whose replies were dropped: reported (reply-dropped) before the windows can move past them.
  const auto take_dropped = [&] {
    if (dropped_ == nullptr) return;
    while (std::optional<ProbeIndex> index = dropped_->pop()) {
      if (aggregator_.add_dropped(*index, unix_ms()) == Aggregator::Taken::reported) {
        state_.replies_dropped_marked.fetch_add(1, std::memory_order_relaxed);
        dirty = unpublished = true;
      }
    }
  };
  const auto finalise = [&] {
    since_finalise = 0;
    take_dropped();
    if (aggregator_.finalise_ready(unix_ms()) > 0) dirty = unpublished = true;
    if (unpublished) {
      publish_counts(aggregator_, state_);
      unpublished = false;
    }
  };
  for (;;) {
    // Read the flag before popping: the receive thread has stopped before it is set, so an empty queue seen
    // after it means every verdict was taken.
    const bool stopping = stop_.load(std::memory_order_acquire);
    if (std::optional<Result> f = queue_.pop()) {
      // The receive thread pushed a result's answer before the result: it is at the front of its queue now,
      // behind those of results the full results queue dropped (older, of other probes: skipped).
      std::optional<QueuedAnswer> answer;
      if (f->has_answer && answers_ != nullptr) {
        do answer = answers_->pop();
        while (answer && answer->index != f->index);
      }
      switch (aggregator_.add(*f, answer ? &answer->info : nullptr)) {
        case Aggregator::Taken::reported:
          dirty = unpublished = true;
          count_reply(*f, state_);
          break;
        case Aggregator::Taken::duplicate:
          state_.replies_duplicate.fetch_add(1, std::memory_order_relaxed);
          break;
        case Aggregator::Taken::late:
          state_.replies_late.fetch_add(1, std::memory_order_relaxed);
          break;
        case Aggregator::Taken::other_shard:
          state_.replies_other_shard.fetch_add(1, std::memory_order_relaxed);
          break;
      }
      if (++since_finalise >= kFinaliseEvery) finalise();
      continue;
    }
    if (aggregator_.write_finished_banners() > 0) dirty = true;  // --banners: results back from the stage
    finalise();
    if (dirty) {
      aggregator_.flush();
      dirty = false;
    }
    if (stopping) break;
    if (on_idle_) on_idle_();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  state_.cpu_ns_aggregate.fetch_add(thread_cpu_ns(), std::memory_order_relaxed);
}

}  // namespace synscan
