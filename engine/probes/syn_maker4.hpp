#pragma once
// The IPv4 TCP SYN crafting path: probe index -> (IPv4 target, port) -> source port, SYN cookie, IP ID ->
// frame.
#include <cstddef>
#include <cstdint>

#include "engine/cookie.hpp"
#include "engine/probe_space.hpp"
#include "engine/probes/syn_template4.hpp"

namespace synscan {

/// Source port of a probe: spread over [first, first + count) by the index, so the port is known from the
/// probe alone (the receiver only checks the range, then the cookie). Lemire's multiply-shift reduction, no
/// division.
inline std::uint16_t source_port_for(ProbeIndex index, std::uint16_t first, std::uint32_t count) noexcept {
  const std::uint32_t mixed = static_cast<std::uint32_t>((index * 0x9E3779B97F4A7C15ull) >> 32);
  return static_cast<std::uint16_t>(first + ((std::uint64_t{mixed} * count) >> 32));
}

/// Crafts the TCP SYN probes of an IPv4-only space from the IPv4 template; immutable, shared by the send
/// threads.
class ProbeMaker {
 public:
  /// `space` and `tmpl` must outlive the maker. Ports host byte order; source_port_last >= source_port_first.
  ProbeMaker(const ProbeBlock& space, const ProbeTemplate& tmpl, SynCookie cookie, Ipv4 source_ip,
             std::uint16_t source_port_first, std::uint16_t source_port_last) noexcept
      : space_(space),
        tmpl_(tmpl),
        cookie_(cookie),
        source_ip_(source_ip),
        port_first_(source_port_first),
        port_count_(std::uint32_t{source_port_last} - source_port_first + 1) {}

  /// Writes the probe for `index` (< space.size(), an IPv4 target) into out[0, ProbeTemplate::kMaxFrame), its
  /// timestamp option (if the template has one) carrying `tsval`.
  void craft(ProbeIndex index, std::uint8_t* out, std::uint32_t tsval = 0) const noexcept {
    ProbeFields f = fields(space_.locator(), cookie_, index);
    f.tsval = tsval;
    tmpl_.craft(out, f);
  }

  /// Writes the probes for indices[0, n) into out + stride * i (stride >= the template's copy_size()): the
  /// same bytes as n calls of craft() with `tsval`, faster. It works in chunks of kChunk probes and three
  /// passes over each: the destinations and ports, then the cookies of the whole chunk (SynCookie::batch: 8
  /// at a time with AVX2), then the frames. Passes keep each loop's independent work side by side for the CPU
  /// to overlap, and the chunk's arrays are long written when the next pass reads them, so wide loads never
  /// wait on narrow stores. What the loops read is copied into locals first, since the frame stores (uint8_t,
  /// which may alias anything) would otherwise make the compiler reload it for every probe.
  void craft_batch(const ProbeIndex* indices, std::size_t n, std::uint8_t* out, std::size_t stride,
                   std::uint32_t tsval = 0) const noexcept {
    if (tmpl_.copy_size() == ProbeTemplate::kSmallCopy) {
      craft_batch_copy<ProbeTemplate::kSmallCopy>(indices, n, out, stride, tsval);
    } else {
      craft_batch_copy<ProbeTemplate::kMaxFrame>(indices, n, out, stride, tsval);
    }
  }

  std::size_t frame_size() const noexcept { return tmpl_.size(); }

 private:
  static constexpr std::size_t kChunk = 64;  // probes per pass: 768 bytes of arrays on the stack

  // craft_batch() with the template's copy size fixed, so that the copy is a few vector moves.
  template <std::size_t Copy>
  void craft_batch_copy(const ProbeIndex* indices, std::size_t n, std::uint8_t* out, std::size_t stride,
                        std::uint32_t tsval) const noexcept {
    const ProbeLocator locator = space_.locator();
    const ProbeTemplate tmpl = tmpl_;
    const Ipv4 source_ip = source_ip_;
    const std::uint16_t port_first = port_first_;
    const std::uint32_t port_count = port_count_;
    Ipv4 dst_ip[kChunk];
    std::uint32_t ports[kChunk];  // source port | destination port << 16, as SynCookie::batch takes them
    std::uint32_t seq[kChunk];
    while (n > 0) {
      const std::size_t m = n < kChunk ? n : kChunk;
      for (std::size_t i = 0; i < m; ++i) {
        std::uint64_t target_index = 0;
        std::uint16_t port = 0;
        locator.split(indices[i], target_index, port);
        dst_ip[i] = locator.v4_at(target_index);
        ports[i] = source_port_for(indices[i], port_first, port_count) | (std::uint32_t{port} << 16);
      }
      cookie_.batch(source_ip, dst_ip, ports, m, seq);
      for (std::size_t i = 0; i < m; ++i, out += stride) {
        tmpl.template craft_copy<Copy>(
            out, {dst_ip[i], static_cast<std::uint16_t>(ports[i] >> 16), static_cast<std::uint16_t>(ports[i]),
                  seq[i], static_cast<std::uint16_t>(seq[i] >> 16), tsval});
      }
      indices += m;
      n -= m;
    }
  }

  /// The per-probe fields of `index`: destination, source port, cookie as sequence number, IP ID from the
  /// cookie.
  ProbeFields fields(const ProbeLocator& locator, const SynCookie& cookie, ProbeIndex index) const noexcept {
    std::uint64_t target_index = 0;
    std::uint16_t port = 0;
    locator.split(index, target_index, port);
    const Ipv4 ip = locator.v4_at(target_index);
    const std::uint16_t sport = source_port_for(index, port_first_, port_count_);
    const std::uint32_t seq = cookie(source_ip_, ip, sport, port);
    return {ip, port, sport, seq, static_cast<std::uint16_t>(seq >> 16)};
  }

  const ProbeBlock& space_;
  const ProbeTemplate& tmpl_;
  SynCookie cookie_;
  Ipv4 source_ip_;
  std::uint16_t port_first_;
  std::uint32_t port_count_;
};

}  // namespace synscan
