#include "engine/target_set.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace synscan {

namespace {

// The interval logic, once for both widths. A is Ipv4 or Ipv6; I is Interval or Interval6. "Adjacent" and "step
// past the end" are tested without computing last + 1, which would wrap at the top of the family's space.
template <typename I>
void normalize(std::vector<I>& intervals) {
  std::sort(intervals.begin(), intervals.end(), [](const I& a, const I& b) { return a.first < b.first; });
  std::size_t out = 0;
  for (const I& iv : intervals) {
    if (out > 0 && (intervals[out - 1].last >= iv.first || intervals[out - 1].last + 1 == iv.first)) {
      intervals[out - 1].last = std::max(intervals[out - 1].last, iv.last);
    } else {
      intervals[out++] = iv;
    }
  }
  intervals.resize(out);
}

template <typename I>
void check_valid(const std::vector<I>& intervals) {
  for (const I& iv : intervals) {
    if (iv.first > iv.last) throw std::invalid_argument("interval with first > last");
  }
}

// Both inputs normalized; returns include minus exclude, normalized. One linear sweep.
template <typename I>
std::vector<I> subtract(const std::vector<I>& include, const std::vector<I>& exclude) {
  std::vector<I> out;
  std::size_t e = 0;
  for (const I& iv : include) {
    auto cur = iv.first;
    bool done = false;  // the cursor stepped past the top of the address space
    while (e < exclude.size() && exclude[e].last < cur) ++e;
    std::size_t k = e;
    while (!done && cur <= iv.last && k < exclude.size() && exclude[k].first <= iv.last) {
      if (exclude[k].first > cur) {
        I piece;
        piece.first = cur;
        piece.last = exclude[k].first - 1;
        out.push_back(piece);
      }
      if (exclude[k].last == std::numeric_limits<decltype(cur)>::max()) done = true;
      cur = std::max(cur, exclude[k].last + 1);
      ++k;
    }
    if (!done && cur <= iv.last) {
      I piece;
      piece.first = cur;
      piece.last = iv.last;
      out.push_back(piece);
    }
  }
  return out;
}

// Sizes in 64 bits; an interval of 2^64 or more IPv6 addresses saturates.
std::uint64_t interval_size(const Interval& iv) { return iv.size(); }
std::uint64_t interval_size(const Interval6& iv) {
  const Ipv6 n = iv.last - iv.first;
  return n >= std::numeric_limits<std::uint64_t>::max() ? std::numeric_limits<std::uint64_t>::max()
                                                        : static_cast<std::uint64_t>(n) + 1;
}

// Starts index and total; throws std::length_error past 2^63 addresses.
template <typename I>
std::uint64_t index_intervals(const std::vector<I>& intervals, std::vector<std::uint64_t>& starts) {
  constexpr std::uint64_t kMax = std::uint64_t{1} << 63;
  std::uint64_t total = 0;
  starts.reserve(intervals.size());
  for (const I& iv : intervals) {
    starts.push_back(total);
    const std::uint64_t n = interval_size(iv);
    if (n > kMax - total) throw std::length_error("more than 2^63 target addresses");
    total += n;
  }
  return total;
}

template <typename I, typename A>
std::optional<std::uint64_t> find(const std::vector<I>& intervals, const std::vector<std::uint64_t>& starts, A ip) {
  auto it = std::upper_bound(intervals.begin(), intervals.end(), ip, [](A v, const I& iv) { return v < iv.first; });
  if (it == intervals.begin()) return std::nullopt;
  --it;
  if (ip > it->last) return std::nullopt;
  const std::size_t k = static_cast<std::size_t>(it - intervals.begin());
  return starts[k] + static_cast<std::uint64_t>(ip - it->first);
}

}  // namespace

void AddressRanges::add(const IpAddress& first, const IpAddress& last) {
  if (first.is_v4()) {
    v4.push_back({first.ipv4(), last.ipv4()});
  } else {
    v6.push_back({first.ipv6(), last.ipv6()});
  }
}

void AddressRanges::append(const AddressRanges& other) {
  v4.insert(v4.end(), other.v4.begin(), other.v4.end());
  v6.insert(v6.end(), other.v6.begin(), other.v6.end());
}

void normalize_intervals(std::vector<Interval>& intervals) { normalize(intervals); }
void normalize_intervals(std::vector<Interval6>& intervals) { normalize(intervals); }

std::uint64_t count_addresses_saturated(AddressRanges ranges) {
  normalize(ranges.v4);
  normalize(ranges.v6);
  std::uint64_t total = 0;
  auto add = [&total](std::uint64_t n) {
    total = n > std::numeric_limits<std::uint64_t>::max() - total ? std::numeric_limits<std::uint64_t>::max()
                                                                  : total + n;
  };
  for (const Interval& iv : ranges.v4) add(iv.size());
  for (const Interval6& iv : ranges.v6) add(interval_size(iv));
  return total;
}

TargetSet::TargetSet(const AddressRanges& include, const AddressRanges& exclude) {
  check_valid(include.v4);
  check_valid(exclude.v4);
  check_valid(include.v6);
  check_valid(exclude.v6);
  std::vector<Interval> in4 = include.v4, ex4 = exclude.v4;
  std::vector<Interval6> in6 = include.v6, ex6 = exclude.v6;
  normalize(in4);
  normalize(ex4);
  normalize(in6);
  normalize(ex6);
  v4_ = ex4.empty() ? std::move(in4) : subtract(in4, ex4);
  v6_ = ex6.empty() ? std::move(in6) : subtract(in6, ex6);
  v4_size_ = index_intervals(v4_, v4_starts_);
  v6_size_ = index_intervals(v6_, v6_starts_);
  if (v6_size_ > (std::uint64_t{1} << 63) - v4_size_) throw std::length_error("more than 2^63 target addresses");
}

Ipv4 TargetSet::at_slow_v4(std::uint64_t i) const noexcept {
  // The last interval whose start index is <= i holds the i-th address.
  auto it = std::upper_bound(v4_starts_.begin(), v4_starts_.end(), i);
  const std::size_t k = static_cast<std::size_t>(it - v4_starts_.begin()) - 1;
  return static_cast<Ipv4>(v4_[k].first + (i - v4_starts_[k]));
}

Ipv6 TargetSet::at_v6(std::uint64_t i) const noexcept {
  if (v6_.size() == 1) return v6_[0].first + i;
  auto it = std::upper_bound(v6_starts_.begin(), v6_starts_.end(), i);
  const std::size_t k = static_cast<std::size_t>(it - v6_starts_.begin()) - 1;
  return v6_[k].first + (i - v6_starts_[k]);
}

std::optional<std::uint64_t> TargetSet::index_of(Ipv4 ip) const noexcept { return find(v4_, v4_starts_, ip); }

std::optional<std::uint64_t> TargetSet::index_of(const IpAddress& ip) const noexcept {
  if (ip.is_v4()) return find(v4_, v4_starts_, ip.ipv4());
  const std::optional<std::uint64_t> i = find(v6_, v6_starts_, ip.ipv6());
  if (!i) return std::nullopt;
  return v4_size_ + *i;
}

}  // namespace synscan
