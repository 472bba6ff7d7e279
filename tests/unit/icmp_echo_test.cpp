// The ICMP echo module (engine/probes/icmp_echo.hpp) over IPv4 and IPv6 targets: crafted requests carry the
// keyed cookie as identifier and sequence number with a valid checksum (ICMPv6's over the pseudo-header,
// computed here independently), an echo reply echoing it is "up", and replies or unreachables that do not
// prove our request are refused.
#include "engine/probes/icmp_echo.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "engine/packet.hpp"
#include "engine/probe_space.hpp"
#include "tests/unit/frame_builder.hpp"
#include "tests/unit/probe_fixture.hpp"

namespace synscan {
namespace {

using namespace probe_fixture;

ProbeSpace echo_space() {
  AddressRanges targets({{0xC6120100, 0xC6120103}},  // 198.18.1.0-3
                        {{make_ipv6(0x2001'0db8'0000'0000ULL, 1), make_ipv6(0x2001'0db8'0000'0000ULL, 2)}});
  return ProbeSpace(TargetSet(targets), std::vector<ProtocolPorts>{{2, PortSet({0})}});
}

// An ICMP echo message (type, code 0, checksum, identifier + sequence = `idseq`, `data`); for IPv6 the
// checksum covers the pseudo-header of (src, dst).
Bytes echo_message(std::uint8_t type, std::uint32_t idseq, const Bytes& data, const IpAddress& src,
                   const IpAddress& dst) {
  Bytes b{type, 0, 0, 0};
  test::put32(b, idseq);
  test::append(b, data);
  std::uint16_t sum = 0;
  if (src.is_v4()) {
    sum = test::inet_checksum(b);
  } else {
    Bytes all = test::ipv6_pseudo_header(src.ipv6(), dst.ipv6(), b.size(), 58);
    test::append(all, b);
    sum = test::inet_checksum(all);
  }
  test::set16(b, 2, sum);
  return b;
}

// An IP packet in Ethernet from `src` to `dst` carrying the ICMP / ICMPv6 message `icmp`.
Bytes frame(const IpAddress& src, const IpAddress& dst, const Bytes& icmp) {
  if (src.is_v4()) {
    test::Ipv4Fields ip;
    ip.src = src.ipv4();
    ip.dst = dst.ipv4();
    ip.protocol = 1;
    return test::ethernet(test::ipv4(ip, icmp));
  }
  test::Ipv6Fields ip;
  ip.src = src.ipv6();
  ip.dst = dst.ipv6();
  ip.next_header = 58;
  return test::ethernet(test::ipv6(ip, icmp), 0x86dd);
}

class IcmpEchoTest : public ::testing::Test {
 protected:
  ProbeSpace space = echo_space();
  ProbeSetup setup = setup_for(space);
  IcmpEchoModule m{setup, space.blocks().front()};

