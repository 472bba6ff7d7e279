// The probe modules of issue 19 through the contract (engine/probe_module.hpp): the UDP module's frames and
// the answers it accepts or refuses, the ICMP echo module's, and the ProbeSet that mixes them with TCP SYN in
// one batch and dispatches a received frame to the module it answers. Frames are checked by the test's own
// reading (checksums recomputed here) and answers are built byte by byte by tests/unit/frame_builder.hpp and
// the services' answer builders of tests/unit/udp_answers.hpp, independent of the code under test.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "engine/packet.hpp"
#include "engine/permutation.hpp"
#include "engine/probe_set.hpp"
#include "engine/probes/icmp_echo.hpp"
#include "engine/probes/registry.hpp"
#include "engine/probes/udp_module.hpp"
#include "tests/unit/frame_builder.hpp"
#include "tests/unit/probe_fixture.hpp"
#include "tests/unit/udp_answers.hpp"

namespace synscan {
namespace {

using namespace probe_fixture;

constexpr Ipv4 kTarget4 = 0xC6130005;                // 198.19.0.5
constexpr ProtocolId kTcp = 0, kUdp = 1, kEcho = 2;  // engine/probes/registry.cpp

// 198.19.0.4-7 and 2001:2:0:1::5 x the blocks asked for.
ProbeSpace space_of(std::vector<ProtocolPorts> blocks) {
  AddressRanges targets({{0xC6130004, 0xC6130007}},
                        {{make_ipv6(0x2001'0002'0000'0001ULL, 5), make_ipv6(0x2001'0002'0000'0001ULL, 5)}});
  return ProbeSpace(TargetSet(targets), std::move(blocks));
}

// One probe crafted alone: its frame.
Bytes craft_one(const ProbeModule& m, ProbeIndex index) {
  std::vector<std::uint8_t> slot(m.frame_stride());
  std::uint16_t length = 0;
  m.craft_batch(&index, 1, slot.data(), slot.size(), &length);
  return Bytes(slot.begin(), slot.begin() + length);
}

// The one's complement sum of a transport part with its pseudo-header (RFC 768, RFC 8200 8.1): 0xFFFF when
// the checksum field is right.
std::uint16_t transport_sum(const Packet& p) {
  Bytes pseudo;
  if (p.family == Family::ipv4) {
    test::put32(pseudo, p.src().ipv4());
    test::put32(pseudo, p.dst().ipv4());
    test::put16(pseudo, p.protocol);
    test::put16(pseudo, static_cast<std::uint16_t>(p.transport.size()));
  } else {
    pseudo = test::ipv6_pseudo_header(p.src().ipv6(), p.dst().ipv6(), p.transport.size(), p.protocol);
  }
  Bytes all = pseudo;
  all.insert(all.end(), p.transport.begin(), p.transport.end());
  return static_cast<std::uint16_t>(~test::inet_checksum(all));
}

// The transport part (UDP header + payload, or ICMP message) of a crafted probe, and its source port.
struct Crafted {
  Bytes frame;
  Bytes ip_packet;  // from the IP header on
  Bytes payload;    // UDP payload
  std::uint16_t sport = 0;
};
Crafted crafted(const ProbeModule& m, ProbeIndex index) {
  Crafted c;
  c.frame = craft_one(m, index);
  c.ip_packet = Bytes(c.frame.begin() + 14, c.frame.end());
  const auto p = preprocess(c.frame, LinkType::ethernet);
  if (p && p->transport.size() >= 8) {
    c.sport = static_cast<std::uint16_t>(p->transport[0] << 8 | p->transport[1]);
    c.payload = Bytes(p->transport.begin() + 8, p->transport.end());
    c.ip_packet.resize(
        static_cast<std::size_t>(p->transport.data() + p->transport.size() - (c.frame.data() + 14)));
  }
  return c;
}

std::optional<Result> classify(const ProbeModule& m, const Bytes& frame, AnswerInfo* info = nullptr) {
  const auto p = preprocess(frame, LinkType::ethernet);
  if (!p) return std::nullopt;
  return m.classify(*p, 7, info);
}

TEST(UdpModule, EveryFrameIsTheProbeWithValidChecksumsBothFamilies) {
  const ProbeSpace space = space_of({{kUdp, PortSet({53, 161, 9999})}});
  const UdpModule m(setup_for(space), space.blocks().front());
  ASSERT_EQ(space.size(), 15u);
  for (ProbeIndex i = 0; i < space.size(); ++i) {
    const Probe probe = space.at(i);
    const Bytes frame = craft_one(m, i);
    const auto p = preprocess(frame, LinkType::ethernet);
    ASSERT_TRUE(p) << i;
    EXPECT_EQ(p->protocol, kIpProtoUdp);
    EXPECT_EQ(p->dst(), probe.ip);
    EXPECT_EQ(p->src(), probe.ip.is_v4() ? IpAddress::v4(kLocal4) : IpAddress::v6(kLocal6));
    const std::uint16_t sport = static_cast<std::uint16_t>(p->transport[0] << 8 | p->transport[1]);
    const std::uint16_t dport = static_cast<std::uint16_t>(p->transport[2] << 8 | p->transport[3]);
    const std::uint16_t length = static_cast<std::uint16_t>(p->transport[4] << 8 | p->transport[5]);
    EXPECT_EQ(dport, probe.port);
    EXPECT_GE(sport, 61000);
    EXPECT_LE(sport, 61255);
    const udp::UdpPayload& payload = m.payload_for(probe.port);
    EXPECT_EQ(length, 8 + payload.bytes.size());
    ASSERT_EQ(p->transport.size(), 8 + payload.bytes.size());
    // The payload is the port's, except inside its cookie slot.
    for (std::size_t k = 0; k < payload.bytes.size(); ++k) {
      if (k >= payload.slot.offset && k < std::size_t{payload.slot.offset} + payload.slot.bytes) continue;
      ASSERT_EQ(p->transport[8 + k], payload.bytes[k]) << "port " << probe.port << " byte " << k;
    }
    EXPECT_EQ(transport_sum(*p), 0xFFFF) << "UDP checksum, probe " << i;
    if (probe.ip.is_v4()) {
      EXPECT_EQ(test::inet_checksum(Bytes(frame.begin() + 14, frame.begin() + 34)), 0)
          << "IPv4 header checksum";
    }
  }
  EXPECT_EQ(m.payload_for(53).kind, udp::AnswerKind::dns);
  EXPECT_TRUE(m.payload_for(9999).bytes.empty() || m.payload_for(9999).kind == udp::AnswerKind::generic);
}

TEST(UdpModule, UserPayloadReplacesTheBuiltInOneAndBadValuesThrow) {
  const ProbeSpace space = space_of({{kUdp, PortSet({53, 9999})}});
  const UdpModule m(setup_for(space, {{"udp-payload", "9999:deadbeef"}, {"udp-payload", "53:00"}}),
                    space.blocks().front());
  EXPECT_EQ(m.payload_for(9999).bytes, (Bytes{0xde, 0xad, 0xbe, 0xef}));
  EXPECT_EQ(m.payload_for(53).bytes, (Bytes{0x00}));
  EXPECT_EQ(m.payload_for(53).kind, udp::AnswerKind::generic);
  EXPECT_THROW(UdpModule(setup_for(space, {{"udp-payload", "53:zz"}}), space.blocks().front()),
               std::invalid_argument);
}

TEST(UdpModule, AGenuineDnsAnswerIsOpenAndDescribedAndForgeriesAreNot) {
  const ProbeSpace space = space_of({{kUdp, PortSet({53})}});
  const UdpModule m(setup_for(space), space.blocks().front());
  const ProbeIndex index = *space.index_of(IpAddress::v4(kTarget4), kUdp, 53);
  const Crafted probe = crafted(m, index);
  ASSERT_FALSE(probe.payload.empty());
  const Bytes answer = udp::test::dns_txt_answer(probe.payload, "dnsmasq-2.90");

  AnswerInfo info;
  const auto r = classify(m, udp4_frame(kTarget4, 53, kLocal4, probe.sport, answer), &info);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->index, index);
  EXPECT_EQ(r->proto, kUdp);
  EXPECT_EQ(r->state, PortState::open);
  EXPECT_EQ(vocabulary(kUdp).reason_name(r->reason), "udp-response");
  EXPECT_TRUE(r->answered);
  EXPECT_TRUE(r->has_answer);
  EXPECT_EQ(info.service.view(), "domain");
  EXPECT_EQ(info.product.view(), "dnsmasq");
  EXPECT_EQ(info.version.view(), "2.90");

