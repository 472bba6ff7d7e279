#pragma once
// The set of target addresses as sorted, disjoint, non-adjacent intervals, one list per family: memory grows
// with the number of intervals, never with the number of addresses, so 0.0.0.0/0 costs one interval. IPv4
// intervals stay 32-bit (8 bytes each; a hitlist of a million IPv4 addresses is 16 MiB with its index), IPv6
// intervals are 128-bit (32 bytes each).
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/address.hpp"
#include "engine/types.hpp"

namespace synscan {

/// An inclusive range [first, last] of IPv4 addresses, host byte order.
struct Interval {
  Ipv4 first = 0;
  Ipv4 last = 0;
  /// Number of addresses, 1 to 2^32.
  std::uint64_t size() const noexcept { return std::uint64_t{last} - first + 1; }
  friend bool operator==(const Interval&, const Interval&) = default;
};

/// An inclusive range [first, last] of IPv6 addresses, host byte order (engine/address.hpp).
struct Interval6 {
  Ipv6 first = 0;
  Ipv6 last = 0;
  friend bool operator==(const Interval6&, const Interval6&) = default;
};

/// Address ranges of both families, as parsed from user input: unsorted, possibly overlapping.
struct AddressRanges {
  std::vector<Interval> v4;
  std::vector<Interval6> v6;

  AddressRanges() = default;
  /// IPv4 only (most tests and the IPv4 default exclusions).
  AddressRanges(std::vector<Interval> ipv4) : v4(std::move(ipv4)) {}  // NOLINT(google-explicit-constructor)
  AddressRanges(std::vector<Interval> ipv4, std::vector<Interval6> ipv6)
      : v4(std::move(ipv4)), v6(std::move(ipv6)) {}

  bool empty() const noexcept { return v4.empty() && v6.empty(); }
  /// Appends `first`..`last` (same family, first <= last) to the list of its family.
  void add(const IpAddress& first, const IpAddress& last);
  /// Appends every range of `other`.
  void append(const AddressRanges& other);
};

/// An immutable set of IPv4 and IPv6 addresses: the union of `include` minus the union of `exclude`.
/// Overlapping and duplicate intervals are merged, so every address is in the set at most once. Addresses are
/// numbered 0..size()-1: the IPv4 addresses first in ascending order (indices 0..v4_size()-1), then the IPv6
/// addresses in ascending order. at() and index_of() convert in O(log intervals).
class TargetSet {
 public:
  TargetSet() = default;
  /// Builds the set. Intervals with first > last are invalid (std::invalid_argument). More than 2^63
  /// addresses in all is refused with std::length_error (the probe space is far smaller: callers count with
  /// count_addresses_saturated and refuse large sets first). `include` is taken by value so that a caller can
  /// move a hitlist in: its intervals then become the set's without a copy (input already sorted is not
  /// sorted again, and exclusions that touch none of it do not make a new list).
  explicit TargetSet(AddressRanges include, const AddressRanges& exclude = {});

  /// Number of addresses, 0 to 2^63.
  std::uint64_t size() const noexcept { return v4_size_ + v6_size_; }
  bool empty() const noexcept { return size() == 0; }
  /// Number of IPv4 addresses: they are indices [0, v4_size()).
  std::uint64_t v4_size() const noexcept { return v4_size_; }
  /// Number of IPv6 addresses: indices [v4_size(), size()).
  std::uint64_t v6_size() const noexcept { return v6_size_; }

  /// The i-th address. Precondition: i < size().
  IpAddress at(std::uint64_t i) const noexcept {
    return i < v4_size_ ? IpAddress::v4(at_v4(i)) : IpAddress::v6(at_v6(i - v4_size_));
  }
  /// The i-th IPv4 address. Precondition: i < v4_size().
  Ipv4 at_v4(std::uint64_t i) const noexcept {
    if (v4_.size() == 1) return static_cast<Ipv4>(v4_[0].first + i);
    return at_slow_v4(i);
  }
  /// The i-th IPv6 address (i counted among the IPv6 addresses). Precondition: i < v6_size().
  Ipv6 at_v6(std::uint64_t i) const noexcept;

  /// The position of `ip` (as at() numbers them), or nullopt when it is not in the set.
  std::optional<std::uint64_t> index_of(const IpAddress& ip) const noexcept;
  std::optional<std::uint64_t> index_of(Ipv4 ip) const noexcept;
  bool contains(const IpAddress& ip) const noexcept { return index_of(ip).has_value(); }

  /// The normalized IPv4 intervals: sorted, disjoint and non-adjacent.
  const std::vector<Interval>& intervals() const noexcept { return v4_; }
  /// The normalized IPv6 intervals.
  const std::vector<Interval6>& intervals_v6() const noexcept { return v6_; }

 private:
  Ipv4 at_slow_v4(std::uint64_t i) const noexcept;

  std::vector<Interval> v4_;
  std::vector<std::uint64_t> v4_starts_;  // v4_starts_[k] = number of addresses in v4_[0..k)
  std::vector<Interval6> v6_;
  std::vector<std::uint64_t> v6_starts_;
  std::uint64_t v4_size_ = 0;
  std::uint64_t v6_size_ = 0;
};

/// Sorts and merges overlapping or adjacent intervals in place: afterwards they are sorted, disjoint and
/// non-adjacent, also at the top of the family's space (255.255.255.255, ffff:...:ffff), where last + 1
/// wraps. Input that is already sorted is not sorted again (O(n)).
void normalize_intervals(std::vector<Interval>& intervals);
void normalize_intervals(std::vector<Interval6>& intervals);
/// Both families of `ranges`.
void normalize_ranges(AddressRanges& ranges);

/// `include` minus `exclude`, normalized, family by family. `include` is consumed: when no exclusion touches
/// it, its (normalized) intervals are returned as they are, without a copy. Throws std::invalid_argument for
/// an interval with first > last.
AddressRanges subtract_ranges(AddressRanges include, const AddressRanges& exclude);

/// The number of addresses in `ranges` once normalized (overlaps counted once), saturated at 2^64 - 1: lets
/// callers refuse a set too large to scan (an IPv6 /64 is 2^64 addresses) before building a TargetSet, which
/// would throw. Excludes are not subtracted (subtract_ranges first). O(n) when `ranges` is already
/// normalized, else it counts a normalized copy.
std::uint64_t count_addresses_saturated(const AddressRanges& ranges);

}  // namespace synscan
