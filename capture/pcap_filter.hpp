#pragma once
// Set-up shared by every capture handle of ours (the receiver and the --pcap-out dumper).
#include <pcap/pcap.h>

#include <string>

namespace synscan {

/// Sets the capture direction of an activated handle and installs `filter` (BPF syntax, compiled with
/// optimization). Throws std::runtime_error "libpcap: <context><step>: <libpcap's error text>", where context is
/// e.g. "--pcap-out: " or "".
void set_direction_and_filter(pcap_t* p, pcap_direction_t direction, const std::string& filter,
                              const std::string& context);

}  // namespace synscan
