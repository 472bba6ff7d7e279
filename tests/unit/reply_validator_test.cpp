// ReplyValidator: a reply counts only if it answers one of our probes (addresses, ports, space and SYN
// cookie). Frames are built byte by byte, parsed with parse_reply, then validated, as the receive path does.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <vector>

#include "engine/port_set.hpp"
#include "engine/probes/tcp_validator.hpp"
#include "engine/target_parse.hpp"
#include "tests/unit/frame_builder.hpp"

namespace synscan {
namespace {

using test::Bytes;

constexpr Ipv4 kLocal = 0xC6120001;   // 198.18.0.1
constexpr Ipv4 kRouter = 0xC61200FE;  // 198.18.0.254
constexpr Ipv4 kTarget = 0xC612010A;  // 198.18.1.10, in the space
constexpr std::uint16_t kPortFirst = 40000;
constexpr std::uint16_t kPortLast = 40015;
constexpr CookieKey kKey{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};

/// What these tests assert of a Result: which probe, its state and the reason.
struct Verdict {
  ProbeIndex index;
  PortState state;
  Reason reason;
  friend bool operator==(const Verdict&, const Verdict&) = default;
};

ProbeSpace make_space() {
  AddressRanges include;
  AddressRanges exclude;
  parse_target_list("198.18.1.0/28, 198.18.2.7", include);
  parse_target_list("198.18.1.5", exclude);
  return ProbeSpace(TargetSet(include, exclude), PortSet(parse_port_list("22,80,443")));
}

class ReplyValidatorTest : public ::testing::Test {
 protected:
  const ProbeSpace space_ = make_space();
  const SynCookie cookie_{kKey};
  const ReplyValidator validator_{space_,       cookie_,    IpAddress::v4(kLocal),
                                  std::nullopt, kPortFirst, kPortLast};

  /// The cookie our sender put in the probe local:local_port -> target:target_port.
  std::uint32_t cookie(Ipv4 target, std::uint16_t target_port, std::uint16_t local_port = kPortFirst,
                       Ipv4 local = kLocal) const {
    return cookie_(local, target, local_port, target_port);
  }

  /// The target's TCP answer, as an Ethernet frame, parsed and validated.
  std::optional<Verdict> tcp_answer(std::uint8_t flags, Ipv4 target, std::uint16_t target_port,
                                    std::uint32_t ack, std::uint16_t local_port = kPortFirst,
                                    Ipv4 local = kLocal) const {
    const test::TcpFields t{.src_port = target_port,
                            .dst_port = local_port,
                            .seq = 77,
                            .ack = ack,
                            .flags = flags,
                            .window = 29200,
                            .options = {}};
    return check(
        test::ethernet(test::ipv4({.src = target, .dst = local, .protocol = 6, .ttl = 60, .options = {}},
                                  test::tcp(t, target, local))));
  }

  /// A router's ICMP destination unreachable quoting a probe with sequence number `seq`.
  std::optional<Verdict> icmp_answer(std::uint8_t code, Ipv4 target, std::uint16_t target_port,
                                     std::uint32_t seq, std::uint16_t local_port = kPortFirst,
                                     Ipv4 local = kLocal) const {
    const test::TcpFields t{.src_port = local_port,
                            .dst_port = target_port,
                            .seq = seq,
                            .flags = kTcpSyn,
                            .window = 1024,
                            .options = {}};
    Bytes quote = test::ipv4({.src = local, .dst = target, .protocol = 6, .ttl = 3, .options = {}},
                             test::tcp(t, local, target));
    quote.resize(28);  // IPv4 header + the 8 TCP bytes RFC 792 guarantees
    return check(
        test::ethernet(test::ipv4({.src = kRouter, .dst = local, .protocol = 1, .ttl = 250, .options = {}},
                                  test::icmp(3, code, quote))));
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
    return Verdict{r->index, r->state, r->reason};
  }

