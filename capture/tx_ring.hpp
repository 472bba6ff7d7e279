#pragma once
// The PACKET_MMAP TX ring backend of Transmitter (`--send-backend mmap`); see tx_ring.cpp.
#include <memory>
#include <string>

#include "capture/transmitter.hpp"

namespace synscan {

/// Opens an AF_PACKET socket on the interface with a TPACKET_V2 TX ring of 4,096 slots (512 KiB, mapped once)
/// and PACKET_QDISC_BYPASS (not with `tap_visible`: see make_transmitter). send() copies each frame (at most
/// 96 bytes) into the next free slot and asks the kernel to transmit; it returns fewer than asked when the
/// ring is full. Throws std::runtime_error with the system's error text, e.g. "setsockopt(PACKET_TX_RING):
/// Invalid argument".
std::unique_ptr<Transmitter> make_tx_ring_transmitter(const std::string& interface, int ifindex,
                                                      bool tap_visible = false);

}  // namespace synscan
