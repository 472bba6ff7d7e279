// ProbeSet (engine/probe_set.hpp) over a space of three blocks, TCP SYN (proto 0), UDP (1) and ICMP echo (2),
// IPv4 and IPv6 targets: a mixed batch in permutation order is, slot by slot, what each index's own module
// crafts for that index alone, and a received frame reaches the module of its protocol (or of the probe an
// ICMP error quotes).
#include "engine/probe_set.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "engine/packet.hpp"
#include "engine/permutation.hpp"
#include "engine/probe_space.hpp"
#include "tests/unit/frame_builder.hpp"
#include "tests/unit/probe_fixture.hpp"
#include "tests/unit/udp_answers.hpp"

namespace synscan {
namespace {

using namespace probe_fixture;

ProbeSpace mixed_space() {
  AddressRanges targets({{0xC6120100, 0xC6120107}},  // 198.18.1.0-7
                        {{make_ipv6(0x2001'0db8'0000'0000ULL, 1), make_ipv6(0x2001'0db8'0000'0000ULL, 4)}});
  return ProbeSpace(
      TargetSet(targets),
      std::vector<ProtocolPorts>{{0, PortSet({22, 80})}, {1, PortSet({53, 161, 9999})}, {2, PortSet({0})}});
}

class ProbeSetTest : public ::testing::Test {
 protected:
  ProbeSpace space = mixed_space();
  ProbeSetup setup = setup_for(space);
  ProbeSet set{setup};

