#pragma once
// The results aggregator: the single consumer of verdicts. It deduplicates by probe over the window of probes
// in flight (engine/probe_window.hpp: each (ip, port) is reported once, the first valid reply wins), reports
// the probes whose fate became final without a reply as filtered (no-response) as the windows move, counts
// every state per address family, and hands the shown results to the writers.
#include <array>
#include <cstdint>
#include <vector>

#include "engine/answer_info.hpp"
#include "engine/banner/banner_exchange.hpp"
#include "engine/output/writer.hpp"
#include "engine/probe_space.hpp"
#include "engine/probe_window.hpp"
#include "engine/result.hpp"

namespace synscan {

class Aggregator {
 public:
  /// `windows`, `space` and the writers must outlive the aggregator.
  Aggregator(ProbeWindows& windows, const ProbeSpace& space, ShowMask show,
             std::vector<ResultWriter*> writers)
      : windows_(windows), space_(space), show_(show), writers_(std::move(writers)) {}

  /// --banners: an open result that is shown goes to `exchange` instead of the writers, and is written when
  /// write_finished_banners() takes it back with its banner. Counted when added, as every result. Set before
  /// the first add(); `exchange` must outlive the aggregator.
  void send_open_to(BannerExchange* exchange) noexcept { banners_ = exchange; }

  /// Writes every result the banner stage has handed back since the last call, each with its banner, and
  /// frees the banners. Returns how many. Call from the thread that calls add().
  std::size_t write_finished_banners();

  /// What became of one verdict.
  enum class Taken : std::uint8_t {
    reported,     ///< the probe's first valid reply: counted and written
    duplicate,    ///< the probe was already answered
    late,         ///< the probe's fate was already final (before its window's tail): no state left
    other_shard,  ///< another shard sends this probe
  };
  /// Takes one verdict (its probe mapped to a send thread's window with Permutation::inverse). `answer`: what
  /// the module read in the reply (Result::has_answer), or null; a reported result is written with it as its
  /// Banner (status ok, the service named, the summary as the banner text).
  Taken add(const Result& result, const AnswerInfo* answer = nullptr);

  /// Takes a probe whose reply the receive thread captured but could not queue (the queue was full): if it
  /// is still unanswered, it is reported now with its module's state of silence and Reason::reply_dropped
  /// (its state is unknown) at time `ts_ms`, so it is never mistaken for a silent probe. Call before the
  /// windows move past it (AggregateThread drains these before each finalise_ready).
  Taken add_dropped(ProbeIndex index, std::int64_t ts_ms);

  /// Makes final every element the senders' progress allows (ThreadWindow::final_limit): each one no reply
  /// claimed is reported filtered (no-response) with time `ts_ms`. Returns how many became final. The
  /// aggregator thread calls it while the scan runs, so silence streams out as the windows move.
  std::uint64_t finalise_ready(std::int64_t ts_ms);

  /// Ends a complete scan: every element still in flight becomes final (filtered when unanswered). Call once,
  /// after the last reply was taken.
  void finalise_all(std::int64_t ts_ms);

  /// Pushes buffered output to every writer's file.
  void flush();

  /// Results by state, both families together.
  std::uint64_t count(PortState s) const noexcept { return count(s, Family::ipv4) + count(s, Family::ipv6); }
  /// Results of module `proto` by state, both families.
  std::uint64_t count(PortState s, ProtocolId proto) const noexcept {
    return proto < by_proto_.size() ? by_proto_[proto][static_cast<std::size_t>(s)] : 0;
  }
  /// Results by state of the targets of one family (Result::ip's family). In a complete scan the three states
  /// of a family add up to its probes: targets of that family x ports (of this shard).
  std::uint64_t count(PortState s, Family f) const noexcept {
    return counts_[family_slot(f)][static_cast<std::size_t>(s)];
  }

 private:
  /// The result of probe `index` that no reply classified: the module's state of silence
  /// (Vocabulary::silence), with `reason` (no_response: silence; reply_dropped: a reply was lost on the way
  /// to the aggregator).
  Result silent_result(ProbeIndex index, Reason reason, std::int64_t ts_ms) const;
  std::uint64_t finalise(std::uint32_t thread, std::uint64_t limit, std::int64_t ts_ms);
  void emit(const Result& r, const AnswerInfo* answer = nullptr);
  static constexpr std::size_t family_slot(Family f) noexcept { return f == Family::ipv6 ? 1 : 0; }

  ProbeWindows& windows_;
  const ProbeSpace& space_;
  ShowMask show_;
  std::vector<ResultWriter*> writers_;
  std::array<std::array<std::uint64_t, kPortStates>, 2> counts_{};    // [IPv4, IPv6][PortState]
  std::array<std::array<std::uint64_t, kPortStates>, 8> by_proto_{};  // [ProtocolId][PortState]
  BannerExchange* banners_ = nullptr;
  std::vector<FinishedBanner> finished_;  // reused by write_finished_banners
};

}  // namespace synscan
