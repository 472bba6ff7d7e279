// describe_answer for the DNS message family: DNS (RFC 1035), mDNS (RFC 6762/6763), NetBIOS-NS (RFC 1002).
#include <array>

#include "engine/probes/udp/answer_text.hpp"

namespace synscan::udp::detail {
namespace {

/// A response's header counts and the offset of its first answer record (the questions skipped), or nullopt
/// when `a` is not a response to a standard query (RFC 1035 4.1.1) or a question runs off the end.
struct Response {
  std::uint16_t flags = 0, answers = 0;
  std::size_t records = 12;
};

std::optional<Response> response(Bytes a) noexcept {
  if (a.size() < 12) return std::nullopt;
  const auto flags = be(a, 2, 2), qd = be(a, 4, 2), an = be(a, 6, 2);
  if (!flags || !qd || !an || !(*flags & 0x8000) || ((*flags >> 11) & 0xf) != 0) return std::nullopt;
  Response r{static_cast<std::uint16_t>(*flags), static_cast<std::uint16_t>(*an), 12};
  for (std::uint64_t i = 0; i < *qd; ++i) {
    const auto end = dns_skip_name(a, r.records);
    if (!end || *end + 4 > a.size()) return std::nullopt;
    r.records = *end + 4;
  }
  return r;
}

/// One resource record (RFC 1035 4.1.3): type, class and where its RDATA lies in the message.
struct Record {
  std::uint16_t type = 0, cls = 0;
  std::size_t rdata = 0, rdlength = 0, end = 0;
};

std::optional<Record> record(Bytes a, std::size_t at) noexcept {
  const auto name_end = dns_skip_name(a, at);
  if (!name_end) return std::nullopt;
  const auto type = be(a, *name_end, 2), cls = be(a, *name_end + 2, 2), rdlength = be(a, *name_end + 8, 2);
  if (!type || !cls || !rdlength || *name_end + 10 + *rdlength > a.size()) return std::nullopt;
  return Record{static_cast<std::uint16_t>(*type), static_cast<std::uint16_t>(*cls), *name_end + 10,
                static_cast<std::size_t>(*rdlength), *name_end + 10 + static_cast<std::size_t>(*rdlength)};
}

constexpr std::array<std::string_view, 11> kRcodes = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                                      "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                                      "NXRRSET", "NOTAUTH", "NOTZONE"};

/// RFC 1002 4.2.18: a NetBIOS name's 15 characters, trailing spaces removed.
std::string_view netbios_name(Bytes a, std::size_t at) noexcept {
  std::string_view n = text_at(a, at, 15);
  while (!n.empty() && (n.back() == ' ' || n.back() == '\0')) n.remove_suffix(1);
  return n;
}

}  // namespace

bool split_product(std::string_view s, AnswerInfo& out) noexcept {
  if (s.empty()) return false;
  if (s[0] >= '0' && s[0] <= '9') {
    out.product.assign("ISC BIND");
    out.version.assign(s);
    return true;
  }
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    if ((s[i] == '-' || s[i] == ' ' || s[i] == '/') && s[i + 1] >= '0' && s[i + 1] <= '9') {
      out.product.assign(s.substr(0, i));
      out.version.assign(s.substr(i + 1));
      return true;
    }
  }
  return false;
}

// The first TXT answer's first character-string (RFC 1035 3.3.14) is the server's version.bind; without one,
// the rcode says whether the server refused the query (most public resolvers) or has no such name.
bool describe_dns(Bytes a, AnswerInfo& out) noexcept {
  const auto r = response(a);
  if (!r) return false;
  out.service.assign("domain");
  std::size_t at = r->records;
  for (unsigned i = 0; i < r->answers && i < 16; ++i) {
    const auto rr = record(a, at);
    if (!rr) break;
    if (rr->type == 16 && rr->rdlength > 0) {
      const std::string_view txt =
          text_at(a, rr->rdata + 1, std::min<std::size_t>(a[rr->rdata], rr->rdlength - 1));
      if (!split_product(txt, out)) {
        out.info.assign("version.bind: ");
        out.info.append(txt);
      }
      return true;
    }
    at = rr->end;
  }
  const unsigned rcode = r->flags & 0xf;
  out.info.assign("version.bind: ");
  if (rcode < kRcodes.size()) {
    out.info.append(kRcodes[rcode]);
  } else {
    out.info.append("rcode ");
    append_number(out.info, rcode);
  }
  if (rcode == 0) out.info.append(", no TXT answer");
  return true;
}

// RFC 6763 9: the PTR answers to _services._dns-sd._udp.local name the service types the host offers.
bool describe_mdns(Bytes a, AnswerInfo& out) noexcept {
  const auto r = response(a);
  if (!r) return false;
  out.service.assign("zeroconf");
  std::size_t at = r->records;
  unsigned listed = 0;
  for (unsigned i = 0; i < r->answers && i < 32; ++i) {
    const auto rr = record(a, at);
    if (!rr) break;
    if (rr->type == 12) {
      out.info.append(listed++ == 0 ? "services: " : ", ");
      dns_read_name(a, rr->rdata, [&](char c) { out.info.push_back(c); });
    }
    at = rr->end;
  }
  if (listed == 0) out.info.assign("no service types");
  return true;
}

// RFC 1002 4.2.18 NODE STATUS RESPONSE: NUM_NAMES, then 18-byte entries (15-character name, suffix, flags
// with the G bit 0x8000), then the statistics that open with the 6-byte unit id (the MAC; Samba's nmbd sends
// zeros).
bool describe_netbios(Bytes a, AnswerInfo& out) noexcept {
  const auto r = response(a);
  if (!r) return false;
  out.service.assign("netbios-ns");
  const auto rr = record(a, r->records);
  if (r->answers == 0 || !rr || rr->type != 0x21 || rr->rdlength < 1) return true;
  const std::size_t count = a[rr->rdata], names = rr->rdata + 1;
  if (names + 18 * count > rr->end) return true;
  std::string_view host, group;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t e = names + 18 * i;
    const bool is_group = a[e + 16] & 0x80;
    if (a[e + 15] != 0x00) continue;
    std::string_view& slot = is_group ? group : host;
    if (slot.empty()) slot = netbios_name(a, e);
  }
  out.info.assign("name ");
  out.info.append(host.empty() ? "?" : host);
  if (!group.empty()) {
    out.info.append(", workgroup ");
    out.info.append(group);
  }
  const std::size_t mac = names + 18 * count;
  if (mac + 6 <= rr->end) {
    static constexpr char kHex[] = "0123456789abcdef";
    bool zero = true;
    out.info.append(", MAC ");
    for (std::size_t i = 0; i < 6; ++i) {
      if (i) out.info.push_back(':');
      out.info.push_back(kHex[a[mac + i] >> 4]);
      out.info.push_back(kHex[a[mac + i] & 0xf]);
      zero = zero && a[mac + i] == 0;
    }
    if (zero) out.product.assign("Samba nmbd");
  }
  return true;
}

}  // namespace synscan::udp::detail