  std::size_t block_of(ProbeIndex index) const {
    for (std::size_t b = 0; b < space.blocks().size(); ++b) {
      const ProbeBlock& block = space.blocks()[b];
      if (index >= block.base() && index < block.base() + block.size()) return b;
    }
    ADD_FAILURE() << "index " << index << " in no block";
    return 0;
  }
  // The first IPv4 probe of module `proto` to `port`.
  ProbeIndex find(ProtocolId proto, std::uint16_t port) const {
    for (ProbeIndex i = 0; i < space.size(); ++i) {
      const Probe p = space.at(i);
      if (p.proto == proto && p.port == port && p.ip.is_v4()) return i;
    }
    ADD_FAILURE() << "no probe";
    return 0;
  }
  Bytes craft(ProbeIndex index) const {
    Bytes out(set.frame_stride());
    std::uint16_t length = 0;
    set.craft_batch(&index, 1, out.data(), out.size(), &length);
    out.resize(length);
    return out;
  }
  std::optional<Result> classify(const Bytes& frame, AnswerInfo* info = nullptr) const {
    return set.classify(frame, LinkType::ethernet, 0, info);
  }
};

TEST_F(ProbeSetTest, AMixedBatchIsEachModulesOwnFrame) {
  ASSERT_EQ(set.modules().size(), 3u);
  ASSERT_EQ(space.size(), 12u * 2 + 12u * 3 + 12u);
  std::size_t max_stride = 0;
  for (const auto& m : set.modules()) max_stride = std::max(max_stride, m->frame_stride());
  EXPECT_EQ(set.frame_stride(), max_stride);

  const Permutation perm(space.size(), 7);
  std::vector<ProbeIndex> indices(space.size());
  for (std::uint64_t i = 0; i < indices.size(); ++i) indices[i] = perm(i);
  const std::size_t stride = set.frame_stride();
  // Batches of several lengths, so that each mixes the blocks differently.
  for (const std::size_t batch : {std::size_t{1}, std::size_t{5}, std::size_t{16}, indices.size()}) {
    SCOPED_TRACE(batch);
    for (std::size_t at = 0; at < indices.size(); at += batch) {
      const std::size_t n = std::min(batch, indices.size() - at);
      std::vector<std::uint8_t> out(stride * n, 0xEE);
      std::vector<std::uint16_t> lengths(n, 0);
      set.craft_batch(indices.data() + at, n, out.data(), stride, lengths.data());
      for (std::size_t i = 0; i < n; ++i) {
        const ProbeIndex index = indices[at + i];
        const ProbeModule& m = *set.modules()[block_of(index)];
        Bytes alone(m.frame_stride());
        std::uint16_t length = 0;
        m.craft_batch(&index, 1, alone.data(), alone.size(), &length);
        ASSERT_EQ(lengths[i], length) << "index " << index;
        ASSERT_EQ(0, std::memcmp(out.data() + stride * i, alone.data(), length)) << "index " << index;
        // And the frame is that index's probe.
        const std::optional<Packet> p =
            preprocess(std::span<const std::uint8_t>(out.data() + stride * i, length), LinkType::ethernet);
        ASSERT_TRUE(p.has_value());
        EXPECT_EQ(p->dst(), space.at(index).ip);
      }
    }
  }
}

TEST_F(ProbeSetTest, ClassifyDispatchesByProtocol) {
  // A SYN-ACK answering a TCP probe.
  const ProbeIndex syn_index = find(0, 80);
  const Bytes syn = craft(syn_index);
  const std::uint8_t* t = syn.data() + kEth + 20;
  const Ipv4 target = space.at(syn_index).ip.ipv4();
  test::TcpFields f;
  f.src_port = be16(t + 2);
  f.dst_port = be16(t);
  f.seq = 0x11223344;
  f.ack = be32(t + 4) + 1;
  f.flags = 0x12;
  f.window = 64240;
  const std::optional<Result> open = classify(ipv4_frame(target, kLocal4, 6, test::tcp(f, target, kLocal4)));
  ASSERT_TRUE(open.has_value());
  EXPECT_EQ(open->proto, 0);
  EXPECT_EQ(open->index, syn_index);
  EXPECT_EQ(open->state, PortState::open);
  f.ack += 1;
  EXPECT_FALSE(classify(ipv4_frame(target, kLocal4, 6, test::tcp(f, target, kLocal4))).has_value())
      << "a SYN-ACK acknowledging another sequence number";

  // A DNS answer to a UDP probe.
  const ProbeIndex dns_index = find(1, 53);
  const Bytes dns = craft(dns_index);
  const std::uint8_t* u = dns.data() + kEth + 20;
  const Ipv4 dns_target = space.at(dns_index).ip.ipv4();
  const Bytes query(u + 8, dns.data() + dns.size());
  AnswerInfo info;
  const std::optional<Result> udp_open = classify(
      udp4_frame(dns_target, 53, kLocal4, be16(u), udp::test::dns_txt_answer(query, "dnsmasq-2.90")), &info);
  ASSERT_TRUE(udp_open.has_value());
  EXPECT_EQ(udp_open->proto, 1);
  EXPECT_EQ(udp_open->index, dns_index);
  EXPECT_EQ(udp_open->state, PortState::open);
  EXPECT_TRUE(udp_open->has_answer);
  EXPECT_EQ(info.product, "dnsmasq");

  // An echo reply.
  const ProbeIndex echo_index = find(2, 0);
  const Bytes echo = craft(echo_index);
  const Ipv4 echo_target = space.at(echo_index).ip.ipv4();
  Bytes reply(echo.begin() + kEth + 20, echo.begin() + kEth + 28);  // type, code, checksum, id, seq
  reply[0] = 0;
  test::set16(reply, 2, 0);
  test::set16(reply, 2, test::inet_checksum(reply));
  const std::optional<Result> up = classify(ipv4_frame(echo_target, kLocal4, 1, reply));
  ASSERT_TRUE(up.has_value());
  EXPECT_EQ(up->proto, 2);
  EXPECT_EQ(up->index, echo_index);
  EXPECT_EQ(up->state, PortState::open);

  // ICMP port unreachable quoting the UDP probe: UDP's closed.
  const Bytes udp_quote(dns.begin() + kEth, dns.end());
  const std::optional<Result> closed =
      classify(ipv4_frame(dns_target, kLocal4, 1, test::icmp(3, 3, udp_quote)));
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->proto, 1);
  EXPECT_EQ(closed->index, dns_index);
  EXPECT_EQ(closed->state, PortState::closed);

  // ICMP host unreachable quoting the TCP probe: TCP's filtered.
  const Bytes tcp_quote(syn.begin() + kEth, syn.begin() + kEth + 28);
  const std::optional<Result> filtered =
      classify(ipv4_frame(0xC6120002, kLocal4, 1, test::icmp(3, 1, tcp_quote)));
  ASSERT_TRUE(filtered.has_value());
  EXPECT_EQ(filtered->proto, 0);
  EXPECT_EQ(filtered->index, syn_index);
  EXPECT_EQ(filtered->state, PortState::filtered);

