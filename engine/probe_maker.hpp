#pragma once
// The whole per-probe crafting path: probe index -> (target, port) -> source port, SYN cookie, IP ID -> frame.
#include <cstddef>
#include <cstdint>

#include "engine/cookie.hpp"
#include "engine/probe_space.hpp"
#include "engine/probe_template.hpp"

namespace synscan {

/// Source port of a probe: spread over [first, first + count) by the index, so the port is known from the probe
/// alone (the receiver only checks the range, then the cookie). Lemire's multiply-shift reduction, no division.
inline std::uint16_t source_port_for(ProbeIndex index, std::uint16_t first, std::uint32_t count) noexcept {
  const std::uint32_t mixed = static_cast<std::uint32_t>((index * 0x9E3779B97F4A7C15ull) >> 32);
  return static_cast<std::uint16_t>(first + ((std::uint64_t{mixed} * count) >> 32));
}

class ProbeMaker {
 public:
  /// `space` and `tmpl` must outlive the maker. Ports host byte order; source_port_last >= source_port_first.
  ProbeMaker(const ProbeSpace& space, const ProbeTemplate& tmpl, SynCookie cookie, Ipv4 source_ip,
             std::uint16_t source_port_first, std::uint16_t source_port_last) noexcept
      : space_(space),
        tmpl_(tmpl),
        cookie_(cookie),
        source_ip_(source_ip),
        port_first_(source_port_first),
        port_count_(std::uint32_t{source_port_last} - source_port_first + 1) {}

  /// Writes the probe for `index` (< space.size()) into out[0, ProbeTemplate::kMaxFrame).
  void craft(ProbeIndex index, std::uint8_t* out) const noexcept {
    tmpl_.craft(out, fields(space_.locator(), cookie_, index));
  }

  /// Writes the probes for indices[0, n) into out + stride * i (stride >= ProbeTemplate::kMaxFrame): the same
  /// bytes as n calls of craft(), faster. What the loop reads is copied into locals first, since the frame
  /// stores (uint8_t, which may alias anything) would otherwise make the compiler reload it for every probe;
  /// and kLanes probes go at a time, so that the CPU overlaps their independent cookie computations.
  void craft_batch(const ProbeIndex* indices, std::size_t n, std::uint8_t* out,
                   std::size_t stride) const noexcept {
    const ProbeMaker self = *this;  // the scalars (source ip, port range); the members below by value too
    const ProbeLocator locator = space_.locator();
    const SynCookie cookie = cookie_;
    const ProbeTemplate tmpl = tmpl_;
    const ProbeIndex* const end = indices + n;
    for (; end - indices >= static_cast<std::ptrdiff_t>(kLanes); indices += kLanes) {
      ProbeFields f[kLanes];
      for (std::size_t k = 0; k < kLanes; ++k) f[k] = self.fields(locator, cookie, indices[k]);
      for (std::size_t k = 0; k < kLanes; ++k, out += stride) tmpl.craft(out, f[k]);
    }
    for (; indices != end; ++indices, out += stride) tmpl.craft(out, self.fields(locator, cookie, *indices));
  }

  std::size_t frame_size() const noexcept { return tmpl_.size(); }

 private:
  static constexpr std::size_t kLanes = 4;

  /// The per-probe fields of `index`: destination, source port, cookie as sequence number, IP ID from the
  /// cookie.
  ProbeFields fields(const ProbeLocator& locator, const SynCookie& cookie, ProbeIndex index) const noexcept {
    const Probe p = locator.at(index);
    const std::uint16_t sport = source_port_for(index, port_first_, port_count_);
    const std::uint32_t seq = cookie(source_ip_, p.ip, sport, p.port);
    return {p.ip, p.port, sport, seq, static_cast<std::uint16_t>(seq >> 16)};
  }

  const ProbeSpace& space_;
  const ProbeTemplate& tmpl_;
  SynCookie cookie_;
  Ipv4 source_ip_;
  std::uint16_t port_first_;
  std::uint32_t port_count_;
};

}  // namespace synscan
