#include "cli/report.hpp"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "cli/plural.hpp"
#include "cli/status.hpp"
#include "cli/version.hpp"
#include "engine/output/writer.hpp"
#include "engine/probes/registry.hpp"
#include "engine/target_parse.hpp"

namespace synscan {
namespace {

std::uint64_t total_sent(const ScanRecord& r) {
  std::uint64_t n = 0;
  for (std::uint64_t p : r.sent_per_level) n += p;
  return n;
}

double mean_pps(const ScanRecord& r) {
  return r.send_s > 0 ? static_cast<double>(total_sent(r)) / r.send_s : 0.0;
}

std::string targets_text(const ScanConfig& c) {
  std::string out;
  for (const Interval& iv : c.space.targets().intervals()) {
    if (!out.empty()) out += ',';
    out += iv.first == iv.last ? format_ipv4(iv.first) : format_ipv4(iv.first) + "-" + format_ipv4(iv.last);
  }
  for (const Interval6& iv : c.space.targets().intervals_v6()) {
    if (!out.empty()) out += ',';
    out += iv.first == iv.last ? format_ipv6(iv.first) : format_ipv6(iv.first) + "-" + format_ipv6(iv.last);
  }
  return out;
}

std::string source_of(const ScanRecord& r, Family f) {
  for (const IpAddress& a : r.source_ips) {
    if (a.family == f) return format_address(a);
  }
  return {};
}

nlohmann::json family_json(const FamilyCounts& n, const std::string& source_ip) {
  return {{"targets", n.targets},
          {"probes", n.probes},
          {"source_ip", source_ip},
          {"results", {{"open", n.open}, {"closed", n.closed}, {"filtered", n.filtered}}}};
}

// What each probe module of the scan probes: module, protocol, ports (nmap syntax) and their count.
nlohmann::json probes_json(const ProbeSpace& space) {
  nlohmann::json out = nlohmann::json::array();
  for (const ProbeBlock& b : space.blocks()) {
    const Vocabulary& v = vocabulary(b.proto());
    out.push_back({{"module", std::string(v.module)},
                   {"protocol", std::string(v.protocol)},
                   {"ports", v.has_ports ? format_port_ranges(b.ports().ports()) : std::string()},
                   {"port_count", v.has_ports ? b.ports().size() : 0}});
  }
  return out;
}

nlohmann::json addresses_json(const std::vector<IpAddress>& addresses) {
  nlohmann::json out = nlohmann::json::array();
  for (const IpAddress& a : addresses) out.push_back(format_address(a));
  return out;
}

std::string show_text(ShowMask m) {
  std::string out;
  for (auto [on, name] : {std::pair{m.open, "open"}, {m.closed, "closed"}, {m.filtered, "filtered"}}) {
    if (!on) continue;
    if (!out.empty()) out += ',';
    out += name;
  }
  return out;
}

const char* status_text(StatusMode m) {
  switch (m) {
    case StatusMode::automatic:
      return "auto";
    case StatusMode::on:
      return "on";
    case StatusMode::off:
      return "off";
    case StatusMode::json:
      return "json";
  }
  return "?";
}

// What the rate did: the mode, each change as [seconds since the start, pps], the controller's last state and
// ratio, and the fixed rate's loss warning (null without one).
nlohmann::json rate_json(const ScanConfig& c, const ScanState& s, const ScanRecord& r) {
  nlohmann::json history = nlohmann::json::array();
  for (const auto& [t, pps] : r.rate_history) history.push_back({t, pps});
  const double ratio = s.reply_ratio.load();
  return {
      {"mode", c.rate_auto ? "auto" : "fixed"},
      {c.rate_auto ? "max_pps" : "asked_pps", c.rate_pps},
      {"history", history},
      {"state", std::string(rate_state_name(static_cast<RateState>(s.rate_state.load())))},
      {"reply_ratio", ratio >= 0 ? nlohmann::json(ratio) : nlohmann::json(nullptr)},
      {"loss_warning", r.loss_warning.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.loss_warning)},
  };
}

// The process's CPU time so far, every thread (user + system, seconds).
double process_cpu_s() noexcept {
  rusage u{};
  if (getrusage(RUSAGE_SELF, &u) != 0) return 0;
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// One line when replies were lost on the way in, "" otherwise: where, how many, and what it means for the
// results (a reply lost in the ring or at the interface cannot be told from silence; one lost at the queue
// is reported reply-dropped).
std::string reply_loss_warning(const ScanState& s, const ScanRecord& r) {
  const std::uint64_t ring = r.capture.dropped + r.capture.if_dropped, queue = s.queue_drops.load();
  if (ring == 0 && queue == 0) return {};
  std::string w = "replies lost";
  if (ring > 0) {
    w += fmt::format(
        ": {} in the capture ring or the interface (up to {} probes reported silent were answered)", ring,
        ring);
  }
  if (queue > 0) {
    w += fmt::format(
        "{} {} at the queue to the aggregator ({} probes reported with reason reply-dropped, "
        "state unknown{})",
        ring > 0 ? ";" : ":", queue, s.replies_dropped_marked.load(),
        s.replies_dropped_unmarked.load() > 0
            ? fmt::format("; {} not marked", s.replies_dropped_unmarked.load())
            : std::string());
  }
  return w + "; lower --rate (README: receive capacity)";
}

}  // namespace

FamilyCounts family_counts(const ScanConfig& c, const ScanState& s, Family f) {
  const TargetSet& targets = c.space.targets();
  FamilyCounts n;
  n.targets = f == Family::ipv4 ? targets.v4_size() : targets.v6_size();
  n.probes = n.targets * probes_per_target(c.space);
  const std::uint64_t open6 = s.open_v6.load(), closed6 = s.closed_v6.load(),
                      filtered6 = s.filtered_v6.load();
  if (f == Family::ipv6) {
    n.open = open6;
    n.closed = closed6;
    n.filtered = filtered6;
  } else {
    const std::uint64_t open = s.open.load(), closed = s.closed.load(), filtered = s.filtered.load();
    n.open = open - std::min(open, open6);
    n.closed = closed - std::min(closed, closed6);
    n.filtered = filtered - std::min(filtered, filtered6);
  }
  return n;
}

nlohmann::json scan_metadata(const ScanConfig& c, const ScanState& s, const ScanRecord& r) {
  using nlohmann::json;
  json outputs = json::array();
  for (const OutputSpec& o : c.outputs) outputs.push_back({{"path", o.path}, {"format", o.format}});
  json options = {
      {"targets", targets_text(c)},
      {"target_count", c.space.targets().size()},
      {"ports", describe_ports(c.space)},
      {"port_count", probes_per_target(c.space)},
      {"probes", probes_json(c.space)},
      {"rate_pps", c.rate_pps},
      {"rate_auto", c.rate_auto},
      {"wait_s", c.wait_s},
      {"retries", c.retries},
      {"shard", fmt::format("{}/{}", c.shard_index + 1, c.shard_count)},
      {"send_threads", c.send_threads},
      {"send_backend", std::string(send_backend_name(c.send_backend))},
      {"interface", r.interface},
      {"source_ip", r.source_ips.empty() ? std::string() : format_address(r.source_ips.front())},
      {"source_ips", addresses_json(r.source_ips)},
      {"source_ports", fmt::format("{}-{}", c.source_port_first, c.source_port_last)},
      {"router_mac", r.next_hop_mac},
      {"outputs", outputs},
      {"show", show_text(c.show)},
      {"status", status_text(c.status)},
      {"retry_delay_s", c.retry_delay_s},
      {"late_replies_s", c.late_replies_s},
      {"max_memory_mib", c.max_memory_bytes >> 20},
      {"pcap_buffer_mib", c.pcap_buffer_bytes >> 20},
      {"pcap_out", c.pcap_out_path},
  };
  // The options as --echo-config prints them (config file and command line merged, the seed made explicit);
  // an option given several times maps to an array of its values.
  json effective = json::object();
  for (const ConfigEntry& e : c.effective) {
    const json value = e.flag ? json(true) : json(e.value);
    if (!effective.contains(e.name))
      effective[e.name] = value;
    else if (effective[e.name].is_array())
      effective[e.name].push_back(value);
    else
      effective[e.name] = json::array({effective[e.name], value});
  }
  json doc = {
      {"synscan_version", kVersion},
      {"command_line", c.command_line},
      {"options", options},
      {"effective_options", effective},
      {"seed", c.seed},
      {"seed_given", c.seed_given},
      {"start", format_timestamp(r.start_ms)},
      {"end", format_timestamp(r.end_ms)},
      {"duration_s", static_cast<double>(r.end_ms - r.start_ms) / 1000.0},
      {"interrupted", r.interrupted},
      {"probes", {{"total", c.space.size()}, {"sent", total_sent(r)}, {"sent_per_pass", r.sent_per_level}}},
      {"send_s", r.send_s},
      {"window",
       {{"bytes", r.window_bytes},
        {"planned_elements_per_thread", c.window.capacity},
        {"retry_gap_steps", c.window.retry_gap},
        {"late_steps", c.window.late_steps},
        {"waits", s.window_waits.load()}}},
      {"mean_pps", mean_pps(r)},
      {"rate_capped", s.rate_capped.load()},
      {"rate", rate_json(c, s, r)},
      {"sender",
       {{"backend", std::string(send_backend_name(r.send_backend))},
        {"fallback", r.send_backend_fallback},
        {"errors", r.send_errors}}},
      {"replies",
       {{"answered", s.replies_answered.load()},
        {"duplicate", s.replies_duplicate.load()},
        {"late", s.replies_late.load()},
        {"other_shard", s.replies_other_shard.load()},
        {"ignored", s.replies_ignored.load()}}},
      {"results",
       {{"open", s.open.load()},
        {"closed", s.closed.load()},
        {"filtered", s.filtered.load()},
        {"open_filtered", s.open_filtered.load()}}},
      {"families",
       {{"ipv4", family_json(family_counts(c, s, Family::ipv4), source_of(r, Family::ipv4))},
        {"ipv6", family_json(family_counts(c, s, Family::ipv6), source_of(r, Family::ipv6))}}},
      {"drops",
       {{"pcap", r.capture.dropped}, {"interface", r.capture.if_dropped}, {"queue", s.queue_drops.load()}}},
      {"captured", r.capture.received},
  };
  for (const ProbeBlock& b : c.space.blocks()) {  // replies by kind, each module's reasons by name
    const Vocabulary& v = vocabulary(b.proto());
    for (std::size_t i = 1; i < v.reason_names.size() && i < ScanState::kMaxReasons; ++i) {
      doc["replies"][reply_counter_name(c.space, b.proto(), static_cast<Reason>(i))] =
          s.replies_by_reason[b.proto()][i].load();
    }
  }
  doc["drops"]["answers"] = s.answer_drops.load();
  // Of the queue drops, the probes reported with the reason reply-dropped (state unknown) and those unmarked.
  doc["drops"]["queue_reply_dropped"] = s.replies_dropped_marked.load();
  doc["drops"]["queue_unmarked"] = s.replies_dropped_unmarked.load();
  // CPU seconds per stage (each thread's own, getrusage RUSAGE_THREAD) and of the whole process.
  doc["cpu_s"] = {{"send", static_cast<double>(s.cpu_ns_send.load()) / 1e9},
                  {"receive", static_cast<double>(s.cpu_ns_receive.load()) / 1e9},
                  {"aggregate", static_cast<double>(s.cpu_ns_aggregate.load()) / 1e9},
                  {"process", process_cpu_s()}};
  if (const std::string w = reply_loss_warning(s, r); !w.empty())
    doc["warnings"] = nlohmann::json::array({w});
  if (c.banners) {  // --banners: the stage's counters (capture/banner_stage.hpp)
    doc["banners"] = {{"done", s.banners_done.load() - s.banners_not_done.load()},
                      {"not_done", s.banners_not_done.load()},
                      {"timeout", s.banners_timeout.load()},
                      {"silent", s.banners_silent.load()},
                      {"refused", s.banners_refused.load()},
                      {"reset", s.banners_reset.load()},
                      {"concurrency", c.banner_concurrency},
                      {"rate", c.banner_rate},
                      {"timeout_s", c.banner_timeout_s},
                      {"max_bytes", c.banner_max_bytes}};
  }
  return doc;
}

void print_summary(const ScanConfig& c, const ScanState& s, const ScanRecord& r, std::FILE* out) {
  // Scripts parse these lines (scripts/bench-accuracy.sh, tests/e2e): keep the phrases stable.
  fmt::print(out, "synscan: {} sent in {:.2f} s ({} pps); passes: {}; {} {:.2f} s\n",
             counted(total_sent(r), "probe", "probes"), r.send_s, format_pps(mean_pps(r)),
             fmt::join(r.sent_per_level, "+"), r.interrupted ? "interrupted after" : "done in",
             static_cast<double>(r.end_ms - r.start_ms) / 1000.0);
  if (c.rate_auto && !r.rate_history.empty()) {
    double top = 0;
    for (const auto& change : r.rate_history) top = std::max(top, change.second);
    fmt::print(out, "synscan: rate auto: {}, highest {} pps, last {} pps ({})\n",
               counted(r.rate_history.size() - 1, "change", "changes"), format_pps(top),
               format_pps(r.rate_history.back().second),
               rate_state_name(static_cast<RateState>(s.rate_state.load())));
  } else if (s.rate_capped) {
    fmt::print(out, "synscan: rate capped by the sender: {} pps achieved of {} asked\n",
               format_pps(mean_pps(r)), format_pps(c.rate_pps));
  }
  if (!r.loss_warning.empty()) fmt::print(out, "synscan: {}\n", r.loss_warning);
  const bool maybe_open_filtered = std::any_of(
      c.space.blocks().begin(), c.space.blocks().end(),
      [](const ProbeBlock& b) { return vocabulary(b.proto()).silence == PortState::open_filtered; });
  fmt::print(out, "synscan: results: {} open, {} closed, {} filtered{}\n", s.open.load(), s.closed.load(),
             s.filtered.load(),
             maybe_open_filtered ? fmt::format(", {} open|filtered", s.open_filtered.load()) : std::string());
  if (c.space.blocks().size() > 1) {  // "by protocol: tcp 3 open, 5 closed; udp ...; icmp 5 up, 1 down"
    std::string line;
    for (const ProbeBlock& b : c.space.blocks()) {
      const Vocabulary& v = vocabulary(b.proto());
      std::string parts;
      for (std::size_t i = 0; i < kPortStates; ++i) {
        const auto st = static_cast<PortState>(i);
        const std::uint64_t n = s.results_by_proto[b.proto()][i].load();
        // Shown even at 0: open, the state of silence, and closed where a reply gives it (not echo's). Others
        // only with results (filtered and open|filtered are both echo's "down").
        const bool always = st == PortState::open || st == v.silence ||
                            (st == PortState::closed && v.usual_reason[i] != Reason::no_response);
        if (n == 0 && !always) continue;
        parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", n, v.state_name(st));
      }
      line += fmt::format("{}{} {}", line.empty() ? "" : "; ", v.protocol, parts);
    }
    fmt::print(out, "synscan: by protocol: {}\n", line);
  }
  if (c.space.targets().v4_size() > 0 && c.space.targets().v6_size() > 0) {
    for (const Family f : {Family::ipv4, Family::ipv6}) {
      const FamilyCounts n = family_counts(c, s, f);
      fmt::print(out, "synscan: {}: {} x {} = {}{}; {} open, {} closed, {} filtered\n",
                 f == Family::ipv4 ? "IPv4" : "IPv6", counted(n.targets, "target", "targets"),
                 counted(probes_per_target(c.space), "port", "ports"), counted(n.probes, "probe", "probes"),
                 c.shard_count > 1 ? " in all shards" : "", n.open, n.closed, n.filtered);
    }
  }
  // "replies: 5 syn-ack, 7 rst, 0 icmp-unreach; udp: 3 udp-response, ...; 0 duplicates; 2 replies ignored"
  std::string kinds;
  for (const ProbeBlock& b : c.space.blocks()) {
    const Vocabulary& v = vocabulary(b.proto());
    if (!kinds.empty()) kinds += fmt::format("; {}: ", v.protocol);
    for (std::size_t i = 1; i < v.reason_names.size() && i < ScanState::kMaxReasons; ++i) {
      kinds += fmt::format("{}{} {}", i > 1 ? ", " : "", s.replies_by_reason[b.proto()][i].load(),
                           v.reason_names[i]);
    }
  }
  fmt::print(out, "synscan: replies: {}; {}; {} ignored\n", kinds,
             counted(s.replies_duplicate.load(), "duplicate", "duplicates"),
             counted(s.replies_ignored.load(), "reply", "replies"));
  if (c.banners) {
    // Every open result went to the banner stage; those it could not finish (Ctrl-C) are not done.
    const std::uint64_t done = s.banners_done.load() - s.banners_not_done.load();
    // Each count is one banner_status of the records: timeout, silent, refused, reset.
    fmt::print(out, "synscan: banners: {} done, {} not done, {} timed out, {} silent, {} refused, {} reset\n",
               done, s.open.load() - std::min(s.open.load(), done), s.banners_timeout.load(),
               s.banners_silent.load(), s.banners_refused.load(), s.banners_reset.load());
  }
  fmt::print(out, "synscan: capture drops {} (interface {}), queue drops {}\n", r.capture.dropped,
             r.capture.if_dropped, s.queue_drops.load());
  if (const std::string w = reply_loss_warning(s, r); !w.empty())
    fmt::print(out, "synscan: warning: {}\n", w);
  fmt::print(out,
             "synscan: state of the probes in flight: {} ({}); {} (after --late-replies), {} for other "
             "shards; window full {}\n",
             counted(r.window_bytes, "byte", "bytes"), counted(c.send_threads, "send thread", "send threads"),
             counted(s.replies_late.load(), "late reply", "late replies"), s.replies_other_shard.load(),
             counted(s.window_waits.load(), "time", "times"));
  const std::string why =
      r.send_backend_fallback.empty() ? "" : fmt::format(" (auto; not xdp: {})", r.send_backend_fallback);
  fmt::print(out, "synscan: sent through {}{}; send errors {}\n", send_backend_name(r.send_backend), why,
             r.send_errors);
}

MetadataFile::MetadataFile(const std::string& path) : path_(path) {
  if (path.empty()) return;
  file_.reset(std::fopen(path.c_str(), "w"));
  if (!file_) throw std::runtime_error("cannot write metadata '" + path + "': " + std::strerror(errno));
}

void MetadataFile::write(const nlohmann::json& doc) {
  if (!file_) return;
  const std::string text = doc.dump(2) + "\n";
  errno = 0;
  bool ok =
      std::fwrite(text.data(), 1, text.size(), file_.get()) == text.size() && std::fflush(file_.get()) == 0;
  int error = errno;
  if (std::fclose(file_.release()) != 0 && ok) {
    ok = false;
    error = errno;
  }
  if (!ok) {
    throw std::runtime_error("cannot write metadata '" + path_ +
                             "': " + std::strerror(error != 0 ? error : EIO));
  }
}

}  // namespace synscan
