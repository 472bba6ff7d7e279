// resolve_next_hop for IPv6 targets against a real kernel: two network namespaces this test creates and
// removes itself, joined by veth pairs, addresses in 2001:2::/48 only (RFC 5180 benchmarking range; plus
// link-local fe80::/10 on the veth links, and 198.18.0.0/15 for the IPv4-via-IPv6 route). Duplicate address
// detection is off (accept_dad=0, `nodad`) so every address is usable at once, except the one address a test
// needs tentative. Needs root and `ip netns`; otherwise every test is skipped with a message saying why.
// Lookups run in a helper thread that has joined the near namespace; the only packets are the neighbour
// solicitations (and, for the fallback, an empty UDP datagram) that resolve_next_hop makes the kernel send
// inside the lab.
#include <gtest/gtest.h>
#include <sys/capability.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>

#include "capture/route.hpp"
#include "tests/netns/netns_lab.hpp"

namespace synscan {
namespace {

using namespace std::chrono_literals;
using testing_netns::NetnsPair;
using testing_netns::output_of;
using testing_netns::run;

IpAddress ip6(const char* text) { return parse_address(text); }

/// The lab. near (the scanner's side):
///   veth0  2001:2::1/64, 2001:2:0:300::10/128, 198.18.0.1/24  <->  far veth1 2001:2::2/64, fe80::1/64
///   vside0 2001:2:0:600::1/64, 2001:2:0:1f0::1/64             <->  far vside1 2001:2:0:600::2/64
///   vnoaddr0 link-local only; use_oif_addrs_only=1; 2001:2:0:500::1/64 kept tentative (DAD 1000 s) <-> far
///   vnoaddr1 vdown0 left down; tun0 2001:2:0:250::1/64 if tun is available
/// Where the kernel picks the source (RFC 6724), rule 5 (the outgoing interface) and rule 8 (the longest
/// prefix shared with the target) decide every case below without a tie. far also has mv0 2001:2::3/64
/// (macvlan on veth1, a MAC of its own) if macvlan is available. near's routes:
///   2001:2:0:100::/56 via 2001:2::2 (and via 2001:2:0:600::2 dev vside0 at metric 2000)
///   2001:2:0:80::/64 via fe80::1 dev veth0
///   2001:2:0:300::/64 via 2001:2::2 src 2001:2::1     2001:2:0:301::/64 via 2001:2::2
///   2001:2:0:77::/64 via 2001:2::99 (nobody)          2001:2:0:78::/64 via fe80::99 dev veth0 (nobody)
///   2001:2:0:5ff::/64 dev vnoaddr0                     blackhole / unreachable / prohibit
///   2001:2:0:400-402::/64 198.19.99.0/24 via inet6 fe80::1 dev veth0 (if the kernel takes RFC 5549 routes)
///   a permanent neighbour 2001:2::50 -> 02:00:00:00:00:50 on veth0
struct Lab6 {
  bool has_macvlan = false, has_tun = false, has_v4_via_v6 = false;

