#pragma once
// The probe space: every (target, port) pair, numbered so that one 64-bit index names one probe.
#include <cstdint>
#include <optional>

#include "engine/fast_divide.hpp"
#include "engine/port_set.hpp"
#include "engine/target_set.hpp"
#include "engine/types.hpp"

namespace synscan {

/// One probe's destination, host byte order.
struct Probe {
  Ipv4 ip = 0;
  std::uint16_t port = 0;
  friend bool operator==(const Probe&, const Probe&) = default;
};

/// targets x ports as the index range [0, targets * ports): index = port_index * targets.size() +
/// target_index. The product is exact in 64 bits (at most 2^32 * 2^16 = 2^48) and never walked to be counted.
/// The part of a ProbeSpace that index -> probe needs, as a small trivially copyable value: a send thread
/// copies it into a local before crafting a batch, so the frame stores (uint8_t, which may alias anything) do
/// not force the compiler to reload the space's fields for every probe. Valid while its ProbeSpace lives and
/// is not moved.
class ProbeLocator {
 public:
  ProbeLocator(const TargetSet& targets, const PortSet& ports, Divisor48 by_targets) noexcept
      : targets_(&targets),
        ports_(ports.ports().data()),
        target_count_(targets.size()),
        by_targets_(by_targets),
        first_(targets.empty() ? 0 : targets.intervals().front().first),
        one_interval_(targets.intervals().size() == 1) {}

  /// The probe at `index`: index = port_index * targets + target_index, split with a precomputed multiplier
  /// (engine/fast_divide.hpp), not a DIV. Precondition: index < the space's size() (< 2^48).
  Probe at(ProbeIndex index) const noexcept {
    const std::uint64_t port_index = by_targets_.divide(index);
    const std::uint64_t target_index = index - port_index * target_count_;
    const Ipv4 ip = one_interval_ ? static_cast<Ipv4>(first_ + target_index) : targets_->at(target_index);
    return {ip, ports_[port_index]};
  }

 private:
  const TargetSet* targets_;    // for sets of several intervals (a binary search)
  const std::uint16_t* ports_;  // ascending
  std::uint64_t target_count_;
  Divisor48 by_targets_;
  Ipv4 first_;  // first address: the whole set when it is one interval
  bool one_interval_;
};

class ProbeSpace {
 public:
  ProbeSpace() = default;
  ProbeSpace(TargetSet targets, PortSet ports)
      : targets_(std::move(targets)),
        ports_(std::move(ports)),
        target_count_(targets_.size()),
        by_targets_(target_count_ > 0 ? target_count_ : 1) {}

  /// Number of probes in one pass, 0 to 2^48.
  std::uint64_t size() const noexcept { return target_count_ * ports_.size(); }

  /// The probe at `index`. Precondition: index < size() (< 2^48).
  Probe at(ProbeIndex index) const noexcept { return locator().at(index); }

  /// The index -> probe view of this space (see ProbeLocator).
  ProbeLocator locator() const noexcept { return {targets_, ports_, by_targets_}; }

  /// The index of (ip, port), or nullopt when either is outside the space.
  std::optional<ProbeIndex> index_of(Ipv4 ip, std::uint16_t port) const noexcept {
    auto p = ports_.index_of(port);
    if (!p) return std::nullopt;
    auto t = targets_.index_of(ip);
    if (!t) return std::nullopt;
    return std::uint64_t{*p} * target_count_ + *t;
  }

  const TargetSet& targets() const noexcept { return targets_; }
  const PortSet& ports() const noexcept { return ports_; }

 private:
  TargetSet targets_;
  PortSet ports_;
  std::uint64_t target_count_ = 0;
  Divisor48 by_targets_;
};

}  // namespace synscan
