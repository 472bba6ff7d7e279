#include "engine/probes/tcp_options.hpp"

#include <fmt/format.h>

namespace synscan {
namespace {

constexpr unsigned kMaxOptions = 10;  // 3 bits each in 32 bits

std::uint32_t code_of(std::uint8_t kind) noexcept {
  switch (kind) {
    case 0:
      return 1;
    case 1:
      return 2;
    case 2:
      return 3;
    case 3:
      return 4;
    case 4:
      return 5;
    case 8:
      return 6;
    default:
      return 7;
  }
}

std::uint16_t be16(const std::uint8_t* p) noexcept { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
std::uint32_t be32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

}  // namespace

TcpOptionFacts read_tcp_options(std::span<const std::uint8_t> o) noexcept {
  TcpOptionFacts f;
  std::size_t i = 0;
  for (unsigned n = 0; n < kMaxOptions && i < o.size(); ++n) {
    const std::uint8_t kind = o[i];
    f.layout |= code_of(kind) << (3 * n);
    if (kind == 0) break;
    if (kind == 1) {
      ++i;
      continue;
    }
    if (i + 1 >= o.size()) break;
    const std::size_t len = o[i + 1];
    if (len < 2 || i + len > o.size()) break;
    const std::uint8_t* v = o.data() + i + 2;
    if (kind == 2 && len == 4) f.mss = be16(v);
    if (kind == 3 && len == 3) f.wscale = v[0];
    if (kind == 8 && len == 10) {
      f.has_timestamps = true;
      f.tsval = be32(v);
      f.tsecr = be32(v + 4);
    }
    i += len;
  }
  return f;
}

std::string options_text(std::uint32_t layout) {
  static constexpr const char* kNames[] = {"", "eol", "nop", "mss", "ws", "sok", "ts", "?"};
  std::string out;
  for (; layout != 0; layout >>= 3) {
    if (!out.empty()) out += ',';
    out += kNames[layout & 7];
  }
  return out;
}

std::string options_numbers(std::uint32_t layout) {
  static constexpr const char* kNumbers[] = {"", "0", "1", "2", "3", "4", "8", "x"};
  std::string out;
  for (; layout != 0; layout >>= 3) {
    if (!out.empty()) out += '-';
    out += kNumbers[layout & 7];
  }
  return out;
}

std::string ja4ts(std::uint16_t window, std::uint32_t layout, std::uint16_t mss, std::uint8_t wscale) {
  const std::string mss_text = layout_has(layout, 3) ? fmt::format("{}", mss) : "00";
  const std::string ws_text = layout_has(layout, 4) ? fmt::format("{}", wscale) : "00";
  return fmt::format("{}_{}_{}_{}", window, options_numbers(layout), mss_text, ws_text);
}

}  // namespace synscan
