// echoed_cookie: per protocol, is the answer shaped like a reply, and what does it echo in the cookie field.
#include <string_view>

#include "engine/probes/udp/payload.hpp"
#include "engine/probes/udp/read.hpp"

namespace synscan::udp {
namespace {

using detail::be;
using detail::Bytes;

std::optional<std::uint64_t> none() noexcept { return std::nullopt; }

bool starts_with(Bytes b, std::size_t at, std::string_view s) noexcept {
  if (at > b.size() || b.size() - at < s.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (b[at + i] != static_cast<std::uint8_t>(s[i])) return false;
  return true;
}

// RFC 1035 4.1.1 (and RFC 1002 4.2.1.1, RFC 6762 18): QR set, OPCODE 0 (a response to a standard query), the
// question section whole (servers repeat the question; RFC 6762 6.7 requires it for legacy unicast). The ID.
std::optional<std::uint64_t> dns_like(Bytes a) noexcept {
  if (a.size() < 12) return none();  // the whole header
  const auto flags = be(a, 2, 2), questions = be(a, 4, 2);
  if (!flags || !questions || !(*flags & 0x8000) || ((*flags >> 11) & 0xf) != 0) return none();
  std::size_t at = 12;
  for (std::uint64_t i = 0; i < *questions; ++i) {
    const auto end = detail::dns_skip_name(a, at);
    if (!end || *end + 4 > a.size()) return none();
    at = *end + 4;
  }
  return be(a, 0, 2);
}

// RFC 5905 7.3: mode 4 (server), version 1-4, the whole 48-byte header; the origin timestamp (offset 24).
std::optional<std::uint64_t> ntp(Bytes a) noexcept {
  if (a.size() < 48) return none();
  const unsigned version = a[0] >> 3 & 7, mode = a[0] & 7;
  if (mode != 4 || version < 1 || version > 4) return none();
  return be(a, 24, 8);
}

// RFC 3416 3 / RFC 1157 4: Message SEQUENCE { version 0 or 1, community OCTET STRING, GetResponse-PDU [2] {
// request-id INTEGER, ... } }, each TLV parsed with its own length (an agent encodes the INTEGER minimally).
std::optional<std::uint64_t> snmp(Bytes a) noexcept {
  const auto msg = detail::ber_tlv(a, 0);
  if (!msg || msg->tag != 0x30) return none();
  const Bytes m = msg->content;
  const auto version = detail::ber_tlv(m, 0);
  if (!version || version->tag != 0x02) return none();
  const auto v = detail::ber_integer(version->content);
  if (!v || (*v != 0 && *v != 1)) return none();
  const auto community = detail::ber_tlv(m, version->end);
  if (!community || community->tag != 0x04) return none();
  const auto pdu = detail::ber_tlv(m, community->end);
  if (!pdu || pdu->tag != 0xa2) return none();
  const auto id = detail::ber_tlv(pdu->content, 0);
  if (!id || id->tag != 0x02) return none();
  const auto value = detail::ber_integer(id->content);
  if (!value || *value < 0 || *value > 0xffffffff) return none();
  return static_cast<std::uint64_t>(*value);
}

// RFC 2408 3.1 / RFC 7296 3.1: a header of major version 1 or 2 whose Length is the whole message (28 bytes
// at least), an exchange type, the Response flag for IKEv2, and for an IKEv1 main mode reply the responder
// cookie the responder chose (3.1: so our own probe, reflected, is no answer). The initiator cookie / SPI
// (offset 0).
std::optional<std::uint64_t> ike(Bytes a) noexcept {
  const auto length = be(a, 24, 4);
  if (!length || *length < 28 || *length > a.size()) return none();
  const unsigned major = a[17] >> 4;
  if ((major != 1 && major != 2) || a[18] == 0) return none();
  if (major == 2 && !(a[19] & 0x20)) return none();
  if (major == 1 && a[18] == 2 && be(a, 8, 8) == 0u) return none();
  return be(a, 0, 8);
}

// OpenVPN over UDP without tls-auth: opcode P_CONTROL_HARD_RESET_SERVER_V2 (8), P_CONTROL_V1 (4) or P_ACK_V1
// (5), the sender's session id, an ACK array of 1-8 packet-ids, then the session id it acknowledges: ours.
std::optional<std::uint64_t> openvpn(Bytes a) noexcept {
  if (a.size() < 10) return none();
  const unsigned opcode = a[0] >> 3;
  if (opcode != 8 && opcode != 4 && opcode != 5) return none();
  const std::size_t acks = a[9];
  if (acks == 0 || acks > 8) return none();
  return be(a, 10 + 4 * acks, 8);
}

// memcached protocol.txt: the frame header (request id, sequence 0 of >= 1 datagrams), then the reply to
// "version": a VERSION line or an error line.
std::optional<std::uint64_t> memcached(Bytes a) noexcept {
  const auto seq = be(a, 2, 2), total = be(a, 4, 2);
  if (!seq || !total || *seq != 0 || *total == 0) return none();
  if (!starts_with(a, 8, "VERSION ") && !starts_with(a, 8, "ERROR") && !starts_with(a, 8, "SERVER_ERROR") &&
      !starts_with(a, 8, "CLIENT_ERROR"))
    return none();
  return be(a, 0, 2);
}

// RFC 7252 3 and 5.2.1: version 1, type ACK (2), a response code (not 0.00 Empty), our 6-byte token: message
// id and token together (offset 2).
std::optional<std::uint64_t> coap(Bytes a) noexcept {
  if (a.size() < 10) return none();
  if (a[0] >> 6 != 1 || (a[0] >> 4 & 3) != 2 || (a[0] & 0xf) != 6 || a[1] == 0) return none();
  return be(a, 2, 8);
}

// UPnP DA 1.1 1.3.3: a search response is an HTTP/1.x response.
bool ssdp(Bytes a) noexcept {
  if (a.size() < 12) return false;
  constexpr std::string_view kHttp = "http/1.";
  for (std::size_t i = 0; i < kHttp.size(); ++i)
    if ((a[i] | 0x20) != static_cast<std::uint8_t>(kHttp[i])) return false;
  return a[8] == ' ' && a[9] >= '1' && a[9] <= '5';
}

std::optional<std::uint64_t> field(AnswerKind kind, CookieSlot slot, Bytes a) noexcept {
  switch (kind) {
    case AnswerKind::generic:
      return slot.bytes == 0 ? std::optional<std::uint64_t>(0)
                             : be(a, slot.offset, slot.bytes > 8 ? 8 : slot.bytes);
    case AnswerKind::dns:
    case AnswerKind::mdns:
    case AnswerKind::netbios_ns:
      return dns_like(a);
    case AnswerKind::ntp:
      return ntp(a);
    case AnswerKind::snmp:
      return snmp(a);
    case AnswerKind::ike:
      return ike(a);
    case AnswerKind::openvpn:
      return openvpn(a);
    case AnswerKind::memcached:
      return memcached(a);
    case AnswerKind::coap:
      return coap(a);
    case AnswerKind::ssdp:
      return ssdp(a) ? std::optional<std::uint64_t>(0) : std::nullopt;
  }
  return none();
}

}  // namespace

std::optional<std::uint64_t> echoed_cookie(AnswerKind kind, CookieSlot slot,
                                           std::span<const std::uint8_t> answer) noexcept {
  const auto f = field(kind, slot, answer);
  if (!f) return none();
  return slot.bytes == 0 ? 0 : *f;
}

}  // namespace synscan::udp
