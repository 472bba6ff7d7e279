// resolve_next_hop against a real kernel: two network namespaces this test creates and removes itself, joined
// by a veth pair, addresses in 198.18.0.0/15 only (RFC 2544 benchmarking range). Needs root and `ip netns`;
// otherwise every test is skipped with a message saying why. Nothing is sent from the root namespace: every
// lookup runs in a helper thread that has joined the lab's first namespace with setns(CLONE_NEWNET), which
// affects that thread only.
#include <gtest/gtest.h>
#include <sys/capability.h>

#include <chrono>
#include <memory>
#include <string>
#include <type_traits>

#include "capture/route.hpp"
#include "tests/netns/netns_lab.hpp"

namespace synscan {
namespace {

using namespace std::chrono_literals;
using testing_netns::NetnsPair;
using testing_netns::run;

constexpr IpAddress ip(unsigned a, unsigned b, unsigned c, unsigned d) {
  return IpAddress::v4(a << 24 | b << 16 | c << 8 | d);
}

/// The lab. "near" is the scanner's namespace: veth0 198.18.0.1/24, a route 198.19.0.0/16 via 198.18.0.2, a
/// route 198.18.77.0/24 via 198.18.0.99 (nobody there), a veth vdown0 left down, and tun0 198.19.250.1/24 if
/// tun is available. "far" holds the peer: veth1 198.18.0.2/24 and, if macvlan is available, mv0
/// 198.18.0.3/24 on top of veth1 with a MAC of its own (arp_ignore=1, so only mv0 answers ARP for .3). Both
/// namespaces are deleted with the NetnsPair, whatever the tests did.
struct Lab {
  /// Builds the lab, or returns nullptr and says why in `why`; says whether macvlan and tun could be made.
  static std::unique_ptr<NetnsPair> create(std::string& why, bool& has_macvlan, bool& has_tun) {
    std::unique_ptr<NetnsPair> lab = NetnsPair::create("rtest", why);
    if (!lab) return nullptr;
    const std::string n = lab->ip_near(), f = lab->ip_far();
    const std::string steps[] = {
        n + "link add veth0 type veth peer name veth1 netns " + lab->far(),
        n + "link set lo up",
        f + "link set lo up",
        "ip netns exec " + lab->far() + " sysctl -qw net.ipv4.conf.all.arp_ignore=1",
        n + "addr add 198.18.0.1/24 dev veth0",
        f + "addr add 198.18.0.2/24 dev veth1",
        n + "link set veth0 up",
        f + "link set veth1 up",
        n + "route add 198.19.0.0/16 via 198.18.0.2",
        n + "route add 198.18.77.0/24 via 198.18.0.99",
        n + "link add vdown0 type veth peer name vdown1",
    };
    if (!NetnsPair::run_all(steps, why)) return nullptr;
    has_macvlan = run(f + "link add mv0 link veth1 type macvlan mode bridge") &&
                  run(f + "addr add 198.18.0.3/24 dev mv0") && run(f + "link set mv0 up");
    has_tun = run(n + "tuntap add dev tun0 mode tun") && run(n + "addr add 198.19.250.1/24 dev tun0") &&
              run(n + "link set tun0 up");
    return lab;
  }
};

class RouteNetns : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    the_lab = Lab::create(skip_reason, has_macvlan, has_tun).release();
    if (the_lab != nullptr) {
      peer_mac = parse_mac(NetnsPair::link_field(the_lab->far(), "veth1", "address").get<std::string>());
      if (has_macvlan) {
        macvlan_mac = parse_mac(NetnsPair::link_field(the_lab->far(), "mv0", "address").get<std::string>());
      }
      own_mac = parse_mac(NetnsPair::link_field(the_lab->near(), "veth0", "address").get<std::string>());
      own_ifindex = NetnsPair::link_field(the_lab->near(), "veth0", "ifindex").get<int>();
    }
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

