#pragma once
// What a UDP answer says, for the outputs (nmap -sU -sV's <service> element): read on the receive path, so
// without allocation (FixedText), total on any bytes and fuzzed (tests/fuzz/fuzz_udp.cpp).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "engine/probes/udp/payload.hpp"

namespace synscan::udp {

/// A bounded string with no allocation: capacity N bytes, truncated on assignment or append (possibly inside
/// a UTF-8 sequence), bytes kept as they are, control bytes included (the writers escape).
template <std::size_t N>
struct FixedText {
  static_assert(N > 0 && N < 256, "the length is kept in one byte");
  std::array<char, N> data{};
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

/// What an answer says, for the outputs: service as nmap-services names the port's UDP service ("domain",
/// "ntp", "snmp", "netbios-ns", "upnp", "zeroconf", "memcache", "isakmp", "coap", "openvpn"); product and
/// version where the answer names them (DNS version.bind "dnsmasq-2.90" -> dnsmasq / 2.90, SSDP's SERVER
/// header, memcached "VERSION 1.6.21" -> Memcached / 1.6.21); info: a short human summary (the DNS rcode,
/// "stratum 8, refid 127.127.1.1", an SNMP sysDescr, the IKE exchange and notification, ...). Empty fields
/// when unknown.
struct AnswerInfo {
  FixedText<24> service;
  FixedText<48> product;
  FixedText<32> version;
  FixedText<160> info;
};

/// Fills `out` (cleared first) from `answer`, a UDP payload received in answer to a probe of `kind`. Returns
/// false, with `out` left empty, when the answer is not shaped like a reply of `kind` (echoed_cookie's test)
/// or `kind` is generic (no parser: the caller may name the service from the port). True otherwise, with at
/// least the service set. No allocation, no throw, never reads outside `answer`.
bool describe_answer(AnswerKind kind, std::span<const std::uint8_t> answer, AnswerInfo& out) noexcept;

/// The nmap-services name of `kind`'s service ("domain", ...), empty for generic.
std::string_view service_name(AnswerKind kind) noexcept;

}  // namespace synscan::udp
