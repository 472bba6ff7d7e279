#include "capture/pcap_filter.hpp"

#include <chrono>
#include <stdexcept>
#include <thread>

namespace synscan {

void set_direction_and_filter(pcap_t* p, pcap_direction_t direction, const std::string& filter,
                              const std::string& context) {
  auto failure = [&](const char* step) {
    return std::runtime_error("libpcap: " + context + step + ": " + pcap_geterr(p));
  };
  if (pcap_setdirection(p, direction) != 0) throw failure("setdirection");
  bpf_program program{};
  if (pcap_compile(p, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) throw failure("compile");
  const int set = pcap_setfilter(p, &program);
  pcap_freecode(&program);
  if (set != 0) throw failure("setfilter");
}

int drain_capture(pcap_t* p, pcap_handler callback, u_char* user, int block_timeout_ms) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  if (pcap_setnonblock(p, 1, errbuf) != 0) return 0;
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline =
      Clock::now() + std::chrono::milliseconds(block_timeout_ms + block_timeout_ms / 5 + 5);
  int total = 0;
  for (;;) {
    // A pending pcap_breakloop() makes one call return PCAP_ERROR_BREAK, and clears it.
    const int n = pcap_dispatch(p, -1, callback, user);
    if (n > 0) {
      total += n;
      continue;
    }
    if (n < 0 && n != PCAP_ERROR_BREAK) break;
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return total;
}

}  // namespace synscan
