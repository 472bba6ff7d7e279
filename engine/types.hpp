#pragma once
// Vocabulary types shared by every layer.
#include <array>
#include <cstdint>

namespace synscan {

/// IPv4 address in host byte order: 198.18.0.1 is 0xC6120001.
using Ipv4 = std::uint32_t;

/// Position in the probe space [0, ProbeSpace::size()); one probe is one (target, port) pair.
using ProbeIndex = std::uint64_t;

/// An Ethernet MAC address, in wire order.
using Mac = std::array<std::uint8_t, 6>;

/// The verdict for one probe, in the sense of nmap -sS.
enum class PortState : std::uint8_t { open, closed, filtered };

/// Why a probe got its state: the reply kind that decided it (nmap's "reason").
enum class Reason : std::uint8_t { syn_ack, rst, icmp_unreach, no_response };

/// Link-layer framing of a captured or sent frame (libpcap's DLT_EN10MB, DLT_RAW, DLT_LINUX_SLL, DLT_LINUX_SLL2).
/// raw_ip: the frame starts at the IP header, of either version (tun, ipip, WireGuard).
enum class LinkType : std::uint8_t { ethernet, raw_ip, linux_sll, linux_sll2 };

}  // namespace synscan
