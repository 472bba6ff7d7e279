#include "engine/probes/syn_template4.hpp"

#include <gtest/gtest.h>

#include <random>

namespace synscan {
namespace {

TemplateParams ethernet_params() {
  TemplateParams p;
  p.source_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
  p.next_hop_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
  p.source_ip = 0xC6120001;  // 198.18.0.1
  return p;
}

// Verifies both checksums from scratch, independently of libnet and of the template.
void expect_checksums_valid(std::span<const std::uint8_t> frame, std::size_t l2) {
  const std::uint8_t* ip = frame.data() + l2;
  const std::size_t ihl = (ip[0] & 0x0F) * 4u;
  const std::size_t total = (std::size_t{ip[2]} << 8) | ip[3];
  EXPECT_EQ(ones_complement_sum({ip, ihl}), 0xFFFF) << "IPv4 header checksum";
  std::uint32_t pseudo = 0;
  for (int i = 12; i < 20; i += 2) pseudo += (std::uint32_t{ip[i]} << 8) | ip[i + 1];
  pseudo += ip[9] + static_cast<std::uint32_t>(total - ihl);
  EXPECT_EQ(ones_complement_sum({ip + ihl, total - ihl}, pseudo), 0xFFFF) << "TCP checksum";
}

TEST(ProbeTemplate, EthernetLayoutIsASynWithMss) {
  ProbeTemplate t(ethernet_params());
  ASSERT_EQ(t.size(), 60u);
  std::uint8_t out[ProbeTemplate::kMaxFrame];
  t.craft(out, {0xC6130050, 80, 61000, 0xDEADBEEF, 7});
  EXPECT_EQ(out[12], 0x08);  // ethertype IPv4
  EXPECT_EQ(out[13], 0x00);
  EXPECT_EQ(out[14], 0x45);   // IPv4, IHL 5
  EXPECT_EQ(out[14 + 9], 6);  // TCP
  EXPECT_EQ(out[14 + 16], 198);
  EXPECT_EQ(out[14 + 19], 0x50);
  const std::uint8_t* tcp = out + 34;
  EXPECT_EQ((tcp[0] << 8) | tcp[1], 61000);
  EXPECT_EQ((tcp[2] << 8) | tcp[3], 80);
  EXPECT_EQ(tcp[4], 0xDE);
  EXPECT_EQ(tcp[7], 0xEF);
  EXPECT_EQ(tcp[12] >> 4, 6);  // data offset: 24 bytes
  EXPECT_EQ(tcp[13], 0x02);    // SYN only
  EXPECT_EQ(tcp[20], 2);       // MSS option kind
  EXPECT_EQ(tcp[21], 4);       // MSS option length
  expect_checksums_valid({out, t.size()}, 14);
}

// The golden-bytes property: for 1,000 random probes the patched frame equals, byte for byte, the frame
// libnet builds from scratch with the same fields, and its checksums verify.
void check_random_probes(const TemplateParams& params, std::size_t l2) {
  ProbeTemplate t(params);
  std::mt19937_64 rng(12345);
  std::uint8_t out[ProbeTemplate::kMaxFrame];
  for (int i = 0; i < 1000; ++i) {
    std::uint64_t r = rng();
    ProbeFields f{static_cast<Ipv4>(rng()), static_cast<std::uint16_t>(r),
                  static_cast<std::uint16_t>(r >> 16), static_cast<std::uint32_t>(r >> 32),
                  static_cast<std::uint16_t>(rng())};
    if (i == 0) f = {0xFFFFFFFF, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFF};  // carries in every sum
    if (i == 1) f = {0, 0, 0, 0, 0};
    t.craft(out, f);
    std::vector<std::uint8_t> reference = build_probe_with_libnet(params, f);
    ASSERT_EQ(reference.size(), t.size());
    ASSERT_EQ(std::vector<std::uint8_t>(out, out + t.size()), reference) << "probe " << i;
    expect_checksums_valid({out, t.size()}, l2);
  }
}

TEST(ProbeTemplate, PatchedEthernetFramesEqualLibnetFramesByteForByte) {
  check_random_probes(ethernet_params(), 14);
}

TEST(ProbeTemplate, PatchedRawFramesEqualLibnetFramesByteForByte) {
  TemplateParams p = ethernet_params();
  p.link = LinkType::raw_ip;
  p.ttl = 200;
  p.window = 65535;
  p.mss = 536;
  ProbeTemplate t(p);
  EXPECT_EQ(t.size(), 44u);
  check_random_probes(p, 0);
}

TEST(ProbeTemplate, RejectsCaptureOnlyLinks) {
  TemplateParams p = ethernet_params();
  p.link = LinkType::linux_sll;
  EXPECT_THROW(ProbeTemplate{p}, std::invalid_argument);
}

}  // namespace
}  // namespace synscan
