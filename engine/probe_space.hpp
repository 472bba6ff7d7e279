#pragma once
// The probe space: every (target, protocol, port) of a scan, numbered so that one 64-bit index names one
// probe.
//
// The protocol is part of what is scanned: the space is a concatenation of blocks, one per probe module in
// the scan (engine/probe_module.hpp), in the registry's order (engine/probes/registry.hpp). Block b is
// targets x its own ports and covers the indices [base_b, base_b + targets * ports_b); a probe type without
// ports (ICMP echo) is a block of targets alone (one port slot, numbered 0, which no output prints). One
// keyed permutation walks the whole index range, so TCP and UDP probes mix in one random order (masscan
// numbers UDP ports 65536+port in its one port dimension for the same reason); a scan of one protocol is
// exactly one block at base 0.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "engine/address.hpp"
#include "engine/fast_divide.hpp"
#include "engine/port_set.hpp"
#include "engine/target_set.hpp"
#include "engine/types.hpp"

namespace synscan {

/// One probe's destination, host byte order. `port` is 0 for a module without ports.
struct Probe {
  IpAddress ip;
  std::uint16_t port = 0;
  ProtocolId proto = 0;  ///< the probe module that sends it (engine/probes/registry.hpp)
  friend bool operator==(const Probe&, const Probe&) = default;
};

/// The part of a block that index -> probe needs, as a small trivially copyable value: a send thread copies
/// it into a local before crafting a batch, so the frame stores (uint8_t, which may alias anything) do not
/// force the compiler to reload the block's fields for every probe. Valid while its ProbeSpace lives.
///
/// Within a block: index - base = port_index * targets + target_index, where target indices [0, v4) are the
/// IPv4 targets and [v4, targets) the IPv6 ones (engine/target_set.hpp). Exact in 64 bits: the whole space is
/// at most 2^48 probes (the CLI refuses larger ones).
class ProbeLocator {
 public:
  ProbeLocator(const TargetSet& targets, const PortSet& ports, Divisor48 by_targets, ProbeIndex base) noexcept
      : targets_(&targets),
        ports_(ports.ports().data()),
        base_(base),
        target_count_(targets.size()),
        v4_count_(targets.v4_size()),
        by_targets_(by_targets),
        first_(targets.intervals().empty() ? 0 : targets.intervals().front().first),
        one_interval_(targets.intervals().size() == 1) {}

  /// Splits `index` into its target index (< targets) and its port, with a precomputed multiplier
  /// (engine/fast_divide.hpp), not a DIV. Precondition: index in this block.
  void split(ProbeIndex index, std::uint64_t& target_index, std::uint16_t& port) const noexcept {
    const ProbeIndex local = index - base_;
    const std::uint64_t port_index = by_targets_.divide(local);
    target_index = local - port_index * target_count_;
    port = ports_[port_index];
  }

  /// The IPv4 target of a target index < v4_count(): the scan's fast path (no binary search for one
  /// interval).
  Ipv4 v4_at(std::uint64_t target_index) const noexcept {
    return one_interval_ ? static_cast<Ipv4>(first_ + target_index) : targets_->at_v4(target_index);
  }
  /// The IPv6 target of a target index in [v4_count(), targets).
  Ipv6 v6_at(std::uint64_t target_index) const noexcept { return targets_->at_v6(target_index - v4_count_); }

  /// Target indices below this are IPv4, the others IPv6.
  std::uint64_t v4_count() const noexcept { return v4_count_; }
  /// True when every target is IPv4 (a probe module then takes its IPv4 path for whole batches).
  bool all_v4() const noexcept { return v4_count_ == target_count_; }

  /// The address and port of `index` (the caller knows the block's protocol). Precondition: index in this
  /// block.
  Probe at(ProbeIndex index) const noexcept {
    std::uint64_t t = 0;
    std::uint16_t port = 0;
    split(index, t, port);
    return {t < v4_count_ ? IpAddress::v4(v4_at(t)) : IpAddress::v6(v6_at(t)), port, 0};
  }

 private:
  const TargetSet* targets_;    // for sets of several intervals (a binary search) and IPv6
  const std::uint16_t* ports_;  // ascending
  ProbeIndex base_;
  std::uint64_t target_count_;
  std::uint64_t v4_count_;
  Divisor48 by_targets_;
  Ipv4 first_;  // first IPv4 address: the whole IPv4 set when it is one interval
  bool one_interval_;
};

/// One protocol's part of the space: the scan's targets x this module's ports, from index `base()` on.
class ProbeBlock {
 public:
  /// `ports` of a module without ports is {0}. `targets` is shared with the space and the other blocks.
  ProbeBlock(std::shared_ptr<const TargetSet> targets, PortSet ports, ProtocolId proto, ProbeIndex base)
      : targets_(std::move(targets)),
        ports_(std::move(ports)),
        proto_(proto),
        base_(base),
        by_targets_(targets_->size() > 0 ? targets_->size() : 1) {}

