#pragma once
// The send backends by name (--send-backend, the summary, --metadata): no kernel header, so that the options
// (cli/scan_config.hpp, cli/defaults.hpp) name a backend without including the transmitters
// (capture/transmitter.hpp opens them).
#include <cstdint>
#include <optional>
#include <string_view>

namespace synscan {

/// `--send-backend` values.
enum class SendBackend : std::uint8_t {
  automatic,  ///< "auto", the default: xdp where it can run, else sendmmsg (open_transmitters decides)
  mmap,       ///< AF_PACKET PACKET_MMAP TX ring (TPACKET_V2) + PACKET_QDISC_BYPASS, one send(2) per batch
  sendmmsg,   ///< AF_PACKET SOCK_RAW + PACKET_QDISC_BYPASS, one sendmmsg(2) per batch
  libnet,     ///< libnet_write_link() per frame: the slow, simple reference path
  xdp,        ///< AF_XDP, copy mode: TX ring + UMEM, one sendto(2) per batch (capture/xdp_transmitter)
};

/// Every backend, in the order help texts list them.
inline constexpr SendBackend kSendBackends[] = {SendBackend::automatic, SendBackend::sendmmsg,
                                                SendBackend::mmap, SendBackend::xdp, SendBackend::libnet};

/// The name `--send-backend` takes for a backend, as printed in the summary and --metadata: "auto",
/// "sendmmsg", "mmap", "xdp" or "libnet".
constexpr std::string_view send_backend_name(SendBackend backend) noexcept {
  switch (backend) {
    case SendBackend::automatic:
      return "auto";
    case SendBackend::mmap:
      return "mmap";
    case SendBackend::sendmmsg:
      return "sendmmsg";
    case SendBackend::libnet:
      return "libnet";
    case SendBackend::xdp:
      return "xdp";
  }
  return "unknown";
}

/// The backend named `name` (as send_backend_name prints it), or nullopt.
constexpr std::optional<SendBackend> parse_send_backend(std::string_view name) noexcept {
  for (SendBackend b : kSendBackends) {
    if (send_backend_name(b) == name) return b;
  }
  return std::nullopt;
}

}  // namespace synscan