  std::unique_ptr<NetnsPair> create(std::string& why) {
    std::unique_ptr<NetnsPair> lab = NetnsPair::create("r6test", why);
    if (!lab) return nullptr;
    const std::string n = lab->ip_near(), f = lab->ip_far();
    const std::string no_dad = " net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0";
    const std::string steps[] = {
        "ip netns exec " + lab->near() + " sysctl -qw" + no_dad,
        "ip netns exec " + lab->far() + " sysctl -qw" + no_dad,
        n + "link set lo up",
        f + "link set lo up",
        n + "link add veth0 type veth peer name veth1 netns " + lab->far(),
        n + "addr add 2001:2::1/64 dev veth0 nodad",
        n + "addr add 2001:2:0:300::10/128 dev veth0 nodad",
        n + "addr add 198.18.0.1/24 dev veth0",
        f + "addr add 2001:2::2/64 dev veth1 nodad",
        f + "addr add fe80::1/64 dev veth1 nodad",
        n + "link set veth0 up",
        f + "link set veth1 up",
        n + "link add vside0 type veth peer name vside1 netns " + lab->far(),
        n + "addr add 2001:2:0:600::1/64 dev vside0 nodad",
        n + "addr add 2001:2:0:1f0::1/64 dev vside0 nodad",
        f + "addr add 2001:2:0:600::2/64 dev vside1 nodad",
        n + "link set vside0 up",
        f + "link set vside1 up",
        n + "link add vnoaddr0 type veth peer name vnoaddr1 netns " + lab->far(),
        "ip netns exec " + lab->near() + " sysctl -qw net.ipv6.conf.vnoaddr0.use_oif_addrs_only=1",
        n + "link set vnoaddr0 up",
        f + "link set vnoaddr1 up",
        // The link-local address is made (without DAD) on link up; the global one added after DAD is turned
        // on stays tentative for the whole test run.
        "ip netns exec " + lab->near() +
            " sysctl -qw net.ipv6.conf.vnoaddr0.accept_dad=1 net.ipv6.conf.vnoaddr0.dad_transmits=1000",
        n + "addr add 2001:2:0:500::1/64 dev vnoaddr0",
        n + "link add vdown0 type veth peer name vdown1",
        n + "-6 route add 2001:2:0:100::/56 via 2001:2::2",
        n + "-6 route add 2001:2:0:100::/56 via 2001:2:0:600::2 dev vside0 metric 2000",
        n + "-6 route add 2001:2:0:80::/64 via fe80::1 dev veth0",
        n + "-6 route add 2001:2:0:300::/64 via 2001:2::2 src 2001:2::1",
        n + "-6 route add 2001:2:0:301::/64 via 2001:2::2",
        n + "-6 route add 2001:2:0:77::/64 via 2001:2::99",
        n + "-6 route add 2001:2:0:78::/64 via fe80::99 dev veth0",
        n + "-6 route add 2001:2:0:5ff::/64 dev vnoaddr0",
        n + "-6 route add blackhole 2001:2:0:400::/64",
        n + "-6 route add unreachable 2001:2:0:401::/64",
        n + "-6 route add prohibit 2001:2:0:402::/64",
        n + "-6 neigh add 2001:2::50 lladdr 02:00:00:00:00:50 dev veth0 nud permanent",
    };
    if (!NetnsPair::run_all(steps, why)) return nullptr;
    has_macvlan = run(f + "link add mv0 link veth1 type macvlan mode bridge") &&
                  run(f + "addr add 2001:2::3/64 dev mv0 nodad") && run(f + "link set mv0 up");
    has_tun = run(n + "tuntap add dev tun0 mode tun") &&
              run(n + "addr add 2001:2:0:250::1/64 dev tun0 nodad") && run(n + "link set tun0 up");
    has_v4_via_v6 = run(n + "route add 198.19.99.0/24 via inet6 fe80::1 dev veth0");
    return lab;
  }
};

class Route6Netns : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    the_lab = lab.create(skip_reason).release();
    if (the_lab == nullptr) return;
    peer_mac = mac_of(the_lab->far(), "veth1");
    side_mac = mac_of(the_lab->far(), "vside1");
    if (lab.has_macvlan) macvlan_mac = mac_of(the_lab->far(), "mv0");
    own_mac = mac_of(the_lab->near(), "veth0");
    own_ifindex = NetnsPair::link_field(the_lab->near(), "veth0", "ifindex").get<int>();
  }
  static void TearDownTestSuite() {
    delete the_lab;
    the_lab = nullptr;
  }
  void SetUp() override {
    if (the_lab == nullptr) {
      GTEST_SKIP() << "\n*** SKIPPED: network-namespace route tests need root and `ip netns` (" << skip_reason
                   << ") ***";
    }
  }

  static Mac mac_of(const std::string& ns, const std::string& dev) {
    return parse_mac(NetnsPair::link_field(ns, dev, "address").get<std::string>());
  }

  /// resolve_next_hop run inside the near namespace.
  static NextHop resolve(const IpAddress& target, const RouteOverrides& overrides = {},
                         std::chrono::milliseconds timeout = 2000ms) {
    return the_lab->in_near([&] { return resolve_next_hop(target, overrides, timeout); });
  }

  /// The RouteError text resolve() throws, or a failure when it throws nothing or something else.
  static std::string error_of(const IpAddress& target, const RouteOverrides& overrides = {},
                              std::chrono::milliseconds timeout = 2000ms) {
    try {
      resolve(target, overrides, timeout);
    } catch (const RouteError& e) {
      return e.what();
    }
    ADD_FAILURE() << "no RouteError";
    return {};
  }

  /// The lladdr of near's neighbour entry for `address` on veth0, as `ip -6 neigh` shows it ("" when none).
  static std::string kernel_neighbour(const std::string& address) {
    const std::string text = output_of(the_lab->ip_near() + "-j -6 neigh show " + address + " dev veth0");
    const auto entries = nlohmann::json::parse(text.empty() ? "[]" : text);
    for (const auto& entry : entries) {
      if (entry.contains("lladdr")) return entry.at("lladdr").get<std::string>();
    }
    return {};
  }

