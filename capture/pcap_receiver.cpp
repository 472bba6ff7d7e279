#include "capture/pcap_receiver.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "capture/pcap_filter.hpp"
#include "engine/clock.hpp"

namespace synscan {
namespace {

std::runtime_error pcap_failure(pcap_t* p, const std::string& what) {
  return std::runtime_error("libpcap: " + what + ": " + pcap_geterr(p));
}

LinkType link_from_dlt(int dlt) {
  switch (dlt) {
    case DLT_EN10MB:
      return LinkType::ethernet;
    case DLT_RAW:
    case DLT_IPV4:
      return LinkType::raw_ip;
    case DLT_LINUX_SLL:
      return LinkType::linux_sll;
    case DLT_LINUX_SLL2:
      return LinkType::linux_sll2;
    default:
      throw std::runtime_error(
          fmt::format("libpcap: unsupported link type {}", pcap_datalink_val_to_name(dlt)));
  }
}

}  // namespace

PcapReceiver::PcapReceiver(const std::string& interface, const std::string& filter, std::size_t buffer_bytes)
    : interface_(interface) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_.reset(pcap_create(interface.c_str(), errbuf));
  if (!pcap_) throw std::runtime_error(std::string("libpcap: ") + errbuf);
  pcap_t* p = pcap_.get();
  pcap_set_snaplen(p, kReplySnapLength);  // headers only, IPv6 extension headers included: see the constant
  pcap_set_promisc(p, 0);
  // TPACKET_V3 needs a positive timeout and no immediate mode (libpcap then picks TPACKET_V2): see
  // kBlockTimeoutMs.
  pcap_set_timeout(p, kBlockTimeoutMs);
  pcap_set_immediate_mode(p, 0);
  pcap_set_buffer_size(p, static_cast<int>(std::min<std::size_t>(buffer_bytes, 1u << 30)));
  const int status = pcap_activate(p);
  if (status < 0) {
    std::string text = pcap_statustostr(status);
    if (status == PCAP_ERROR_PERM_DENIED) text += " (needs CAP_NET_RAW)";
    if (status == PCAP_ERROR || status == PCAP_ERROR_PERM_DENIED || status == PCAP_ERROR_NO_SUCH_DEVICE) {
      text = std::string(pcap_geterr(p)) + " - " + text;
    }
    throw std::runtime_error("libpcap: cannot capture on " + interface + ": " + text);
  }
  link_ = link_from_dlt(pcap_datalink(p));
  set_direction_and_filter(p, PCAP_D_IN, filter, "");
  if (pcap_setnonblock(p, 0, errbuf) != 0) throw std::runtime_error(std::string("libpcap: ") + errbuf);
}

void PcapReceiver::run(const std::atomic<bool>& stop, const FrameFn& on_frame, const StatsFn& on_stats) {
  auto handler = [](u_char* user, const pcap_pkthdr* h, const u_char* bytes) {
    const std::int64_t ms = std::int64_t{h->ts.tv_sec} * 1000 + h->ts.tv_usec / 1000;
    (*reinterpret_cast<const FrameFn*>(user))({bytes, h->caplen}, ms);
  };
  // pcap_dispatch returns once per TPACKET_V3 block (at most kBlockTimeoutMs apart while frames arrive), so a
  // clock read there is cheap and the stats call (a syscall) happens about once a second, never per frame.
  constexpr std::int64_t kStatsEveryNs = 1'000'000'000;
  std::int64_t next_stats = monotonic_ns() + kStatsEveryNs;
  while (!stop.load(std::memory_order_relaxed)) {
    const int n =
        pcap_dispatch(pcap_.get(), -1, handler, reinterpret_cast<u_char*>(const_cast<FrameFn*>(&on_frame)));
    if (n < 0 && n != PCAP_ERROR_BREAK) throw pcap_failure(pcap_.get(), "capture on " + interface_);
    if (on_stats && monotonic_ns() >= next_stats) {
      on_stats(stats());
      next_stats = monotonic_ns() + kStatsEveryNs;
    }
  }
  // Replies that arrived before the stop and sit in a block the kernel has not handed over yet still count.
  drain_capture(pcap_.get(), handler, reinterpret_cast<u_char*>(const_cast<FrameFn*>(&on_frame)),
                kBlockTimeoutMs);
  if (on_stats) on_stats(stats());
}

CaptureStats PcapReceiver::stats() const noexcept {
  pcap_stat s{};
  if (pcap_stats(pcap_.get(), &s) != 0) return {};
  return {s.ps_recv, s.ps_drop, s.ps_ifdrop};
}

}  // namespace synscan
