// Grepable output in nmap's -oG layout, one line per result so that each reaches a pipe as soon as it is
// found (nmap groups a host's ports on one line because it finishes hosts one by one; a permuted scan never
// does):
//   # synscan 0.1.0 scan initiated Thu Jan  1 00:00:00 2026 as: synscan 198.19.0.0/24 -p 80
//   Host: 198.19.0.1 ()	Ports: 80/open/tcp//http///
//   # synscan done at Thu Jan  1 00:00:05 2026 -- 1 open, 0 closed, 0 filtered
// The port field is nmap's port/state/protocol/owner/service/rpc info/version/. An IPv6 host is written as
// nmap -6 -oG writes it: "Host: 2001:2:0:1::364 ()	Ports: 80/open/tcp//http///" (RFC 5952 text; the
// fields are tab separated and the ports '/' separated, so the colons need no quoting).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "engine/output/banner_fields.hpp"
#include "engine/output/record_writer.hpp"
#include "engine/target_parse.hpp"

namespace synscan {
namespace {

// A comment line must stay one line whatever the arguments held.
std::string one_line(std::string s) {
  std::replace_if(
      s.begin(), s.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return s;
}

// The grepable fields are separated by '/', ',' , '(' and tabs: a hostname carrying them would break the
// layout.
std::string field_safe(std::string_view s) {
  std::string out(s);
  std::replace_if(
      out.begin(), out.end(),
      [](char c) {
        return c == '/' || c == ',' || c == '(' || c == ')' || c == '\t' || c == '\n' || c == '\r';
      },
      '_');
  return out;
}

class GrepableWriter final : public RecordWriter {
 public:
  using RecordWriter::RecordWriter;
  void begin(const ScanInfo& info) override {
    RecordWriter::begin(info);
    line_ = fmt::format("# synscan {} scan initiated {} as: synscan {}\n", info.version,
                        format_ctime(info.start_ms), one_line(info.command_line));
    put_line();
  }
  void write(const Result& r) override {
    const Vocabulary& v = vocab(r);
    if (!v.has_ports) {
      // nmap -sn -oG: "Host: 198.19.0.1 ()\tStatus: Up".
      std::string status(v.state_name(r.state));
      if (!status.empty()) status[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(status[0])));
      fmt::format_to(std::back_inserter(line_), "Host: {} ({})\tStatus: {}\n", format_address(r.ip),
                     field_safe(hostname(r.ip)), status);
      put_line();
      return;
    }
    // nmap -sV's service ("ssl|http") and version ("nginx 1.22.1") fields when --banners identified them.
    fmt::format_to(std::back_inserter(line_), "Host: {} ({})\tPorts: {}/{}/{}//{}//{}/\n",
                   format_address(r.ip), field_safe(hostname(r.ip)), r.port, v.state_name(r.state),
                   v.protocol, field_safe(grepable_service(r.banner, service(r))),
                   field_safe(grepable_version(r.banner)));
    put_line();
  }
  void end(const ScanTotals& t) override {
    line_ = fmt::format("# synscan done at {} -- {} open, {} closed, {} filtered{}{}\n",
                        format_ctime(t.end_ms), t.open, t.closed, t.filtered,
                        t.open_filtered > 0 ? fmt::format(", {} open|filtered", t.open_filtered) : "",
                        t.interrupted ? " (interrupted)" : "");
    put_line();
    RecordWriter::end(t);
  }
};

}  // namespace

std::unique_ptr<ResultWriter> make_grepable_writer(std::FILE* out) {
  return std::make_unique<GrepableWriter>(out);
}

}  // namespace synscan
