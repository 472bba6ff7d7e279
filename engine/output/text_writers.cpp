// The line formats: list (masscan -oL style: "open tcp 80 198.19.0.1") and NDJSON (one JSON object a line).
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <ctime>
#include <stdexcept>

#include "engine/output/writer.hpp"
#include "engine/target_parse.hpp"

namespace synscan {

std::string format_timestamp(std::int64_t unix_ms) {
  const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", tm, static_cast<int>(unix_ms % 1000));
}

namespace {

class LineWriter : public ResultWriter {
 public:
  explicit LineWriter(std::FILE* out) : out_(out) {}
  void flush() override { std::fflush(out_); }
  void end(const ScanTotals&) override {
    if (std::fflush(out_) != 0 || std::ferror(out_)) throw std::runtime_error("error writing the output");
  }

 protected:
  std::FILE* out_;
};

class ListWriter final : public LineWriter {
 public:
  using LineWriter::LineWriter;
  void write(const Result& r) override {
    fmt::print(out_, "{} tcp {} {}\n", to_string(r.state), r.port, format_ipv4(r.ip));
  }
};

class NdjsonWriter final : public LineWriter {
 public:
  using LineWriter::LineWriter;
  void write(const Result& r) override {
    // Every value is a number or one of a fixed set of strings, so no escaping is needed.
    fmt::print(out_,
               "{{\"ip\":\"{}\",\"port\":{},\"proto\":\"tcp\",\"state\":\"{}\",\"reason\":\"{}\",\"ttl\":{},"
               "\"window\":{},\"ts\":\"{}\"}}\n",
               format_ipv4(r.ip), r.port, to_string(r.state), to_string(r.reason), r.ttl, r.window,
               format_timestamp(r.ts_ms));
  }
};

}  // namespace

std::vector<std::string> writer_formats() { return {"list", "ndjson"}; }

std::unique_ptr<ResultWriter> make_writer(std::string_view format, std::FILE* out) {
  if (format == "list") return std::make_unique<ListWriter>(out);
  if (format == "ndjson") return std::make_unique<NdjsonWriter>(out);
  throw std::invalid_argument(std::string(format));
}

}  // namespace synscan
