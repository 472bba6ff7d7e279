#include "cli/status.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "cli/plural.hpp"
#include "engine/clock.hpp"
#include "engine/probes/registry.hpp"
#include "engine/rate_controller.hpp"
#include "engine/shard.hpp"

namespace synscan {
namespace {

std::string clock_text(double seconds) {
  const auto s = static_cast<std::uint64_t>(std::max(0.0, seconds));
  return fmt::format("{}:{:02d}:{:02d}", s / 3600, s / 60 % 60, s % 60);
}

}  // namespace

std::string format_pps(double pps) {
  if (!(pps > 0)) return "0";
  return pps >= 10 ? fmt::format("{:.0f}", pps) : fmt::format("{:.2g}", pps);
}

double StatusSnapshot::percent() const noexcept {
  if (final && complete) return 100.0;
  if (waiting && !final) return 100.0;
  if (total == 0) return 0.0;
  return std::min(100.0, 100.0 * static_cast<double>(sent) / static_cast<double>(total));
}

bool sending_capped(double interval_pps, double asked_pps, double elapsed_s) noexcept {
  return asked_pps >= 1000 && elapsed_s >= 2 && interval_pps < 0.9 * asked_pps;
}

std::string format_status_line(const StatusSnapshot& s) {
  std::string line = fmt::format("synscan: {} | ", clock_text(s.elapsed_s));
  line += fmt::format("{}/{} sent {:.1f}% | {} pps (mean {}{}) | ", s.sent, s.total, s.percent(),
                      format_pps(s.pps), format_pps(s.mean_pps), s.rate_capped ? ", rate capped" : "");
  if (s.rate_auto) {
    line += fmt::format("rate auto {} pps, {}{} | ", format_pps(s.rate_pps), s.rate_state,
                        s.reply_ratio >= 0 ? fmt::format(", {:.3g} replies/probe", s.reply_ratio) : "");
  }
  if (s.final)
    line += s.complete ? "done" : "interrupted";
  else if (s.waiting)
    line += fmt::format("waiting {}", clock_text(s.eta_s));
  else
    line += fmt::format("ETA {}", clock_text(s.eta_s));
  line += fmt::format(" | open {} closed {} filtered {} | drops {}", s.open, s.closed, s.filtered,
                      s.pcap_drops + s.if_drops + s.queue_drops);
  if (s.banners)
    line += fmt::format(" | banners {} done, {} pending, {} timed out, {} silent, {} refused", s.banners_done,
                        s.banners_pending, s.banners_timeout, s.banners_silent, s.banners_refused);
  return line;
}

std::string format_status_json(const StatusSnapshot& s) {
  const char* phase = s.final ? (s.complete ? "done" : "interrupted") : s.waiting ? "waiting" : "sending";
  auto minus = [](std::uint64_t all, std::uint64_t v6) { return all - std::min(all, v6); };
  std::string json = fmt::format(
      R"({{"elapsed_s":{:.3f},"phase":"{}","pass":1,"passes":1,"sent":{},"total":{},"percent":{:.1f},)"
      R"("pps":{},"mean_pps":{},"eta_s":{:.0f},"open":{},"closed":{},"filtered":{},"pcap_drops":{},)"
      R"("if_drops":{},"queue_drops":{},"rate_capped":{},"rate_mode":"{}","rate_pps":{},"rate_state":"{}",)"
      R"("reply_ratio":{},)"
      R"("ipv4":{{"targets":{},"open":{},"closed":{},"filtered":{}}},)"
      R"("ipv6":{{"targets":{},"open":{},"closed":{},"filtered":{}}}}})",
      s.elapsed_s, phase, s.sent, s.total, s.percent(), format_pps(s.pps), format_pps(s.mean_pps), s.eta_s,
      s.open, s.closed, s.filtered, s.pcap_drops, s.if_drops, s.queue_drops, s.rate_capped,
      s.rate_auto ? "auto" : "fixed", format_pps(s.rate_pps), s.rate_state,
      s.reply_ratio >= 0 ? fmt::format("{:.4g}", s.reply_ratio) : "null", s.targets_v4,
      minus(s.open, s.open_v6), minus(s.closed, s.closed_v6), minus(s.filtered, s.filtered_v6), s.targets_v6,
      s.open_v6, s.closed_v6, s.filtered_v6);
  if (s.banners) {  // --banners: ,"banners":{...} before the closing brace
    json.pop_back();
    json += fmt::format(R"(,"banners":{{"done":{},"pending":{},"timeout":{},"silent":{},"refused":{}}}}})",
                        s.banners_done, s.banners_pending, s.banners_timeout, s.banners_silent,
                        s.banners_refused);
  }
  return json;
}

std::string format_status_start(std::uint64_t targets_v4, std::uint64_t targets_v6, std::uint64_t ports,
                                std::uint64_t shard_count) {
  const std::uint64_t total = targets_v4 + targets_v6;
  const std::string targets = targets_v4 > 0 && targets_v6 > 0
                                  ? fmt::format("{} IPv4 + {} IPv6", targets_v4, targets_v6)
                              : targets_v6 > 0 ? fmt::format("{} IPv6", targets_v6)
                                               : fmt::format("{} IPv4", targets_v4);
  return fmt::format("synscan: {} {} x {} = {}{}", targets, total == 1 ? "target" : "targets",
                     counted(ports, "port", "ports"), counted(total * ports, "probe", "probes"),
                     shard_count > 1 ? " in all shards" : "");
}

StatusReporter::StatusReporter(const ScanConfig& config, const ScanState& state, std::function<void()> sample,
                               std::FILE* out)
    : config_(config), state_(state), sample_(std::move(sample)), out_(out), start_ns_(monotonic_ns()) {
  tty_ = isatty(fileno(out)) == 1;
  json_ = config.status == StatusMode::json;
  enabled_ = config.status == StatusMode::on || json_ || (config.status == StatusMode::automatic && tty_);
  if (enabled_ && !json_) {
    const TargetSet& targets = config.space.targets();
    fmt::print(out_, "{}\n",
               format_status_start(targets.v4_size(), targets.v6_size(), probes_per_target(config.space),
                                   config.shard_count));
    std::fflush(out_);
  }
  if (enabled_) thread_ = std::thread([this] { loop(); });
}

StatusReporter::~StatusReporter() {
  if (thread_.joinable()) {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
}

StatusSnapshot StatusReporter::snapshot(double dt_s, std::uint64_t last_sent) const {
  StatusSnapshot s;
  const std::int64_t now = monotonic_ns();
  s.elapsed_s = static_cast<double>(now - start_ns_) / 1e9;
  // Retries are interleaved with the new probes (engine/probe_window.hpp): one progress over the new probes
  // plus the retries still owed; an answered probe owes none.
  const std::uint64_t sent = state_.sent.load(std::memory_order_relaxed);
  s.sent = sent;
  const std::uint64_t answered = first_replies(state_);
  const std::uint64_t most = state_.frames_planned.load(std::memory_order_relaxed);
  const std::uint64_t not_owed = std::min(most, answered * config_.retries);
  s.total = std::max(most - not_owed, s.sent);
  s.pps = dt_s > 0 ? static_cast<double>(sent - std::min(sent, last_sent)) / dt_s : 0.0;
  s.mean_pps = s.elapsed_s > 0 ? static_cast<double>(sent) / s.elapsed_s : 0.0;
  s.waiting = state_.sending_done.load(std::memory_order_relaxed);
  // Once sending ended the figures are not moving; the senders' final verdict (rate_capped) stays.
  s.rate_auto = config_.rate_auto;
  s.rate_pps = state_.rate_pps.load(std::memory_order_relaxed);
  if (!(s.rate_pps > 0)) s.rate_pps = config_.rate_pps;
  s.rate_state = rate_state_name(static_cast<RateState>(state_.rate_state.load(std::memory_order_relaxed)));
  s.reply_ratio = state_.reply_ratio.load(std::memory_order_relaxed);
  // With --rate auto the controller follows the senders' maximum itself (sender-limited), so "capped" would
  // only repeat it.
  s.rate_capped =
      !s.rate_auto && (state_.rate_capped.load(std::memory_order_relaxed) ||
                       (!s.waiting && dt_s > 0 && sending_capped(s.pps, s.rate_pps, s.elapsed_s)));
  const double left = static_cast<double>(s.total - std::min(s.total, s.sent));
  const double rate = s.rate_capped && s.pps > 0 ? s.pps : s.rate_pps;  // capped: at what it achieves
  s.eta_s = left / rate + config_.wait_s;
  s.open = state_.open.load(std::memory_order_relaxed);
  s.closed = state_.closed.load(std::memory_order_relaxed);
  s.filtered = state_.filtered.load(std::memory_order_relaxed);
  s.open_v6 = state_.open_v6.load(std::memory_order_relaxed);
  s.closed_v6 = state_.closed_v6.load(std::memory_order_relaxed);
  s.filtered_v6 = state_.filtered_v6.load(std::memory_order_relaxed);
  s.targets_v4 = config_.space.targets().v4_size();
  s.targets_v6 = config_.space.targets().v6_size();
  s.pcap_drops = state_.pcap_drops.load(std::memory_order_relaxed);
  s.if_drops = state_.pcap_if_drops.load(std::memory_order_relaxed);
  s.queue_drops = state_.queue_drops.load(std::memory_order_relaxed);
  s.banners = config_.banners;
  if (s.banners) {
    s.banners_done = state_.banners_done.load(std::memory_order_relaxed);
    // Every open result goes to the stage; done never passes open (both only grow, done read first).
    s.banners_pending = s.open - std::min(s.open, s.banners_done);
    s.banners_timeout = state_.banners_timeout.load(std::memory_order_relaxed);
    s.banners_refused = state_.banners_refused.load(std::memory_order_relaxed);
    s.banners_silent = state_.banners_silent.load(std::memory_order_relaxed);
  }
  return s;
}

void StatusReporter::print(const StatusSnapshot& s) {
  if (json_) {
    fmt::print(out_, "{}\n", format_status_json(s));
  } else if (tty_) {
    // Rewrite the one line in place; "\x1b[K" clears what a longer previous line left.
    fmt::print(out_, "\r{}\x1b[K{}", format_status_line(s), s.final ? "\n" : "");
  } else {
    fmt::print(out_, "{}\n", format_status_line(s));
  }
  std::fflush(out_);
}

void StatusReporter::loop() {
  std::uint64_t last_sent = state_.sent.load(std::memory_order_relaxed);
  std::int64_t last_ns = monotonic_ns();
  std::int64_t waiting_since = 0;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; })) {
    if (sample_) sample_();
    const std::int64_t now = monotonic_ns();
    StatusSnapshot s = snapshot(static_cast<double>(now - last_ns) / 1e9, last_sent);
    if (s.waiting) {
      if (waiting_since == 0) waiting_since = now;
      s.eta_s = std::max(0.0, config_.wait_s - static_cast<double>(now - waiting_since) / 1e9);
    }
    last_sent = state_.sent.load(std::memory_order_relaxed);
    last_ns = now;
    print(s);
  }
}

void StatusReporter::finish(bool complete) {
  if (finished_) return;
  finished_ = true;
  if (!enabled_) return;
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  if (sample_) sample_();
  StatusSnapshot s = snapshot(0, 0);
  s.final = true;
  s.complete = complete;
  s.pps = 0;
  s.eta_s = 0;
  print(s);
}

}  // namespace synscan
