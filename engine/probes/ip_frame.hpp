#pragma once
// A probe template of any upper-layer protocol, for the modules whose probes vary in length or content per
// port (UDP payloads) or carry their cookie in the transport header (ICMP echo): the link header and the IPv4
// or IPv6 header built once by libnet around a transport part, then per probe a copy, the destination, and
// checksums. The IPv4 header checksum is patched incrementally (RFC 1624); the transport checksum is
// recomputed over the transport bytes, which are short (a UDP payload of at most kMaxTransport bytes), from
// the pseudo-header sum of the source address kept in the template.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/address.hpp"
#include "engine/probe_module.hpp"

namespace synscan {

class IpFrameTemplate {
 public:
  /// Largest transport part (header + payload) a template holds, bytes: a frame stays within 1,514 bytes.
  static constexpr std::size_t kMaxTransport = 1400;

  /// A frame from `local` (its link, MACs and source address: IPv4 or IPv6) carrying `transport` (the
  /// upper-layer header and payload, checksum field zero) as IP protocol `ip_protocol`, TTL / hop limit 64,
  /// IPv4 DF clear and ID 0. The destination address is zero until craft(). Throws std::invalid_argument for
  /// a transport longer than kMaxTransport or a link that cannot send, std::runtime_error with libnet's text.
  IpFrameTemplate(const LocalEndpoint& local, std::uint8_t ip_protocol,
                  std::span<const std::uint8_t> transport);

  /// The frame's length, bytes (an Ethernet frame is padded to 60).
  std::size_t size() const noexcept { return bytes_.size(); }
  /// The offset of the transport header in the frame.
  std::size_t transport_offset() const noexcept { return l4_; }
  Family family() const noexcept { return family_; }

  /// Copies the template to `out` (size() bytes) and sets the destination `dst` (of the template's family)
  /// and the IPv4 header checksum. The caller then patches the transport part (out + transport_offset()) and
  /// calls finish_transport().
  void craft(std::uint8_t* out, const IpAddress& dst) const noexcept;

  /// Writes the transport checksum (RFC 768 for UDP, RFC 8200 8.1 pseudo-header for IPv6; `with_pseudo` false
  /// for ICMPv4, RFC 792, whose sum covers the message alone) at `checksum_offset` in the transport part of
  /// `frame` (crafted for `dst`). A UDP sum of 0 is sent as 0xFFFF (RFC 768).
  void finish_transport(std::uint8_t* frame, const IpAddress& dst, std::size_t checksum_offset,
                        bool with_pseudo) const noexcept;

 private:
  std::vector<std::uint8_t> bytes_;
  std::size_t l3_ = 0;
  std::size_t l4_ = 0;
  std::size_t transport_len_ = 0;
  Family family_ = Family::ipv4;
  std::uint8_t ip_protocol_ = 0;
  std::uint16_t ip_sum_ = 0;         // IPv4 header's sum with destination zero, not complemented
  std::uint32_t pseudo_source_ = 0;  // the source address's words + protocol, for the pseudo-header
};

}  // namespace synscan
