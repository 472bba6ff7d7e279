#include "cli/ports_input.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "cli/usage_error.hpp"
#include "engine/port_set.hpp"
#include "engine/probes/registry.hpp"
#include "engine/target_parse.hpp"

namespace synscan {

std::vector<std::uint16_t> top_ports_from(std::istream& services, std::uint32_t count,
                                          std::string_view protocol) {
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
    if (slash == std::string_view::npos || port_proto.substr(slash + 1) != protocol) continue;
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

std::vector<std::uint16_t> top_ports(std::uint32_t count, std::string_view protocol) {
  for (const char* path : kNmapServicesPaths) {
    std::ifstream file(path);
    if (file) return top_ports_from(file, count, protocol);
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

// A port list split by nmap's protocol prefixes: "22,U:53,111,T:80" gives {all: "22"}, {U: "53,111"},
// {T: "80"}. Items before any prefix belong to every module the scan selects (`proto` nullopt).
struct PrefixedList {
  std::optional<ProtocolId> proto;
  std::string list;
};

std::vector<PrefixedList> split_prefixes(const std::string& text, std::string_view option) {
  std::vector<PrefixedList> out{{std::nullopt, {}}};
  // Errors name `text` as the user wrote it (one -p value), not the lists rebuilt from it.
  const auto bad = [&](std::string_view why) {
    return UsageError(fmt::format("bad port '{}' in {} ({})", text, option, why));
  };
  if (text.find_first_not_of(", ") == std::string::npos) throw bad("the port list is empty");
  std::size_t i = 0;
  while (i <= text.size()) {
    std::size_t comma = text.find(',', i);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(i, comma - i);
    if (const std::size_t colon = item.find(':'); colon != std::string::npos) {
      const std::string prefix = item.substr(0, colon);
      const std::optional<ProtocolId> proto = protocol_by_prefix(prefix);
      if (!proto) {
        throw UsageError(fmt::format("bad port '{}' in {} (unknown protocol prefix '{}:'; use T: or U:)",
                                     item, option, prefix));
      }
      out.push_back({proto, {}});
      item.erase(0, colon + 1);
      if (item.find_first_not_of(' ') == std::string::npos)
        throw bad(fmt::format("no port after '{}:'", prefix));
    }
    // "80,,443", ",80" or "80,": a port lost in typing, not a style; say so instead of scanning one port
    // fewer.
    if (item.find_first_not_of(' ') == std::string::npos) throw bad("an empty entry between commas");
    if (!out.back().list.empty()) out.back().list += ',';
    out.back().list += item;
    i = comma + 1;
  }
  return out;
}

// Adds `text`'s ports to each selected module (unprefixed items) or to its prefix's module (which the prefix
// selects, as masscan's -pU:53 does).
void add_prefixed(const std::string& text, std::string_view option, std::vector<bool>& selected,
                  std::vector<std::vector<std::uint16_t>>& by_proto) {
  for (const PrefixedList& part : split_prefixes(text, option)) {
    if (part.list.empty()) continue;
    std::vector<std::uint16_t> ports;
    add_port_list(part.list, option, ports);
    for (std::size_t m = 0; m < by_proto.size(); ++m) {
      const bool mine =
          part.proto ? *part.proto == m : selected[m] && vocabulary(static_cast<ProtocolId>(m)).has_ports;
      if (!mine) continue;
      selected[m] = true;
      by_proto[m].insert(by_proto[m].end(), ports.begin(), ports.end());
    }
  }
}

}  // namespace

std::vector<ProtocolPorts> resolve_ports(const PortOptions& o) {
  const std::size_t modules = probe_registry().size();
  std::vector<bool> selected(modules, false);
  bool any_type = false;
  for (const std::string& letter : o.scan_types) {
    const std::optional<ProtocolId> proto = protocol_by_scan_letter(letter);
    if (!proto) {
      throw UsageError(fmt::format("bad scan type '-s{}' (expected one of -sS, -sU, -sn)", letter));
    }
    selected[*proto] = true;
    any_type = true;
  }
  bool ports_given = !o.ports.empty() || !o.top_ports.empty();
  const bool discovery_only =
      any_type && std::none_of(o.scan_types.begin(), o.scan_types.end(), [](const std::string& l) {
        return vocabulary(*protocol_by_scan_letter(l)).has_ports;
      });
  if (discovery_only && ports_given) {
    throw UsageError("-sn is host discovery alone and takes no ports (add --ping to a port scan instead)");
  }
  // No scan type given: the default module, unless the only thing asked is host discovery (--ping alone).
  if (!any_type && (ports_given || o.added.empty())) selected[kDefaultProtocol] = true;
  for (const ProtocolId p : o.added) selected[p] = true;
  std::vector<std::vector<std::uint16_t>> by_proto(modules);
  for (const std::string& p : o.ports) add_prefixed(p, "--ports", selected, by_proto);
  if (!o.top_ports.empty()) {
    const std::string& n = o.top_ports;
    unsigned count = 0;
    auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), count);
    if (ec != std::errc() || end != n.data() + n.size() || count < 1 || count > 65536) {
      throw UsageError(fmt::format("bad value '{}' in --top-ports (expected a whole number 1-65536)", n));
    }
    for (std::size_t m = 0; m < modules; ++m) {
      const Vocabulary& v = vocabulary(static_cast<ProtocolId>(m));
      if (!selected[m] || !v.has_ports || v.service_table.empty()) continue;
      const std::vector<std::uint16_t> top = top_ports(count, v.service_table);
      // nmap scans what its table has; here a number above it is refused, so that no one believes more ports
      // were probed than were (-p- probes every port).
      if (top.size() < count) {
        throw UsageError(
            fmt::format("bad value '{}' in --top-ports (nmap-services lists {} {} ports: give at most "
                        "{}, or -p- for every port)",
                        n, top.size(), v.protocol, top.size()));
      }
      by_proto[m].insert(by_proto[m].end(), top.begin(), top.end());
    }
  }
  std::vector<std::vector<std::uint16_t>> excluded(modules);
  for (const std::string& p : o.exclude_ports) {
    std::vector<bool> all(modules, true);  // an unprefixed exclusion applies to every protocol
    add_prefixed(p, "--exclude-ports", all, excluded);
  }
  // The default module came in for unprefixed ports: with only prefixed ones ("-p U:53"), it drops out.
  const bool others_have_ports = std::any_of(by_proto.begin(), by_proto.end(), [&](const auto& v) {
    return !v.empty() && &v != &by_proto[kDefaultProtocol];
  });
  if (!any_type && by_proto[kDefaultProtocol].empty() && others_have_ports)
    selected[kDefaultProtocol] = false;
  std::vector<ProtocolPorts> out;
  for (std::size_t m = 0; m < modules; ++m) {
    if (!selected[m]) continue;
    const auto proto = static_cast<ProtocolId>(m);
    const Vocabulary& v = vocabulary(proto);
    if (!v.has_ports) {
      out.push_back({proto, PortSet({0})});
      continue;
    }
    std::vector<std::uint16_t>& ports = by_proto[m];
    if (ports.empty()) {
      if (!ports_given && o.exclude_ports.empty()) {
        throw UsageError("no ports given (use -p/--ports, e.g. -p 80,443, or --top-ports N)");
      }
      throw UsageError(fmt::format("no {} ports given (e.g. -p {}:53)", v.protocol, v.port_prefix));
    }
    std::sort(excluded[m].begin(), excluded[m].end());
    std::erase_if(ports, [&](std::uint16_t p) {
      return std::binary_search(excluded[m].begin(), excluded[m].end(), p);
    });
    if (ports.empty()) {
      throw UsageError(fmt::format("no ports left: --exclude-ports removes every {} port", v.protocol));
    }
    out.push_back({proto, PortSet(std::move(ports))});
  }
  return out;
}

}  // namespace synscan
