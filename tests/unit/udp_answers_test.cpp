// engine/probes/udp/answer.hpp and nmap_payloads.hpp: what realistic answers say (dnsmasq, chrony, net-snmp,
// nmbd, strongSwan, OpenVPN, Avahi, libcoap, memcached, MiniUPnPd), FixedText's bounds, nmap's payload file
// format and --udp-payload PORT:HEX.
#include "tests/unit/udp_answers.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "engine/parse_error.hpp"
#include "engine/probes/udp/answer.hpp"
#include "engine/probes/udp/nmap_payloads.hpp"

namespace synscan::udp {
namespace {

using test::Bytes;

Bytes probe(std::uint16_t port) {
  auto p = builtin_payload(port);
  write_cookie(p->kind, p->slot, 0x1122334455667788ULL, p->bytes);
  return p->bytes;
}

AnswerInfo describe(AnswerKind kind, const Bytes& answer) {
  AnswerInfo info;
  EXPECT_TRUE(describe_answer(kind, answer, info));
  return info;
}

TEST(UdpAnswer, DnsmasqVersionBind) {
  const AnswerInfo i = describe(AnswerKind::dns, test::dns_txt_answer(probe(53), "dnsmasq-2.90"));
  EXPECT_EQ(i.service, "domain");
  EXPECT_EQ(i.product, "dnsmasq");
  EXPECT_EQ(i.version, "2.90");
  EXPECT_EQ(i.info, "");
}

TEST(UdpAnswer, DnsOtherServersAndRefusals) {
  AnswerInfo i = describe(AnswerKind::dns, test::dns_txt_answer(probe(53), "9.18.28-1~deb12u2-Debian"));
  EXPECT_EQ(i.product, "ISC BIND");
  EXPECT_EQ(i.version, "9.18.28-1~deb12u2-Debian");
  i = describe(AnswerKind::dns, test::dns_txt_answer(probe(53), "unbound 1.17.1"));
  EXPECT_EQ(i.product, "unbound");
  EXPECT_EQ(i.version, "1.17.1");
  i = describe(AnswerKind::dns, test::dns_txt_answer(probe(53), "none of your business"));
  EXPECT_EQ(i.product, "");
  EXPECT_EQ(i.info, "version.bind: none of your business");
  i = describe(AnswerKind::dns, test::dns_txt_answer(probe(53), "", 5));
  EXPECT_EQ(i.service, "domain");
  EXPECT_EQ(i.info, "version.bind: REFUSED");
  i = describe(AnswerKind::dns, test::dns_txt_answer(probe(53), "", 3));
  EXPECT_EQ(i.info, "version.bind: NXDOMAIN");
}

TEST(UdpAnswer, ChronyStratum8) {
  const AnswerInfo i = describe(AnswerKind::ntp, test::ntp_reply(probe(123)));
  EXPECT_EQ(i.service, "ntp");
  EXPECT_EQ(i.info, "NTPv4, stratum 8, refid 127.127.1.1");
  // a stratum 1 server names its clock; stratum 0 is a kiss-o'-death (RFC 5905 7.4); 16 is unsynchronized
  EXPECT_EQ(describe(AnswerKind::ntp, test::ntp_reply(probe(123), 1, 0x47505300)).info,
            "NTPv4, stratum 1, refid GPS");
  EXPECT_EQ(describe(AnswerKind::ntp, test::ntp_reply(probe(123), 0, 0x52415445)).info,
            "NTPv4, kiss code RATE");
  EXPECT_EQ(describe(AnswerKind::ntp, test::ntp_reply(probe(123), 16, 0)).info,
            "NTPv4, stratum 16, refid 0.0.0.0, unsynchronized");
}

TEST(UdpAnswer, NetSnmpSysDescr) {
  const std::string descr =
      "Linux lab 6.1.0-28-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22) x86_64";
  const AnswerInfo i = describe(AnswerKind::snmp, test::snmp_response(0x40000001u, descr));
  EXPECT_EQ(i.service, "snmp");
  EXPECT_EQ(i.info, descr);
  // a sysDescr longer than the info field is cut at its capacity
  const AnswerInfo l = describe(AnswerKind::snmp, test::snmp_response(0x40000001u, std::string(300, 'x')));
  EXPECT_EQ(l.info, std::string(decltype(l.info)::capacity(), 'x'));
}

TEST(UdpAnswer, SnmpNoSuchObject) {
  // the binding's value is noSuchObject [0] (RFC 3416 2.1), an empty context tag in place of the OCTET STRING
  Bytes r = test::snmp_response(0x40000001u, "");
  ASSERT_EQ(r[r.size() - 2], 0x04);
  r[r.size() - 2] = 0x80;
  EXPECT_EQ(describe(AnswerKind::snmp, r).info, "noSuchObject");
}

TEST(UdpAnswer, NmbdNodeStatus) {
  const AnswerInfo i = describe(AnswerKind::netbios_ns, test::nbstat_response(probe(137)));
  EXPECT_EQ(i.service, "netbios-ns");
  EXPECT_EQ(i.product, "Samba nmbd");
  EXPECT_EQ(i.info, "name LABHOST, workgroup WORKGROUP, MAC 00:00:00:00:00:00");
}

TEST(UdpAnswer, IkeNoProposal) {
  const AnswerInfo i = describe(AnswerKind::ike, test::ike_no_proposal(probe(500)));
  EXPECT_EQ(i.service, "isakmp");
  EXPECT_EQ(i.info, "IKEv1 Informational, notify NO-PROPOSAL-CHOSEN");
}

TEST(UdpAnswer, OthersNameTheirService) {
  AnswerInfo i = describe(AnswerKind::openvpn, test::openvpn_reset_server(probe(1194)));
  EXPECT_EQ(i.service, "openvpn");
  EXPECT_EQ(i.info, "P_CONTROL_HARD_RESET_SERVER_V2");
  i = describe(AnswerKind::mdns, test::mdns_answer(probe(5353)));
  EXPECT_EQ(i.service, "zeroconf");
  EXPECT_EQ(i.info, "services: _http._tcp.local, _ssh._tcp.local");
  i = describe(AnswerKind::coap, test::coap_ack(probe(5683)));
  EXPECT_EQ(i.service, "coap");
  EXPECT_EQ(i.info, "2.05 </sensors/temp>;if=\"sensor\"");
  i = describe(AnswerKind::memcached, test::memcached_version(probe(11211)));
  EXPECT_EQ(i.service, "memcache");
  EXPECT_EQ(i.product, "Memcached");
  EXPECT_EQ(i.version, "1.6.21");
  i = describe(AnswerKind::memcached, test::memcached_version(probe(11211), "SERVER_ERROR unknown\r\n"));
  EXPECT_EQ(i.info, "SERVER_ERROR unknown");
  i = describe(AnswerKind::ssdp, test::ssdp_answer());
  EXPECT_EQ(i.service, "upnp");
  EXPECT_EQ(i.product, "MiniUPnPd");
  EXPECT_EQ(i.version, "2.3.3");
  EXPECT_EQ(i.info,
            "SERVER: Debian/12 UPnP/1.1 MiniUPnPd/2.3.3; LOCATION: http://198.18.1.1:5000/rootDesc.xml");
}

TEST(UdpAnswer, NotAReplyLeavesNothing) {
  AnswerInfo i;
  i.service.assign("stale");
  EXPECT_FALSE(describe_answer(AnswerKind::dns, probe(53), i));  // our own query reflected
  EXPECT_TRUE(i.service.empty());
  EXPECT_FALSE(describe_answer(AnswerKind::ntp, Bytes(47, 0x24), i));
  EXPECT_FALSE(describe_answer(AnswerKind::generic, Bytes{1, 2}, i));
  EXPECT_EQ(service_name(AnswerKind::ssdp), "upnp");
  EXPECT_EQ(service_name(AnswerKind::generic), "");
}

TEST(UdpAnswer, FixedTextTruncates) {
  FixedText<4> t;
  t.assign("abcdef");
  EXPECT_EQ(t, "abcd");
  t.assign("ab");
  t.append(std::string_view("c\0e", 3));
  EXPECT_EQ(t.view(), std::string_view("abc\0", 4));  // control bytes kept as they are
  t.push_back('z');
  EXPECT_EQ(t.size(), 4u);
  t.clear();
  EXPECT_TRUE(t.empty());
}

std::map<std::uint16_t, Bytes> parse(std::string_view text) { return parse_nmap_payloads(text); }

TEST(NmapPayloads, EntriesStringsEscapesAndKeywords) {
  const auto m = parse(
      "# a comment\n"
      "udp 7 \"\\x0D\\x0a\"  # trailing comment\n"
      "udp 53,69,100-102\n"
      "  \"a\\0b\\\\\\\"\"\n"
      "  \"\\n\\r\\t\"\n"
      "source 500\n"
      "udp 53 \"second payload for 53: ignored\"\n"
      "udp 161 \"x\" source 161 anything \"here\" is ignored\n");
  EXPECT_EQ(m.at(7), (Bytes{0x0d, 0x0a}));
  const Bytes dns = {'a', 0, 'b', '\\', '"', '\n', '\r', '\t'};
  for (const std::uint16_t p : std::initializer_list<std::uint16_t>{53, 69, 100, 101, 102})
    EXPECT_EQ(m.at(p), dns) << p;
  EXPECT_EQ(m.at(161), (Bytes{'x'}));
  EXPECT_EQ(m.size(), 7u);
  EXPECT_TRUE(parse("").empty());
  EXPECT_TRUE(parse("# only\n\n").empty());
}

void expect_bad(std::string_view text, std::string_view token, std::string_view line) {
  try {
    (void)parse_nmap_payloads(text);
    ADD_FAILURE() << "accepted: " << text;
  } catch (const ParseError& e) {
    EXPECT_EQ(e.token(), token) << e.what();
    EXPECT_NE(std::string(e.what()).find(line), std::string::npos) << e.what();
  }
}

TEST(NmapPayloads, BadSyntaxNamesLineAndToken) {
  expect_bad("# c\n\ntcp 80 \"x\"\n", "tcp", "line 3");
  // after an entry's strings a word other than udp is a keyword, ignored with its line (the format's rule)
  EXPECT_EQ(parse("udp 7 \"a\"\ntcp 80 \"x\"\nudp 9 \"b\"\n").size(), 2u);
  expect_bad("udp 70000 \"x\"\n", "70000", "line 1");
  expect_bad("udp 9-3 \"x\"\n", "9-3", "line 1");
  expect_bad("udp 5,,6 \"x\"\n", "", "line 1");
  expect_bad("udp 53\n", "udp", "line 1");
  expect_bad("udp 53\nudp 54 \"x\"\n", "udp", "line 1");
  expect_bad("udp\n", "udp", "line 1");
  expect_bad("# c\nudp 53 \"abc\n\"", "\"abc", "line 2");
  expect_bad("udp 53 \"a\\qb\"", "\\q", "line 1");
  expect_bad("udp 53 \"\\x4\"", "\\x4\"", "line 1");
  expect_bad("\"x\"", "\"", "line 1");
}

TEST(NmapPayloads, DebianNmapPayloadsFile) {
  const std::filesystem::path path = "/usr/share/nmap/nmap-payloads";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " absent (Debian's nmap-common)";
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const auto m = parse_nmap_payloads(text.str());
  for (const std::uint16_t p :
       std::initializer_list<std::uint16_t>{7, 53, 123, 137, 161, 500, 1900, 5353, 11211, 65535})
    EXPECT_TRUE(m.count(p)) << p;
  EXPECT_EQ(m.at(123).size(), 48u);  // an NTP packet
  EXPECT_EQ(m.at(123)[0] & 7, 3);    // in client mode
  EXPECT_EQ(m.at(161).at(0), 0x30);  // an SNMP message: a BER SEQUENCE
  EXPECT_EQ(m.at(53).size(), 12u);   // the first entry for 53: a bare DNS header (status request)
  EXPECT_GT(m.size(), 32768u);       // 32768-65535 is one of its ranges
}

TEST(PayloadOption, PortAndHex) {
  EXPECT_EQ(parse_payload_option("9999:deadBEEF"),
            (std::pair<std::uint16_t, Bytes>{9999, {0xde, 0xad, 0xbe, 0xef}}));
  EXPECT_EQ(parse_payload_option("53:0x00ff"), (std::pair<std::uint16_t, Bytes>{53, {0x00, 0xff}}));
  EXPECT_EQ(parse_payload_option("0:"), (std::pair<std::uint16_t, Bytes>{0, {}}));
  EXPECT_EQ(parse_payload_option("65535:" + std::string(2 * kMaxUserPayload, 'a')).second.size(),
            kMaxUserPayload);
}

void expect_bad_option(std::string_view spec, std::string_view token) {
  try {
    (void)parse_payload_option(spec);
    ADD_FAILURE() << "accepted: " << spec;
  } catch (const ParseError& e) {
    EXPECT_EQ(e.token(), token) << e.what();
  }
}

TEST(PayloadOption, BadTokensNamed) {
  expect_bad_option("9999", "9999");
  expect_bad_option("70000:00", "70000");
  expect_bad_option(":00", "");
  expect_bad_option("x1:00", "x1");
  expect_bad_option("53:abc", "abc");
  expect_bad_option("53:zz", "zz");
  expect_bad_option("53:" + std::string(2 * kMaxUserPayload + 2, 'a'), std::string(16, 'a') + "...");
}

}  // namespace
}  // namespace synscan::udp
