#pragma once
// TLS record framing (RFC 8446 section 5.1, RFC 5246 section 6.2): enough to tell that a server answered in
// TLS and what it said first (a handshake or an alert), without a TLS library. Pure and bounds-checked
// (fuzzed, tests/fuzz/fuzz_banner.cpp). The handshake itself is OpenSSL's (capture/banner_tls.hpp).
#include <cstdint>
#include <optional>
#include <string_view>

namespace synscan {

/// One record header: content type (20 change_cipher_spec, 21 alert, 22 handshake, 23 application_data),
/// legacy version (0x0300-0x0304), the fragment's length (at most 2^14 + 2048), and whether `bytes` holds all
/// of it.
struct TlsRecord {
  std::uint8_t type = 0;
  std::uint16_t version = 0;
  std::uint16_t length = 0;
  bool complete = false;
  /// For an alert record with its two bytes present: level (1 warning, 2 fatal) and description (RFC 8446
  /// section 6); 0 otherwise.
  std::uint8_t alert_level = 0, alert_description = 0;
};

/// The record header at the start of `bytes`; nullopt when fewer than 5 bytes or they are not a TLS record
/// (unknown type, version outside 3.0-3.4, length over 18,432).
std::optional<TlsRecord> parse_tls_record(std::string_view bytes) noexcept;

/// "TLSv1.2"-style name of a record version (0x0301 TLSv1.0 ... 0x0304 TLSv1.3, 0x0300 SSLv3), "" otherwise.
std::string_view tls_version_name(std::uint16_t version) noexcept;

}  // namespace synscan
