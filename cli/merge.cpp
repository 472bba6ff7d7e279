#include "cli/merge.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

#include "cli/defaults.hpp"
#include "cli/file_identity.hpp"
#include "cli/input_file.hpp"
#include "cli/output_args.hpp"
#include "cli/outputs.hpp"
#include "cli/plural.hpp"
#include "cli/targets_input.hpp"
#include "cli/usage_error.hpp"
#include "cli/version.hpp"
#include "engine/output/writer.hpp"
#include "engine/parse_error.hpp"
#include "engine/probes/registry.hpp"
#include "engine/target_parse.hpp"

namespace po = boost::program_options;

namespace synscan {
namespace {

// open > closed > filtered > open|filtered: the state that says most wins a disagreement.
int state_rank(PortState s) {
  switch (s) {
    case PortState::open:
      return 4;
    case PortState::closed:
      return 3;
    case PortState::filtered:
      return 2;
    case PortState::open_filtered:
      return 1;
  }
  return 0;
}

// An unsigned field no larger than `max`, or `fallback` when absent. Throws the bad field's name.
std::uint64_t number_field(const nlohmann::json& record, const char* key, std::uint64_t max,
                           std::uint64_t fallback) {
  const auto it = record.find(key);
  if (it == record.end()) return fallback;
  if (!it->is_number_unsigned() || it->get<std::uint64_t>() > max) {
    throw std::invalid_argument(fmt::format("\"{}\" must be a whole number 0-{}", key, max));
  }
  return it->get<std::uint64_t>();
}

const std::string& string_field(const nlohmann::json& record, const char* key) {
  const auto& v = record.at(key);
  if (!v.is_string()) throw std::invalid_argument(fmt::format("\"{}\" must be a string", key));
  return v.get_ref<const std::string&>();
}

// The --banners fields of a record (engine/output/banner_fields.hpp), or null when it has none. The banner
// text comes back as the JSON string decodes: bytes written as \u00XX (not UTF-8) return as that code point
// in UTF-8.
std::shared_ptr<const Banner> banner_fields(const nlohmann::json& record) {
  const auto status = record.find("banner_status");
  if (status == record.end()) return nullptr;
  auto b = std::make_shared<Banner>();
  const std::string& status_text = string_field(record, "banner_status");
  bool known = false;
  for (BannerStatus s : {BannerStatus::ok, BannerStatus::silent, BannerStatus::closed, BannerStatus::reset,
                         BannerStatus::refused, BannerStatus::timeout, BannerStatus::not_done}) {
    if (to_string(s) == status_text) {
      b->status = s;
      known = true;
    }
  }
  if (!known)
    throw std::invalid_argument(
        "\"banner_status\" must be ok, silent, closed, reset, refused, timeout or not_done");
  if (record.contains("banner")) b->raw = string_field(record, "banner");
  auto text = [](const nlohmann::json& o, const char* key) {
    const auto it = o.find(key);
    if (it == o.end()) return std::string();
    if (!it->is_string()) throw std::invalid_argument(fmt::format("\"{}\" must be a string", key));
    return it->get<std::string>();
  };
  if (const auto svc = record.find("service");
      svc != record.end() && svc->is_object() && text(*svc, "method") == "probed") {
    b->service.name = text(*svc, "name");
    b->service.product = text(*svc, "product");
    b->service.version = text(*svc, "version");
    b->service.tunnel_ssl = text(*svc, "tunnel") == "ssl";
  }
  if (const auto http = record.find("http"); http != record.end() && http->is_object()) {
    HttpInfo h;
    h.status = static_cast<int>(number_field(*http, "status", 999, 0));
    h.server = text(*http, "server");
    h.title = text(*http, "title");
    b->http = h;
  }
  if (const auto tls = record.find("tls"); tls != record.end() && tls->is_object()) {
    TlsInfo t;
    t.version = text(*tls, "version");
    t.subject = text(*tls, "subject");
    t.issuer = text(*tls, "issuer");
    t.not_after = text(*tls, "not_after");
    if (const auto sans = tls->find("sans"); sans != tls->end()) {
      if (!sans->is_array()) throw std::invalid_argument("\"sans\" must be an array of strings");
      for (const auto& s : *sans) {
        if (!s.is_string()) throw std::invalid_argument("\"sans\" must be an array of strings");
        t.sans.push_back(s.get<std::string>());
      }
    }
    b->tls = t;
  }
  return b;
}

}  // namespace

bool parse_timestamp(std::string_view text, std::int64_t& unix_ms) {
  // Fixed layout "YYYY-MM-DDTHH:MM:SS[.fff...]Z"; checked character by character, no locale.
  auto digits = [&](std::size_t at, std::size_t n, int& out) {
    if (at + n > text.size()) return false;
    out = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      out = out * 10 + (text[i] - '0');
    }
    return true;
  };
  std::tm tm{};
  int year = 0, month = 0;
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text.back() != 'Z') {
    return false;
  }
  if (!digits(0, 4, year) || !digits(5, 2, month) || !digits(8, 2, tm.tm_mday) ||
      !digits(11, 2, tm.tm_hour) || !digits(14, 2, tm.tm_min) || !digits(17, 2, tm.tm_sec)) {
    return false;
  }
  int ms = 0;
  if (text.size() > 20) {
    if (text[19] != '.') return false;
    const std::size_t fraction = text.size() - 21;  // digits between '.' and 'Z'
    int value = 0;
    if (fraction == 0 || fraction > 9 || !digits(20, fraction, value)) return false;
    ms = value;
    for (std::size_t i = fraction; i < 3; ++i) ms *= 10;
    for (std::size_t i = 3; i < fraction; ++i) ms /= 10;
  }
  if (month < 1 || month > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return false;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  unix_ms = static_cast<std::int64_t>(timegm(&tm)) * 1000 + ms;
  return true;
}

