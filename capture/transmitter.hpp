#pragma once
// Transmitters: the small interface every send backend implements (as zmap's send-internal.h puts each OS
// backend behind init / send a batch / close). One transmitter per send thread; it owns its socket.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "capture/send_backend.hpp"
#include "engine/types.hpp"

namespace synscan {

/// A transmitter's hard send error, with the errno it came from (capture/link_wait.hpp decides what to do).
class SendError : public std::runtime_error {
 public:
  SendError(const std::string& what, int code) : std::runtime_error(what), code_(code) {}
  /// The errno of the failed call.
  int code() const noexcept { return code_; }
  /// True for the errors of a link that is gone for now and may come back: ENETDOWN (down), ENXIO and ENODEV
  /// (the device is gone or not ready), EIO (the driver failed the transmit).
  bool link_gone() const noexcept { return link_gone(code_); }
  /// The same test of an errno value.
  static bool link_gone(int code) noexcept;

 private:
  int code_;
};

class Transmitter {
 public:
  virtual ~Transmitter() = default;
  /// Sends `count` frames laid out `stride` bytes apart from `frames`, frame i being lengths[i] bytes (at
  /// most stride and at most 2,048; an IPv4 and an IPv6 probe differ in length). Returns how many the kernel
  /// accepted, 0 to count, in order; a short count means its queue was full, and the caller re-sends the
  /// rest. Throws SendError on a hard error (link down, interface gone, permission); none of the frames of
  /// that call was accepted then (backends that queue frames in a ring take back those the kernel did not
  /// take, and return the count it took if that is not 0), so the caller may send the same frames again.
  virtual std::size_t send(const std::uint8_t* frames, std::size_t stride, const std::uint16_t* lengths,
                           std::size_t count) = 0;
  /// Returns once every frame accepted by send() has been handed to the driver (backends that queue frames
  /// themselves, like the TX ring, wait up to 1 s for it); called when a sender ends. Throws SendError like
  /// send().
  virtual void flush() {}
  /// Frames the backend could not send and gave up on (counted, never silent).
  virtual std::uint64_t errors() const noexcept { return 0; }
};

/// Opens a transmitter on the interface (name and index as from the route lookup). Frames must start with the
/// link header the interface expects (Ethernet, or none for raw IPv4 links; xdp takes Ethernet only). Throws
/// std::runtime_error with the system's or libnet's error text, e.g. "socket(AF_PACKET): Operation not
/// permitted (needs CAP_NET_RAW)". With `tap_visible`, frames pass the qdisc layer so that packet taps
/// (--pcap-out's capture) see them; without it the AF_PACKET backends bypass the qdisc (PACKET_QDISC_BYPASS),
/// which taps never see. AF_XDP frames always bypass it, so xdp with `tap_visible` throws
/// std::invalid_argument (the options refuse --send-backend xdp with --pcap-out before anything is opened).
/// SendBackend::automatic is not a backend of its own: it throws std::invalid_argument (see
/// open_transmitters).
std::unique_ptr<Transmitter> make_transmitter(SendBackend backend, const std::string& interface, int ifindex,
                                              bool tap_visible = false);

/// The transmitters of one scan: one per send thread, all of one backend.
struct TransmitterSet {
  SendBackend backend = SendBackend::sendmmsg;  ///< the backend opened (never automatic)
  std::string fallback;  ///< with automatic: why xdp was not taken (empty if it was, or if not automatic)
  std::vector<std::unique_ptr<Transmitter>> transmitters;
};

/// Opens `count` transmitters (>= 1) of `backend` on the interface, as make_transmitter does. With
/// SendBackend::automatic it takes xdp, the fastest here (scripts/bench-tx.sh: ~1.4x sendmmsg on a veth),
/// when every one of the `count` AF_XDP sockets opens (an Ethernet link, a free TX queue per thread, the UMEM
/// within RLIMIT_MEMLOCK, no `tap_visible`); otherwise sendmmsg, with the reason in `fallback`. Throws as
/// make_transmitter does for the backend it ends up opening.
TransmitterSet open_transmitters(SendBackend backend, const std::string& interface, int ifindex,
                                 std::uint32_t count, bool tap_visible = false);

}  // namespace synscan
