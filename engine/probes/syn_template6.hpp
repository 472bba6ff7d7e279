#pragma once
// The IPv6 TCP SYN probe template: one Ethernet + IPv6 + TCP SYN frame built once by libnet, then copied and
// patched per probe, as the IPv4 template (engine/probes/syn_template4.hpp) does.
//
// The frame: Ethernet (ethertype 0x86DD) or none (raw_ip: tun, ipip, WireGuard), the 40-byte IPv6 header (RFC
// 8200 section 3: version 6, traffic class 0, flow label 0, payload length 24, next header 6 = TCP, hop limit
// 64, no extension header), and the 24-byte TCP SYN with the MSS option, as the IPv4 probe has it. 78 bytes
// with Ethernet (above the 60-byte minimum: no padding), 64 raw.
//
// Per probe only the destination address, the ports and the sequence number change. IPv6 has no header
// checksum and no identification field, so the only checksum is TCP's, over the IPv6 pseudo-header (RFC 8200
// section 8.1: source address, destination address, upper-layer packet length as 32 bits, three zero bytes
// and the next header) and the segment (with the TSval of a profile with timestamps). The template keeps that
// sum with the per-probe fields zeroed; a probe's checksum is it plus the new fields' 16-bit words, folded
// and complemented: RFC 1624's HC' = ~(~HC + ~m + m') from fields that were 0, equal to a full recomputation.
// The 128-bit destination enters as two 64-bit halves (engine/probes/wire.hpp).
//
// The MSS option says 1440 by default: the Ethernet MTU of 1500 less the fixed IPv6 (40) and TCP (20)
// headers, as RFC 6691 section 2 reckons it and as Linux advertises over IPv6 on Ethernet (IPv4's 1460 is the
// same rule with a 20-byte IP header). The option only bounds the segments the target would send us, and a
// SYN probe never receives data; what matters is that the SYN looks like a common stack's. 1220 (IPv6's
// 1280-byte minimum MTU less 60) would also be correct but rare on the wire, hence easier to single out; any
// path narrower than 1500 is handled by the target's own path MTU discovery, as for every Linux host that
// sends 1440.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "engine/address.hpp"
#include "engine/probes/syn_profile.hpp"
#include "engine/probes/wire.hpp"
#include "engine/types.hpp"

namespace synscan {

/// What stays the same in every IPv6 probe of a scan.
struct TemplateParams6 {
  LinkType link = LinkType::ethernet;  ///< ethernet or raw_ip (tun, ipip: no link header)
  Mac source_mac{};                    ///< Ethernet source (our interface); ignored for raw_ip
  Mac next_hop_mac{};           ///< Ethernet destination (gateway or the on-link target); ignored for raw_ip
  Ipv6 source_ip = 0;           ///< host byte order (engine/address.hpp)
  std::uint8_t hop_limit = 64;  ///< RFC 8200 section 3; 64 as Linux's default (net.ipv6.conf.*.hop_limit)
  std::uint16_t window = 1024;  ///< TCP window, bytes (as the IPv4 probe)
  std::uint16_t mss = 1440;     ///< TCP MSS option value, bytes: 1500 - 40 - 20 (see the file comment)
  /// The SYN's options (syn_options(profile, mss), engine/probes/syn_profile.hpp); window and hop limit stay
  /// as given.
  SynProfile profile = SynProfile::mss;
};

/// The fields that differ between IPv6 probes, all host byte order.
struct ProbeFields6 {
  Ipv6 dst_ip = 0;
  std::uint16_t dst_port = 0;
  std::uint16_t src_port = 0;
  std::uint32_t seq = 0;    ///< the SYN cookie (SynCookie::v6)
  std::uint32_t tsval = 0;  ///< the timestamp option's TSval; unused without one
};

/// Builds one complete IPv6 probe frame with libnet from scratch (libnet_build_tcp_options, libnet_build_tcp,
/// libnet_build_ipv6, libnet_build_ethernet in a LIBNET_NONE context; libnet computes the TCP checksum over
/// the IPv6 pseudo-header). The template uses it once; tests use it as the independent reference. Throws
/// std::runtime_error with libnet's error text.
std::vector<std::uint8_t> build_probe6_with_libnet(const TemplateParams6& params, const ProbeFields6& fields);

/// An IPv6 probe template. craft() is the per-probe hot path: a fixed-size copy plus patches, no allocation,
/// no branch on the data.
class ProbeTemplate6 {
 public:
  /// Bytes craft() writes: the largest frame (Ethernet + IPv6 + TCP with 40 bytes of options, 114) rounded up
  /// to whole cache lines. A send slot for IPv6 probes holds at least this much.
  static constexpr std::size_t kMaxFrame = 128;
  /// Offset of the TCP header from the IPv6 header (no extension header).
  static constexpr std::size_t kIpHeader = 40;
  /// TCP header bytes without options.
  static constexpr std::size_t kTcpHeader = 20;

  /// Builds the template with libnet. Throws std::invalid_argument for a link that cannot send (linux_sll*),
  /// std::runtime_error with libnet's error text.
  explicit ProbeTemplate6(const TemplateParams6& params);

  /// Bytes of one probe frame: 78 for Ethernet with MSS alone, 64 for raw IPv6; 8, 16 and 20 more with
  /// Windows', Linux's and BSD's options.
  std::size_t size() const noexcept { return size_; }
  LinkType link() const noexcept { return link_; }

  /// Writes one probe into out[0, kMaxFrame): the frame is out[0, size()), bytes past it are scratch. `out`
  /// needs no alignment.
  void craft(std::uint8_t* out, const ProbeFields6& f) const noexcept {
    std::memcpy(out, bytes_, kMaxFrame);
    std::uint8_t* ip = out + l2_;
    std::uint8_t* tcp = ip + kIpHeader;
    const auto dst_high = static_cast<std::uint64_t>(f.dst_ip >> 64);
    const auto dst_low = static_cast<std::uint64_t>(f.dst_ip);
    store_be64(ip + 24, dst_high);
    store_be64(ip + 32, dst_low);
    store_be16(tcp + 0, f.src_port);
    store_be16(tcp + 2, f.dst_port);
    store_be32(tcp + 4, f.seq);
    // Below 2^16 + 2^33 + 2 * 2^16 + 2^32: finish_checksum's range.
    const std::uint64_t sum = tcp_sum_ + ones_complement_add64(dst_high, dst_low) + f.src_port + f.dst_port +
                              (f.seq >> 16) + (f.seq & 0xFFFF);
    if (tsval_at_ != 0) {  // the same way for every probe of a scan: predicted
      store_be32(out + tsval_at_, f.tsval);
      store_be16(tcp + 16, finish_checksum(sum + (f.tsval >> 16) + (f.tsval & 0xFFFF)));
    } else {
      store_be16(tcp + 16, finish_checksum(sum));
    }
  }
  /// The frame has a timestamp option whose TSval craft() writes.
  bool has_timestamp() const noexcept { return tsval_at_ != 0; }

  /// The template bytes with the per-probe fields zeroed.
  std::span<const std::uint8_t> bytes() const noexcept { return {bytes_, size_}; }

 private:
  alignas(64) std::uint8_t bytes_[kMaxFrame] = {};
  std::size_t size_ = 0;
  std::size_t l2_ = 0;        // bytes before the IPv6 header
  std::size_t tsval_at_ = 0;  // the TSval's offset in the frame; 0: no timestamp option
  LinkType link_ = LinkType::ethernet;
  std::uint32_t tcp_sum_ = 0;  // pseudo-header + TCP words, checksum/ports/seq/dst zeroed, folded to 16 bits
};

}  // namespace synscan
