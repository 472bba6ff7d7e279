#pragma once
// The UDP probe module (nmap -sU, masscan -pU:, zmap -M udp): a datagram to each (target, port), over IPv4
// and IPv6, with the port's payload: a built-in one where the service needs a question to answer (DNS, NTP,
// SNMP, NetBIOS-NS, IKE, OpenVPN, SSDP, mDNS, CoAP, memcached: engine/probes/udp/payload.hpp), carrying a
// keyed cookie in the field the service echoes; else the user's (--udp-payload), else nmap's payload file
// (--udp-payload-file, by default Debian's /usr/share/nmap/nmap-payloads when installed), else an empty
// datagram. States as nmap names them: open (a UDP answer from the probed address and port that echoes the
// cookie), closed (ICMP port unreachable quoting the probe), filtered (another ICMP unreachable),
// open|filtered (silence). The source port is a keyed hash of the probe's addresses and port (8 secret bits
// with the default 256 source ports), so a reply to another port is refused too. Templates per (family,
// payload) built once by libnet (engine/probes/ip_frame.hpp).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/cookie.hpp"
#include "engine/probe_module.hpp"
#include "engine/probes/ip_frame.hpp"
#include "engine/probes/registry.hpp"
#include "engine/probes/udp/payload.hpp"

namespace synscan {

/// The UDP module's reason codes (Result::reason), nmap's words.
namespace udp_reason {
inline constexpr Reason udp_response{1};  ///< "udp-response": open
inline constexpr Reason port_unreach{2};  ///< "port-unreach": closed
inline constexpr Reason icmp_unreach{3};  ///< "icmp-unreach": filtered
}  // namespace udp_reason

class UdpModule final : public ProbeModule {
 public:
  /// Builds a template per (family, distinct payload) of the block's ports. Reads its options from
  /// setup.args: "udp-payload" (PORT:HEX, repeatable) and "udp-payload-file" (the text of a file in nmap's
  /// payload format, repeatable). Throws std::invalid_argument naming a bad option value, else as
  /// make_probe_module() says.
  UdpModule(const ProbeSetup& setup, const ProbeBlock& block);

  /// "udp", protocol "udp", prefix "U", nmap's -sU states and reasons; describes its answers.
  static const Vocabulary& kVocabulary;
  /// --udp-payload PORT:HEX and --udp-payload-file FILE.
  static const std::span<const ModuleOption> kOptions;

  const Vocabulary& vocabulary() const noexcept override { return kVocabulary; }
  std::size_t frame_stride() const noexcept override { return stride_; }
  void craft_batch(const ProbeIndex* indices, std::size_t n, std::uint8_t* out, std::size_t stride,
                   std::uint16_t* lengths) const noexcept override;
  /// UDP to our address and source-port range; ICMP type 3 and ICMPv6 type 1 to our address.
  std::string reply_filter() const override;
  std::string traffic_filter() const override;
  std::span<const std::uint8_t> ip_protocols() const noexcept override;
  std::optional<Result> classify(const Packet& packet, std::int64_t ts_ms,
                                 AnswerInfo* answer) const noexcept override;

  /// The payload a port of the block is sent (for tests and --dry-run's readers).
  const udp::UdpPayload& payload_for(std::uint16_t port) const noexcept;

 private:
  /// The keyed cookie of (our address, target, source port, target port), one family, for a cookie field of
  /// `bytes` bytes: 64 bits (two independent hashes) for a field wider than 4 bytes, else the low 32 alone.
  std::uint64_t cookie(const IpAddress& local, const IpAddress& target, std::uint16_t sport,
                       std::uint16_t dport, std::uint8_t bytes) const noexcept;
  /// The source port of the probe of (our address, target, port): a keyed hash reduced to the range.
  std::uint16_t source_port(const IpAddress& local, const IpAddress& target,
                            std::uint16_t dport) const noexcept;
  std::optional<Result> classify_answer(const Packet& p, std::int64_t ts_ms,
                                        AnswerInfo* answer) const noexcept;
  std::optional<Result> classify_error(const Packet& p, std::int64_t ts_ms) const noexcept;

  const ProbeBlock& block_;
  SynCookie high_, low_;  // two keys: the 64 bits of an 8-byte cookie field are two independent hashes
  std::optional<IpAddress> local4_, local6_;
  std::uint16_t port_first_, port_last_;
  std::vector<udp::UdpPayload> payloads_;       // distinct payloads
  std::vector<std::uint16_t> payload_of_;       // by port index in the block
  std::vector<IpFrameTemplate> tmpl4_, tmpl6_;  // by payload, per family the targets have
  std::size_t stride_ = 64;
};

}  // namespace synscan