  Bytes other_id = answer;
  other_id[1] ^= 1;
  EXPECT_FALSE(classify(m, udp4_frame(kTarget4, 53, kLocal4, probe.sport, other_id)))
      << "another transaction id";
  EXPECT_FALSE(
      classify(m, udp4_frame(kTarget4, 53, kLocal4, probe.sport == 61255 ? 61000 : probe.sport + 1, answer)))
      << "to another of our source ports";
  EXPECT_FALSE(classify(m, udp4_frame(0xC6130063, 53, kLocal4, probe.sport, answer)))
      << "from a host not probed";
  EXPECT_FALSE(classify(m, udp4_frame(kTarget4, 54, kLocal4, probe.sport, answer))) << "from another port";
  EXPECT_FALSE(classify(m, udp4_frame(kTarget4, 53, 0xC6120002, probe.sport, answer)))
      << "to another local address";
  EXPECT_FALSE(classify(m, udp4_frame(kTarget4, 53, kLocal4, probe.sport, probe.payload)))
      << "the query reflected";
}

TEST(UdpModule, SnmpAndNtpAnswersEchoTheirCookies) {
  const ProbeSpace space = space_of({{kUdp, PortSet({123, 161})}});
  const UdpModule m(setup_for(space), space.blocks().front());
  const Crafted snmp = crafted(m, *space.index_of(IpAddress::v4(kTarget4), kUdp, 161));
  AnswerInfo info;
  const auto r =
      classify(m,
               udp4_frame(kTarget4, 161, kLocal4, snmp.sport,
                          udp::test::snmp_response(udp::test::request_id_of(snmp.payload), "Linux lab")),
               &info);
  ASSERT_TRUE(r);
  EXPECT_EQ(info.service.view(), "snmp");
  EXPECT_NE(info.info.view().find("Linux lab"), std::string_view::npos);
  EXPECT_FALSE(classify(
      m, udp4_frame(kTarget4, 161, kLocal4, snmp.sport,
                    udp::test::snmp_response(udp::test::request_id_of(snmp.payload) ^ 4, "Linux lab"))));
  const Crafted ntp = crafted(m, *space.index_of(IpAddress::v4(kTarget4), kUdp, 123));
  EXPECT_TRUE(classify(m, udp4_frame(kTarget4, 123, kLocal4, ntp.sport, udp::test::ntp_reply(ntp.payload))));
  Bytes other = ntp.payload;
  other[47] ^= 1;  // the transmit timestamp the server echoes as its origin
  EXPECT_FALSE(classify(m, udp4_frame(kTarget4, 123, kLocal4, ntp.sport, udp::test::ntp_reply(other))));
}

TEST(UdpModule, IcmpPortUnreachableIsClosedOtherUnreachablesFilteredForgedQuotesRefused) {
  const ProbeSpace space = space_of({{kUdp, PortSet({53, 9999})}});
  const UdpModule m(setup_for(space), space.blocks().front());
  const ProbeIndex index = *space.index_of(IpAddress::v4(kTarget4), kUdp, 53);
  const Crafted probe = crafted(m, index);
  const auto error = [&](std::uint8_t code, const Bytes& quote, Ipv4 from = kTarget4) {
    return test::ethernet(test::ipv4({.src = from, .dst = kLocal4, .protocol = 1, .ttl = 61, .options = {}},
                                     test::icmp(3, code, quote)));
  };
  const auto closed = classify(m, error(3, probe.ip_packet));
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->index, index);
  EXPECT_EQ(closed->state, PortState::closed);
  EXPECT_EQ(vocabulary(kUdp).reason_name(closed->reason), "port-unreach");
  EXPECT_TRUE(closed->from_icmp);
  EXPECT_EQ(closed->icmp_code, 3);
  EXPECT_FALSE(closed->answered) << "an ICMP error is not the target's answer (rate auto, loss warning)";
  // RFC 792's minimum quote: the IP header and 8 bytes of UDP.
  const Bytes short_quote(probe.ip_packet.begin(), probe.ip_packet.begin() + 28);
  EXPECT_TRUE(classify(m, error(3, short_quote)));
  Bytes forged = probe.ip_packet;
  forged[28] ^= 1;  // the DNS id, the cookie field, inside the quote
  EXPECT_FALSE(classify(m, error(3, forged))) << "a quote of a query we did not send";
  Bytes other_sport = probe.ip_packet;
  other_sport[21] ^= 1;
  EXPECT_FALSE(classify(m, error(3, other_sport))) << "a quote from another source port";
  const auto filtered = classify(m, error(13, probe.ip_packet, 0xC6120063));
  ASSERT_TRUE(filtered) << "admin-prohibited from a router";
  EXPECT_EQ(filtered->state, PortState::filtered);
  EXPECT_EQ(vocabulary(kUdp).reason_name(filtered->reason), "icmp-unreach");
  EXPECT_FALSE(classify(m, error(4, probe.ip_packet))) << "fragmentation needed says nothing about the port";
}

