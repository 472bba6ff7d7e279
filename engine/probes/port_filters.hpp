#pragma once
// The capture filters of a probe type with ports (TCP SYN, UDP): the one shape both modules' reply_filter()
// and traffic_filter() take (engine/probe_module.hpp), for their transport protocol.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/address.hpp"

namespace synscan {

/// The libpcap filter (pcap-filter(7)) for replies to probes of `transport` ("tcp", "udp") sent from `v4` /
/// `v6` (nullopt: that family is not scanned) with source ports [port_first, port_last]: `transport` to our
/// address and port range, ICMP type 3 and ICMPv6 type 1 (destination unreachable) to our address.
/// pcap-filter does not walk IPv6 extension headers, so IPv6 `transport` and ICMPv6 are matched when they are
/// the first next header, and every IPv6 packet to our address that starts with an extension header (all but
/// a non-first fragment) is passed for the preprocess (engine/packet.hpp) to walk.
std::string port_reply_filter(std::string_view transport, const std::optional<IpAddress>& v4,
                              const std::optional<IpAddress>& v6, std::uint16_t port_first,
                              std::uint16_t port_last);

/// The libpcap filter for --pcap-out: our probes (`transport` from our address and port range) and the
/// replies above.
std::string port_traffic_filter(std::string_view transport, const std::optional<IpAddress>& v4,
                                const std::optional<IpAddress>& v6, std::uint16_t port_first,
                                std::uint16_t port_last);

}  // namespace synscan
