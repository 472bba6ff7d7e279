// CSV (RFC 4180): a header row, then one row per result, for spreadsheets and pandas. Lines end in "\n"
// (readers accept it; RFC 4180's CRLF would leave a '\r' on every line in shell pipelines). Optional values
// are empty cells.
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "engine/output/banner_fields.hpp"
#include "engine/output/escape.hpp"
#include "engine/output/record_writer.hpp"
#include "engine/output/reply_fields.hpp"
#include "engine/target_parse.hpp"

namespace synscan {
namespace {

class CsvWriter final : public RecordWriter {
 public:
  using RecordWriter::RecordWriter;
  void begin(const ScanInfo& info) override {
    RecordWriter::begin(info);
    // The modules' extra fields, each a column once, in registry order (TCP's "window").
    extras_.clear();
    for (const ModuleInfo& m : probe_registry()) {
      const std::string_view e = m.vocabulary->extra_field;
      if (!e.empty() && std::find(extras_.begin(), extras_.end(), e) == extras_.end()) extras_.push_back(e);
    }
    line_ += "ip,port,proto,state,reason,icmp_code,ttl";
    for (const std::string_view e : extras_) fmt::format_to(std::back_inserter(line_), ",{}", e);
    line_ += ",ts,service,hostname";
    for (const ReplyField* f : info.reply_fields) fmt::format_to(std::back_inserter(line_), ",{}", f->name);
    if (info.banners) {
      line_ += ',';
      line_ += kCsvBannerHeader;
    }
    line_ += '\n';
    put_line();
  }
  void write(const Result& r) override {
    auto it = std::back_inserter(line_);
    const Vocabulary& v = vocab(r);
    fmt::format_to(it, "{},", format_address(r.ip));
    if (v.has_ports) fmt::format_to(it, "{}", r.port);
    fmt::format_to(it, ",{},{},{},", v.protocol, v.state_name(r.state), v.reason_name(r.reason));
    if (r.from_icmp) fmt::format_to(it, "{}", r.icmp_code);
    fmt::format_to(it, ",{}", r.ttl);
    for (const std::string_view e : extras_) {
      line_ += ',';
      if (e == v.extra_field) fmt::format_to(it, "{}", r.extra);
    }
    fmt::format_to(it, ",{},", format_timestamp(r.ts_ms));
    append_csv_field(line_, shown_service_name(r.banner, service(r)));
    line_ += ',';
    append_csv_field(line_, hostname(r.ip));
    append_csv_reply_fields(line_, r, v, info_.reply_fields, {info_.os_signatures});
    if (info_.banners) append_csv_banner(line_, r.banner);
    line_ += '\n';
    put_line();
  }

 private:
  std::vector<std::string_view> extras_;  // the extra-field columns, header order
};

}  // namespace

std::unique_ptr<ResultWriter> make_csv_writer(std::FILE* out) { return std::make_unique<CsvWriter>(out); }

}  // namespace synscan
