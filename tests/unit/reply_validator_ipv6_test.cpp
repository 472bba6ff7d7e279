// ReplyValidator over a mixed IPv4 + IPv6 probe space: an IPv6 reply counts only if it answers one of our
// IPv6 probes (our IPv6 address and port range, a target in the space, the 36-byte SYN cookie of its tuple),
// and every probe of either family maps back to its index. Frames are built byte by byte, parsed with
// parse_reply, then validated, as the receive path does.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <stdexcept>

#include "engine/port_set.hpp"
#include "engine/probes/tcp_validator.hpp"
#include "engine/target_parse.hpp"
#include "tests/unit/frame_builder.hpp"

namespace synscan {
namespace {

using test::Bytes;

constexpr Ipv4 kLocal4 = 0xC6120001;                                  // 198.18.0.1
constexpr Ipv6 kLocal6 = make_ipv6(0x2001'0002'0000'0000ULL, 0x1);    // 2001:2::1
constexpr Ipv6 kRouter6 = make_ipv6(0x2001'0002'0000'0000ULL, 0xfe);  // 2001:2::fe
constexpr Ipv6 kTarget6 = make_ipv6(0x2001'0002'0000'0001ULL, 0xa);   // 2001:2:0:1::a, in the space
constexpr std::uint16_t kPortFirst = 40000;
constexpr std::uint16_t kPortLast = 40015;
constexpr CookieKey kKey{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};

struct Verdict {
  ProbeIndex index;
  PortState state;
  Reason reason;
  std::uint8_t ttl;
  std::uint8_t icmp_code;
  friend bool operator==(const Verdict&, const Verdict&) = default;
};

/// 198.18.1.0/28 and 198.18.2.7 without 198.18.1.5; 2001:2:0:1::/124 and 2001:2:0:2::7 without 2001:2:0:1::5;
/// ports 22, 80, 443: 16 IPv4 and 16 IPv6 targets, so IPv6 target indices are 16..31.
ProbeSpace make_space() {
  AddressRanges include;
  AddressRanges exclude;
  parse_target_list("198.18.1.0/28, 198.18.2.7, 2001:2:0:1::/124, 2001:2:0:2::7", include);
  parse_target_list("198.18.1.5 2001:2:0:1::5", exclude);
  return ProbeSpace(TargetSet(include, exclude), PortSet(parse_port_list("22,80,443")));
}

class ReplyValidatorIpv6 : public ::testing::Test {
 protected:
  const ProbeSpace space_ = make_space();
  const SynCookie cookie_{kKey};
  const ReplyValidator validator_{space_,     cookie_,  IpAddress::v4(kLocal4), IpAddress::v6(kLocal6),
                                  kPortFirst, kPortLast};

  std::uint32_t cookie(Ipv6 target, std::uint16_t target_port, std::uint16_t local_port = kPortFirst,
                       Ipv6 local = kLocal6) const {
    return cookie_.v6(local, target, local_port, target_port);
  }

  /// The target's TCP answer as an Ethernet frame.
  static Bytes tcp_frame(std::uint8_t flags, Ipv6 target, std::uint16_t target_port, std::uint32_t ack,
                         std::uint16_t local_port = kPortFirst, Ipv6 local = kLocal6) {
    const test::TcpFields t{.src_port = target_port,
                            .dst_port = local_port,
                            .seq = 77,
                            .ack = ack,
                            .flags = flags,
                            .window = 29200,
                            .options = {}};
    return test::ethernet(
        test::ipv6({.src = target, .dst = local, .next_header = 6, .hop_limit = 60, .extensions = {}},
                   test::tcp6(t, target, local)),
        0x86dd);
  }

  /// A router's ICMPv6 destination unreachable quoting a probe with sequence number `seq`.
  static Bytes icmp_frame(std::uint8_t code, Ipv6 target, std::uint16_t target_port, std::uint32_t seq,
                          std::uint16_t local_port = kPortFirst, Ipv6 local = kLocal6) {
    const test::TcpFields t{.src_port = local_port,
                            .dst_port = target_port,
                            .seq = seq,
                            .flags = kTcpSyn,
                            .window = 1024,
                            .options = {}};
    const Bytes probe =
        test::ipv6({.src = local, .dst = target, .next_header = 6, .hop_limit = 3, .extensions = {}},
                   test::tcp6(t, local, target));
    return test::ethernet(
        test::ipv6({.src = kRouter6, .dst = local, .next_header = 58, .hop_limit = 250, .extensions = {}},
                   test::icmpv6(1, code, probe, kRouter6, local)),
        0x86dd);
  }

  std::optional<Verdict> check(const Bytes& frame) const {
    const auto reply =
        parse_reply(std::span<const std::uint8_t>(frame.data(), frame.size()), LinkType::ethernet);
    if (!reply) {
      ADD_FAILURE() << "frame did not parse";
      return std::nullopt;
    }
    const std::optional<Result> r = validator_.validate(*reply);
    if (!r) return std::nullopt;
    EXPECT_EQ(r->ip, reply->target_ip);
    EXPECT_EQ(r->port, reply->target_port);
    return Verdict{r->index, r->state, r->reason, r->ttl, r->icmp_code};
  }

  ProbeIndex index(Ipv6 target, std::uint16_t port) const {
    return space_.index_of(IpAddress::v6(target), 0, port).value();
  }
};

TEST_F(ReplyValidatorIpv6, SynAckIsOpenRstIsClosed) {
  EXPECT_EQ(check(tcp_frame(kTcpSyn | kTcpAck, kTarget6, 80, cookie(kTarget6, 80) + 1)),
            (Verdict{index(kTarget6, 80), PortState::open, tcp_reason::syn_ack, 60, 0}));
  EXPECT_EQ(check(tcp_frame(kTcpRst | kTcpAck, kTarget6, 443, cookie(kTarget6, 443) + 1)),
            (Verdict{index(kTarget6, 443), PortState::closed, tcp_reason::rst, 60, 0}));
  EXPECT_GE(index(kTarget6, 80) % space_.targets().size(), space_.targets().v4_size());  // an IPv6 index
}

TEST_F(ReplyValidatorIpv6, Icmpv6UnreachableIsFilteredWithItsCode) {
  for (std::uint8_t code = 0; code <= 6; ++code) {
    EXPECT_EQ(check(icmp_frame(code, kTarget6, 22, cookie(kTarget6, 22))),
              (Verdict{index(kTarget6, 22), PortState::filtered, tcp_reason::icmp_unreach, 250, code}))
        << "code " << int{code};
  }
}

TEST_F(ReplyValidatorIpv6, WrongLocalAddressPortOrCookieIsRejected) {
  const Ipv6 other = kLocal6 + 1;
  EXPECT_FALSE(check(tcp_frame(kTcpSyn | kTcpAck, kTarget6, 80, cookie(kTarget6, 80, kPortFirst, other) + 1,
                               kPortFirst, other)));
  for (std::uint16_t port : {std::uint16_t{kPortFirst - 1}, std::uint16_t{kPortLast + 1}}) {
    EXPECT_FALSE(check(tcp_frame(kTcpSyn | kTcpAck, kTarget6, 80, cookie(kTarget6, 80, port) + 1, port)));
  }
  EXPECT_TRUE(
      check(tcp_frame(kTcpSyn | kTcpAck, kTarget6, 80, cookie(kTarget6, 80, kPortLast) + 1, kPortLast)));
  EXPECT_FALSE(check(tcp_frame(kTcpSyn | kTcpAck, kTarget6, 80, cookie(kTarget6, 80))));  // ack = ISN
  EXPECT_FALSE(check(tcp_frame(kTcpSyn | kTcpAck, kTarget6, 80, cookie(kTarget6, 443) + 1)));
  EXPECT_FALSE(check(tcp_frame(kTcpSyn | kTcpAck, kTarget6, 80, cookie(kTarget6 + 1, 80) + 1)));
  // The IPv4 cookie of the tuple's low 32 bits is not the IPv6 one.
  const std::uint32_t v4_style =
      cookie_(static_cast<Ipv4>(kLocal6), static_cast<Ipv4>(kTarget6), kPortFirst, 80);
  EXPECT_FALSE(check(tcp_frame(kTcpSyn | kTcpAck, kTarget6, 80, v4_style + 1)));
  EXPECT_FALSE(check(icmp_frame(1, kTarget6, 22, cookie(kTarget6, 22) ^ 1)));
  EXPECT_FALSE(
      check(icmp_frame(1, kTarget6, 22, cookie(kTarget6, 22, kPortFirst, kRouter6), kPortFirst, kRouter6)));
}

TEST_F(ReplyValidatorIpv6, TargetOutsideTheSpaceIsRejectedEvenWithItsCookie) {
  const Ipv6 excluded = make_ipv6(0x2001'0002'0000'0001ULL, 0x5);
  const Ipv6 past_block = make_ipv6(0x2001'0002'0000'0001ULL, 0x10);
  for (Ipv6 outsider : {excluded, past_block}) {
    EXPECT_FALSE(check(tcp_frame(kTcpSyn | kTcpAck, outsider, 80, cookie(outsider, 80) + 1)));
  }
  EXPECT_FALSE(
      check(tcp_frame(kTcpSyn | kTcpAck, kTarget6, 81, cookie(kTarget6, 81) + 1)));  // port not in it
  // 198.18.1.10 is in the space as IPv4; as the IPv4-mapped IPv6 address it is not.
  const Ipv6 mapped = kIpv4MappedPrefix | 0xC612010AU;
  EXPECT_FALSE(check(tcp_frame(kTcpSyn | kTcpAck, mapped, 80, cookie(mapped, 80) + 1)));
}

TEST_F(ReplyValidatorIpv6, FamilyMismatchesAreRejected) {
  // A Reply built by hand (no parser gives one) with an IPv6 target and our IPv4 address, and the reverse,
  // each with the cookie its local family would compute. The addresses' low 32 bits are 198.18.1.10, an IPv4
  // target of the space, so only the family tells them apart.
  const Ipv6 low_bits_in_space = make_ipv6(0x2001'0002'0000'0001ULL, 0xC612010A);
  Reply r{.kind = ReplyKind::syn_ack,
          .target_ip = IpAddress::v6(low_bits_in_space),
          .target_port = 80,
          .local_ip = IpAddress::v4(kLocal4),
          .local_port = kPortFirst,
          .cookie_echo = cookie_(kLocal4, 0xC612010A, kPortFirst, 80),
          .ttl = 64,
          .window = 1,
          .icmp_code = 0,
          .tcp_flags = kTcpSyn | kTcpAck};
  EXPECT_FALSE(validator_.validate(r));
  r.target_ip = IpAddress::v4(0xC612010A);
  r.local_ip = IpAddress::v6(kLocal6);
  r.cookie_echo = cookie_.v6(kLocal6, 0xC612010A, kPortFirst, 80);
  EXPECT_FALSE(validator_.validate(r));
  // The same reply with matching families passes: the rejections above are the families' doing.
  r.target_ip = IpAddress::v6(kTarget6);
  r.cookie_echo = cookie(kTarget6, 80);
  EXPECT_TRUE(validator_.validate(r));
}

TEST_F(ReplyValidatorIpv6, AScanWithoutAnIpv6SourceTakesNoIpv6Reply) {
  const ReplyValidator v4_only(space_, cookie_, IpAddress::v4(kLocal4), std::nullopt, kPortFirst, kPortLast);
  const Bytes frame = tcp_frame(kTcpSyn | kTcpAck, kTarget6, 80, cookie(kTarget6, 80) + 1);
  const auto reply =
      parse_reply(std::span<const std::uint8_t>(frame.data(), frame.size()), LinkType::ethernet);
  ASSERT_TRUE(reply);
  EXPECT_TRUE(validator_.validate(*reply));
  EXPECT_FALSE(v4_only.validate(*reply));
  const ReplyValidator v6_only(space_, cookie_, std::nullopt, IpAddress::v6(kLocal6), kPortFirst, kPortLast);
  EXPECT_TRUE(v6_only.validate(*reply));
}

TEST_F(ReplyValidatorIpv6, EveryProbeOfTheMixedSpaceMapsBackToItsIndex) {
  std::uint64_t v6_probes = 0;
  for (ProbeIndex i = 0; i < space_.size(); ++i) {
    const Probe p = space_.at(i);
    const auto local_port = static_cast<std::uint16_t>(kPortFirst + i % (kPortLast - kPortFirst + 1));
    Bytes frame;
    if (p.ip.is_v6()) {
      ++v6_probes;
      frame = (i % 2)
                  ? tcp_frame(kTcpRst | kTcpAck, p.ip.ipv6(), p.port,
                              cookie(p.ip.ipv6(), p.port, local_port) + 1, local_port)
                  : icmp_frame(4, p.ip.ipv6(), p.port, cookie(p.ip.ipv6(), p.port, local_port), local_port);
    } else {
      const Ipv4 target = p.ip.ipv4();
      const test::TcpFields t{.src_port = p.port,
                              .dst_port = local_port,
                              .seq = 1,
                              .ack = cookie_(kLocal4, target, local_port, p.port) + 1,
                              .flags = kTcpSyn | kTcpAck,
                              .window = 1,
                              .options = {}};
      frame =
          test::ethernet(test::ipv4({.src = target, .dst = kLocal4, .protocol = 6, .ttl = 60, .options = {}},
                                    test::tcp(t, target, kLocal4)));
    }
    const auto v = check(frame);
    ASSERT_TRUE(v) << "index " << i;
    EXPECT_EQ(v->index, i);
  }
  EXPECT_EQ(v6_probes, 16u * 3u);
}

TEST(ReplyValidatorIpv6Setup, LocalAddressesMustBeOfTheirFamily) {
  const ProbeSpace space = make_space();
  EXPECT_THROW(ReplyValidator(space, SynCookie(kKey), IpAddress::v6(kLocal6), std::nullopt, 1, 2),
               std::invalid_argument);
  EXPECT_THROW(ReplyValidator(space, SynCookie(kKey), std::nullopt, IpAddress::v4(kLocal4), 1, 2),
               std::invalid_argument);
  EXPECT_NO_THROW(
      ReplyValidator(space, SynCookie(kKey), IpAddress::v4(kLocal4), IpAddress::v6(kLocal6), 1, 2));
}

}  // namespace
}  // namespace synscan
