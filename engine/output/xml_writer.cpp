// XML in the layout of nmap -oX (nmap.dtd, xmloutputversion 1.05), so that nmap's ndiff, Metasploit's
// db_import and nmap report tools read it. A SYN scan without host discovery is nmap -sS -Pn: every host is
// "up", by the reason of its best reply or "user-set" when none replied.
//
// Streaming and grouping: while the scan runs, each result is written at once as a <host> element of its own,
// so a reader of the growing file (or a pipe) sees results within a second. nmap writes one <host> per
// address with all its ports, and ndiff pairs hosts by address, so at end() -- also after Ctrl-C -- a regular
// file is cut back to its header and rewritten with one <host> per address, ports ascending. Output that is
// not a regular file (a pipe) keeps the per-result elements. The rewrite keeps every written result in
// memory: sizeof(Result), 80 bytes, each.
//
// Both families, as nmap -6 -oX writes them: <address addr="2001:2:0:1::364" addrtype="ipv6"/> (RFC 5952
// text, the form ndiff and db_import compare as strings); the grouped rewrite orders hosts by IpAddress,
// every IPv4 host before every IPv6 host, each family in numeric order.
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <span>
#include <vector>

#include "engine/banner/banner.hpp"
#include "engine/output/banner_fields.hpp"
#include "engine/output/escape.hpp"
#include "engine/output/record_writer.hpp"
#include "engine/probes/p0f_signatures.hpp"
#include "engine/target_parse.hpp"

namespace synscan {
namespace {

// How much a reply says about the host being up, from its module (TCP: syn-ack > rst > icmp-unreach > none).
int reply_rank(const Result& r) {
  const Vocabulary& v = vocabulary(r.proto);
  const auto i = static_cast<std::size_t>(r.reason);
  return i < v.reason_rank.size() ? v.reason_rank[i] : 0;
}

class XmlWriter final : public RecordWriter {
 public:
  using RecordWriter::RecordWriter;

  void begin(const ScanInfo& info) override {
    RecordWriter::begin(info);
    auto it = std::back_inserter(line_);
    fmt::format_to(it,
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n"
                   "<!-- synscan {} scan initiated {} -->\n",
                   info.version, format_ctime(info.start_ms));
    // scanner is fixed to "nmap" by nmap.dtd: it names the format; args and the comment name synscan.
    line_ += "<nmaprun scanner=\"nmap\" args=\"synscan ";
    append_xml_escaped(line_, info.command_line);
    fmt::format_to(it, "\" start=\"{}\" startstr=\"{}\" version=\"{}\" xmloutputversion=\"1.05\">\n",
                   info.start_ms / 1000, format_ctime(info.start_ms), info.version);
    // One <scaninfo> per module with nmap's scan type (syn, udp); host discovery alone (echo) has none, as
    // nmap -sn writes none.
    for (const ScanInfo::Probed& p : info.probed) {
      const Vocabulary& v = vocabulary(p.proto);
      if (v.scan_type.empty()) continue;
      fmt::format_to(it, "<scaninfo type=\"{}\" protocol=\"{}\" numservices=\"{}\" services=\"{}\"/>\n",
                     v.scan_type, v.protocol, p.port_count, p.ports);
    }
    line_ += "<verbose level=\"0\"/>\n<debugging level=\"0\"/>\n";
    put_line();
    struct stat st {};
    if (fstat(fileno(out_), &st) == 0 && S_ISREG(st.st_mode)) header_end_ = std::ftell(out_);
  }

  void write(const Result& r) override {
    append_host({&r, 1});
    put_line();
    if (header_end_ >= 0) {
      results_.push_back(r);
      if (r.banner) {  // the aggregator frees its Banner after write(): keep a copy for the rewrite
        banners_.push_back(std::make_unique<Banner>(*r.banner));
        results_.back().banner = banners_.back().get();
      }
    } else
      hosts_seen_ += 1;
  }

  void end(const ScanTotals& t) override {
    std::uint64_t hosts = hosts_seen_;
    if (header_end_ >= 0 && std::fflush(out_) == 0 && ftruncate(fileno(out_), header_end_) == 0 &&
        std::fseek(out_, header_end_, SEEK_SET) == 0) {
      std::sort(results_.begin(), results_.end(), [](const Result& a, const Result& b) {
        return a.ip != b.ip ? a.ip < b.ip : a.proto != b.proto ? a.proto < b.proto : a.port < b.port;
      });
      hosts = 0;
      hosts_down_ = 0;
      for (std::size_t i = 0; i < results_.size();) {
        std::size_t j = i;
        while (j < results_.size() && results_[j].ip == results_[i].ip) ++j;
        append_host({results_.data() + i, j - i});
        put_line();
        ++hosts;
        i = j;
      }
    }
    const double elapsed = static_cast<double>(t.end_ms - info_.start_ms) / 1000.0;
    const std::string when = format_ctime(t.end_ms);
    fmt::format_to(
        std::back_inserter(line_),
        "<runstats><finished time=\"{}\" timestr=\"{}\" summary=\"synscan done at {}; {} IP addresses "
        "scanned in {:.2f} seconds; {} open, {} closed, {} filtered{}\" elapsed=\"{:.2f}\" {}/>"
        "<hosts up=\"{}\" down=\"{}\" total=\"{}\"/>\n</runstats>\n</nmaprun>\n",
        t.end_ms / 1000, when, when, info_.host_count, elapsed, t.open, t.closed, t.filtered,
        t.open_filtered > 0 ? fmt::format(", {} open|filtered", t.open_filtered) : "", elapsed,
        t.interrupted ? "exit=\"error\" errormsg=\"interrupted\"" : "exit=\"success\"", hosts - hosts_down_,
        hosts_down_, hosts);
    put_line();
    RecordWriter::end(t);
  }