void ResultMerger::add(std::istream& in, std::string_view source) {
  std::string line;
  std::uint64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto where = [&] { return fmt::format("{} line {}", source, number); };
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      throw UsageError(fmt::format("{}: not a JSON record ({})", where(), e.what()));
    }
    if (!record.is_object()) throw UsageError(fmt::format("{}: not a JSON object", where()));
    if (!record.contains("ip") || (!record.contains("port") && !record.contains("state"))) continue;
    Result r;
    std::string hostname;
    std::shared_ptr<const Banner> banner;
    try {
      r.ip = parse_address(string_field(record, "ip"));
      r.proto = kDefaultProtocol;
      if (record.contains("proto")) {
        const std::string& proto = string_field(record, "proto");
        const std::optional<ProtocolId> id = protocol_by_name(proto);
        if (!id)
          throw std::invalid_argument(
              fmt::format("\"proto\" '{}' is no protocol synscan scans (tcp, udp, icmp)", proto));
        r.proto = *id;
      }
      const Vocabulary& v = vocabulary(r.proto);
      if (v.has_ports) {
        if (!record.contains("port"))
          throw std::invalid_argument(fmt::format("a {} record needs \"port\"", v.protocol));
        r.port = static_cast<std::uint16_t>(number_field(record, "port", 65535, 0));
      }
      const std::optional<PortState> state = v.state_by_name(string_field(record, "state"));
      if (!state) {
        throw std::invalid_argument(
            fmt::format("\"state\" '{}' is not a {} state", string_field(record, "state"), v.protocol));
      }
      r.state = *state;
      if (record.contains("reason")) {
        const std::optional<Reason> reason = v.reason_by_name(string_field(record, "reason"));
        if (!reason) {
          throw std::invalid_argument(
              fmt::format("\"reason\" must be one of {}", fmt::join(v.reason_names, ", ")));
        }
        r.reason = *reason;
      } else {
        r.reason = v.usual_reason[static_cast<std::size_t>(r.state)];  // the usual cause of its state
      }
      if (record.contains("icmp_code")) {
        r.from_icmp = true;
        r.icmp_code = static_cast<std::uint8_t>(number_field(record, "icmp_code", 255, 0));
      }
      r.ttl = static_cast<std::uint8_t>(number_field(record, "ttl", 255, 0));
      if (!v.extra_field.empty()) {
        r.extra =
            static_cast<std::uint16_t>(number_field(record, std::string(v.extra_field).c_str(), 65535, 0));
      }
      if (record.contains("ts") && !parse_timestamp(string_field(record, "ts"), r.ts_ms)) {
        throw std::invalid_argument("\"ts\" must read like 2026-01-01T00:00:00.000Z");
      }
      banner = banner_fields(record);
      if (record.contains("hostname") && !record["hostname"].is_null())
        hostname = string_field(record, "hostname");
    } catch (const ParseError& e) {
      throw UsageError(fmt::format("{}: {}", where(), e.what()));
    } catch (const nlohmann::json::exception&) {
      throw UsageError(
          fmt::format("{}: a result record needs \"ip\", \"state\" and, with ports, \"port\"", where()));
    } catch (const std::invalid_argument& e) {
      throw UsageError(fmt::format("{}: {}", where(), e.what()));
    }
    ++records_;
    has_banners_ = has_banners_ || banner != nullptr;
    auto [it, inserted] = results_.try_emplace({r.ip, r.proto, r.port}, Kept{r, banner});
    if (!inserted && state_rank(r.state) > state_rank(it->second.result.state)) it->second = Kept{r, banner};
    if (!hostname.empty()) names_.try_emplace(r.ip, std::move(hostname));
  }
  if (in.bad()) throw std::runtime_error(fmt::format("error reading {}", source));
}

