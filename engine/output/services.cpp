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
    if (slash == std::string::npos || slash + 1 == port_proto.size()) continue;
    const std::string_view proto = std::string_view(port_proto).substr(slash + 1);
    unsigned port = 0;
    const char* first = port_proto.data();
    const char* last = first + slash;
    const auto [end, ec] = std::from_chars(first, last, port);
    if (ec != std::errc() || end != last || port > 65535) continue;
    auto t = std::find_if(table.tables_.begin(), table.tables_.end(),
                          [&](const Table& x) { return x.protocol == proto; });
    if (t == table.tables_.end()) {
      table.tables_.push_back({std::string(proto), std::vector<std::string>(65536)});
      t = table.tables_.end() - 1;
    }
    std::string& slot = t->names[port];
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
  std::size_t n = 0;
  for (const Table& t : tables_) {
    n += static_cast<std::size_t>(
        std::count_if(t.names.begin(), t.names.end(), [](const std::string& s) { return !s.empty(); }));
  }
  return n;
}

}  // namespace synscan
