#include "engine/target_set.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace synscan {

namespace {

// The interval logic, once for both widths: I is Interval or Interval6. At the top of the family's space last
// + 1 wraps to 0, so adjacency (last + 1 == first) is only tested once last >= first has failed, i.e. last <
// first
// <= max; and subtraction steps past an exclusion that ends at the top with a flag instead of last + 1.
// A function object, not a function pointer: std::sort inlines it (a pointer cost a third of a hitlist's
// sort).
struct LessFirst {
  template <typename I>
  bool operator()(const I& a, const I& b) const noexcept {
    return a.first < b.first;
  }
};

// Sorted, disjoint and non-adjacent: what normalize() makes.
template <typename I>
bool is_normalized(const std::vector<I>& intervals) {
  for (std::size_t k = 1; k < intervals.size(); ++k) {
    const I& prev = intervals[k - 1];
    if (prev.last >= intervals[k].first || prev.last + 1 == intervals[k].first) return false;
  }
  return true;
}

template <typename I>
void normalize(std::vector<I>& intervals) {
  // A hitlist is often sorted already: checking costs one pass, sorting a million intervals ~50 ms.
  if (!std::is_sorted(intervals.begin(), intervals.end(), LessFirst{})) {
    std::sort(intervals.begin(), intervals.end(), LessFirst{});
  }
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

// True when some interval of `a` shares an address with some interval of `b` (both normalized). One sweep.
template <typename I>
bool overlaps(const std::vector<I>& a, const std::vector<I>& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i].last < b[j].first) {
      ++i;
    } else if (b[j].last < a[i].first) {
      ++j;
    } else {
      return true;
    }
  }
  return false;
}

// Both inputs normalized; returns include minus exclude, normalized. One linear sweep. The cursor never
// computes last + 1 past the top of the family's space: `done` records that the exclusion reached it.
template <typename I>
std::vector<I> subtract(std::vector<I> include, const std::vector<I>& exclude) {
  if (!overlaps(include, exclude)) return include;  // the usual case for a hitlist: no copy
  std::vector<I> out;
  out.reserve(include.size() + exclude.size());  // each exclusion splits at most one interval in two
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
std::optional<std::uint64_t> find(const std::vector<I>& intervals, const std::vector<std::uint64_t>& starts,
                                  A ip) {
  auto it =
      std::upper_bound(intervals.begin(), intervals.end(), ip, [](A v, const I& iv) { return v < iv.first; });
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

void normalize_ranges(AddressRanges& ranges) {
  normalize(ranges.v4);
  normalize(ranges.v6);
}

AddressRanges subtract_ranges(AddressRanges include, const AddressRanges& exclude) {
  check_valid(include.v4);
  check_valid(include.v6);
  check_valid(exclude.v4);
  check_valid(exclude.v6);
  normalize_ranges(include);
  if (is_normalized(exclude.v4) && is_normalized(exclude.v6)) {
    return {subtract(std::move(include.v4), exclude.v4), subtract(std::move(include.v6), exclude.v6)};
  }
  AddressRanges ex = exclude;  // exclusion lists are short next to hitlists: a copy is cheap
  normalize_ranges(ex);
  return {subtract(std::move(include.v4), ex.v4), subtract(std::move(include.v6), ex.v6)};
}

std::uint64_t count_addresses_saturated(const AddressRanges& ranges) {
  if (!is_normalized(ranges.v4) || !is_normalized(ranges.v6)) {
    AddressRanges copy = ranges;
    normalize_ranges(copy);
    return count_addresses_saturated(copy);
  }
  std::uint64_t total = 0;
  auto add = [&total](std::uint64_t n) {
    total = n > std::numeric_limits<std::uint64_t>::max() - total ? std::numeric_limits<std::uint64_t>::max()
                                                                  : total + n;
  };
  for (const Interval& iv : ranges.v4) add(iv.size());
  for (const Interval6& iv : ranges.v6) add(interval_size(iv));
  return total;
}

TargetSet::TargetSet(AddressRanges include, const AddressRanges& exclude) {
  AddressRanges set = subtract_ranges(std::move(include), exclude);
  v4_ = std::move(set.v4);
  v6_ = std::move(set.v6);
  v4_size_ = index_intervals(v4_, v4_starts_);
  v6_size_ = index_intervals(v6_, v6_starts_);
  if (v6_size_ > (std::uint64_t{1} << 63) - v4_size_)
    throw std::length_error("more than 2^63 target addresses");
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
