#pragma once
// The libpcap receiver: opened, filtered and capturing before the first probe leaves, so no early reply is missed.
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
  std::uint64_t dropped = 0;    ///< ps_drop: the ring was full
  std::uint64_t if_dropped = 0; ///< ps_ifdrop: dropped by the interface
};

struct PcapDeleter {
  void operator()(pcap_t* p) const noexcept { pcap_close(p); }
};

class PcapReceiver {
 public:
  /// Opens `interface` for capture with a `buffer_bytes` ring (TPACKET_V3), inbound direction only, and installs
  /// `filter` (BPF syntax). Throws std::runtime_error with libpcap's error text.
  PcapReceiver(const std::string& interface, const std::string& filter, std::size_t buffer_bytes);

  /// The capture's link layer (DLT_EN10MB, DLT_RAW, DLT_LINUX_SLL, DLT_LINUX_SLL2 mapped to LinkType).
  LinkType link() const noexcept { return link_; }

  /// Runs the capture loop on the calling thread until `stop` is true, calling on_frame(bytes, unix_ms) for each
  /// captured frame. Returns within ~50 ms of stop being set.
  void run(const std::atomic<bool>& stop,
           const std::function<void(std::span<const std::uint8_t>, std::int64_t)>& on_frame);

  CaptureStats stats() const noexcept;

  /// Makes a blocked run() return promptly; safe to call from another thread (pcap_breakloop).
  void interrupt() noexcept { pcap_breakloop(pcap_.get()); }

 private:
  std::unique_ptr<pcap_t, PcapDeleter> pcap_;
  LinkType link_ = LinkType::ethernet;
};

/// The BPF filter for replies to us: TCP to our address and source-port range, and ICMP destination unreachable
/// to our address. E.g. "(tcp and dst host 198.18.0.1 and dst portrange 61000-61255) or (icmp and dst host
/// 198.18.0.1 and icmp[0] == 3)".
std::string reply_filter(Ipv4 local_ip, std::uint16_t port_first, std::uint16_t port_last);

}  // namespace synscan
