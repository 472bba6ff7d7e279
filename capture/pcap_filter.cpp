#include "capture/pcap_filter.hpp"

#include <stdexcept>

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

}  // namespace synscan
