#pragma once
// ScanConfig: every option resolved and validated, built once by cli/options.cpp and then only read
// (threads get a const ScanConfig&). What changes at run time lives in ScanState (engine/scan_state.hpp).
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "capture/send_backend.hpp"
#include "cli/config_file.hpp"
#include "cli/defaults.hpp"
#include "cli/resume_point.hpp"
#include "engine/banner/hello.hpp"
#include "engine/output/writer.hpp"
#include "engine/probe_space.hpp"
#include "engine/probe_window.hpp"
#include "engine/result.hpp"
#include "engine/shard.hpp"
#include "engine/types.hpp"

namespace synscan {

/// One output destination: a path ("-" is stdout) and a format name known to make_writer().
struct OutputSpec {
  std::string path{defaults::kOutputPath};
  std::string format{defaults::kFormat};
  bool append = false;  ///< a resumed scan adds to the stopped run's file instead of truncating it
};

/// The status line on stderr: automatic (once a second when stderr is a terminal), forced on or off, or one
/// JSON object a second (for machines).
enum class StatusMode : std::uint8_t { automatic, on, off, json };

struct ScanConfig;
/// The rate (pps over all send threads) the windows are planned for and the senders' limiters start at:
/// --rate, or with --rate auto its ceiling up to defaults::kAutoPlanPps (the rate thread then moves the
/// limiters, capture/send_thread.hpp).
double planned_rate_pps(const ScanConfig& c) noexcept;

struct ScanConfig {
  ProbeSpace space;  ///< targets x (protocol, port), overlaps merged
  /// The probe modules' own options as given (engine/probe_module.hpp's ModuleArgs); each module reads its
  /// own.
  ModuleArgs module_args;
  double rate_pps = defaults::kRatePps;  ///< probes per second over all send threads, retries included
  /// --rate auto[:MAX]: the rate is searched during the scan (engine/rate_controller.hpp); rate_pps is then
  /// its ceiling (MAX, or defaults::kAutoMaxPps).
  bool rate_auto = false;
  double wait_s = defaults::kWaitS;               ///< seconds to wait for replies after the last probe
  std::uint32_t retries = defaults::kRetries;     ///< times an unanswered probe is sent again
  double retry_delay_s = defaults::kRetryDelayS;  ///< seconds between a probe's sends (at the asked rate)
  double late_replies_s =
      defaults::kLateRepliesS;  ///< seconds after a probe's last send a reply still counts
  /// The window of probes in flight per send thread (engine/probe_window.hpp), planned from the rate, the
  /// retries, the two delays above and --max-memory in finish_config; a resumed scan keeps the stopped run's
  /// retry gap and late steps.
  WindowShape window;
  std::uint64_t seed = 0;  ///< permutation seed (random unless --seed)
  bool seed_given = false;
  std::uint64_t shard_index = 0;  ///< 0-based
  std::uint64_t shard_count = 1;
  std::uint32_t send_threads = defaults::kSendThreads;
  /// space x shard x send threads: who sends which positions of the permutation. Built once with the config
  /// (finish_config, cli/finish_config.hpp), after everything it depends on; every walk of the shard's
  /// positions reads it.
  ScanPlan plan;
  SendBackend send_backend = defaults::kSendBackend;
  std::optional<std::string> interface;  ///< -i
  std::optional<IpAddress> source_ip4;   ///< --source-ip of family IPv4
  std::optional<IpAddress> source_ip6;   ///< --source-ip of family IPv6
  /// --suppress-rst: the kernel's RSTs to SYN-ACKs dropped during the scan (capture/rst_suppressor.hpp).
  bool suppress_rst = false;
  std::optional<Mac> router_mac;   ///< --router-mac: each family's next hop; IPv4's with router_mac6
  std::optional<Mac> router_mac6;  ///< --router-mac-ipv6: IPv6's next hop
  std::uint16_t source_port_first = defaults::kSourcePortFirst;  ///< probes' source ports, inclusive
  std::uint16_t source_port_last = defaults::kSourcePortLast;
  std::vector<OutputSpec> outputs;  ///< at least one
  ShowMask show = defaults::kShow;
  StatusMode status = StatusMode::automatic;
  std::string metadata_path;     ///< --metadata FILE, "" for none
  std::string pcap_out_path;     ///< --pcap-out FILE, "" for none
  bool pcap_out_append = false;  ///< a resumed scan adds its frames to the stopped run's --pcap-out file
  bool dry_run = false;
  bool count_only = false;  ///< --count: the dry run prints only the number of probes
  std::vector<std::pair<IpAddress, std::string>>
      hostnames;                      ///< names targets were given as, sorted by address
  std::string user{defaults::kUser};  ///< --user: who synscan becomes after set-up when started as root
  bool user_given =
      false;  ///< --user was given: a root that cannot become `user` is an error, not uid 0 kept
  std::uint64_t max_memory_bytes = defaults::kMaxMemoryMiB << 20;    ///< bound on the windows' bits, bytes
  std::uint64_t pcap_buffer_bytes = defaults::kPcapBufferMiB << 20;  ///< the capture ring, bytes
  std::string command_line;                                          ///< as typed, for metadata
  ConfigEntries effective;  ///< every option (file + command line) with the seed used: echo, resume file
  std::string resume_file{defaults::kResumeFile};  ///< where a stopped scan writes its resume file
  double max_runtime_s =
      defaults::kMaxRuntimeS;  ///< --max-runtime: stop, write the resume file; 0 = no limit
  std::optional<ResumePoint>
      resume_from;  ///< --resume: each send thread's cursor and window to continue with
  std::vector<const ReplyField*> reply_fields;  ///< --output-fields (engine/output/reply_fields.hpp)
  bool banners = false;                         ///< --banners: the banner stage takes every open port
  BannerProbeSpec banner_probes;                ///< --banner-probe: the hello per port (auto: default_hello)
  std::uint32_t banner_concurrency = defaults::kBannerConcurrency;  ///< --banner-concurrency
  double banner_rate = defaults::kBannerRate;                       ///< --banner-rate, connections/s; 0 none
  double banner_timeout_s = defaults::kBannerTimeoutS;              ///< --banner-timeout, seconds
  std::uint32_t banner_max_bytes = defaults::kBannerMaxBytes;       ///< --banner-max-bytes
};

/// The next-hop MAC given for one family (--router-mac-ipv6 for IPv6, else --router-mac), or none: then the
/// neighbour table's.
inline std::optional<Mac> router_mac_for(const ScanConfig& c, bool ipv6) noexcept {
  return ipv6 && c.router_mac6 ? c.router_mac6 : c.router_mac;
}

inline double planned_rate_pps(const ScanConfig& c) noexcept {
  return c.rate_auto ? std::min(c.rate_pps, defaults::kAutoPlanPps) : c.rate_pps;
}

}  // namespace synscan
