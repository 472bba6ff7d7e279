// engine/probes/udp/payload.hpp: the built-in payloads byte for byte (each expected frame built here field by
// field from its specification), the cookie written and echoed back by a genuine answer, and answers that are
// not replies (reflected probes, truncated, malformed) refused.
#include <gtest/gtest.h>

#include <string>

#include "engine/probes/udp/payload.hpp"
#include "tests/unit/udp_answers.hpp"

namespace synscan::udp {
namespace {

using test::B;
using test::Bytes;

constexpr std::uint64_t kCookie = 0x0123456789abcdefULL;

/// The built-in payload of `port` with kCookie written in.
UdpPayload with_cookie(std::uint16_t port, std::uint64_t cookie = kCookie) {
  auto p = builtin_payload(port);
  EXPECT_TRUE(p);
  write_cookie(p->kind, p->slot, cookie, p->bytes);
  return *p;
}

void expect_payload(std::uint16_t port, const Bytes& expected, CookieSlot slot, AnswerKind kind) {
  const auto p = builtin_payload(port);
  ASSERT_TRUE(p) << port;
  EXPECT_EQ(p->bytes, expected) << port;
  EXPECT_EQ(p->slot, slot) << port;
  EXPECT_EQ(p->kind, kind) << port;
  // the slot is zeroed in the template and lies inside it
  ASSERT_LE(slot.offset + slot.bytes, p->bytes.size());
  for (unsigned i = 0; i < slot.bytes; ++i) EXPECT_EQ(p->bytes[slot.offset + i], 0) << port;
}

TEST(UdpPayload, DnsVersionBind) {
  B e;
  e.u16(0).u16(0x0000).u16(1).u16(0).u16(0).u16(0);  // RFC 1035 4.1.1: ID, QR=0 OPCODE=0 RD=0, QDCOUNT 1
  e.label("version").label("bind").u8(0);            // 4.1.2 QNAME
  e.u16(16).u16(3);                                  // QTYPE TXT (3.2.2), QCLASS CH (3.2.4)
  expect_payload(53, e.b, {0, 2}, AnswerKind::dns);
}

TEST(UdpPayload, NtpClientMode) {
  B e;
  e.u8(0 << 6 | 4 << 3 | 3);  // RFC 5905 7.3: LI 0, VN 4, Mode 3 (client)
  e.zeros(39);                // stratum .. receive timestamp
  e.zeros(8);                 // transmit timestamp: the cookie's slot
  expect_payload(123, e.b, {40, 8}, AnswerKind::ntp);
}

TEST(UdpPayload, NetbiosNodeStatus) {
  B e;
  e.u16(0).u16(0).u16(1).u16(0).u16(0).u16(0);  // RFC 1002 4.2.17: NAME_TRN_ID, query, QDCOUNT 1
  e.u8(32).put("CK");                           // RFC 1001 14.1: '*' = 0x2a -> 'A'+2 'A'+10
  for (int i = 0; i < 15; ++i) e.put("AA");     // 15 NUL padding bytes
  e.u8(0).u16(0x0021).u16(0x0001);              // NBSTAT, IN
  expect_payload(137, e.b, {0, 2}, AnswerKind::netbios_ns);
}

TEST(UdpPayload, SnmpGetSysDescr) {
  using test::tlv;
  const Bytes oid = tlv(0x06, {0x2b, 6, 1, 2, 1, 1, 1, 0});                     // X.690 8.19: 1.3 -> 40*1+3
  const Bytes bindings = tlv(0x30, tlv(0x30, test::cat({oid, {0x05, 0x00}})));  // RFC 3416 3: VarBindList
  const Bytes request_id = {0x02, 0x04, 0, 0, 0, 0};                            // 4 content bytes: the slot
  const Bytes pdu =
      tlv(0xa0, test::cat({request_id, {0x02, 1, 0}, {0x02, 1, 0}, bindings}));  // GetRequest [0]
  const Bytes msg =
      tlv(0x30, test::cat({{0x02, 1, 1}, tlv(0x04, {'p', 'u', 'b', 'l', 'i', 'c'}), pdu}));  // v2c
  const std::size_t id_offset =
      2 + 3 + 8 + 2 + 2;  // SEQUENCE, version, community, PDU headers, INTEGER header
  expect_payload(161, msg, {static_cast<std::uint16_t>(id_offset), 4}, AnswerKind::snmp);
}

TEST(UdpPayload, IkeV1MainMode) {
  B attrs;                                        // RFC 2409 appendix A, basic attributes (AF bit 0x8000)
  attrs.u16(0x8001).u16(7).u16(0x800e).u16(128);  // Encryption AES-CBC, Key Length 128
  attrs.u16(0x8002).u16(2).u16(0x8003).u16(1);    // Hash SHA, Authentication pre-shared key
  attrs.u16(0x8004).u16(14).u16(0x800b).u16(1).u16(0x800c).u16(28800);  // Group 14, Life seconds 28800
  B transform;                                                          // RFC 2408 3.6
  transform.u8(0).u8(0).u16(static_cast<unsigned>(8 + attrs.b.size())).u8(1).u8(1).u16(0).put(attrs.b);
  B proposal;  // 3.5: #1, PROTO_ISAKMP, SPI size 0, 1 transform
  proposal.u8(0)
      .u8(0)
      .u16(static_cast<unsigned>(8 + transform.b.size()))
      .u8(1)
      .u8(1)
      .u8(0)
      .u8(1)
      .put(transform.b);
  B sa;  // 3.4: DOI IPsec, SIT_IDENTITY_ONLY
  sa.u8(0).u8(0).u16(static_cast<unsigned>(12 + proposal.b.size())).u32(1).u32(1).put(proposal.b);
  B e;  // 3.1: cookies, next payload SA, version 1.0, Identity Protection, flags, message id, length
  e.zeros(8)
      .zeros(8)
      .u8(1)
      .u8(0x10)
      .u8(2)
      .u8(0)
      .u32(0)
      .u32(static_cast<std::uint32_t>(28 + sa.b.size()))
      .put(sa.b);
  expect_payload(500, e.b, {0, 8}, AnswerKind::ike);
}

TEST(UdpPayload, OpenvpnHardResetClient) {
  B e;
  e.u8(7 << 3 | 0)
      .zeros(8)
      .u8(0)
      .u32(0);  // P_CONTROL_HARD_RESET_CLIENT_V2, key 0, session id, no ACKs, packet-id 0
  expect_payload(1194, e.b, {1, 8}, AnswerKind::openvpn);
}

TEST(UdpPayload, SsdpMSearch) {
  const std::string s =
      "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: "
      "ssdp:all\r\n\r\n";
  expect_payload(1900, Bytes(s.begin(), s.end()), {0, 0}, AnswerKind::ssdp);
}

TEST(UdpPayload, MdnsServiceEnumeration) {
  B e;
  e.u16(0).u16(0).u16(1).u16(0).u16(0).u16(0);  // RFC 6762 18: ID echoed in legacy unicast (6.7)
  e.label("_services").label("_dns-sd").label("_udp").label("local").u8(0);  // RFC 6763 9
  e.u16(12).u16(1);                                                          // PTR, IN (QU bit clear)
  expect_payload(5353, e.b, {0, 2}, AnswerKind::mdns);
}

TEST(UdpPayload, CoapWellKnownCore) {
  B e;
  e.u8(1 << 6 | 0 << 4 | 6).u8(0 << 5 | 1);  // RFC 7252 3: Ver 1, CON, TKL 6; Code 0.01 GET
  e.u16(0).zeros(6);                         // Message ID, Token: the 8-byte slot
  e.u8(11 << 4 | 11).put(".well-known").u8(0 << 4 | 4).put("core");  // Uri-Path (11) x2, RFC 6690 4
  expect_payload(5683, e.b, {2, 8}, AnswerKind::coap);
}

TEST(UdpPayload, MemcachedVersion) {
  B e;
  e.u16(0).u16(0).u16(1).u16(0).put("version\r\n");  // protocol.txt: request id, seq 0, 1 datagram, reserved
  expect_payload(11211, e.b, {0, 2}, AnswerKind::memcached);
}

TEST(UdpPayload, OtherPortsHaveNone) {
  for (const std::uint16_t port :
       std::initializer_list<std::uint16_t>{0, 7, 52, 54, 69, 80, 124, 162, 5000, 65535})
    EXPECT_FALSE(builtin_payload(port));
}

TEST(UdpCookie, FieldValues) {
  EXPECT_EQ(cookie_field_value(AnswerKind::dns, {0, 2}, kCookie), 0xcdefu);
  EXPECT_EQ(cookie_field_value(AnswerKind::ntp, {40, 8}, kCookie), kCookie);
  EXPECT_EQ(cookie_field_value(AnswerKind::snmp, {17, 4}, kCookie), 0x40000000u | (kCookie & 0x3fffffff));
  EXPECT_EQ(cookie_field_value(AnswerKind::snmp, {17, 4}, ~0ULL), 0x7fffffffu);  // stays a positive INTEGER
  EXPECT_EQ(cookie_field_value(AnswerKind::generic, {0, 4}, kCookie), 0x89abcdefu);
  EXPECT_EQ(cookie_field_value(AnswerKind::ssdp, {0, 0}, kCookie), 0u);
}

TEST(UdpCookie, WrittenBigEndianInTheSlotOnly) {
  const UdpPayload clean = *builtin_payload(123);
  const UdpPayload p = with_cookie(123);
  for (std::size_t i = 0; i < 40; ++i) EXPECT_EQ(p.bytes[i], clean.bytes[i]);
  EXPECT_EQ(Bytes(p.bytes.begin() + 40, p.bytes.end()),
            (Bytes{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}));
  const UdpPayload s = with_cookie(161);
  EXPECT_EQ(test::request_id_of(s.bytes), 0x40000000u | (kCookie & 0x3fffffff));
  Bytes tiny(3, 0xaa);  // a slot that does not fit: nothing written
  write_cookie(AnswerKind::ntp, {0, 8}, kCookie, tiny);
  EXPECT_EQ(tiny, Bytes(3, 0xaa));
}

/// A genuine answer to each built-in probe, crafted from the probe as sent.
Bytes genuine_answer(std::uint16_t port, const Bytes& probe) {
  switch (port) {
    case 53:
      return test::dns_txt_answer(probe, "dnsmasq-2.90");
    case 123:
      return test::ntp_reply(probe);
    case 137:
      return test::nbstat_response(probe);
    case 161:
      return test::snmp_response(test::request_id_of(probe), "Linux lab 6.1.0-28-amd64 #1 SMP Debian x86_64");
    case 500:
      return test::ike_no_proposal(probe);
    case 1194:
      return test::openvpn_reset_server(probe);
    case 1900:
      return test::ssdp_answer();
    case 5353:
      return test::mdns_answer(probe);
    case 5683:
      return test::coap_ack(probe);
    case 11211:
      return test::memcached_version(probe);
  }
  return {};
}

constexpr std::uint16_t kPorts[] = {53, 123, 137, 161, 500, 1194, 1900, 5353, 5683, 11211};

TEST(UdpCookie, GenuineAnswersEchoTheCookie) {
  std::uint64_t cookie = kCookie;
  for (int round = 0; round < 64; ++round) {
    cookie = cookie * 6364136223846793005ULL + 1442695040888963407ULL;  // Knuth's MMIX LCG: varied cookies
    for (const std::uint16_t port : kPorts) {
      const UdpPayload p = with_cookie(port, cookie);
      const Bytes answer = genuine_answer(port, p.bytes);
      const auto echoed = echoed_cookie(p.kind, p.slot, answer);
      ASSERT_TRUE(echoed) << port;
      EXPECT_EQ(*echoed, cookie_field_value(p.kind, p.slot, cookie)) << port << " cookie " << cookie;
      // the answer to another probe (another cookie) is not this one's, unless the slot echoes nothing
      const UdpPayload other = with_cookie(port, cookie ^ 0x0000400000010001ULL);
      const auto other_echo = echoed_cookie(p.kind, p.slot, genuine_answer(port, other.bytes));
      ASSERT_TRUE(other_echo) << port;
      EXPECT_EQ(*other_echo == *echoed, p.slot.bytes == 0) << port;
    }
  }
}

TEST(UdpCookie, SnmpRequestIdReencodedMinimally) {
  const CookieSlot slot{17, 4};
  EXPECT_EQ(echoed_cookie(AnswerKind::snmp, slot, test::snmp_response(5, "x")), 5u);  // 02 01 05
  EXPECT_EQ(echoed_cookie(AnswerKind::snmp, slot, test::snmp_response(0x80000000u, "x")),
            0x80000000u);  // 02 05 00 80..
  EXPECT_EQ(echoed_cookie(AnswerKind::snmp, slot, test::snmp_response(0x40000001u, "x", 0)),
            0x40000001u);  // SNMPv1
  EXPECT_FALSE(
      echoed_cookie(AnswerKind::snmp, slot, test::snmp_response(0x100000000ULL, "x")));  // wider than 32 bits
  // a negative request-id (02 01 ff) cannot be ours
  Bytes negative = test::snmp_response(0x7f, "x");
  for (std::size_t i = 0; i + 2 < negative.size(); ++i)
    if (negative[i] == 0x02 && negative[i + 1] == 1 && negative[i + 2] == 0x7f) negative[i + 2] = 0xff;
  EXPECT_FALSE(echoed_cookie(AnswerKind::snmp, slot, negative));
  // a long-form length (sysDescr of 200 bytes: 04 81 c8) is read, not assumed short
  EXPECT_EQ(echoed_cookie(AnswerKind::snmp, slot, test::snmp_response(0x4abcdef0u, std::string(200, 'L'))),
            0x4abcdef0u);
  // the indefinite form (0x80) is refused (RFC 3417 8)
  Bytes indefinite = test::snmp_response(0x4abcdef0u, "x");
  indefinite[1] = 0x80;
  EXPECT_FALSE(echoed_cookie(AnswerKind::snmp, slot, indefinite));
  // not a GetResponse: a Trap-PDU [4] or a GetRequest [0]
  EXPECT_FALSE(echoed_cookie(AnswerKind::snmp, slot, test::snmp_response(0x40000001u, "x", 1, 0xa4)));
  EXPECT_FALSE(echoed_cookie(AnswerKind::snmp, slot, test::snmp_response(0x40000001u, "x", 1, 0xa0)));
  EXPECT_FALSE(echoed_cookie(AnswerKind::snmp, slot, test::snmp_response(0x40000001u, "x", 3)));  // SNMPv3
}

TEST(UdpCookie, ReflectedProbesAreNotAnswers) {
  for (const std::uint16_t port : kPorts) {
    const UdpPayload p = with_cookie(port);
    EXPECT_FALSE(echoed_cookie(p.kind, p.slot, p.bytes)) << port;
  }
}

/// The length below which every truncation of `port`'s genuine answer must be refused: the part that shows
/// the reply's shape and carries the echoed field.
std::size_t shape_length(std::uint16_t port, const Bytes& answer) {
  switch (port) {
    case 53:
      return 12 + 14 + 4;  // header, version.bind question
    case 5353:
      return 12 + 30 + 4;  // header, _services._dns-sd._udp.local question
    case 137:
      return 12;  // header (QDCOUNT 0)
    case 11211:
      return 8 + 8;  // frame header, "VERSION "
    case 1194:
      return 1 + 8 + 1 + 4 + 8;  // opcode, session id, 1 ACK, remote session id
    case 5683:
      return 4 + 6;  // header, token
    case 1900:
      return 12;  // "HTTP/1.1 200"
  }
  return answer.size();  // NTP (48 bytes exactly), SNMP (BER lengths), IKE (the header's Length)
}

TEST(UdpCookie, TruncatedAnswersAreRefused) {
  for (const std::uint16_t port : kPorts) {
    const UdpPayload p = with_cookie(port);
    const Bytes answer = genuine_answer(port, p.bytes);
    const std::size_t shape = shape_length(port, answer);
    for (std::size_t n = 0; n < shape; ++n)
      EXPECT_FALSE(echoed_cookie(p.kind, p.slot, std::span(answer.data(), n))) << port << " cut to " << n;
    for (std::size_t n = shape; n <= answer.size(); ++n) {
      const auto e = echoed_cookie(p.kind, p.slot, std::span(answer.data(), n));
      ASSERT_TRUE(e) << port << " cut to " << n;
      EXPECT_EQ(*e, cookie_field_value(p.kind, p.slot, kCookie));
    }
  }
}

TEST(UdpCookie, MalformedAnswersAreRefused) {
  const UdpPayload dns = with_cookie(53);
  Bytes query_opcode = test::dns_txt_answer(dns.bytes, "x");
  query_opcode[2] |= 0x10;  // OPCODE 2 (STATUS)
  EXPECT_FALSE(echoed_cookie(AnswerKind::dns, dns.slot, query_opcode));
  Bytes loop = test::dns_txt_answer(dns.bytes, "x");
  loop[12] =
      0xc0;  // the question's name made a pointer: 2 bytes, the rest misreads as type/class: still bounded
  (void)echoed_cookie(AnswerKind::dns, dns.slot, loop);
  Bytes reserved_label = test::dns_txt_answer(dns.bytes, "x");
  reserved_label[12] = 0x47;  // label type 01 (RFC 6891 reserved)
  EXPECT_FALSE(echoed_cookie(AnswerKind::dns, dns.slot, reserved_label));

  const UdpPayload ntp = with_cookie(123);
  Bytes broadcast = test::ntp_reply(ntp.bytes);
  broadcast[0] = (broadcast[0] & 0xf8) | 5;  // mode 5
  EXPECT_FALSE(echoed_cookie(AnswerKind::ntp, ntp.slot, broadcast));
  Bytes v0 = test::ntp_reply(ntp.bytes);
  v0[0] &= 0xc7;  // version 0
  EXPECT_FALSE(echoed_cookie(AnswerKind::ntp, ntp.slot, v0));

  const UdpPayload ike = with_cookie(500);
  Bytes v3 = test::ike_no_proposal(ike.bytes);
  v3[17] = 0x30;
  EXPECT_FALSE(echoed_cookie(AnswerKind::ike, ike.slot, v3));
  Bytes v2_request = test::ike_no_proposal(ike.bytes);
  v2_request[17] = 0x20;  // IKEv2 without the Response flag
  EXPECT_FALSE(echoed_cookie(AnswerKind::ike, ike.slot, v2_request));
  v2_request[19] = 0x20;
  EXPECT_TRUE(echoed_cookie(AnswerKind::ike, ike.slot, v2_request));

  const UdpPayload vpn = with_cookie(1194);
  Bytes no_ack = test::openvpn_reset_server(vpn.bytes);
  no_ack[9] = 0;
  EXPECT_FALSE(echoed_cookie(AnswerKind::openvpn, vpn.slot, no_ack));
  Bytes many_acks = test::openvpn_reset_server(vpn.bytes);
  many_acks[9] = 9;
  EXPECT_FALSE(echoed_cookie(AnswerKind::openvpn, vpn.slot, many_acks));

  const UdpPayload coap = with_cookie(5683);
  Bytes empty_ack = {0x60, 0x00, coap.bytes[2], coap.bytes[3]};  // empty ACK: message id only, not accepted
  EXPECT_FALSE(echoed_cookie(AnswerKind::coap, coap.slot, empty_ack));
  Bytes reset = test::coap_ack(coap.bytes);
  reset[0] = 0x76;  // RST
  EXPECT_FALSE(echoed_cookie(AnswerKind::coap, coap.slot, reset));

  const UdpPayload mc = with_cookie(11211);
  Bytes second = test::memcached_version(mc.bytes);
  second[3] = 1;  // sequence 1
  EXPECT_FALSE(echoed_cookie(AnswerKind::memcached, mc.slot, second));

  const std::string not_http = "HTTP/2.0 200 OK\r\n\r\n";
  EXPECT_FALSE(echoed_cookie(AnswerKind::ssdp, {}, Bytes(not_http.begin(), not_http.end())));
}

TEST(UdpCookie, GenericAcceptsAnyDatagram) {
  EXPECT_EQ(echoed_cookie(AnswerKind::generic, {}, Bytes{}), 0u);
  EXPECT_EQ(echoed_cookie(AnswerKind::generic, {}, Bytes{1, 2, 3}), 0u);
  // a generic slot (a user payload echoed by the echo service) is read where it was written
  EXPECT_EQ(echoed_cookie(AnswerKind::generic, {2, 2}, Bytes{9, 9, 0xab, 0xcd}), 0xabcdu);
  EXPECT_FALSE(echoed_cookie(AnswerKind::generic, {2, 2}, Bytes{9, 9, 0xab}));
}

}  // namespace
}  // namespace synscan::udp
