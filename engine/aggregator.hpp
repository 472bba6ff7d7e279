#pragma once
// The results aggregator: the single consumer of verdicts. It deduplicates by probe index (each (ip, port) is
// reported once, the first valid reply wins), counts every state per address family, and hands the shown
// results to the writers.
#include <array>
#include <cstdint>
#include <vector>

#include "engine/banner/banner_exchange.hpp"
#include "engine/output/writer.hpp"
#include "engine/probe_space.hpp"
#include "engine/result.hpp"
#include "engine/result_table.hpp"

namespace synscan {

class Aggregator {
 public:
  /// `table` and the writers must outlive the aggregator.
  Aggregator(ResultTable& table, ShowMask show, std::vector<ResultWriter*> writers)
      : table_(table), show_(show), writers_(std::move(writers)) {}

  /// --banners: an open result that is shown goes to `exchange` instead of the writers, and is written when
  /// write_finished_banners() takes it back with its banner. Counted when added, as every result. Set before
  /// the first add(); `exchange` must outlive the aggregator.
  void send_open_to(BannerExchange* exchange) noexcept { banners_ = exchange; }

  /// Writes every result the banner stage has handed back since the last call, each with its banner, and
  /// frees the banners. Returns how many. Call from the thread that calls add().
  std::size_t write_finished_banners();

  /// Takes one verdict. Returns false for a duplicate (the probe was already answered): nothing is written.
  bool add(const Result& result);

  /// Ends the scan: every probe never answered is filtered (reason no-response), counted, and written when
  /// filtered results are shown. Call once, after the last reply was taken, and only for a complete scan.
  void finish_unanswered(const ProbeSpace& space, std::int64_t ts_ms);

  /// Reports one probe that got no valid reply as filtered (no-response), unless it was answered. For shards,
  /// which own only part of the space.
  void add_silent(ProbeIndex index, const ProbeSpace& space, std::int64_t ts_ms);

  /// Pushes buffered output to every writer's file.
  void flush();

  /// Results by state, both families together.
  std::uint64_t count(PortState s) const noexcept { return count(s, Family::ipv4) + count(s, Family::ipv6); }
  /// Results by state of the targets of one family (Result::ip's family). In a complete scan the three states
  /// of a family add up to its probes: targets of that family x ports (of this shard).
  std::uint64_t count(PortState s, Family f) const noexcept {
    return counts_[family_slot(f)][static_cast<std::size_t>(s)];
  }

 private:
  void emit(const Result& r);
  static Result silent_result(ProbeIndex index, Probe p, std::int64_t ts_ms);
  static constexpr std::size_t family_slot(Family f) noexcept { return f == Family::ipv6 ? 1 : 0; }

  ResultTable& table_;
  ShowMask show_;
  std::vector<ResultWriter*> writers_;
  std::array<std::array<std::uint64_t, 3>, 2> counts_{};  // [IPv4, IPv6][PortState]
  BannerExchange* banners_ = nullptr;
  std::vector<FinishedBanner> finished_;  // reused by write_finished_banners
};

}  // namespace synscan
