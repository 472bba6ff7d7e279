#pragma once
// The aggregator thread: the single consumer of the receive thread's verdicts (capture/receive_thread.hpp).
// It drains the queue into the Aggregator (each probe claimed once in its send thread's window, the shown
// results handed to the writers), moves the windows (engine/probe_window.hpp: silence reported as filtered as
// the probes' fates become final), flushes the writers whenever the queue runs dry, so that each result
// reaches its file or pipe within milliseconds of being found, and publishes the counts the status line and
// the summary read (ScanState). Pure logic and std::thread: no kernel, so it lives in engine/.
#include <atomic>
#include <functional>
#include <thread>

#include "engine/aggregator.hpp"
#include "engine/answer_info.hpp"
#include "engine/result.hpp"
#include "engine/scan_state.hpp"
#include "engine/spsc_queue.hpp"

namespace synscan {

/// Copies the aggregator's results by state into `state` (open, closed, filtered, open|filtered).
void publish_counts(const Aggregator& aggregator, ScanState& state) noexcept;

/// Runs the aggregator loop on its own thread from construction until stop(). Per verdict: Aggregator::add;
/// a new result counts its reply (replies_by_reason, replies_answered; one from the target itself also moves
/// reply_capture_ms to its capture time) and republishes the
/// counts, a verdict for a probe already answered counts replies_duplicate, one for a probe already final
/// replies_late, one for another shard's probe replies_other_shard. Whenever the queue is empty, and every
/// 1024 verdicts, Aggregator::finalise_ready moves the windows. Whenever the queue is empty (and once more at
/// stop) it writes the results the banner stage handed back (Aggregator::write_finished_banners): with
/// --banners, stop the stage before this thread. `on_idle` (may be empty) runs each
/// time the queue is found empty, about once a millisecond while idle (the outputs check that their readers
/// are still there). `answers` (may be null): the descriptions the receive thread pushed beside results that
/// have one (Result::has_answer), popped with them. `dropped` (may be null): the probes whose verdicts the
/// receive thread could not queue (ReplyHandler::dropped), each reported by Aggregator::add_dropped (counted
/// in replies_dropped_marked), always before the windows move. The counts (publish_counts) are republished
/// when the queue runs dry and every 1024 verdicts, not per result. The thread's CPU time goes to
/// state.cpu_ns_aggregate when it ends. The queues, aggregator and state must outlive the thread.
class AggregateThread {
 public:
  AggregateThread(SpscQueue<Result>& queue, Aggregator& aggregator, ScanState& state,
                  std::function<void()> on_idle = {}, SpscQueue<QueuedAnswer>* answers = nullptr,
                  SpscQueue<ProbeIndex>* dropped = nullptr);
  ~AggregateThread() { stop(); }
  AggregateThread(const AggregateThread&) = delete;
  AggregateThread& operator=(const AggregateThread&) = delete;

  /// Takes every verdict still queued, flushes the writers and joins. Idempotent. Call once the producer (the
  /// receive thread) has stopped: then no verdict is left behind.
  void stop() noexcept;

 private:
  void run();

  SpscQueue<Result>& queue_;
  SpscQueue<QueuedAnswer>* answers_;
  SpscQueue<ProbeIndex>* dropped_;
  Aggregator& aggregator_;
  ScanState& state_;
  std::function<void()> on_idle_;
  std::atomic<bool> stop_{false};
  std::jthread thread_;  // started in the constructor body, once every other member exists
};

}  // namespace synscan
