#pragma once
// Bounds-checked reading of UDP answers, shared by echoed_cookie (payload.cpp) and describe_answer
// (answer.cpp): big-endian integers, BER TLVs (SNMP, ITU-T X.690 8.1) and DNS names with compression (RFC
// 1035 4.1.4). Every function returns nullopt/false instead of reading past the span. Internal to
// engine/probes/udp/.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace synscan::udp::detail {

using Bytes = std::span<const std::uint8_t>;

/// Big-endian unsigned of `n` (<= 8) bytes at `at`, nullopt when it does not fit.
inline std::optional<std::uint64_t> be(Bytes b, std::size_t at, std::size_t n) noexcept {
  if (at > b.size() || b.size() - at < n) return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = v << 8 | b[at + i];
  return v;
}

/// One BER TLV: its tag byte (single-byte tags only: all SNMP uses) and its content.
struct Tlv {
  std::uint8_t tag = 0;
  Bytes content;
  std::size_t end = 0;  ///< offset just after the TLV in the span it was read from
};

/// The TLV at `at` in `b`, definite lengths only (short form, or long form of 1-4 length bytes); nullopt when
/// the header or the content does not fit (SNMP forbids the indefinite form, RFC 3417 8).
inline std::optional<Tlv> ber_tlv(Bytes b, std::size_t at) noexcept {
  if (at >= b.size() || b.size() - at < 2) return std::nullopt;
  Tlv t;
  t.tag = b[at];
  if ((t.tag & 0x1f) == 0x1f) return std::nullopt;  // multi-byte tag
  std::size_t pos = at + 1;
  std::size_t len = b[pos++];
  if (len & 0x80) {
    const std::size_t n = len & 0x7f;
    if (n == 0 || n > 4) return std::nullopt;
    const auto l = be(b, pos, n);
    if (!l) return std::nullopt;
    len = static_cast<std::size_t>(*l);
    pos += n;
  }
  if (len > b.size() - pos) return std::nullopt;
  t.content = b.subspan(pos, len);
  t.end = pos + len;
  return t;
}

/// A BER INTEGER's content as a signed value (two's complement, X.690 8.3), nullopt when empty or when it
/// does not fit an int64.
inline std::optional<std::int64_t> ber_integer(Bytes content) noexcept {
  if (content.empty() || content.size() > 9) return std::nullopt;
  if (content.size() == 9 && (content[0] != 0x00 || (content[1] & 0x80))) return std::nullopt;
  std::uint64_t v = (content[0] & 0x80) ? ~std::uint64_t{0} : 0;  // sign extension
  for (const std::uint8_t c : content) v = v << 8 | c;
  return static_cast<std::int64_t>(v);
}

/// The offset just past the DNS name at `at` in message `b` (a name ends at its zero label or at its first
/// compression pointer, RFC 1035 4.1.4); nullopt when it runs off the end or uses a reserved label type.
inline std::optional<std::size_t> dns_skip_name(Bytes b, std::size_t at) noexcept {
  for (int labels = 0; labels < 128 && at < b.size(); ++labels) {
    const std::uint8_t len = b[at];
    if (len == 0) return at + 1;
    if ((len & 0xc0) == 0xc0) return at + 2 <= b.size() ? std::optional<std::size_t>(at + 2) : std::nullopt;
    if (len & 0xc0) return std::nullopt;
    at += 1 + len;
  }
  return std::nullopt;
}

/// Calls out(char) for each character of the DNS name at `at` in message `b`, dot-separated, following at
/// most 16 compression pointers (loops end there); false when the name is malformed.
template <typename Out>
bool dns_read_name(Bytes b, std::size_t at, Out&& out) noexcept {
  bool first = true;
  int pointers = 0;
  for (int steps = 0; steps < 256; ++steps) {
    if (at >= b.size()) return false;
    const std::uint8_t len = b[at];
    if (len == 0) return true;
    if ((len & 0xc0) == 0xc0) {
      if (at + 2 > b.size() || ++pointers > 16) return false;
      at = static_cast<std::size_t>((len & 0x3f) << 8 | b[at + 1]);
      continue;
    }
    if (len & 0xc0 || b.size() - at - 1 < len) return false;
    if (!first) out('.');
    first = false;
    for (std::size_t i = 0; i < len; ++i) out(static_cast<char>(b[at + 1 + i]));
    at += 1 + len;
  }
  return false;
}

}  // namespace synscan::udp::detail
