#include "cli/resume.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "cli/input_file.hpp"
#include "cli/scan_config.hpp"
#include "cli/usage_error.hpp"
#include "cli/version.hpp"
#include "capture/send_passes.hpp"
#include "engine/probe_window.hpp"
#include "engine/probes/registry.hpp"
#include "engine/rate_limiter.hpp"
#include "engine/shard.hpp"

namespace synscan {
namespace {

constexpr int kFormatVersion = 2;  // 2: cursors and windows (1 had passes and a whole-space answered set)
// The outputs and how the run is watched may change on resume; what decides the probes may not.
constexpr std::array<std::string_view, 25> kAllowedWithResume = {
    "output",          "format",          "show",        "rate",          "wait",       "max-runtime",
    "resume-file",     "output-xml",      "output-json", "output-ndjson", "output-list", "output-grepable",
    "output-csv",      "output-all",      "status",      "no-status",     "status-json", "metadata",
    "pcap-out",        "banners",         "banner-probe", "banner-concurrency", "banner-rate", "banner-timeout",
    "banner-max-bytes"};
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// RFC 4648 base64 of the words' little-endian bytes: a compact answered set inside the JSON.
std::string encode_words(const std::vector<std::uint64_t>& words) {
  std::vector<std::uint8_t> bytes;
  bytes.reserve(words.size() * 8);
  for (std::uint64_t w : words) {
    for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<std::uint8_t>(w >> (8 * i)));
  }
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::uint32_t n = (std::uint32_t{bytes[i]} << 16) |
                            (i + 1 < bytes.size() ? std::uint32_t{bytes[i + 1]} << 8 : 0) |
                            (i + 2 < bytes.size() ? std::uint32_t{bytes[i + 2]} : 0);
    out += kB64[(n >> 18) & 63];
    out += kB64[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kB64[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kB64[n & 63] : '=';
  }
  return out;
}

std::optional<std::vector<std::uint64_t>> decode_words(const std::string& text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::vector<std::uint8_t> bytes;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    std::uint32_t n = 0;
    int pad = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const char ch = text[i + k];
      std::uint32_t v = 0;
      if (ch == '=' && i + 4 == text.size() && k >= 2) {
        ++pad;
      } else if (const char* at = std::strchr(kB64, ch); at != nullptr && ch != '\0' && pad == 0) {
        v = static_cast<std::uint32_t>(at - kB64);
      } else {
        return std::nullopt;
      }
      n = (n << 6) | v;
    }
    bytes.push_back(static_cast<std::uint8_t>(n >> 16));
    if (pad < 2) bytes.push_back(static_cast<std::uint8_t>(n >> 8));
    if (pad < 1) bytes.push_back(static_cast<std::uint8_t>(n));
  }
  if (bytes.size() % 8 != 0) return std::nullopt;
  std::vector<std::uint64_t> words(bytes.size() / 8, 0);
  for (std::size_t i = 0; i < bytes.size(); ++i) words[i / 8] |= std::uint64_t{bytes[i]} << (8 * (i % 8));
  return words;
}

}  // namespace

bool allowed_with_resume(std::string_view name) {
  return std::find(kAllowedWithResume.begin(), kAllowedWithResume.end(), name) != kAllowedWithResume.end();
}

OptionSources gather_options(const boost::program_options::parsed_options& command_line,
                             const boost::program_options::options_description& desc) {
  OptionSources out;
  const ConfigEntries given = entries_from_parsed(command_line);
  std::optional<std::string> config_path;
  std::optional<std::string> resume_path;
  for (const boost::program_options::option& o : command_line.options) {
    if (o.string_key == "config" && !o.value.empty()) config_path = o.value.front();
    if (o.string_key == "resume" && !o.value.empty()) resume_path = o.value.front();
  }
  if (config_path && resume_path) throw UsageError("--config and --resume cannot be used together");
  ConfigEntries base;
  if (config_path) base = read_config_file(*config_path, desc);
  if (resume_path) {
    for (const ConfigEntry& e : given) {
      if (!is_control_option(e.name) && !allowed_with_resume(e.name)) {
        throw UsageError(
            fmt::format("option '{}' cannot be changed when resuming (the resume file has the scan's "
                        "options; allowed: {})",
                        e.name == "target" ? e.value : "--" + e.name, fmt::join(kAllowedWithResume, ", ")));
      }
    }
    out.resume = read_resume_file(*resume_path);
    out.resume_path = *resume_path;
    base = out.resume->options;
    out.outputs_from_resume =
        std::none_of(given.begin(), given.end(), [](const ConfigEntry& e) { return e.name.rfind("output", 0) == 0; });
    const auto given_named = [&given](std::string_view name) {
      return std::any_of(given.begin(), given.end(), [name](const ConfigEntry& e) { return e.name == name; });
    };
    out.metadata_from_resume = !given_named("metadata");
    out.pcap_out_from_resume = !given_named("pcap-out");
  }
  out.entries = merge_entries(base, given);
  return out;
}

