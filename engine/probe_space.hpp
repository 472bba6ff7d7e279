#pragma once
// The probe space: every (target, port) pair, numbered so that one 64-bit index names one probe.
#include <cstdint>
#include <optional>

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

/// targets x ports as the index range [0, targets * ports): index = port_index * targets.size() + target_index.
/// The product is exact in 64 bits (at most 2^32 * 2^16 = 2^48) and never walked to be counted.
class ProbeSpace {
 public:
  ProbeSpace() = default;
  ProbeSpace(TargetSet targets, PortSet ports)
      : targets_(std::move(targets)), ports_(std::move(ports)), target_count_(targets_.size()) {}

  /// Number of probes in one pass, 0 to 2^48.
  std::uint64_t size() const noexcept { return target_count_ * ports_.size(); }

  /// The probe at `index`. Precondition: index < size().
  Probe at(ProbeIndex index) const noexcept {
    return {targets_.at(index % target_count_), ports_.at(static_cast<std::uint32_t>(index / target_count_))};
  }

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
};

}  // namespace synscan
