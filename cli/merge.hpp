#pragma once
// `synscan merge FILE...`: one result set from the NDJSON outputs of several shards or of a run and its
// resumption.
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "engine/address.hpp"
#include "engine/banner/banner.hpp"
#include "engine/result.hpp"
#include "engine/types.hpp"

namespace synscan {

/// Collects results keyed by (ip, port), each once, for both families: the key is the address (IpAddress),
/// not its text, so "2001:DB8:0:0:0:0:0:1" and "2001:db8::1" are one host; writers print the RFC 5952 form.
///
/// When two inputs report the same (ip, port) differently, the stronger evidence wins: open > closed >
/// filtered. A reply beats silence (a resumed run may have got the answer the first run missed), and between
/// a SYN-ACK and a RST the open port is the finding an audit must not lose. Equal states keep the first
/// record read (inputs in command-line order, lines in file order).
class ResultMerger {
 public:
  /// Reads NDJSON from `in`: one JSON object a line with at least "ip" (a dotted quad, or an IPv6 address in
  /// any RFC 4291 text form, either case; ::ffff:a.b.c.d is the IPv4 address a.b.c.d), "state" and, for a
  /// protocol with ports, "port" (0-65535); "proto" names the probe module's protocol (tcp, udp, icmp;
  /// absent: tcp, the default module's), whose Vocabulary (engine/probes/registry.hpp) reads "state" and
  /// "reason" (nmap's words, or the module's: up/down for icmp) and names its extra field ("window"); "ttl",
  /// "icmp_code", "ts" (ISO 8601 UTC) and "hostname" are read when present, and so are the --banners fields
  /// ("banner_status", "banner", a "service" object with "method":"probed", "http", "tls"): the record kept
  /// keeps its banner. Blank lines and objects without "ip" and "state" (headers, summaries) are skipped.
  /// `source` names the input in errors. Throws UsageError naming source and line for a line that is not
  /// JSON or a record with a bad field (an unknown protocol, state or reason included).
  void add(std::istream& in, std::string_view source);

  /// Every (ip, protocol, port) once, in address order: every IPv4 address before every IPv6 address, each
  /// family in numeric order, then the registry's protocol order, then port. Result::banner points into this
  /// merger (valid while it lives).
  std::vector<Result> results() const;
  /// Some record carried a banner ("banner_status"): the output is a --banners one.
  bool has_banners() const noexcept { return has_banners_; }
  /// The protocols the records named, in registry order (the default module's when none named one).
  std::vector<ProtocolId> protocols() const;
  /// (ip, hostname) for records that carried a name, sorted by address.
  std::vector<std::pair<IpAddress, std::string>> hostnames() const;
  /// Records read (before de-duplication).
  std::uint64_t records_read() const noexcept { return records_; }

 private:
  struct Kept {
    Result result;
    std::shared_ptr<const Banner> banner;  // the record's banner, or null
  };
  std::map<std::tuple<IpAddress, ProtocolId, std::uint16_t>, Kept> results_;  // (address, protocol, port)
  bool has_banners_ = false;
  std::map<IpAddress, std::string> names_;
  std::uint64_t records_ = 0;
};

/// Parses "2026-01-01T00:00:00.000Z" (the writers' format; fraction optional) into Unix milliseconds.
/// Returns false when `text` is not in that form.
bool parse_timestamp(std::string_view text, std::int64_t& unix_ms);

/// The merge subcommand: argv[0] is "merge". Its outputs are a scan's (cli/output_args.hpp): -o/--output FILE
/// ('-' is stdout, the default; format from --format, else the extension, else ndjson), -oX -oJ -oD -oL -oG
/// -oC -oA and their long forms; FILE... are NDJSON inputs ('-' is stdin). An output on an input file, or two
/// outputs on one file, is refused before anything is opened. Writes the merged results and prints a
/// one-line summary on stderr. Returns 0; throws UsageError (exit 2) for bad input and std::runtime_error
/// (exit 1) for a file that cannot be read or written.
int run_merge(int argc, const char* const* argv, std::ostream& help_out);

}  // namespace synscan
