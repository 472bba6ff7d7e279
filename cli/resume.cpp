#include "cli/resume.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "cli/file_identity.hpp"
#include "cli/input_file.hpp"
#include "cli/scan_config.hpp"
#include "cli/usage_error.hpp"
#include "cli/version.hpp"
#include "engine/probe_window.hpp"
#include "engine/shard.hpp"

namespace synscan {
namespace {

constexpr int kFormatVersion = 2;  // 2: cursors and windows (1 had passes and a whole-space answered set)
// The outputs and how the run is watched may change on resume; what decides the probes may not.
constexpr std::array<std::string_view, 25> kAllowedWithResume = {"output",
                                                                 "format",
                                                                 "show",
                                                                 "rate",
                                                                 "wait",
                                                                 "max-runtime",
                                                                 "resume-file",
                                                                 "output-xml",
                                                                 "output-json",
                                                                 "output-ndjson",
                                                                 "output-list",
                                                                 "output-grepable",
                                                                 "output-csv",
                                                                 "output-all",
                                                                 "status",
                                                                 "no-status",
                                                                 "status-json",
                                                                 "metadata",
                                                                 "pcap-out",
                                                                 "banners",
                                                                 "banner-probe",
                                                                 "banner-concurrency",
                                                                 "banner-rate",
                                                                 "banner-timeout",
                                                                 "banner-max-bytes"};
// Written into a resume file when a scan continues from it (mark_resumed); such a file is refused.
constexpr char kResumedKey[] = "resumed_at";
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

std::string allowed_with_resume_list() {
  std::string out;
  for (std::string_view name : kAllowedWithResume)
    out += fmt::format("{}--{}", out.empty() ? "" : ", ", name);
  return out;
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
        if (e.name == "target") {
          throw UsageError(
              fmt::format("target '{}' cannot be given with --resume: a resumed scan continues the "
                          "stopped scan's targets (from the resume file); start a new scan for others",
                          e.value));
        }
        throw UsageError(
            fmt::format("option '--{}' cannot be changed when resuming (the resume file has the "
                        "scan's options; allowed: {})",
                        e.name, allowed_with_resume_list()));
      }
    }
    out.resume = read_resume_file(*resume_path);
    out.resume_path = *resume_path;
    base = out.resume->options;
    out.outputs_from_resume = std::none_of(
        given.begin(), given.end(), [](const ConfigEntry& e) { return e.name.rfind("output", 0) == 0; });
    const auto given_named = [&given](std::string_view name) {
      return std::any_of(given.begin(), given.end(), [name](const ConfigEntry& e) { return e.name == name; });
    };
    out.metadata_from_resume = !given_named("metadata");
    out.pcap_out_from_resume = !given_named("pcap-out");
  }
  out.entries = merge_entries(base, given);
  return out;
}

