#pragma once
// The AF_XDP backend of Transmitter (`--send-backend xdp`); see xdp_transmitter.cpp.
#include <memory>
#include <string>

#include "capture/transmitter.hpp"

namespace synscan {

/// Opens a TX-only AF_XDP socket in copy mode (XDP_COPY) on the first TX queue of the interface that no other
/// AF_XDP socket holds, with its own UMEM of 1,024 chunks of 2,048 bytes (2 MiB, pinned: it counts against
/// RLIMIT_MEMLOCK unless the process has CAP_IPC_LOCK). No XDP program is loaded and receiving is untouched.
/// send() copies each frame (at most 2,048 bytes, link header first) into a free chunk and posts it; it
/// returns fewer than asked when the TX ring or the UMEM is full. Frames bypass the qdisc layer and packet
/// taps. Needs CAP_NET_RAW and an Ethernet interface (ARPHRD_ETHER). Throws std::runtime_error naming the
/// backend with the system's error text, e.g. "--send-backend xdp: socket(AF_XDP): Address family not
/// supported by protocol (the kernel has no AF_XDP: CONFIG_XDP_SOCKETS)", or when every TX queue of the
/// interface is taken (one per send thread).
std::unique_ptr<Transmitter> make_xdp_transmitter(const std::string& interface, int ifindex);

}  // namespace synscan
