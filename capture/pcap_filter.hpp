#pragma once
// What every capture handle of ours shares (the receiver and the --pcap-out dumper): set-up, and the last
// read.
#include <pcap/pcap.h>

#include <string>

namespace synscan {

/// Sets the capture direction of an activated handle and installs `filter` (BPF syntax, compiled with
/// optimization). Throws std::runtime_error "libpcap: <context><step>: <libpcap's error text>", where context
/// is e.g. "--pcap-out: " or "".
void set_direction_and_filter(pcap_t* p, pcap_direction_t direction, const std::string& filter,
                              const std::string& context);

/// The last read of a handle whose reading loop has stopped: every frame the kernel captured until now, those
/// in a TPACKET_V3 block not yet handed over included. Such a block is handed over when its timer fires,
/// after at most `block_timeout_ms` (the handle's pcap_set_timeout); a handle closed before that loses its
/// frames (seen: the last two SYNs of a 2 pps scan missing from a capture). So this reads without blocking
/// until `block_timeout_ms` plus a margin have passed, passing each frame to `callback` as pcap_dispatch
/// does, and returns the frames read. Puts the handle in non-blocking mode. Costs up to ~1.2 x
/// block_timeout_ms.
int drain_capture(pcap_t* p, pcap_handler callback, u_char* user, int block_timeout_ms);

}  // namespace synscan
