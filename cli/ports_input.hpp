#pragma once
// The port options: -p/--ports lists, --top-ports N from nmap's frequency table, --exclude-ports.
#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "engine/port_set.hpp"
#include "engine/probe_space.hpp"
#include "engine/types.hpp"

namespace synscan {

/// Where nmap installs its service table (Debian's nmap-common, and a source build), searched in this order.
inline constexpr const char* kNmapServicesPaths[] = {"/usr/share/nmap/nmap-services",
                                                     "/usr/local/share/nmap/nmap-services"};

/// The `count` most frequent ports of `protocol` ("tcp", "udp") in an nmap-services table
/// ("name<TAB>port/proto<TAB>frequency[<TAB># c]";
/// '#' lines are comments), most frequent first; equal frequencies by ascending port, which is nmap's own
/// order. Fewer when the table lists fewer ports of that protocol. Lines that do not parse are skipped, as
/// nmap does.
std::vector<std::uint16_t> top_ports_from(std::istream& services, std::uint32_t count,
                                          std::string_view protocol);

/// top_ports_from() on the first table of kNmapServicesPaths that exists. Throws std::runtime_error naming
/// the paths when none does (the nmap package is not installed: an environment error, exit 1).
std::vector<std::uint16_t> top_ports(std::uint32_t count, std::string_view protocol);

/// Everything the port and scan-type options ask for.
struct PortOptions {
  std::vector<std::string> ports;          ///< -p/--ports, each a list, items maybe prefixed ("T:80,U:53")
  std::string top_ports;                   ///< --top-ports N, empty when not given
  std::vector<std::string> exclude_ports;  ///< --exclude-ports, each a list (prefixes as in -p)
  std::vector<std::string> scan_types;     ///< -s letters as given: "S", "U", "n"
  std::vector<ProtocolId> added;           ///< modules added by their switch (--ping)
};

/// What each probe module of the scan probes, in registry order (engine/probes/registry.hpp), as nmap and
/// masscan read the options: -sS / -sU / -sn select modules (none: the default, TCP SYN); unprefixed -p items
/// go to every selected module with ports, a prefixed item ("U:53") to its prefix's module, which the prefix
/// also selects (masscan's -pU:53); when no -s is given and every item is prefixed, the default module drops
/// out.
/// --top-ports N adds the N most frequent ports of each selected module's protocol (nmap-services);
/// --exclude-ports removes ports (unprefixed: of every protocol). A module without ports (-sn, --ping) gets
/// the one port 0. Throws UsageError (exit 2) for a bad token, a bad scan type, -sn with ports, a selected
/// module left with no ports, or when no port option is given; std::runtime_error when --top-ports finds no
/// nmap-services table.
std::vector<ProtocolPorts> resolve_ports(const PortOptions& options);

}  // namespace synscan
