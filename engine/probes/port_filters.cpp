#include "engine/probes/port_filters.hpp"

#include <fmt/format.h>

namespace synscan {

std::string port_reply_filter(std::string_view transport, const std::optional<IpAddress>& v4,
                              const std::optional<IpAddress>& v6, std::uint16_t port_first,
                              std::uint16_t port_last) {
  std::string out;
  if (v4) {
    out += fmt::format(
        "({3} and dst host {0} and dst portrange {1}-{2}) or (icmp and dst host {0} and icmp[0] == 3)",
        format_address(*v4), port_first, port_last, transport);
  }
  if (v6) {
    if (!out.empty()) out += " or ";
    // pcap-filter reads an IPv6 port or ICMPv6 type at a fixed offset after the 40-byte header, so the first
    // two clauses match only packets without extension headers (icmp6[0] is not accepted by every libpcap
    // either: ip6[40] is that byte). A reply carries none in practice, but one that does (a hop-by-hop option
    // added on the path, IPsec AH, a first fragment) would be lost in the kernel though the preprocess walks
    // the chain: so every packet to our address whose first next header is an extension header (hop-by-hop 0,
    // routing 43, destination options 60, AH 51, fragment 44 when its offset is 0) goes to the preprocess,
    // which decides. Foreign traffic of that shape to our own address is rare; a non-first fragment is
    // dropped here.
    out += fmt::format(
        "(ip6 and dst host {0} and (({3} and dst portrange {1}-{2}) or (icmp6 and ip6[40] == 1) or "
        "ip6[6] == 0 or ip6[6] == 43 or ip6[6] == 60 or ip6[6] == 51 or "
        "(ip6[6] == 44 and ip6[42:2] & 0xfff8 == 0)))",
        format_address(*v6), port_first, port_last, transport);
  }
  return out;
}

std::string port_traffic_filter(std::string_view transport, const std::optional<IpAddress>& v4,
                                const std::optional<IpAddress>& v6, std::uint16_t port_first,
                                std::uint16_t port_last) {
  std::string out;
  for (const std::optional<IpAddress>* a : {&v4, &v6}) {
    if (!*a) continue;
    if (!out.empty()) out += " or ";
    out += fmt::format("({} and src host {} and src portrange {}-{})", transport, format_address(**a),
                       port_first, port_last);
  }
  return out + " or " + port_reply_filter(transport, v4, v6, port_first, port_last);
}

}  // namespace synscan
