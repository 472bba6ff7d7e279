// parse_reply: golden frames built byte by byte, every link layer, malformed and truncated input.
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

constexpr Ipv4 kLocal = 0xC6120001;   // 198.18.0.1, our scanner
constexpr Ipv4 kTarget = 0xC612010A;  // 198.18.1.10, the probed host
constexpr Ipv4 kRouter = 0xC61200FE;  // 198.18.0.254, sends ICMP errors
constexpr std::uint16_t kLocalPort = 40000;
constexpr std::uint16_t kTargetPort = 80;
constexpr std::uint32_t kCookie = 0xA1B2C3D4;

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

/// The TCP answer of the target to our probe, as an IPv4 datagram.
Bytes tcp_reply(std::uint8_t flags, std::uint32_t ack = kCookie + 1, Bytes ip_options = {},
                Bytes tcp_options = {}) {
  test::TcpFields t{.src_port = kTargetPort,
                    .dst_port = kLocalPort,
                    .seq = 0x11223344,
                    .ack = ack,
                    .flags = flags,
                    .window = 64240,
                    .options = std::move(tcp_options)};
  return test::ipv4(
      {.src = kTarget, .dst = kLocal, .protocol = 6, .ttl = 57, .options = std::move(ip_options)},
      test::tcp(t, kTarget, kLocal));
}

/// Our probe as it left (SYN, seq = cookie), i.e. what a router quotes; `quote_tcp_bytes` of its TCP header
/// kept.
Bytes quoted_probe(std::size_t quote_tcp_bytes = 8, Bytes ip_options = {}, std::uint8_t protocol = 6) {
  test::TcpFields t{.src_port = kLocalPort,
                    .dst_port = kTargetPort,
                    .seq = kCookie,
                    .flags = kTcpSyn,
                    .window = 1024,
                    .options = {}};
  Bytes segment = test::tcp(t, kLocal, kTarget);
  Bytes ip = test::ipv4(
      {.src = kLocal, .dst = kTarget, .protocol = protocol, .ttl = 63, .options = std::move(ip_options)},
      segment);
  ip.resize(ip.size() - segment.size() + quote_tcp_bytes);
  return ip;
}

Bytes icmp_reply(std::uint8_t type, std::uint8_t code, const Bytes& quote, Bytes ip_options = {}) {
  return test::ipv4(
      {.src = kRouter, .dst = kLocal, .protocol = 1, .ttl = 250, .options = std::move(ip_options)},
      test::icmp(type, code, quote));
}

const Reply kSynAck{.kind = ReplyKind::syn_ack,
                    .target_ip = IpAddress::v4(kTarget),
                    .target_port = kTargetPort,
                    .local_ip = IpAddress::v4(kLocal),
                    .local_port = kLocalPort,
                    .cookie_echo = kCookie,
                    .ttl = 57,
                    .window = 64240,
                    .icmp_code = 0,
                    .tcp_flags = kTcpSyn | kTcpAck};

// A SYN-ACK written out field by field, checksums computed independently (Python struct); not built by the
// test builder, so it checks the builder as well as the parser.
const Bytes kLiteralSynAck{
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x00,  // Ethernet, IPv4
    0x45, 0x00, 0x00, 0x2c, 0x12, 0x34, 0x40, 0x00, 0x39, 0x06, 0xa2, 0x68,              // IPv4: len 44, DF,
    0xc6, 0x12, 0x01, 0x0a, 0xc6, 0x12, 0x00, 0x01,                                      // TTL 57, TCP
    0x00, 0x50, 0x9c, 0x40, 0x11, 0x22, 0x33, 0x44, 0xa1, 0xb2, 0xc3, 0xd5,              // 80 -> 40000, ack
    0x60, 0x12, 0xfa, 0xf0, 0xc9, 0x76, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4};             // SYN|ACK, MSS 1460

TEST(ReplyParser, LiteralSynAckFrame) {
  EXPECT_EQ(parse(kLiteralSynAck), kSynAck);
  EXPECT_EQ(test::ethernet(tcp_reply(kTcpSyn | kTcpAck, kCookie + 1, {}, {2, 4, 0x05, 0xb4})),
            kLiteralSynAck);
}

TEST(ReplyParser, SynAckGivesEveryField) {
  EXPECT_EQ(parse(test::ethernet(tcp_reply(kTcpSyn | kTcpAck))), kSynAck);
}

