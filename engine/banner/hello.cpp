#include "engine/banner/hello.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace synscan {
namespace {

constexpr std::uint16_t kTlsPorts[] = {443, 465, 636, 853, 990, 992, 993, 995, 5061, 6443, 8443, 9443};
constexpr std::uint16_t kHttpPorts[] = {80, 81, 591, 3000, 5000, 8000, 8008, 8080, 8081, 8888};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

BannerProbe parse_hello(std::string_view word, std::string_view token) {
  if (word == "auto") return BannerProbe::automatic;
  if (word == "none") return BannerProbe::none;
  if (word == "http") return BannerProbe::http;
  if (word == "tls") return BannerProbe::tls;
  if (word == "generic") return BannerProbe::generic;
  throw std::invalid_argument(
      fmt::format("'{}': unknown hello (expected auto, none, http, tls or generic)", token));
}

}  // namespace

BannerProbe default_hello(std::uint16_t port) noexcept {
  if (std::find(std::begin(kTlsPorts), std::end(kTlsPorts), port) != std::end(kTlsPorts))
    return BannerProbe::tls;
  if (std::find(std::begin(kHttpPorts), std::end(kHttpPorts), port) != std::end(kHttpPorts))
    return BannerProbe::http;
  return BannerProbe::generic;
}

BannerProbe BannerProbeSpec::for_port(std::uint16_t port) const noexcept {
  BannerProbe p = all;
  const auto it = std::lower_bound(per_port.begin(), per_port.end(), port,
                                   [](const auto& e, std::uint16_t v) { return e.first < v; });
  if (it != per_port.end() && it->first == port) p = it->second;
  return p == BannerProbe::automatic ? default_hello(port) : p;
}

BannerProbeSpec parse_banner_probe_spec(std::string_view text) {
  BannerProbeSpec spec;
  bool all_given = false;
  std::size_t start = 0;
  if (trim(text).empty()) throw std::invalid_argument("'': empty --banner-probe");
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view token = trim(text.substr(start, comma - start));
    start = comma + 1;
    if (token.empty()) throw std::invalid_argument(fmt::format("'{}': empty entry", text));
    const std::size_t colon = token.find(':');
    if (colon == std::string_view::npos) {
      if (all_given) throw std::invalid_argument(fmt::format("'{}': a second hello for all ports", token));
      spec.all = parse_hello(token, token);
      all_given = true;
      continue;
    }
    const std::string_view port_text = trim(token.substr(0, colon));
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
      throw std::invalid_argument(fmt::format("'{}': bad port (expected 1-65535)", token));
    const BannerProbe hello = parse_hello(trim(token.substr(colon + 1)), token);
    for (const auto& e : spec.per_port)
      if (e.first == port) throw std::invalid_argument(fmt::format("'{}': port {} given twice", token, port));
    spec.per_port.emplace_back(static_cast<std::uint16_t>(port), hello);
  }
  std::sort(spec.per_port.begin(), spec.per_port.end());
  return spec;
}

std::string host_for_address(const IpAddress& ip) {
  return ip.family == Family::ipv6 ? fmt::format("[{}]", format_address(ip)) : format_address(ip);
}

std::string http_request(std::string_view host, std::uint16_t port, bool tls) {
  const bool default_port = port == (tls ? 443 : 80);
  std::string req = "GET / HTTP/1.1\r\nHost: ";
  req += host;
  if (!default_port) req += fmt::format(":{}", port);
  req += "\r\nUser-Agent: synscan\r\nAccept: */*\r\nConnection: close\r\n\r\n";
  return req;
}

}  // namespace synscan
