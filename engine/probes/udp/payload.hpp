#pragma once
// The UDP probe's payloads and where each carries the keyed cookie, so that a genuine answer can be tied to
// the probe statelessly (the UDP counterpart of the SYN cookie in the TCP sequence number). Pure: no sockets,
// no allocation on the answer path (echoed_cookie is fuzzed, tests/fuzz/fuzz_udp.cpp).
//
// Each built-in payload is written from its protocol's specification (RFC sections at each builder in
// payload.cpp); the cookie goes into a field the server copies into its answer: the DNS/NetBIOS/mDNS
// transaction id, the NTP transmit timestamp (echoed as origin timestamp), the SNMP request-id, the IKE
// initiator SPI, the memcached request id, the CoAP message id and token, the OpenVPN session id. The probe's
// source port carries more cookie bits on top (the module's business, not this file's).
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace synscan::udp {

/// Which parser reads a port's answers, and how its cookie is carried. generic: any datagram from the probed
/// address and port is an answer (user payloads, nmap-payloads, the empty datagram).
enum class AnswerKind : std::uint8_t {
  generic,
  dns,
  ntp,
  snmp,
  netbios_ns,
  ssdp,
  mdns,
  memcached,
  ike,
  coap,
  openvpn
};

/// Where a payload carries the probe's cookie so that a genuine answer echoes it: `bytes` 0 (no echo field:
/// only addresses and ports validate), 2, 4 or 8, at byte `offset` of the payload, network byte order.
struct CookieSlot {
  std::uint16_t offset = 0;
  std::uint8_t bytes = 0;
  friend bool operator==(CookieSlot, CookieSlot) = default;
};

/// One probe payload: the UDP payload as sent with the cookie slot zeroed (write_cookie fills it per probe),
/// the slot, and the parser of its answers.
struct UdpPayload {
  std::vector<std::uint8_t> bytes;
  CookieSlot slot;
  AnswerKind kind = AnswerKind::generic;
};

/// The built-in payload for destination `port` (host order), nullopt for any other port:
///   53 DNS: version.bind CH TXT query, id = cookie (RFC 1035 4.1; dnsmasq answers "dnsmasq-2.90");
///   123 NTP: NTPv4 client mode 3, cookie in the transmit timestamp, echoed as origin timestamp (RFC 5905 8);
///   137 NetBIOS-NS: NBSTAT query for "*", NAME_TRN_ID = cookie (RFC 1002 4.2.17);
///   161 SNMP: v2c community "public" GetRequest sysDescr.0 (1.3.6.1.2.1.1.1.0), cookie in request-id (RFC
///   3416); 500 IKE: IKEv1 main mode SA proposal, cookie = initiator cookie/SPI (RFC 2408 3.1, RFC 2409);
///   1194 OpenVPN: P_CONTROL_HARD_RESET_CLIENT_V2 with session id = cookie, echoed in the server's ACK;
///   1900 SSDP: M-SEARCH ssdp:all (UPnP Device Architecture 1.1 1.3.2), no echo field;
///   5353 mDNS: legacy unicast _services._dns-sd._udp.local PTR query, id echoed (RFC 6762 6.7);
///   5683 CoAP: CON GET /.well-known/core, cookie = message id + 6-byte token (RFC 7252 3, RFC 6690);
///   11211 memcached: UDP frame header with request id = cookie, then "version\r\n" (memcached protocol.txt).
std::optional<UdpPayload> builtin_payload(std::uint16_t port);

/// The value the cookie field holds for the 64-bit keyed cookie `cookie`: its low slot.bytes*8 bits, except
/// SNMP, whose request-id must stay a positive INTEGER of 4 content bytes (0x40000000 | (cookie &
/// 0x3fffffff): 30 bits). 0 when slot.bytes is 0.
std::uint64_t cookie_field_value(AnswerKind kind, CookieSlot slot, std::uint64_t cookie) noexcept;

/// Writes cookie_field_value(kind, slot, cookie) into payload[slot.offset, slot.offset + slot.bytes), network
/// byte order. Writes nothing when the slot does not fit in `payload`.
void write_cookie(AnswerKind kind, CookieSlot slot, std::uint64_t cookie,
                  std::span<std::uint8_t> payload) noexcept;

/// What `answer` (a UDP payload received from the probed address and port) echoes in the cookie field, in the
/// form cookie_field_value gives, or nullopt when the answer is not shaped like a reply of `kind` (DNS/mDNS/
/// NetBIOS: not a response (QR) to a standard query; NTP: not a server-mode packet; SNMP: not a
/// GetResponse-PDU, or a request-id that is negative or wider than 32 bits; IKE: no ISAKMP v1/v2 header whose
/// Length fits the datagram, or a main mode reply without a responder cookie;
/// CoAP: not an ACK that carries a 6-byte token (an empty ACK or a RST echoes only the 16-bit message id: not
/// accepted); OpenVPN: not a HARD_RESET_SERVER or ACK that acknowledges a session; memcached: not a first
/// datagram of a VERSION or error line; SSDP: not an "HTTP/1.x" response). Protocols are parsed (BER, DNS
/// header, OpenVPN ack array), never read at a fixed offset blindly: an SNMP agent may re-encode the INTEGER
/// minimally. slot.bytes == 0 (SSDP, generic, or a slot-less payload of any kind): 0 for any answer shaped
/// like `kind`'s (generic: every datagram, the empty one included), so the caller compares with
/// cookie_field_value (also 0). generic with a slot (a user payload sent to a service that echoes datagrams
/// back): the answer's bytes at the slot, nullopt when the answer is shorter.
/// Total on any bytes, no allocation, no throw, never reads outside `answer`.
std::optional<std::uint64_t> echoed_cookie(AnswerKind kind, CookieSlot slot,
                                           std::span<const std::uint8_t> answer) noexcept;

}  // namespace synscan::udp
