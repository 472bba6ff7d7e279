// ProbeMaker: the batched crafting path writes exactly what one-at-a-time crafting writes.
#include "engine/probes/syn_maker4.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace synscan {
namespace {

TemplateParams params() {
  TemplateParams p;
  p.source_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
  p.next_hop_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
  p.source_ip = 0xC6120001;
  return p;
}

TEST(ProbeMaker, CraftBatchEqualsCraftForEveryBatchLength) {
  // Several intervals, so that both of the locator's target paths run.
  const ProbeSpace space(TargetSet(std::vector<Interval>{{0xC6130000, 0xC61300FF}, {0xC6130300, 0xC6130302}}),
                         PortSet({25, 80, 60000}));
  const ProbeTemplate tmpl(params());
  const ProbeMaker maker(space.blocks().front(), tmpl, SynCookie(CookieKey{11, 22}), 0xC6120001, 61000,
                         61255);
  constexpr std::size_t kStride = 80;  // any stride >= kMaxFrame, as ring slots have
  for (std::size_t n : {0u, 1u, 3u, 4u, 5u, 7u, 8u, 9u, 64u, 255u}) {
    std::vector<ProbeIndex> indices(n);
    for (std::size_t i = 0; i < n; ++i) indices[i] = (i * 97 + n) % space.size();
    std::vector<std::uint8_t> batch(kStride * (n + 1), 0xAA);
    maker.craft_batch(indices.data(), n, batch.data(), kStride);
    for (std::size_t i = 0; i < n; ++i) {
      std::uint8_t one[ProbeTemplate::kMaxFrame];
      maker.craft(indices[i], one);
      ASSERT_EQ(std::memcmp(batch.data() + kStride * i, one, maker.frame_size()), 0)
          << "n " << n << " probe " << i;
    }
    // Nothing written past the last frame's slot.
    EXPECT_EQ(batch[kStride * n], 0xAA);
  }
}

TEST(ProbeMaker, FrameCarriesTheProbeAndItsCookie) {
  const ProbeSpace space(TargetSet(std::vector<Interval>{{0xC6130000, 0xC61300FF}}), PortSet({60000, 60001}));
  const ProbeTemplate tmpl(params());
  const SynCookie cookie(CookieKey{3, 4});
  const ProbeMaker maker(space.blocks().front(), tmpl, cookie, 0xC6120001, 61000, 61255);
  std::uint8_t out[ProbeTemplate::kMaxFrame];
  const ProbeIndex index = 256 + 17;  // port index 1, target index 17
  maker.craft(index, out);
  const std::uint8_t* ip = out + 14;
  const std::uint8_t* tcp = ip + 20;
  auto be16 = [](const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); };
  auto be32 = [&](const std::uint8_t* p) { return (std::uint32_t{be16(p)} << 16) | be16(p + 2); };
  EXPECT_EQ(be32(ip + 16), 0xC6130011u);
  EXPECT_EQ(be16(tcp + 2), 60001);
  const std::uint16_t sport = be16(tcp);
  EXPECT_EQ(sport, source_port_for(index, 61000, 256));
  EXPECT_EQ(be32(tcp + 4), cookie(0xC6120001, 0xC6130011, sport, 60001));
}

}  // namespace
}  // namespace synscan
