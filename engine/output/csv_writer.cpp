// CSV (RFC 4180): a header row, then one row per result, for spreadsheets and pandas. Lines end in "\n"
// (readers accept it; RFC 4180's CRLF would leave a '\r' on every line in shell pipelines). Optional values
// are empty cells.
#include <fmt/format.h>

#include "engine/output/banner_fields.hpp"
#include "engine/output/escape.hpp"
#include "engine/output/record_writer.hpp"
#include "engine/target_parse.hpp"

namespace synscan {
namespace {

class CsvWriter final : public RecordWriter {
 public:
  using RecordWriter::RecordWriter;
  void begin(const ScanInfo& info) override {
    RecordWriter::begin(info);
    line_ += "ip,port,proto,state,reason,icmp_code,ttl,window,ts,service,hostname";
    if (info.banners) {
      line_ += ',';
      line_ += kCsvBannerHeader;
    }
    line_ += '\n';
    put_line();
  }
  void write(const Result& r) override {
    auto it = std::back_inserter(line_);
    fmt::format_to(it, "{},{},{},{},{},", format_address(r.ip), r.port, info_.protocol, to_string(r.state),
                   to_string(r.reason));
    if (r.reason == Reason::icmp_unreach) fmt::format_to(it, "{}", r.icmp_code);
    fmt::format_to(it, ",{},{},{},", r.ttl, r.window, format_timestamp(r.ts_ms));
    append_csv_field(line_, shown_service_name(r.banner, service(r.port)));
    line_ += ',';
    append_csv_field(line_, hostname(r.ip));
    if (info_.banners) append_csv_banner(line_, r.banner);
    line_ += '\n';
    put_line();
  }
};

}  // namespace

std::unique_ptr<ResultWriter> make_csv_writer(std::FILE* out) { return std::make_unique<CsvWriter>(out); }

}  // namespace synscan
