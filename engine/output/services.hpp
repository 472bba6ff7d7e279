#pragma once
// Service names by protocol and port, from the system's services database (services(5): /etc/services,
// Debian's netbase), read once at start so that writers look names up without a syscall or a lock.
#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace synscan {

class ServiceNames {
 public:
  /// An empty table: every lookup gives "".
  ServiceNames() = default;

  /// Parses services(5) text: "name port/protocol [aliases...] [# comment]", a table per protocol word (tcp,
  /// udp, sctp, ...); for a port listed twice the first name wins (as getservbyport does). Malformed lines
  /// are skipped.
  static ServiceNames parse(std::istream& in);

  /// Reads `path` (default /etc/services). A missing or unreadable file gives an empty table, not an error:
  /// service names are a convenience, and a container without netbase should still scan.
  static ServiceNames load(const std::string& path = "/etc/services");

  /// The service name of `port` under `protocol` (a Vocabulary's service_table: "tcp", "udp"): "http" for
  /// tcp 80, "domain" for udp 53; "" when the database has none (or `protocol` is "").
  std::string_view name(std::string_view protocol, std::uint16_t port) const noexcept {
    for (const Table& t : tables_) {
      if (t.protocol == protocol) return t.names[port];
    }
    return {};
  }
  /// name("tcp", port).
  std::string_view tcp(std::uint16_t port) const noexcept { return name("tcp", port); }

  /// Number of (protocol, port) pairs with a name.
  std::size_t size() const noexcept;

 private:
  struct Table {
    std::string protocol;
    std::vector<std::string> names;  // 65,536 entries (~2 MiB, on the heap), filled for the named ports
  };
  std::vector<Table> tables_;  // a handful: tcp, udp, sctp, ...
};

}  // namespace synscan