namespace {

// The windows of scan `c`: from its rate and delays, or, resumed, with the stopped run's steps (so that the
// same retries go out) and room for what it left in flight. Refused above --max-memory (a dry run sends
// nothing and holds no window).
WindowShape plan_windows(const ScanConfig& c, const std::optional<ResumeFile>& resume) {
  const double thread_rate = planned_rate_pps(c) / c.send_threads;
  const std::uint32_t batch = batch_for_rate(thread_rate, kMaxSendBatch);
  WindowShape shape = plan_window(thread_rate, c.retries, c.retry_delay_s, c.late_replies_s, batch);
  if (resume) {
    const double lag = std::max(4.0 * batch, std::ceil(thread_rate * 0.25));
    shape.retry_gap = std::max<std::uint64_t>(1, resume->point.retry_gap);
    shape.late_steps = resume->point.late_steps;
    std::uint64_t left = 0;
    for (const ThreadResume& t : resume->point.threads) left = std::max(left, t.next.step - std::min(t.next.step, t.tail));
    const double need = static_cast<double>(std::max(shape.in_flight_steps(), left)) + lag;
    shape.capacity = std::bit_ceil(static_cast<std::uint64_t>(std::clamp(need, 64.0, 1125899906842624.0)));
  }
  const std::uint64_t bytes = ProbeWindows::bytes_for(c.plan, shape);
  if (!c.dry_run && bytes > c.max_memory_bytes) {
    throw UsageError(fmt::format(
        "the probes in flight need {} MiB of state ({:.10g} pps x ({} retries x {:.10g} s + {:.10g} s of late "
        "replies)), above "
        "--max-memory {} MiB: lower --rate, --retries, --retry-delay or --late-replies, or raise --max-memory",
        (bytes + (1 << 20) - 1) >> 20, planned_rate_pps(c), c.retries, c.retry_delay_s, c.late_replies_s,
        c.max_memory_bytes >> 20));
  }
  return shape;
}

}  // namespace

