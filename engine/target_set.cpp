#include "engine/target_set.hpp"

#include <algorithm>
#include <stdexcept>

namespace synscan {

void normalize_intervals(std::vector<Interval>& intervals) {
  std::sort(intervals.begin(), intervals.end(),
            [](const Interval& a, const Interval& b) { return a.first < b.first; });
  std::size_t out = 0;
  for (const Interval& iv : intervals) {
    // Adjacent intervals merge too: last + 1 == first. Compare in 64 bits so 255.255.255.255 cannot wrap.
    if (out > 0 && std::uint64_t{intervals[out - 1].last} + 1 >= iv.first) {
      intervals[out - 1].last = std::max(intervals[out - 1].last, iv.last);
    } else {
      intervals[out++] = iv;
    }
  }
  intervals.resize(out);
}

namespace {

void check_valid(const std::vector<Interval>& intervals) {
  for (const Interval& iv : intervals) {
    if (iv.first > iv.last) throw std::invalid_argument("interval with first > last");
  }
}

// Both inputs normalized; returns include minus exclude, normalized. One linear sweep.
std::vector<Interval> subtract(const std::vector<Interval>& include, const std::vector<Interval>& exclude) {
  std::vector<Interval> out;
  std::size_t e = 0;
  for (Interval iv : include) {
    std::uint64_t cur = iv.first;  // 64-bit: the cursor may step past 255.255.255.255
    while (e < exclude.size() && exclude[e].last < cur) ++e;
    std::size_t k = e;
    while (cur <= iv.last && k < exclude.size() && exclude[k].first <= iv.last) {
      if (exclude[k].first > cur) out.push_back({static_cast<Ipv4>(cur), exclude[k].first - 1});
      cur = std::uint64_t{exclude[k].last} + 1;
      ++k;
    }
    if (cur <= iv.last) out.push_back({static_cast<Ipv4>(cur), iv.last});
  }
  return out;
}

}  // namespace

TargetSet::TargetSet(std::vector<Interval> include, std::vector<Interval> exclude) {
  check_valid(include);
  check_valid(exclude);
  normalize_intervals(include);
  normalize_intervals(exclude);
  intervals_ = exclude.empty() ? std::move(include) : subtract(include, exclude);
  starts_.reserve(intervals_.size());
  for (const Interval& iv : intervals_) {
    starts_.push_back(size_);
    size_ += iv.size();
  }
}

Ipv4 TargetSet::at_slow(std::uint64_t i) const noexcept {
  // The last interval whose start index is <= i holds the i-th address.
  auto it = std::upper_bound(starts_.begin(), starts_.end(), i);
  std::size_t k = static_cast<std::size_t>(it - starts_.begin()) - 1;
  return static_cast<Ipv4>(intervals_[k].first + (i - starts_[k]));
}

std::optional<std::uint64_t> TargetSet::index_of(Ipv4 ip) const noexcept {
  auto it = std::upper_bound(intervals_.begin(), intervals_.end(), ip,
                             [](Ipv4 v, const Interval& iv) { return v < iv.first; });
  if (it == intervals_.begin()) return std::nullopt;
  --it;
  if (ip > it->last) return std::nullopt;
  std::size_t k = static_cast<std::size_t>(it - intervals_.begin());
  return starts_[k] + (ip - it->first);
}

}  // namespace synscan
