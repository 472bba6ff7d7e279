#pragma once
// What changes while a scan runs: counters and the stop request, kept apart from the immutable ScanConfig
// (cli/scan_config.hpp). Pure atomics, so that every thread may read it and each writes its own fields: the
// send threads `sent` (capture/send_thread.hpp), the sender loop `frames_planned`, `rate_capped`,
// `window_waits` and `sending_done` (capture/senders.hpp), the receive thread `replies_ignored`,
// `queue_drops` and the capture counters (capture/receive_thread.hpp), the aggregator thread the results and
// replies by kind (engine/aggregate_thread.hpp), signal handlers and --max-runtime `stop`. The status line
// and the summary only read it. In engine/ because the receive path (capture/) and the aggregator (engine/)
// both write it.
#include <array>
#include <atomic>
#include <cstdint>

namespace synscan {

struct ScanState {
  std::atomic<bool> stop{false};       ///< set by SIGINT/SIGTERM: stop sending, drain, close outputs
  std::atomic<std::uint64_t> sent{0};  ///< frames on the wire, new probes and retries, all threads
  /// Of those, the new probes (not retries): the reply ratio's denominator (engine/rate_thread.hpp), which
  /// interleaved retries would otherwise lower as soon as they begin.
  std::atomic<std::uint64_t> sent_new{0};
  /// Set after sending when the rate asked was above what the senders could send (RateLimiter::capped()): the
  /// scan runs at the machine's maximum instead, and the summary says so.
  std::atomic<bool> rate_capped{false};
  /// Results so far, shown or not (aggregator). open_filtered: silence where an open port may be silent
  /// (UDP).
  std::atomic<std::uint64_t> open{0}, closed{0}, filtered{0}, open_filtered{0};
  /// Of those, the results of IPv6 targets (the IPv4 ones are the rest). Stored after the totals: a reader
  /// between the two stores may see one more IPv6 result than the totals hold, so subtract saturating.
  std::atomic<std::uint64_t> open_v6{0}, closed_v6{0}, filtered_v6{0}, open_filtered_v6{0};
  std::atomic<std::uint64_t> replies_ignored{0};  ///< captured frames that answer no probe of ours
  std::atomic<std::uint64_t> queue_drops{0};      ///< verdicts lost because the aggregator fell behind

  /// The status line's progress: at most this many frames, the shard's new probes times (1 + --retries),
  /// set before the first probe (answered probes owe fewer: cli/status.cpp subtracts them).
  std::atomic<std::uint64_t> frames_planned{0};
  std::atomic<bool> sending_done{false};  ///< every probe sent (or stopped); waiting for late replies

  /// Replies by probe module (ProtocolId) and its reason code, the first valid reply per probe (aggregator
  /// thread); the module's Vocabulary names them.
  static constexpr std::size_t kMaxProtocols = 8, kMaxReasons = 8;
  std::array<std::array<std::atomic<std::uint64_t>, kMaxReasons>, kMaxProtocols> replies_by_reason{};
  /// Of those, the ones from the target itself (Result::answered: a SYN-ACK or RST, a UDP answer, an echo
  /// reply), not an ICMP error from the path.
  std::atomic<std::uint64_t> replies_answered{0};
  /// Later valid replies to answered probes.
  std::atomic<std::uint64_t> replies_duplicate{0};
  /// Results so far by probe module (ProtocolId) and PortState (aggregator): the summary's line per protocol.
  std::array<std::array<std::atomic<std::uint64_t>, 4>, kMaxProtocols> results_by_proto{};
  /// Answer descriptions lost because their queue was full (the result was written without one).
  std::atomic<std::uint64_t> answer_drops{0};
  /// Valid replies for probes whose fate was already final (past --late-replies, engine/probe_window.hpp):
  /// not reported, no state is left to deduplicate them. And valid replies for another shard's probes.
  std::atomic<std::uint64_t> replies_late{0}, replies_other_shard{0};
  /// Times a sender waited because its window was full (the aggregator behind): back-pressure.
  std::atomic<std::uint64_t> window_waits{0};

