#pragma once
// Probe modules: the extension point for probe types, in the spirit of zmap's probe_module_t
// (src/probe_modules/probe_modules.h). One module gathers everything one probe type means, for both address
// families: its templates (written once, at construction) and per-probe crafting, its capture filters, the
// reading, validation and classification of its replies, and its vocabulary: the protocol, state and reason
// names the outputs print, which replies count as "the target answered", its extra output field, how
// --dry-run shows a probe, its options. Nothing outside engine/probes/ knows what a probe is: the send loop
// asks the scan's ProbeSet (engine/probe_set.hpp) for frames, the receive loop for verdicts, the writers and
// counters read a result's Vocabulary. A new probe type is a file under engine/probes/ and a line in the
// registry (engine/probes/registry.cpp).
//
// Contract:
// - craft_batch() is the per-probe hot path: no allocation, no syscall, no lock; a virtual call per batch,
// not
//   per probe. It writes frames of possibly different lengths (an IPv4 and an IPv6 probe differ, UDP payloads
//   differ per port) and says each length. Its indices all lie in the module's block of the probe space.
// - classify() is the per-reply path: total on any preprocessed packet (engine/packet.hpp: never reads
// outside
//   it, never throws, never allocates); it returns a Result only for a reply that answers one of this scan's
//   probes (a keyed cookie proves it), with index, address, port, protocol, state, reason, `answered` and the
//   reply's facts filled in; when it describes the answer (Vocabulary::describes) it fills `*answer` and sets
//   Result::has_answer.
// - A module is immutable after construction and shared by every send and receive thread.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/address.hpp"
#include "engine/answer_info.hpp"
#include "engine/cookie.hpp"
#include "engine/packet.hpp"
#include "engine/probe_space.hpp"
#include "engine/result.hpp"
#include "engine/types.hpp"

namespace synscan {

/// What a module's results mean to the outputs, the counters and the command line: static data, one per
/// module (engine/probes/registry.hpp hands them out by ProtocolId without building a module).
struct Vocabulary {
  static constexpr std::string_view kReplyDroppedName =
      "reply-dropped";        ///< Reason::reply_dropped, every module
  std::string_view module;    ///< registry name: "tcp_syn", "udp", "icmp_echo"
  std::string_view protocol;  ///< the outputs' protocol word, nmap's: "tcp", "udp", "icmp" (XML protocol=)
  /// The prefix of this module's ports in -p lists, nmap's "T" / "U"; "" for a module without ports.
  std::string_view port_prefix;
  bool has_ports = true;       ///< false: one probe per target, no port in any output (ICMP echo)
  std::string_view scan_type;  ///< nmap's <scaninfo type=>: "syn", "udp"; "" for none
  /// The state of a probe no reply claimed (its reason is no-response): filtered for TCP, open|filtered for
  /// UDP.
  PortState silence = PortState::filtered;
  std::array<std::string_view, kPortStates>
      state_names;                                 ///< by PortState: nmap's words, or echo's "up"/"down"
  std::span<const std::string_view> reason_names;  ///< by Reason code; [0] is "no-response"
  /// By Reason code: how much a reply says about the host being up (XML <status reason=>: the best one wins).
  std::span<const std::uint8_t> reason_rank;
  /// By PortState: the reason that usually decides it (TCP: open syn-ack, closed rst), for records that give
  /// a state alone (`synscan merge` of hand-made input).
  std::array<Reason, kPortStates> usual_reason{};
  std::string_view extra_field;    ///< the name Result::extra is printed under ("window"); "" none
  std::string_view service_table;  ///< the /etc/services protocol column its ports are named from; "" none
  bool describes = false;          ///< classify() may fill an AnswerInfo (UDP services' answers)
  /// An open result accepts a TCP connection: --banners' stage (kernel TCP sockets) may talk to it.
  bool stream_banners = false;
  /// Results that answered carry the reply's header facts (Result::ip_id, mss, wscale, tcp_options, rtt_ms):
  /// the writers print them (engine/output/reply_fields.hpp).
  bool reply_facts = false;