  ProbeIndex index(Ipv4 target, std::uint16_t port) const {
    return space_.index_of(IpAddress::v4(target), 0, port).value();
  }
};

TEST_F(ReplyValidatorTest, SynAckIsOpen) {
  EXPECT_EQ(tcp_answer(kTcpSyn | kTcpAck, kTarget, 80, cookie(kTarget, 80) + 1),
            (Verdict{index(kTarget, 80), PortState::open, tcp_reason::syn_ack}));
}

TEST_F(ReplyValidatorTest, RstAckIsClosed) {
  EXPECT_EQ(tcp_answer(kTcpRst | kTcpAck, kTarget, 443, cookie(kTarget, 443) + 1),
            (Verdict{index(kTarget, 443), PortState::closed, tcp_reason::rst}));
}

TEST_F(ReplyValidatorTest, IcmpQuotingOurProbeIsFiltered) {
  for (std::uint8_t code : std::initializer_list<std::uint8_t>{0, 1, 2, 3, 9, 10, 13}) {
    EXPECT_EQ(icmp_answer(code, kTarget, 22, cookie(kTarget, 22)),
              (Verdict{index(kTarget, 22), PortState::filtered, tcp_reason::icmp_unreach}))
        << "code " << int{code};
  }
}

TEST_F(ReplyValidatorTest, IcmpQuotingSomeoneElsesProbeIsRejected) {
  EXPECT_FALSE(icmp_answer(3, kTarget, 22, cookie(kTarget, 22) ^ 1));              // wrong cookie
  EXPECT_FALSE(icmp_answer(3, kTarget, 22, cookie(kTarget, 80)));                  // cookie of another port
  EXPECT_FALSE(icmp_answer(3, kTarget, 22, cookie(kTarget, 22, kPortFirst + 1)));  // another source port
  EXPECT_FALSE(icmp_answer(3, kTarget, 22, cookie(kTarget, 22) + 1));  // an ACK-style echo is not a quote
  EXPECT_FALSE(icmp_answer(3, kTarget, 8080, cookie(kTarget, 8080)));  // port not in the space
  EXPECT_FALSE(icmp_answer(3, kTarget, 22, cookie(kTarget, 22, 12345), 12345));  // not our port
  EXPECT_FALSE(icmp_answer(3, kTarget, 22, cookie(kTarget, 22, kPortFirst, kRouter), kPortFirst, kRouter));
}

TEST_F(ReplyValidatorTest, WrongAckIsRejected) {
  const std::uint32_t c = cookie(kTarget, 80);
  EXPECT_FALSE(tcp_answer(kTcpSyn | kTcpAck, kTarget, 80, c));  // ack = ISN, not ISN + 1
  EXPECT_FALSE(tcp_answer(kTcpSyn | kTcpAck, kTarget, 80, c + 2));
  EXPECT_FALSE(tcp_answer(kTcpSyn | kTcpAck, kTarget, 80, 0));
  EXPECT_FALSE(tcp_answer(kTcpRst | kTcpAck, kTarget, 80, c ^ 0x80000000u));
  // The cookie of a different target, replayed from this target.
  EXPECT_FALSE(tcp_answer(kTcpSyn | kTcpAck, kTarget, 80, cookie(kTarget + 1, 80) + 1));
}

TEST_F(ReplyValidatorTest, TargetOutsideSpaceIsRejectedEvenWithMatchingCookie) {
  for (Ipv4 outsider : {Ipv4{0xC6120105}, Ipv4{0xC6120110}, Ipv4{0xC6120206}, Ipv4{0xC6120208}}) {
    EXPECT_FALSE(tcp_answer(kTcpSyn | kTcpAck, outsider, 80, cookie(outsider, 80) + 1))
        << std::hex << outsider;
  }
  EXPECT_FALSE(tcp_answer(kTcpSyn | kTcpAck, kTarget, 81, cookie(kTarget, 81) + 1));  // port not in the space
  EXPECT_TRUE(tcp_answer(kTcpSyn | kTcpAck, 0xC6120207, 80, cookie(0xC6120207, 80) + 1));  // the single host
}

TEST_F(ReplyValidatorTest, LocalPortMustBeInSourceRange) {
  EXPECT_TRUE(tcp_answer(kTcpSyn | kTcpAck, kTarget, 80, cookie(kTarget, 80, kPortFirst) + 1, kPortFirst));
  EXPECT_TRUE(tcp_answer(kTcpSyn | kTcpAck, kTarget, 80, cookie(kTarget, 80, kPortLast) + 1, kPortLast));
  for (std::uint16_t port :
       {std::uint16_t{kPortFirst - 1}, std::uint16_t{kPortLast + 1}, std::uint16_t{80}}) {
    EXPECT_FALSE(tcp_answer(kTcpSyn | kTcpAck, kTarget, 80, cookie(kTarget, 80, port) + 1, port)) << port;
  }
}

TEST_F(ReplyValidatorTest, LocalIpMustBeOurs) {
  const Ipv4 other = kLocal + 1;
  EXPECT_FALSE(tcp_answer(kTcpSyn | kTcpAck, kTarget, 80, cookie(kTarget, 80, kPortFirst, other) + 1,
                          kPortFirst, other));
}

TEST_F(ReplyValidatorTest, EveryProbeOfTheSpaceMapsBackToItsIndex) {
  for (ProbeIndex i = 0; i < space_.size(); ++i) {
    const Probe p = space_.at(i);
    const auto local_port = static_cast<std::uint16_t>(kPortFirst + i % (kPortLast - kPortFirst + 1));
    const auto v = tcp_answer(kTcpSyn | kTcpAck, p.ip.ipv4(), p.port,
                              cookie(p.ip.ipv4(), p.port, local_port) + 1, local_port);
    ASSERT_TRUE(v) << "index " << i;
    EXPECT_EQ(v->index, i);
  }
}

TEST(ReplyValidator, EmptySourcePortRangeThrows) {
  const ProbeSpace space = make_space();
  EXPECT_THROW(ReplyValidator(space, SynCookie(kKey), IpAddress::v4(kLocal), std::nullopt, 2, 1),
               std::invalid_argument);
  EXPECT_NO_THROW(ReplyValidator(space, SynCookie(kKey), IpAddress::v4(kLocal), std::nullopt, 7, 7));
}

}  // namespace
}  // namespace synscan
