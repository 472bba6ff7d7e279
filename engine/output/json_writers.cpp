// The JSON formats: NDJSON (one object a line, for jq and log pipelines) and a JSON array (one document,
// valid at every exit: "[" is written at begin, "]" at end, also after Ctrl-C). Both render the same object.
#include <fmt/format.h>

#include "engine/output/banner_fields.hpp"
#include "engine/output/escape.hpp"
#include "engine/output/record_writer.hpp"
#include "engine/output/reply_fields.hpp"
#include "engine/target_parse.hpp"

namespace synscan {
namespace {

// {"ip":..[,"port":..],"proto":..,"state":..,"reason":..[,"icmp_code":..],"ttl":..[,EXTRA:..],"ts":..
//  [,REPLY FIELDS..][,"service":..][,"hostname":..]} (the --output-fields chosen:
//  engine/output/reply_fields.hpp): the optional keys appear only when they have a value; the names and words
// are the module's (Vocabulary): "port" only for a module with ports, EXTRA its extra field ("window").
// "ip" is a dotted quad or RFC 5952 text (2001:2:0:1::364), so that jq and SQL joins on the text match;
// "proto" is the probe module's protocol (a lower-case word: no escaping needed).
// A --banners scan (or one whose modules describe answers) writes "service" as an object and the banner
// fields (append_json_banner).
void append_json_record(std::string& out, const Result& r, const Vocabulary& v, std::string_view service,
                        std::string_view hostname, bool banners, std::span<const ReplyField* const> fields,
                        const ReplyContext& context) {
  auto it = std::back_inserter(out);
  fmt::format_to(it, R"({{"ip":"{}")", format_address(r.ip));
  if (v.has_ports) fmt::format_to(it, R"(,"port":{})", r.port);
  fmt::format_to(it, R"(,"proto":"{}","state":"{}","reason":"{}")", v.protocol, v.state_name(r.state),
                 v.reason_name(r.reason));
  if (r.from_icmp) fmt::format_to(it, R"(,"icmp_code":{})", r.icmp_code);
  fmt::format_to(it, R"(,"ttl":{})", r.ttl);
  if (!v.extra_field.empty()) fmt::format_to(it, R"(,"{}":{})", v.extra_field, r.extra);
  fmt::format_to(it, R"(,"ts":"{}")", format_timestamp(r.ts_ms));
  append_json_reply_fields(out, r, v, fields, context);
  if (banners) {
    append_json_banner(out, r.banner, service);
  } else if (!service.empty()) {
    out += R"(,"service":")";
    append_json_escaped(out, service);
    out += '"';
  }
  if (!hostname.empty()) {
    out += R"(,"hostname":")";
    append_json_escaped(out, hostname);
    out += '"';
  }
  out += '}';
}

class NdjsonWriter final : public RecordWriter {
 public:
  using RecordWriter::RecordWriter;
  void write(const Result& r) override {
    append_json_record(line_, r, vocab(r), service(r), hostname(r.ip), info_.banners, info_.reply_fields,
                       {info_.os_signatures});
    line_ += '\n';
    put_line();
  }
};

// Records are written "[\n{..}", ",\n{..}", ...: each one complete as soon as it is found, so a reader of the
// growing file has a prefix that only lacks "\n]\n".
class JsonArrayWriter final : public RecordWriter {
 public:
  using RecordWriter::RecordWriter;
  void begin(const ScanInfo& info) override {
    RecordWriter::begin(info);
    line_ += "[";
    put_line();
  }
  void write(const Result& r) override {
    line_ += first_ ? "\n" : ",\n";
    first_ = false;
    append_json_record(line_, r, vocab(r), service(r), hostname(r.ip), info_.banners, info_.reply_fields,
                       {info_.os_signatures});
    put_line();
  }
  void end(const ScanTotals& totals) override {
    line_ += "\n]\n";
    put_line();
    RecordWriter::end(totals);
  }

 private:
  bool first_ = true;
};

}  // namespace

std::unique_ptr<ResultWriter> make_ndjson_writer(std::FILE* out) {
  return std::make_unique<NdjsonWriter>(out);
}
std::unique_ptr<ResultWriter> make_json_writer(std::FILE* out) {
  return std::make_unique<JsonArrayWriter>(out);
}

}  // namespace synscan
