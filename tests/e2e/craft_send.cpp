// The helper of test_craft_kernel.sh: crafts one batch of TCP SYN probes with the tcp_syn probe module (both
// families interleaved, in a permutation's order) and sends it through the sendmmsg transmitter with each
// frame's own length, as the send loop does; then prints one line per probe, "family address port sport seq",
// for the test to match the kernel's answers against. Runs only inside the test's own namespaces.
//
// usage: synscan_craft_send IFNAME SOURCE_MAC NEXT_HOP_MAC SOURCE4 SOURCE6 TARGET4 TARGET6 PORT...
#include <net/if.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "capture/route.hpp"
#include "capture/transmitter.hpp"
#include "engine/permutation.hpp"
#include "engine/probe_module.hpp"

using namespace synscan;

int main(int argc, char** argv) try {
  if (argc < 9) {
    std::fprintf(stderr, "usage: %s IFNAME SOURCE_MAC NEXT_HOP_MAC SOURCE4 SOURCE6 TARGET4 TARGET6 PORT...\n",
                 argv[0]);
    return 2;
  }
  const std::string interface = argv[1];
  const Mac source_mac = parse_mac(argv[2]);
  const Mac next_hop_mac = parse_mac(argv[3]);
  const IpAddress source4 = parse_address(argv[4]);
  const IpAddress source6 = parse_address(argv[5]);
  const IpAddress target4 = parse_address(argv[6]);
  const IpAddress target6 = parse_address(argv[7]);
  std::vector<std::uint16_t> ports;
  for (int i = 8; i < argc; ++i) ports.push_back(static_cast<std::uint16_t>(std::stoul(argv[i])));

  AddressRanges targets;
  targets.add(target4, target4);
  targets.add(target6, target6);
  const ProbeSpace space{TargetSet(targets), PortSet(ports)};
  ProbeSetup setup;
  setup.space = &space;
  setup.key = CookieKey::random();
  setup.v4 = LocalEndpoint{LinkType::ethernet, source_mac, next_hop_mac, source4};
  setup.v6 = LocalEndpoint{LinkType::ethernet, source_mac, next_hop_mac, source6};
  // SYNSCAN_SYN_PROFILE: the module's --syn-profile (its default when unset).
  if (const char* profile = std::getenv("SYNSCAN_SYN_PROFILE")) setup.args = {{"syn-profile", profile}};
  const auto module = make_probe_module("tcp_syn", setup);

  const Permutation permutation(space.size(), 1);
  std::vector<ProbeIndex> indices(space.size());
  permutation.fill(0, 1, indices.size(), indices.data());
  const std::size_t stride = module->frame_stride();
  std::vector<std::uint8_t> frames(stride * indices.size());
  std::vector<std::uint16_t> lengths(indices.size());
  module->craft_batch(indices.data(), indices.size(), frames.data(), stride, lengths.data());

  const int ifindex = static_cast<int>(if_nametoindex(interface.c_str()));
  if (ifindex == 0) throw std::runtime_error("no interface " + interface);
  const auto tx = make_transmitter(SendBackend::sendmmsg, interface, ifindex);
  std::size_t sent = 0;
  while (sent < indices.size()) {
    sent += tx->send(frames.data() + stride * sent, stride, lengths.data() + sent, indices.size() - sent);
  }
  tx->flush();

  const SynCookie cookie(setup.key);
  for (std::size_t i = 0; i < indices.size(); ++i) {
    // Read back from the frame: the test checks that what went out is what the kernel answered.
    const std::uint8_t* frame = frames.data() + stride * i;
    const bool v6 = frame[12] == 0x86 && frame[13] == 0xDD;
    const std::uint8_t* tcp = frame + 14 + (v6 ? 40 : 20);
    const auto sport = static_cast<std::uint16_t>((tcp[0] << 8) | tcp[1]);
    const unsigned seq = (unsigned{tcp[4]} << 24) | (tcp[5] << 16) | (tcp[6] << 8) | tcp[7];
    const Probe probe = space.at(indices[i]);
    const std::uint32_t expected = v6 ? cookie.v6(source6.ipv6(), probe.ip.ipv6(), sport, probe.port)
                                      : cookie(source4.ipv4(), probe.ip.ipv4(), sport, probe.port);
    if (v6 != probe.ip.is_v6() || seq != expected) {
      std::fprintf(stderr, "synscan_craft_send: probe %zu is not the SYN its index names\n", i);
      return 1;
    }
    std::printf("%s %s %u %u %u %u\n", v6 ? "ipv6" : "ipv4", format_address(probe.ip).c_str(),
                unsigned{probe.port}, unsigned{sport}, seq, unsigned{lengths[i]});
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "synscan_craft_send: %s\n", e.what());
  return 1;
}
