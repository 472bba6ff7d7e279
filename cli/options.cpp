#include "cli/options.hpp"

#include <fmt/format.h>
#include <libnet.h>
#include <pcap/pcap.h>

#include <boost/program_options.hpp>
#include <cctype>
#include <iostream>
#include <random>
#include <tuple>

#include "capture/route.hpp"
#include "cli/case_fold.hpp"
#include "cli/defaults.hpp"
#include "cli/file_identity.hpp"
#include "cli/finish_config.hpp"
#include "cli/input_file.hpp"
#include "cli/man_page.hpp"
#include "cli/output_args.hpp"
#include "cli/ports_input.hpp"
#include "cli/resume.hpp"
#include "cli/targets_input.hpp"
#include "cli/usage_text.hpp"
#include "cli/version.hpp"
#include "engine/banner/hello.hpp"
#include "engine/output/reply_fields.hpp"
#include "engine/output/writer.hpp"
#include "engine/port_set.hpp"
#include "engine/probes/registry.hpp"
#include "engine/target_parse.hpp"

namespace po = boost::program_options;

namespace synscan {
namespace {

struct RawOptions {
  std::vector<std::string> targets;
  std::vector<std::string> ports;
  // No defaults here: an option not given leaves its ScanConfig member as cli/defaults.hpp initialised it.
  std::string rate;
  std::string wait;
  std::string retries;
  std::string retry_delay;
  std::string late_replies;
  std::string seed;
  std::string interface;
  std::vector<std::string> source_ip;
  std::string source_port;
  std::string router_mac;
  std::string router_mac6;
  OutputArgs out;
  std::string metadata;
  std::string pcap_out;
  std::string show;
  std::string send_threads;
  std::string send_backend;
  std::string output_fields;
  std::string shard;
  std::string max_memory;
  std::string pcap_buffer;
  TargetOptions target_input;  // the "Targets" group (cli/targets_input.hpp)
  std::string top_ports;
  std::vector<std::string> exclude_ports;
  std::vector<std::string> scan_types;
  std::string max_runtime;
  std::string config;
  std::string resume;
  std::string resume_file;
  std::string user;
  std::string banner_probe;
  std::string banner_concurrency;
  std::string banner_rate;
  std::string banner_timeout;
  std::string banner_max_bytes;
};

// "TEXT (default VALUE)". Every default that --help (and the man page made from the same descriptions)
// states comes from cli/defaults.hpp through here. (Boost copies the text; the temporary lives through the
// add_options chain, which is one expression.)
template <class T>
std::string with_default(std::string_view text, const T& value) {
  return fmt::format("{} (default {})", text, value);
}

// "open", "open,closed", ...: the states of `mask` as --show takes them.
std::string show_names(ShowMask mask) {
  std::vector<std::string_view> names;
  for (const PortState s : {PortState::open, PortState::closed, PortState::filtered}) {
    if (mask.shows(s)) names.push_back(to_string(s));
  }
  return fmt::format("{}", fmt::join(names, ","));
}

// --help's first lines: the usage lines and what a TARGET is (cli/usage_text.hpp), then "Options".
std::string help_caption() {
  std::string text;
  for (std::string_view line : kUsageLines) text += std::string(line) + "\n";
  return text + "\nTARGET: " + std::string(kTargetText) + "\n\nOptions";
}

// --help's last lines: the exit status as README and the man page give it, wrapped as Boost wraps options.
std::string help_exit_status() {
  constexpr std::size_t kWidth = 80;
  std::string text = "Exit status:\n";
  for (const ExitStatusText& s : kExitStatuses) {
    std::string line = fmt::format("  {}  ", s.code);
    const std::size_t indent = line.size();
    std::size_t at = 0;
    while (at < s.meaning.size()) {
      std::size_t end = s.meaning.find(' ', at);
      if (end == std::string_view::npos) end = s.meaning.size();
      const std::string_view word = s.meaning.substr(at, end - at);
      if (line.size() > indent && line.size() + 1 + word.size() > kWidth) {
        text += line + "\n";
        line.assign(indent, ' ');
      } else if (line.size() > indent) {
        line += ' ';
      }
      line += word;
      at = end + 1;
    }
    text += line + "\n";
  }
  return text;
}

// The probe modules' switches and options (engine/probes/registry.hpp), each declared by its module.
void describe_modules(po::options_description& group) {
  for (const ModuleInfo& m : probe_registry()) {
    if (!m.add_switch.empty()) {
      group.add_options()(m.add_switch.data(), po::bool_switch(),
                          fmt::format("add {} probes ({}) to the scan: a field per target beside its ports",
                                      m.vocabulary->protocol, m.vocabulary->module)
                              .c_str());
    }
    for (const ModuleOption& opt : m.options) {
      po::typed_value<std::vector<std::string>>* value = po::value<std::vector<std::string>>();
      value->value_name(std::string(opt.value_name));
      group.add_options()(opt.name.data(), value, opt.help.data());
    }
  }
}

po::options_description describe(RawOptions& o, OptionGroups* groups = nullptr) {
  po::options_description targets("Ports");
  targets.add_options()(
      "ports,p", po::value(&o.ports)->value_name("PORTS"),
      "ports to probe: 80, 1-1024, 22,80,443 (0-65535); as in nmap, -1024 is 1-1024, 60000- to 65535, -p- is "
      "1-65535; U:53 a UDP port, T:80 a TCP one (a prefix holds for the items after it: -p "
      "22,U:53,161,T:80)")(
      "scan-type,s", po::value(&o.scan_types)->value_name("TYPE"),
      "the probes, as nmap's -s: -sS TCP SYN (the default), -sU UDP, -sn ICMP echo alone (host discovery, no "
      "ports); repeatable: -sS -sU gives the -p ports to both");
  describe_modules(targets);
  po::options_description target_group("Targets");
  TargetOptions& t = o.target_input;
  target_group.add_options()(
      "include-file", po::value(&t.include_files)->value_name("FILE"),
      "read targets from FILE ('-' is stdin); also -iL FILE. Several a line, '#' comments; a hitlist of "
      "millions of addresses, IPv4 and IPv6 mixed, is fine")(
      "ipv4-only,4", po::bool_switch(&t.ipv4_only),
      "IPv4 only: hostnames resolve to A records alone, an IPv6 target is an error (default: both families)")(
      "ipv6-only,6", po::bool_switch(&t.ipv6_only),
      "IPv6 only: hostnames resolve to AAAA records alone, an IPv4 target is an error")(
      "exclude", po::value(&t.excludes)->value_name("LIST"),
      "never probe these targets (same syntax as TARGET)")("exclude-file",
                                                           po::value(&t.exclude_files)->value_name("FILE"),
                                                           "never probe the targets listed in FILE")(
      "no-default-excludes", po::bool_switch(),
      ("also probe what is excluded by default, never a valid destination: " + default_exclusions_text())
          .c_str())(
      "allow-large", po::bool_switch(&t.allow_large),
      "scan more than 2^24 addresses without an exclusion list (a scan is at most 2^48 probes: an IPv6 /64 "
      "is refused)")(
      "top-ports", po::value(&o.top_ports)->value_name("N"),
      "add the N most common ports of each protocol scanned (nmap-services: TCP, and UDP with -sU)")(
      "exclude-ports", po::value(&o.exclude_ports)->value_name("PORTS"), "never probe these ports")(
      "count", "print only the number of probes (of this shard) and exit; sends nothing");
  po::options_description pace("Pace");
  pace.add_options()("rate", po::value(&o.rate)->value_name("PPS|auto[:MAX]"),
                     fmt::format("probes per second, retries included (default {}); {}", defaults::kRatePps,
                                 rate_auto_text())
                         .c_str())(
      "wait", po::value(&o.wait)->value_name("SECONDS"),
      with_default("wait for replies after the last probe", defaults::kWaitS).c_str())(
      "retries", po::value(&o.retries)->value_name("N"),
      with_default("send a probe still unanswered N more times", defaults::kRetries).c_str())(
      "retry-delay", po::value(&o.retry_delay)->value_name("SECONDS"),
      with_default("time between a probe's sends, counted in probes at the asked rate",
                   defaults::kRetryDelayS)
          .c_str())(
      "late-replies", po::value(&o.late_replies)->value_name("SECONDS"),
      with_default(
          "a reply this long after a probe's last send is still used; later ones are counted as late",
          defaults::kLateRepliesS)
          .c_str())("send-threads", po::value(&o.send_threads)->value_name("N"),
                    with_default("transmit threads", defaults::kSendThreads).c_str())(
      "max-runtime", po::value(&o.max_runtime)->value_name("SECONDS"),
      "stop after this long and write a resume file (default: no limit; 0 is no limit)");
  po::options_description network("Network");
  network.add_options()("interface,i", po::value(&o.interface)->value_name("NAME"),
                        "interface (default: from the route)")(
      "source-ip", po::value(&o.source_ip)->value_name("IP"),
      "source address, once per family (default: from the route)")(
      "source-port", po::value(&o.source_port)->value_name("N|N-M"),
      with_default("source port(s)",
                   fmt::format("{}-{}", defaults::kSourcePortFirst, defaults::kSourcePortLast))
          .c_str())(
      "suppress-rst",
      "drop this host's own RSTs to the SYN-ACKs it receives while the scan runs (an nftables rule in this "
      "network namespace, removed at exit): faster when most probes are answered, and targets keep the "
      "half-open connection (needs nft)")(
      "router-mac", po::value(&o.router_mac)->value_name("MAC"),
      "next-hop MAC (default: neighbour table); with targets of both families, IPv4's, and "
      "--router-mac-ipv6 is needed too")(
      "router-mac-ipv6", po::value(&o.router_mac6)->value_name("MAC"),
      "IPv6 next-hop MAC, as masscan spells it (default: --router-mac, else neighbour table)")(
      "user", po::value(&o.user)->value_name("NAME"),
      with_default("when started as root, run as NAME once sockets are open", defaults::kUser).c_str());
  po::options_description output("Output");
  output.add_options()(
      "output,o", po::value(&o.out.files)->value_name("FILE"),
      fmt::format("write results to FILE ('{}' is stdout, the default); repeatable. Format: --format, else "
                  "the extension (.xml .json .ndjson/.jsonl .csv .gnmap/.grep .txt/.list), else {}",
                  defaults::kOutputPath, defaults::kFormat)
          .c_str())(
      "format", po::value(&o.out.format)->value_name("FMT"),
      fmt::format("format of -o and stdout: list, ndjson, json, csv, grepable, xml (default: the extension, "
                  "else {})",
                  defaults::kFormat)
          .c_str())("output-xml", po::value(&o.out.xml)->value_name("FILE"),
                    "-oX FILE: nmap XML (for ndiff, Metasploit)")(
      "output-json", po::value(&o.out.json)->value_name("FILE"), "-oJ FILE: one JSON array")(
      "output-ndjson", po::value(&o.out.ndjson)->value_name("FILE"), "-oD FILE: NDJSON, one object a line")(
      "output-list", po::value(&o.out.list)->value_name("FILE"), "-oL FILE: list, 'open tcp 80 IP' lines")(
      "output-grepable", po::value(&o.out.grepable)->value_name("FILE"), "-oG FILE: nmap grepable lines")(
      "output-csv", po::value(&o.out.csv)->value_name("FILE"), "-oC FILE: CSV with a header row")(
      "output-all", po::value(&o.out.all)->value_name("BASE"), "-oA BASE: BASE.xml, BASE.gnmap and BASE.txt")(
      "output-fields", po::value(&o.output_fields)->value_name("LIST"),
      "add what each reply's headers say to the JSON, CSV and list formats: a comma-separated list of ip_id, "
      "tcp_options, mss, wscale, ja4ts, rtt_ms, os, os_match (p0f), or all; 'help' describes them")(
      "show", po::value(&o.show)->value_name("STATES"),
      with_default("states reported: open[,closed,filtered], or all", show_names(defaults::kShow)).c_str())(
      "status", "status line on stderr once a second (default: when stderr is a terminal)")(
      "no-status", "no status line")("status-json",
                                     "one JSON object a second on stderr instead of the status line")(
      "metadata", po::value(&o.metadata)->value_name("FILE"),
      "write how the scan ran (options, seed, times, counters) to FILE as JSON")(
      "pcap-out", po::value(&o.pcap_out)->value_name("FILE"),
      "write the frames sent and received to FILE (pcap)")(
      "dry-run", "print the probes (IP PORT, in send order) instead of sending them");
  po::options_description banners("Banners");
  banners.add_options()(
      "banners",
      "connect to each open port, read what the service says (TLS and HTTP spoken), add it to the "
      "result: service, product, version, banner, HTTP status/Server/title, TLS certificate")(
      "banner-probe", po::value(&o.banner_probe)->value_name("SPEC"),
      "the hello: auto (TLS on 443, 465, 636, 853, 990, 992, 993, 995, 5061, 6443, 8443, 9443; a GET on 80, "
      "81, "
      "591, 3000, 5000, 8000, 8008, 8080, 8081, 8888; elsewhere wait for a greeting, then a GET), none (read "
      "only), http, tls, generic; for all ports or per port, e.g. 443:tls,8080:http (default auto)")(
      "banner-concurrency", po::value(&o.banner_concurrency)->value_name("N"),
      with_default("banner connections open at once", defaults::kBannerConcurrency).c_str())(
      "banner-rate", po::value(&o.banner_rate)->value_name("N"),
      with_default("banner connections started per second; 0 is no limit", defaults::kBannerRate).c_str())(
      "banner-timeout", po::value(&o.banner_timeout)->value_name("SECONDS"),
      with_default("per banner connection, connect to last byte", defaults::kBannerTimeoutS).c_str())(
      "banner-max-bytes", po::value(&o.banner_max_bytes)->value_name("BYTES"),
      with_default("bytes of each answer kept", defaults::kBannerMaxBytes).c_str());
  po::options_description advanced("Advanced");
  advanced.add_options()("seed", po::value(&o.seed)->value_name("N"),
                         "permutation seed, 64-bit (default: random)")(
      "shard", po::value(&o.shard)->value_name("I/N"), "scan share I of N (1-based; needs --seed)")(
      "send-backend", po::value(&o.send_backend)->value_name("NAME"),
      with_default("auto (xdp where it can run, else sendmmsg), sendmmsg, mmap (TX ring), xdp (AF_XDP; not "
                   "with --pcap-out) or libnet",
                   send_backend_name(defaults::kSendBackend))
          .c_str())(
      "max-memory", po::value(&o.max_memory)->value_name("MIB"),
      with_default("bound on the state of the probes in flight (rate x (retries x delay + late replies))",
                   defaults::kMaxMemoryMiB)
          .c_str())("pcap-buffer", po::value(&o.pcap_buffer)->value_name("MIB"),
                    with_default("capture ring size", defaults::kPcapBufferMiB).c_str())(
      "config", po::value(&o.config)->value_name("FILE"),
      "read options from FILE ('name = value' lines); the command line overrides")(
      "echo-config", "print the effective options (seed included) as a config file and exit")(
      "resume", po::value(&o.resume)->value_name("FILE"), "continue the scan stopped with this resume file")(
      "resume-file", po::value(&o.resume_file)->value_name("PATH"),
      with_default("where a stopped scan writes its resume file", defaults::kResumeFile).c_str())(
      "help,h", "show this help")("help-man", "print the man page (roff): synscan --help-man | man -l -")(
      "version", "show versions");
  po::options_description all(help_caption());  // Boost adds the colon after "Options"
  all.add(target_group).add(targets).add(pace).add(network).add(output).add(banners).add(advanced);
  if (groups) {
    const std::pair<const char*, const po::options_description*> named[] = {
        {"Targets", &target_group}, {"Ports", &targets},   {"Pace", &pace},        {"Network", &network},
        {"Output", &output},        {"Banners", &banners}, {"Advanced", &advanced}};
    for (const auto& [title, group] : named) groups->emplace_back(title, *group);
  }
  return all;
}

// The probe modules' options as given (engine/probe_module.hpp's ModuleArgs): a file option's value becomes
// the file's text; a module of the scan reads its default file when the option is not given and the file
// exists.
ModuleArgs module_args(const po::variables_map& vm, const std::vector<ProtocolPorts>& scanned) {
  ModuleArgs args;
  for (std::size_t m = 0; m < probe_registry().size(); ++m) {
    const bool in_scan =
        std::any_of(scanned.begin(), scanned.end(), [m](const ProtocolPorts& p) { return p.proto == m; });
    for (const ModuleOption& opt : probe_registry()[m].options) {
      const std::string name(opt.name);
      std::vector<std::string> values;
      if (vm.count(name)) values = vm[name].as<std::vector<std::string>>();
      if (!opt.repeatable && values.size() > 1)
        throw UsageError(fmt::format("--{} given more than once", name));
      if (values.empty() && opt.file && in_scan && !opt.default_path.empty() &&
          std::ifstream(std::string(opt.default_path)).good()) {
        values.emplace_back(opt.default_path);
      }
      for (const std::string& v : values) {
        if (opt.file && v == "none") continue;
        std::string value = opt.file ? read_input_file(v, "--" + name) : v;
        if (opt.check) {
          try {
            opt.check(value);
          } catch (const std::invalid_argument& e) {
            throw UsageError(fmt::format("bad value in --{} {}: {}", name, v, e.what()));
          }
        }
        args.emplace_back(name, std::move(value));
      }
    }
  }
  return args;
}

[[noreturn]] void bad(std::string_view kind, std::string_view token, std::string_view option,
                      std::string_view hint) {
  throw UsageError(fmt::format("bad {} '{}' in {} ({})", kind, token, option, hint));
}

double parse_positive_double(const std::string& text, std::string_view option, double min_value);
std::uint64_t parse_u64(const std::string& text, std::string_view option, std::uint64_t min_value,
                        std::uint64_t max_value);

// --banners and its --banner-* options. A --banner-* option without --banners is refused: it would do
// nothing.
void parse_banner_options(const RawOptions& raw, const po::variables_map& vm, ScanConfig& c) {
  c.banners = vm.count("banners") > 0;
  for (const char* name :
       {"banner-probe", "banner-concurrency", "banner-rate", "banner-timeout", "banner-max-bytes"}) {
    if (vm.count(name) && !c.banners) throw UsageError(fmt::format("--{} needs --banners", name));
  }
  if (c.banners && !c.show.open) throw UsageError("--banners needs open results shown (--show with open)");
  if (!raw.banner_probe.empty()) {
    try {
      c.banner_probes = parse_banner_probe_spec(ascii_lower(raw.banner_probe));
    } catch (const std::invalid_argument& e) {
      throw UsageError(fmt::format("bad hello in --banner-probe: {}", e.what()));
    }
  } else if (vm.count("banner-probe")) {
    bad("hello", raw.banner_probe, "--banner-probe", "auto, none, http, tls, generic or PORT:HELLO,...");
  }
  if (!raw.banner_concurrency.empty())
    c.banner_concurrency =
        static_cast<std::uint32_t>(parse_u64(raw.banner_concurrency, "--banner-concurrency", 1, 100000));
  if (!raw.banner_rate.empty()) c.banner_rate = parse_positive_double(raw.banner_rate, "--banner-rate", 0);
  if (!raw.banner_timeout.empty()) {
    c.banner_timeout_s = parse_positive_double(raw.banner_timeout, "--banner-timeout", 0.001);
    if (c.banner_timeout_s > 3600)
      bad("value", raw.banner_timeout, "--banner-timeout", "at most 3600 seconds");
  }
  if (!raw.banner_max_bytes.empty())
    c.banner_max_bytes =
        static_cast<std::uint32_t>(parse_u64(raw.banner_max_bytes, "--banner-max-bytes", 1, 1 << 20));
}

double parse_positive_double(const std::string& text, std::string_view option, double min_value) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || !(v >= min_value) || v > 1e12) {
    bad("value", text, option, fmt::format("expected a number >= {}", min_value));
  }
  return v;
}

