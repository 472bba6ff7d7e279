#pragma once
// The set of target addresses as sorted, disjoint, non-adjacent intervals: memory grows with the number of
// intervals, never with the number of addresses, so 0.0.0.0/0 costs one interval.
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/types.hpp"

namespace synscan {

/// An inclusive range of IPv4 addresses [first, last], host byte order.
struct Interval {
  Ipv4 first = 0;
  Ipv4 last = 0;
  /// Number of addresses, 1 to 2^32.
  std::uint64_t size() const noexcept { return std::uint64_t{last} - first + 1; }
  friend bool operator==(const Interval&, const Interval&) = default;
};

/// An immutable set of IPv4 addresses: the union of `include` minus the union of `exclude`. Overlapping and
/// duplicate intervals are merged, so every address is in the set at most once. Addresses are numbered 0..size()-1
/// in ascending order; at() and index_of() convert in O(log intervals).
class TargetSet {
 public:
  TargetSet() = default;
  /// Builds the set. Both vectors may be unsorted and overlapping; intervals with first > last are invalid
  /// (std::invalid_argument).
  explicit TargetSet(std::vector<Interval> include, std::vector<Interval> exclude = {});

  /// Number of addresses, 0 to 2^32.
  std::uint64_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  /// The i-th address in ascending order. Precondition: i < size().
  Ipv4 at(std::uint64_t i) const noexcept {
    if (intervals_.size() == 1) return static_cast<Ipv4>(intervals_[0].first + i);
    return at_slow(i);
  }

  /// The position of `ip` in ascending order, or nullopt when it is not in the set.
  std::optional<std::uint64_t> index_of(Ipv4 ip) const noexcept;
  bool contains(Ipv4 ip) const noexcept { return index_of(ip).has_value(); }

  /// The normalized intervals: sorted, disjoint and non-adjacent.
  const std::vector<Interval>& intervals() const noexcept { return intervals_; }

 private:
  Ipv4 at_slow(std::uint64_t i) const noexcept;

  std::vector<Interval> intervals_;
  std::vector<std::uint64_t> starts_;  // starts_[k] = number of addresses in intervals_[0..k)
  std::uint64_t size_ = 0;
};

/// Sorts and merges overlapping or adjacent intervals in place.
void normalize_intervals(std::vector<Interval>& intervals);

}  // namespace synscan
