#pragma once
// Realistic UDP answers, built field by field the way the servers do (dnsmasq, chrony, net-snmp, Samba nmbd,
// strongSwan, OpenVPN, Avahi, libcoap, memcached, MiniUPnPd), each from the probe as sent so that the echoed
// cookie is the one the probe carried. Shared by udp_payloads_test.cpp and udp_answers_test.cpp; independent
// of the engine's own builders.
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace synscan::udp::test {

using Bytes = std::vector<std::uint8_t>;

struct B {
  Bytes b;
  B& u8(unsigned v) {
    b.push_back(static_cast<std::uint8_t>(v));
    return *this;
  }
  B& u16(unsigned v) { return u8(v >> 8 & 0xff).u8(v & 0xff); }
  B& u32(std::uint32_t v) { return u16(v >> 16).u16(v & 0xffff); }
  B& put(std::string_view s) {
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  B& put(const Bytes& v) {
    b.insert(b.end(), v.begin(), v.end());
    return *this;
  }
  B& put(std::initializer_list<std::uint8_t> v) {
    b.insert(b.end(), v);
    return *this;
  }
  B& zeros(std::size_t n) {
    b.insert(b.end(), n, 0);
    return *this;
  }
  B& label(std::string_view l) { return u8(static_cast<unsigned>(l.size())).put(l); }
};

inline Bytes slice(const Bytes& v, std::size_t at, std::size_t n) {
  return Bytes(v.begin() + at, v.begin() + at + n);
}

/// A BER TLV (X.690 8.1.3): short length form below 128, else 0x81/0x82 long form.
inline Bytes tlv(std::uint8_t tag, const Bytes& content) {
  B t;
  t.u8(tag);
  if (content.size() < 128) {
    t.u8(static_cast<unsigned>(content.size()));
  } else if (content.size() < 256) {
    t.u8(0x81).u8(static_cast<unsigned>(content.size()));
  } else {
    t.u8(0x82).u16(static_cast<unsigned>(content.size()));
  }
  return t.put(content).b;
}

/// A non-negative BER INTEGER in its minimal encoding (X.690 8.3.2): the fewest bytes, a leading 0 only when
/// the top bit would otherwise read as a sign.
inline Bytes ber_uint(std::uint64_t v) {
  Bytes c;
  do {
    c.insert(c.begin(), static_cast<std::uint8_t>(v & 0xff));
    v >>= 8;
  } while (v != 0);
  if (c[0] & 0x80) c.insert(c.begin(), 0);
  return tlv(0x02, c);
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

/// dnsmasq's answer to version.bind CH TXT: the query's header with QR|AA|RA, ANCOUNT 1, the question
/// repeated, then a TXT RR whose name points at the question (0xc00c) holding `txt` (RFC 1035 4.1.3, 3.3.14).
inline Bytes dns_txt_answer(const Bytes& query, std::string_view txt, unsigned rcode = 0) {
  B r;
  r.put(slice(query, 0, 2)).u16(0x8480 | rcode).u16(1).u16(txt.empty() ? 0 : 1).u16(0).u16(0);
  r.put(Bytes(query.begin() + 12, query.end()));
  if (!txt.empty()) {
    r.u16(0xc00c).u16(16).u16(3).u32(0).u16(static_cast<unsigned>(txt.size() + 1));
    r.u8(static_cast<unsigned>(txt.size())).put(txt);
  }
  return r.b;
}

/// chrony's reply with `local stratum 8` (RFC 5905 7.3): LI 0, the request's version, mode 4, stratum 8, poll
/// 6, precision -25, root delay/dispersion, refid 127.127.1.1 (chrony's local reference id), the reference
/// timestamp, origin = the request's transmit timestamp, receive and transmit timestamps.
inline Bytes ntp_reply(const Bytes& request, unsigned stratum = 8, std::uint32_t refid = 0x7f7f0101) {
  B r;
  r.u8((request[0] & 0x38) | 4).u8(stratum).u8(6).u8(0xe7).u32(0).u32(0x00000a3d).u32(refid);
  r.u32(0xed0c1a2b).u32(0x11223344).put(slice(request, 40, 8));
  r.u32(0xed0c1a40).u32(0x01020304).u32(0xed0c1a40).u32(0x01020399);
  return r.b;
}

/// net-snmp's GetResponse-PDU (RFC 3416 3, tag [2] = 0xa2) for `request_id`, re-encoded minimally, with one
/// binding sysDescr.0 = `descr`.
inline Bytes snmp_response(std::uint64_t request_id, std::string_view descr, unsigned version = 1,
                           std::uint8_t pdu_tag = 0xa2) {
  const Bytes oid = tlv(0x06, {0x2b, 6, 1, 2, 1, 1, 1, 0});
  const Bytes binding = tlv(0x30, cat({oid, tlv(0x04, Bytes(descr.begin(), descr.end()))}));
  const Bytes pdu = tlv(pdu_tag, cat({ber_uint(request_id), ber_uint(0), ber_uint(0), tlv(0x30, binding)}));
  return tlv(0x30, cat({ber_uint(version), tlv(0x04, {'p', 'u', 'b', 'l', 'i', 'c'}), pdu}));
}

/// The request-id `payload` carries, read by the test's own BER knowledge of the payload built in
/// payload.cpp.
inline std::uint32_t request_id_of(const Bytes& payload) {
  return static_cast<std::uint32_t>(payload[17] << 24 | payload[18] << 16 | payload[19] << 8 | payload[20]);
}

/// A 15-character NetBIOS name entry (RFC 1002 4.2.18): the name padded with spaces, suffix, NAME_FLAGS.
inline Bytes nb_entry(std::string_view name, unsigned suffix, unsigned flags) {
  B e;
  e.put(name);
  for (std::size_t i = name.size(); i < 15; ++i) e.u8(' ');
  return e.u8(suffix).u16(flags).b;
}

/// Samba nmbd's NODE STATUS RESPONSE (RFC 1002 4.2.18): the query's NAME_TRN_ID, flags R|AA (0x8400), ANCOUNT
/// 1, the RR_NAME "*", NBSTAT IN, TTL 0, then 3 names, a zero unit id (nmbd sends no MAC) and statistics.
inline Bytes nbstat_response(const Bytes& query) {
  B names;
  names.u8(3).put(nb_entry("LABHOST", 0x00, 0x0400)).put(nb_entry("LABHOST", 0x20, 0x0400));
  names.put(nb_entry("WORKGROUP", 0x00, 0x8400)).zeros(6).zeros(40);
  B r;
  r.put(slice(query, 0, 2)).u16(0x8400).u16(0).u16(1).u16(0).u16(0);
  r.put(slice(query, 12, 34)).u16(0x21).u16(1).u32(0).u16(static_cast<unsigned>(names.b.size())).put(names.b);
  return r.b;
}

/// A strongSwan IKEv1 responder refusing the proposal: an Informational exchange (5) under our initiator
/// cookie with a Notification payload NO-PROPOSAL-CHOSEN (14) (RFC 2408 3.1, 3.14, 3.14.1).
inline Bytes ike_no_proposal(const Bytes& request) {
  B r;
  r.put(slice(request, 0, 8)).u32(0x5a5a0001).u32(0x00000002).u8(11).u8(0x10).u8(5).u8(0).u32(0).u32(40);
  r.u8(0).u8(0).u16(12).u32(1).u8(1).u8(0).u16(14);
  return r.b;
}

/// An OpenVPN server's P_CONTROL_HARD_RESET_SERVER_V2 (opcode 8): its session id, an ACK array of one
/// packet-id (0, our reset), our session id as remote session id, its message packet-id 0.
inline Bytes openvpn_reset_server(const Bytes& request) {
  B r;
  r.u8(8 << 3)
      .put({0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04})
      .u8(1)
      .u32(0)
      .put(slice(request, 1, 8))
      .u32(0);
  return r.b;
}

/// Avahi's legacy unicast answer (RFC 6762 6.7): the query id, QR|AA, the question repeated, two PTR records
/// naming service types (RFC 6763 9), "local" compressed to a pointer at the question's.
inline Bytes mdns_answer(const Bytes& query) {
  B r;
  r.put(slice(query, 0, 2))
      .u16(0x8400)
      .u16(1)
      .u16(2)
      .u16(0)
      .u16(0)
      .put(Bytes(query.begin() + 12, query.end()));
  // the question's "local" label is at offset 12 + 1+9 + 1+7 + 1+4 = 35
  r.u16(0xc00c).u16(12).u16(1).u32(10).u16(13).label("_http").label("_tcp").u16(0xc000 | 35);
  r.u16(0xc00c).u16(12).u16(1).u32(10).u16(12).label("_ssh").label("_tcp").u16(0xc000 | 35);
  return r.b;
}

/// libcoap's piggy-backed response (RFC 7252 5.2.1): ACK (T=2), TKL 6, code 2.05 Content (0x45), the
/// request's message id and token, Content-Format 40 (option 12: delta 12 length 1), the 0xff marker, an RFC
/// 6690 link.
inline Bytes coap_ack(const Bytes& request) {
  B r;
  r.u8(0x40 | 0x20 | 6).u8(0x45).put(slice(request, 2, 8)).u8(0xc1).u8(40).u8(0xff);
  r.put("</sensors/temp>;if=\"sensor\"");
  return r.b;
}

/// memcached's UDP reply to "version": the request's frame header (request id, sequence 0, 1 datagram), the
/// line.
inline Bytes memcached_version(const Bytes& request, std::string_view line = "VERSION 1.6.21\r\n") {
  B r;
  r.put(slice(request, 0, 2)).u16(0).u16(1).u16(0).put(line);
  return r.b;
}

/// MiniUPnPd's answer to M-SEARCH ssdp:all (UPnP DA 1.1 1.3.3).
inline Bytes ssdp_answer() {
  B r;
  r.put("HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: upnp:rootdevice\r\n");
  r.put("USN: uuid:3b2eb1c4-1d5e-4b2a-9f05-0e0f00000001::upnp:rootdevice\r\nEXT:\r\n");
  r.put(
      "SERVER: Debian/12 UPnP/1.1 MiniUPnPd/2.3.3\r\nLOCATION: http://198.18.1.1:5000/rootDesc.xml\r\n\r\n");
  return r.b;
}

}  // namespace synscan::udp::test
