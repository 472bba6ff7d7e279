// libFuzzer target for the UDP answer parsers (engine/probes/udp/): what any host sends back to a UDP probe
// reaches echoed_cookie and describe_answer of every AnswerKind; the input is the UDP payload as received,
// tried with each kind. Also feeds the same bytes, as text, to the set-up parsers of nmap's payload file and
// --udp-payload (they may only throw std::invalid_argument). Built and run by scripts/fuzz.sh; seeds in
// tests/fuzz/corpus_udp (real answers of dnsmasq, chrony and net-snmp captured in the lab, and crafted
// answers of the other protocols).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <stdexcept>
#include <string_view>

#include "engine/probes/udp/answer.hpp"
#include "engine/probes/udp/nmap_payloads.hpp"
#include "engine/probes/udp/payload.hpp"

namespace {

// A property violation is a crash for libFuzzer: abort() makes it save the input.
void require(bool ok) {
  if (!ok) std::abort();
}

constexpr synscan::udp::AnswerKind kKinds[] = {
    synscan::udp::AnswerKind::generic, synscan::udp::AnswerKind::dns,        synscan::udp::AnswerKind::ntp,
    synscan::udp::AnswerKind::snmp,    synscan::udp::AnswerKind::netbios_ns, synscan::udp::AnswerKind::ssdp,
    synscan::udp::AnswerKind::mdns,    synscan::udp::AnswerKind::memcached,  synscan::udp::AnswerKind::ike,
    synscan::udp::AnswerKind::coap,    synscan::udp::AnswerKind::openvpn};

// The built-in slot of each kind (the one the probe module passes), by a port that has it.
synscan::udp::CookieSlot slot_of(synscan::udp::AnswerKind kind) {
  for (const std::uint16_t port : {53, 123, 137, 161, 500, 1194, 1900, 5353, 5683, 11211}) {
    const auto p = synscan::udp::builtin_payload(port);
    if (p && p->kind == kind) return p->slot;
  }
  return {};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace synscan::udp;
  const std::span<const std::uint8_t> answer(data, size);
  for (const AnswerKind kind : kKinds) {
    const CookieSlot slot = slot_of(kind);
    const auto echoed = echoed_cookie(kind, slot, answer);
    if (echoed) {
      // what is echoed fits the slot, and SNMP's request-id is at most 32 bits
      if (slot.bytes < 8) require(*echoed < (std::uint64_t{1} << (8 * slot.bytes)));
      if (slot.bytes == 0) require(*echoed == 0);
    }
    // a slot-less reading agrees on the shape
    require(echoed_cookie(kind, {}, answer).has_value() == echoed.has_value());
    AnswerInfo info;
    const bool described = describe_answer(kind, answer, info);
    // describe_answer reads exactly the answers echoed_cookie calls replies, and names the kind's service
    require(described == (echoed.has_value() && kind != AnswerKind::generic));
    if (described) {
      require(info.service == service_name(kind));
    } else {
      require(info.service.empty() && info.product.empty() && info.version.empty() && info.info.empty());
    }
    require(info.service.size() <= info.service.capacity() && info.info.size() <= info.info.capacity() &&
            info.product.size() <= info.product.capacity() && info.version.size() <= info.version.capacity());
  }

  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    (void)parse_nmap_payloads(text);
  } catch (const std::invalid_argument&) {
  }
  try {
    (void)parse_payload_option(text);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
