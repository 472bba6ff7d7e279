// The UDP probe module (engine/probes/udp_module.hpp) on a space of IPv4 and IPv6 targets and ports 53 (DNS),
// 161 (SNMP) and 9999 (no built-in payload): every crafted frame parses back to its probe with valid
// checksums (computed here, independently of libnet), a genuine server answer echoing the probe's cookie is
// open and described, answers that do not prove the probe (wrong cookie, port, address, reflection) are
// refused, and ICMP unreachables quoting the probe say closed / filtered only when the quote is ours.
#include "engine/probes/udp_module.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <vector>

#include "engine/packet.hpp"
#include "engine/probe_space.hpp"
#include "tests/unit/frame_builder.hpp"
#include "tests/unit/probe_fixture.hpp"
#include "tests/unit/udp_answers.hpp"

namespace synscan {
namespace {

using namespace probe_fixture;

ProbeSpace udp_space() {
  AddressRanges targets({{0xC6120100, 0xC6120103}},  // 198.18.1.0-3
                        {{make_ipv6(0x2001'0db8'0000'0000ULL, 1), make_ipv6(0x2001'0db8'0000'0000ULL, 2)}});
  return ProbeSpace(TargetSet(targets), std::vector<ProtocolPorts>{{1, PortSet({53, 161, 9999})}});
}

void put_be16(std::uint8_t* p, std::size_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

// The one's-complement sum (RFC 1071) of `n` bytes, added to `sum`, not folded.
std::uint32_t add_bytes(const std::uint8_t* p, std::size_t n, std::uint32_t sum = 0) {
  for (std::size_t i = 0; i + 1 < n; i += 2) sum += be16(p + i);
  if (n % 2 != 0) sum += static_cast<std::uint32_t>(p[n - 1]) << 8;
  return sum;
}
std::uint16_t fold(std::uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

bool is_v4(const Bytes& f) { return (f[kEth] >> 4) == 4; }
std::size_t ip_header(const Bytes& f) { return is_v4(f) ? (f[kEth] & 0x0f) * 4u : 40u; }
std::size_t udp_at(const Bytes& f) { return kEth + ip_header(f); }
std::size_t addr_len(const Bytes& f) { return is_v4(f) ? 4 : 16; }
std::size_t src_at(const Bytes& f) { return kEth + (is_v4(f) ? 12 : 8); }
std::size_t dst_at(const Bytes& f) { return src_at(f) + addr_len(f); }

// The pseudo-header (RFC 768, RFC 8200 8.1) + UDP sum of a frame's datagram; 0xffff when the checksum holds.
std::uint16_t udp_sum(const Bytes& f) {
  const std::size_t u = udp_at(f);
  const std::size_t len = f.size() - u;
  std::uint32_t sum = add_bytes(f.data() + src_at(f), 2 * addr_len(f));
  sum += 17 + static_cast<std::uint32_t>(len);
  return fold(add_bytes(f.data() + u, len, sum));
}

// Recomputes a frame's IP length field, IPv4 header checksum, UDP length and UDP checksum.
void fix(Bytes& f) {
  const std::size_t u = udp_at(f);
  if (is_v4(f)) {
    put_be16(&f[kEth + 2], f.size() - kEth);
    put_be16(&f[kEth + 10], 0);
    put_be16(&f[kEth + 10], static_cast<std::uint16_t>(~fold(add_bytes(&f[kEth], ip_header(f)))));
  } else {
    put_be16(&f[kEth + 4], f.size() - kEth - 40);
  }
  put_be16(&f[u + 4], f.size() - u);
  put_be16(&f[u + 6], 0);
  std::uint16_t c = static_cast<std::uint16_t>(~udp_sum(f));
  put_be16(&f[u + 6], c == 0 ? 0xffff : c);
}

// Where a frame's IP packet ends (a short frame is padded to Ethernet's 60-byte minimum after it).
std::size_t ip_end(const Bytes& f) {
  return kEth + (is_v4(f) ? be16(&f[kEth + 2]) : 40u + be16(&f[kEth + 4]));
}

// The probe at `index`, without its Ethernet padding.
Bytes craft(const UdpModule& m, ProbeIndex index) {
  Bytes out(m.frame_stride());
  std::uint16_t length = 0;
  m.craft_batch(&index, 1, out.data(), out.size(), &length);
  out.resize(length);
  out.resize(ip_end(out));
  return out;
}

Bytes payload_of(const Bytes& probe) { return Bytes(probe.begin() + udp_at(probe) + 8, probe.end()); }

// The answer a server sends to `probe`: addresses and ports swapped, `payload` as data; `edit` may change the
// frame (before the checksums are fixed).
Bytes answer_to(const Bytes& probe, const Bytes& payload, const std::function<void(Bytes&)>& edit = {}) {
  Bytes f(probe.begin(), probe.begin() + udp_at(probe) + 8);
  std::swap_ranges(f.begin() + src_at(f), f.begin() + dst_at(f), f.begin() + dst_at(f));
  const std::size_t u = udp_at(f);
  std::swap_ranges(f.begin() + u, f.begin() + u + 2, f.begin() + u + 2);
  f.insert(f.end(), payload.begin(), payload.end());
  if (edit) edit(f);
  fix(f);
  return f;
}

// An ICMP (type 3) or ICMPv6 (type 1) unreachable from the probe's target to its source quoting `quoted`.
Bytes unreachable(const Bytes& probe, std::uint8_t code, const Bytes& quoted) {
  if (is_v4(probe)) {
    test::Ipv4Fields ip;
    ip.src = static_cast<Ipv4>(be16(&probe[dst_at(probe)]) << 16 | be16(&probe[dst_at(probe) + 2]));
    ip.dst = kLocal4;
    ip.protocol = 1;
    return test::ethernet(test::ipv4(ip, test::icmp(3, code, quoted)));
  }
  Ipv6 target = 0;
  for (std::size_t i = 0; i < 16; ++i) target = target << 8 | probe[dst_at(probe) + i];
  test::Ipv6Fields ip;
  ip.src = target;
  ip.dst = kLocal6;
  ip.next_header = 58;
  return test::ethernet(test::ipv6(ip, test::icmpv6(1, code, quoted, target, kLocal6)), 0x86dd);
}

Bytes ip_part(const Bytes& frame) { return Bytes(frame.begin() + kEth, frame.end()); }

class UdpModuleTest : public ::testing::Test {
 protected:
  ProbeSpace space = udp_space();
  ProbeSetup setup = setup_for(space);
  UdpModule m{setup, space.blocks().front()};

  // The index of the probe to port `port` of the first target of the family.
  ProbeIndex index_of(std::uint16_t port, bool v4) const {
    for (ProbeIndex i = 0; i < space.size(); ++i) {
      const Probe p = space.at(i);
      if (p.port == port && p.ip.is_v4() == v4) return i;
    }
    ADD_FAILURE() << "no probe to port " << port;
    return 0;
  }
  std::optional<Result> classify(const Bytes& frame, AnswerInfo* info = nullptr) const {
    const std::optional<Packet> p = preprocess(frame, LinkType::ethernet);
    if (!p) {
      ADD_FAILURE() << "the test's frame does not parse";
      return std::nullopt;
    }
    return m.classify(*p, 0, info);
  }
};

TEST_F(UdpModuleTest, EveryCraftedFrameIsItsProbeWithValidChecksums) {
  ASSERT_EQ(space.size(), 6u * 3u);
  for (ProbeIndex i = 0; i < space.size(); ++i) {
    SCOPED_TRACE(i);
    const Probe probe = space.at(i);
    Bytes out(m.frame_stride() * 2, 0xEE);
    std::uint16_t lengths[1] = {};
    m.craft_batch(&i, 1, out.data(), m.frame_stride(), lengths);
    Bytes f(out.begin(), out.begin() + lengths[0]);
    const std::optional<Packet> p = preprocess(f, LinkType::ethernet);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->protocol, 17);
    EXPECT_EQ(p->src(), probe.ip.is_v4() ? IpAddress::v4(kLocal4) : IpAddress::v6(kLocal6));
    EXPECT_EQ(p->dst(), probe.ip);
    ASSERT_GE(p->transport.size(), 8u);
    const std::uint8_t* udp = p->transport.data();
    EXPECT_EQ(be16(udp + 2), probe.port);
    EXPECT_GE(be16(udp), 61000);
    EXPECT_LE(be16(udp), 61255);
    const udp::UdpPayload& pl = m.payload_for(probe.port);
    EXPECT_EQ(be16(udp + 4), 8 + pl.bytes.size());
    EXPECT_EQ(p->transport.size(), 8 + pl.bytes.size());
    // The frame is the IP packet, padded with zeros to Ethernet's minimum of 60 bytes.
    const std::size_t end = udp_at(f) + 8 + pl.bytes.size();
    EXPECT_EQ(ip_end(f), end);
    EXPECT_EQ(lengths[0], std::max<std::size_t>(end, 60));
    for (std::size_t k = end; k < f.size(); ++k) EXPECT_EQ(f[k], 0) << "padding byte " << k;
    f.resize(end);
    const Bytes data = payload_of(f);
    ASSERT_EQ(data.size(), pl.bytes.size());
    for (std::size_t k = 0; k < data.size(); ++k) {
      if (k >= pl.slot.offset && k < std::size_t{pl.slot.offset} + pl.slot.bytes) continue;
      EXPECT_EQ(data[k], pl.bytes[k]) << "payload byte " << k;
    }
    if (is_v4(f)) {
      EXPECT_EQ(fold(add_bytes(&f[kEth], ip_header(f))), 0xffff) << "IPv4 header checksum";
    }
    EXPECT_NE(be16(udp + 6), 0) << "UDP checksum present";
    EXPECT_EQ(udp_sum(f), 0xffff) << "UDP checksum";
  }
  // Port 53's and 161's payloads are the built-in DNS and SNMP questions; 9999 has none.
  EXPECT_EQ(m.payload_for(53).slot.bytes, 2);
  EXPECT_GT(m.payload_for(161).slot.bytes, 0);
  EXPECT_TRUE(m.payload_for(9999).bytes.empty());
}

TEST_F(UdpModuleTest, TheCookieDiffersPerTarget) {
  const Bytes a = payload_of(craft(m, index_of(53, true)));
  const Bytes b = payload_of(craft(m, index_of(53, false)));
  EXPECT_NE(Bytes(a.begin(), a.begin() + 2), Bytes(b.begin(), b.begin() + 2));
}

TEST_F(UdpModuleTest, AGenuineDnsAnswerIsOpenAndDescribed) {
  for (const bool v4 : {true, false}) {
    SCOPED_TRACE(v4 ? "IPv4" : "IPv6");
    const ProbeIndex index = index_of(53, v4);
    const Bytes probe = craft(m, index);
    const Bytes reply = answer_to(probe, udp::test::dns_txt_answer(payload_of(probe), "dnsmasq-2.90"));
    AnswerInfo info;
    const std::optional<Result> r = classify(reply, &info);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->index, index);
    EXPECT_EQ(r->ip, space.at(index).ip);
    EXPECT_EQ(r->port, 53);
    EXPECT_EQ(r->proto, 1);
    EXPECT_EQ(r->state, PortState::open);
    EXPECT_EQ(r->reason, Reason{1});
    EXPECT_TRUE(r->answered);
    EXPECT_TRUE(r->has_answer);
    EXPECT_EQ(info.service, "domain");
    EXPECT_EQ(info.product, "dnsmasq");
    EXPECT_EQ(info.version, "2.90");
  }
}

TEST_F(UdpModuleTest, AGenuineSnmpAnswerIsOpen) {
  for (const bool v4 : {true, false}) {
    SCOPED_TRACE(v4 ? "IPv4" : "IPv6");
    const Bytes probe = craft(m, index_of(161, v4));
    const std::uint32_t id = udp::test::request_id_of(payload_of(probe));
    const std::optional<Result> ok =
        classify(answer_to(probe, udp::test::snmp_response(id, "Linux lab 6.1")));
    ASSERT_TRUE(ok.has_value());
    EXPECT_EQ(ok->state, PortState::open);
    EXPECT_EQ(ok->port, 161);
    EXPECT_EQ(ok->reason, Reason{1});
    EXPECT_FALSE(classify(answer_to(probe, udp::test::snmp_response(id ^ 1, "Linux lab 6.1"))).has_value())
        << "another request-id";
  }
}

TEST_F(UdpModuleTest, AnswersThatProveNoProbeAreRefused) {
  for (const bool v4 : {true, false}) {
    SCOPED_TRACE(v4 ? "IPv4" : "IPv6");
    const Bytes probe = craft(m, index_of(53, v4));
    const Bytes good = udp::test::dns_txt_answer(payload_of(probe), "dnsmasq-2.90");
    ASSERT_TRUE(classify(answer_to(probe, good)).has_value());

    Bytes flipped = good;
    flipped[1] ^= 0x01;  // the DNS id, the cookie field
    EXPECT_FALSE(classify(answer_to(probe, flipped)).has_value()) << "cookie bit flipped";

    EXPECT_FALSE(classify(answer_to(probe, good,
                                    [](Bytes& f) {
                                      const std::size_t u = udp_at(f);
                                      const std::uint16_t port = be16(&f[u + 2]);
                                      put_be16(&f[u + 2], port == 61255 ? 61000 : port + 1);
                                    }))
                     .has_value())
        << "to another of our source ports";
    EXPECT_FALSE(classify(answer_to(probe, good, [](Bytes& f) { f[dst_at(f) - 1] ^= 0x80; })).has_value())
        << "from an address not in the space";
    EXPECT_FALSE(classify(answer_to(probe, good, [](Bytes& f) { put_be16(&f[udp_at(f)], 54); })).has_value())
        << "from port 54";
    EXPECT_FALSE(classify(answer_to(probe, good, [](Bytes& f) { f[dst_at(f) + addr_len(f) - 1] ^= 0x80; }))
                     .has_value())
        << "to another local address";
    EXPECT_FALSE(classify(probe).has_value()) << "the probe reflected";
  }
}

TEST_F(UdpModuleTest, IcmpUnreachablesQuotingTheProbe) {
  for (const bool v4 : {true, false}) {
    SCOPED_TRACE(v4 ? "IPv4" : "IPv6");
    const ProbeIndex index = index_of(53, v4);
    const Bytes probe = craft(m, index);
    const Bytes whole = ip_part(probe);
    const std::uint8_t port_unreach = v4 ? 3 : 4;

    const std::optional<Result> closed = classify(unreachable(probe, port_unreach, whole));
    ASSERT_TRUE(closed.has_value());
    EXPECT_EQ(closed->index, index);
    EXPECT_EQ(closed->port, 53);
    EXPECT_EQ(closed->ip, space.at(index).ip);
    EXPECT_EQ(closed->state, PortState::closed);
    EXPECT_EQ(closed->reason, Reason{2});
    EXPECT_TRUE(closed->from_icmp);
    EXPECT_EQ(closed->icmp_code, port_unreach);

    const Bytes short_quote(whole.begin(), whole.begin() + ip_header(probe) + 8);
    const std::optional<Result> short_closed = classify(unreachable(probe, port_unreach, short_quote));
    ASSERT_TRUE(short_closed.has_value()) << "IP header + 8 bytes";
    EXPECT_EQ(short_closed->state, PortState::closed);

    Bytes bad_cookie = whole;
    bad_cookie[ip_header(probe) + 8 + m.payload_for(53).slot.offset] ^= 0x01;
    EXPECT_FALSE(classify(unreachable(probe, port_unreach, bad_cookie)).has_value()) << "cookie byte flipped";

    const std::optional<Result> filtered = classify(unreachable(probe, v4 ? 13 : 1, whole));
    ASSERT_TRUE(filtered.has_value());
    EXPECT_EQ(filtered->state, PortState::filtered);
    EXPECT_EQ(filtered->reason, Reason{3});
    EXPECT_TRUE(filtered->from_icmp);

    Bytes not_ours = whole;
    not_ours[src_at(probe) - kEth + addr_len(probe) - 1] ^= 0x80;
    EXPECT_FALSE(classify(unreachable(probe, port_unreach, not_ours)).has_value())
        << "quoted source not ours";
  }
}

TEST(UdpModuleOptions, UdpPayloadSetsAPortsPayload) {
  const ProbeSpace space = udp_space();
  ProbeSetup setup = setup_for(space);
  setup.args = {{"udp-payload", "9999:deadbeef"}};
  const UdpModule m(setup, space.blocks().front());
  EXPECT_EQ(m.payload_for(9999).bytes, (Bytes{0xde, 0xad, 0xbe, 0xef}));
  EXPECT_EQ(m.payload_for(53).slot.bytes, 2) << "the other ports keep theirs";

  setup.args = {{"udp-payload", "9999:zz"}};
  EXPECT_THROW(UdpModule(setup, space.blocks().front()), std::invalid_argument);
  setup.args = {{"udp-payload", "deadbeef"}};
  EXPECT_THROW(UdpModule(setup, space.blocks().front()), std::invalid_argument);
}

// On a raw IP link (tun, WireGuard) the frame is the IP packet alone: no Ethernet header, no padding.
TEST(UdpModuleRawIp, FramesAreTheIpPacketAlone) {
  const ProbeSpace space = udp_space();
  ProbeSetup setup = setup_for(space);
  setup.v4->link = LinkType::raw_ip;
  setup.v6->link = LinkType::raw_ip;
  const UdpModule m(setup, space.blocks().front());
  for (ProbeIndex i = 0; i < space.size(); ++i) {
    SCOPED_TRACE(i);
    const Probe probe = space.at(i);
    Bytes out(m.frame_stride());
    std::uint16_t length = 0;
    m.craft_batch(&i, 1, out.data(), out.size(), &length);
    const std::size_t ip = probe.ip.is_v4() ? 20 : 40;
    EXPECT_EQ(length, ip + 8 + m.payload_for(probe.port).bytes.size());
    EXPECT_EQ(out[0] >> 4, probe.ip.is_v4() ? 4 : 6);
    const std::optional<Packet> p =
        preprocess(std::span<const std::uint8_t>(out.data(), length), LinkType::raw_ip);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->dst(), probe.ip);
    EXPECT_EQ(p->protocol, 17);
    ASSERT_GE(p->transport.size(), 4u);
    EXPECT_EQ(be16(p->transport.data() + 2), probe.port);
  }
}

}  // namespace
}  // namespace synscan
