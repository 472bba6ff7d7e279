#include "engine/port_set.hpp"

#include <algorithm>
#include <string>

#include "engine/decimal.hpp"
#include "engine/parse_error.hpp"

namespace synscan {

PortSet::PortSet() : index_(65536, kAbsent) {}

PortSet::PortSet(std::vector<std::uint16_t> ports) : ports_(std::move(ports)), index_(65536, kAbsent) {
  std::sort(ports_.begin(), ports_.end());
  ports_.erase(std::unique(ports_.begin(), ports_.end()), ports_.end());
  for (std::uint32_t i = 0; i < ports_.size(); ++i) index_[ports_[i]] = i;
}

namespace {
constexpr const char* kPortHint = "ports are 0-65535, as N, N-M, -M or N-";
}  // namespace

std::vector<std::uint16_t> parse_port_list(std::string_view list) {
  std::vector<std::uint16_t> ports;
  if (list.find_first_not_of(", ") == std::string_view::npos) {
    throw ParseError("port", std::string(list), "the port list is empty");
  }
  std::size_t i = 0;
  while (i <= list.size()) {
    std::size_t end = list.find(',', i);
    if (end == std::string_view::npos) end = list.size();
    std::string_view token = list.substr(i, end - i);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    // "80,,443" or "80,": a port lost in typing, not a style; say so instead of scanning one port fewer.
    if (token.empty()) throw ParseError("port", std::string(list), "an empty entry between commas");
    std::uint32_t first = 0;
    std::uint32_t last = 0;
    const std::size_t dash = token.find('-');
    bool ok = false;
    if (dash == std::string_view::npos) {
      ok = parse_decimal(token, 65535, first);
      last = first;
    } else {
      // nmap's open ranges: a missing start is 1, a missing end 65535 ("-1024", "60000-", "-" for 1-65535).
      const std::string_view from = token.substr(0, dash);
      const std::string_view to = token.substr(dash + 1);
      first = 1;
      last = 65535;
      ok = (from.empty() || parse_decimal(from, 65535, first)) &&
           (to.empty() || parse_decimal(to, 65535, last));
    }
    if (!ok) throw ParseError("port", std::string(token), kPortHint);
    if (first > last) throw ParseError("port", std::string(token), "range start is above its end");
    for (std::uint32_t p = first; p <= last; ++p) ports.push_back(static_cast<std::uint16_t>(p));
    i = end + 1;
  }
  return ports;
}

}  // namespace synscan
