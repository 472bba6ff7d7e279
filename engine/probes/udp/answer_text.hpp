#pragma once
// Small helpers of describe_answer (answer.cpp, answer_dns.cpp): bounded text from answer bytes, and the
// describers of the DNS family. Internal to engine/probes/udp/.
#include <string_view>

#include "engine/probes/udp/answer.hpp"
#include "engine/probes/udp/read.hpp"

namespace synscan::udp::detail {

/// `n` bytes of `b` from `at` as text, clamped to the span.
inline std::string_view text_at(Bytes b, std::size_t at, std::size_t n) noexcept {
  if (at >= b.size()) return {};
  n = std::min(n, b.size() - at);
  return {reinterpret_cast<const char*>(b.data() + at), n};
}

/// Appends the decimal form of `v`.
template <std::size_t N>
void append_number(FixedText<N>& t, std::uint64_t v) noexcept {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) t.push_back(digits[--n]);
}

/// Splits a software string into product and version at the first '-', ' ' or '/' followed by a digit
/// ("dnsmasq-2.90", "unbound 1.17.1", "MiniUPnPd/2.3.3"); a string that starts with a digit is BIND's bare
/// version
/// ("9.18.28-1~deb12u2-Debian" -> ISC BIND). False when no split is found.
bool split_product(std::string_view s, AnswerInfo& out) noexcept;

/// The describers of answer.cpp's dispatch for DNS (version.bind TXT or the rcode), mDNS (the service types
/// enumerated) and NetBIOS-NS (node status: names, workgroup, MAC). Each returns false when `a` is not a
/// reply.
bool describe_dns(Bytes a, AnswerInfo& out) noexcept;
bool describe_mdns(Bytes a, AnswerInfo& out) noexcept;
bool describe_netbios(Bytes a, AnswerInfo& out) noexcept;

}  // namespace synscan::udp::detail
