#include "cli/ports_input.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <stdexcept>
#include <string_view>

#include "cli/usage_error.hpp"
#include "engine/target_parse.hpp"

namespace synscan {

std::vector<std::uint16_t> top_ports_from(std::istream& services, std::uint32_t count) {
  struct Entry {
    double frequency;
    std::uint16_t port;
  };
  std::vector<Entry> entries;
  std::string line;
  while (std::getline(services, line)) {
    if (line.empty() || line.front() == '#') continue;
    // Fields are separated by tabs: name, "port/proto", frequency, optional comment.
    const std::size_t t1 = line.find('\t');
    const std::size_t t2 = t1 == std::string::npos ? t1 : line.find('\t', t1 + 1);
    if (t2 == std::string::npos) continue;
    const std::string_view port_proto = std::string_view(line).substr(t1 + 1, t2 - t1 - 1);
    const std::size_t slash = port_proto.find('/');
    if (slash == std::string_view::npos || port_proto.substr(slash + 1) != "tcp") continue;
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_proto.data(), port_proto.data() + slash, port);
    if (ec != std::errc() || end != port_proto.data() + slash || port > 65535) continue;
    std::size_t used = 0;
    double frequency = 0;
    try {
      frequency = std::stod(line.substr(t2 + 1), &used);
    } catch (const std::exception&) {
      continue;
    }
    entries.push_back({frequency, static_cast<std::uint16_t>(port)});
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.frequency != b.frequency ? a.frequency > b.frequency : a.port < b.port;
  });
  std::vector<std::uint16_t> out;
  std::vector<bool> taken(65536, false);  // a table listing a port twice counts it once
  for (const Entry& e : entries) {
    if (out.size() == count) break;
    if (!taken[e.port]) out.push_back(e.port);
    taken[e.port] = true;
  }
  return out;
}

std::vector<std::uint16_t> top_ports(std::uint32_t count) {
  for (const char* path : kNmapServicesPaths) {
    std::ifstream file(path);
    if (file) return top_ports_from(file, count);
  }
  throw std::runtime_error(fmt::format(
      "--top-ports needs nmap's port frequency table (nmap-services, from the nmap package), not found at {}",
      fmt::join(kNmapServicesPaths, " or ")));
}

namespace {

void add_port_list(const std::string& list, std::string_view option, std::vector<std::uint16_t>& out) {
  try {
    const std::vector<std::uint16_t> more = parse_port_list(list);
    out.insert(out.end(), more.begin(), more.end());
  } catch (const ParseError& e) {
    throw UsageError(fmt::format("bad port '{}' in {} ({})", e.token(), option, e.hint()));
  }
}

}  // namespace

PortSet resolve_ports(const PortOptions& o) {
  if (o.ports.empty() && o.top_ports.empty()) {
    throw UsageError("no ports given (use -p/--ports, e.g. -p 80,443, or --top-ports N)");
  }
  std::vector<std::uint16_t> ports;
  for (const std::string& p : o.ports) add_port_list(p, "--ports", ports);
  if (!o.top_ports.empty()) {
    const std::string& n = o.top_ports;
    unsigned count = 0;
    auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), count);
    if (ec != std::errc() || end != n.data() + n.size() || count < 1 || count > 65536) {
      throw UsageError(fmt::format("bad value '{}' in --top-ports (expected a whole number 1-65536)", n));
    }
    const std::vector<std::uint16_t> top = top_ports(count);
    ports.insert(ports.end(), top.begin(), top.end());
  }
  std::vector<std::uint16_t> excluded;
  for (const std::string& p : o.exclude_ports) add_port_list(p, "--exclude-ports", excluded);
  std::sort(excluded.begin(), excluded.end());
  std::erase_if(ports,
                [&](std::uint16_t p) { return std::binary_search(excluded.begin(), excluded.end(), p); });
  if (ports.empty()) throw UsageError("no ports left: --exclude-ports removes every port");
  return PortSet(std::move(ports));
}

}  // namespace synscan
