#pragma once
// Probe modules: the extension point for probe types, in the spirit of zmap's probe_module_t
// (src/probe_modules/probe_modules.h). One module gathers everything one probe type means, for both address
// families: its templates (written once, at construction) and per-probe crafting, its capture filters, the parse,
// validation and classification of its replies, and its protocol name for the outputs. Nothing outside a module
// knows that the probe is a TCP SYN: the send loop asks it for frames, the receive loop for verdicts, the writers
// for its protocol name. A new probe type (UDP, a second TCP probe) is a new file under engine/probes/ and a line in
// make_probe_module(); no caller changes.
//
// Contract:
// - craft_batch() is the per-probe hot path: no allocation, no syscall, no lock; a virtual call per batch, not per
//   probe. It writes frames of possibly different lengths (an IPv4 and an IPv6 probe differ) and says each length.
// - classify() is the per-reply path: total on any byte string (never reads outside it, never throws, never
//   allocates); it returns a Result only for a reply that answers one of this scan's probes (a keyed cookie or
//   equivalent proves it), with index, address, port, state, reason and the reply's facts filled in.
// - A module is immutable after construction and shared by every send and receive thread.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/address.hpp"
#include "engine/cookie.hpp"
#include "engine/probe_space.hpp"
#include "engine/result.hpp"
#include "engine/types.hpp"

namespace synscan {

/// Where one family's probes leave from (capture/route.hpp's NextHop, reduced to what a frame needs).
struct LocalEndpoint {
  LinkType link = LinkType::ethernet;  ///< ethernet, or raw_ip (tun/ipip/WireGuard: the frame starts at the IP header)
  Mac source_mac{};                    ///< Ethernet source (our interface); ignored for raw_ip
  Mac next_hop_mac{};                  ///< Ethernet destination (the gateway, or the on-link target); ignored for raw_ip
  IpAddress source_ip;                 ///< our address of this family, host byte order
};

/// The probes' default source ports, inclusive, host byte order: above Linux's default ephemeral range
/// (32768-60999, net.ipv4.ip_local_port_range), so that no local connection shares a 4-tuple with a probe. The
/// one definition: cli/defaults.hpp's --source-port default names these.
inline constexpr std::uint16_t kDefaultSourcePortFirst = 61000;
inline constexpr std::uint16_t kDefaultSourcePortLast = 61255;

/// What a module is built from: the scan's probe space, its key and its local endpoints.
struct ProbeSetup {
  const ProbeSpace* space = nullptr;       ///< must outlive the module
  CookieKey key{};                         ///< the scan's secret: the same for every module and thread of a scan
  std::optional<LocalEndpoint> v4;         ///< required when the space has IPv4 targets
  std::optional<LocalEndpoint> v6;         ///< required when the space has IPv6 targets
  std::uint16_t source_port_first = kDefaultSourcePortFirst;  ///< probes' source ports, inclusive, host order
  std::uint16_t source_port_last = kDefaultSourcePortLast;
};

class ProbeModule {
 public:
  virtual ~ProbeModule() = default;

  /// The module's registry name, e.g. "tcp_syn".
  virtual std::string_view name() const noexcept = 0;
  /// The transport protocol the outputs name ("tcp" in nmap's and masscan's outputs).
  virtual std::string_view protocol() const noexcept = 0;

  /// Bytes a send buffer reserves per frame: at least the largest frame this scan's probes have, a multiple of 64.
  virtual std::size_t frame_stride() const noexcept = 0;

  /// Writes the probes for indices[0, n) (each < space.size()) into out + stride * i, stride >= frame_stride(), and
  /// their lengths in bytes into lengths[i]. Bytes of a slot past its frame are scratch.
  virtual void craft_batch(const ProbeIndex* indices, std::size_t n, std::uint8_t* out, std::size_t stride,
                           std::uint16_t* lengths) const noexcept = 0;

  /// A libpcap filter expression (pcap-filter(7)) that passes every reply to this scan's probes and as little else
  /// as the kernel can tell apart: the receive capture's filter.
  virtual std::string reply_filter() const = 0;
  /// A libpcap filter that passes this scan's probes and their replies: --pcap-out's capture.
  virtual std::string traffic_filter() const = 0;

  /// The verdict a captured frame (link framing `link`) gives, or nullopt when it answers none of this scan's
  /// probes. `ts_ms` (Unix milliseconds) becomes the result's timestamp.
  virtual std::optional<Result> classify(std::span<const std::uint8_t> frame, LinkType link,
                                         std::int64_t ts_ms) const noexcept = 0;
};

/// The probe modules make_probe_module() knows, in the order help texts list them: {"tcp_syn"}.
std::vector<std::string_view> probe_module_names();

/// The module `name`, built for `setup`. Throws std::invalid_argument for an unknown name or a setup that lacks the
/// local endpoint of a family the space has, std::runtime_error with libnet's text when a template cannot be built.
std::unique_ptr<ProbeModule> make_probe_module(std::string_view name, const ProbeSetup& setup);

}  // namespace synscan