// --rate PPS, auto or auto:MAX (MAX >= 1 pps).
void parse_rate(const std::string& text, ScanConfig& c) {
  const std::string lower = ascii_lower(text);
  if (lower == "auto") {
    c.rate_auto = true;
    c.rate_pps = defaults::kAutoMaxPps;
    return;
  }
  if (lower.starts_with("auto:")) {
    c.rate_auto = true;
    c.rate_pps = parse_positive_double(text.substr(5), "--rate auto:MAX", 1);
    return;
  }
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || !(v >= 0.001) || v > 1e12) {
    bad("value", text, "--rate", "expected a number >= 0.001, auto or auto:MAX");
  }
  c.rate_pps = v;
}

std::uint64_t parse_u64(const std::string& text, std::string_view option, std::uint64_t min_value,
                        std::uint64_t max_value) {
  std::uint64_t v = 0;
  const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  try {
    if (digits) v = std::stoull(text);
  } catch (const std::exception&) {
    bad("value", text, option, "number too large");
  }
  if (!digits || v < min_value || v > max_value) {
    bad("value", text, option, fmt::format("expected a whole number {}-{}", min_value, max_value));
  }
  return v;
}

ShowMask parse_show(const std::string& text) {
  ShowMask mask{false, false, false};
  std::size_t i = 0;
  while (i <= text.size()) {
    std::size_t end = std::min(text.find(',', i), text.size());
    std::string token = text.substr(i, end - i);
    const std::string state = ascii_lower(token);
    if (state == "open")
      mask.open = true;
    else if (state == "closed")
      mask.closed = true;
    else if (state == "filtered" || state == "open|filtered")
      mask.filtered = true;  // filtered covers both
    else if (state == "all")
      mask = {true, true, true};
    else
      bad("state", token, "--show", "states are open, closed, filtered (open|filtered with it), or all");
    i = end + 1;
  }
  return mask;
}

