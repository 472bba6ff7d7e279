#pragma once
// What a scan leaves behind about itself: the summary on stderr and the --metadata JSON file. Both are built
// from the same ScanRecord, filled by the driver at the end of the scan.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "capture/pcap_receiver.hpp"
#include "cli/scan_config.hpp"
#include "engine/rate_thread.hpp"
#include "engine/scan_state.hpp"

namespace synscan {

/// How one scan ran, beyond the ScanConfig and the final ScanState counters.
struct ScanRecord {
  std::int64_t start_ms = 0;  ///< Unix ms, UTC
  std::int64_t end_ms = 0;
  double send_s = 0;  ///< seconds from the first probe to the last sender's end
  /// Frames sent by retry level: new probes, then each retry (the summary's "passes: a+b" and --metadata's
  /// "sent_per_pass", named when retries came in passes over the whole space).
  std::vector<std::uint64_t> sent_per_level;
  std::uint64_t window_bytes = 0;  ///< the windows' bits (engine/probe_window.hpp): the answered set's state
  bool interrupted = false;        ///< stopped by SIGINT/SIGTERM
  std::string interface;           ///< as resolved (route or -i)
  std::vector<IpAddress> source_ips;                 ///< one per family scanned, IPv4 first
  std::string next_hop_mac;                          ///< "aa:bb:..", empty on links without MACs
  CaptureStats capture;                              ///< libpcap's final counters
  SendBackend send_backend = SendBackend::sendmmsg;  ///< the backend that sent (never automatic)
  std::string send_backend_fallback;  ///< with --send-backend auto: why not xdp (empty if xdp was taken)
  std::uint64_t send_errors = 0;      ///< frames the transmitters gave up on (Transmitter::errors)
  RateHistory rate_history;           ///< [seconds since the start, pps] at each change (the first at 0)
  std::string loss_warning;           ///< a fixed rate's watch saw the replies per probe fall (else empty)
};

/// One address family's share of a scan: what the summary and --metadata say per family.
struct FamilyCounts {
  std::uint64_t targets = 0;  ///< target addresses of the family
  /// targets x ports: the family's probes, each once, in the whole space (all shards)
  std::uint64_t probes = 0;
  std::uint64_t open = 0, closed = 0, filtered = 0;  ///< results so far (this shard)
};

/// The counts of family `f`: targets and probes from the probe space, results from `state` (open_v6 ...; IPv4
/// is the total minus IPv6, saturating).
FamilyCounts family_counts(const ScanConfig& config, const ScanState& state, Family f);

/// The --metadata document: version, effective options, seed, times, frames per retry level, the window's
/// state, replies by kind, results by state, mean rate, drop counters, and per family (`families.ipv4`,
/// `families.ipv6`, both always present): targets, probes, source_ip ("" when the family was not scanned) and
/// results by state. Keys are stable: scripts read them.
nlohmann::json scan_metadata(const ScanConfig& config, const ScanState& state, const ScanRecord& record);

/// The summary on stderr (scripts parse their phrases), e.g.
///   synscan: 1000000 probes sent in 10.00 s (100000 pps); passes: 1000000; done in 12.31 s
///   synscan: results: 523 open, 999000 closed, 477 filtered
///   synscan: replies: 523 syn-ack, 999000 rst, 12 icmp-unreach; 4 duplicates; 0 replies ignored
///   synscan: capture drops 0 (interface 0), queue drops 0
/// When the scan has targets of both families, two lines follow the results line:
///   synscan: IPv4: 62500 targets x 16 ports = 1000000 probes; 500 open, 999000 closed, 477 filtered
///   synscan: IPv6: 4 targets x 16 ports = 64 probes; 23 open, 41 closed, 0 filtered
/// (probes of the whole space; "probes in all shards" when the scan is one shard of several.)
void print_summary(const ScanConfig& config, const ScanState& state, const ScanRecord& record,
                   std::FILE* out);

/// The --metadata file, opened (and so checked writable) before the scan starts and written at its end.
class MetadataFile {
 public:
  /// Opens `path` for writing; an empty path means no file (write() does nothing). Throws std::runtime_error
  /// naming the file and the system's reason.
  explicit MetadataFile(const std::string& path);

  /// Writes `doc`, pretty-printed, and closes the file. Throws std::runtime_error on a write error.
  void write(const nlohmann::json& doc);

 private:
  struct Closer {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
  };
  std::string path_;
  std::unique_ptr<std::FILE, Closer> file_;
};

}  // namespace synscan