void finish_config(ScanConfig& c, const OptionSources& sources) {
  c.plan = ScanPlan(c.space.size(), c.shard_index, c.shard_count, c.send_threads);
  c.effective = with_seed(sources.entries, c.seed);
  if (sources.resume) check_resume_matches(c, *sources.resume, sources.resume_path);
  c.window = plan_windows(c, sources.resume);
  // --rate auto implies its --retries: written out, so that a resume file (and --echo-config) keeps the
  // passes even when the resumed run asks for a fixed --rate.
  const auto is_retries = [](const ConfigEntry& e) { return e.name == "retries"; };
  if (c.rate_auto && std::none_of(c.effective.begin(), c.effective.end(), is_retries))
    c.effective.push_back({"retries", std::to_string(c.retries), false, "", 0});
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
  if (sources.metadata_from_resume && !c.metadata_path.empty()) c.metadata_path = resumed_path(c.metadata_path);
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

std::string resumed_path(const std::string& path) {
  std::string candidate = path + ".resumed";
  for (int n = 2; ::access(candidate.c_str(), F_OK) == 0; ++n) candidate = fmt::format("{}.resumed.{}", path, n);
  return candidate;
}

std::string resume_to_json(const ScanConfig& c, const ResumePoint& point) {
  nlohmann::json j;
  j["synscan_resume"] = kFormatVersion;
  j["version"] = kVersion;
  nlohmann::json options = nlohmann::json::array();
  for (const ConfigEntry& e : c.effective) {
    options.push_back(e.flag ? nlohmann::json::array({e.name}) : nlohmann::json::array({e.name, e.value}));
  }
  j["options"] = std::move(options);
  j["seed"] = c.seed;
  j["shard_index"] = c.shard_index;
  j["shard_count"] = c.shard_count;
  j["send_threads"] = c.send_threads;
  j["space_size"] = c.space.size();
  j["retry_gap"] = point.retry_gap;
  j["late_steps"] = point.late_steps;
  nlohmann::json next_j = nlohmann::json::array(), next_retry = nlohmann::json::array(),
                 windows = nlohmann::json::array();
  for (const ThreadResume& t : point.threads) {
    next_j.push_back(t.next.step);
    next_retry.push_back(t.next.level);
    windows.push_back({{"tail", t.tail}, {"answered", encode_words(t.answered)}});
  }
  j["next_j"] = std::move(next_j);          // per thread: its step, the next new slice element j
  j["next_retry"] = std::move(next_retry);  // per thread: the frame within that step (0: the new probe)
  j["windows"] = std::move(windows);
  return j.dump(1) + "\n";
}

ResumeFile resume_from_json(std::string_view text, const std::string& source) {
  const auto bad = [&](const std::string& what) {
    return UsageError(fmt::format("bad resume file '{}': {}", source, what));
  };
  ResumeFile f;
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    if (!j.is_object() || j.value("synscan_resume", 0) != kFormatVersion) {
      throw bad(fmt::format("not a synscan resume file of format {}", kFormatVersion));
    }
    for (const nlohmann::json& o : j.at("options")) {
      if (!o.is_array() || o.empty() || o.size() > 2) throw bad("an option is not [name] or [name, value]");
      ConfigEntry e{o[0].get<std::string>(), o.size() == 2 ? o[1].get<std::string>() : "", o.size() == 1,
                    source, 0};
      if (is_control_option(e.name)) throw bad(fmt::format("option '{}' cannot be resumed", e.name));
      f.options.push_back(std::move(e));
    }
    f.seed = j.at("seed").get<std::uint64_t>();
    f.shard_index = j.at("shard_index").get<std::uint64_t>();
    f.shard_count = j.at("shard_count").get<std::uint64_t>();
    f.send_threads = j.at("send_threads").get<std::uint32_t>();
    f.space_size = j.at("space_size").get<std::uint64_t>();
    f.point.retry_gap = j.at("retry_gap").get<std::uint64_t>();
    f.point.late_steps = j.at("late_steps").get<std::uint64_t>();
    const auto next_j = j.at("next_j").get<std::vector<std::uint64_t>>();
    const auto next_retry = j.at("next_retry").get<std::vector<std::uint32_t>>();
    const nlohmann::json& windows = j.at("windows");
    if (next_j.size() != f.send_threads || next_retry.size() != f.send_threads ||
        !windows.is_array() || windows.size() != f.send_threads) {
      throw bad("one cursor and one window per send thread expected");
    }
    for (std::uint32_t t = 0; t < f.send_threads; ++t) {
      ThreadResume r;
      r.next = SendCursor{next_j[t], next_retry[t]};
      r.tail = windows[t].at("tail").get<std::uint64_t>();
      auto words = decode_words(windows[t].at("answered").get<std::string>());
      if (!words) throw bad("a window's 'answered' is not base64 of 64-bit words");
      r.answered = std::move(*words);
      f.point.threads.push_back(std::move(r));
    }
  } catch (const nlohmann::json::exception& e) {
    throw bad(e.what());
  }
  return f;
}

ResumeFile read_resume_file(const std::string& path) {
  // A file that cannot be read (or a directory) is the environment (exit 1); one that reads wrong is bad
  // input.
  return resume_from_json(read_input_file(path, "resume file"), path);
}