StatusMode parse_status_mode(bool on, bool off, bool json) {
  if (on + off + json > 1) throw UsageError("--status, --no-status and --status-json exclude each other");
  return on ? StatusMode::on : off ? StatusMode::off : json ? StatusMode::json : StatusMode::automatic;
}

void parse_source_ports(const std::string& text, ScanConfig& c) {
  std::vector<std::uint16_t> ports;
  try {
    ports = parse_port_list(text);
  } catch (const ParseError& e) {
    bad("port", e.token(), "--source-port", e.hint());
  }
  if (text.find(',') != std::string::npos)
    bad("port", text, "--source-port", "give one port N or one range N-M");
  c.source_port_first = ports.front();
  c.source_port_last = ports.back();
}

void parse_shard(const std::string& text, ScanConfig& c) {
  const std::size_t slash = text.find('/');
  if (slash == std::string::npos) bad("shard", text, "--shard", "expected I/N with 1 <= I <= N");
  const std::uint64_t n = parse_u64(text.substr(slash + 1), "--shard", 1, ~0ull);
  const std::uint64_t i = parse_u64(text.substr(0, slash), "--shard", 1, n);
  c.shard_index = i - 1;
  c.shard_count = n;
}

// A token of two or more characters that starts with '-' but is no option: a negative number ("--rate -1",
// "--wait -3") or one of nmap's open port ranges ("-p -1024"). No option of ours is named by a digit or a
// dot.
bool is_dash_value(const std::string& token) {
  return token.size() > 1 && token[0] == '-' &&
         (std::isdigit(static_cast<unsigned char>(token[1])) != 0 || token[1] == '.');
}

