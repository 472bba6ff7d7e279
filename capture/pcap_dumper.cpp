#include "capture/pcap_dumper.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "capture/pcap_filter.hpp"
#include "capture/pcap_receiver.hpp"  // kReplySnapLength

namespace synscan {
namespace {

// How long the kernel fills a capture block before handing it over (pcap_set_timeout), in milliseconds.
constexpr int kDumperBlockTimeoutMs = 100;

struct DumpContext {
  pcap_dumper_t* dumper;
  std::atomic<std::uint64_t>* frames;
};

// Flushes the dump file; the first errno of a failed write (pcap_dump writes through stdio and reports
// nothing itself, so the FILE's error flag is what tells), or 0.
int flush_error(pcap_dumper_t* dumper) {
  errno = 0;
  const bool flushed = pcap_dump_flush(dumper) == 0;
  if (flushed && std::ferror(pcap_dump_file(dumper)) == 0) return 0;
  return errno != 0 ? errno : EIO;
}

void dump_one(u_char* user, const pcap_pkthdr* h, const u_char* bytes) {
  auto* ctx = reinterpret_cast<DumpContext*>(user);
  pcap_dump(reinterpret_cast<u_char*>(ctx->dumper), h, bytes);
  ctx->frames->fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

PcapDumper::PcapDumper(const std::string& interface, const std::string& filter, const std::string& path,
                       std::size_t buffer_bytes, bool append)
    : path_(path) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_.reset(pcap_create(interface.c_str(), errbuf));
  if (!pcap_) throw std::runtime_error(std::string("libpcap: --pcap-out: ") + errbuf);
  pcap_t* p = pcap_.get();
  pcap_set_snaplen(p, kReplySnapLength);  // every probe whole, every reply as much as the receiver keeps
  pcap_set_promisc(p, 0);
  pcap_set_timeout(p, kDumperBlockTimeoutMs);
  pcap_set_buffer_size(p, static_cast<int>(std::min<std::size_t>(buffer_bytes, 1u << 30)));
  if (const int status = pcap_activate(p); status < 0) {
    throw std::runtime_error("libpcap: --pcap-out: cannot capture on " + interface + ": " + pcap_geterr(p) +
                             " - " + pcap_statustostr(status));
  }
  set_direction_and_filter(p, PCAP_D_INOUT, filter, "--pcap-out: ");
  dumper_.reset(append ? pcap_dump_open_append(p, path.c_str()) : pcap_dump_open(p, path.c_str()));
  if (!dumper_) throw std::runtime_error(dump_open_error(path, pcap_geterr(p)));
}

std::string dump_open_error(const std::string& path, std::string_view pcap_error) {
  std::string_view reason = pcap_error;
  if (const std::string prefix = path + ": "; reason.starts_with(prefix)) reason.remove_prefix(prefix.size());
  return fmt::format("cannot write --pcap-out '{}': {}", path, reason);
}

PcapDumper::~PcapDumper() {
  try {
    stop();
  } catch (...) {  // a destructor must not throw; stop() only throws on a failed final flush
  }
}

void PcapDumper::start() {
  thread_ = std::thread([this] {
    DumpContext ctx{dumper_.get(), &frames_};
    std::uint32_t idle_rounds = 0;
    while (!stop_.load(std::memory_order_relaxed)) {
      const int n = pcap_dispatch(pcap_.get(), -1, dump_one, reinterpret_cast<u_char*>(&ctx));
      if (n < 0 && n != PCAP_ERROR_BREAK) break;  // the error surfaces as missing frames; the scan goes on
      // Flush about once a second so that the file can be read while the scan runs.
      if (++idle_rounds >= 10) {
        idle_rounds = 0;
        if ((write_error_ = flush_error(dumper_.get())) != 0) {
          // The scan goes on without its capture file; stop() reports the error and the scan exits 1.
          fmt::print(stderr,
                     "synscan: warning: cannot write --pcap-out '{}': {}; the scan goes on without it\n",
                     path_, std::strerror(write_error_));
          return;
        }
      }
    }
    // Frames captured before the stop request are still in the ring, some in a block not handed over yet.
    drain_capture(pcap_.get(), dump_one, reinterpret_cast<u_char*>(&ctx), kDumperBlockTimeoutMs);
  });
}

void PcapDumper::stop() {
  if (!dumper_) return;
  stop_.store(true, std::memory_order_relaxed);
  pcap_breakloop(pcap_.get());
  if (thread_.joinable()) thread_.join();
  if (write_error_ == 0) write_error_ = flush_error(dumper_.get());
  dumper_.reset();
  if (write_error_ != 0) {
    throw std::runtime_error(
        fmt::format("cannot write --pcap-out '{}': {}", path_, std::strerror(write_error_)));
  }
}

CaptureStats PcapDumper::stats() const noexcept {
  pcap_stat s{};
  if (pcap_stats(pcap_.get(), &s) != 0) return {};
  return {s.ps_recv, s.ps_drop, s.ps_ifdrop};
}

}  // namespace synscan
