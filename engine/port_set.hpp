#pragma once
// The set of destination ports probed on every target, and the port list users type.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace synscan {

/// An immutable set of TCP ports (0-65535, host byte order), numbered 0..size()-1 in ascending order, with
/// O(1) lookups both ways (a 65,536-entry index table, 256 KiB).
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

/// Parses a port list: "80", "1-1024", "22,80,8000-8100"; each port 0-65535, ranges inclusive with first <=
/// last. As in nmap (nmap(1), "Port Specification"), a range's missing start is 1 and its missing end 65535:
/// "-1024" is 1-1024, "60000-" is 60000-65535, "-" is 1-65535 (port 0 only when named). Spaces around
/// entries are allowed. Returns the ports in the order given (duplicates kept; PortSet merges them).
/// Throws ParseError(kind "port") naming the bad entry, or the whole list when an entry is empty ("80,,443").
std::vector<std::uint16_t> parse_port_list(std::string_view list);

}  // namespace synscan