// "-p --dry-run": a value-taking option followed by another option. Boost would take "--dry-run" as the port
// list; the user forgot the value. ("-" alone is a value: stdout for -o, every port for -p.) A value that
// only looks like an option (is_dash_value) is joined to its option
// ("--rate=-1", "-p-1024"), which Boost then reads as that option's value: the option's own check names it
// ("bad value '-1' in --rate (...)") instead of calling it a missing value.
void join_dash_values(std::vector<std::string>& args, const po::options_description& desc) {
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    const std::string& token = args[i];
    if (token == "--") return;
    const po::option_description* option = nullptr;
    const bool long_name = token.rfind("--", 0) == 0 && token.find('=') == std::string::npos;
    if (long_name) {
      option = desc.find_nothrow(token.substr(2), false);
    } else if (token.size() == 2 && token[0] == '-' && token[1] != '-') {
      for (const auto& d : desc.options()) {
        if (d->canonical_display_name(po::command_line_style::allow_dash_for_short) == token)
          option = d.get();
      }
    }
    if (option == nullptr || option->semantic()->max_tokens() == 0) continue;
    const std::string& next = args[i + 1];
    if (next.size() <= 1 || next[0] != '-') continue;
    if (is_dash_value(next)) {
      args[i] = token + (long_name ? "=" : "") + next;
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    } else {
      throw UsageError(
          fmt::format("missing value for {} (found the option '{}' where its value should be)", token, next));
    }
  }
}

