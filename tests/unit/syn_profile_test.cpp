// The SYN option profiles against the systems they imitate: each profile's options byte for byte as the
// system puts them on the wire, in both families, and whole frames whose checksums verify from scratch.
//
// References (each a layout read from the named source, the bytes written out here by hand):
// - windows: p0f 3.09b p0f.fp [tcp:request] "s:win:Windows:7 or 8" / "10": olayout mss,nop,ws,nop,nop,sok,
// scale
//   8; zmap src/probe_modules/packet.c set_tcp_options(WINDOWS_OS_OPTIONS): MSS, NOP + WS 8, NOP NOP +
//   SACK_PERM. Window 64240 (44 x 1460) and TTL 128 as Windows 10's SYN.
// - linux: p0f.fp "s:unix:Linux:3.11 and newer": olayout mss,sok,ts,nop,ws; zmap
// set_tcp_options(LINUX_OS_OPTIONS):
//   MSS, SACK_PERM + TS, NOP + WS 7. Window 64240 = 44 x MSS, TTL 64 (Linux's tcp_select_initial_window and
//   ip_default_ttl); 64800 = 45 x 1440 over IPv6.
// - bsd: p0f.fp "s:unix:Mac OS X:10.x" / "FreeBSD:9.x or newer": olayout mss,nop,ws,nop,nop,ts,sok,eol+1;
// zmap
//   set_tcp_options(BSD_OS_OPTIONS): MSS, NOP + WS 6, NOP NOP + TS, SACK_PERM + EOL EOL. Window 65535,
//   TTL 64.
// - mss: masscan's and synscan's SYN until profiles (MSS alone); none: zmap's SYN before its PR #855.
#include "engine/probes/syn_profile.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "engine/probes/syn_template4.hpp"
#include "engine/probes/syn_template6.hpp"
#include "engine/probes/syn_timestamp.hpp"
#include "engine/probes/wire.hpp"

namespace synscan {
namespace {

using Bytes = std::vector<std::uint8_t>;

// MSS 1460 = 0x05b4; timestamps with TSval and TSecr zero.
const Bytes kWindows = {2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2};
const Bytes kLinux = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 7};
const Bytes kBsd = {2, 4, 0x05, 0xb4, 1, 3, 3, 6, 1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 4, 2, 0, 0};
const Bytes kMss = {2, 4, 0x05, 0xb4};

Bytes options_of(SynProfile p, std::uint16_t mss = 1460) {
  const SynOptions o = syn_options(p, mss);
  return {o.view().begin(), o.view().end()};
}

TEST(SynProfile, OptionsAreTheReferenceSystemsBytes) {
  EXPECT_EQ(options_of(SynProfile::windows), kWindows);
  EXPECT_EQ(options_of(SynProfile::linux), kLinux);
  EXPECT_EQ(options_of(SynProfile::bsd), kBsd);
  EXPECT_EQ(options_of(SynProfile::mss), kMss);
  EXPECT_TRUE(options_of(SynProfile::none).empty());
  EXPECT_EQ(syn_options(SynProfile::linux, 1460).tsval_offset, 8);
  EXPECT_EQ(syn_options(SynProfile::bsd, 1460).tsval_offset, 12);
  EXPECT_EQ(syn_options(SynProfile::windows, 1460).tsval_offset, -1);
}

TEST(SynProfile, WindowAndTtlAreTheSystems) {
  EXPECT_EQ(syn_options(SynProfile::windows, 1460).window, 64240);
  EXPECT_EQ(syn_options(SynProfile::windows, 1460).ttl, 128);
  EXPECT_EQ(syn_options(SynProfile::linux, 1460).window, 64240);
  EXPECT_EQ(syn_options(SynProfile::linux, 1440).window, 64800);
  EXPECT_EQ(syn_options(SynProfile::linux, 1460).ttl, 64);
  EXPECT_EQ(syn_options(SynProfile::bsd, 1440).window, 65535);
  EXPECT_EQ(syn_options(SynProfile::mss, 1460).window, 1024);
}

TEST(SynProfile, NamesRoundTripAndUnknownNamesAreRefused) {
  for (SynProfile p : kSynProfiles) EXPECT_EQ(syn_profile_by_name(syn_profile_name(p)), p);
  EXPECT_FALSE(syn_profile_by_name("Linux"));
  EXPECT_FALSE(syn_profile_by_name(""));
  EXPECT_EQ(kDefaultSynProfile, SynProfile::windows);
}

// Verifies the IPv4 and TCP checksums of an Ethernet IPv4 frame from scratch.
void expect_valid_v4(const std::uint8_t* frame) {
  const std::uint8_t* ip = frame + 14;
  const std::size_t total = (std::size_t{ip[2]} << 8) | ip[3];
  EXPECT_EQ(ones_complement_sum({ip, 20}), 0xFFFF);
  std::uint32_t pseudo = 0;
  for (int i = 12; i < 20; i += 2) pseudo += (std::uint32_t{ip[i]} << 8) | ip[i + 1];
  pseudo += 6 + static_cast<std::uint32_t>(total - 20);
  EXPECT_EQ(ones_complement_sum({ip + 20, total - 20}, pseudo), 0xFFFF);
}

TEST(SynProfile, Ipv4FramesCarryTheOptionsAndTheirChecksumsVerify) {
  const struct {
    SynProfile profile;
    const Bytes* options;
    std::size_t frame;
  } cases[] = {{SynProfile::windows, &kWindows, 66},
               {SynProfile::linux, &kLinux, 74},
               {SynProfile::bsd, &kBsd, 78},
               {SynProfile::mss, &kMss, 60},
               {SynProfile::none, nullptr, 60}};
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(syn_profile_name(c.profile)));
    TemplateParams p;
    p.source_ip = 0xC6120001;
    p.profile = c.profile;
    const ProbeTemplate t(p);
    ASSERT_EQ(t.size(), c.frame);
    std::uint8_t out[ProbeTemplate::kMaxFrame];
    for (std::uint32_t tsval : {0u, 0x12345678u, 0xFFFFFFFFu}) {
      t.craft(out, {0xC6130050, 443, 61000, 0xDEADBEEF, 9, tsval});
      const std::uint8_t* tcp = out + 34;
      const std::size_t options = c.options ? c.options->size() : 0;
      EXPECT_EQ(tcp[12] >> 4, (20 + options) / 4);  // data offset
      Bytes want = c.options ? *c.options : Bytes{};
      const std::int8_t ts = syn_options(c.profile, 1460).tsval_offset;
      if (ts >= 0) store_be32(want.data() + ts, tsval);
      EXPECT_EQ(Bytes(tcp + 20, tcp + 20 + options), want);
      expect_valid_v4(out);
      EXPECT_EQ(Bytes(out, out + t.size()),
                build_probe_with_libnet(p, {0xC6130050, 443, 61000, 0xDEADBEEF, 9, tsval}));
    }
  }
}

