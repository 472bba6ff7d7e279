#pragma once
// Counts in messages read as English: "1 target", "2 targets", "0 targets" (the summary, the status line,
// merge).
#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace synscan {

/// "N WORD" with `one` when n is 1, else `many`: counted(1, "probe", "probes") is "1 probe".
inline std::string counted(std::uint64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

}  // namespace synscan