  ProtocolId proto() const noexcept { return proto_; }
  /// The block's first index in the space.
  ProbeIndex base() const noexcept { return base_; }
  /// Probes in the block: targets x ports.
  std::uint64_t size() const noexcept { return targets_->size() * ports_.size(); }
  bool contains(ProbeIndex index) const noexcept { return index >= base_ && index - base_ < size(); }

  const TargetSet& targets() const noexcept { return *targets_; }
  const PortSet& ports() const noexcept { return ports_; }

  /// The index -> probe view of this block (see ProbeLocator).
  ProbeLocator locator() const noexcept { return {*targets_, ports_, by_targets_, base_}; }
  /// The probe at `index`. Precondition: contains(index).
  Probe at(ProbeIndex index) const noexcept {
    Probe p = locator().at(index);
    p.proto = proto_;
    return p;
  }
  /// The index of (ip, port) in this block, or nullopt when either is outside it.
  std::optional<ProbeIndex> index_of(const IpAddress& ip, std::uint16_t port) const noexcept {
    const auto p = ports_.index_of(port);
    if (!p) return std::nullopt;
    const auto t = targets_->index_of(ip);
    if (!t) return std::nullopt;
    return base_ + std::uint64_t{*p} * targets_->size() + *t;
  }
  /// The index of (target index, port index): the numbering above, for a caller that found both already.
  ProbeIndex index_at(std::uint64_t target_index, std::uint32_t port_index) const noexcept {
    return base_ + std::uint64_t{port_index} * targets_->size() + target_index;
  }

 private:
  std::shared_ptr<const TargetSet> targets_;
  PortSet ports_;
  ProtocolId proto_;
  ProbeIndex base_;
  Divisor48 by_targets_;
};

/// What one protocol of a scan probes: the module and its ports (for a module without ports, {0}).
struct ProtocolPorts {
  ProtocolId proto = 0;
  PortSet ports;
};

class ProbeSpace {
 public:
  ProbeSpace() : targets_(std::make_shared<TargetSet>()) {}
  /// One block: `targets` x `ports` probed by module `proto` (0: the registry's first, the TCP SYN module).
  ProbeSpace(TargetSet targets, PortSet ports, ProtocolId proto = 0)
      : ProbeSpace(std::move(targets), std::vector<ProtocolPorts>{{proto, std::move(ports)}}) {}
  /// A block per entry, in the order given (callers give the registry's order, so a space's numbering depends
  /// only on what is scanned). Entries with no ports are left out.
  ProbeSpace(TargetSet targets, std::vector<ProtocolPorts> protocols)
      : targets_(std::make_shared<const TargetSet>(std::move(targets))) {
    ProbeIndex base = 0;
    for (ProtocolPorts& p : protocols) {
      if (p.ports.empty()) continue;
      blocks_.emplace_back(targets_, std::move(p.ports), p.proto, base);
      base += blocks_.back().size();
    }
    size_ = base;
  }

  /// Number of probes, 0 to 2^48.
  std::uint64_t size() const noexcept { return size_; }

  /// The blocks, one per protocol scanned, in index order.
  const std::vector<ProbeBlock>& blocks() const noexcept { return blocks_; }
  /// The block holding `index`, or nullptr when index >= size(). A scan has a handful of blocks: a linear
  /// scan.
  const ProbeBlock* block_of(ProbeIndex index) const noexcept {
    for (const ProbeBlock& b : blocks_) {
      if (b.contains(index)) return &b;
    }
    return nullptr;
  }
  /// The block of module `proto`, or nullptr when the scan does not send its probes.
  const ProbeBlock* block_for(ProtocolId proto) const noexcept {
    for (const ProbeBlock& b : blocks_) {
      if (b.proto() == proto) return &b;
    }
    return nullptr;
  }

  /// The probe at `index`. Precondition: index < size().
  Probe at(ProbeIndex index) const noexcept { return block_of(index)->at(index); }

  /// The index of (ip, proto, port), or nullopt when it is outside the space.
  std::optional<ProbeIndex> index_of(const IpAddress& ip, ProtocolId proto,
                                     std::uint16_t port) const noexcept {
    const ProbeBlock* b = block_for(proto);
    return b ? b->index_of(ip, port) : std::nullopt;
  }

  const TargetSet& targets() const noexcept { return *targets_; }

 private:
  std::shared_ptr<const TargetSet> targets_;
  std::vector<ProbeBlock> blocks_;
  std::uint64_t size_ = 0;
};

}  // namespace synscan
