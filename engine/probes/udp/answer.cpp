// describe_answer: per protocol, what an answer names (the DNS family is in answer_dns.cpp).
#include "engine/probes/udp/answer.hpp"

#include "engine/probes/udp/answer_text.hpp"

namespace synscan::udp {
namespace {

using detail::append_number;
using detail::be;
using detail::Bytes;
using detail::text_at;

// RFC 5905 7.3: the server's version and stratum; the reference id is four ASCII characters at stratum 0 (a
// kiss code, 7.4) and 1 (the reference clock, "GPS", "LOCL"), else an IPv4 address or an IPv6 address's hash.
bool describe_ntp(Bytes a, AnswerInfo& out) noexcept {
  if (!echoed_cookie(AnswerKind::ntp, {}, a)) return false;
  out.service.assign("ntp");
  const unsigned leap = a[0] >> 6, version = a[0] >> 3 & 7, stratum = a[1];
  out.info.assign("NTPv");
  append_number(out.info, version);
  out.info.append(stratum == 0 ? ", kiss code " : ", stratum ");
  if (stratum != 0) append_number(out.info, stratum);
  if (stratum <= 1) {
    if (stratum == 1) out.info.append(", refid ");
    for (std::size_t i = 12; i < 16 && a[i] >= 0x20 && a[i] < 0x7f; ++i)
      out.info.push_back(static_cast<char>(a[i]));
  } else {
    out.info.append(", refid ");
    for (std::size_t i = 12; i < 16; ++i) {
      if (i > 12) out.info.push_back('.');
      append_number(out.info, a[i]);
    }
  }
  if (leap == 3 || stratum >= 16) out.info.append(", unsynchronized");
  return true;
}

// RFC 3416 3: the GetResponse's error-status, then the first variable binding's value: sysDescr.0 (an OCTET
// STRING), or a v2c exception (noSuchObject [0], noSuchInstance [1], endOfMibView [2]).
bool describe_snmp(Bytes a, AnswerInfo& out) noexcept {
  if (!echoed_cookie(AnswerKind::snmp, {}, a)) return false;
  out.service.assign("snmp");
  // echoed_cookie checked the path to the request-id; walk it again to reach the bindings.
  const auto msg = detail::ber_tlv(a, 0);
  const auto version = detail::ber_tlv(msg->content, 0);
  const auto community = detail::ber_tlv(msg->content, version->end);
  const auto pdu = detail::ber_tlv(msg->content, community->end);
  const Bytes p = pdu->content;
  const auto id = detail::ber_tlv(p, 0);
  const auto status = detail::ber_tlv(p, id->end);
  const auto index = status ? detail::ber_tlv(p, status->end) : std::nullopt;
  const auto bindings = index ? detail::ber_tlv(p, index->end) : std::nullopt;
  const auto binding =
      bindings && bindings->tag == 0x30 ? detail::ber_tlv(bindings->content, 0) : std::nullopt;
  const auto oid = binding && binding->tag == 0x30 ? detail::ber_tlv(binding->content, 0) : std::nullopt;
  const auto value = oid ? detail::ber_tlv(binding->content, oid->end) : std::nullopt;
  const auto error = status && status->tag == 0x02 ? detail::ber_integer(status->content) : std::nullopt;
  if (error && *error != 0) {
    out.info.assign("error-status ");
    append_number(out.info, static_cast<std::uint64_t>(*error));
    if (*error == 2) out.info.append(" (noSuchName)");
  } else if (value && value->tag == 0x04) {
    out.info.assign(text_at(value->content, 0, value->content.size()));
  } else if (value && value->tag >= 0x80 && value->tag <= 0x82) {
    constexpr std::string_view kExceptions[] = {"noSuchObject", "noSuchInstance", "endOfMibView"};
    out.info.assign(kExceptions[value->tag - 0x80]);
  }
  return true;
}

/// The value of HTTP header `name` (case-insensitive, RFC 9110 5.1) in `a`, trimmed; empty when absent.
std::string_view header(Bytes a, std::string_view name) noexcept {
  const std::string_view t = text_at(a, 0, a.size());
  std::size_t line = 0;
  while (line < t.size()) {
    std::size_t end = t.find('\n', line);
    if (end == std::string_view::npos) end = t.size();
    std::string_view l = t.substr(line, end - line);
    line = end + 1;
    if (l.size() <= name.size() || l[name.size()] != ':') continue;
    bool same = true;
    for (std::size_t i = 0; i < name.size() && same; ++i) same = (l[i] | 0x20) == (name[i] | 0x20);
    if (!same) continue;
    l.remove_prefix(name.size() + 1);
    while (!l.empty() && (l.front() == ' ' || l.front() == '\t')) l.remove_prefix(1);
    while (!l.empty() && (l.back() == '\r' || l.back() == ' ' || l.back() == '\t')) l.remove_suffix(1);
    return l;
  }
  return {};
}

// UPnP DA 1.1 1.3.3: SERVER is "OS/version UPnP/1.x product/version"; the last token that is neither the OS
// (the first of several) nor UPnP/ names the product. LOCATION points at the device description.
bool describe_ssdp(Bytes a, AnswerInfo& out) noexcept {
  if (!echoed_cookie(AnswerKind::ssdp, {}, a)) return false;
  out.service.assign("upnp");
  const std::string_view server = header(a, "server"), location = header(a, "location");
  std::string_view product;
  std::size_t tokens = 0;
  for (std::size_t at = 0; at < server.size();) {
    std::size_t end = server.find(' ', at);
    if (end == std::string_view::npos) end = server.size();
    const std::string_view token = server.substr(at, end - at);
    if (!token.empty() && ++tokens > 1 && token.substr(0, 5) != "UPnP/" && token.substr(0, 5) != "upnp/")
      product = token;
    at = end + 1;
  }
  if (product.empty() && tokens == 1) product = server;
  if (!product.empty() && !detail::split_product(product, out)) out.product.assign(product);
  if (!server.empty()) {
    out.info.assign("SERVER: ");
    out.info.append(server);
  }
  if (!location.empty()) {
    out.info.append(out.info.empty() ? "LOCATION: " : "; LOCATION: ");
    out.info.append(location);
  }
  return true;
}

// memcached protocol.txt: "VERSION <version>\r\n", or an error line.
bool describe_memcached(Bytes a, AnswerInfo& out) noexcept {
  if (!echoed_cookie(AnswerKind::memcached, {}, a)) return false;
  out.service.assign("memcache");
  std::string_view line = text_at(a, 8, a.size());
  line = line.substr(0, line.find_first_of("\r\n"));
  if (line.substr(0, 8) == "VERSION ") {
    out.product.assign("Memcached");
    out.version.assign(line.substr(8));
  } else {
    out.info.assign(line);
  }
  return true;
}

std::string_view ike_exchange(unsigned major, unsigned type) noexcept {
  if (major == 1) {
    switch (type) {
      case 2:
        return "Identity Protection (main mode)";
      case 4:
        return "Aggressive";
      case 5:
        return "Informational";
    }
  } else {
    switch (type) {
      case 34:
        return "IKE_SA_INIT";
      case 37:
        return "INFORMATIONAL";
    }
  }
  return "exchange ?";
}

std::string_view ike_notify(std::uint64_t type) noexcept {
  switch (type) {
    case 7:
      return "INVALID-SYNTAX";
    case 14:
      return "NO-PROPOSAL-CHOSEN";
    case 16:
      return "PAYLOAD-MALFORMED";
    case 17:
      return "INVALID-KEY-INFORMATION";
    case 24:
      return "INVALID-FLAGS";
  }
  return "";
}

// RFC 2408 3.1/3.14 and RFC 7296 3.1/3.10: the version, the exchange, and the payload chain's notification
// (v1 Notification 11: DOI, protocol, SPI size, type; v2 Notify 41: protocol, SPI size, type) and vendor ids.
bool describe_ike(Bytes a, AnswerInfo& out) noexcept {
  if (!echoed_cookie(AnswerKind::ike, {}, a)) return false;
  out.service.assign("isakmp");
  const unsigned major = a[17] >> 4;
  out.info.assign(major == 1 ? "IKEv1 " : "IKEv2 ");
  out.info.append(ike_exchange(major, a[18]));
  unsigned next = a[16], vendor_ids = 0;
  std::size_t at = 28;
  for (int i = 0; i < 32 && next != 0; ++i) {
    const auto length = be(a, at + 2, 2);
    if (!length || *length < 4 || at + *length > a.size()) break;
    const auto type = (next == 11 && *length >= 12)  ? be(a, at + 10, 2)
                      : (next == 41 && *length >= 8) ? be(a, at + 6, 2)
                                                     : std::nullopt;
    if (type) {
      out.info.append(", notify ");
      const std::string_view name = ike_notify(*type);
      if (name.empty()) {
        append_number(out.info, *type);
      } else {
        out.info.append(name);
      }
    }
    if (next == 13 || next == 43) ++vendor_ids;
    next = a[at];
    at += *length;
  }
  if (vendor_ids > 0) {
    out.info.append(", vendor ids ");
    append_number(out.info, vendor_ids);
  }
  return true;
}

// RFC 7252 3, 3.1 and 5.9: the response code as class.detail, then the payload after the options' 0xff marker
// (for /.well-known/core, the CoRE link format of RFC 6690 listing the resources).
bool describe_coap(Bytes a, AnswerInfo& out) noexcept {
  if (!echoed_cookie(AnswerKind::coap, {}, a)) return false;
  out.service.assign("coap");
  append_number(out.info, a[1] >> 5);
  out.info.push_back('.');
  out.info.push_back(static_cast<char>('0' + (a[1] & 0x1f) / 10));
  out.info.push_back(static_cast<char>('0' + (a[1] & 0x1f) % 10));
  std::size_t at = 4 + 6;
  while (at < a.size() && a[at] != 0xff) {
    const unsigned delta = a[at] >> 4, length = a[at] & 0xf;
    if (delta == 15 || length == 15) return true;  // reserved forms (3.1): stop reading
    std::size_t next = at + 1 + (delta == 13 ? 1 : delta == 14 ? 2 : 0);
    if (length == 13 || length == 14) {
      const auto ext = be(a, next, length == 13 ? 1 : 2);
      if (!ext) return true;
      next += (length == 13 ? 1 : 2) + static_cast<std::size_t>(*ext) + (length == 13 ? 13 : 269);
    } else {
      next += length;
    }
    at = next;
  }
  if (at < a.size()) {
    out.info.append(" ");
    out.info.append(text_at(a, at + 1, a.size()));
  }
  return true;
}

bool describe_openvpn(Bytes a, AnswerInfo& out) noexcept {
  if (!echoed_cookie(AnswerKind::openvpn, {}, a)) return false;
  out.service.assign("openvpn");
  const unsigned opcode = a[0] >> 3;
  out.info.assign(opcode == 8 ? "P_CONTROL_HARD_RESET_SERVER_V2" : opcode == 5 ? "P_ACK_V1" : "P_CONTROL_V1");
  return true;
}

}  // namespace

std::string_view service_name(AnswerKind kind) noexcept {
  switch (kind) {
    case AnswerKind::generic:
      return "";
    case AnswerKind::dns:
      return "domain";
    case AnswerKind::ntp:
      return "ntp";
    case AnswerKind::snmp:
      return "snmp";
    case AnswerKind::netbios_ns:
      return "netbios-ns";
    case AnswerKind::ssdp:
      return "upnp";
    case AnswerKind::mdns:
      return "zeroconf";
    case AnswerKind::memcached:
      return "memcache";
    case AnswerKind::ike:
      return "isakmp";
    case AnswerKind::coap:
      return "coap";
    case AnswerKind::openvpn:
      return "openvpn";
  }
  return "";
}

bool describe_answer(AnswerKind kind, std::span<const std::uint8_t> answer, AnswerInfo& out) noexcept {
  out = AnswerInfo{};
  bool ok = false;
  switch (kind) {
    case AnswerKind::generic:
      return false;
    case AnswerKind::dns:
      ok = detail::describe_dns(answer, out);
      break;
    case AnswerKind::mdns:
      ok = detail::describe_mdns(answer, out);
      break;
    case AnswerKind::netbios_ns:
      ok = detail::describe_netbios(answer, out);
      break;
    case AnswerKind::ntp:
      ok = describe_ntp(answer, out);
      break;
    case AnswerKind::snmp:
      ok = describe_snmp(answer, out);
      break;
    case AnswerKind::ssdp:
      ok = describe_ssdp(answer, out);
      break;
    case AnswerKind::memcached:
      ok = describe_memcached(answer, out);
      break;
    case AnswerKind::ike:
      ok = describe_ike(answer, out);
      break;
    case AnswerKind::coap:
      ok = describe_coap(answer, out);
      break;
    case AnswerKind::openvpn:
      ok = describe_openvpn(answer, out);
      break;
  }
  if (!ok) out = AnswerInfo{};
  return ok;
}

}  // namespace synscan::udp
