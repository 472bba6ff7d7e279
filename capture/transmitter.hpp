#pragma once
// Transmitters: the small interface every send backend implements (as zmap's send-internal.h puts each OS backend
// behind init / send a batch / close). One transmitter per send thread; it owns its socket.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/types.hpp"

namespace synscan {

class Transmitter {
 public:
  virtual ~Transmitter() = default;
  /// Sends `count` frames of `frame_len` bytes each, laid out `stride` bytes apart from `frames`. Returns how many
  /// the kernel accepted, 0 to count; a short count means its queue was full, and the caller re-sends the rest.
  /// Throws std::runtime_error on a hard error (interface gone, permission).
  virtual std::size_t send(const std::uint8_t* frames, std::size_t stride, std::size_t frame_len,
                           std::size_t count) = 0;
  /// Returns once every frame accepted by send() has been handed to the driver (backends that queue frames
  /// themselves, like the TX ring, wait up to 1 s for it); called at the end of each pass. Throws like
  /// send().
  virtual void flush() {}
  /// Frames the backend could not send and gave up on (counted, never silent).
  virtual std::uint64_t errors() const noexcept { return 0; }
};

/// `--send-backend` values.
enum class SendBackend : std::uint8_t {
  mmap,      ///< AF_PACKET PACKET_MMAP TX ring (TPACKET_V2) + PACKET_QDISC_BYPASS, one send(2) per batch
  sendmmsg,  ///< AF_PACKET SOCK_RAW + PACKET_QDISC_BYPASS, one sendmmsg(2) per batch
  libnet,    ///< libnet_write_link() per frame: the slow, simple reference path
  xdp,       ///< AF_XDP, copy mode: TX ring + UMEM, one sendto(2) per batch (capture/xdp_transmitter)
};

/// Every backend, in the order help texts list them.
inline constexpr SendBackend kSendBackends[] = {SendBackend::sendmmsg, SendBackend::mmap, SendBackend::xdp,
                                                SendBackend::libnet};

/// The name `--send-backend` takes for a backend, as printed in the summary and --metadata: "sendmmsg",
/// "mmap", "xdp" or "libnet".
constexpr std::string_view send_backend_name(SendBackend backend) noexcept {
  switch (backend) {
    case SendBackend::mmap: return "mmap";
    case SendBackend::sendmmsg: return "sendmmsg";
    case SendBackend::libnet: return "libnet";
    case SendBackend::xdp: return "xdp";
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

/// Opens a transmitter on the interface (name and index as from the route lookup). Frames must start with the
/// link header the interface expects (Ethernet, or none for raw IPv4 links; xdp takes Ethernet only). Throws
/// std::runtime_error with the system's or libnet's error text, e.g. "socket(AF_PACKET): Operation not
/// permitted (needs CAP_NET_RAW)". With `tap_visible`, frames pass the qdisc layer so that packet taps
/// (--pcap-out's capture) see them; without it the AF_PACKET backends bypass the qdisc (PACKET_QDISC_BYPASS),
/// which taps never see. AF_XDP frames always bypass it, so xdp with `tap_visible` throws
/// std::invalid_argument (the options refuse --send-backend xdp with --pcap-out before anything is opened).
std::unique_ptr<Transmitter> make_transmitter(SendBackend backend, const std::string& interface, int ifindex,
                                              bool tap_visible = false);

}  // namespace synscan
