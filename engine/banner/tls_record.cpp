#include "engine/banner/tls_record.hpp"

namespace synscan {

std::optional<TlsRecord> parse_tls_record(std::string_view bytes) noexcept {
  constexpr std::size_t kHeader = 5;
  constexpr std::uint16_t kMaxLength = (1 << 14) + 2048;  // TLSCiphertext's bound (RFC 8446 section 5.2)
  if (bytes.size() < kHeader) return std::nullopt;
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(bytes[i]); };
  TlsRecord r;
  r.type = byte(0);
  r.version = static_cast<std::uint16_t>(byte(1) << 8 | byte(2));
  r.length = static_cast<std::uint16_t>(byte(3) << 8 | byte(4));
  if (r.type < 20 || r.type > 23) return std::nullopt;
  if (r.version < 0x0300 || r.version > 0x0304) return std::nullopt;
  if (r.length == 0 || r.length > kMaxLength) return std::nullopt;
  r.complete = bytes.size() - kHeader >= r.length;
  if (r.type == 21 && r.length >= 2 && bytes.size() >= kHeader + 2) {
    r.alert_level = byte(5);
    r.alert_description = byte(6);
  }
  return r;
}

std::string_view tls_version_name(std::uint16_t version) noexcept {
  switch (version) {
    case 0x0300:
      return "SSLv3";
    case 0x0301:
      return "TLSv1.0";
    case 0x0302:
      return "TLSv1.1";
    case 0x0303:
      return "TLSv1.2";
    case 0x0304:
      return "TLSv1.3";
  }
  return {};
}

}  // namespace synscan