  /// far's count of UDP datagrams to a closed port (Udp6NoPorts in /proc/net/snmp6).
  static long far_udp6_no_ports() {
    const std::string text = output_of("ip netns exec " + the_lab->far() +
                                       " awk '$1 == \"Udp6NoPorts\" {print $2}' /proc/net/snmp6");
    return text.empty() ? -1 : std::stol(text);
  }

  static void flush_neighbours() {
    ASSERT_TRUE(run(the_lab->ip_near() + "-6 neigh flush dev veth0"));
    ASSERT_EQ(kernel_neighbour("2001:2::2"), "");
    ASSERT_EQ(kernel_neighbour("fe80::1"), "");
  }

  static inline Lab6 lab;
  static inline NetnsPair* the_lab = nullptr;
  static inline std::string skip_reason;
  static inline Mac peer_mac{}, side_mac{}, macvlan_mac{}, own_mac{};
  static inline int own_ifindex = 0;
};

TEST_F(Route6Netns, TargetBehindGlobalGatewayUsesTheGatewaysMac) {
  const NextHop hop = resolve(ip6("2001:2:0:100::9"));
  EXPECT_EQ(hop.interface, "veth0");
  EXPECT_EQ(hop.ifindex, own_ifindex);
  EXPECT_EQ(hop.source_ip, ip6("2001:2::1"));
  EXPECT_EQ(hop.next_hop, ip6("2001:2::2"));
  EXPECT_EQ(format_mac(hop.next_hop_mac), format_mac(peer_mac));
  EXPECT_EQ(format_mac(hop.source_mac), format_mac(own_mac));
  EXPECT_EQ(hop.link, LinkType::ethernet);
  EXPECT_EQ(hop.mtu, 1500u);
}

TEST_F(Route6Netns, TargetBehindLinkLocalGatewayUsesTheGatewaysMac) {
  const NextHop hop = resolve(ip6("2001:2:0:80::9"));
  EXPECT_EQ(hop.interface, "veth0");
  EXPECT_EQ(hop.next_hop, ip6("fe80::1"));
  EXPECT_EQ(hop.source_ip,
            ip6("2001:2::1"));  // the gateway's link-local address is no source for a global target
  EXPECT_EQ(format_mac(hop.next_hop_mac), format_mac(peer_mac));
}

TEST_F(Route6Netns, OnLinkTargetUsesItsOwnMac) {
  const NextHop peer = resolve(ip6("2001:2::2"));
  EXPECT_EQ(peer.next_hop, ip6("2001:2::2"));
  EXPECT_EQ(format_mac(peer.next_hop_mac), format_mac(peer_mac));
  const NextHop permanent = resolve(ip6("2001:2::50"));  // straight from the table: nobody owns ::50
  EXPECT_EQ(format_mac(permanent.next_hop_mac), "02:00:00:00:00:50");
  if (!lab.has_macvlan) GTEST_SKIP() << "\n*** SKIPPED (in part): cannot create a macvlan here ***";
  // ::3 sits behind the same wire as ::2 but on an interface with a MAC of its own: the answer must be that
  // one.
  const NextHop other = resolve(ip6("2001:2::3"));
  EXPECT_EQ(other.next_hop, ip6("2001:2::3"));
  EXPECT_EQ(format_mac(other.next_hop_mac), format_mac(macvlan_mac));
  EXPECT_NE(macvlan_mac, peer_mac);
}

TEST_F(Route6Netns, RoutesPreferredSourceWins) {
  // Without `src` the kernel picks 2001:2:0:300::10 (63 bits shared with the target) over 2001:2::1 (54
  // bits); the route's `src` overrules that.
  EXPECT_EQ(resolve(ip6("2001:2:0:301::9")).source_ip, ip6("2001:2:0:300::10"));
  EXPECT_EQ(resolve(ip6("2001:2:0:300::9")).source_ip, ip6("2001:2::1"));
}

TEST_F(Route6Netns, SourceIpOverrideReplacesTheKernelsChoice) {
  RouteOverrides overrides;
  overrides.source_ip = ip6("2001:2::beef");  // not local: --source-ip may spoof
  const NextHop hop = resolve(ip6("2001:2:0:300::9"), overrides);
  EXPECT_EQ(hop.source_ip, ip6("2001:2::beef"));
  EXPECT_EQ(hop.next_hop, ip6("2001:2::2"));
  overrides.source_ip = IpAddress::v4(0xC6120001);  // 198.18.0.1
  EXPECT_EQ(error_of(ip6("2001:2:0:300::9"), overrides),
            "--source-ip 198.18.0.1 is not of the family of target 2001:2:0:300::9");
}

