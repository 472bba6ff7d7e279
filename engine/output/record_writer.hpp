#pragma once
// Internal to engine/output: the base every format shares (the file, the scan's header facts, a reused line
// buffer) and the factories make_writer() dispatches to. Not for use outside the writers.
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "engine/output/writer.hpp"
#include "engine/probes/registry.hpp"

namespace synscan {

class RecordWriter : public ResultWriter {
 public:
  explicit RecordWriter(std::FILE* out) : out_(out) {}
  void begin(const ScanInfo& info) override { info_ = info; }
  void end(const ScanTotals&) override { finish(); }
  void flush() override { std::fflush(out_); }

 protected:
  /// The vocabulary of the module whose probe `r` answers (engine/probes/registry.hpp).
  static const Vocabulary& vocab(const Result& r) noexcept { return vocabulary(r.proto); }
  /// The /etc/services name of r's port under its module's table ("" for a module without one).
  std::string_view service(const Result& r) const noexcept {
    return info_.services ? info_.services->name(vocab(r).service_table, r.port) : std::string_view{};
  }
  /// The name `ip` was given as, or "".
  std::string_view hostname(const IpAddress& ip) const {
    return info_.hostname_of ? info_.hostname_of(ip) : std::string_view{};
  }
  /// Writes line_ and clears it. A failed write is remembered by the FILE and reported by finish().
  void put_line() {
    std::fwrite(line_.data(), 1, line_.size(), out_);
    line_.clear();
  }
  /// Flushes; throws std::runtime_error when any write to the file failed.
  void finish();

  std::FILE* out_;
  ScanInfo info_;
  std::string line_;  // reused: no allocation per result once it has grown
};

/// "Mon Jan  1 00:00:00 2026" (asctime layout, UTC), as nmap prints in headers.
std::string format_ctime(std::int64_t unix_ms);

std::unique_ptr<ResultWriter> make_list_writer(std::FILE* out);
std::unique_ptr<ResultWriter> make_ndjson_writer(std::FILE* out);
std::unique_ptr<ResultWriter> make_json_writer(std::FILE* out);
std::unique_ptr<ResultWriter> make_csv_writer(std::FILE* out);
std::unique_ptr<ResultWriter> make_grepable_writer(std::FILE* out);
std::unique_ptr<ResultWriter> make_xml_writer(std::FILE* out);

}  // namespace synscan
