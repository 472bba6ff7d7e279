// The capture filter (engine/probes/port_filters.hpp port_reply_filter) compiled by libpcap and run over
// golden frames with pcap_offline_filter: no capture, no privileges. It must pass every reply kind the
// validator can accept and drop the rest in the kernel, so foreign traffic never costs the receive thread
// anything. Over IPv4, IPv6 and both, on every link type a capture can have.
#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "capture/pcap_receiver.hpp"
#include "engine/probes/port_filters.hpp"
#include "engine/probes/tcp_reply.hpp"
#include "engine/probes/tcp_syn.hpp"
#include "frame_builder.hpp"

namespace synscan {
namespace {

using test::Bytes;
using test::ExtensionHeader;

constexpr Ipv4 kLocal = 0xC6120001;                                  // 198.18.0.1
constexpr Ipv4 kTarget = 0xC6130105;                                 // 198.19.1.5
constexpr Ipv6 kLocal6 = make_ipv6(0x2001'0002'0000'0000ULL, 0x1);   // 2001:2::1
constexpr Ipv6 kOther6 = make_ipv6(0x2001'0002'0000'0000ULL, 0x3);   // 2001:2::3, another host
constexpr Ipv6 kTarget6 = make_ipv6(0x2001'0002'0001'0001ULL, 0x5);  // 2001:2:1:1::5
constexpr Ipv6 kRouter6 = make_ipv6(0x2001'0002'0000'0000ULL, 0xfe);

/// A filter compiled for one link type, as the receiver compiles it for its capture's.
class CompiledFilter {
 public:
  CompiledFilter(int dlt, const std::string& filter) : dead_(pcap_open_dead(dlt, 65535)) {
    if (!dead_) throw std::runtime_error("pcap_open_dead failed");
    if (pcap_compile(dead_.get(), &program_, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
      throw std::runtime_error(std::string(pcap_geterr(dead_.get())) + " in: " + filter);
    }
  }
  ~CompiledFilter() { pcap_freecode(&program_); }
  CompiledFilter(const CompiledFilter&) = delete;
  CompiledFilter& operator=(const CompiledFilter&) = delete;

  bool passes(const Bytes& frame) const {
    pcap_pkthdr h{};
    h.caplen = h.len = static_cast<bpf_u_int32>(frame.size());
    return pcap_offline_filter(&program_, &h, frame.data()) != 0;
  }

 private:
  std::unique_ptr<pcap_t, PcapDeleter> dead_;
  bpf_program program_{};
};

std::string v4_filter() {
  return port_reply_filter("tcp", IpAddress::v4(kLocal), std::nullopt, 61000, 61255);
}
std::string v6_filter() {
  return port_reply_filter("tcp", std::nullopt, IpAddress::v6(kLocal6), 61000, 61255);
}
std::string mixed_filter() {
  return port_reply_filter("tcp", IpAddress::v4(kLocal), IpAddress::v6(kLocal6), 61000, 61255);
}

Bytes tcp_frame(Ipv4 src, Ipv4 dst, std::uint16_t dst_port, std::uint8_t flags) {
  const test::TcpFields t{80, dst_port, 1, 2, flags, 1024, {}};
  return test::ethernet(test::ipv4({src, dst, 6, 64, 0x4000, {}}, test::tcp(t, src, dst)));
}

Bytes icmp_frame(std::uint8_t type, Ipv4 dst) {
  const Bytes quoted = test::ipv4({dst, kTarget, 6, 64, 0x4000, {}}, Bytes{0xee, 0x48, 0, 80, 0, 0, 0, 1});
  return test::ethernet(test::ipv4({0xC6120002, dst, 1, 64, 0x4000, {}}, test::icmp(type, 1, quoted)));
}

/// An IPv6 TCP reply from kTarget6:80 (no link header), `extensions` before TCP.
Bytes tcp6_packet(Ipv6 dst, std::uint16_t dst_port, std::uint8_t flags,
                  std::vector<ExtensionHeader> extensions = {}) {
  const test::TcpFields t{80, dst_port, 1, 2, flags, 1024, {}};
  return test::ipv6({kTarget6, dst, 6, 64, std::move(extensions)}, test::tcp6(t, kTarget6, dst));
}

Bytes tcp6_frame(Ipv6 dst, std::uint16_t dst_port, std::uint8_t flags,
                 std::vector<ExtensionHeader> extensions = {}) {
  return test::ethernet(tcp6_packet(dst, dst_port, flags, std::move(extensions)), 0x86dd);
}

/// A router's ICMPv6 message of `type` to `dst`, quoting a probe from `dst`.
Bytes icmp6_frame(std::uint8_t type, Ipv6 dst) {
  const test::TcpFields t{61000, 80, 7, 0, 0x02, 1024, {}};
  const Bytes probe = test::ipv6({dst, kTarget6, 6, 64, {}}, test::tcp6(t, dst, kTarget6));
  return test::ethernet(test::ipv6({kRouter6, dst, 58, 250, {}}, test::icmpv6(type, 1, probe, kRouter6, dst)),
                        0x86dd);
}

TEST(ReplyFilter, PassesTcpToOurAddressAndPortRange) {
  const CompiledFilter f(DLT_EN10MB, v4_filter());
  EXPECT_TRUE(f.passes(tcp_frame(kTarget, kLocal, 61000, 0x12)));  // SYN-ACK, first port
  EXPECT_TRUE(f.passes(tcp_frame(kTarget, kLocal, 61255, 0x14)));  // RST+ACK, last port
  EXPECT_TRUE(f.passes(tcp_frame(kTarget, kLocal, 61100, 0x04)));  // bare RST: the parser decides
}

TEST(ReplyFilter, DropsTcpOutsideOurPortRangeOrToAnotherAddress) {
  const CompiledFilter f(DLT_EN10MB, v4_filter());
  EXPECT_FALSE(f.passes(tcp_frame(kTarget, kLocal, 60999, 0x12)));
  EXPECT_FALSE(f.passes(tcp_frame(kTarget, kLocal, 61256, 0x12)));
  EXPECT_FALSE(f.passes(tcp_frame(kTarget, kLocal, 22, 0x12)));
  EXPECT_FALSE(f.passes(tcp_frame(kTarget, 0xC6120003, 61000, 0x12)));
}

TEST(ReplyFilter, PassesIcmpDestinationUnreachableOnly) {
  const CompiledFilter f(DLT_EN10MB, v4_filter());
  EXPECT_TRUE(f.passes(icmp_frame(3, kLocal)));
  EXPECT_FALSE(f.passes(icmp_frame(11, kLocal)));  // time exceeded
  EXPECT_FALSE(f.passes(icmp_frame(0, kLocal)));   // echo reply
  EXPECT_FALSE(f.passes(icmp_frame(3, 0xC6120003)));
}

TEST(ReplyFilter, Ipv4FilterDropsOtherFrames) {
  const CompiledFilter f(DLT_EN10MB, v4_filter());
  EXPECT_FALSE(f.passes(test::ethernet(Bytes(28, 0), 0x0806)));  // ARP
  const Bytes udp =
      test::ethernet(test::ipv4({kTarget, kLocal, 17, 64, 0x4000, {}}, Bytes{0, 53, 0xee, 0x48, 0, 8, 0, 0}));
  EXPECT_FALSE(f.passes(udp));
  EXPECT_FALSE(f.passes(tcp6_frame(kLocal6, 61000, 0x12)));  // IPv6 when only IPv4 is scanned
  EXPECT_FALSE(f.passes(icmp6_frame(1, kLocal6)));
}

TEST(ReplyFilter, Ipv6PassesTcpToOurAddressAndPortRange) {
  const CompiledFilter f(DLT_EN10MB, v6_filter());
  EXPECT_TRUE(f.passes(tcp6_frame(kLocal6, 61000, 0x12)));  // SYN-ACK, first port
  EXPECT_TRUE(f.passes(tcp6_frame(kLocal6, 61255, 0x14)));  // RST+ACK, last port
  EXPECT_TRUE(f.passes(tcp6_frame(kLocal6, 61100, 0x04)));  // bare RST: the parser decides
  EXPECT_FALSE(f.passes(tcp6_frame(kLocal6, 60999, 0x12)));
  EXPECT_FALSE(f.passes(tcp6_frame(kLocal6, 61256, 0x12)));
  EXPECT_FALSE(f.passes(tcp6_frame(kOther6, 61000, 0x12)));
  EXPECT_FALSE(f.passes(tcp_frame(kTarget, kLocal, 61000, 0x12)));  // IPv4 when only IPv6 is scanned
  EXPECT_FALSE(f.passes(test::ethernet(
      test::ipv6({kTarget6, kLocal6, 17, 64, {}}, Bytes{0, 80, 0xee, 0x48, 0, 8, 0, 0}), 0x86dd)));
}

TEST(ReplyFilter, Ipv6PassesIcmpv6DestinationUnreachableOnly) {
  const CompiledFilter f(DLT_EN10MB, v6_filter());
  EXPECT_TRUE(f.passes(icmp6_frame(1, kLocal6)));
  for (std::uint8_t type : std::initializer_list<std::uint8_t>{2, 3, 4, 128, 129, 135, 136}) {
    EXPECT_FALSE(f.passes(icmp6_frame(type, kLocal6))) << int{type};
  }
  EXPECT_FALSE(f.passes(icmp6_frame(1, kOther6)));
}

// Replies with extension headers pass to the parser (which walks the chain), except a non-first fragment;
// each one that passes also parses, so none is passed for nothing.
TEST(ReplyFilter, Ipv6ExtensionHeadersGoToTheParser) {
  const CompiledFilter f(DLT_EN10MB, v6_filter());
  const std::vector<std::vector<ExtensionHeader>> chains{
      {test::options_header(0)},
      {test::options_header(60)},
      {test::routing_header(1)},
      {test::authentication_header()},
      {test::fragment_header(0, true)},
      {test::options_header(0), test::fragment_header(0, true), test::options_header(60)},
  };
  for (std::size_t i = 0; i < chains.size(); ++i) {
    const Bytes frame = tcp6_frame(kLocal6, 61000, 0x12, chains[i]);
    EXPECT_TRUE(f.passes(frame)) << "chain " << i;
    EXPECT_TRUE(parse_reply(std::span<const std::uint8_t>(frame.data(), frame.size()), LinkType::ethernet))
        << "chain " << i;
    EXPECT_FALSE(f.passes(tcp6_frame(kOther6, 61000, 0x12, chains[i]))) << "chain " << i;
  }
  EXPECT_FALSE(f.passes(tcp6_frame(kLocal6, 61000, 0x12, {test::fragment_header(1, true)})));
  EXPECT_FALSE(f.passes(tcp6_frame(kLocal6, 61000, 0x12, {test::fragment_header(0x1fff, false)})));
}

TEST(ReplyFilter, MixedFilterPassesBothFamilies) {
  const CompiledFilter f(DLT_EN10MB, mixed_filter());
  EXPECT_TRUE(f.passes(tcp_frame(kTarget, kLocal, 61000, 0x12)));
  EXPECT_TRUE(f.passes(icmp_frame(3, kLocal)));
  EXPECT_TRUE(f.passes(tcp6_frame(kLocal6, 61255, 0x14)));
  EXPECT_TRUE(f.passes(icmp6_frame(1, kLocal6)));
  EXPECT_TRUE(f.passes(tcp6_frame(kLocal6, 61000, 0x12, {test::options_header(0)})));
  EXPECT_FALSE(f.passes(tcp_frame(kTarget, kLocal, 22, 0x12)));
  EXPECT_FALSE(f.passes(tcp6_frame(kLocal6, 22, 0x12)));
  EXPECT_FALSE(f.passes(tcp6_frame(kOther6, 61000, 0x12)));
  EXPECT_FALSE(f.passes(icmp_frame(11, kLocal)));
  EXPECT_FALSE(f.passes(icmp6_frame(3, kLocal6)));
}

// A receive capture may be cooked (the "any" device: SLL, SLL2) or raw IP (tun, WireGuard): the same filter
// text compiles for each and reads the IPv6 header where that link type puts it.
TEST(ReplyFilter, EveryCaptureLinkType) {
  const Bytes ours = tcp6_packet(kLocal6, 61000, 0x12);
  const Bytes ours_ext = tcp6_packet(kLocal6, 61000, 0x12, {test::options_header(0)});
  const Bytes foreign = tcp6_packet(kOther6, 61000, 0x12);
  const Bytes fragment = tcp6_packet(kLocal6, 61000, 0x12, {test::fragment_header(2, false)});
  struct Link {
    int dlt;
    Bytes (*frame)(const Bytes&);
  };
  const Link links[] = {
      {DLT_RAW, [](const Bytes& p) { return p; }},
      {DLT_LINUX_SLL, [](const Bytes& p) { return test::sll(p, 0x86dd); }},
      {DLT_LINUX_SLL2, [](const Bytes& p) { return test::sll2(p, 0x86dd); }},
  };
  for (const Link& link : links) {
    const CompiledFilter f(link.dlt, mixed_filter());
    EXPECT_TRUE(f.passes(link.frame(ours))) << link.dlt;
    EXPECT_TRUE(f.passes(link.frame(ours_ext))) << link.dlt;
    EXPECT_FALSE(f.passes(link.frame(foreign))) << link.dlt;
    EXPECT_FALSE(f.passes(link.frame(fragment))) << link.dlt;
  }
  const CompiledFilter raw(DLT_RAW, mixed_filter());
  const Bytes v4 = tcp_frame(kTarget, kLocal, 61000, 0x12);
  EXPECT_TRUE(raw.passes(Bytes(v4.begin() + 14, v4.end())));
}

TEST(ReplyFilter, TrafficFilterCompilesForEveryFamilyMix) {
  for (const std::string& filter :
       {port_traffic_filter("tcp", IpAddress::v4(kLocal), std::nullopt, 61000, 61255),
        port_traffic_filter("tcp", std::nullopt, IpAddress::v6(kLocal6), 61000, 61255),
        port_traffic_filter("tcp", IpAddress::v4(kLocal), IpAddress::v6(kLocal6), 61000, 61255)}) {
    EXPECT_NO_THROW(CompiledFilter(DLT_EN10MB, filter)) << filter;
  }
  // Our own IPv6 probe (from our address and port range) is in the --pcap-out capture, and its reply.
  const CompiledFilter f(DLT_EN10MB,
                         port_traffic_filter("tcp", std::nullopt, IpAddress::v6(kLocal6), 61000, 61255));
  const test::TcpFields syn{61000, 80, 7, 0, 0x02, 1024, {}};
  EXPECT_TRUE(f.passes(test::ethernet(
      test::ipv6({kLocal6, kTarget6, 6, 64, {}}, test::tcp6(syn, kLocal6, kTarget6)), 0x86dd)));
  EXPECT_TRUE(f.passes(tcp6_frame(kLocal6, 61000, 0x12)));
  EXPECT_FALSE(f.passes(tcp6_frame(kOther6, 61000, 0x12)));
}

TEST(ReplyFilterText, NamesAddressAndRange) {
  EXPECT_EQ(
      v4_filter(),
      "(tcp and dst host 198.18.0.1 and dst portrange 61000-61255) or (icmp and dst host 198.18.0.1 and "
      "icmp[0] == 3)");
  EXPECT_NE(v6_filter().find("dst host 2001:2::1 and ((tcp and dst portrange 61000-61255)"),
            std::string::npos)
      << v6_filter();
}

}  // namespace
}  // namespace synscan