  static IpAddress local_of(const IpAddress& target) {
    return target.is_v4() ? IpAddress::v4(kLocal4) : IpAddress::v6(kLocal6);
  }
  Bytes craft(ProbeIndex index) const {
    Bytes out(m.frame_stride());
    std::uint16_t length = 0;
    m.craft_batch(&index, 1, out.data(), out.size(), &length);
    out.resize(length);
    return out;
  }
  std::optional<Result> classify(const Bytes& f) const {
    const std::optional<Packet> p = preprocess(f, LinkType::ethernet);
    if (!p) {
      ADD_FAILURE() << "the test's frame does not parse";
      return std::nullopt;
    }
    return m.classify(*p, 0, nullptr);
  }
};

TEST_F(IcmpEchoTest, RequestsCarryTheCookieWithAValidChecksum) {
  ASSERT_EQ(space.size(), 6u);
  for (ProbeIndex i = 0; i < space.size(); ++i) {
    SCOPED_TRACE(i);
    const IpAddress target = space.at(i).ip;
    const Bytes f = craft(i);
    const std::optional<Packet> p = preprocess(f, LinkType::ethernet);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->src(), local_of(target));
    EXPECT_EQ(p->dst(), target);
    EXPECT_EQ(p->protocol, target.is_v4() ? 1 : 58);
    EXPECT_EQ(p->icmp_type, target.is_v4() ? 8 : 128);
    ASSERT_GE(p->transport.size(), 8u);
    EXPECT_EQ(be32(p->transport.data() + 4), m.cookie(local_of(target), target));
    const Bytes msg(p->transport.begin(), p->transport.end());
    if (target.is_v4()) {
      EXPECT_EQ(test::inet_checksum(msg), 0) << "ICMP checksum";
    } else {
      Bytes all = test::ipv6_pseudo_header(kLocal6, target.ipv6(), msg.size(), 58);
      test::append(all, msg);
      EXPECT_EQ(test::inet_checksum(all), 0) << "ICMPv6 checksum";
    }
  }
  // Two targets' cookies differ (a keyed hash, not a constant).
  EXPECT_NE(m.cookie(IpAddress::v4(kLocal4), space.at(0).ip),
            m.cookie(IpAddress::v4(kLocal4), space.at(1).ip));
}

TEST_F(IcmpEchoTest, AnEchoReplyIsUpAndOthersAreRefused) {
  for (ProbeIndex i : {ProbeIndex{1}, ProbeIndex{5}}) {
    const IpAddress target = space.at(i).ip;
    SCOPED_TRACE(format_address(target));
    const IpAddress local = local_of(target);
    const std::uint32_t c = m.cookie(local, target);
    const std::uint8_t reply = target.is_v4() ? 0 : 129;
    const Bytes data{'p', 'i', 'n', 'g'};

    const std::optional<Result> up =
        classify(frame(target, local, echo_message(reply, c, data, target, local)));
    ASSERT_TRUE(up.has_value());
    EXPECT_EQ(up->index, i);
    EXPECT_EQ(up->ip, target);
    EXPECT_EQ(up->proto, 2);
    EXPECT_EQ(up->state, PortState::open);
    EXPECT_EQ(m.vocabulary().state_name(up->state), "up");
    EXPECT_EQ(up->reason, Reason{1});
    EXPECT_TRUE(up->answered);

    EXPECT_FALSE(classify(frame(target, local, echo_message(reply, c ^ 1, data, target, local))).has_value())
        << "wrong sequence";
    EXPECT_FALSE(
        classify(frame(target, local, echo_message(reply, c ^ 0x10000, data, target, local))).has_value())
        << "wrong identifier";
    const IpAddress stranger = target.is_v4() ? IpAddress::v4(0xC6120180)  // 198.18.1.128
                                              : IpAddress::v6(make_ipv6(0x2001'0db8'0000'0000ULL, 0x80));
    EXPECT_FALSE(classify(frame(stranger, local,
                                echo_message(reply, m.cookie(local, stranger), data, stranger, local)))
                     .has_value())
        << "from a non-target echoing its own cookie";
    const IpAddress other_local = target.is_v4() ? IpAddress::v4(kLocal4 + 1)
                                                 : IpAddress::v6(make_ipv6(0x2001'0db8'0000'0000ULL, 0xfe));
    EXPECT_FALSE(
        classify(frame(target, other_local,
                       echo_message(reply, m.cookie(other_local, target), data, target, other_local)))
            .has_value())
        << "to another local address, its cookie";
    EXPECT_FALSE(
        classify(frame(target, other_local, echo_message(reply, c, data, target, other_local))).has_value())
        << "to another local address, our cookie";
    const std::uint8_t request = target.is_v4() ? 8 : 128;
    EXPECT_FALSE(classify(frame(target, local, echo_message(request, c, data, target, local))).has_value())
        << "an echo request, not a reply";
  }
}

TEST_F(IcmpEchoTest, AnUnreachableQuotingOurRequestIsFiltered) {
  for (ProbeIndex i : {ProbeIndex{2}, ProbeIndex{4}}) {
    const IpAddress target = space.at(i).ip;
    SCOPED_TRACE(format_address(target));
    const IpAddress local = local_of(target);
    const Bytes probe = craft(i);
    const std::size_t ip_len = target.is_v4() ? (probe[kEth] & 0x0f) * 4u : 40u;
    const Bytes quote(probe.begin() + kEth, probe.begin() + kEth + ip_len + 8);
    const IpAddress router =
        target.is_v4() ? IpAddress::v4(0xC6120002) : IpAddress::v6(make_ipv6(0x2001'0db8'0000'0000ULL, 0xfe));
    const auto unreachable = [&](const Bytes& q) {
      return target.is_v4() ? frame(router, local, test::icmp(3, 1, q))
                            : frame(router, local, test::icmpv6(1, 3, q, router.ipv6(), local.ipv6()));
    };
    const std::optional<Result> r = classify(unreachable(quote));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->index, i);
    EXPECT_EQ(r->ip, target);
    EXPECT_EQ(r->state, PortState::filtered);
    EXPECT_EQ(r->reason, Reason{2});
    EXPECT_TRUE(r->from_icmp);
    EXPECT_FALSE(r->answered);

    Bytes wrong_id = quote;
    wrong_id[ip_len + 4] ^= 0x01;
    EXPECT_FALSE(classify(unreachable(wrong_id)).has_value()) << "quoted request with a wrong identifier";
  }
}

}  // namespace
}  // namespace synscan
