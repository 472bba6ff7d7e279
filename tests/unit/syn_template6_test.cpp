// The IPv6 TCP SYN template: every patched frame equals the frame libnet builds from scratch with the same
// fields, one frame equals a fixture built independently in Python (struct + ipaddress), and every TCP
// checksum verifies over the IPv6 pseudo-header computed here from the frame's own bytes (RFC 8200
// section 8.1).
#include "engine/probes/syn_template6.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace synscan {
namespace {

TemplateParams6 ethernet_params() {
  TemplateParams6 p;
  p.source_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
  p.next_hop_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
  p.source_ip = make_ipv6(0x2001'0002'0000'0000ULL, 1);  // 2001:2::1
  return p;
}

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }

// Verifies the TCP checksum from scratch: the pseudo-header (source, destination, 32-bit upper-layer length,
// 3 zero bytes, next header) from the frame's IPv6 header, then the segment, must sum to 0xFFFF.
void expect_checksum_valid(std::span<const std::uint8_t> frame, std::size_t l2) {
  const std::uint8_t* ip = frame.data() + l2;
  ASSERT_EQ(ip[0] >> 4, 6);
  const std::size_t payload = be16(ip + 4);
  ASSERT_EQ(l2 + 40 + payload, frame.size());
  std::uint32_t pseudo = 0;
  for (int i = 8; i < 40; i += 2) pseudo += be16(ip + i);
  pseudo += static_cast<std::uint32_t>(payload >> 16) + static_cast<std::uint32_t>(payload & 0xFFFF) + ip[6];
  EXPECT_EQ(ones_complement_sum({ip + 40, payload}, pseudo), 0xFFFF) << "TCP checksum";
}

TEST(ProbeTemplate6, EqualsAnIndependentlyBuiltFrame) {
  // Built by Python from RFC 8200 / RFC 9293 with struct and ipaddress (no libnet): 2001:2::1 port 61000 ->
  // 2001:2:0:1::364 port 443, seq 0xDEADBEEF, window 1024, MSS 1440, hop limit 64; checksum c3 2d.
  const std::vector<std::uint8_t> expected = {
      0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0xdd, 0x60, 0x00,
      0x00, 0x00, 0x00, 0x18, 0x06, 0x40, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x03, 0x64, 0xee, 0x48, 0x01, 0xbb, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00,
      0x00, 0x00, 0x60, 0x02, 0x04, 0x00, 0xc3, 0x2d, 0x00, 0x00, 0x02, 0x04, 0x05, 0xa0,
  };
  const ProbeTemplate6 t(ethernet_params());
  ASSERT_EQ(t.size(), 78u);
  std::uint8_t out[ProbeTemplate6::kMaxFrame];
  t.craft(out, {make_ipv6(0x2001'0002'0000'0001ULL, 0x364), 443, 61000, 0xDEADBEEF});
  EXPECT_EQ(std::vector<std::uint8_t>(out, out + t.size()), expected);
  expect_checksum_valid({out, t.size()}, 14);
}

TEST(ProbeTemplate6, LayoutIsAnIpv6SynWithMss) {
  const ProbeTemplate6 t(ethernet_params());
  std::uint8_t out[ProbeTemplate6::kMaxFrame];
  t.craft(out, {make_ipv6(0x2001'0002'0000'00FFULL, 0x1234'5678'9ABC'DEF0ULL), 80, 61000, 1});
  EXPECT_EQ(be16(out + 12), 0x86DD);  // ethertype IPv6
  const std::uint8_t* ip = out + 14;
  EXPECT_EQ(ip[0], 0x60);  // version 6, traffic class 0
  EXPECT_EQ(ip[1], 0);     // traffic class 0, flow label 0
  EXPECT_EQ(be16(ip + 2), 0);
  EXPECT_EQ(be16(ip + 4), 24);  // payload length: TCP header with MSS
  EXPECT_EQ(ip[6], 6);          // next header TCP
  EXPECT_EQ(ip[7], 64);         // hop limit
  EXPECT_EQ(load_ipv6(ip + 8), ethernet_params().source_ip);
  EXPECT_EQ(load_ipv6(ip + 24), make_ipv6(0x2001'0002'0000'00FFULL, 0x1234'5678'9ABC'DEF0ULL));
  const std::uint8_t* tcp = ip + 40;
  EXPECT_EQ(be16(tcp), 61000);
  EXPECT_EQ(be16(tcp + 2), 80);
  EXPECT_EQ(tcp[12] >> 4, 6);  // data offset: 24 bytes
  EXPECT_EQ(tcp[13], 0x02);    // SYN only
  EXPECT_EQ(be16(tcp + 14), 1024);
  EXPECT_EQ(tcp[20], 2);  // MSS option kind, length, value
  EXPECT_EQ(tcp[21], 4);
  EXPECT_EQ(be16(tcp + 22), 1440);
  expect_checksum_valid({out, t.size()}, 14);
}

// The golden-bytes property: for 2,000 random probes the patched frame equals, byte for byte, the frame
// libnet builds from scratch with the same fields, and its checksum verifies.
void check_random_probes(const TemplateParams6& params, std::size_t l2) {
  const ProbeTemplate6 t(params);
  std::mt19937_64 rng(6789);
  std::uint8_t out[ProbeTemplate6::kMaxFrame];
  for (int i = 0; i < 2000; ++i) {
    const std::uint64_t r = rng();
    ProbeFields6 f{make_ipv6(rng(), rng()), static_cast<std::uint16_t>(r),
                   static_cast<std::uint16_t>(r >> 16), static_cast<std::uint32_t>(r >> 32)};
    if (i == 0) f = {~Ipv6{0}, 0xFFFF, 0xFFFF, 0xFFFFFFFF};  // carries in every sum
    if (i == 1) f = {0, 0, 0, 0};
    if (i == 2) f = {make_ipv6(~0ULL, 1), 0xFFFF, 0, 0xFFFF0000};  // a carry out of the 64-bit add
    if (i % 4 == 3) f.dst_ip = make_ipv6(0x2001'0002'0000'0000ULL | (r & 0xFFFF), rng());  // the lab's /48
    t.craft(out, f);
    const std::vector<std::uint8_t> reference = build_probe6_with_libnet(params, f);
    ASSERT_EQ(reference.size(), t.size());
    ASSERT_EQ(std::vector<std::uint8_t>(out, out + t.size()), reference) << "probe " << i;
    expect_checksum_valid({out, t.size()}, l2);
  }
}

TEST(ProbeTemplate6, PatchedEthernetFramesEqualLibnetFramesByteForByte) {
  check_random_probes(ethernet_params(), 14);
}

TEST(ProbeTemplate6, PatchedRawFramesEqualLibnetFramesByteForByte) {
  TemplateParams6 p = ethernet_params();
  p.link = LinkType::raw_ip;
  p.hop_limit = 255;
  p.window = 65535;
  p.mss = 1220;
  p.source_ip = ~Ipv6{0} - 1;  // a source whose words carry in the template's own sum
  const ProbeTemplate6 t(p);
  EXPECT_EQ(t.size(), 64u);
  EXPECT_EQ(t.bytes()[0], 0x60);  // the frame starts at the IPv6 header
  check_random_probes(p, 0);
}

TEST(ProbeTemplate6, RejectsCaptureOnlyLinks) {
  TemplateParams6 p = ethernet_params();
  p.link = LinkType::linux_sll2;
  EXPECT_THROW(ProbeTemplate6{p}, std::invalid_argument);
}

TEST(Wire, SixtyFourBitSumsEqualSixteenBitSums) {
  // ones_complement_add64 against the eight 16-bit words summed one by one, on random and extreme halves.
  std::mt19937_64 rng(3);
  for (int i = 0; i < 100'000; ++i) {
    std::uint64_t a = rng(), b = rng();
    if (i == 0) a = b = ~0ULL;
    if (i == 1) a = b = 0;
    if (i == 2) a = ~0ULL, b = 1;
    std::uint64_t words = 0;
    for (int s = 0; s < 64; s += 16) words += ((a >> s) & 0xFFFF) + ((b >> s) & 0xFFFF);
    const std::uint64_t fast = ones_complement_add64(a, b);
    ASSERT_LT(fast, 1ULL << 33);
    // Equal modulo 2^16 - 1, and both zero only together (the fold of a non-zero sum is never 0).
    ASSERT_EQ(fast % 0xFFFF, words % 0xFFFF) << i;
    ASSERT_EQ(fast == 0, words == 0) << i;
  }
}

}  // namespace
}  // namespace synscan
