#pragma once
// Vocabulary types shared by every layer.
#include <array>
#include <cstddef>
#include <cstdint>

namespace synscan {

/// IPv4 address in host byte order: 198.18.0.1 is 0xC6120001.
using Ipv4 = std::uint32_t;

/// Position in the probe space [0, ProbeSpace::size()); one probe is one (target, protocol, port).
using ProbeIndex = std::uint64_t;

/// A probe module's number in the registry (engine/probes/registry.hpp): what a result's protocol is.
using ProtocolId = std::uint8_t;

/// An Ethernet MAC address, in wire order.
using Mac = std::array<std::uint8_t, 6>;

/// The verdict for one probe, nmap's states (the same words for every scan type): open (the target's service
/// answered), closed (the target said nothing listens), filtered (something on the path answered instead, or
/// silence where a closed port would have answered), open_filtered (silence where an open port may stay
/// silent: UDP). A module names them for its outputs (ICMP echo says "up" and "down",
/// engine/probe_module.hpp's Vocabulary).
enum class PortState : std::uint8_t { open, closed, filtered, open_filtered };
inline constexpr std::size_t kPortStates = 4;

/// Why a probe got its state: the reply kind that decided it (nmap's "reason"). A module's own code: its
/// Vocabulary names it. 0 is every module's "no-response" (a probe no reply claimed). reply_dropped, also
/// every module's ("reply-dropped"): a reply to the probe was captured but lost before the aggregator (the
/// receive queue was full), so its state is unknown; the result carries the module's state of silence with
/// this reason.
enum class Reason : std::uint8_t { no_response = 0, reply_dropped = 7 };

/// Link-layer framing of a captured or sent frame (libpcap's DLT_EN10MB, DLT_RAW, DLT_LINUX_SLL,
/// DLT_LINUX_SLL2). raw_ip: the frame starts at the IP header, of either version (tun, ipip, WireGuard).
enum class LinkType : std::uint8_t { ethernet, raw_ip, linux_sll, linux_sll2 };

}  // namespace synscan