TEST_F(Route6Netns, InterfaceOverrideUsesThatInterfacesRoute) {
  RouteOverrides overrides;
  overrides.interface = "vside0";
  // 2001:2:0:100::/56 has a second, worse route through vside0: -i picks it, and the kernel's source is then
  // one of vside0's (2001:2:0:1f0::1 shares 56 bits with the target, 2001:2:0:600::1 53).
  const NextHop hop = resolve(ip6("2001:2:0:100::9"), overrides);
  EXPECT_EQ(hop.interface, "vside0");
  EXPECT_EQ(hop.next_hop, ip6("2001:2:0:600::2"));
  EXPECT_EQ(hop.source_ip, ip6("2001:2:0:1f0::1"));
  EXPECT_EQ(format_mac(hop.next_hop_mac), format_mac(side_mac));
}

TEST_F(Route6Netns, InterfaceOverrideTakesAnUnroutedTargetAsOnLink) {
  RouteOverrides overrides;
  overrides.interface = "vside0";
  overrides.router_mac = parse_mac("02:00:00:00:00:42");
  // No route through vside0 covers 2001:2:0:3f0::9. The source is vside0's global address sharing the longest
  // prefix with the target: 2001:2:0:1f0::1 (54 bits) over 2001:2:0:600::1 (53 bits).
  const NextHop hop = resolve(ip6("2001:2:0:3f0::9"), overrides, 0ms);
  EXPECT_EQ(hop.interface, "vside0");
  EXPECT_EQ(hop.next_hop, ip6("2001:2:0:3f0::9"));
  EXPECT_EQ(hop.source_ip, ip6("2001:2:0:1f0::1"));
  EXPECT_EQ(format_mac(hop.next_hop_mac), "02:00:00:00:00:42");
}

TEST_F(Route6Netns, MissingNeighbourIsSolicited) {
  flush_neighbours();
  const long udp_before = far_udp6_no_ports();
  EXPECT_EQ(format_mac(resolve(ip6("2001:2:0:100::9")).next_hop_mac), format_mac(peer_mac));
  EXPECT_EQ(format_mac(resolve(ip6("2001:2:0:80::9")).next_hop_mac), format_mac(peer_mac));
  // The kernel solicited and now holds both entries itself; with CAP_NET_ADMIN it was asked through
  // RTM_NEWNEIGH (NTF_USE), so no UDP datagram reached the far side.
  EXPECT_EQ(parse_mac(kernel_neighbour("2001:2::2")), peer_mac);
  EXPECT_EQ(parse_mac(kernel_neighbour("fe80::1")), peer_mac);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(far_udp6_no_ports(), udp_before);
}

TEST_F(Route6Netns, ResolvesWithoutNetAdminThroughTheUdpFallback) {
  // Without CAP_NET_ADMIN the kernel refuses RTM_NEWNEIGH; the empty UDP datagram must get neighbour
  // discovery going instead, for a global next hop and for a link-local one (which needs the scope id).
  // Capabilities are per thread, so dropping it in the helper thread leaves the test process unchanged.
  flush_neighbours();
  const long udp_before = far_udp6_no_ports();
  const auto [global, link_local] = the_lab->in_near([] {
    std::unique_ptr<std::remove_pointer_t<cap_t>, int (*)(void*)> caps(cap_get_proc(), cap_free);
    const cap_value_t net_admin = CAP_NET_ADMIN;
    if (!caps || cap_set_flag(caps.get(), CAP_EFFECTIVE, 1, &net_admin, CAP_CLEAR) != 0 ||
        cap_set_proc(caps.get()) != 0) {
      throw std::runtime_error("cannot drop CAP_NET_ADMIN");
    }
    return std::pair{resolve_next_hop(ip6("2001:2:0:100::9"), {}, 2000ms),
                     resolve_next_hop(ip6("2001:2:0:80::9"), {}, 2000ms)};
  });
  EXPECT_EQ(global.next_hop, ip6("2001:2::2"));
  EXPECT_EQ(format_mac(global.next_hop_mac), format_mac(peer_mac));
  EXPECT_EQ(link_local.next_hop, ip6("fe80::1"));
  EXPECT_EQ(format_mac(link_local.next_hop_mac), format_mac(peer_mac));
  // Both datagrams went to the next hops (once resolved, the kernel sends what it queued): far counted them.
  long udp_after = far_udp6_no_ports();
  for (int i = 0; i < 50 && udp_after < udp_before + 2; ++i) {
    std::this_thread::sleep_for(20ms);
    udp_after = far_udp6_no_ports();
  }
  EXPECT_EQ(udp_after, udp_before + 2);
}

