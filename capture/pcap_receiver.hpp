#pragma once
// The libpcap receiver: opened, filtered and capturing before the first probe leaves, so no early reply is
// missed.
#include <pcap/pcap.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "engine/types.hpp"

namespace synscan {

/// Kernel and libpcap counters (pcap_stats): received by the filter, dropped for lack of buffer space.
struct CaptureStats {
  std::uint64_t received = 0;
  std::uint64_t dropped = 0;     ///< ps_drop: the ring was full
  std::uint64_t if_dropped = 0;  ///< ps_ifdrop: dropped by the interface
};

struct PcapDeleter {
  void operator()(pcap_t* p) const noexcept { pcap_close(p); }
};

/// How long the kernel fills a TPACKET_V3 block before handing it over even if it is not full, in
/// milliseconds. Longer blocks waste less of the ring at low rates (a block closed by the timer is mostly
/// empty); shorter ones deliver replies sooner. 50 ms keeps results streaming well within a second.
inline constexpr int kBlockTimeoutMs = 50;

/// Bytes of each captured frame kept (the pcap snap length). Validation reads headers only; the longest stack
/// it reads, after Ethernet and two VLAN tags (22 bytes):
/// - IPv4: header with options (60) + ICMP (8) + the quoted IPv4 header with options (60) + 8 TCP bytes: 158.
/// - IPv6: header (40) + TCP with options (60): 122; header (40) + ICMPv6 (8) + the quoted IPv6 header (40) +
///   8 TCP bytes: 118. Extension headers come on top, in the reply and in the packet an ICMPv6 error quotes,
///   and RFC 8200 bounds neither their number nor their size: 256 bytes left 134 for them, 512 leaves 390
///   (e.g. hop-by-hop, destination options and fragment headers, 24 bytes, plus a segment routing header of
///   20 segments, 8 + 16 x 20 = 328 bytes).
/// TPACKET_V3 stores each frame at its captured length and replies are rarely longer than 130 bytes, so a
/// larger snap length costs them neither ring space nor copying.
inline constexpr int kReplySnapLength = 512;
static_assert(
    kReplySnapLength - (22 + 40 + 60) >= 24 + 8 + 16 * 20,
    "IPv6 + TCP with options + extension headers (hop-by-hop, fragment, destination, 20-segment SRH)");

class PcapReceiver {
 public:
  /// Opens `interface` for capture with a `buffer_bytes` ring (TPACKET_V3, never immediate mode: immediate
  /// mode would make libpcap fall back to TPACKET_V2 with one wake-up per packet), inbound direction only,
  /// and installs `filter` (BPF syntax). Throws std::runtime_error with libpcap's error text.
  PcapReceiver(const std::string& interface, const std::string& filter, std::size_t buffer_bytes);

  /// The capture's link layer (DLT_EN10MB, DLT_RAW, DLT_LINUX_SLL, DLT_LINUX_SLL2 mapped to LinkType).
  LinkType link() const noexcept { return link_; }

  using FrameFn = std::function<void(std::span<const std::uint8_t>, std::int64_t)>;
  using StatsFn = std::function<void(const CaptureStats&)>;

  /// Runs the capture loop on the calling thread until `stop` is true (or interrupt() is called), calling
  /// on_frame(bytes, unix_ms) for each captured frame and, from this same thread, on_stats(stats()) about
  /// once a second while frames arrive and once more on return (libpcap handles are not thread safe, so no
  /// other thread may call stats() while run() is active). Throws std::runtime_error "libpcap: capture on
  /// IFACE: REASON" if the capture fails (interface gone); ReceiveThread then stops the scan as Ctrl-C does.
  void run(const std::atomic<bool>& stop, const FrameFn& on_frame, const StatsFn& on_stats = {});

  /// pcap_stats since the capture opened (one getsockopt; ps_ifdrop also reads the interface's counters).
  /// Call only from the thread running run(), or when it is not running.
  CaptureStats stats() const noexcept;

  /// Makes a blocked run() return promptly; safe to call from another thread (pcap_breakloop).
  void interrupt() noexcept { pcap_breakloop(pcap_.get()); }

 private:
  std::string interface_;  // for messages
  std::unique_ptr<pcap_t, PcapDeleter> pcap_;
  LinkType link_ = LinkType::ethernet;
};

}  // namespace synscan
