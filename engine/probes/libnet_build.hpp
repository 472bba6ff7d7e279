#pragma once
// The libnet scaffolding the probe templates share (engine/probes/syn_template4.cpp, syn_template6.cpp,
// ip_frame.cpp): a context that only builds (LIBNET_NONE: no socket, no privileges), its errors as exceptions
// with libnet's own text, and IPv6 addresses in libnet's type. Internal to engine/probes/.
#include <libnet.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/address.hpp"

namespace synscan {

struct LibnetDeleter {
  void operator()(libnet_t* l) const noexcept { libnet_destroy(l); }
};
using LibnetContext = std::unique_ptr<libnet_t, LibnetDeleter>;

/// A libnet context for building frames only. Throws std::runtime_error with libnet's text.
inline LibnetContext libnet_builder() {
  char errbuf[LIBNET_ERRBUF_SIZE] = {};
  LibnetContext l(libnet_init(LIBNET_NONE, nullptr, errbuf));
  if (!l) throw std::runtime_error(std::string("libnet: ") + errbuf);
  return l;
}

/// Throws std::runtime_error "libnet: WHAT: <libnet's error>".
[[noreturn]] inline void libnet_fail(libnet_t* l, const char* what) {
  throw std::runtime_error(std::string("libnet: ") + what + ": " + libnet_geterror(l));
}

/// The frame the context's blocks make, checksums filled by libnet (libnet 1.1's libnet_adv_cull_packet
/// refuses LIBNET_NONE; coalescing is what it does underneath). Throws as libnet_fail().
inline std::vector<std::uint8_t> libnet_frame(libnet_t* l) {
  std::uint8_t* packet = nullptr;
  std::uint32_t packet_size = 0;
  if (libnet_pblock_coalesce(l, &packet, &packet_size) == -1) libnet_fail(l, "coalesce");
  std::vector<std::uint8_t> frame(packet, packet + packet_size);
  std::free(packet);
  return frame;
}

/// An IPv6 address (host order) in libnet's type (network order).
inline libnet_in6_addr to_libnet(Ipv6 a) {
  libnet_in6_addr out{};
  store_ipv6(a, out.__u6_addr.__u6_addr8);
  return out;
}

}  // namespace synscan