// "-o 192.0.2.1 198.19.0.0/24": the file name after -o is missing and a target was taken for it.
void reject_target_like_outputs(const std::vector<OutputSpec>& outputs) {
  for (const OutputSpec& o : outputs) {
    try {
      parse_target_token(o.path);
    } catch (const ParseError&) {
      continue;
    }
    throw UsageError(
        fmt::format("output file name '{}' looks like a target: is the file name after -o missing? "
                    "(write ./{} for a file of that name)",
                    o.path, o.path));
  }
}

// Outputs, --metadata, --pcap-out and the resume file are compared by identity with each other and with the
// files read (cli/file_identity.hpp). A resumed scan may write its resume file over the one it read.
void reject_shared_files(const ScanConfig& c, const RawOptions& raw) {
  std::vector<NamedFile> written;
  for (const OutputSpec& o : c.outputs) written.push_back({"output", o.path});
  if (!c.metadata_path.empty()) written.push_back({"--metadata", c.metadata_path});
  if (!c.pcap_out_path.empty()) written.push_back({"--pcap-out", c.pcap_out_path});
  if (!c.resume_from) written.push_back({"--resume-file", c.resume_file});
  std::vector<NamedFile> read;
  for (const std::string& f : raw.target_input.include_files) read.push_back({"--include-file", f});
  for (const std::string& f : raw.target_input.exclude_files) read.push_back({"--exclude-file", f});
  if (!raw.config.empty()) read.push_back({"--config", raw.config});
  if (!raw.resume.empty()) read.push_back({"--resume", raw.resume});
  reject_shared_files(written, read);
}

