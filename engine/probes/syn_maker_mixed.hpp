#pragma once
// The TCP SYN crafting path of a probe space with IPv6 targets, alone or beside IPv4 ones: probe index ->
// (target, port) -> source port, SYN cookie -> the frame of the target's family. An IPv4-only space keeps its
// own path (engine/probes/syn_maker4.hpp), which the probe module picks once per batch.
//
// A batch of a mixed space interleaves both families in the permutation's random order. Rather than branch on
// the family per probe (a misprediction on every other probe), each chunk is sorted into two lists without a
// branch: every probe is written to both, and only its family's count advances. Then each list runs its
// family's code in a tight loop (the IPv4 cookies 8 at a time where AVX2 is there, SynCookie::batch), and
// each frame goes to its probe's own slot, so the batch order is the permutation's order.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "engine/address.hpp"
#include "engine/cookie.hpp"
#include "engine/probe_space.hpp"
#include "engine/probes/syn_maker4.hpp"
#include "engine/probes/syn_template4.hpp"
#include "engine/probes/syn_template6.hpp"

namespace synscan {

/// Crafts the TCP SYN probes of a space with IPv6 targets (IPv4 ones may be among them), from the families'
/// templates; immutable after construction, shared by the send threads.
class MixedProbeMaker {
 public:
  /// Bytes a slot must hold for crafting: the larger family's copy (ProbeTemplate6::kMaxFrame).
  static constexpr std::size_t kMaxFrame = ProbeTemplate6::kMaxFrame > ProbeTemplate::kMaxFrame
                                               ? ProbeTemplate6::kMaxFrame
                                               : ProbeTemplate::kMaxFrame;

  /// `space` must outlive the maker; the templates are copied. `tmpl4` and `source_ip4` are used only when
  /// the space has IPv4 targets (then `tmpl4` is required). Addresses and ports host byte order;
  /// source_port_last >= source_port_first.
  MixedProbeMaker(const ProbeBlock& space, const std::optional<ProbeTemplate>& tmpl4,
                  const ProbeTemplate6& tmpl6, SynCookie cookie, Ipv4 source_ip4, Ipv6 source_ip6,
                  std::uint16_t source_port_first, std::uint16_t source_port_last) noexcept;

  /// Writes the probe for `index` (< space.size()) into out[0, kMaxFrame) and returns its frame's length in
  /// bytes (the family's template size: 60 or 44 for IPv4, 78 or 64 for IPv6 with MSS alone). `tsval` goes
  /// into the timestamp option of a profile that has one. One probe at a time, as simply as it can be: the
  /// reference craft_batch() is tested against.
  std::uint16_t craft(ProbeIndex index, std::uint8_t* out, std::uint32_t tsval = 0) const noexcept;

  /// Writes the probes for indices[0, n) into out + stride * i (stride >= kMaxFrame) and each frame's length
  /// into lengths[i]: the same bytes and lengths as n calls of craft() with `tsval`, faster. No allocation
  /// (the chunk's lists, about 4 KiB, are on the stack).
  void craft_batch(const ProbeIndex* indices, std::size_t n, std::uint8_t* out, std::size_t stride,
                   std::uint16_t* lengths, std::uint32_t tsval = 0) const noexcept;

 private:
  static constexpr std::size_t kChunk = 64;  // probes per pass, as ProbeMaker
  static_assert(kChunk <= 256, "slots are stored as uint8_t");

  const ProbeBlock& space_;
  std::optional<ProbeTemplate> tmpl4_;
  ProbeTemplate6 tmpl6_;
  SynCookie cookie_;
  Ipv4 source_ip4_;
  Ipv6 source_ip6_;
  std::uint16_t port_first_;
  std::uint32_t port_count_;
  std::optional<Ipv6> first6_;  // the first IPv6 target when the IPv6 targets are one interval: no search
};

}  // namespace synscan
