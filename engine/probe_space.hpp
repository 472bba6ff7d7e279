#pragma once
// The probe space: every (target, port) pair, numbered so that one 64-bit index names one probe.
#include <cstdint>
#include <optional>

#include "engine/address.hpp"
#include "engine/fast_divide.hpp"
#include "engine/port_set.hpp"
#include "engine/target_set.hpp"
#include "engine/types.hpp"

namespace synscan {

/// One probe's destination, host byte order.
struct Probe {
  IpAddress ip;
  std::uint16_t port = 0;
  friend bool operator==(const Probe&, const Probe&) = default;
};

/// targets x ports as the index range [0, targets * ports): index = port_index * targets.size() +
/// target_index, where target indices [0, v4) are the IPv4 targets and [v4, targets) the IPv6 ones
/// (engine/target_set.hpp). The product is exact in 64 bits: the space is at most 2^48 probes (the CLI refuses
/// larger ones), and it is never walked to be counted.
///
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
        v4_count_(targets.v4_size()),
        by_targets_(by_targets),
        first_(targets.intervals().empty() ? 0 : targets.intervals().front().first),
        one_interval_(targets.intervals().size() == 1) {}

  /// Splits `index` into its target index (< targets) and its port, with a precomputed multiplier
  /// (engine/fast_divide.hpp), not a DIV. Precondition: index < the space's size() (< 2^48).
  void split(ProbeIndex index, std::uint64_t& target_index, std::uint16_t& port) const noexcept {
    const std::uint64_t port_index = by_targets_.divide(index);
    target_index = index - port_index * target_count_;
    port = ports_[port_index];
  }

  /// The IPv4 target of a target index < v4_count(): the scan's fast path (no binary search for one interval).
  Ipv4 v4_at(std::uint64_t target_index) const noexcept {
    return one_interval_ ? static_cast<Ipv4>(first_ + target_index) : targets_->at_v4(target_index);
  }
  /// The IPv6 target of a target index in [v4_count(), targets).
  Ipv6 v6_at(std::uint64_t target_index) const noexcept { return targets_->at_v6(target_index - v4_count_); }

  /// Target indices below this are IPv4, the others IPv6.
  std::uint64_t v4_count() const noexcept { return v4_count_; }
  /// True when every target is IPv4 (the probe module then takes its IPv4 path for whole batches).
  bool all_v4() const noexcept { return v4_count_ == target_count_; }

  /// The probe at `index`. Precondition: index < the space's size() (< 2^48).
  Probe at(ProbeIndex index) const noexcept {
    std::uint64_t t = 0;
    std::uint16_t port = 0;
    split(index, t, port);
    return {t < v4_count_ ? IpAddress::v4(v4_at(t)) : IpAddress::v6(v6_at(t)), port};
  }

 private:
  const TargetSet* targets_;    // for sets of several intervals (a binary search) and IPv6
  const std::uint16_t* ports_;  // ascending
  std::uint64_t target_count_;
  std::uint64_t v4_count_;
  Divisor48 by_targets_;
  Ipv4 first_;  // first IPv4 address: the whole IPv4 set when it is one interval
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
  std::optional<ProbeIndex> index_of(const IpAddress& ip, std::uint16_t port) const noexcept {
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