// The IPv4 and IPv6 next hops are often two routers: one --router-mac for a scan of both families would send
// every IPv6 probe to the IPv4 router (each then comes back filtered), so such a scan must name both.
void check_router_macs(const ScanConfig& c) {
  const bool v4 = c.space.targets().v4_size() > 0, v6 = c.space.targets().v6_size() > 0;
  if (v4 && v6 && c.router_mac && !c.router_mac6) {
    throw UsageError(
        "--router-mac with targets of both families: give the IPv6 next hop too with --router-mac-ipv6 MAC "
        "(the same MAC when one router serves both), or scan the families separately");
  }
  if (c.router_mac6 && !v6) throw UsageError("--router-mac-ipv6 needs an IPv6 target (this scan has none)");
}

void print_version(std::ostream& out) {
  out << "synscan " << kVersion << "\n" << pcap_lib_version() << "\nlibnet " << LIBNET_VERSION << "\n";
}

CommandLine parse_options(int argc, const char* const* argv, std::ostream& out, OptionSources& sources) {
  if (argc <= 1) {  // nothing at all: how to start, not what the first check found missing
    throw UsageError(
        fmt::format("usage: {} (e.g. synscan 198.19.0.0/24 -p 80,443; synscan --help lists every option)",
                    kUsageLines[0]));
  }
  RawOptions raw;
  po::options_description desc = describe(raw);
  po::options_description hidden;
  hidden.add_options()("target", po::value(&raw.targets));
  po::options_description everything;
  everything.add(desc).add(hidden);
  po::positional_options_description positional;
  positional.add("target", -1);

  // nmap's -iL FILE and -oX FILE ...: one token each, which a POSIX-style parser would read as -i (interface)
  // with the value "L", or -o with the value "X".
  std::vector<std::string> args = expand_output_shorthands(argc, argv);
  if (!args.empty()) args.erase(args.begin());
  std::replace(args.begin(), args.end(), std::string("-iL"), std::string("--include-file"));
  join_dash_values(args, everything);

  po::variables_map vm;
  try {
    const po::parsed_options given = po::command_line_parser(args)
                                         .options(everything)
                                         .positional(positional)
                                         .style(po::command_line_style::unix_style)
                                         .run();
    po::store(given, vm);
    if (!vm.count("help") && !vm.count("version")) {
      // A --config or --resume file's options, under the command line's (cli/config_file.hpp).
      sources = gather_options(given, everything);
      po::store(to_parsed(sources.entries, everything), vm);
    }
    po::notify(vm);
  } catch (const po::invalid_command_line_syntax& e) {
    if (e.kind() == po::invalid_syntax::missing_parameter) {
      throw UsageError(fmt::format("missing value for {}", e.get_option_name()));
    }
    throw UsageError(e.what());
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  if (vm.count("help")) {
    out << desc << "\n" << help_exit_status();
    return {};
  }
  if (vm.count("help-man")) {
    OptionGroups groups;
    RawOptions unused;
    describe(unused, &groups);
    write_man_page(groups, kVersion, out);
    return {};
  }
  if (vm.count("version")) {
    print_version(out);
    return {};
  }
  if (raw.output_fields == "help") {
    out << describe_reply_fields();
    return {};
  }

  ScanConfig c;
  for (int i = 1; i < argc; ++i) {
    if (i > 1) c.command_line += ' ';
    c.command_line += argv[i];
  }

  c.dry_run = vm.count("dry-run") > 0 || vm.count("count") > 0;
  c.count_only = vm.count("count") > 0;
  // An option not given keeps its default (cli/defaults.hpp, ScanConfig's initialisers).
  const auto given = [&vm](const char* name) { return vm.count(name) > 0; };
  if (given("rate")) parse_rate(raw.rate, c);
  if (given("wait")) {
    c.wait_s = parse_positive_double(raw.wait, "--wait", 0.0);
    if (c.wait_s > defaults::kMaxWaitS)
      bad("value", raw.wait, "--wait", fmt::format("expected at most {} seconds", defaults::kMaxWaitS));
  }
  if (given("retries"))  // else the default, or with --rate auto its own (finish_config)
    c.retries = static_cast<std::uint32_t>(parse_u64(raw.retries, "--retries", 0, 100));
  if (given("retry-delay")) {
    c.retry_delay_s = parse_positive_double(raw.retry_delay, "--retry-delay", 0.0);
    // A delay of hours would keep a scan sending its last retries for that long.
    if (c.retry_delay_s > defaults::kMaxRetryDelayS)
      bad("value", raw.retry_delay, "--retry-delay",
          fmt::format("expected at most {} seconds", defaults::kMaxRetryDelayS));
  }
  // Below a reply's own delay (a round trip, the capture's 50 ms blocks, the aggregator's queue) every reply
  // would come "late": the results would be lost, only counted.
  if (given("late-replies"))
    c.late_replies_s = parse_positive_double(raw.late_replies, "--late-replies", defaults::kMinLateRepliesS);
  if (given("send-threads")) {
    c.send_threads = static_cast<std::uint32_t>(parse_u64(raw.send_threads, "--send-threads", 1, 64));
  }
  if (!raw.seed.empty()) {
    c.seed = parse_u64(raw.seed, "--seed", 0, ~0ull);
    c.seed_given = true;
  } else {
    std::random_device rd;
    c.seed = (std::uint64_t{rd()} << 32) | rd();
  }
  if (!raw.shard.empty()) parse_shard(raw.shard, c);
  if (c.shard_count > 1 && !c.seed_given) {
    throw UsageError("--shard needs an explicit --seed (shards with different seeds overlap)");
  }
  if (given("send-backend")) {
    const std::optional<SendBackend> backend = parse_send_backend(ascii_lower(raw.send_backend));
    if (!backend) {
      bad("backend", raw.send_backend, "--send-backend", "backends are auto, sendmmsg, mmap, xdp, libnet");
    }
    c.send_backend = *backend;
  }

  if (!raw.interface.empty()) c.interface = raw.interface;
  for (const std::string& text : raw.source_ip) {
    IpAddress a;
    try {
      a = parse_address(text);
    } catch (const ParseError& e) {
      bad("address", text, "--source-ip", e.hint());
    }
    std::optional<IpAddress>& slot = a.is_v4() ? c.source_ip4 : c.source_ip6;
    if (slot) bad("address", text, "--source-ip", "one source address per family");
    slot = a;
  }
  if (!raw.source_port.empty()) parse_source_ports(raw.source_port, c);
  const std::tuple<const std::string*, const char*, std::optional<Mac>*> macs[] = {
      {&raw.router_mac, "--router-mac", &c.router_mac},
      {&raw.router_mac6, "--router-mac-ipv6", &c.router_mac6}};
  for (const auto& [text, option, slot] : macs) {
    if (text->empty()) continue;
    try {
      *slot = parse_mac(*text);
    } catch (const std::invalid_argument&) {
      bad("MAC", *text, option, "expected aa:bb:cc:dd:ee:ff");
    }
  }

  c.outputs = resolve_outputs(raw.out);
  reject_target_like_outputs(c.outputs);
  // Targets last: an option that swallowed the only target ("--rate 192.0.2.1 -p 80", "-p 192.0.2.1") is
  // named above as a bad value, not reported as "no targets given".
  std::vector<ProtocolId> added;
  for (std::size_t m = 0; m < probe_registry().size(); ++m) {
    const std::string_view sw = probe_registry()[m].add_switch;
    if (!sw.empty() && vm.count(sw.data()) && vm[sw.data()].as<bool>())
      added.push_back(static_cast<ProtocolId>(m));
  }
  std::vector<ProtocolPorts> ports =
      resolve_ports({raw.ports, raw.top_ports, raw.exclude_ports, raw.scan_types, added});
  c.module_args = module_args(vm, ports);
  std::uint64_t probes_per_target = 0;
  for (const ProtocolPorts& p : ports) probes_per_target += p.ports.size();
  raw.target_input.targets = raw.targets;
  raw.target_input.default_excludes = !vm["no-default-excludes"].as<bool>();
  // The large-scan guard is against sending by a typo; a dry run sends nothing.
  raw.target_input.guard_large = !c.dry_run;
  raw.target_input.port_count = probes_per_target;
  ResolvedTargets resolved = resolve_targets(raw.target_input, resolve_host, std::cin);
  c.space = ProbeSpace(std::move(resolved.targets), std::move(ports));
  if (c.shard_count > c.space.size()) {  // a shard with no probe at all is a mistake in N, not a share
    bad("shard", raw.shard, "--shard",
        fmt::format("N runs from 1 to the number of probes, here {}", c.space.size()));
  }
  c.hostnames = std::move(resolved.hostnames);
  c.suppress_rst = vm.count("suppress-rst") > 0;
  check_router_macs(c);
  c.status =
      parse_status_mode(vm.count("status") > 0, vm.count("no-status") > 0, vm.count("status-json") > 0);
  c.metadata_path = raw.metadata;
  c.pcap_out_path = raw.pcap_out;
  if (c.send_backend == SendBackend::xdp && !c.pcap_out_path.empty()) {
    throw UsageError(
        "--send-backend xdp cannot be used with --pcap-out: AF_XDP frames bypass packet taps, so the "
        "file would miss every probe (use --send-backend sendmmsg)");
  }
  if (given("show")) c.show = parse_show(raw.show);
  if (given("user")) {
    if (raw.user.empty()) bad("user", raw.user, "--user", "name an unprivileged user");
    c.user = raw.user;
    c.user_given = true;
  }
  if (given("max-memory")) {
    c.max_memory_bytes = parse_u64(raw.max_memory, "--max-memory", 1, 1ull << 24) << 20;
  }
  if (given("pcap-buffer")) c.pcap_buffer_bytes = parse_u64(raw.pcap_buffer, "--pcap-buffer", 1, 1024) << 20;
  // 0 is no limit: what lifts a stopped scan's limit when it is resumed (--resume FILE --max-runtime 0).
  if (!raw.max_runtime.empty()) c.max_runtime_s = parse_positive_double(raw.max_runtime, "--max-runtime", 0);
  if (!raw.resume_file.empty()) c.resume_file = raw.resume_file;
  parse_banner_options(raw, vm, c);
  if (given("output-fields")) {
    try {
      c.reply_fields = select_reply_fields(raw.output_fields);
    } catch (const std::invalid_argument& e) {
      throw UsageError(fmt::format("bad value in --output-fields {}: {}", raw.output_fields, e.what()));
    }
  }
  finish_config(c, sources);
  reject_shared_files(c, raw);
  // Notes only once the whole command line is valid: a bad input gets exactly one line.
  for (const std::string& notice : resolved.notices) std::cerr << "synscan: " << notice << "\n";
  if (vm.count("echo-config")) {
    out << format_config(c.effective, desc);
    return {};
  }
  return {std::move(c)};
}

}  // namespace

CommandLine parse_command_line(int argc, const char* const* argv, std::ostream& out) {
  OptionSources sources;
  try {
    return parse_options(argc, argv, out, sources);
  } catch (const UsageError& e) {
    throw UsageError(locate_in_file(e.what(), sources.entries));  // a bad value from a config file: its line
  }
}

}  // namespace synscan
