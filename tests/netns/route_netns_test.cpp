// resolve_next_hop against a real kernel: two network namespaces this test creates and removes itself, joined
// by a veth pair, addresses in 198.18.0.0/15 only (RFC 2544 benchmarking range). Needs root and `ip netns`;
// otherwise every test is skipped with a message saying why. Nothing is sent from the root namespace: every
// lookup runs in a helper thread that has joined the lab's first namespace with setns(CLONE_NEWNET), which
// affects that thread only.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/capability.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <type_traits>

#include "capture/route.hpp"

namespace synscan {
namespace {

using namespace std::chrono_literals;

constexpr IpAddress ip(unsigned a, unsigned b, unsigned c, unsigned d) {
  return IpAddress::v4(a << 24 | b << 16 | c << 8 | d);
}

/// Runs a shell command quietly; true when it exited 0.
bool run(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

/// Runs a command and returns its standard output.
std::string output_of(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  std::string out;
  if (!pipe) return out;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof(buffer), pipe.get())) out.append(buffer, n);
  return out;
}

/// The lab. "near" is the scanner's namespace: veth0 198.18.0.1/24, a route 198.19.0.0/16 via 198.18.0.2, a
/// route 198.18.77.0/24 via 198.18.0.99 (nobody there), a veth vdown0 left down, and tun0 198.19.250.1/24 if
/// tun is available. "far" holds the peer: veth1 198.18.0.2/24 and, if macvlan is available, mv0
/// 198.18.0.3/24 on top of veth1 with a MAC of its own (arp_ignore=1, so only mv0 answers ARP for .3). Both
/// namespaces are deleted by the destructor, whatever the tests did.
class Lab {
 public:
  /// Builds the lab, or returns nullptr and says why in `why`.
  static std::unique_ptr<Lab> create(std::string& why) {
    if (::geteuid() != 0) {
      why = "not root";
      return nullptr;
    }
    std::random_device random;
    const std::string base = "rtest-" + std::to_string(::getpid()) + "-" + std::to_string(random() % 100000);
    std::unique_ptr<Lab> lab(new Lab(base + "-near", base + "-far"));
    if (!run("ip netns add " + lab->near_)) {
      why = "`ip netns add` failed";
      return nullptr;
    }
    lab->near_made_ = true;
    if (!run("ip netns add " + lab->far_)) {
      why = "`ip netns add` failed";
      return nullptr;
    }
    lab->far_made_ = true;
    const std::string n = "ip -n " + lab->near_ + " ", f = "ip -n " + lab->far_ + " ";
    const std::string steps[] = {
        n + "link add veth0 type veth peer name veth1 netns " + lab->far_,
        n + "link set lo up",
        f + "link set lo up",
        "ip netns exec " + lab->far_ + " sysctl -qw net.ipv4.conf.all.arp_ignore=1",
        n + "addr add 198.18.0.1/24 dev veth0",
        f + "addr add 198.18.0.2/24 dev veth1",
        n + "link set veth0 up",
        f + "link set veth1 up",
        n + "route add 198.19.0.0/16 via 198.18.0.2",
        n + "route add 198.18.77.0/24 via 198.18.0.99",
        n + "link add vdown0 type veth peer name vdown1",
    };
    for (const std::string& step : steps) {
      if (!run(step)) {
        why = "lab set-up step failed: " + step;
        return nullptr;
      }
    }
    lab->has_macvlan_ = run(f + "link add mv0 link veth1 type macvlan mode bridge") &&
                        run(f + "addr add 198.18.0.3/24 dev mv0") && run(f + "link set mv0 up");
    lab->has_tun_ = run(n + "tuntap add dev tun0 mode tun") && run(n + "addr add 198.19.250.1/24 dev tun0") &&
                    run(n + "link set tun0 up");
    return lab;
  }

  Lab(const Lab&) = delete;
  Lab& operator=(const Lab&) = delete;
  ~Lab() {
    if (near_made_) run("ip netns del " + near_);
    if (far_made_) run("ip netns del " + far_);
  }

  /// One field of `ip -j link show DEV` in the given namespace.
  static nlohmann::json link_field(const std::string& ns, const std::string& dev, const std::string& field) {
    auto links = nlohmann::json::parse(output_of("ip -n " + ns + " -j link show dev " + dev));
    return links.at(0).at(field);
  }

  /// Runs `fn` in a thread that has joined the near namespace; returns its result or rethrows its exception.
  template <typename Fn>
  auto in_near(Fn fn) const -> decltype(fn()) {
    std::optional<decltype(fn())> result;
    std::exception_ptr error;
    std::thread worker([&] {
      try {
        const std::string path = "/var/run/netns/" + near_;
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) throw std::runtime_error("cannot join " + path);
        ::close(fd);
        result.emplace(fn());
      } catch (...) {
        error = std::current_exception();
      }
    });
    worker.join();
    if (error) std::rethrow_exception(error);
    return std::move(*result);
  }

  const std::string& near() const { return near_; }
  const std::string& far() const { return far_; }
  bool has_macvlan() const { return has_macvlan_; }
  bool has_tun() const { return has_tun_; }

 private:
  Lab(std::string near, std::string far) : near_(std::move(near)), far_(std::move(far)) {}
  std::string near_, far_;
  bool near_made_ = false, far_made_ = false, has_macvlan_ = false, has_tun_ = false;
};

class RouteNetns : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    the_lab = Lab::create(skip_reason).release();
    if (the_lab != nullptr) {
      peer_mac = parse_mac(Lab::link_field(the_lab->far(), "veth1", "address").get<std::string>());
      if (the_lab->has_macvlan()) {
        macvlan_mac = parse_mac(Lab::link_field(the_lab->far(), "mv0", "address").get<std::string>());
      }
      own_mac = parse_mac(Lab::link_field(the_lab->near(), "veth0", "address").get<std::string>());
      own_ifindex = Lab::link_field(the_lab->near(), "veth0", "ifindex").get<int>();
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

  static inline Lab* the_lab = nullptr;
  static inline std::string skip_reason;
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
  if (!the_lab->has_macvlan()) GTEST_SKIP() << "\n*** SKIPPED (in part): cannot create a macvlan here ***";
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
  if (!the_lab->has_tun()) GTEST_SKIP() << "\n*** SKIPPED: cannot create a tun device here ***";
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
