// Crafting spaces with IPv6 targets (MixedProbeMaker, through TcpSynModule): a batch equals one-by-one
// crafting for every batch length, and every frame equals the frame libnet builds from scratch for the probe
// its index names (destination from the probe space, source port from source_port_for, sequence number the
// family's SYN cookie), with IPv4 and IPv6 probes interleaved in each batch and the IPv6 targets in several
// intervals.
#include "engine/probes/syn_maker_mixed.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/permutation.hpp"
#include "engine/probe_module.hpp"
#include "engine/probes/syn_profile.hpp"
#include "engine/probes/syn_timestamp.hpp"
#include "engine/probes/tcp_syn.hpp"

namespace synscan {
namespace {

constexpr Mac kSourceMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
constexpr Mac kNextHopMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
constexpr Ipv4 kSource4 = 0xC6120001;                              // 198.18.0.1
constexpr Ipv6 kSource6 = make_ipv6(0x2001'0002'0000'0000ULL, 1);  // 2001:2::1
constexpr std::uint16_t kPortFirst = 61000;
constexpr std::uint16_t kPortLast = 61255;

Ipv6 lab6(std::uint64_t subnet, std::uint64_t host) {
  return make_ipv6(0x2001'0002'0000'0000ULL | subnet, host);
}

// 198.19.0.0/25 and 198.19.3.0-2; 2001:2::/121, 2001:2:0:1::10-1f, 2001:2:0:ff::1 (three IPv6 intervals) and
// 2001:2:0:ffff:ffff:ffff:ffff:fff0/124 (addresses whose words carry); ports 22, 80, 65535.
ProbeSpace mixed_space() {
  AddressRanges targets({{0xC6130000, 0xC613007F}, {0xC6130300, 0xC6130302}},
                        {{lab6(0, 0), lab6(0, 0x7F)},
                         {lab6(1, 0x10), lab6(1, 0x1F)},
                         {lab6(0xFF, 1), lab6(0xFF, 1)},
                         {lab6(0xFFFF, ~0ULL - 15), lab6(0xFFFF, ~0ULL)}});
  return {TargetSet(targets), PortSet({22, 80, 65535})};
}

ProbeSpace v6_space() {
  return {TargetSet(AddressRanges({}, {{lab6(2, 0), lab6(2, 0xFFF)}})), PortSet({443, 8080})};
}

ProbeSpace v4_space() {
  return {TargetSet(std::vector<Interval>{{0xC6130000, 0xC61300FF}}), PortSet({25, 80})};
}

// MSS alone by default: the frames these tests were written for (the profiles have their own below).
ProbeSetup setup_for(const ProbeSpace& space, LinkType link = LinkType::ethernet,
                     SynProfile profile = SynProfile::mss) {
  ProbeSetup s;
  s.args = {{"syn-profile", std::string(syn_profile_name(profile))}};
  s.space = &space;
  s.key = CookieKey{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
  if (space.targets().v4_size() > 0)
    s.v4 = LocalEndpoint{link, kSourceMac, kNextHopMac, IpAddress::v4(kSource4)};
  if (space.targets().v6_size() > 0)
    s.v6 = LocalEndpoint{link, kSourceMac, kNextHopMac, IpAddress::v6(kSource6)};
  s.source_port_first = kPortFirst;
  s.source_port_last = kPortLast;
  return s;
}

// The frame the probe at `index` must be, built by libnet from fields derived here from their definitions.
// With `profile`'s options, window and TTL, and `tsval` in its timestamp option.
std::vector<std::uint8_t> expected_frame(const ProbeSpace& space, const SynCookie& cookie, ProbeIndex index,
                                         LinkType link, SynProfile profile = SynProfile::mss,
                                         std::uint32_t tsval = 0) {
  const Probe probe = space.at(index);
  const std::uint16_t sport = source_port_for(index, kPortFirst, kPortLast - kPortFirst + 1u);
  if (probe.ip.is_v4()) {
    TemplateParams p;
    p.link = link;
    p.source_mac = kSourceMac;
    p.next_hop_mac = kNextHopMac;
    p.source_ip = kSource4;
    p.profile = profile;
    p.window = syn_options(profile, p.mss).window;
    p.ttl = syn_options(profile, p.mss).ttl;
    const std::uint32_t seq = cookie(kSource4, probe.ip.ipv4(), sport, probe.port);
    return build_probe_with_libnet(
        p, {probe.ip.ipv4(), probe.port, sport, seq, static_cast<std::uint16_t>(seq >> 16), tsval});
  }
  TemplateParams6 p;
  p.link = link;
  p.source_mac = kSourceMac;
  p.next_hop_mac = kNextHopMac;
  p.source_ip = kSource6;
  p.profile = profile;
  p.window = syn_options(profile, p.mss).window;
  p.hop_limit = syn_options(profile, p.mss).ttl;
  return build_probe6_with_libnet(p, {probe.ip.ipv6(), probe.port, sport,
                                      cookie.v6(kSource6, probe.ip.ipv6(), sport, probe.port), tsval});
}

// The TSval a crafted frame carries (0 without a timestamp option): read back at the profile's offset.
std::uint32_t frame_tsval(const std::uint8_t* frame, std::size_t length, SynProfile profile, LinkType link) {
  const SynOptions o = syn_options(profile, 0);
  if (o.tsval_offset < 0) return 0;
  const std::size_t l2 = link == LinkType::ethernet ? 14 : 0;
  const bool v6 = (frame[l2] >> 4) == 6;
  const std::size_t at = l2 + (v6 ? 40 : 20) + 20 + static_cast<std::size_t>(o.tsval_offset);
  if (at + 4 > length) return 0;
  return (std::uint32_t{frame[at]} << 24) | (std::uint32_t{frame[at + 1]} << 16) |
         (std::uint32_t{frame[at + 2]} << 8) | frame[at + 3];
}

// Every probe of `space`, in a permutation's order (the families interleave as a scan sends them), crafted in
// batches of `batch` through the module, equals its libnet frame; lengths as the frames'.
// With a timestamp profile, each frame's TSval must be the scan's clock read during its batch.
void expect_every_frame_right(const ProbeSpace& space, LinkType link, std::size_t batch,
                              SynProfile profile = SynProfile::mss) {
  const ProbeSetup setup = setup_for(space, link, profile);
  const SynTimestamp clock(setup.key);
  const std::unique_ptr<ProbeModule> module = make_probe_module("tcp_syn", setup);
  const SynCookie cookie(setup.key);
  const std::size_t stride = module->frame_stride();
  const Permutation perm(space.size(), 77);
  std::vector<ProbeIndex> indices(batch);
  std::vector<std::uint8_t> frames(stride * batch);
  std::vector<std::uint16_t> lengths(batch);
  std::size_t v4 = 0, v6 = 0;
  for (std::uint64_t pos = 0; pos < space.size(); pos += batch) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(batch, space.size() - pos));
    perm.fill(pos, 1, n, indices.data());
    const std::uint32_t before = clock.now();
    module->craft_batch(indices.data(), n, frames.data(), stride, lengths.data());
    const std::uint32_t after = clock.now();
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t tsval = frame_tsval(frames.data() + stride * i, lengths[i], profile, link);
      if (syn_options(profile, 0).tsval_offset >= 0) {
        ASSERT_LE(tsval - before, after - before) << "TSval is the send time";
      }
      const std::vector<std::uint8_t> expected =
          expected_frame(space, cookie, indices[i], link, profile, tsval);
      ASSERT_EQ(lengths[i], expected.size()) << "index " << indices[i];
      ASSERT_EQ(
          std::vector<std::uint8_t>(frames.data() + stride * i, frames.data() + stride * i + lengths[i]),
          expected)
          << "index " << indices[i] << " (" << format_address(space.at(indices[i]).ip) << ")";
      (space.at(indices[i]).ip.is_v4() ? v4 : v6)++;
    }
  }
  EXPECT_EQ(v4 + v6, space.size());
  EXPECT_EQ(v4, space.targets().v4_size() * space.blocks().front().ports().size());
}

TEST(MixedProbeMaker, EveryMixedFrameEqualsItsLibnetFrame) {
  const ProbeSpace space = mixed_space();
  for (const std::size_t batch : {1u, 7u, 64u, 100u, 1000u}) {
    expect_every_frame_right(space, LinkType::ethernet, batch);
  }
  expect_every_frame_right(space, LinkType::raw_ip, 256);
}

TEST(MixedProbeMaker, EveryIpv6OnlyFrameEqualsItsLibnetFrame) {
  expect_every_frame_right(v6_space(), LinkType::ethernet, 256);
  expect_every_frame_right(v6_space(), LinkType::raw_ip, 33);
}

// One-by-one crafting against batches of every length from 0 to 200 (several chunks, every tail), in a space
// whose IPv6 targets are several intervals (a search per address) and in one where they are one (the fast
// path).
void expect_batches_equal_one_by_one(const ProbeSpace& space) {
  const ProbeTemplate tmpl4(TemplateParams{LinkType::ethernet, kSourceMac, kNextHopMac, kSource4});
  const ProbeTemplate6 tmpl6(TemplateParams6{LinkType::ethernet, kSourceMac, kNextHopMac, kSource6});
  const MixedProbeMaker maker(space.blocks().front(), tmpl4, tmpl6, SynCookie(CookieKey{11, 22}), kSource4,
                              kSource6, kPortFirst, kPortLast);
  const Permutation perm(space.size(), 5);
  constexpr std::size_t kStride = 136;  // any stride >= kMaxFrame
  for (std::size_t n = 0; n <= 200; ++n) {
    std::vector<ProbeIndex> indices(n);
    if (n > 0) perm.fill(n, 1, n, indices.data());
    std::vector<std::uint8_t> batch(kStride * (n + 1), 0xAA);
    std::vector<std::uint16_t> lengths(n + 1, 0xBEEF);
    maker.craft_batch(indices.data(), n, batch.data(), kStride, lengths.data());
    std::size_t v6 = 0;
    for (std::size_t i = 0; i < n; ++i) {
      std::uint8_t one[MixedProbeMaker::kMaxFrame];
      const std::uint16_t length = maker.craft(indices[i], one);
      ASSERT_EQ(lengths[i], length) << "n " << n << " probe " << i;
      ASSERT_EQ(std::memcmp(batch.data() + kStride * i, one, length), 0) << "n " << n << " probe " << i;
      v6 += space.at(indices[i]).ip.is_v6() ? 1 : 0;
    }
    if (n >= 32) {  // both families in the batch
      EXPECT_GT(v6, 0u) << n;
      EXPECT_LT(v6, n) << n;
    }
    EXPECT_EQ(batch[kStride * n], 0xAA) << "wrote past the last slot, n " << n;
    EXPECT_EQ(lengths[n], 0xBEEF) << "wrote past the last length, n " << n;
  }
}

TEST(MixedProbeMaker, CraftBatchEqualsCraftForEveryBatchLength) {
  expect_batches_equal_one_by_one(mixed_space());  // 131 IPv4 and 161 IPv6 addresses, 3 ports
  const ProbeSpace one_interval6(
      TargetSet(AddressRanges({{0xC6130000, 0xC61300FF}}, {{lab6(3, 0), lab6(3, 0x17F)}})), PortSet({1, 2}));
  expect_batches_equal_one_by_one(one_interval6);
}

TEST(TcpSynModule, StrideIs64ForIpv4And128WithIpv6) {
  const ProbeSpace v4 = v4_space(), v6 = v6_space(), mixed = mixed_space();
  EXPECT_EQ(make_probe_module("tcp_syn", setup_for(v4))->frame_stride(), 64u);
  EXPECT_EQ(make_probe_module("tcp_syn", setup_for(v6))->frame_stride(), 128u);
  EXPECT_EQ(make_probe_module("tcp_syn", setup_for(mixed))->frame_stride(), 128u);
}

TEST(TcpSynModule, RefusesAFamilyWithoutItsSource) {
  const ProbeSpace mixed = mixed_space();
  ProbeSetup no6 = setup_for(mixed);
  no6.v6.reset();
  EXPECT_THROW(make_probe_module("tcp_syn", no6), std::invalid_argument);
  ProbeSetup no4 = setup_for(mixed);
  no4.v4.reset();
  EXPECT_THROW(make_probe_module("tcp_syn", no4), std::invalid_argument);
  ProbeSetup wrong = setup_for(mixed);
  wrong.v6->source_ip = IpAddress::v4(kSource4);  // an IPv4 address as the IPv6 source
  EXPECT_THROW(make_probe_module("tcp_syn", wrong), std::invalid_argument);
}

TEST(TcpSynModule, Ipv4OnlyScanTakesTheIpv4Path) {
  // The module's IPv4-only batches are ProbeMaker's bytes exactly, with every length 60.
  const ProbeSpace space = v4_space();
  const ProbeSetup setup = setup_for(space);
  const std::unique_ptr<ProbeModule> module = make_probe_module("tcp_syn", setup);
  const ProbeTemplate tmpl4(TemplateParams{LinkType::ethernet, kSourceMac, kNextHopMac, kSource4});
  const ProbeMaker maker4(space.blocks().front(), tmpl4, SynCookie(setup.key), kSource4, kPortFirst,
                          kPortLast);
  std::vector<ProbeIndex> indices(space.size());
  for (ProbeIndex i = 0; i < space.size(); ++i) indices[i] = (i * 97) % space.size();
  std::vector<std::uint8_t> a(64 * indices.size()), b(64 * indices.size());
  std::vector<std::uint16_t> lengths(indices.size());
  module->craft_batch(indices.data(), indices.size(), a.data(), 64, lengths.data());
  maker4.craft_batch(indices.data(), indices.size(), b.data(), 64);
  for (std::size_t i = 0; i < indices.size(); ++i) {
    ASSERT_EQ(lengths[i], 60);
    ASSERT_EQ(std::memcmp(a.data() + 64 * i, b.data() + 64 * i, 60), 0) << i;
  }
  expect_every_frame_right(space, LinkType::ethernet, 64);
}

// Every profile (engine/probes/syn_profile.hpp) through the module, both families, both link types: each
// frame equals libnet's frame with the profile's options, window and TTL (checksums included), and a profile
// with timestamps carries the batch's send time.
TEST(TcpSynModule, EveryProfileCraftsItsLibnetFrameInBothFamilies) {
  for (SynProfile profile : kSynProfiles) {
    SCOPED_TRACE(std::string(syn_profile_name(profile)));
    for (LinkType link : {LinkType::ethernet, LinkType::raw_ip}) {
      expect_every_frame_right(v4_space(), link, 64, profile);
      expect_every_frame_right(v6_space(), link, 64, profile);
      expect_every_frame_right(mixed_space(), link, 100, profile);
    }
  }
}

TEST(TcpSynModule, ProfileSetsTheStrideAndTheDefaultIsWindows) {
  const ProbeSpace v4 = v4_space();
  ProbeSetup setup = setup_for(v4);
  setup.args.clear();  // the default profile
  const std::unique_ptr<ProbeModule> module = make_probe_module("tcp_syn", setup);
  EXPECT_EQ(module->frame_stride(), 128u);  // a 66-byte frame
  std::vector<std::uint8_t> frame(128);
  std::uint16_t length = 0;
  const ProbeIndex index = 3;
  module->craft_batch(&index, 1, frame.data(), 128, &length);
  EXPECT_EQ(length, 66);
  EXPECT_EQ(frame[14 + 8], 128);  // Windows' TTL
  EXPECT_EQ(make_probe_module("tcp_syn", setup_for(v4, LinkType::ethernet, SynProfile::none))->frame_stride(),
            64u);
  setup.args = {{"syn-profile", "solaris"}};
  EXPECT_THROW(make_probe_module("tcp_syn", setup), std::invalid_argument);
}

}  // namespace
}  // namespace synscan