void check_resume_matches(const ScanConfig& c, const ResumeFile& f, const std::string& path) {
  const auto mismatch = [&](std::string_view what) {
    return UsageError(fmt::format("resume file '{}' does not match its own options ({})", path, what));
  };
  if (c.seed != f.seed) throw mismatch("seed");
  if (c.shard_index != f.shard_index || c.shard_count != f.shard_count) throw mismatch("shard");
  if (c.send_threads != f.send_threads) throw mismatch("send threads");
  if (c.space.size() != f.space_size) throw mismatch("probe space size");
  WindowShape shape;
  shape.retries = c.retries;
  shape.retry_gap = std::max<std::uint64_t>(1, f.point.retry_gap);
  for (std::uint32_t t = 0; t < c.plan.threads(); ++t) {
    const ThreadResume& r = f.point.threads[t];
    const std::uint64_t count = c.plan.thread(t).count;
    if (r.next.step > total_steps(count, shape) || r.next.level > c.retries) throw mismatch("a cursor beyond its slice");
    if (r.tail > count || r.tail > r.next.step) throw mismatch("a window beyond its cursor");
    if (r.answered.size() * 64 > r.next.step - r.tail + 64) throw mismatch("a window larger than its span");
  }
}

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) throw std::runtime_error(fmt::format("cannot write '{}': {}", tmp, std::strerror(errno)));
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0;
  const int saved = errno;
  std::fclose(f);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error(fmt::format("cannot write '{}': {}", path, std::strerror(ok ? errno : saved)));
  }
}

namespace {

// Writes `text` to a new file only this user may read, $TMPDIR/synscan-XXXXXX.resume (or /tmp); returns its path.
std::string write_private_temp_file(const std::string& text) {
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/synscan-XXXXXX.resume";
  const int fd = ::mkstemps(path.data(), 7);
  if (fd < 0) throw std::runtime_error(fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
  std::FILE* f = ::fdopen(fd, "w");
  const bool ok = f != nullptr && std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const bool closed = f != nullptr ? std::fclose(f) == 0 : ::close(fd) == 0;
  if (!ok || !closed) throw std::runtime_error(fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
  return path;
}

}  // namespace

std::vector<SendCursor> start_cursors(const ScanConfig& c) {
  std::vector<SendCursor> out;
  if (c.resume_from) {
    for (const ThreadResume& t : c.resume_from->threads) out.push_back(t.next);
  }
  return out;
}

void restore_windows(const ScanConfig& c, ProbeWindows& windows) {
  if (!c.resume_from) return;
  for (std::uint32_t t = 0; t < windows.threads(); ++t) {
    const ThreadResume& r = c.resume_from->threads.at(t);
    windows.thread(t).restore(r.tail, r.answered);
    windows.thread(t).publish_steps(r.next.step);
  }
}

ResumePoint resume_point(const ScanConfig& c, const std::vector<SendCursor>& next, const ProbeWindows& windows) {
  ResumePoint p;
  p.retry_gap = c.window.retry_gap;
  p.late_steps = c.window.late_steps;
  for (std::uint32_t t = 0; t < windows.threads(); ++t) {
    ThreadResume r;
    r.next = next.at(t);
    r.tail = windows.thread(t).tail();
    r.answered = windows.thread(t).snapshot(r.next.step + 1);
    p.threads.push_back(std::move(r));
  }
  return p;
}

void finish_resume(const ScanConfig& c) {
  if (!c.resume_from || c.resume_from->loaded_from.empty()) return;
  if (std::remove(c.resume_from->loaded_from.c_str()) == 0) {
    fmt::print(stderr, "synscan: resumed scan complete; removed {}\n", c.resume_from->loaded_from);
  }
}

void save_resume(const ScanConfig& c, const ResumePoint& reached) {
  const std::string text = resume_to_json(c, reached);
  std::string path = c.resume_file;
  try {
    write_file_atomically(path, text);
  } catch (const std::runtime_error& e) {
    // The file is written after the privilege drop (capture/privileges.hpp): a root-started scan runs as --user
    // by now, which may not write the directory. The resume state matters more than its place.
    path = write_private_temp_file(text);
    fmt::print(stderr, "synscan: {}; wrote the resume file to {} instead\n", e.what(), path);
  }
  std::uint64_t at = 0, tail = 0;
  for (std::uint32_t t = 0; t < reached.threads.size(); ++t) {
    at += std::min(reached.threads[t].next.step, c.plan.thread(t).count);
    tail += reached.threads[t].tail;
  }
  fmt::print(stderr,
             "synscan: stopped after {} of {} new probes ({} final); resume file written to {} (continue with: "
             "synscan --resume {})\n",
             at, c.plan.shard_probes(), tail, path, path);
}

}  // namespace synscan
