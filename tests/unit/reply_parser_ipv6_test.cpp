// parse_reply over IPv6: golden frames (one written out by an independent Python builder and checked by
// tcpdump, the rest built byte by byte by tests/unit/frame_builder.hpp), every link layer, extension-header
// chains, fragments, ICMPv6 quotes, malformed and truncated input.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <vector>

#include "engine/probes/tcp_reply.hpp"
#include "tests/unit/frame_builder.hpp"

namespace synscan {
namespace {

using test::Bytes;
using test::ExtensionHeader;

constexpr Ipv6 kLocal = make_ipv6(0x2001'0002'0000'0000ULL, 0x1);    // 2001:2::1, our scanner
constexpr Ipv6 kTarget = make_ipv6(0x2001'0002'0000'0001ULL, 0xa);   // 2001:2:0:1::a, the probed host
constexpr Ipv6 kRouter = make_ipv6(0x2001'0002'0000'0000ULL, 0xfe);  // 2001:2::fe, sends ICMPv6 errors
constexpr std::uint16_t kLocalPort = 40000;
constexpr std::uint16_t kTargetPort = 80;
constexpr std::uint32_t kCookie = 0xA1B2C3D4;
const Bytes kMss1440{2, 4, 0x05, 0xa0};

std::optional<Reply> parse_full(const Bytes& frame, LinkType link = LinkType::ethernet) {
  return parse_reply(std::span<const std::uint8_t>(frame.data(), frame.size()), link);
}

// The reply without its header facts (IP ID, TCP options: checked by their own tests), as the expectations
// below spell replies.
std::optional<Reply> parse(const Bytes& frame, LinkType link = LinkType::ethernet) {
  std::optional<Reply> r = parse_full(frame, link);
  if (r) {
    r->ip_id = 0;
    r->options = {};
  }
  return r;
}

Bytes ethernet6(const Bytes& packet) { return test::ethernet(packet, 0x86dd); }

/// The target's TCP answer to our probe as an IPv6 packet, with `extensions` between the header and TCP.
Bytes tcp_reply(std::uint8_t flags, std::vector<ExtensionHeader> extensions = {},
                std::uint32_t ack = kCookie + 1) {
  const test::TcpFields t{.src_port = kTargetPort,
                          .dst_port = kLocalPort,
                          .seq = 0x11223344,
                          .ack = ack,
                          .flags = flags,
                          .window = 64240,
                          .options = kMss1440};
  return test::ipv6(
      {.src = kTarget, .dst = kLocal, .next_header = 6, .hop_limit = 57, .extensions = std::move(extensions)},
      test::tcp6(t, kTarget, kLocal));
}

/// Our probe as it left (SYN, seq = cookie, MSS option), cut to its IPv6 header, `extensions` and
/// `quote_tcp_bytes` of TCP: what an ICMPv6 error quotes.
Bytes quoted_probe(std::size_t quote_tcp_bytes = 24, std::vector<ExtensionHeader> extensions = {},
                   std::uint8_t next_header = 6) {
  const test::TcpFields t{.src_port = kLocalPort,
                          .dst_port = kTargetPort,
                          .seq = kCookie,
                          .flags = kTcpSyn,
                          .window = 1024,
                          .options = kMss1440};
  const Bytes segment = test::tcp6(t, kLocal, kTarget);
  Bytes packet = test::ipv6({.src = kLocal,
                             .dst = kTarget,
                             .next_header = next_header,
                             .hop_limit = 63,
                             .extensions = std::move(extensions)},
                            segment);
  packet.resize(packet.size() - segment.size() + quote_tcp_bytes);
  return packet;
}

/// A router's ICMPv6 error (type, code) quoting `quote`.
Bytes icmp_reply(std::uint8_t type, std::uint8_t code, const Bytes& quote,
                 std::vector<ExtensionHeader> extensions = {}) {
  return test::ipv6({.src = kRouter,
                     .dst = kLocal,
                     .next_header = 58,
                     .hop_limit = 250,
                     .extensions = std::move(extensions)},
                    test::icmpv6(type, code, quote, kRouter, kLocal));
}

const Reply kSynAck{.kind = ReplyKind::syn_ack,
                    .target_ip = IpAddress::v6(kTarget),
                    .target_port = kTargetPort,
                    .local_ip = IpAddress::v6(kLocal),
                    .local_port = kLocalPort,
                    .cookie_echo = kCookie,
                    .ttl = 57,
                    .window = 64240,
                    .icmp_code = 0,
                    .tcp_flags = kTcpSyn | kTcpAck};

Reply unreachable(std::uint8_t code) {
  return Reply{.kind = ReplyKind::icmp_unreach,
               .target_ip = IpAddress::v6(kTarget),
               .target_port = kTargetPort,
               .local_ip = IpAddress::v6(kLocal),
               .local_port = kLocalPort,
               .cookie_echo = kCookie,
               .ttl = 250,
               .window = 0,
               .icmp_code = code,
               .tcp_flags = 0};
}

// Written by a separate Python struct builder (addresses from Python's ipaddress), its checksums confirmed by
// tcpdump -vv ("cksum 0x16a9 (correct)", "icmp6 sum ok"); not built by the test builder, so it checks the
// builder as well as the parser.
const Bytes kLiteralSynAck{
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x86, 0xdd,  // Ethernet, IPv6
    0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x06, 0x39,  // version 6, payload 24, next header TCP, hop limit 57
    0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x0a,  // 2001:2:0:1::a
    0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01,                                                               // 2001:2::1
    0x00, 0x50, 0x9c, 0x40, 0x11, 0x22, 0x33, 0x44, 0xa1, 0xb2, 0xc3, 0xd5,   // 80 -> 40000, seq, ack
    0x60, 0x12, 0xfa, 0xf0, 0x16, 0xa9, 0x00, 0x00, 0x02, 0x04, 0x05, 0xa0};  // SYN|ACK, win, cksum, MSS 1440

// 2001:2::fe -> 2001:2::1 ICMPv6 destination unreachable, port unreachable (4), quoting the whole probe.
const Bytes kLiteralUnreachable{
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x86, 0xdd, 0x60, 0x00,
    0x00, 0x00, 0x00, 0x48, 0x3a, 0xfa, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xfe, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x04, 0x57, 0x3b, 0x00, 0x00, 0x00, 0x00, 0x60, 0x00,
    0x00, 0x00, 0x00, 0x18, 0x06, 0x3f, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x9c, 0x40, 0x00, 0x50, 0xa1, 0xb2, 0xc3, 0xd4, 0x00, 0x00,
    0x00, 0x00, 0x60, 0x02, 0x04, 0x00, 0x52, 0x11, 0x00, 0x00, 0x02, 0x04, 0x05, 0xa0};

TEST(ReplyParserIpv6, LiteralFramesMatchTheBuilderAndParse) {
  EXPECT_EQ(ethernet6(tcp_reply(kTcpSyn | kTcpAck)), kLiteralSynAck);
  EXPECT_EQ(parse(kLiteralSynAck), kSynAck);
  EXPECT_EQ(ethernet6(icmp_reply(1, 4, quoted_probe())), kLiteralUnreachable);
  EXPECT_EQ(parse(kLiteralUnreachable), unreachable(4));
}

TEST(ReplyParserIpv6, TcpFlagsAsOverIpv4) {
  EXPECT_EQ(parse(ethernet6(tcp_reply(kTcpSyn | kTcpAck))), kSynAck);
  const auto rst = parse(ethernet6(tcp_reply(kTcpRst | kTcpAck)));
  ASSERT_TRUE(rst);
  EXPECT_EQ(rst->kind, ReplyKind::rst);
  EXPECT_EQ(rst->cookie_echo, kCookie);
  EXPECT_EQ(rst->target_ip, IpAddress::v6(kTarget));
  for (std::uint8_t flags : {std::uint8_t{kTcpRst}, std::uint8_t{kTcpSyn}, std::uint8_t{kTcpAck},
                             std::uint8_t{kTcpFin | kTcpAck}, std::uint8_t{0}}) {
    EXPECT_FALSE(parse(ethernet6(tcp_reply(flags)))) << "flags " << int{flags};
  }
  const auto wrapped = parse(ethernet6(tcp_reply(kTcpSyn | kTcpAck, {}, /*ack=*/0)));
  ASSERT_TRUE(wrapped);
  EXPECT_EQ(wrapped->cookie_echo, 0xFFFFFFFFu);
}

TEST(ReplyParserIpv6, Icmpv6DestinationUnreachableCodes) {
  // 0-6 are filtered, each reported with its code (2, beyond scope of source address, included as nmap does).
  for (std::uint8_t code = 0; code <= 6; ++code) {
    EXPECT_EQ(parse(ethernet6(icmp_reply(1, code, quoted_probe()))), unreachable(code))
        << "code " << int{code};
  }
  for (std::uint8_t code : {std::uint8_t{7}, std::uint8_t{8}, std::uint8_t{9}, std::uint8_t{255}}) {
    EXPECT_FALSE(parse(ethernet6(icmp_reply(1, code, quoted_probe())))) << "code " << int{code};
  }
  // Packet too big, time exceeded, parameter problem, echo request/reply, neighbour solicitation: not
  // answers.
  for (std::uint8_t type : std::initializer_list<std::uint8_t>{2, 3, 4, 128, 129, 135}) {
    EXPECT_FALSE(parse(ethernet6(icmp_reply(type, 0, quoted_probe())))) << "type " << int{type};
  }
  // An IPv4 ICMP type 3 inside IPv6 (next header 1) is not ICMPv6.
  Bytes v4_icmp = icmp_reply(1, 4, quoted_probe());
  v4_icmp[6] = 1;
  EXPECT_FALSE(parse(ethernet6(v4_icmp)));
}

TEST(ReplyParserIpv6, Icmpv6QuoteMustHoldAnIpv6HeaderAndEightTcpBytes) {
  EXPECT_EQ(parse(ethernet6(icmp_reply(1, 1, quoted_probe(8)))), unreachable(1));
  EXPECT_FALSE(parse(ethernet6(icmp_reply(1, 1, quoted_probe(7)))));
  EXPECT_FALSE(parse(ethernet6(icmp_reply(1, 1, quoted_probe(0)))));
  EXPECT_FALSE(parse(ethernet6(icmp_reply(1, 1, quoted_probe(24, {}, /*next_header=*/17)))));  // UDP
  Bytes quote = quoted_probe();
  quote[0] = 0x45;  // an IPv4 header where the IPv6 one should be
  EXPECT_FALSE(parse(ethernet6(icmp_reply(1, 1, quote))));
  // The quoted payload length is not trusted: a router may rewrite it, and the quote is cut short anyway.
  for (std::uint16_t length : {std::uint16_t{0}, std::uint16_t{8}, std::uint16_t{0xffff}}) {
    quote = quoted_probe();
    test::set16(quote, 4, length);
    EXPECT_EQ(parse(ethernet6(icmp_reply(1, 1, quote))), unreachable(1)) << length;
  }
}

TEST(ReplyParserIpv6, Icmpv6QuoteWithExtensionHeaders) {
  const auto quoted = [](std::vector<ExtensionHeader> ext, std::size_t tcp_bytes = 8) {
    return parse(ethernet6(icmp_reply(1, 3, quoted_probe(tcp_bytes, std::move(ext)))));
  };
  EXPECT_EQ(quoted({test::options_header(0), test::options_header(60, 16)}), unreachable(3));
  EXPECT_EQ(quoted({test::routing_header(2), test::fragment_header(0, true)}), unreachable(3));
  EXPECT_FALSE(quoted({test::fragment_header(1, false)}));  // a quoted non-first fragment holds no TCP header
  EXPECT_FALSE(quoted({test::options_header(60)}, 7));
  // The quote ends inside its extension chain.
  Bytes cut = quoted_probe(0, {test::options_header(60, 24)});
  cut.resize(cut.size() - 1);
  EXPECT_FALSE(parse(ethernet6(icmp_reply(1, 3, cut))));
  // The error itself may carry extension headers too.
  EXPECT_EQ(parse(ethernet6(icmp_reply(1, 5, quoted_probe(), {test::options_header(0)}))), unreachable(5));
}

TEST(ReplyParserIpv6, PayloadLengthIsRespected) {
  Bytes frame = ethernet6(tcp_reply(kTcpSyn | kTcpAck));
  Bytes padded = frame;
  padded.resize(frame.size() + 18, 0xEE);  // link padding (or trailer) after the packet
  EXPECT_EQ(parse(padded), kSynAck);

  Bytes packet = tcp_reply(kTcpSyn | kTcpAck);  // payload length 24
  test::set16(packet, 4, 25);                   // one past the frame: truncated
  EXPECT_FALSE(parse(packet, LinkType::raw_ip));
  test::set16(packet, 4, 19);  // shorter than the TCP header it holds
  EXPECT_FALSE(parse(packet, LinkType::raw_ip));
  test::set16(packet, 4, 20);  // holds the 20-byte header but not the data offset's 24 bytes
  EXPECT_FALSE(parse(packet, LinkType::raw_ip));
  test::set16(packet, 4, 0);  // a jumbogram's 0 (RFC 2675): no reply
  EXPECT_FALSE(parse(packet, LinkType::raw_ip));
}

TEST(ReplyParserIpv6, HopLimitBecomesTtlAndFamilyComesFromThePacket) {
  Bytes packet = tcp_reply(kTcpRst | kTcpAck);
  packet[7] = 1;
  const auto r = parse(packet, LinkType::raw_ip);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->ttl, 1);
  EXPECT_TRUE(r->target_ip.is_v6() && r->local_ip.is_v6());
  // An IPv4-mapped source is an IPv6 packet's address: it stays IPv6 (the validator will not take it as
  // IPv4).
  const Ipv6 mapped = kIpv4MappedPrefix | 0xC612010AU;  // ::ffff:198.18.1.10
  const test::TcpFields t{
      .src_port = 80, .dst_port = kLocalPort, .ack = kCookie + 1, .flags = kTcpSyn | kTcpAck, .options = {}};
  const auto m =
      parse(test::ipv6({.src = mapped, .dst = kLocal, .extensions = {}}, test::tcp6(t, mapped, kLocal)),
            LinkType::raw_ip);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->target_ip, IpAddress::v6(mapped));
}

TEST(ReplyParserIpv6, EachExtensionHeaderIsWalked) {
  const std::vector<std::vector<ExtensionHeader>> chains{
      {test::options_header(0)},
      {test::options_header(60)},
      {test::options_header(0, 2048)},  // the longest: length byte 255
      {test::routing_header(1)},
      {test::routing_header(3)},
      {test::fragment_header(0, true)},   // a first fragment holds the TCP header (RFC 8200 4.5)
      {test::fragment_header(0, false)},  // an atomic fragment (RFC 6946)
      {test::authentication_header()},
      {test::authentication_header(20)},
      // The RFC 8200 4.1 order, all of them.
      {test::options_header(0), test::options_header(60), test::routing_header(2),
       test::fragment_header(0, true), test::authentication_header(), test::options_header(60, 16)},
  };
  for (std::size_t i = 0; i < chains.size(); ++i) {
    EXPECT_EQ(parse(ethernet6(tcp_reply(kTcpSyn | kTcpAck, chains[i]))), kSynAck) << "chain " << i;
  }
}

TEST(ReplyParserIpv6, MalformedOrUnwantedExtensionChains) {
  const auto with = [](std::vector<ExtensionHeader> ext) {
    return parse(ethernet6(tcp_reply(kTcpSyn | kTcpAck, std::move(ext))));
  };
  // Hop-by-hop only right after the IPv6 header (RFC 8200 4.3).
  EXPECT_FALSE(with({test::options_header(60), test::options_header(0)}));
  // Non-first fragments: the middle and the last one.
  EXPECT_FALSE(with({test::fragment_header(1, true)}));
  EXPECT_FALSE(with({test::fragment_header(185, false)}));
  EXPECT_FALSE(with({test::fragment_header(0x1fff, false)}));
  // At most 8 extension headers.
  EXPECT_EQ(with(std::vector<ExtensionHeader>(8, test::options_header(60))), kSynAck);
  EXPECT_FALSE(with(std::vector<ExtensionHeader>(9, test::options_header(60))));

  // A header whose length runs past the payload; one cut inside its first two bytes.
  Bytes packet = tcp_reply(kTcpSyn | kTcpAck, {test::options_header(60)});
  packet[41] = 5;  // 48 bytes claimed, 8 + 24 there
  EXPECT_FALSE(parse(packet, LinkType::raw_ip));
  packet = tcp_reply(kTcpSyn | kTcpAck, {test::authentication_header()});
  packet[41] = 200;  // (200 + 2) * 4 bytes claimed
  EXPECT_FALSE(parse(packet, LinkType::raw_ip));
  packet = test::ipv6({.src = kTarget, .dst = kLocal, .next_header = 60, .extensions = {}}, Bytes{6});
  EXPECT_FALSE(parse(packet, LinkType::raw_ip));

  // No Next Header (59), ESP (50), UDP (17) and an unknown number end the chain without a reply.
  for (std::uint8_t next : std::initializer_list<std::uint8_t>{59, 50, 17, 253}) {
    packet = tcp_reply(kTcpSyn | kTcpAck, {test::options_header(60)});
    packet[40] = next;
    EXPECT_FALSE(parse(packet, LinkType::raw_ip)) << int{next};
    packet = tcp_reply(kTcpSyn | kTcpAck);
    packet[6] = next;
    EXPECT_FALSE(parse(packet, LinkType::raw_ip)) << int{next};
  }
}

TEST(ReplyParserIpv6, LinkLayers) {
  const Bytes packet = tcp_reply(kTcpSyn | kTcpAck);
  EXPECT_EQ(parse(test::ethernet(packet, 0x86dd, {{0x8100, 10}})), kSynAck);
  EXPECT_EQ(parse(test::ethernet(packet, 0x86dd, {{0x88a8, 1}, {0x8100, 2}, {0x8100, 3}, {0x8100, 4}})),
            kSynAck);
  EXPECT_FALSE(parse(
      test::ethernet(packet, 0x86dd, {{0x8100, 1}, {0x8100, 2}, {0x8100, 3}, {0x8100, 4}, {0x8100, 5}})));
  EXPECT_EQ(parse(test::sll(packet, 0x86dd), LinkType::linux_sll), kSynAck);
  EXPECT_EQ(parse(test::sll2(packet, 0x86dd), LinkType::linux_sll2), kSynAck);
  EXPECT_EQ(parse(packet, LinkType::raw_ip), kSynAck);
  // The ethertype and the version nibble must agree.
  EXPECT_FALSE(parse(test::ethernet(packet, 0x0800)));
  EXPECT_FALSE(parse(test::sll(packet, 0x0800), LinkType::linux_sll));
  Bytes v5 = packet;
  v5[0] = 0x50;
  EXPECT_FALSE(parse(v5, LinkType::raw_ip));
  EXPECT_FALSE(parse(ethernet6(v5)));
  EXPECT_FALSE(parse(Bytes{}, LinkType::raw_ip));
  EXPECT_EQ(parse(test::sll2(icmp_reply(1, 6, quoted_probe()), 0x86dd), LinkType::linux_sll2),
            unreachable(6));
}

// Cutting a frame anywhere inside its IPv6 packet gives nullopt, never a crash or a read past the end; each
// prefix is copied to an exactly sized buffer so that AddressSanitizer builds catch any overread.
TEST(ReplyParserIpv6, TruncatedAtEveryLength) {
  struct Golden {
    const char* name;
    Bytes frame;
    LinkType link;
  };
  const std::vector<Golden> goldens{
      {"literal syn-ack", kLiteralSynAck, LinkType::ethernet},
      {"literal icmpv6", kLiteralUnreachable, LinkType::ethernet},
      {"vlan rst, every extension header",
       test::ethernet(tcp_reply(kTcpRst | kTcpAck,
                                {test::options_header(0), test::options_header(60), test::routing_header(1),
                                 test::fragment_header(0, true), test::authentication_header()}),
                      0x86dd, {{0x8100, 7}}),
       LinkType::ethernet},
      {"sll icmpv6, extension headers in the quote",
       test::sll(icmp_reply(1, 1, quoted_probe(8, {test::options_header(0), test::fragment_header(0, true)})),
                 0x86dd),
       LinkType::linux_sll},
      {"sll2 syn-ack", test::sll2(tcp_reply(kTcpSyn | kTcpAck), 0x86dd), LinkType::linux_sll2},
      {"raw icmpv6 with hop-by-hop", icmp_reply(1, 0, quoted_probe(), {test::options_header(0)}),
       LinkType::raw_ip},
  };
  for (const auto& g : goldens) {
    ASSERT_TRUE(parse(g.frame, g.link)) << g.name;
    for (std::size_t n = 0; n < g.frame.size(); ++n) {
      const Bytes prefix(g.frame.begin(), g.frame.begin() + static_cast<std::ptrdiff_t>(n));
      EXPECT_FALSE(parse(prefix, g.link)) << g.name << " cut at " << n;
    }
  }
}

}  // namespace
}  // namespace synscan