TEST_F(Route6Netns, SilentNextHopTimesOut) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(error_of(ip6("2001:2:0:77::5"), {}, 500ms),
            "next hop 2001:2::99 on veth0 did not answer neighbour solicitation within 0.5 s");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 500ms);
  EXPECT_LT(elapsed, 500ms + 1500ms);
  EXPECT_EQ(error_of(ip6("2001:2:0:78::5"), {}, 1500ms),
            "next hop fe80::99 on veth0 did not answer neighbour solicitation within 1.5 s");
}

TEST_F(Route6Netns, InterfaceWithoutUsableAddressIsNamed) {
  // vnoaddr0 holds a link-local address (the kernel's choice of source, refused for a global target) and a
  // tentative global one (refused: it is not yet the interface's).
  EXPECT_EQ(error_of(ip6("2001:2:0:5ff::7")),
            "interface 'vnoaddr0' has no usable IPv6 address; give one with --source-ip");
  RouteOverrides overrides;
  overrides.source_ip = ip6("2001:2:0:5ff::1");
  overrides.router_mac = parse_mac("02:00:00:00:00:43");
  const NextHop hop = resolve(ip6("2001:2:0:5ff::7"), overrides, 0ms);
  EXPECT_EQ(hop.interface, "vnoaddr0");
  EXPECT_EQ(hop.source_ip, ip6("2001:2:0:5ff::1"));
}

TEST_F(Route6Netns, UnroutableLocalAndRejectedTargetsAreNamed) {
  EXPECT_EQ(error_of(ip6("2001:2:0:999::1")), "no route to 2001:2:0:999::1 (Network is unreachable)");
  const std::string local = error_of(ip6("2001:2::1"));
  EXPECT_NE(local.find("2001:2::1 is an address of this host"), std::string::npos) << local;
  EXPECT_EQ(error_of(ip6("ff02::1")), "no unicast route to ff02::1: it is a multicast address");
  EXPECT_EQ(error_of(ip6("2001:2:0:400::1")),
            "no unicast route to 2001:2:0:400::1: it is routed to a blackhole");
  EXPECT_EQ(error_of(ip6("2001:2:0:401::1")),
            "no unicast route to 2001:2:0:401::1: it is routed as unreachable");
  EXPECT_EQ(error_of(ip6("2001:2:0:402::1")),
            "no unicast route to 2001:2:0:402::1: it is routed as prohibited");
}

TEST_F(Route6Netns, DownAndMissingInterfacesAreNamed) {
  RouteOverrides overrides;
  overrides.interface = "vdown0";
  EXPECT_EQ(error_of(ip6("2001:2:0:100::9"), overrides), "interface 'vdown0' is down");
  overrides.interface = "eth9";
  EXPECT_EQ(error_of(ip6("2001:2:0:100::9"), overrides), "interface 'eth9' does not exist");
}

TEST_F(Route6Netns, TunInterfaceHasNoMacs) {
  if (!lab.has_tun) GTEST_SKIP() << "\n*** SKIPPED: cannot create a tun device here ***";
  const NextHop hop = resolve(ip6("2001:2:0:250::7"));
  EXPECT_EQ(hop.interface, "tun0");
  EXPECT_EQ(hop.link, LinkType::raw_ip);
  EXPECT_EQ(hop.source_ip, ip6("2001:2:0:250::1"));
  EXPECT_EQ(hop.next_hop, ip6("2001:2:0:250::7"));
  EXPECT_EQ(hop.source_mac, Mac{});
  EXPECT_EQ(hop.next_hop_mac, Mac{});
}

TEST_F(Route6Netns, Ipv4RouteViaIpv6RouterResolvesTheRoutersMac) {
  if (!lab.has_v4_via_v6) GTEST_SKIP() << "\n*** SKIPPED: this kernel takes no IPv4 route via inet6 ***";
  const NextHop hop = resolve(IpAddress::v4(0xC6136309));  // 198.19.99.9
  EXPECT_EQ(hop.interface, "veth0");
  EXPECT_EQ(hop.source_ip, IpAddress::v4(0xC6120001));  // 198.18.0.1
  EXPECT_EQ(hop.next_hop, ip6("fe80::1"));
  EXPECT_EQ(format_mac(hop.next_hop_mac), format_mac(peer_mac));
}

}  // namespace
}  // namespace synscan
