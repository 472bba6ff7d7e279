#include "cli/finish_config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <optional>

#include "capture/senders.hpp"
#include "cli/defaults.hpp"
#include "cli/scan_config.hpp"
#include "cli/usage_error.hpp"
#include "engine/probe_window.hpp"
#include "engine/probes/registry.hpp"
#include "engine/shard.hpp"

namespace synscan {
namespace {

// The windows of scan `c`: from its rate and delays, or, resumed, with the stopped run's steps (so that the
// same retries go out) and room for what it left in flight. Refused above --max-memory (a dry run sends
// nothing and holds no window).
WindowShape plan_windows(const ScanConfig& c, const std::optional<ResumeFile>& resume) {
  const auto [thread_rate, batch] = thread_pace(planned_rate_pps(c), c.send_threads);
  WindowShape shape = plan_window(thread_rate, c.retries, c.retry_delay_s, c.late_replies_s, batch);
  if (resume) {
    const double lag = std::max(4.0 * batch, std::ceil(thread_rate * 0.25));
    shape.retry_gap = std::max<std::uint64_t>(1, resume->point.retry_gap);
    shape.late_steps = resume->point.late_steps;
    std::uint64_t left = 0;
    for (const ThreadResume& t : resume->point.threads)
      left = std::max(left, t.next.step - std::min(t.next.step, t.tail));
    const double need = static_cast<double>(std::max(shape.in_flight_steps(), left)) + lag;
    shape.capacity = std::bit_ceil(static_cast<std::uint64_t>(std::clamp(need, 64.0, 1125899906842624.0)));
  }
  const std::uint64_t bytes = ProbeWindows::bytes_for(c.plan, shape);
  if (!c.dry_run && bytes > c.max_memory_bytes) {
    throw UsageError(
        fmt::format("the probes in flight need {} MiB of state ({:.10g} pps x ({} retries x {:.10g} s + "
                    "{:.10g} s of late "
                    "replies)), above "
                    "--max-memory {} MiB: lower --rate, --retries, --retry-delay or --late-replies, or raise "
                    "--max-memory",
                    (bytes + (1 << 20) - 1) >> 20, planned_rate_pps(c), c.retries, c.retry_delay_s,
                    c.late_replies_s, c.max_memory_bytes >> 20));
  }
  return shape;
}

}  // namespace

void finish_config(ScanConfig& c, const OptionSources& sources) {
  c.plan = ScanPlan(c.space.size(), c.shard_index, c.shard_count, c.send_threads);
  c.effective = with_seed(sources.entries, c.seed);
  // --rate auto implies its --retries (defaults::kAutoRetries) unless --retries is given; written out, so
  // that a resume file (and --echo-config) keeps the retries even when the resumed run asks for a fixed
  // --rate.
  const auto is_retries = [](const ConfigEntry& e) { return e.name == "retries"; };
  if (c.rate_auto && std::none_of(c.effective.begin(), c.effective.end(), is_retries)) {
    c.retries = defaults::kAutoRetries;
    c.effective.push_back({"retries", std::to_string(c.retries), false, "", 0});
  }
  if (sources.resume) check_resume_matches(c, *sources.resume, sources.resume_path);
  c.window = plan_windows(c, sources.resume);
  // A module option with a default (--syn-profile) is written out too, for the scan's modules: a resume file
  // keeps the probes' shape even if the default changes, and --echo-config / --metadata show it.
  for (const ProbeBlock& b : c.space.blocks()) {
    for (const ModuleOption& opt : probe_registry()[b.proto()].options) {
      if (opt.default_value.empty()) continue;
      const auto named = [&opt](const ConfigEntry& e) { return e.name == opt.name; };
      if (std::none_of(c.effective.begin(), c.effective.end(), named))
        c.effective.push_back({std::string(opt.name), std::string(opt.default_value), false, "", 0});
    }
  }
  if (!sources.resume) return;
  c.resume_from = sources.resume->point;
  c.resume_from->loaded_from = sources.resume_path;
  // Every file the stopped run wrote keeps its content (C-N17): its metadata beside it, its pcap appended to.
  if (sources.metadata_from_resume && !c.metadata_path.empty())
    c.metadata_path = resumed_path(c.metadata_path);
  if (sources.pcap_out_from_resume) c.pcap_out_append = !c.pcap_out_path.empty();
  if (!sources.outputs_from_resume) return;
  for (OutputSpec& o : c.outputs) {
    if (o.path == "-") continue;
    if (o.format == "list" || o.format == "ndjson" || o.format == "grepable") {
      o.append = true;
    } else {
      o.path = resumed_path(o.path);
    }
  }
}

}  // namespace synscan