TEST(SynProfile, Ipv6FramesCarryTheOptionsWithMss1440AndTheirChecksumsVerify) {
  for (SynProfile profile : kSynProfiles) {
    SCOPED_TRACE(std::string(syn_profile_name(profile)));
    TemplateParams6 p;
    p.source_ip = make_ipv6(0x2001'0002'0000'0000ULL, 1);
    p.profile = profile;
    const ProbeTemplate6 t(p);
    const SynOptions o = syn_options(profile, 1440);
    ASSERT_EQ(t.size(), 14u + 40 + 20 + o.size);
    std::uint8_t out[ProbeTemplate6::kMaxFrame];
    const Ipv6 dst = make_ipv6(0x2001'0002'0000'0001ULL, 0x50);
    t.craft(out, {dst, 443, 61000, 0xDEADBEEF, 0xCAFEF00D});
    const std::uint8_t* tcp = out + 54;
    Bytes want(o.view().begin(), o.view().end());
    if (o.tsval_offset >= 0) store_be32(want.data() + o.tsval_offset, 0xCAFEF00D);
    if (o.size >= 4) {
      EXPECT_EQ(tcp[23], 0xa0) << "MSS 1440 = 0x05a0";
    }
    EXPECT_EQ(Bytes(tcp + 20, tcp + 20 + o.size), want);
    // TCP checksum over the RFC 8200 pseudo-header, from scratch.
    std::uint32_t pseudo = ones_complement_sum({out + 14 + 8, 32});
    pseudo += 6 + 20 + o.size;
    EXPECT_EQ(ones_complement_sum({tcp, 20u + o.size}, pseudo), 0xFFFF);
  }
}

TEST(SynTimestamp, RoundTripFromTheEchoedValue) {
  const SynTimestamp clock(CookieKey{1, 2});
  const std::int64_t sent = 1'700'000'000'123;
  const std::uint32_t tsval = clock.tsval(sent);
  EXPECT_NE(tsval, static_cast<std::uint32_t>(sent)) << "the offset hides the clock";
  EXPECT_EQ(clock.rtt_ms(tsval, sent + 37), 37u);
  EXPECT_EQ(clock.rtt_ms(tsval, sent), 0u);
  EXPECT_FALSE(clock.rtt_ms(tsval, sent - 5)) << "from the future";
  EXPECT_FALSE(clock.rtt_ms(tsval, sent + SynTimestamp::kMaxRttMs + 1)) << "too old";
  EXPECT_NE(SynTimestamp(CookieKey{1, 3}).tsval(sent), tsval) << "keyed";
}

}  // namespace
}  // namespace synscan
