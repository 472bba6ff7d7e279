#pragma once
// What a probe module read in an answer (a UDP service's reply: DNS, NTP, SNMP ...), in fixed-size fields so
// that the receive thread fills it without allocating. It travels beside its Result through the receive queue
// (Result::has_answer) and becomes the Banner the writers render (engine/banner/banner.hpp).
#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>

namespace synscan {

/// A bounded string with no allocation: at most N bytes, longer assignments truncated. Bytes are kept as they
/// came (control bytes and invalid UTF-8 included): the writers escape.
template <std::size_t N>
class FixedText {
 public:
  FixedText() = default;
  /// Replaces the text with the first N bytes of `s`.
  void assign(std::string_view s) noexcept {
    size_ = std::min(s.size(), N);
    std::copy_n(s.data(), size_, bytes_.data());
  }
  /// Appends as much of `s` as fits.
  void append(std::string_view s) noexcept {
    const std::size_t n = std::min(s.size(), N - size_);
    std::copy_n(s.data(), n, bytes_.data() + size_);
    size_ += n;
  }
  std::string_view view() const noexcept { return {bytes_.data(), size_}; }
  bool empty() const noexcept { return size_ == 0; }
  static constexpr std::size_t capacity() noexcept { return N; }

 private:
  std::array<char, N> bytes_;  // left uninitialised: size_ says how much is text (built per received frame)
  std::size_t size_ = 0;
};

/// The service an answer shows, as nmap -sV names it: service ("domain", "ntp", "snmp"), product ("dnsmasq"),
/// version ("2.90") where the answer names them, and info, a short summary ("stratum 8, refid LOCL", the SNMP
/// sysDescr, a DNS rcode).
struct AnswerInfo {
  FixedText<24> service;
  FixedText<48> product;
  FixedText<32> version;
  FixedText<160> info;
};

}  // namespace synscan
