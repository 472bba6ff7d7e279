#pragma once
// What a probe module read in an answer (a UDP service's reply: DNS, NTP, SNMP ...), in fixed-size fields so
// that the receive thread fills it without allocating. It travels beside its Result through the receive queue
// (Result::has_answer) and becomes the Banner the writers render (engine/banner/banner.hpp).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace synscan {

/// A bounded string with no allocation: capacity N bytes, truncated on assignment or append (possibly inside
/// a UTF-8 sequence), bytes kept as they are, control bytes included (the writers escape).
template <std::size_t N>
struct FixedText {
  static_assert(N > 0 && N < 256, "the length is kept in one byte");
  std::array<char, N> data;  // left uninitialised: `length` says how much is text (built per received frame)
  std::uint8_t length = 0;

  /// Replaces the text with the first N bytes of `s`.
  void assign(std::string_view s) noexcept {
    length = 0;
    append(s);
  }
  /// Appends what fits of `s`.
  void append(std::string_view s) noexcept {
    const std::size_t n = std::min(s.size(), N - length);
    std::copy_n(s.data(), n, data.data() + length);
    length = static_cast<std::uint8_t>(length + n);
  }
  void push_back(char c) noexcept {
    if (length < N) data[length++] = c;
  }
  void clear() noexcept { length = 0; }
  std::string_view view() const noexcept { return {data.data(), length}; }
  std::size_t size() const noexcept { return length; }
  bool empty() const noexcept { return length == 0; }
  static constexpr std::size_t capacity() noexcept { return N; }
  friend bool operator==(const FixedText& t, std::string_view s) noexcept { return t.view() == s; }
};

/// What an answer says, for the outputs (nmap -sU -sV's <service> element): service as nmap-services names
/// the port's service ("domain", "ntp", "snmp", ...); product and version where the answer names them (DNS
/// version.bind "dnsmasq-2.90" -> dnsmasq / 2.90); info: a short human summary (the DNS rcode, "stratum 8,
/// refid 127.127.1.1", an SNMP sysDescr, ...). Empty fields when unknown.
struct AnswerInfo {
  FixedText<24> service;
  FixedText<48> product;
  FixedText<32> version;
  FixedText<160> info;
};

/// An AnswerInfo on its way from the receive thread to the aggregator: the queue beside the results' carries
/// it with its probe, so that an answer whose result was dropped (a full results queue) is recognised and
/// skipped rather than given to the next result.
struct QueuedAnswer {
  std::uint64_t index = 0;  ///< the probe (Result::index) it describes
  AnswerInfo info;
};

}  // namespace synscan
