#pragma once
// The receive direction of a scan, beside the send loop (capture/send_thread.hpp), as zmap keeps recv.c
// beside send.c: the libpcap capture's frames through the probe module's classify() into the lock-free queue
// that the aggregator thread (engine/aggregate_thread.hpp) drains. The capture is opened, filtered and
// capturing before the first probe leaves (capture/pcap_receiver.hpp); this thread only reads it.
#include <atomic>
#include <cstdint>
#include <exception>
#include <optional>
#include <span>
#include <thread>

#include "capture/pcap_receiver.hpp"
#include "engine/probe_set.hpp"
#include "engine/result.hpp"
#include "engine/scan_state.hpp"
#include "engine/spsc_queue.hpp"

namespace synscan {

/// The receive thread's work per captured frame: classify it (parse, validate against the SYN cookie), hand a
/// verdict to the aggregator thread. No allocation, no lock, no syscall.
struct ReplyHandler {
  LinkType link;             ///< the capture's link framing (PcapReceiver::link())
  const ProbeSet& probes;    ///< a Result only for a reply to one of this scan's probes
  SpscQueue<Result>& queue;  ///< to the aggregator thread; the receive thread is its only producer
  /// Counts `replies_ignored` (frames that answer no probe of ours) and `queue_drops` (verdicts lost because
  /// the queue was full: the aggregator fell behind).
  ScanState& state;
  /// What the modules read in answers (Result::has_answer), to the aggregator thread beside `queue`: pushed
  /// before its result, with its probe index, so the aggregator pops it when it pops a result that has one
  /// (and skips one whose result the full results queue dropped). Null: nothing is described. A full queue is
  /// waited for as `queue` is, then drops the description (the result goes on without it, counted in
  /// `answer_drops`), never the result.
  SpscQueue<QueuedAnswer>* answers = nullptr;
  /// The probes whose verdicts `queue` could not take, by index, to the aggregator thread, which reports each
  /// with the reason reply-dropped (Aggregator::add_dropped) instead of letting it pass for silence. Null:
  /// dropped verdicts are only counted. A full record counts `replies_dropped_unmarked`.
  SpscQueue<ProbeIndex>* dropped = nullptr;
  /// True once the capture is stopping (it then reads the ring's last blocks): after one wait for room that
  /// timed out while stopping, a full queue is no longer waited for (the aggregator may be stuck on a
  /// writer).
  const std::atomic<bool>* stopping = nullptr;
  /// Set by that timed-out wait (this copy of the handler, the receive thread's).
  mutable bool gave_up = false;

  /// How long one verdict waits for room in a full `queue` before it is dropped, in nanoseconds: the time the
  /// aggregator may take no verdict at all (one it takes makes room). 50 ms covers a scheduler's stall of the
  /// aggregator on a busy machine (5 ms did not, measured: scripts/bench-receive.sh at load 10 on 2 CPUs) and
  /// is well within what the capture ring buffers meanwhile (32 MiB: ~250,000 replies, 250 ms at 1 M/s).
  static constexpr std::int64_t kQueueWaitNs = 50'000'000;

  /// `frame` starts at the link-layer header; `ts_ms` is its capture time, Unix milliseconds.
  void operator()(std::span<const std::uint8_t> frame, std::int64_t ts_ms) const {
    QueuedAnswer answer;
    std::optional<Result> verdict = probes.classify(frame, link, ts_ms, answers ? &answer.info : nullptr);
    if (!verdict) {
      state.replies_ignored.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    answer.index = verdict->index;
    if (verdict->has_answer && !answers->push(answer) && !wait_to_push(*answers, answer)) {
      verdict->has_answer = false;
      state.answer_drops.fetch_add(1, std::memory_order_relaxed);
    }
    if (!queue.push(*verdict)) overflow(*verdict);
  }

  /// `q` was full: waits for room up to kQueueWaitNs (unless a wait already timed out while stopping) and
  /// pushes `item`; false when the time ran out.
  template <typename T>
  [[gnu::cold, gnu::noinline]] bool wait_to_push(SpscQueue<T>& q, const T& item) const noexcept;

  /// The queue was full: waits for room up to kQueueWaitNs (yielding the CPU, which on a small machine is
  /// what the aggregator needs), then drops the verdict: counts queue_drops and records its probe in
  /// `dropped`.
  [[gnu::cold, gnu::noinline]] void overflow(const Result& verdict) const noexcept;
};

/// Copies the capture's counters (pcap_stats) into `state`: pcap_received, pcap_drops, pcap_if_drops.
void publish_capture_stats(const CaptureStats& stats, ScanState& state) noexcept;

/// The receive thread ("synscan-recv"): runs `receiver` from construction until stop(), every frame through a
/// ReplyHandler, and publishes the capture's counters into `state` about once a second. A capture that fails
/// (the interface went away) sets state.stop, which ends the scan as a stop request would (outputs whole,
/// resume file, summary), and keeps its error for rethrow_error(), which the driver calls last (exit 1). The
/// receiver, module, queue and state must outlive the thread.
class ReceiveThread {
 public:
  ReceiveThread(PcapReceiver& receiver, const ProbeSet& probes, SpscQueue<Result>& queue, ScanState& state,
                SpscQueue<QueuedAnswer>* answers = nullptr, SpscQueue<ProbeIndex>* dropped = nullptr);
  ~ReceiveThread() { stop(); }
  ReceiveThread(const ReceiveThread&) = delete;
  ReceiveThread& operator=(const ReceiveThread&) = delete;

  /// Ends the capture loop (pcap_breakloop; PcapReceiver::run reads the ring blocks not yet handed over
  /// first) and joins the thread. Idempotent. Once it returns every verdict of the scan is in the queue: stop
  /// the aggregator thread after this, not before.
  void stop() noexcept;

  /// Rethrows the exception that ended the capture, if one did; call after stop().
  void rethrow_error() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  PcapReceiver& receiver_;
  std::atomic<bool> stop_{false};
  std::exception_ptr error_;
  std::jthread thread_;  // started in the constructor body, once every other member exists
};

}  // namespace synscan
