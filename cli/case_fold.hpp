#pragma once
// Option values that name one of a fixed set (formats, states, send backends) are matched without regard to
// case: "--format JSON" is "--format json", as the extension ".JSON" already was.
#include <string>
#include <string_view>

namespace synscan {

/// `text` with ASCII letters in lower case (no locale: option values are ASCII names).
inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace synscan