 private:
  // One <host> with the ports of `same_ip` (all of one address, ports ascending).
  void append_host(std::span<const Result> same_ip) {
    auto it = std::back_inserter(line_);
    const Result& first = same_ip.front();
    std::int64_t start = first.ts_ms, stop = first.ts_ms;
    const Result* best = &first;
    // Host discovery (a module without ports) decides up or down when it is all the host has: nmap -sn. With
    // ports the host is up, as nmap -Pn reports it.
    bool ports = false, discovered_up = false;
    for (const Result& r : same_ip) {
      start = std::min(start, r.ts_ms);
      stop = std::max(stop, r.ts_ms);
      if (reply_rank(r) > reply_rank(*best)) best = &r;
      const Vocabulary& v = vocabulary(r.proto);
      ports = ports || v.has_ports;
      discovered_up = discovered_up || (!v.has_ports && r.state == PortState::open);
    }
    const bool up = ports || discovered_up;
    if (!up) ++hosts_down_;
    const Vocabulary& bv = vocabulary(best->proto);
    fmt::format_to(
        it, "<host starttime=\"{}\" endtime=\"{}\"><status state=\"{}\" reason=\"{}\" reason_ttl=\"{}\"/>\n",
        start / 1000, stop / 1000, up ? "up" : "down",
        best->reason == Reason::no_response && up ? std::string_view("user-set")
                                                  : bv.reason_name(best->reason),
        best->ttl);
    fmt::format_to(it, "<address addr=\"{}\" addrtype=\"{}\"/>\n", format_address(first.ip),
                   first.ip.is_v4() ? "ipv4" : "ipv6");
    const std::string_view name = hostname(first.ip);
    if (name.empty()) {
      line_ += "<hostnames>\n</hostnames>\n";
    } else {
      line_ += "<hostnames>\n<hostname name=\"";
      append_xml_escaped(line_, name);
      line_ += "\" type=\"user\"/>\n</hostnames>\n";
    }
    if (!ports) {
      line_ += "</host>\n";
      return;
    }
    line_ += "<ports>";
    for (const Result& r : same_ip) {
      const Vocabulary& v = vocabulary(r.proto);
      if (!v.has_ports) continue;
      // nmap's state words (open|filtered included), whatever the module calls them.
      fmt::format_to(
          it, "<port protocol=\"{}\" portid=\"{}\"><state state=\"{}\" reason=\"{}\" reason_ttl=\"{}\"/>",
          v.protocol, r.port, to_string(r.state), v.reason_name(r.reason), r.ttl);
      append_xml_service(line_, r.banner, service(r));
      line_ += "</port>\n";
    }
    line_ += "</ports>\n";
    append_os(same_ip);
    line_ += "</host>\n";
  }

  // nmap's <os> element with the first open port's guess (--output-fields os: the signatures are loaded), as
  // nmap -O writes its best match; accuracy 100 for an exact match, 80 for a fuzzy one (p0f gives none), line
  // 0 (no nmap-os-db line). Nothing without a guess.
  void append_os(std::span<const Result> same_ip) {
    if (info_.os_signatures == nullptr) return;
    for (const Result& r : same_ip) {
      if (r.state != PortState::open || !vocabulary(r.proto).reply_facts) continue;
      const std::optional<OsGuess> g = info_.os_signatures->match(r);
      if (!g) continue;
      fmt::format_to(std::back_inserter(line_), "<os><portused state=\"open\" proto=\"{}\" portid=\"{}\"/>",
                     vocabulary(r.proto).protocol, r.port);
      line_ += "<osmatch name=\"";
      append_xml_escaped(line_, g->label);
      fmt::format_to(std::back_inserter(line_), "\" accuracy=\"{}\" line=\"0\"/></os>\n",
                     g->exact ? 100 : 80);
      return;
    }
  }

  long header_end_ = -1;         // offset just past the header, when the output is a regular file
  std::vector<Result> results_;  // for the grouped rewrite
  std::vector<std::unique_ptr<Banner>> banners_;  // what results_' banner pointers point to
  std::uint64_t hosts_seen_ = 0;                  // <host> elements written when there is no rewrite
  std::uint64_t hosts_down_ = 0;  // of the grouped hosts, those reported down (host discovery alone, silent)
};

}  // namespace

std::unique_ptr<ResultWriter> make_xml_writer(std::FILE* out) { return std::make_unique<XmlWriter>(out); }

}  // namespace synscan