TEST(ReplyParser, CookieEchoWrapsModulo2To32) {
  const auto r = parse(test::ethernet(tcp_reply(kTcpSyn | kTcpAck, /*ack=*/0)));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->cookie_echo, 0xFFFFFFFFu);
}

TEST(ReplyParser, RstAckIsRst) {
  const auto r = parse(test::ethernet(tcp_reply(kTcpRst | kTcpAck)));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, ReplyKind::rst);
  EXPECT_EQ(r->cookie_echo, kCookie);
  EXPECT_EQ(r->tcp_flags, kTcpRst | kTcpAck);
}

TEST(ReplyParser, OtherTcpFlagCombinationsAreIgnored) {
  for (std::uint8_t flags :
       {std::uint8_t{kTcpRst}, std::uint8_t{kTcpSyn}, std::uint8_t{kTcpAck}, std::uint8_t{kTcpFin | kTcpAck},
        std::uint8_t{kTcpPsh | kTcpAck}, std::uint8_t{0}}) {
    EXPECT_FALSE(parse(test::ethernet(tcp_reply(flags)))) << "flags " << int{flags};
  }
  // RST wins over SYN: a segment with both is not an acceptance of the connection.
  const auto r = parse(test::ethernet(tcp_reply(kTcpSyn | kTcpAck | kTcpRst)));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, ReplyKind::rst);
  // ECN bits and PSH/FIN alongside SYN+ACK do not change the verdict.
  const auto ecn = parse(test::ethernet(tcp_reply(0x40 | kTcpSyn | kTcpAck)));
  ASSERT_TRUE(ecn);
  EXPECT_EQ(ecn->kind, ReplyKind::syn_ack);
}

TEST(ReplyParser, IcmpUnreachableQuotingProbe) {
  for (std::uint8_t code : std::initializer_list<std::uint8_t>{0, 1, 2, 3, 9, 10, 13}) {
    const auto r = parse(test::ethernet(icmp_reply(3, code, quoted_probe())));
    ASSERT_TRUE(r) << "code " << int{code};
    EXPECT_EQ(*r, (Reply{.kind = ReplyKind::icmp_unreach,
                         .target_ip = IpAddress::v4(kTarget),
                         .target_port = kTargetPort,
                         .local_ip = IpAddress::v4(kLocal),
                         .local_port = kLocalPort,
                         .cookie_echo = kCookie,
                         .ttl = 250,
                         .window = 0,
                         .icmp_code = code,
                         .tcp_flags = 0}));
  }
}

TEST(ReplyParser, IcmpCodesThatSayNothingAboutFilteringAreIgnored) {
  for (std::uint8_t code : std::initializer_list<std::uint8_t>{4, 5, 6, 7, 8, 11, 12, 14, 15, 255}) {
    EXPECT_FALSE(parse(test::ethernet(icmp_reply(3, code, quoted_probe())))) << "code " << int{code};
  }
  for (std::uint8_t type : std::initializer_list<std::uint8_t>{0, 4, 5, 8, 11, 12}) {
    EXPECT_FALSE(parse(test::ethernet(icmp_reply(type, 0, quoted_probe())))) << "type " << int{type};
  }
}

TEST(ReplyParser, IcmpQuoteMustHoldTcpPortsAndSequence) {
  EXPECT_TRUE(parse(test::ethernet(icmp_reply(3, 3, quoted_probe(8)))));
  EXPECT_TRUE(parse(test::ethernet(icmp_reply(3, 3, quoted_probe(20)))));  // full header quoted (RFC 1812)
  EXPECT_FALSE(parse(test::ethernet(icmp_reply(3, 3, quoted_probe(7)))));
  EXPECT_FALSE(parse(test::ethernet(icmp_reply(3, 3, quoted_probe(0)))));
  EXPECT_FALSE(parse(test::ethernet(icmp_reply(3, 3, quoted_probe(8, {}, /*protocol=*/17)))));
  Bytes quote = quoted_probe();
  quote[6] = 0x00;
  quote[7] = 0x10;  // quoted datagram is a non-first fragment: no TCP header to read
  EXPECT_FALSE(parse(test::ethernet(icmp_reply(3, 3, quote))));
  quote = quoted_probe();
  quote[0] = 0x44;  // quoted IHL 4
  EXPECT_FALSE(parse(test::ethernet(icmp_reply(3, 3, quote))));
}

