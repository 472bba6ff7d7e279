#include "engine/probes/udp/payload.hpp"

#include <initializer_list>
#include <string_view>

namespace synscan::udp {
namespace {

/// Appends bytes and big-endian fields to a payload under construction.
struct Builder {
  std::vector<std::uint8_t> b;
  // Room for every built-in payload up front: one allocation, and GCC 12's -Wstringop-overflow no longer
  // misjudges the small inserts into a vector it sees grow from empty.
  Builder() { b.reserve(128); }
  Builder& u8(std::uint8_t v) {
    b.push_back(v);
    return *this;
  }
  Builder& u16(std::uint16_t v) {
    return u8(static_cast<std::uint8_t>(v >> 8)).u8(static_cast<std::uint8_t>(v));
  }
  Builder& zeros(std::size_t n) {
    b.insert(b.end(), n, 0);
    return *this;
  }
  Builder& text(std::string_view s) {
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  Builder& bytes(std::initializer_list<std::uint8_t> v) {
    b.insert(b.end(), v);
    return *this;
  }
  /// A DNS name from its labels, each as a length byte and the label (RFC 1035 3.1), then the root's 0.
  Builder& dns_name(std::initializer_list<std::string_view> labels) {
    for (const std::string_view l : labels) u8(static_cast<std::uint8_t>(l.size())).text(l);
    return u8(0);
  }
};

// RFC 1035 4.1.1 header: ID (the cookie), flags 0 (a standard query, QR=0, RD=0), QDCOUNT 1, AN/NS/AR 0;
// 4.1.2 question: "version.bind", QTYPE TXT (16), QCLASS CH (3) (the BIND convention dnsmasq and unbound
// follow).
UdpPayload dns() {
  Builder p;
  p.u16(0).u16(0).u16(1).u16(0).u16(0).u16(0).dns_name({"version", "bind"}).u16(16).u16(3);
  return {std::move(p.b), {0, 2}, AnswerKind::dns};
}

// RFC 5905 7.3: LI 0, VN 4, Mode 3 (client) = 0x23; stratum, poll, precision, root delay/dispersion, refid
// and the reference/origin/receive timestamps 0; the transmit timestamp (offset 40) carries the cookie, which
// a server copies into its origin timestamp (section 8, "org = xmt" of the request).
UdpPayload ntp() {
  Builder p;
  p.u8(0x23).zeros(47);
  return {std::move(p.b), {40, 8}, AnswerKind::ntp};
}

// RFC 1002 4.2.17 NODE STATUS REQUEST: NAME_TRN_ID (the cookie), flags 0 (query, B=0), QDCOUNT 1; the
// question name "*" padded with 15 NULs in first-level encoding (RFC 1001 14.1: each nibble + 'A', 0x2A ->
// "CK"), the NBSTAT type (0x21) and class IN.
UdpPayload netbios_ns() {
  Builder p;
  p.u16(0).u16(0).u16(1).u16(0).u16(0).u16(0).u8(32).text("CK");
  for (int i = 0; i < 15; ++i) p.text("AA");
  p.u8(0).u16(0x21).u16(1);
  return {std::move(p.b), {0, 2}, AnswerKind::netbios_ns};
}

// SNMPv2c Message (RFC 3416 3, RFC 1901 3): SEQUENCE { version INTEGER 1 (v2c), community "public",
// GetRequest-PDU [0] { request-id INTEGER (4 content bytes: the cookie), error-status 0, error-index 0,
// variable-bindings SEQUENCE { SEQUENCE { sysDescr.0 1.3.6.1.2.1.1.1.0, NULL } } } }. BER (X.690 8.19): the
// OID 1.3 is the one byte 40*1+3 = 0x2b.
UdpPayload snmp() {
  Builder p;
  p.bytes({0x30, 0x29, 0x02, 0x01, 0x01, 0x04, 0x06}).text("public");
  p.bytes({0xa0, 0x1c, 0x02, 0x04, 0, 0, 0, 0, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00});
  p.bytes({0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05, 0x00});
  return {std::move(p.b), {17, 4}, AnswerKind::snmp};
}

// IKEv1 main mode, first message (RFC 2409 5): ISAKMP header (RFC 2408 3.1: initiator cookie = the cookie,
// responder cookie 0, next payload SA (1), version 1.0, exchange Identity Protection (2), flags 0, message id
// 0, length 84), SA payload (3.4: DOI IPsec (1), situation SIT_IDENTITY_ONLY (1)), one proposal (3.5: #1,
// PROTO_ISAKMP, no SPI, 1 transform), one transform (3.6: #1, KEY_IKE) with basic attributes (RFC 2409
// appendix A): AES-CBC (7) 128-bit, SHA (2), pre-shared key (1), MODP group 14, life 28800 seconds. A
// responder answers with its SA choice or a NO-PROPOSAL-CHOSEN notification, both under our initiator cookie.
UdpPayload ike() {
  Builder p;
  p.zeros(16).u8(1).u8(0x10).u8(2).u8(0).zeros(4).u16(0).u16(84);
  p.u8(0).u8(0).u16(56).u16(0).u16(1).u16(0).u16(1);  // SA header, DOI, situation
  p.u8(0).u8(0).u16(44).u8(1).u8(1).u8(0).u8(1);      // proposal
  p.u8(0).u8(0).u16(36).u8(1).u8(1).u16(0);           // transform
  p.u16(0x8001).u16(7).u16(0x800e).u16(128).u16(0x8002).u16(2).u16(0x8003).u16(1);
  p.u16(0x8004).u16(14).u16(0x800b).u16(1).u16(0x800c).u16(28800);
  return {std::move(p.b), {0, 8}, AnswerKind::ike};
}

// OpenVPN's reliability layer over UDP (OpenVPN protocol, ssl_pkt.h/reliable.c): opcode
// P_CONTROL_HARD_RESET_CLIENT_V2 (7) << 3 | key id 0, our session id (the cookie), an empty ACK array,
// message packet-id 0. The server's HARD_RESET_SERVER_V2 acknowledges packet-id 0 and names our session id as
// remote session id. A server with tls-auth/tls-crypt drops this unauthenticated packet and stays silent.
UdpPayload openvpn() {
  Builder p;
  p.u8(7 << 3).zeros(8).u8(0).zeros(4);
  return {std::move(p.b), {1, 8}, AnswerKind::openvpn};
}

// UPnP Device Architecture 1.1 section 1.3.2: a search request for all devices and services. No field is
// echoed.
UdpPayload ssdp() {
  Builder p;
  p.text("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\n");
  p.text("ST: ssdp:all\r\n\r\n");
  return {std::move(p.b), {0, 0}, AnswerKind::ssdp};
}

// RFC 6763 9 service type enumeration, sent as a legacy unicast query (RFC 6762 6.7: from a port other than
// 5353 the responder answers by unicast to the source port and echoes the query ID). QCLASS IN without the QU
// bit.
UdpPayload mdns() {
  Builder p;
  p.u16(0)
      .u16(0)
      .u16(1)
      .u16(0)
      .u16(0)
      .u16(0)
      .dns_name({"_services", "_dns-sd", "_udp", "local"})
      .u16(12)
      .u16(1);
  return {std::move(p.b), {0, 2}, AnswerKind::mdns};
}

// RFC 7252 3: Ver 1, T CON (0), TKL 6 = 0x46; Code 0.01 GET; Message ID; the 6-byte token; then Uri-Path
// (option 11, 5.10.1) ".well-known" and "core" (RFC 6690 4): delta 11 length 11 = 0xbb, delta 0 length 4 =
// 0x04. Message id and token are adjacent: the cookie's 8 bytes at offset 2; a piggy-backed ACK (5.2.1)
// echoes both.
UdpPayload coap() {
  Builder p;
  p.u8(0x46).u8(0x01).zeros(8).u8(0xbb).text(".well-known").u8(0x04).text("core");
  return {std::move(p.b), {2, 8}, AnswerKind::coap};
}

// memcached protocol.txt "UDP protocol": the 8-byte frame header (request id = the cookie, sequence number 0,
// 1 datagram, reserved 0) before the text command "version\r\n".
UdpPayload memcached() {
  Builder p;
  p.u16(0).u16(0).u16(1).u16(0).text("version\r\n");
  return {std::move(p.b), {0, 2}, AnswerKind::memcached};
}

}  // namespace

std::optional<UdpPayload> builtin_payload(std::uint16_t port) {
  switch (port) {
    case 53:
      return dns();
    case 123:
      return ntp();
    case 137:
      return netbios_ns();
    case 161:
      return snmp();
    case 500:
      return ike();
    case 1194:
      return openvpn();
    case 1900:
      return ssdp();
    case 5353:
      return mdns();
    case 5683:
      return coap();
    case 11211:
      return memcached();
  }
  return std::nullopt;
}

std::uint64_t cookie_field_value(AnswerKind kind, CookieSlot slot, std::uint64_t cookie) noexcept {
  if (slot.bytes == 0) return 0;
  if (kind == AnswerKind::snmp && slot.bytes == 4) return 0x40000000 | (cookie & 0x3fffffff);
  return slot.bytes >= 8 ? cookie : cookie & ((std::uint64_t{1} << (8 * slot.bytes)) - 1);
}

void write_cookie(AnswerKind kind, CookieSlot slot, std::uint64_t cookie,
                  std::span<std::uint8_t> payload) noexcept {
  const std::size_t n = slot.bytes > 8 ? 8 : slot.bytes;
  if (slot.offset > payload.size() || payload.size() - slot.offset < n) return;
  const std::uint64_t v = cookie_field_value(kind, slot, cookie);
  for (std::size_t i = 0; i < n; ++i)
    payload[slot.offset + i] = static_cast<std::uint8_t>(v >> (8 * (n - 1 - i)));
}

}  // namespace synscan::udp
