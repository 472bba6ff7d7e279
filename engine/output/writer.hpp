#pragma once
// Output writers: the extension point for result formats. One file per format; make_writer() is the registry.
//
// Contract: begin() once before any result, write() once per reported result in the order found, end() once
// at the end of the scan (also after Ctrl-C) and it must leave the file valid for its format (a JSON array
// closed, XML closed). flush() pushes buffered bytes to the file: the aggregator calls it whenever it runs
// out of work, so a result reaches a pipe within a second of being found. Writers never throw on write; I/O
// errors surface from end() as std::runtime_error.
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/output/services.hpp"
#include "engine/result.hpp"
#include "engine/types.hpp"

namespace synscan {

struct ReplyField;    // engine/output/reply_fields.hpp
class P0fSignatures;  // engine/probes/p0f_signatures.hpp

/// What a writer may print about the scan as a whole (headers, footers) and what every record shares.
struct ScanInfo {
  std::string version;  ///< synscan version
  /// What the scan probes, one entry per probe module in it (block order): the XML writer's <scaininfo>
  /// elements. Each record names its own protocol from its module's Vocabulary (Result::proto).
  struct Probed {
    ProtocolId proto = 0;
    std::string ports;             ///< the ports probed in nmap syntax, "22,80,8000-8100"; "" without ports
    std::uint64_t port_count = 0;  ///< how many ports that is
  };
  std::vector<Probed> probed;
  std::string command_line;   ///< the arguments as given
  std::int64_t start_ms = 0;  ///< Unix ms, UTC
  /// The hostname a target was given as (resolved once at start), or empty; unset when no target was a name.
  std::function<std::string_view(const IpAddress&)> hostname_of;
  /// Service names (loaded once from /etc/services); null: no names. Must outlive the writer.
  const ServiceNames* services = nullptr;
  std::uint64_t host_count = 0;  ///< how many target addresses, both families (XML runstats)
  /// --banners, or a module that describes answers (Vocabulary::describes): open results may carry
  /// Result::banner; the formats add their banner fields (JSON's "service" becomes an object in every record,
  /// CSV gains columns), engine/output/banner_fields.hpp.
  bool banners = false;
  /// --output-fields: the reply-fact fields the JSON, CSV and list formats add
  /// (engine/output/reply_fields.hpp); empty: the formats as before.
  std::vector<const ReplyField*> reply_fields;
  /// The OS signatures of the "os" fields (loaded from /etc/p0f/p0f.fp), or null: no guess. Must outlive the
  /// writer.
  const P0fSignatures* os_signatures = nullptr;
};

/// Totals for a footer.
struct ScanTotals {
  std::int64_t end_ms = 0;
  std::uint64_t open = 0, closed = 0, filtered = 0, open_filtered = 0;
  bool interrupted = false;
};

class ResultWriter {
 public:
  virtual ~ResultWriter() = default;
  virtual void begin(const ScanInfo&) {}
  virtual void write(const Result& result) = 0;
  virtual void end(const ScanTotals&) {}
  virtual void flush() = 0;
};

/// The formats make_writer() knows: {"list", "ndjson", "json", "csv", "grepable", "xml"}.
std::vector<std::string> writer_formats();

/// A writer of `format` onto `out` (not owned; the caller closes it after end()). Throws
/// std::invalid_argument for an unknown format.
std::unique_ptr<ResultWriter> make_writer(std::string_view format, std::FILE* out);

/// The format a file name's extension asks for: .xml xml, .json json, .ndjson/.jsonl ndjson, .csv csv,
/// .gnmap/.grep grepable, .txt/.list list (case-insensitive); "" for any other name (and for "-").
std::string format_for_path(std::string_view path);

/// "22,80,8000-8100": ascending ports with runs folded into ranges (nmap's services syntax).
std::string format_port_ranges(const std::vector<std::uint16_t>& ascending_ports);

/// "2026-01-01T00:00:00.000Z" for Unix milliseconds (UTC).
std::string format_timestamp(std::int64_t unix_ms);

}  // namespace synscan