TEST(ReplyParser, IpOptionsInReplyAndInQuote) {
  const auto tcp =
      parse(test::ethernet(tcp_reply(kTcpSyn | kTcpAck, kCookie + 1, test::ip_options_record_route())));
  EXPECT_EQ(tcp, kSynAck);
  Bytes max_options(40, 1);  // 40 NOPs: IHL 15
  EXPECT_EQ(parse(test::ethernet(tcp_reply(kTcpSyn | kTcpAck, kCookie + 1, max_options))), kSynAck);

  const auto icmp = parse(test::ethernet(
      icmp_reply(3, 13, quoted_probe(8, test::ip_options_record_route()), test::ip_options_record_route())));
  ASSERT_TRUE(icmp);
  EXPECT_EQ(icmp->target_ip, IpAddress::v4(kTarget));
  EXPECT_EQ(icmp->target_port, kTargetPort);
  EXPECT_EQ(icmp->local_port, kLocalPort);
  EXPECT_EQ(icmp->cookie_echo, kCookie);
  EXPECT_EQ(icmp->icmp_code, 13);
}

TEST(ReplyParser, TcpOptionsAndDataOffset) {
  Bytes options{2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 1, 1};  // MSS, NOP, window scale, SACK permitted, NOP NOP
  EXPECT_EQ(parse(test::ethernet(tcp_reply(kTcpSyn | kTcpAck, kCookie + 1, {}, options))), kSynAck);

  // The header facts: IP ID, the option kinds in order, MSS, window scale.
  const auto full = parse_full(test::ethernet(tcp_reply(kTcpSyn | kTcpAck, kCookie + 1, {}, options)));
  ASSERT_TRUE(full);
  EXPECT_EQ(full->ip_id, 0x1234);
  EXPECT_EQ(options_text(full->options.layout), "mss,nop,ws,sok,nop,nop");
  EXPECT_EQ(full->options.mss, 1460);
  EXPECT_EQ(full->options.wscale, 7);
  EXPECT_FALSE(full->options.has_timestamps);

  Bytes datagram = tcp_reply(kTcpSyn | kTcpAck);
  datagram[20 + 12] = 0x40;  // data offset 4 < 5
  EXPECT_FALSE(parse(test::ethernet(datagram)));
  datagram[20 + 12] = 0x60;  // data offset 6: 24 bytes, but the segment holds 20
  EXPECT_FALSE(parse(test::ethernet(datagram)));
  // ... and Ethernet padding after the datagram does not count as segment bytes.
  Bytes padded = test::ethernet(datagram);
  padded.resize(60, 0);
  EXPECT_FALSE(parse(padded));
}

TEST(ReplyParser, EthernetPaddingIsIgnored) {
  Bytes frame = test::ethernet(tcp_reply(kTcpRst | kTcpAck));  // 54 bytes
  frame.resize(60, 0xEE);
  const auto r = parse(frame);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, ReplyKind::rst);
}

TEST(ReplyParser, Ipv4HeaderChecks) {
  const Bytes good = tcp_reply(kTcpSyn | kTcpAck);
  Bytes b = good;
  b[0] = 0x65;  // version 6: read as IPv6, which this is not
  EXPECT_FALSE(parse(b, LinkType::raw_ip));
  b[0] = 0x55;  // version 5
  EXPECT_FALSE(parse(b, LinkType::raw_ip));
  b = good;
  b[0] = 0x44;  // IHL 4
  EXPECT_FALSE(parse(b, LinkType::raw_ip));
  b = good;
  b[0] = 0x4F;  // IHL 15: 60 header bytes, more than total length 40
  EXPECT_FALSE(parse(b, LinkType::raw_ip));
  b = good;
  test::set16(b, 2, 41);  // total length one past the frame
  EXPECT_FALSE(parse(b, LinkType::raw_ip));
  test::set16(b, 2, 19);  // total length below the header
  EXPECT_FALSE(parse(b, LinkType::raw_ip));
  b = good;
  b[9] = 17;  // UDP
  EXPECT_FALSE(parse(b, LinkType::raw_ip));
}

TEST(ReplyParser, FragmentsOnlyFirstOneCounts) {
  Bytes b = tcp_reply(kTcpSyn | kTcpAck);
  test::set16(b, 6, 0x2000);  // MF set, offset 0: the first fragment holds the TCP header
  EXPECT_EQ(parse(b, LinkType::raw_ip), kSynAck);
  test::set16(b, 6, 0x0001);  // offset 8 bytes
  EXPECT_FALSE(parse(b, LinkType::raw_ip));
  test::set16(b, 6, 0x1fff);
  EXPECT_FALSE(parse(b, LinkType::raw_ip));
}

