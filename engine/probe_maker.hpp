#pragma once
// The whole per-probe crafting path: probe index -> (target, port) -> source port, SYN cookie, IP ID -> frame.
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
    const Probe p = space_.at(index);
    const std::uint16_t sport = source_port_for(index, port_first_, port_count_);
    const std::uint32_t seq = cookie_(source_ip_, p.ip, sport, p.port);
    tmpl_.craft(out, {p.ip, p.port, sport, seq, static_cast<std::uint16_t>(seq >> 16)});
  }

  std::size_t frame_size() const noexcept { return tmpl_.size(); }

 private:
  const ProbeSpace& space_;
  const ProbeTemplate& tmpl_;
  SynCookie cookie_;
  Ipv4 source_ip_;
  std::uint16_t port_first_;
  std::uint32_t port_count_;
};

}  // namespace synscan
