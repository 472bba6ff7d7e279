#include "engine/output/services.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

namespace synscan {

ServiceNames ServiceNames::parse(std::istream& in) {
  ServiceNames table;
  std::string line;
  while (std::getline(in, line)) {
    if (const std::size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream fields(line);
    std::string name, port_proto;
    if (!(fields >> name >> port_proto)) continue;
    const std::size_t slash = port_proto.find('/');
    if (slash == std::string::npos || port_proto.compare(slash + 1, std::string::npos, "tcp") != 0) continue;
    unsigned port = 0;
    const char* first = port_proto.data();
    const char* last = first + slash;
    const auto [end, ec] = std::from_chars(first, last, port);
    if (ec != std::errc() || end != last || port > 65535) continue;
    std::string& slot = table.names_[port];
    if (slot.empty()) slot = name;
  }
  return table;
}

ServiceNames ServiceNames::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  return parse(in);
}

std::size_t ServiceNames::size() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(names_.begin(), names_.end(), [](const std::string& s) { return !s.empty(); }));
}

}  // namespace synscan