TEST(ReplyParser, VlanTags) {
  const Bytes d = tcp_reply(kTcpSyn | kTcpAck);
  EXPECT_EQ(parse(test::ethernet(d, 0x0800, {{0x8100, 10}})), kSynAck);
  EXPECT_EQ(parse(test::ethernet(d, 0x0800, {{0x88a8, 100}, {0x8100, 10}})), kSynAck);
  EXPECT_EQ(parse(test::ethernet(d, 0x0800, {{0x8100, 1}, {0x8100, 2}, {0x8100, 3}, {0x8100, 4}})), kSynAck);
  EXPECT_FALSE(
      parse(test::ethernet(d, 0x0800, {{0x8100, 1}, {0x8100, 2}, {0x8100, 3}, {0x8100, 4}, {0x8100, 5}})));
  EXPECT_FALSE(parse(test::ethernet(d, 0x86dd, {{0x8100, 10}})));  // IPv6 ethertype, IPv4 packet
}

TEST(ReplyParser, OtherEthertypesAreIgnored) {
  const Bytes d = tcp_reply(kTcpSyn | kTcpAck);
  // 0x86dd: an IPv4 packet under the IPv6 ethertype (the version nibble must agree).
  for (std::uint16_t type : std::initializer_list<std::uint16_t>{0x0806, 0x86dd, 0x8847, 0x0000}) {
    EXPECT_FALSE(parse(test::ethernet(d, type))) << std::hex << type;
  }
}

TEST(ReplyParser, CookedAndRawFraming) {
  const Bytes d = tcp_reply(kTcpSyn | kTcpAck);
  EXPECT_EQ(parse(test::sll(d), LinkType::linux_sll), kSynAck);
  EXPECT_EQ(parse(test::sll2(d), LinkType::linux_sll2), kSynAck);
  EXPECT_EQ(parse(d, LinkType::raw_ip), kSynAck);
  EXPECT_FALSE(parse(test::sll(d, 0x86dd), LinkType::linux_sll));
  EXPECT_FALSE(parse(test::sll2(d, 0x0806), LinkType::linux_sll2));
  // The same bytes read with the wrong framing are not mistaken for a reply.
  EXPECT_FALSE(parse(test::sll(d), LinkType::ethernet));
  EXPECT_FALSE(parse(test::ethernet(d), LinkType::linux_sll2));
  EXPECT_FALSE(parse(test::ethernet(d), LinkType::raw_ip));
  const Bytes icmp = icmp_reply(3, 1, quoted_probe());
  const auto r = parse(test::sll2(icmp), LinkType::linux_sll2);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, ReplyKind::icmp_unreach);
  EXPECT_EQ(r->icmp_code, 1);
}

struct Golden {
  const char* name;
  Bytes frame;
  LinkType link;
};

// Cutting a frame anywhere inside its IPv4 datagram must give nullopt, never a crash or a read past the end;
// each prefix is copied to an exactly sized buffer so that AddressSanitizer builds catch any overread.
TEST(ReplyParser, TruncatedAtEveryLength) {
  const std::vector<Golden> goldens{
      {"ethernet syn-ack", test::ethernet(tcp_reply(kTcpSyn | kTcpAck)), LinkType::ethernet},
      {"qinq rst+options",
       test::ethernet(
           tcp_reply(kTcpRst | kTcpAck, kCookie + 1, test::ip_options_record_route(), {2, 4, 5, 0xb4}),
           0x0800, {{0x88a8, 7}, {0x8100, 8}}),
       LinkType::ethernet},
      {"sll icmp", test::sll(icmp_reply(3, 3, quoted_probe(8, test::ip_options_record_route()))),
       LinkType::linux_sll},
      {"sll2 icmp", test::sll2(icmp_reply(3, 10, quoted_probe(20), test::ip_options_record_route())),
       LinkType::linux_sll2},
      {"raw syn-ack", tcp_reply(kTcpSyn | kTcpAck), LinkType::raw_ip},
  };
  for (const auto& g : goldens) {
    const auto full = parse(g.frame, g.link);
    ASSERT_TRUE(full) << g.name;
    for (std::size_t n = 0; n < g.frame.size(); ++n) {
      const Bytes prefix(g.frame.begin(), g.frame.begin() + static_cast<std::ptrdiff_t>(n));
      EXPECT_FALSE(parse(prefix, g.link)) << g.name << " cut at " << n;
    }
  }
}

}  // namespace
}  // namespace synscan
