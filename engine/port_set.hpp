#pragma once
// The set of destination ports probed on every target.
#include <cstdint>
#include <optional>
#include <vector>

namespace synscan {

/// An immutable set of TCP ports (0-65535, host byte order), numbered 0..size()-1 in ascending order, with O(1)
/// lookups both ways (a 65,536-entry index table, 256 KiB).
class PortSet {
 public:
  PortSet();
  /// Duplicates are merged.
  explicit PortSet(std::vector<std::uint16_t> ports);

  /// Number of ports, 0 to 65,536.
  std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(ports_.size()); }
  bool empty() const noexcept { return ports_.empty(); }
  /// The i-th port in ascending order. Precondition: i < size().
  std::uint16_t at(std::uint32_t i) const noexcept { return ports_[i]; }
  /// Position of `port`, or nullopt when it is not in the set.
  std::optional<std::uint32_t> index_of(std::uint16_t port) const noexcept {
    std::uint32_t k = index_[port];
    if (k == kAbsent) return std::nullopt;
    return k;
  }
  bool contains(std::uint16_t port) const noexcept { return index_[port] != kAbsent; }
  const std::vector<std::uint16_t>& ports() const noexcept { return ports_; }

 private:
  static constexpr std::uint32_t kAbsent = 0xFFFFFFFFu;
  std::vector<std::uint16_t> ports_;
  std::vector<std::uint32_t> index_;
};

}  // namespace synscan
