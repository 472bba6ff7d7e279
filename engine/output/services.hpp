#pragma once
// TCP service names by port, from the system's services database (services(5): /etc/services, Debian's
// netbase), read once at start so that writers look names up without a syscall or a lock.
#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace synscan {

class ServiceNames {
 public:
  /// An empty table: every lookup gives "".
  ServiceNames() : names_(65536) {}

  /// Parses services(5) text: "name port/protocol [aliases...] [# comment]". Only tcp entries are kept; for a
  /// port listed twice the first name wins (as getservbyport does). Malformed lines are skipped.
  static ServiceNames parse(std::istream& in);

  /// Reads `path` (default /etc/services). A missing or unreadable file gives an empty table, not an error:
  /// service names are a convenience, and a container without netbase should still scan.
  static ServiceNames load(const std::string& path = "/etc/services");

  /// The tcp service name of `port` ("http" for 80), or "" when the database has none.
  std::string_view tcp(std::uint16_t port) const noexcept { return names_[port]; }

  /// Number of ports with a name.
  std::size_t size() const noexcept;

 private:
  std::vector<std::string> names_;  // 65,536 entries (~2 MiB, on the heap), filled for the ~300 named ports
};

}  // namespace synscan