  static inline NetnsPair* the_lab = nullptr;
  static inline std::string skip_reason;
  static inline bool has_macvlan = false, has_tun = false;
  static inline Mac peer_mac{}, macvlan_mac{}, own_mac{};
  static inline int own_ifindex = 0;
};

TEST_F(RouteNetns, TargetBehindGatewayUsesTheGatewaysMac) {
  const NextHop hop = resolve(ip(198, 19, 0, 9));
  EXPECT_EQ(hop.interface, "veth0");
  EXPECT_EQ(hop.ifindex, own_ifindex);
  EXPECT_EQ(hop.source_ip, ip(198, 18, 0, 1));
  EXPECT_EQ(hop.next_hop, ip(198, 18, 0, 2));
  EXPECT_EQ(format_mac(hop.next_hop_mac), format_mac(peer_mac));
  EXPECT_EQ(format_mac(hop.source_mac), format_mac(own_mac));
  EXPECT_EQ(hop.link, LinkType::ethernet);
  EXPECT_EQ(hop.mtu, 1500u);
}

TEST_F(RouteNetns, OnLinkTargetUsesItsOwnMac) {
  const NextHop peer = resolve(ip(198, 18, 0, 2));
  EXPECT_EQ(peer.next_hop, ip(198, 18, 0, 2));
  EXPECT_EQ(format_mac(peer.next_hop_mac), format_mac(peer_mac));
  if (!has_macvlan) GTEST_SKIP() << "\n*** SKIPPED (in part): cannot create a macvlan here ***";
  // .3 sits behind the same wire as .2 but has a MAC of its own: the answer must be that one.
  const NextHop other = resolve(ip(198, 18, 0, 3));
  EXPECT_EQ(other.next_hop, ip(198, 18, 0, 3));
  EXPECT_EQ(format_mac(other.next_hop_mac), format_mac(macvlan_mac));
  EXPECT_NE(macvlan_mac, peer_mac);
}

TEST_F(RouteNetns, OverridesReplaceDiscovery) {
  RouteOverrides overrides;
  overrides.interface = "veth0";
  overrides.source_ip = ip(198, 18, 0, 200);
  overrides.router_mac = parse_mac("02:00:00:00:00:42");
  // No route covers 198.18.200.1; with -i it is taken as on-link on veth0, and --router-mac means no ARP.
  const NextHop hop = resolve(ip(198, 18, 200, 1), overrides, 0ms);
  EXPECT_EQ(hop.interface, "veth0");
  EXPECT_EQ(hop.next_hop, ip(198, 18, 200, 1));
  EXPECT_EQ(hop.source_ip, ip(198, 18, 0, 200));
  EXPECT_EQ(format_mac(hop.next_hop_mac), "02:00:00:00:00:42");
}

TEST_F(RouteNetns, ResolvesWithoutNetAdminThroughTheUdpFallback) {
  // Without CAP_NET_ADMIN the kernel refuses RTM_NEWNEIGH; the empty UDP datagram must get ARP going instead.
  // Capabilities are per thread, so dropping it in the helper thread leaves the test process unchanged.
  ASSERT_TRUE(run("ip -n " + the_lab->near() + " neigh flush dev veth0"));
  const NextHop hop = the_lab->in_near([] {
    std::unique_ptr<std::remove_pointer_t<cap_t>, int (*)(void*)> caps(cap_get_proc(), cap_free);
    const cap_value_t net_admin = CAP_NET_ADMIN;
    if (!caps || cap_set_flag(caps.get(), CAP_EFFECTIVE, 1, &net_admin, CAP_CLEAR) != 0 ||
        cap_set_proc(caps.get()) != 0) {
      throw std::runtime_error("cannot drop CAP_NET_ADMIN");
    }
    return resolve_next_hop(ip(198, 18, 0, 2), {}, 2000ms);
  });
  EXPECT_EQ(hop.next_hop, ip(198, 18, 0, 2));
  EXPECT_EQ(format_mac(hop.next_hop_mac), format_mac(peer_mac));
}

TEST_F(RouteNetns, DownInterfaceIsNamed) {
  RouteOverrides overrides;
  overrides.interface = "vdown0";
  EXPECT_EQ(error_of(ip(198, 19, 0, 9), overrides), "interface 'vdown0' is down");
}

TEST_F(RouteNetns, MissingInterfaceIsNamed) {
  RouteOverrides overrides;
  overrides.interface = "eth9";
  EXPECT_EQ(error_of(ip(198, 19, 0, 9), overrides), "interface 'eth9' does not exist");
}

TEST_F(RouteNetns, UnroutableTargetIsNamed) {
  const std::string error = error_of(ip(198, 18, 200, 1));
  EXPECT_EQ(error.rfind("no route to 198.18.200.1", 0), 0u) << error;
}

TEST_F(RouteNetns, LocalAndBroadcastAddressesAreRefused) {
  const std::string local = error_of(ip(198, 18, 0, 1));
  EXPECT_NE(local.find("198.18.0.1 is an address of this host"), std::string::npos) << local;
  EXPECT_EQ(error_of(ip(198, 18, 0, 255)), "no unicast route to 198.18.0.255: it is a broadcast address");
}

TEST_F(RouteNetns, SilentNextHopTimesOut) {
  const auto start = std::chrono::steady_clock::now();
  const std::string error = error_of(ip(198, 18, 77, 5), {}, 500ms);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(error, "next hop 198.18.0.99 on veth0 did not answer ARP within 0.5 s");
  EXPECT_GE(elapsed, 500ms);
  EXPECT_LT(elapsed, 500ms + 1500ms);
}

TEST_F(RouteNetns, TunInterfaceHasNoMacs) {
  if (!has_tun) GTEST_SKIP() << "\n*** SKIPPED: cannot create a tun device here ***";
  const NextHop hop = resolve(ip(198, 19, 250, 7));
  EXPECT_EQ(hop.interface, "tun0");
  EXPECT_EQ(hop.link, LinkType::raw_ip);
  EXPECT_EQ(hop.source_ip, ip(198, 19, 250, 1));
  EXPECT_EQ(hop.next_hop, ip(198, 19, 250, 7));
  EXPECT_EQ(hop.source_mac, Mac{});
  EXPECT_EQ(hop.next_hop_mac, Mac{});
}

}  // namespace
}  // namespace synscan
