// The shared writer plumbing, the registry, and the list format (masscan -oL style: "open tcp 80
// 198.19.0.1", "open tcp 80 2001:2:0:1::364").
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <stdexcept>

#include "engine/banner/banner.hpp"
#include "engine/output/banner_fields.hpp"
#include "engine/output/escape.hpp"
#include "engine/output/record_writer.hpp"
#include "engine/output/reply_fields.hpp"
#include "engine/target_parse.hpp"

namespace synscan {

std::string format_timestamp(std::int64_t unix_ms) {
  const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", tm, static_cast<int>(unix_ms % 1000));
}

std::string format_ctime(std::int64_t unix_ms) {
  const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:%a %b} {:2d} {:%H:%M:%S %Y}", tm, tm.tm_mday, tm);
}

std::string format_port_ranges(const std::vector<std::uint16_t>& ports) {
  std::string out;
  for (std::size_t i = 0; i < ports.size();) {
    std::size_t j = i;
    while (j + 1 < ports.size() && ports[j + 1] == ports[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += j == i ? fmt::format("{}", ports[i]) : fmt::format("{}-{}", ports[i], ports[j]);
    i = j + 1;
  }
  return out;
}

void RecordWriter::finish() {
  if (std::fflush(out_) != 0 || std::ferror(out_)) throw std::runtime_error("error writing the output");
}

namespace {

class ListWriter final : public RecordWriter {
 public:
  using RecordWriter::RecordWriter;
  void write(const Result& r) override {
    // "open tcp 80 198.19.0.1"; a module without ports: "up icmp 198.19.0.1".
    const Vocabulary& v = vocab(r);
    if (v.has_ports) {
      fmt::format_to(std::back_inserter(line_), "{} {} {} {}", v.state_name(r.state), v.protocol, r.port,
                     format_address(r.ip));
    } else {
      fmt::format_to(std::back_inserter(line_), "{} {} {}", v.state_name(r.state), v.protocol,
                     format_address(r.ip));
    }
    append_list_reply_fields(line_, r, v, info_.reply_fields,
                             {info_.os_signatures});  // --output-fields: " ja4ts=... rtt_ms=3"
    // --banners: "open tcp 22 198.19.0.1 ssh ok SSH-2.0-OpenSSH_9.2p1\x0D\x0A" (the banner printable, one
    // line).
    if (r.banner) {
      const std::string_view name = shown_service_name(r.banner, service(r));
      fmt::format_to(std::back_inserter(line_), " {} {} {}", name.empty() ? "-" : name,
                     to_string(r.banner->status), printable_bytes(r.banner->raw));
    }
    line_ += '\n';
    put_line();
  }
};

}  // namespace

std::unique_ptr<ResultWriter> make_list_writer(std::FILE* out) { return std::make_unique<ListWriter>(out); }

std::vector<std::string> writer_formats() { return {"list", "ndjson", "json", "csv", "grepable", "xml"}; }

std::unique_ptr<ResultWriter> make_writer(std::string_view format, std::FILE* out) {
  if (format == "list") return make_list_writer(out);
  if (format == "ndjson") return make_ndjson_writer(out);
  if (format == "json") return make_json_writer(out);
  if (format == "csv") return make_csv_writer(out);
  if (format == "grepable") return make_grepable_writer(out);
  if (format == "xml") return make_xml_writer(out);
  throw std::invalid_argument(std::string(format));
}

std::string format_for_path(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return "";
  std::string ext(name.substr(dot + 1));
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == "xml") return "xml";
  if (ext == "json") return "json";
  if (ext == "ndjson" || ext == "jsonl") return "ndjson";
  if (ext == "csv") return "csv";
  if (ext == "gnmap" || ext == "grep") return "grepable";
  if (ext == "txt" || ext == "list") return "list";
  return "";
}

}  // namespace synscan