std::vector<Result> ResultMerger::results() const {
  std::vector<Result> out;
  out.reserve(results_.size());
  for (const auto& [key, kept] : results_) {  // the map's order: address (IPv4 first), protocol, port
    out.push_back(kept.result);
    out.back().banner = kept.banner.get();
  }
  return out;
}

std::vector<ProtocolId> ResultMerger::protocols() const {
  std::vector<bool> seen(probe_registry().size(), false);
  for (const auto& [key, kept] : results_) seen[std::get<1>(key)] = true;
  std::vector<ProtocolId> out;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (seen[i]) out.push_back(static_cast<ProtocolId>(i));
  }
  if (out.empty()) out.push_back(kDefaultProtocol);
  return out;
}

std::vector<std::pair<IpAddress, std::string>> ResultMerger::hostnames() const {
  return {names_.begin(), names_.end()};  // sorted: the map's order
}

int run_merge(int argc, const char* const* argv, std::ostream& help_out) {
  OutputArgs out;
  std::vector<std::string> inputs;
  po::options_description desc(
      "synscan merge [-o FILE] [--format FMT] [-oX FILE ...] FILE...\n\nMerges NDJSON results of shards or "
      "resumed runs: each (ip, port) once, in address order; on disagreement open > closed "
      "> filtered");
  desc.add_options()("output,o", po::value(&out.files)->value_name("FILE"),
                     fmt::format("write the merged results to FILE ('-' is stdout, the default); repeatable. "
                                 "Format: --format, else the extension as in a scan, else {}",
                                 defaults::kMergeFormat)
                         .c_str())(
      "format", po::value(&out.format)->value_name("FMT"),
      fmt::format("format of -o and stdout (default: the extension, else {})", defaults::kMergeFormat)
          .c_str())("output-xml", po::value(&out.xml)->value_name("FILE"), "-oX FILE: nmap XML")(
      "output-json", po::value(&out.json)->value_name("FILE"), "-oJ FILE: one JSON array")(
      "output-ndjson", po::value(&out.ndjson)->value_name("FILE"), "-oD FILE: NDJSON, one object a line")(
      "output-list", po::value(&out.list)->value_name("FILE"), "-oL FILE: list lines")(
      "output-grepable", po::value(&out.grepable)->value_name("FILE"), "-oG FILE: nmap grepable lines")(
      "output-csv", po::value(&out.csv)->value_name("FILE"), "-oC FILE: CSV with a header row")(
      "output-all", po::value(&out.all)->value_name("BASE"), "-oA BASE: BASE.xml, BASE.gnmap and BASE.txt")(
      "help,h", "show this help");
  po::options_description hidden;
  hidden.add_options()("input", po::value(&inputs));
  po::options_description everything;
  everything.add(desc).add(hidden);
  po::positional_options_description positional;
  positional.add("input", -1);
  po::variables_map vm;
  std::vector<OutputSpec> specs;
  try {
    // -oX FILE ... as a scan takes them (cli/output_args.hpp); argv[0] ("merge") is no argument.
    std::vector<std::string> args = expand_output_shorthands(argc, argv);
    if (!args.empty()) args.erase(args.begin());
    po::store(po::command_line_parser(args).options(everything).positional(positional).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
      help_out << desc << "\n";
      return 0;
    }
    specs = resolve_outputs(out, defaults::kMergeFormat);
    if (inputs.empty()) throw UsageError("no input files (synscan merge shard-1.ndjson shard-2.ndjson ...)");
    // An output on an input would truncate it before it is read; two outputs on one file would mix.
    std::vector<NamedFile> written;
    for (const OutputSpec& o : specs) written.push_back({"output", o.path});
    std::vector<NamedFile> read;
    for (const std::string& path : inputs) read.push_back({"input", path});
    reject_shared_files(written, read);
  } catch (const po::error& e) {
    throw UsageError(fmt::format("merge: {}", e.what()));
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("merge: {}", e.what()));
  }
  ResultMerger merger;
  for (const std::string& path : inputs) {
    if (path == "-") {
      merger.add(std::cin, "standard input");
      continue;
    }
    std::ifstream file = open_input_file(path, "");
    merger.add(file, path);
  }
  const std::vector<Result> results = merger.results();
  const std::vector<std::pair<IpAddress, std::string>> names = merger.hostnames();

  Outputs outputs(specs);
  ScanInfo info;
  info.version = kVersion;
  // The records' protocols, each with the ports its records hold (the XML writer's <scaninfo>); with no
  // records, the default module's (tcp_syn), which every synscan output without a "proto" key came from.
  for (const ProtocolId p : merger.protocols()) {
    std::vector<std::uint16_t> ports;
    for (const Result& r : results) {
      if (r.proto == p && vocabulary(p).has_ports) ports.push_back(r.port);
    }
    std::sort(ports.begin(), ports.end());
    ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
    info.probed.push_back({p, format_port_ranges(ports), ports.size()});
  }
  for (int i = 0; i < argc; ++i) info.command_line += (i ? " " : "") + std::string(argv[i]);
  info.start_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  if (!names.empty()) info.hostname_of = hostname_lookup(names);
  const ServiceNames services = ServiceNames::load();
  info.services = &services;
  info.banners = merger.has_banners();
  ScanTotals totals;
  std::uint64_t v6 = 0;
  for (ResultWriter* w : outputs.writers()) w->begin(info);
  for (const Result& r : results) {
    for (ResultWriter* w : outputs.writers()) w->write(r);
    totals.open += r.state == PortState::open;
    totals.closed += r.state == PortState::closed;
    totals.filtered += r.state == PortState::filtered;
    totals.open_filtered += r.state == PortState::open_filtered;
    v6 += r.ip.is_v6();
  }
  totals.end_ms = info.start_ms;
  for (ResultWriter* w : outputs.writers()) w->end(totals);
  const std::string families =
      v6 > 0 && v6 < results.size() ? fmt::format("; {} IPv4, {} IPv6", results.size() - v6, v6) : "";
  fmt::print(stderr, "synscan: merged {} from {} into {} ({} open, {} closed, {} filtered{})\n",
             counted(merger.records_read(), "record", "records"), counted(inputs.size(), "file", "files"),
             counted(results.size(), "result", "results"), totals.open, totals.closed, totals.filtered,
             families);
  return 0;
}

}  // namespace synscan