  /// Kernel capture counters (pcap_stats), refreshed about once a second by the receive thread: frames that
  /// passed the filter, frames dropped because the ring was full, frames the interface dropped. A non-zero
  /// drop count means replies were lost: the status line and the summary show it.
  std::atomic<std::uint64_t> pcap_received{0}, pcap_drops{0}, pcap_if_drops{0};

  /// --banners (capture/banner_stage.hpp): open ports handed to the banner stage, banners finished (any
  /// status), and of those the ones whose connect timed out (`timeout`; silent servers: banners_silent),
  /// were refused, were reset.
  /// queued - done are pending; done includes the ones cut short by a stop (not_done).
  std::atomic<std::uint64_t> banners_queued{0}, banners_done{0}, banners_timeout{0}, banners_refused{0},
      banners_reset{0}, banners_not_done{0};
  // The rate (engine/rate_thread.hpp, the rate thread writes them): what the senders are asked now (pps over
  // all send threads; with --rate auto each send thread reads it once a batch), what the controller is doing
  // (a RateState, engine/rate_controller.hpp) and the validated replies per probe of the last window measured
  // (-1 before the first).
  std::atomic<double> rate_pps{0};
  std::atomic<std::uint8_t> rate_state{0};
  std::atomic<double> reply_ratio{-1};
  /// The capture time (Unix milliseconds, the reply's pcap timestamp) of the latest reply counted in
  /// answered_replies(), 0 before the first: the aggregator stores it after the count, so a reader that loads
  /// it (acquire) and then the count has every reply captured up to it. --rate auto counts each window's
  /// replies by capture time, not by when the receive side got round to them (engine/rate_controller.hpp).
  std::atomic<std::int64_t> reply_capture_ms{0};
  /// --banners: banners that ended `silent` (connected, nothing said until the timeout). banners_timeout
  /// counts the connects that timed out (`timeout`) alone, so that each matches its records' banner_status.
  std::atomic<std::uint64_t> banners_silent{0};
  /// CPU time (user + system, nanoseconds) of the scan's stages, each thread's own (getrusage RUSAGE_THREAD)
  /// added when it ends: every send thread, the receive thread (capture, classify, queue), the aggregator
  /// thread (deduplication, windows, writers). --metadata's "cpu_s" (scripts/bench-receive.sh divides them by
  /// the replies). The kernel's softirq work (the NIC or veth, the capture ring's filling) is in none of
  /// them.
  std::atomic<std::uint64_t> cpu_ns_send{0}, cpu_ns_receive{0}, cpu_ns_aggregate{0};
  /// Verdicts the receive thread could not queue (`queue_drops`) whose probes the aggregator then reported
  /// with the reason reply-dropped (state unknown: the probe was answered, its answer lost), and those beyond
  /// the record of dropped probes (kDroppedRecordCapacity), which went unmarked.
  std::atomic<std::uint64_t> replies_dropped_marked{0}, replies_dropped_unmarked{0};
};

/// The calling thread's CPU time so far (user + system, nanoseconds; getrusage RUSAGE_THREAD), 0 on error.
std::uint64_t thread_cpu_ns() noexcept;

/// The rate thread's replies (engine/rate_thread.hpp): the first valid reply of each probe that came from the
/// target itself (Result::answered: SYN-ACK or RST, a UDP answer, an echo reply), no duplicates. Not ICMP
/// errors: routers and hosts limit them by default (Linux: 1,000 a second, burst 50), so their share falls as
/// the rate rises on a path that carries every probe, and losing one changes no result. Counting them made
/// --rate auto back off to a few thousand pps behind ICMP limits alone.
inline std::uint64_t answered_replies(const ScanState& s) noexcept {
  return s.replies_answered.load(std::memory_order_relaxed);
}

/// Every first valid reply so far, of every module and reason (ICMP errors included): the probes that owe no
/// retry.
inline std::uint64_t first_replies(const ScanState& s) noexcept {
  std::uint64_t n = 0;
  for (const auto& by_reason : s.replies_by_reason) {
    for (const auto& c : by_reason) n += c.load(std::memory_order_relaxed);
  }
  return n;
}

}  // namespace synscan