  // Foreign traffic: a SYN-ACK from a stranger, a DNS answer to a port we never used, an echo request.
  f.ack = be32(t + 4) + 1;
  EXPECT_FALSE(classify(ipv4_frame(0xC6120180, kLocal4, 6, test::tcp(f, 0xC6120180, kLocal4))).has_value());
  EXPECT_FALSE(classify(udp4_frame(dns_target, 53, kLocal4, 40000, udp::test::dns_txt_answer(query, "x")))
                   .has_value());
  reply[0] = 8;
  test::set16(reply, 2, 0);
  test::set16(reply, 2, test::inet_checksum(reply));
  EXPECT_FALSE(classify(ipv4_frame(echo_target, kLocal4, 1, reply)).has_value());
  EXPECT_FALSE(classify(ipv4_frame(echo_target, kLocal4, 47, Bytes(24, 0))).has_value()) << "GRE";
}

// The same with the blocks in the other order (echo, UDP, TCP): the TCP block starts at a non-zero index, and
// every TCP probe of both families, answered by a SYN-ACK, is open at its own index; every UDP probe's ICMP
// port unreachable is closed at its own.
TEST(ProbeSetOrder, BlocksAtAnyBaseAnswerTheirOwnIndices) {
  AddressRanges targets({{0xC6120100, 0xC6120103}},
                        {{make_ipv6(0x2001'0db8'0000'0000ULL, 1), make_ipv6(0x2001'0db8'0000'0000ULL, 2)}});
  const ProbeSpace space(
      TargetSet(targets),
      std::vector<ProtocolPorts>{{2, PortSet({0})}, {1, PortSet({53, 9999})}, {0, PortSet({22, 80})}});
  const ProbeSetup setup = setup_for(space);
  const ProbeSet set(setup);
  ASSERT_EQ(space.blocks().back().proto(), 0);
  ASSERT_GT(space.blocks().back().base(), 0u);
  std::size_t tcp_seen = 0, udp_seen = 0;
  for (ProbeIndex i = 0; i < space.size(); ++i) {
    SCOPED_TRACE(i);
    const Probe probe = space.at(i);
    if (probe.proto == 2) continue;
    Bytes f(set.frame_stride());
    std::uint16_t length = 0;
    set.craft_batch(&i, 1, f.data(), f.size(), &length);
    f.resize(length);
    const std::optional<Packet> p = preprocess(f, LinkType::ethernet);
    ASSERT_TRUE(p.has_value());
    const std::uint8_t* t = p->transport.data();
    const bool v4 = probe.ip.is_v4();
    Bytes reply;
    if (probe.proto == 0) {
      test::TcpFields r;
      r.src_port = be16(t + 2);
      r.dst_port = be16(t);
      r.seq = 0x55667788;
      r.ack = be32(t + 4) + 1;
      r.flags = 0x12;
      r.window = 65535;
      if (v4) {
        reply = ipv4_frame(probe.ip.ipv4(), kLocal4, 6, test::tcp(r, probe.ip.ipv4(), kLocal4));
      } else {
        test::Ipv6Fields ip;
        ip.src = probe.ip.ipv6();
        ip.dst = kLocal6;
        ip.next_header = 6;
        reply = test::ethernet(test::ipv6(ip, test::tcp6(r, probe.ip.ipv6(), kLocal6)), 0x86dd);
      }
      ++tcp_seen;
    } else {
      const std::size_t ip_len = v4 ? 20 : 40;
      const Bytes quote(f.begin() + kEth, f.begin() + kEth + ip_len + 8);
      if (v4) {
        reply = ipv4_frame(probe.ip.ipv4(), kLocal4, 1, test::icmp(3, 3, quote));
      } else {
        test::Ipv6Fields ip;
        ip.src = probe.ip.ipv6();
        ip.dst = kLocal6;
        ip.next_header = 58;
        reply = test::ethernet(test::ipv6(ip, test::icmpv6(1, 4, quote, probe.ip.ipv6(), kLocal6)), 0x86dd);
      }
      ++udp_seen;
    }
    const std::optional<Result> r = set.classify(reply, LinkType::ethernet, 0, nullptr);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->index, i);
    EXPECT_EQ(r->proto, probe.proto);
    EXPECT_EQ(r->ip, probe.ip);
    EXPECT_EQ(r->port, probe.port);
    EXPECT_EQ(r->state, probe.proto == 0 ? PortState::open : PortState::closed);
  }
  EXPECT_EQ(tcp_seen, 12u);
  EXPECT_EQ(udp_seen, 12u);
}

}  // namespace
}  // namespace synscan
