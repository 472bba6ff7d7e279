#pragma once
// The port options: -p/--ports lists, --top-ports N from nmap's frequency table, --exclude-ports.
#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "engine/port_set.hpp"

namespace synscan {

/// Where nmap installs its service table (Debian's nmap-common, and a source build), searched in this order.
inline constexpr const char* kNmapServicesPaths[] = {"/usr/share/nmap/nmap-services",
                                                     "/usr/local/share/nmap/nmap-services"};

/// The `count` most frequent TCP ports of an nmap-services table ("name<TAB>port/proto<TAB>frequency[<TAB>#
/// c]";
/// '#' lines are comments), most frequent first; equal frequencies by ascending port, which is nmap's own
/// order. Fewer when the table lists fewer TCP ports. Lines that do not parse are skipped, as nmap does.
std::vector<std::uint16_t> top_ports_from(std::istream& services, std::uint32_t count);

/// top_ports_from() on the first table of kNmapServicesPaths that exists. Throws std::runtime_error naming
/// the paths when none does (the nmap package is not installed: an environment error, exit 1).
std::vector<std::uint16_t> top_ports(std::uint32_t count);

/// Everything the port options ask for.
struct PortOptions {
  std::vector<std::string> ports;          ///< -p/--ports, each a list
  std::string top_ports;                   ///< --top-ports N, empty when not given
  std::vector<std::string> exclude_ports;  ///< --exclude-ports, each a list
};

/// (ports u top ports) \ excluded ports. Throws UsageError (exit 2) for a bad token, when no port option is
/// given, or when the exclusion leaves no port; std::runtime_error when --top-ports finds no nmap-services
/// table.
PortSet resolve_ports(const PortOptions& options);

}  // namespace synscan
