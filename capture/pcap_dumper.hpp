#pragma once
// --pcap-out: a record of the frames sent and received, written by libpcap's dump writer from a second
// capture handle (both directions) on its own thread. The per-probe send path and the reply receiver are
// untouched.
#include <pcap/pcap.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "capture/pcap_receiver.hpp"
#include "engine/types.hpp"

namespace synscan {

/// "cannot write --pcap-out 'PATH': REASON" from libpcap's error text of a failed pcap_dump_open, which
/// starts with the path itself ("PATH: No such file or directory"): the path is named once.
std::string dump_open_error(const std::string& path, std::string_view pcap_error);

class PcapDumper {
 public:
  /// Opens `interface` for capture in both directions (PCAP_D_INOUT) with `filter` and a `buffer_bytes` ring,
  /// and `path` for writing with pcap_dump_open. Capturing starts at once (the kernel queues frames until the
  /// thread runs). With `append` (a resumed scan), the frames go after those already in `path`
  /// (pcap_dump_open_append: no second file header; a new file if none exists); a file of another link type
  /// or snap length is refused. Throws std::runtime_error with libpcap's error text.
  PcapDumper(const std::string& interface, const std::string& filter, const std::string& path,
             std::size_t buffer_bytes, bool append = false);
  /// Stops and closes (see stop()).
  ~PcapDumper();
  PcapDumper(const PcapDumper&) = delete;
  PcapDumper& operator=(const PcapDumper&) = delete;

  /// Starts the dump thread.
  void start();

  /// Writes what the kernel still holds, stops the thread, flushes and closes the file. Idempotent. Throws
  /// std::runtime_error "cannot write --pcap-out 'PATH': REASON" when any write to the file failed (also one
  /// the thread met earlier: it then warned once on stderr, stopped writing and let the scan go on).
  void stop();

  /// Frames written so far.
  std::uint64_t frames() const noexcept { return frames_.load(std::memory_order_relaxed); }

  /// libpcap's counters for this capture (drops mean the file misses frames).
  CaptureStats stats() const noexcept;

 private:
  struct DumperCloser {
    void operator()(pcap_dumper_t* d) const noexcept { pcap_dump_close(d); }
  };
  std::unique_ptr<pcap_t, PcapDeleter> pcap_;
  std::unique_ptr<pcap_dumper_t, DumperCloser> dumper_;
  std::string path_;
  int write_error_ = 0;  // the first errno of a failed write; set by the thread, read after it joined
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> frames_{0};
  std::thread thread_;
};

}  // namespace synscan
