#pragma once
// Bounds-checked cursor over received bytes.
//
// The idea of libtins' memory_helpers.h (InputMemoryStream), without its exceptions: a received frame is
// untrusted data, so a short or malformed frame is an ordinary outcome (std::nullopt / false), never an error
// and never a read past the end. Multi-byte reads decode network byte order (big endian) into host order.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace synscan {

/// A forward-only reader over a span it does not own. Every read either consumes the requested bytes or, when
/// fewer remain, consumes nothing and reports failure. Cheap to copy (two words); copying forks the cursor.
class PacketReader {
 public:
  constexpr explicit PacketReader(std::span<const std::uint8_t> bytes) noexcept : bytes_(bytes) {}

  /// Bytes not yet consumed.
  [[nodiscard]] constexpr std::size_t remaining() const noexcept { return bytes_.size(); }

  /// The unconsumed bytes, as a view.
  [[nodiscard]] constexpr std::span<const std::uint8_t> rest() const noexcept { return bytes_; }

  /// One byte, or nullopt at the end.
  [[nodiscard]] constexpr std::optional<std::uint8_t> read_u8() noexcept {
    if (bytes_.empty()) return std::nullopt;
    const std::uint8_t v = bytes_[0];
    bytes_ = bytes_.subspan(1);
    return v;
  }

  /// Two bytes in network byte order, returned in host order; nullopt (nothing consumed) if fewer remain.
  [[nodiscard]] constexpr std::optional<std::uint16_t> read_u16() noexcept {
    if (bytes_.size() < 2) return std::nullopt;
    const auto v = static_cast<std::uint16_t>((bytes_[0] << 8) | bytes_[1]);
    bytes_ = bytes_.subspan(2);
    return v;
  }

  /// Four bytes in network byte order, returned in host order; nullopt (nothing consumed) if fewer remain.
  [[nodiscard]] constexpr std::optional<std::uint32_t> read_u32() noexcept {
    if (bytes_.size() < 4) return std::nullopt;
    const std::uint32_t v = (std::uint32_t{bytes_[0]} << 24) | (std::uint32_t{bytes_[1]} << 16) |
                            (std::uint32_t{bytes_[2]} << 8) | std::uint32_t{bytes_[3]};
    bytes_ = bytes_.subspan(4);
    return v;
  }

  /// Consumes n bytes; false (nothing consumed) if fewer than n remain.
  [[nodiscard]] constexpr bool skip(std::size_t n) noexcept {
    if (bytes_.size() < n) return false;
    bytes_ = bytes_.subspan(n);
    return true;
  }

  /// Consumes the next n bytes and returns them as a view; nullopt (nothing consumed) if fewer than n remain.
  /// Used to hand a header or a length-limited payload to a nested reader.
  [[nodiscard]] constexpr std::optional<std::span<const std::uint8_t>> read_span(std::size_t n) noexcept {
    if (bytes_.size() < n) return std::nullopt;
    const auto v = bytes_.first(n);
    bytes_ = bytes_.subspan(n);
    return v;
  }

  /// The byte at offset from the cursor without consuming anything; nullopt if out of range.
  [[nodiscard]] constexpr std::optional<std::uint8_t> peek_u8(std::size_t offset = 0) const noexcept {
    if (offset >= bytes_.size()) return std::nullopt;
    return bytes_[offset];
  }

  /// Two bytes (network order, returned in host order) at offset from the cursor, without consuming.
  [[nodiscard]] constexpr std::optional<std::uint16_t> peek_u16(std::size_t offset = 0) const noexcept {
    if (offset > bytes_.size() || bytes_.size() - offset < 2) return std::nullopt;
    return static_cast<std::uint16_t>((bytes_[offset] << 8) | bytes_[offset + 1]);
  }

 private:
  std::span<const std::uint8_t> bytes_;
};

}  // namespace synscan
