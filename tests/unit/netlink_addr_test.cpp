// capture/netlink.hpp's conversions between IpAddress (host byte order) and libnl's nl_addr (network byte
// order), checked against independent references: libnl's own text parser (nl_addr_parse) and inet_pton. No
// network.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netlink/addr.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <string>

#include "capture/netlink.hpp"
#include "engine/address.hpp"

namespace synscan {
namespace {

using netlink::AddrPtr;
using netlink::from_nl_addr;
using netlink::to_nl_addr;

/// libnl's parse of `text` in `family`.
AddrPtr parsed(const char* text, int family) {
  nl_addr* raw = nullptr;
  EXPECT_EQ(nl_addr_parse(text, family, &raw), 0) << text;
  return AddrPtr(raw);
}

TEST(NetlinkAddr, Ipv6ToNlAddrHasTheWireBytesAndMatchesLibnlsParse) {
  for (const char* text : {"2001:2::1", "fe80::1", "2001:2:0:1f0::1", "::", "ff02::1:ff00:2"}) {
    const AddrPtr ours = to_nl_addr(parse_address(text));
    std::array<std::uint8_t, 16> wire{};
    ASSERT_EQ(inet_pton(AF_INET6, text, wire.data()), 1) << text;
    EXPECT_EQ(nl_addr_get_family(ours.get()), AF_INET6) << text;
    ASSERT_EQ(nl_addr_get_len(ours.get()), 16u) << text;
    EXPECT_EQ(std::memcmp(nl_addr_get_binary_addr(ours.get()), wire.data(), 16), 0) << text;
    EXPECT_EQ(nl_addr_get_prefixlen(ours.get()), 128u) << text;
    EXPECT_EQ(nl_addr_cmp(ours.get(), parsed(text, AF_INET6).get()), 0) << text;
  }
}

TEST(NetlinkAddr, Ipv4ToNlAddrHasTheWireBytesAndMatchesLibnlsParse) {
  for (const char* text : {"198.18.0.1", "198.19.255.254", "0.0.0.0"}) {
    const AddrPtr ours = to_nl_addr(parse_address(text));
    in_addr wire{};
    ASSERT_EQ(inet_pton(AF_INET, text, &wire), 1) << text;
    EXPECT_EQ(nl_addr_get_family(ours.get()), AF_INET) << text;
    ASSERT_EQ(nl_addr_get_len(ours.get()), 4u) << text;
    EXPECT_EQ(std::memcmp(nl_addr_get_binary_addr(ours.get()), &wire, 4), 0) << text;
    EXPECT_EQ(nl_addr_cmp(ours.get(), parsed(text, AF_INET).get()), 0) << text;
  }
}

TEST(NetlinkAddr, FromNlAddrReadsWhatLibnlParsed) {
  EXPECT_EQ(from_nl_addr(parsed("2001:2::1", AF_INET6).get()),
            IpAddress::v6(make_ipv6(0x2001'0002'0000'0000ULL, 1)));
  EXPECT_EQ(from_nl_addr(parsed("fe80::1", AF_INET6).get()),
            IpAddress::v6(make_ipv6(0xfe80'0000'0000'0000ULL, 1)));
  EXPECT_EQ(from_nl_addr(parsed("198.18.0.1", AF_INET).get()), IpAddress::v4(0xC6120001));
  // format_address agrees with libnl's own formatting of the same bytes.
  for (const char* text : {"2001:2:0:300::10", "fe80::acff:3aff:fef6:9ce1", "198.18.77.5"}) {
    const AddrPtr a = parsed(text, AF_UNSPEC);
    char buffer[64];
    const auto back = from_nl_addr(a.get());
    ASSERT_TRUE(back.has_value()) << text;
    EXPECT_EQ(format_address(*back), nl_addr2str(a.get(), buffer, sizeof(buffer))) << text;
  }
}

TEST(NetlinkAddr, FromNlAddrRefusesOtherFamiliesAndLengths) {
  EXPECT_EQ(from_nl_addr(nullptr), std::nullopt);
  const std::array<std::uint8_t, 6> mac{2, 0, 0, 0, 0, 0x50};
  const AddrPtr lladdr(nl_addr_build(AF_LLC, mac.data(), mac.size()));
  EXPECT_EQ(from_nl_addr(lladdr.get()), std::nullopt);
  const AddrPtr short_v6(nl_addr_build(AF_INET6, mac.data(), mac.size()));  // 6 bytes is no IPv6 address
  EXPECT_EQ(from_nl_addr(short_v6.get()), std::nullopt);
}

}  // namespace
}  // namespace synscan
