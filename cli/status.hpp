#pragma once
// The status line: once a second on stderr while a scan runs (when stderr is a terminal, or forced with
// --status), or one JSON object a second (--status-json). It reads ScanState only; it never touches the hot
// path.
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "cli/scan_config.hpp"
#include "engine/scan_state.hpp"

namespace synscan {

/// One moment of a scan, as the status line shows it.
struct StatusSnapshot {
  double elapsed_s = 0;     ///< since the scan started
  std::uint64_t sent = 0;   ///< frames sent
  std::uint64_t total = 0;  ///< frames owed at most: the new probes plus the retries still owed
  double pps = 0;           ///< over the last interval
  double mean_pps = 0;      ///< since the start
  double eta_s = 0;         ///< until the last frame plus --wait (the wait left, once sent)
  bool waiting = false;     ///< every probe sent; waiting for late replies
  bool final = false;       ///< the last line of the scan
  bool complete = false;    ///< with final: the scan ran to its end (not interrupted)
  std::uint64_t open = 0, closed = 0, filtered = 0;           ///< both families
  std::uint64_t open_v6 = 0, closed_v6 = 0, filtered_v6 = 0;  ///< of those, IPv6 targets' (IPv4: the rest)
  std::uint64_t targets_v4 = 0, targets_v6 = 0;  ///< target addresses of each family (the whole space)
  std::uint64_t pcap_drops = 0, if_drops = 0, queue_drops = 0;
  /// --banners: banners finished, still pending (queued or connecting), connects timed out, refused.
  bool banners = false;
  std::uint64_t banners_done = 0, banners_pending = 0, banners_timeout = 0, banners_refused = 0;
  std::uint64_t banners_silent = 0;  ///< --banners: ended silent (banners_timeout: connects timed out)
  bool rate_capped = false;          ///< the senders cannot keep up with --rate: pps is the machine's maximum
  bool rate_auto = false;            ///< --rate auto: the next three are the controller's
  double rate_pps = 0;               ///< the rate asked now (fixed: --rate)
  std::string_view rate_state = "fixed";  ///< rate_state_name(): "slow start", "holding", ...
  double reply_ratio = -1;  ///< validated replies per probe of the last window measured; -1: none yet

  /// Percent of the frames owed sent, 0-100: never above 100, and 100 only once sending ended (or on the
  /// final line of a complete scan).
  double percent() const noexcept;
};

/// A rate for people: whole numbers from 10 pps up ("100000"), two significant digits below ("0.5", "2.5",
/// "0.0012"), so that a slow scan does not read "0 pps". Also a valid JSON number.
std::string format_pps(double pps);

/// True when a scan still sending at `interval_pps` over the last status interval (about 1 s) is held back by
/// the machine rather than by --rate (`asked_pps`): below 90% of the asked rate after the first 2 s
/// (`elapsed_s`, start-up excluded). Rates under 1,000 pps are never called capped: a one-second sample of
/// them is too coarse (0 or 1 probe at 0.5 pps), and any machine sends that fast.
bool sending_capped(double interval_pps, double asked_pps, double elapsed_s) noexcept;

/// "synscan: 0:00:05 | 500/1000 sent 50.0% | 100 pps (mean 99) | ETA 0:00:10 | open 3 closed 497 filtered 0 |
/// drops 0" ("waiting" replaces the ETA after the last probe;
/// "(mean 99, rate capped)" when the senders cannot keep up with --rate; with --rate auto, "rate auto 8000
/// pps, probing up, 0.31 replies/probe | " follows the pps).
std::string format_status_line(const StatusSnapshot& s);

/// The same facts as one JSON object (no newline), with "pass":1,"passes":1 (retries are interleaved with the
/// new probes, engine/probe_window.hpp: one pass; the fields stay for the readers of the JSON), "rate_mode"
/// ("auto" or "fixed"), "rate_pps" (asked now), "rate_state" and "reply_ratio" (null before the first
/// window), plus per family "ipv4":{"targets":N,"open":N,"closed":N,"filtered":N} and "ipv6":{...} (both
/// always present).
std::string format_status_json(const StatusSnapshot& s);

/// The line printed once before the first status line, naming the families: "synscan: 256 IPv4 + 16 IPv6
/// targets x 3 ports = 816 probes", or "synscan: 256 IPv4 targets x 3 ports = 768 probes" for one family; "=
/// 816 probes in all shards" when `shard_count` > 1 (the status lines count this shard's). No '|': scripts
/// tell status lines by it.
std::string format_status_start(std::uint64_t targets_v4, std::uint64_t targets_v6, std::uint64_t ports,
                                std::uint64_t shard_count);

/// Runs the status line on its own thread. Constructed just before the first probe; finish() prints the final
/// line.
class StatusReporter {
 public:
  /// `sample` runs on the status thread before each line (e.g. to copy pcap_stats into `state`); may be
  /// empty. Nothing is printed when the mode is off, or automatic and `out` is not a terminal. The text mode
  /// prints format_status_start() at once.
  StatusReporter(const ScanConfig& config, const ScanState& state, std::function<void()> sample,
                 std::FILE* out);
  ~StatusReporter();
  StatusReporter(const StatusReporter&) = delete;
  StatusReporter& operator=(const StatusReporter&) = delete;

  /// Stops the thread and prints the final line (100% when `complete`). Idempotent.
  void finish(bool complete);

 private:
  StatusSnapshot snapshot(double dt_s, std::uint64_t last_sent) const;
  void print(const StatusSnapshot& s);
  void loop();

  const ScanConfig& config_;
  const ScanState& state_;
  std::function<void()> sample_;
  std::FILE* out_;
  bool enabled_ = false;
  bool json_ = false;
  bool tty_ = false;
  bool finished_ = false;
  std::int64_t start_ns_ = 0;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace synscan