TEST(UdpModule, Ipv6PortUnreachableIsClosed) {
  const ProbeSpace space = space_of({{kUdp, PortSet({9999})}});
  const UdpModule m(setup_for(space), space.blocks().front());
  const Ipv6 target = make_ipv6(0x2001'0002'0000'0001ULL, 5);
  const ProbeIndex index = *space.index_of(IpAddress::v6(target), kUdp, 9999);
  const Bytes frame = craft_one(m, index);
  const Bytes quote(frame.begin() + 14, frame.end());
  const auto error = [&](std::uint8_t code) {
    return test::ethernet(
        test::ipv6({.src = target, .dst = kLocal6, .next_header = 58, .hop_limit = 61, .extensions = {}},
                   test::icmpv6(1, code, quote, target, kLocal6)),
        0x86dd);
  };
  const auto closed = classify(m, error(4));
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->state, PortState::closed);
  const auto filtered = classify(m, error(1));
  ASSERT_TRUE(filtered);
  EXPECT_EQ(filtered->state, PortState::filtered);
}

TEST(IcmpEchoModule, RequestsCarryTheCookieAndRepliesAreUpOrRefused) {
  const ProbeSpace space = space_of({{kEcho, PortSet({0})}});
  const IcmpEchoModule m(setup_for(space), space.blocks().front());
  ASSERT_EQ(space.size(), 5u);
  for (ProbeIndex i = 0; i < space.size(); ++i) {
    const Bytes frame = craft_one(m, i);
    const auto p = preprocess(frame, LinkType::ethernet);
    ASSERT_TRUE(p);
    const bool v4 = p->family == Family::ipv4;
    EXPECT_EQ(p->icmp_type, v4 ? 8 : 128);
    const std::uint32_t idseq = static_cast<std::uint32_t>(p->transport[4] << 24 | p->transport[5] << 16 |
                                                           p->transport[6] << 8 | p->transport[7]);
    EXPECT_EQ(idseq, m.cookie(p->src(), p->dst()));
    // ICMPv4's checksum covers the message (RFC 792), ICMPv6's the pseudo-header too (RFC 4443 2.3).
    if (v4) {
      EXPECT_EQ(test::inet_checksum(Bytes(p->transport.begin(), p->transport.end())), 0);
    } else {
      EXPECT_EQ(transport_sum(*p), 0xFFFF);
    }
  }
  const ProbeIndex index = *space.index_of(IpAddress::v4(kTarget4), kEcho, 0);
  const Bytes request = craft_one(m, index);
  const Bytes req_ip(request.begin() + 14, request.begin() + 14 + 28);
  Bytes reply_msg(req_ip.begin() + 20, req_ip.end());
  reply_msg[0] = 0;  // echo reply
  reply_msg[2] = reply_msg[3] = 0;
  test::set16(reply_msg, 2, test::inet_checksum(reply_msg));
  const auto reply = [&](Ipv4 from, Bytes msg) {
    return test::ethernet(
        test::ipv4({.src = from, .dst = kLocal4, .protocol = 1, .ttl = 64, .options = {}}, msg));
  };
  const auto up = classify(m, reply(kTarget4, reply_msg));
  ASSERT_TRUE(up);
  EXPECT_EQ(up->index, index);
  EXPECT_EQ(up->state, PortState::open);
  EXPECT_EQ(vocabulary(kEcho).state_name(up->state), "up");
  EXPECT_EQ(vocabulary(kEcho).reason_name(up->reason), "echo-reply");
  EXPECT_TRUE(up->answered);
  Bytes other_seq = reply_msg;
  other_seq[7] ^= 1;
  EXPECT_FALSE(classify(m, reply(kTarget4, other_seq)));
  EXPECT_FALSE(classify(m, reply(0xC6130063, reply_msg))) << "from a host not probed";
  const auto down = classify(
      m,
      test::ethernet(test::ipv4({.src = 0xC6120063, .dst = kLocal4, .protocol = 1, .ttl = 250, .options = {}},
                                test::icmp(3, 1, req_ip))));
  ASSERT_TRUE(down) << "host unreachable quoting our request";
  EXPECT_EQ(vocabulary(kEcho).state_name(down->state), "down");
  Bytes other_request = req_ip;
  other_request[27] ^= 1;
  EXPECT_FALSE(classify(m, test::ethernet(test::ipv4(
                               {.src = 0xC6120063, .dst = kLocal4, .protocol = 1, .ttl = 250, .options = {}},
                               test::icmp(3, 1, other_request)))));
}

