#include "engine/probes/syn_maker_mixed.hpp"

namespace synscan {

MixedProbeMaker::MixedProbeMaker(const ProbeBlock& space, const std::optional<ProbeTemplate>& tmpl4,
                                 const ProbeTemplate6& tmpl6, SynCookie cookie, Ipv4 source_ip4,
                                 Ipv6 source_ip6, std::uint16_t source_port_first,
                                 std::uint16_t source_port_last) noexcept
    : space_(space),
      tmpl4_(tmpl4),
      tmpl6_(tmpl6),
      cookie_(cookie),
      source_ip4_(source_ip4),
      source_ip6_(source_ip6),
      port_first_(source_port_first),
      port_count_(std::uint32_t{source_port_last} - source_port_first + 1) {
  if (space.targets().intervals_v6().size() == 1) first6_ = space.targets().intervals_v6().front().first;
}

std::uint16_t MixedProbeMaker::craft(ProbeIndex index, std::uint8_t* out,
                                     std::uint32_t tsval) const noexcept {
  const Probe probe = space_.at(index);
  const std::uint16_t sport = source_port_for(index, port_first_, port_count_);
  if (probe.ip.is_v4()) {
    const std::uint32_t seq = cookie_(source_ip4_, probe.ip.ipv4(), sport, probe.port);
    tmpl4_->craft(out,
                  {probe.ip.ipv4(), probe.port, sport, seq, static_cast<std::uint16_t>(seq >> 16), tsval});
    return static_cast<std::uint16_t>(tmpl4_->size());
  }
  const std::uint32_t seq = cookie_.v6(source_ip6_, probe.ip.ipv6(), sport, probe.port);
  tmpl6_.craft(out, {probe.ip.ipv6(), probe.port, sport, seq, tsval});
  return static_cast<std::uint16_t>(tmpl6_.size());
}

void MixedProbeMaker::craft_batch(const ProbeIndex* indices, std::size_t n, std::uint8_t* out,
                                  std::size_t stride, std::uint16_t* lengths,
                                  std::uint32_t tsval) const noexcept {
  // What the loops read, in locals: the frame stores (uint8_t, which may alias anything) would otherwise make
  // the compiler reload it for every probe (as ProbeMaker::craft_batch).
  const ProbeLocator locator = space_.locator();
  const std::uint64_t v4_count = locator.v4_count();
  const std::optional<ProbeTemplate> tmpl4 = tmpl4_;
  const ProbeTemplate6 tmpl6 = tmpl6_;
  const SynCookie cookie = cookie_;
  const Ipv4 source4 = source_ip4_;
  const Ipv6 source6 = source_ip6_;
  const std::uint16_t port_first = port_first_;
  const std::uint32_t port_count = port_count_;
  const bool one_interval6 = first6_.has_value();
  const Ipv6 first6 = first6_.value_or(0);
  const auto len4 = static_cast<std::uint16_t>(tmpl4 ? tmpl4->size() : 0);
  const auto len6 = static_cast<std::uint16_t>(tmpl6.size());

  // The chunk's two lists: each probe's target index, packed ports (source | destination << 16, as
  // SynCookie::batch takes them) and slot in the chunk; then destinations and cookies.
  std::uint64_t target4[kChunk];
  std::uint64_t target6[kChunk];
  std::uint32_t ports4[kChunk];
  std::uint32_t ports6[kChunk];
  std::uint8_t slot4[kChunk];
  std::uint8_t slot6[kChunk];
  Ipv4 dst4[kChunk];
  Ipv6 dst6[kChunk];
  std::uint32_t seq4[kChunk];
  std::uint32_t seq6[kChunk];
  while (n > 0) {
    const std::size_t m = n < kChunk ? n : kChunk;
    std::size_t n4 = 0;
    std::size_t n6 = 0;
    for (std::size_t i = 0; i < m; ++i) {
      std::uint64_t t = 0;
      std::uint16_t port = 0;
      locator.split(indices[i], t, port);
      const std::uint32_t ports =
          source_port_for(indices[i], port_first, port_count) | (std::uint32_t{port} << 16);
      const bool is6 = t >= v4_count;
      // Written to both lists; only the probe's family keeps it (its count advances).
      target4[n4] = t;
      target6[n6] = t - v4_count;
      ports4[n4] = ports;
      ports6[n6] = ports;
      slot4[n4] = static_cast<std::uint8_t>(i);
      slot6[n6] = static_cast<std::uint8_t>(i);
      n4 += static_cast<std::size_t>(!is6);
      n6 += static_cast<std::size_t>(is6);
    }
    for (std::size_t k = 0; k < n4; ++k) dst4[k] = locator.v4_at(target4[k]);
    if (one_interval6) {
      for (std::size_t k = 0; k < n6; ++k) dst6[k] = first6 + target6[k];
    } else {
      for (std::size_t k = 0; k < n6; ++k) dst6[k] = locator.v6_at(target6[k] + v4_count);
    }
    cookie.batch(source4, dst4, ports4, n4, seq4);
    for (std::size_t k = 0; k < n6; ++k) {
      seq6[k] = cookie.v6(source6, dst6[k], static_cast<std::uint16_t>(ports6[k]),
                          static_cast<std::uint16_t>(ports6[k] >> 16));
    }
    for (std::size_t k = 0; k < n4; ++k) {
      tmpl4->craft(out + stride * slot4[k], {dst4[k], static_cast<std::uint16_t>(ports4[k] >> 16),
                                             static_cast<std::uint16_t>(ports4[k]), seq4[k],
                                             static_cast<std::uint16_t>(seq4[k] >> 16), tsval});
      lengths[slot4[k]] = len4;
    }
    for (std::size_t k = 0; k < n6; ++k) {
      tmpl6.craft(out + stride * slot6[k], {dst6[k], static_cast<std::uint16_t>(ports6[k] >> 16),
                                            static_cast<std::uint16_t>(ports6[k]), seq6[k], tsval});
      lengths[slot6[k]] = len6;
    }
    indices += m;
    out += stride * m;
    lengths += m;
    n -= m;
  }
}

}  // namespace synscan
