#pragma once
// The IPv4 TCP SYN probe template: one Ethernet + IPv4 + TCP SYN frame built once by libnet, then copied and
// patched per probe. (The IPv6 one is engine/probes/syn_template6.hpp.)
//
// Per probe only the destination address, IP ID, source and destination ports, sequence number and (for a
// profile with timestamps, engine/probes/syn_profile.hpp) the TSval change. The template keeps the one's
// complement sums (RFC 1071) of its IPv4 header and of its TCP segment plus pseudo-header with those fields
// zeroed; a probe's checksums are those sums plus the new fields' 16-bit words, folded and complemented. This
// is RFC 1624's incremental update HC' = ~(~HC + ~m + m') applied from fields that were 0, so the result
// equals a full recomputation while touching only the changed words.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "engine/probes/syn_profile.hpp"
#include "engine/probes/wire.hpp"
#include "engine/types.hpp"

namespace synscan {

/// What stays the same in every probe of a scan.
struct TemplateParams {
  LinkType link = LinkType::ethernet;  ///< ethernet or raw_ip (tun, ipip: no link header)
  Mac source_mac{};                    ///< Ethernet source (our interface); ignored for raw_ip
  Mac next_hop_mac{};  ///< Ethernet destination (gateway, or the on-link target); ignored for raw_ip
  Ipv4 source_ip = 0;  ///< host byte order
  std::uint8_t ttl = 64;
  std::uint16_t window = 1024;  ///< TCP window, bytes
  std::uint16_t mss = 1460;     ///< TCP MSS option value, bytes (RFC 9293 section 3.7.1)
  /// The SYN's options (syn_options(profile, mss)); the window and TTL above stay as given (the module sets
  /// them from the profile).
  SynProfile profile = SynProfile::mss;
};

/// The fields that differ between probes, all host byte order.
struct ProbeFields {
  Ipv4 dst_ip = 0;
  std::uint16_t dst_port = 0;
  std::uint16_t src_port = 0;
  std::uint32_t seq = 0;  ///< the SYN cookie
  std::uint16_t ip_id = 0;
  std::uint32_t tsval =
      0;  ///< the timestamp option's TSval (engine/probes/syn_timestamp.hpp); unused without one
};

/// Builds one complete probe frame with libnet from scratch (checksums computed by libnet). The template uses
/// it once; tests use it as the independent reference. Ethernet frames are zero-padded to the 60-byte
/// minimum. The timestamp option, when the profile has one, carries fields.tsval. Throws std::runtime_error
/// with libnet's error text.
std::vector<std::uint8_t> build_probe_with_libnet(const TemplateParams& params, const ProbeFields& fields);

/// A probe template. craft() is the per-probe hot path: a fixed-size copy plus patches, no allocation, no
/// branch on the data.
class ProbeTemplate {
 public:
  /// Bytes craft() may write: the largest frame (Ethernet + IPv4 + TCP with 40 bytes of options, 94) rounded
  /// up to whole cache lines. A send slot holds at least copy_size().
  static constexpr std::size_t kMaxFrame = 128;
  /// craft()'s copy for frames of up to 64 bytes (the mss and none profiles): one cache line, as before
  /// profiles.
  static constexpr std::size_t kSmallCopy = 64;

  /// Builds the template with libnet. Throws std::runtime_error with libnet's error text.
  explicit ProbeTemplate(const TemplateParams& params);

  /// Bytes of one probe frame: 60 for Ethernet with MSS alone (58 + padding), 44 for raw IPv4; 66 / 52 with
  /// Windows' options, 74 / 60 with Linux's, 78 / 64 with BSD's.
  std::size_t size() const noexcept { return size_; }
  LinkType link() const noexcept { return link_; }
  /// Bytes craft() writes: kSmallCopy when the frame fits it, else kMaxFrame.
  std::size_t copy_size() const noexcept { return size_ <= kSmallCopy ? kSmallCopy : kMaxFrame; }
  /// The frame has a timestamp option whose TSval craft() writes.
  bool has_timestamp() const noexcept { return tsval_at_ != 0; }

  /// Writes one probe into out[0, copy_size()): the frame is out[0, size()), bytes past it are scratch.
  void craft(std::uint8_t* out, const ProbeFields& f) const noexcept {
    if (size_ <= kSmallCopy) {
      craft_copy<kSmallCopy>(out, f);
    } else {
      craft_copy<kMaxFrame>(out, f);
    }
  }

  /// craft() with the copy's size fixed: Copy >= copy_size() (ProbeMaker picks it once per batch).
  template <std::size_t Copy>
  void craft_copy(std::uint8_t* out, const ProbeFields& f) const noexcept {
    static_assert(Copy == kSmallCopy || Copy == kMaxFrame);
    std::memcpy(out, bytes_, Copy);
    std::uint8_t* ip = out + l2_;
    std::uint8_t* tcp = ip + 20;
    store_be16(ip + 4, f.ip_id);
    store_be32(ip + 16, f.dst_ip);
    store_be16(tcp + 0, f.src_port);
    store_be16(tcp + 2, f.dst_port);
    store_be32(tcp + 4, f.seq);
    const std::uint32_t dst_words = (f.dst_ip >> 16) + (f.dst_ip & 0xFFFF);
    store_be16(ip + 10, finish(ip_sum_ + f.ip_id + dst_words));
    std::uint32_t tcp_sum = tcp_sum_ + dst_words + f.src_port + f.dst_port + (f.seq >> 16) + (f.seq & 0xFFFF);
    if (tsval_at_ != 0) {  // the same way for every probe of a scan: predicted
      store_be32(out + tsval_at_, f.tsval);
      tcp_sum += (f.tsval >> 16) + (f.tsval & 0xFFFF);
    }
    store_be16(tcp + 16, finish(tcp_sum));
  }

  /// The template bytes with the per-probe fields zeroed.
  std::span<const std::uint8_t> bytes() const noexcept { return {bytes_, size_}; }

 private:
  // Folds a 32-bit one's complement accumulator to 16 bits and complements it. Two folds suffice: the inputs
  // add at most a handful of 17-bit values to a 16-bit base, far below 2^32.
  static std::uint16_t finish(std::uint32_t sum) noexcept {
    sum = (sum & 0xFFFF) + (sum >> 16);
    sum = (sum & 0xFFFF) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
  }

  alignas(64) std::uint8_t bytes_[kMaxFrame] = {};
  std::size_t size_ = 0;
  std::size_t l2_ = 0;        // bytes before the IPv4 header
  std::size_t tsval_at_ = 0;  // the TSval's offset in the frame; 0: no timestamp option
  LinkType link_ = LinkType::ethernet;
  std::uint32_t ip_sum_ = 0;  // IPv4 header words, checksum/id/dst zeroed, folded to 16 bits
  std::uint32_t tcp_sum_ =
      0;  // pseudo-header + TCP words, checksum/ports/seq/dst/TSval zeroed, folded to 16 bits
};

}  // namespace synscan