// A space of TCP, UDP and echo blocks: a mixed batch crafts, slot by slot, what each index's module crafts
// alone, and a received frame reaches the module of its protocol (or of the probe its ICMP error quotes).
TEST(ProbeSet, MixedBatchesEqualEachModuleAloneAndRepliesReachTheirModule) {
  const ProbeSpace space =
      space_of({{kTcp, PortSet({22, 80})}, {kUdp, PortSet({53})}, {kEcho, PortSet({0})}});
  const ProbeSet set(setup_for(space));
  ASSERT_EQ(set.modules().size(), 3u);
  ASSERT_EQ(space.size(), 20u);
  const Permutation perm(space.size(), 42);
  std::vector<ProbeIndex> indices(space.size());
  perm.fill(0, 1, indices.size(), indices.data());
  const std::size_t stride = set.frame_stride();
  std::vector<std::uint8_t> frames(stride * indices.size());
  std::vector<std::uint16_t> lengths(indices.size());
  set.craft_batch(indices.data(), indices.size(), frames.data(), stride, lengths.data());
  for (std::size_t i = 0; i < indices.size(); ++i) {
    const ProbeBlock* block = space.block_of(indices[i]);
    ASSERT_NE(block, nullptr);
    const ProbeModule& module = *set.modules()[static_cast<std::size_t>(block - space.blocks().data())];
    const Bytes alone = craft_one(module, indices[i]);
    ASSERT_EQ(lengths[i], alone.size()) << i;
    EXPECT_EQ(Bytes(frames.begin() + static_cast<std::ptrdiff_t>(stride * i),
                    frames.begin() + static_cast<std::ptrdiff_t>(stride * i + lengths[i])),
              alone)
        << "slot " << i << " (index " << indices[i] << ")";
  }

  // A SYN-ACK answering a crafted SYN: ack = its sequence number + 1.
  const ProbeIndex tcp_index = *space.index_of(IpAddress::v4(kTarget4), kTcp, 80);
  const Bytes syn = craft_one(*set.modules()[0], tcp_index);
  const std::uint16_t sport = static_cast<std::uint16_t>(syn[34] << 8 | syn[35]);
  const std::uint32_t seq =
      static_cast<std::uint32_t>(syn[38] << 24 | syn[39] << 16 | syn[40] << 8 | syn[41]);
  const Bytes synack =
      test::ethernet(test::ipv4({.src = kTarget4, .dst = kLocal4, .protocol = 6, .ttl = 64, .options = {}},
                                test::tcp({.src_port = 80,
                                           .dst_port = sport,
                                           .seq = 1,
                                           .ack = seq + 1,
                                           .flags = 0x12,
                                           .window = 1024,
                                           .options = {}},
                                          kTarget4, kLocal4)));
  const auto t = set.classify(synack, LinkType::ethernet, 1, nullptr);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->proto, kTcp);
  EXPECT_EQ(t->index, tcp_index);
  EXPECT_EQ(t->state, PortState::open);
  // A router's host unreachable quoting the SYN: the TCP module's, filtered.
  const Bytes syn_ip(syn.begin() + 14, syn.begin() + 14 + 28);
  const auto f = set.classify(
      test::ethernet(test::ipv4({.src = 0xC6120063, .dst = kLocal4, .protocol = 1, .ttl = 250, .options = {}},
                                test::icmp(3, 1, syn_ip))),
      LinkType::ethernet, 1, nullptr);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->proto, kTcp);
  EXPECT_EQ(f->state, PortState::filtered);
  // A DNS answer and a port unreachable quoting the UDP probe: the UDP module's.
  const ProbeIndex udp_index = *space.index_of(IpAddress::v4(kTarget4), kUdp, 53);
  const Crafted dns = crafted(*set.modules()[1], udp_index);
  AnswerInfo info;
  const auto u = set.classify(
      udp4_frame(kTarget4, 53, kLocal4, dns.sport, udp::test::dns_txt_answer(dns.payload, "x-1")),
      LinkType::ethernet, 1, &info);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->proto, kUdp);
  EXPECT_EQ(u->index, udp_index);
  const auto c = set.classify(
      test::ethernet(test::ipv4({.src = kTarget4, .dst = kLocal4, .protocol = 1, .ttl = 64, .options = {}},
                                test::icmp(3, 3, dns.ip_packet))),
      LinkType::ethernet, 1, nullptr);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->proto, kUdp);
  EXPECT_EQ(c->state, PortState::closed);
  // Foreign traffic: a UDP datagram to a port we never send from.
  EXPECT_FALSE(
      set.classify(udp4_frame(kTarget4, 53, kLocal4, 40000, dns.payload), LinkType::ethernet, 1, nullptr));
}

}  // namespace
}  // namespace synscan
