// The capture filter (engine/probes/tcp_syn.hpp tcp_syn_reply_filter) compiled by libpcap and run over golden frames
// with pcap_offline_filter: no capture, no privileges. It must pass every reply kind the validator can accept
// and drop the rest in the kernel, so foreign traffic never costs the receive thread anything.
#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <memory>

#include "capture/pcap_receiver.hpp"
#include "engine/probes/tcp_syn.hpp"
#include "frame_builder.hpp"

namespace synscan {
namespace {

using test::Bytes;

constexpr Ipv4 kLocal = 0xC6120001;   // 198.18.0.1
constexpr Ipv4 kTarget = 0xC6130105;  // 198.19.1.5

class ReplyFilter : public ::testing::Test {
 protected:
  void SetUp() override {
    dead_.reset(pcap_open_dead(DLT_EN10MB, 256));
    ASSERT_NE(dead_, nullptr);
    const std::string filter = tcp_syn_reply_filter(IpAddress::v4(kLocal), std::nullopt, 61000, 61255);
    ASSERT_EQ(pcap_compile(dead_.get(), &program_, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN), 0)
        << pcap_geterr(dead_.get()) << " in: " << filter;
  }
  void TearDown() override { pcap_freecode(&program_); }

  bool passes(const Bytes& frame) const {
    pcap_pkthdr h{};
    h.caplen = h.len = static_cast<bpf_u_int32>(frame.size());
    return pcap_offline_filter(&program_, &h, frame.data()) != 0;
  }

  static Bytes tcp_frame(Ipv4 src, Ipv4 dst, std::uint16_t dst_port, std::uint8_t flags) {
    const test::TcpFields t{80, dst_port, 1, 2, flags, 1024, {}};
    return test::ethernet(test::ipv4({src, dst, 6, 64, 0x4000, {}}, test::tcp(t, src, dst)));
  }

  static Bytes icmp_frame(std::uint8_t type, Ipv4 dst) {
    const Bytes quoted = test::ipv4({dst, kTarget, 6, 64, 0x4000, {}}, Bytes{0xee, 0x48, 0, 80, 0, 0, 0, 1});
    return test::ethernet(test::ipv4({0xC6120002, dst, 1, 64, 0x4000, {}}, test::icmp(type, 1, quoted)));
  }

  std::unique_ptr<pcap_t, PcapDeleter> dead_;
  bpf_program program_{};
};

TEST_F(ReplyFilter, PassesTcpToOurAddressAndPortRange) {
  EXPECT_TRUE(passes(tcp_frame(kTarget, kLocal, 61000, 0x12)));  // SYN-ACK, first port
  EXPECT_TRUE(passes(tcp_frame(kTarget, kLocal, 61255, 0x14)));  // RST+ACK, last port
  EXPECT_TRUE(passes(tcp_frame(kTarget, kLocal, 61100, 0x04)));  // bare RST: the parser decides
}

TEST_F(ReplyFilter, DropsTcpOutsideOurPortRangeOrToAnotherAddress) {
  EXPECT_FALSE(passes(tcp_frame(kTarget, kLocal, 60999, 0x12)));
  EXPECT_FALSE(passes(tcp_frame(kTarget, kLocal, 61256, 0x12)));
  EXPECT_FALSE(passes(tcp_frame(kTarget, kLocal, 22, 0x12)));
  EXPECT_FALSE(passes(tcp_frame(kTarget, 0xC6120003, 61000, 0x12)));
}

TEST_F(ReplyFilter, PassesIcmpDestinationUnreachableOnly) {
  EXPECT_TRUE(passes(icmp_frame(3, kLocal)));
  EXPECT_FALSE(passes(icmp_frame(11, kLocal)));  // time exceeded
  EXPECT_FALSE(passes(icmp_frame(0, kLocal)));   // echo reply
  EXPECT_FALSE(passes(icmp_frame(3, 0xC6120003)));
}

TEST_F(ReplyFilter, DropsNonIpv4Frames) {
  Bytes arp = test::ethernet(Bytes(28, 0), 0x0806);
  EXPECT_FALSE(passes(arp));
  const Bytes udp =
      test::ethernet(test::ipv4({kTarget, kLocal, 17, 64, 0x4000, {}}, Bytes{0, 53, 0xee, 0x48, 0, 8, 0, 0}));
  EXPECT_FALSE(passes(udp));
}

TEST(ReplyFilterText, NamesAddressAndRange) {
  EXPECT_EQ(
      tcp_syn_reply_filter(IpAddress::v4(kLocal), std::nullopt, 61000, 61255),
      "(tcp and dst host 198.18.0.1 and dst portrange 61000-61255) or (icmp and dst host 198.18.0.1 and "
      "icmp[0] == 3)");
}

}  // namespace
}  // namespace synscan