  /// The name of state `s`.
  std::string_view state_name(PortState s) const noexcept { return state_names[static_cast<std::size_t>(s)]; }
  /// The name of reason code `r` ("?" outside the table); Reason::reply_dropped is "reply-dropped" in every
  /// module.
  std::string_view reason_name(Reason r) const noexcept {
    if (r == Reason::reply_dropped) return kReplyDroppedName;
    const auto i = static_cast<std::size_t>(r);
    return i < reason_names.size() ? reason_names[i] : std::string_view("?");
  }
  /// The reason code named `name`, or nullopt.
  std::optional<Reason> reason_by_name(std::string_view name) const noexcept {
    if (name == kReplyDroppedName) return Reason::reply_dropped;
    for (std::size_t i = 0; i < reason_names.size(); ++i) {
      if (reason_names[i] == name) return static_cast<Reason>(i);
    }
    return std::nullopt;
  }
  /// The state named `name` (this module's word, or nmap's), or nullopt.
  std::optional<PortState> state_by_name(std::string_view name) const noexcept;
};

/// Where one family's probes leave from (capture/route.hpp's NextHop, reduced to what a frame needs).
struct LocalEndpoint {
  LinkType link =
      LinkType::ethernet;  ///< ethernet, or raw_ip (tun/ipip/WireGuard: the frame starts at the IP header)
  Mac source_mac{};        ///< Ethernet source (our interface); ignored for raw_ip
  Mac next_hop_mac{};      ///< Ethernet destination (the gateway, or the on-link target); ignored for raw_ip
  IpAddress source_ip;     ///< our address of this family, host byte order
};

/// The probes' default source ports, inclusive, host byte order: above Linux's default ephemeral range
/// (32768-60999, net.ipv4.ip_local_port_range), so that no local connection shares a 4-tuple with a probe.
/// The one definition: cli/defaults.hpp's --source-port default names these.
inline constexpr std::uint16_t kDefaultSourcePortFirst = 61000;
inline constexpr std::uint16_t kDefaultSourcePortLast = 61255;

/// A module's own options as given (name without dashes, value as text): e.g. {"udp-payload", "9999:beef"}.
/// A module reads the ones it declared (engine/probes/registry.hpp's ModuleOption) and throws
/// std::invalid_argument naming a bad value.
using ModuleArgs = std::vector<std::pair<std::string, std::string>>;

/// What a module is built from: the scan's probe space, its key and its local endpoints.
struct ProbeSetup {
  const ProbeSpace* space = nullptr;  ///< must outlive the module; the module probes its own block
  CookieKey key{};                    ///< the scan's secret: the same for every module and thread of a scan
  std::optional<LocalEndpoint> v4;    ///< required when the space has IPv4 targets
  std::optional<LocalEndpoint> v6;    ///< required when the space has IPv6 targets
  std::uint16_t source_port_first = kDefaultSourcePortFirst;  ///< probes' source ports, inclusive, host order
  std::uint16_t source_port_last = kDefaultSourcePortLast;
  ModuleArgs args;  ///< every module's options; each reads its own
};

/// One probe type. See the file comment for the contract.
class ProbeModule {
 public:
  virtual ~ProbeModule() = default;

  /// The module's names and meanings (static data).
  virtual const Vocabulary& vocabulary() const noexcept = 0;

  /// Bytes a send buffer reserves per frame: at least the largest frame this module crafts, a multiple of 64.
  virtual std::size_t frame_stride() const noexcept = 0;

  /// Writes the probes for indices[0, n) (each in this module's block) into out + stride * i, stride >=
  /// frame_stride(), and their lengths in bytes into lengths[i]. Bytes of a slot past its frame are scratch.
  virtual void craft_batch(const ProbeIndex* indices, std::size_t n, std::uint8_t* out, std::size_t stride,
                           std::uint16_t* lengths) const noexcept = 0;

  /// A libpcap filter expression (pcap-filter(7)) that passes every reply to this module's probes and as
  /// little else as the kernel can tell apart: a clause of the receive capture's filter.
  virtual std::string reply_filter() const = 0;
  /// A libpcap filter that passes this module's probes and their replies: --pcap-out's capture.
  virtual std::string traffic_filter() const = 0;

  /// The IP protocol numbers this module's probes carry (6 TCP, 17 UDP, 1 and 58 ICMP echo): the ProbeSet
  /// hands it every packet of those protocols and every ICMP error quoting one.
  virtual std::span<const std::uint8_t> ip_protocols() const noexcept = 0;

  /// The verdict `packet` gives, or nullopt when it answers none of this module's probes. `ts_ms` (Unix
  /// milliseconds) becomes the result's timestamp. `answer` (may be null: then nothing is described) receives
  /// what the answer says when the module describes it (Result::has_answer set).
  virtual std::optional<Result> classify(const Packet& packet, std::int64_t ts_ms,
                                         AnswerInfo* answer) const noexcept = 0;
};

/// The module of registry name `name` (engine/probes/registry.hpp) for the block of `setup.space` that it
/// probes. Throws std::invalid_argument for an unknown name, a space without that module's block, a setup
/// that lacks the local endpoint of a family the space has, or a bad module option; std::runtime_error with
/// libnet's text when a template cannot be built.
std::unique_ptr<ProbeModule> make_probe_module(std::string_view name, const ProbeSetup& setup);

}  // namespace synscan
