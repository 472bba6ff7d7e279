#include "cli/resume.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
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
#include "engine/aggregator.hpp"
#include "engine/permutation.hpp"
#include "engine/result_table.hpp"
#include "engine/shard.hpp"

namespace synscan {
namespace {

constexpr int kFormatVersion = 1;
// The outputs and how the run is watched may change on resume; what decides the probes may not.
constexpr std::array<std::string_view, 19> kAllowedWithResume = {
    "output",          "format",          "show",        "rate",          "wait",       "max-runtime",
    "resume-file",     "output-xml",      "output-json", "output-ndjson", "output-list", "output-grepable",
    "output-csv",      "output-all",      "status",      "no-status",     "status-json", "metadata",
    "pcap-out"};
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
  }
  out.entries = merge_entries(base, given);
  return out;
}

void finish_config(ScanConfig& c, const OptionSources& sources) {
  c.plan = ScanPlan(c.space.size(), c.shard_index, c.shard_count, c.send_threads);
  c.effective = with_seed(sources.entries, c.seed);
  // --rate auto implies its --retries: written out, so that a resume file (and --echo-config) keeps the
  // passes even when the resumed run asks for a fixed --rate.
  const auto is_retries = [](const ConfigEntry& e) { return e.name == "retries"; };
  if (c.rate_auto && std::none_of(c.effective.begin(), c.effective.end(), is_retries))
    c.effective.push_back({"retries", std::to_string(c.retries), false, "", 0});
  if (!sources.resume) return;
  check_resume_matches(c, *sources.resume, sources.resume_path);
  c.resume_from = sources.resume->point;
  c.resume_from->loaded_from = sources.resume_path;
  if (!sources.outputs_from_resume) return;
  for (OutputSpec& o : c.outputs) {
    if (o.path == "-") continue;
    if (o.format == "list" || o.format == "ndjson" || o.format == "grepable") {
      o.append = true;
    } else {
      o.path += ".resumed";
    }
  }
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
  j["pass"] = point.pass;
  j["next_j"] = point.next_j;
  if (!point.answered.empty()) j["answered"] = encode_words(point.answered);
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
    f.point.pass = j.at("pass").get<std::uint32_t>();
    f.point.next_j = j.at("next_j").get<std::vector<std::uint64_t>>();
    if (j.contains("answered")) {
      auto words = decode_words(j.at("answered").get<std::string>());
      if (!words) throw bad("'answered' is not base64 of 64-bit words");
      f.point.answered = std::move(*words);
    }
  } catch (const nlohmann::json::exception& e) {
    throw bad(e.what());
  }
  if (f.point.next_j.size() != f.send_threads) throw bad("one position per send thread expected");
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
  if (f.point.pass > c.retries) throw mismatch("pass beyond the retries");
  for (std::uint32_t t = 0; t < c.plan.threads(); ++t) {
    if (f.point.next_j[t] > c.plan.thread(t).count) throw mismatch("a position beyond its slice");
  }
  if (c.retries > 0 && f.point.answered.size() != ResultTable::bytes_for(c.space.size()) / 8) {
    throw mismatch("answered set size");
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

std::uint32_t first_pass(const ScanConfig& c) { return c.resume_from ? c.resume_from->pass : 0; }

std::uint64_t start_j(const ScanConfig& c, std::uint32_t pass, std::uint32_t thread) {
  return c.resume_from && pass == c.resume_from->pass ? c.resume_from->next_j.at(thread) : 0;
}

std::vector<std::uint64_t> answered_words(const ResultTable& table) {
  std::vector<std::uint64_t> words(ResultTable::bytes_for(table.size()) / 8, 0);
  for (std::uint64_t i = 0; i < table.size(); ++i) {
    if (table.answered(i)) words[i >> 6] |= std::uint64_t{1} << (i & 63);
  }
  return words;
}

void preload_answered(ResultTable& table, const std::vector<std::uint64_t>& words) {
  for (std::uint64_t w = 0; w < words.size(); ++w) {
    for (std::uint64_t bits = words[w]; bits != 0; bits &= bits - 1) {
      const std::uint64_t index = w * 64 + static_cast<std::uint64_t>(__builtin_ctzll(bits));
      if (index < table.size()) table.claim(index);
    }
  }
}

void report_silence(const ScanConfig& c, const Permutation& permutation, const ResumePoint& reached,
                    Aggregator& aggregator, std::int64_t ts_ms) {
  if (reached.pass < c.retries) return;  // later passes (of a resumed run) will send these again
  const bool resumed_in_last_pass = c.resume_from && c.resume_from->pass == c.retries;
  for (std::uint32_t t = 0; t < c.plan.threads(); ++t) {
    // The stopped run already reported the positions before its stop in the last pass.
    walk_slice(permutation, c.plan.thread(t), resumed_in_last_pass ? c.resume_from->next_j[t] : 0,
               reached.next_j[t], [&](std::span<const ProbeIndex> batch) {
                 for (const ProbeIndex index : batch) aggregator.add_silent(index, c.space, ts_ms);
                 return true;
               });
  }
  aggregator.flush();
}

void report_unanswered(const ScanConfig& c, const Permutation& permutation, const ResumePoint& reached,
                       bool complete, Aggregator& aggregator, std::int64_t ts_ms) {
  if (!complete || c.resume_from) {
    report_silence(c, permutation, reached, aggregator, ts_ms);
  } else if (c.shard_count == 1) {
    aggregator.finish_unanswered(c.space, ts_ms);
  } else {
    // A shard owns only its positions of the permutation: walk them instead of the whole table.
    walk_slice(permutation, c.plan.shard(), 0, c.plan.shard_probes(), [&](std::span<const ProbeIndex> batch) {
      for (const ProbeIndex index : batch) aggregator.add_silent(index, c.space, ts_ms);
      return true;
    });
    aggregator.flush();
  }
}

void finish_resume(const ScanConfig& c) {
  if (!c.resume_from || c.resume_from->loaded_from.empty()) return;
  if (std::remove(c.resume_from->loaded_from.c_str()) == 0) {
    fmt::print(stderr, "synscan: resumed scan complete; removed {}\n", c.resume_from->loaded_from);
  }
}

void save_resume(const ScanConfig& c, ResumePoint reached, const ResultTable& table) {
  if (c.retries > 0) reached.answered = answered_words(table);
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
  fmt::print(stderr,
             "synscan: stopped in pass {} of {}; resume file written to {} (continue with: synscan --resume {})\n",
             reached.pass + 1, c.retries + 1, path, path);
}

}  // namespace synscan