std::string resumed_path(const std::string& path) {
  std::string candidate = path + ".resumed";
  for (int n = 2; ::access(candidate.c_str(), F_OK) == 0; ++n)
    candidate = fmt::format("{}.resumed.{}", path, n);
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
    if (j.contains(kResumedKey)) {
      throw UsageError(fmt::format(
          "resume file '{}' was already resumed (at {}): that run sent its probes and wrote their results; "
          "continue "
          "from the resume file it wrote when stopped, or delete the \"{}\" line to resume this one again "
          "(its results are then written twice)",
          source, j[kResumedKey].is_string() ? j[kResumedKey].get<std::string>() : "?", kResumedKey));
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
    if (next_j.size() != f.send_threads || next_retry.size() != f.send_threads || !windows.is_array() ||
        windows.size() != f.send_threads) {
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
    if (r.next.step > total_steps(count, shape) || r.next.level > c.retries)
      throw mismatch("a cursor beyond its slice");
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

std::string errno_text(const std::string& path) {
  return fmt::format("cannot write '{}': {}", path, std::strerror(errno));
}

// Writes `text` to a new temporary file in `dir` (mode 0600); returns its path.
std::string write_temp_file(const std::string& dir, const std::string& text) {
  std::string path = dir + "/.synscan-XXXXXX.tmp";
  const int fd = ::mkstemps(path.data(), 4);
  if (fd < 0) throw std::runtime_error(errno_text(path));
  std::FILE* f = ::fdopen(fd, "w");
  const bool ok = f != nullptr && std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const bool closed = f != nullptr ? std::fclose(f) == 0 : ::close(fd) == 0;
  if (!ok || !closed) {
    const std::string error = errno_text(path);
    std::remove(path.c_str());
    throw std::runtime_error(error);
  }
  return path;
}

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Writes `text` to the first of PATH, PATH.2, PATH.3, ... that does not exist, whole or not at all (a
// temporary file linked to its name: never over an existing file); returns the path written.
std::string write_new_file(const std::string& path, const std::string& text) {
  const std::string tmp = write_temp_file(directory_of(path), text);
  std::string candidate = path;
  for (int n = 2;; ++n) {
    if (::link(tmp.c_str(), candidate.c_str()) == 0) break;
    if (errno != EEXIST || n > 1000) {
      const std::string error = errno_text(candidate);
      std::remove(tmp.c_str());
      throw std::runtime_error(error);
    }
    candidate = fmt::format("{}.{}", path, n);
  }
  std::remove(tmp.c_str());
  return candidate;
}

// "2026-12-07T23:16:03Z"
std::string utc_timestamp(std::time_t t) {
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[32];
  return std::string(text, std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm));
}

// FNV-1a, 64 bits: a name that is the same in every run of one scan.
std::uint64_t fnv1a(std::string_view text, std::uint64_t h = 14695981039346656037ull) {
  for (const char ch : text) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
  return h;
}

}  // namespace

std::string fallback_resume_path(const ScanConfig& c) {
  // What may not change on resume (the seed included) names the scan; outputs, pace and the like may.
  std::vector<std::string> identity;
  for (const ConfigEntry& e : c.effective) {
    if (!allowed_with_resume(e.name)) identity.push_back(e.name + (e.flag ? "" : "=" + e.value));
  }
  std::sort(identity.begin(), identity.end());
  std::uint64_t h =
      fnv1a(fmt::format("{} {} {} {}", c.shard_index, c.shard_count, c.send_threads, c.space.size()));
  for (const std::string& line : identity) h = fnv1a(line + "\n", h);
  const char* dir = std::getenv("TMPDIR");
  return fmt::format("{}/synscan-{:016x}.resume", dir != nullptr && *dir != '\0' ? dir : "/tmp", h);
}

void mark_resumed(const ScanConfig& c) {
  if (!c.resume_from || c.resume_from->loaded_from.empty()) return;
  const std::string& path = c.resume_from->loaded_from;
  nlohmann::json j = nlohmann::json::parse(read_input_file(path, "resume file"), nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw std::runtime_error(fmt::format("resume file '{}' changed", path));
  j[kResumedKey] = utc_timestamp(std::time(nullptr));
  const std::string text = j.dump(1) + "\n";
  // In place, not renamed over: the file keeps its owner (a root-started scan marks it before it becomes
  // --user, who may write the file again when this run stops). The text only grows, so truncating after the
  // write leaves no old bytes.
  std::FILE* f = std::fopen(path.c_str(), "r+");
  const bool ok = f != nullptr && std::fwrite(text.data(), 1, text.size(), f) == text.size() &&
                  std::fflush(f) == 0 && ::ftruncate(::fileno(f), static_cast<off_t>(text.size())) == 0;
  const int saved = errno;
  if (f != nullptr) std::fclose(f);
  if (!ok) {
    throw std::runtime_error(
        fmt::format("cannot mark resume file '{}' as resumed: {} (a resume file is marked so that it cannot "
                    "be resumed twice)",
                    path, std::strerror(saved)));
  }
}

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

ResumePoint resume_point(const ScanConfig& c, const std::vector<SendCursor>& next,
                         const ProbeWindows& windows) {
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

namespace {

// Writes resume `text` to `path` when that is this scan's own file (the one it resumed from) or no file yet,
// whole or not at all; else to the first free PATH.2, PATH.3, ..., keeping the other run's file, and says so.
// Returns the path written; throws std::runtime_error when the directory cannot take it.
std::string write_resume_file(const ScanConfig& c, const std::string& path, const std::string& text) {
  const bool own = c.resume_from && !c.resume_from->loaded_from.empty() &&
                   ::access(path.c_str(), F_OK) == 0 &&
                   file_identity(c.resume_from->loaded_from) == file_identity(path);
  if (own || ::access(path.c_str(), F_OK) != 0) {
    write_file_atomically(path, text);
    return path;
  }
  const std::string written = write_new_file(path, text);
  fmt::print(stderr, "synscan: '{}' is another run's resume file (kept); wrote this one to {}\n", path,
             written);
  return written;
}

}  // namespace

void save_resume(const ScanConfig& c, const ResumePoint& reached) {
  const std::string text = resume_to_json(c, reached);
  std::string path;
  try {
    path = write_resume_file(c, c.resume_file, text);
  } catch (const std::runtime_error& e) {
    // The file is written after the privilege drop (capture/privileges.hpp): a root-started scan runs as
    // --user by now, which may not write the directory. The resume state matters more than its place: a file
    // named for the scan in $TMPDIR (or /tmp), the same for every stop of this scan and its resumed runs, so
    // stops do not pile up files; another run of the same scan (started anew) keeps it and writes .2.
    path = write_resume_file(c, fallback_resume_path(c), text);
    fmt::print(stderr, "synscan: {}; wrote the resume file to {} instead\n", e.what(), path);
  }
  std::uint64_t at = 0, tail = 0;
  for (std::uint32_t t = 0; t < reached.threads.size(); ++t) {
    at += std::min(reached.threads[t].next.step, c.plan.thread(t).count);
    tail += reached.threads[t].tail;
  }
  // `tail`: probes before the windows' tails, past their last retry: final, answered or not. The others'
  // replies are written too; a resume retries those of them still silent.
  fmt::print(stderr,
             "synscan: stopped after {} of {} new probes (every reply written; {} past their last retry, the "
             "silent rest retried on resume); "
             "resume file written to {} (continue with: synscan --resume {})\n",
             at, c.plan.shard_probes(), tail, path, path);
}

}  // namespace synscan
