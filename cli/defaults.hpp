#pragma once
// Every option's default, defined once. ScanConfig's member initialisers, the output resolution, the option
// descriptions' help texts (and so --help and the man page, which is generated from the same descriptions)
// and `synscan merge` read them from here; an option that is not given leaves the ScanConfig member as
// initialised from this file. README's option table states the same values: tests/unit/defaults_test.cpp
// checks that --help, the man page and README say what this file says, so a change here that forgets one of
// them fails a test.
#include <cstdint>
#include <string_view>

#include "capture/send_backend.hpp"
#include "engine/probe_module.hpp"
#include "engine/result.hpp"

namespace synscan::defaults {

/// --rate: probes per second over all send threads, retries included.
inline constexpr double kRatePps = 10000;
/// --rate auto: the first rate of the search (slow start doubles it while the replies per probe hold; it must
/// start below the path's bottleneck, engine/rate_controller.hpp) and the ceiling without auto:MAX (above any
/// machine's send rate: the senders' own maximum is the limit, which the controller follows).
inline constexpr double kAutoStartPps = 1000;
inline constexpr double kAutoMaxPps = 10'000'000;
/// --rate auto: the rate the windows of probes in flight are planned for (engine/probe_window.hpp), the
/// ceiling's when lower (auto:MAX). The retry delay and the late-reply bound are counted in steps at this
/// rate: slower, they last longer in time (safe); faster, shorter in proportion (give auto:MAX to plan for
/// more). 1,000,000 pps x (1 retry x 1 s + 64 s) is 16 MiB of state.
inline constexpr double kAutoPlanPps = 1'000'000;
/// --retries with --rate auto when --retries is not given: the retries re-send what the search lost (the
/// probes sent while a probe upward overshot, or before a back-off), at the rate found; a scan that users
/// expect to be accurate without tuning should not lose them. Two, not one: a path that also loses at random
/// (2% each way) misses a closed port's RST, which no target re-sends, once in 25 tries, so one retry leaves
/// ~0.16% of closed ports filtered (measured 99.84% in scripts/bench-accuracy.sh) and two ~0.006%. Explicit
/// --retries wins (0 included).
inline constexpr std::uint32_t kAutoRetries = 2;
/// --wait: seconds to wait for replies after the last probe.
inline constexpr double kWaitS = 5;
/// --wait at most (seconds): an hour. Replies come within seconds (--late-replies bounds how late one still
/// counts); a larger value is a typo (1e9 would keep a finished scan waiting for 31 years).
inline constexpr double kMaxWaitS = 3600;
/// --retries: times a probe still unanswered is sent again.
inline constexpr std::uint32_t kRetries = 0;
/// --retry-delay: seconds (at the asked rate) between a probe's sends: D = rate x this many probes later.
/// Long enough for a reply over any terrestrial path.
inline constexpr double kRetryDelayS = 1;
/// --late-replies: seconds after a probe's last send during which a reply is still matched and deduplicated.
/// Targets resend an unanswered SYN-ACK with exponential backoff: Linux 5 times (net.ipv4.tcp_synack_retries)
/// at 1, 3, 7, 15 and 31 s, giving up after ~63 s; Windows twice within ~9 s. 64 s covers them all, so such a
/// resend is a duplicate, never a late reply; the window it costs is rate x 64 bits (8 MiB at 1,000,000 pps).
inline constexpr double kLateRepliesS = 64;
/// --late-replies at least (seconds): a reply takes a round trip, then up to 50 ms in the capture's blocks
/// and its turn in the aggregator's queue; below that every reply would be late and its result lost.
inline constexpr double kMinLateRepliesS = 1;
/// --retry-delay at most (seconds).
inline constexpr double kMaxRetryDelayS = 3600;
/// --send-threads: transmit threads.
inline constexpr std::uint32_t kSendThreads = 1;
/// --send-backend: xdp where every send thread's socket opens, else sendmmsg (capture/transmitter.hpp).
inline constexpr SendBackend kSendBackend = SendBackend::automatic;
/// --source-port: the probes' source ports, inclusive, host byte order. Outside Linux's default ephemeral
/// range (32768-60999, net.ipv4.ip_local_port_range), so that no local connection shares a 4-tuple with a
/// probe.
inline constexpr std::uint16_t kSourcePortFirst = kDefaultSourcePortFirst;  // engine/probe_module.hpp
inline constexpr std::uint16_t kSourcePortLast = kDefaultSourcePortLast;
/// --max-memory: bound on the answered set of the probes in flight (engine/probe_window.hpp), MiB: the plan
/// (rate x (retries x retry delay + late replies)) must fit.
inline constexpr std::uint64_t kMaxMemoryMiB = 1024;
/// --pcap-buffer: the capture ring, MiB. libpcap maps it as TPACKET_V3 blocks of 256 KiB, each closed after
/// at most kBlockTimeoutMs (capture/pcap_receiver.hpp). A SYN-ACK or RST takes ~130 bytes of ring
/// (tpacket3_hdr, sockaddr_ll, frame, alignment), so 32 MiB absorbs a reader stall of min(128 blocks x 50 ms
/// = 6.4 s, ~250,000 replies): several seconds at the lab's full rate, ~1 s at 250,000 replies/s. The pages
/// are mapped up front and count in the process's resident memory, which is why the default is not larger (a
/// /16 x 1,000-port scan stays under 64 MiB in total).
inline constexpr std::uint64_t kPcapBufferMiB = 32;
/// --show: the states reported (all are counted).
inline constexpr ShowMask kShow{true, false, false};
/// --format: the format of stdout and of an -o FILE whose extension names none.
inline constexpr std::string_view kFormat = "list";
/// -o: where results go without any output option ("-" is stdout).
inline constexpr std::string_view kOutputPath = "-";
/// --user: who synscan becomes after set-up when started as root (capture/privileges.hpp).
inline constexpr std::string_view kUser = "nobody";
/// --resume-file: where a stopped scan writes its resume file (relative to the working directory).
inline constexpr std::string_view kResumeFile = "synscan.resume";
/// --max-runtime: seconds before the scan stops itself and writes a resume file; 0 is no limit.
inline constexpr double kMaxRuntimeS = 0;
/// --banner-concurrency: connections of the banner stage open at once (capture/banner_stage.hpp).
inline constexpr std::uint32_t kBannerConcurrency = 1000;
/// --banner-rate: banner connections started per second; 0 is no limit but the concurrency.
inline constexpr double kBannerRate = 0;
/// --banner-timeout: seconds per banner connection, connect to last byte. A `generic` port waits min(2 s,
/// half of it) for a greeting before its GET; a silent port costs all of it.
inline constexpr double kBannerTimeoutS = 5;
/// --banner-max-bytes: bytes of each service's answer kept (the rest is not read).
inline constexpr std::uint32_t kBannerMaxBytes = 4096;
/// `synscan merge --format`: NDJSON, which merge reads back.
inline constexpr std::string_view kMergeFormat = "ndjson";

}  // namespace synscan::defaults
