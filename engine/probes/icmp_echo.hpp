#pragma once
// The ICMP echo probe module (host discovery: nmap -sn -PE, masscan --ping, zmap -M icmp_echoscan): one echo
// request per target (no ports: the module's block is targets alone), over IPv4 (RFC 792, type 8) and IPv6
// (RFC 4443 4.1, type 128). The identifier and sequence number carry a keyed cookie of (our address, the
// target); an echo reply (type 0 / 129) that echoes them says the target is up. A destination unreachable
// quoting our request says it is not reachable (down, with the reason); silence says down.
#include <optional>
#include <span>
#include <string>

#include "engine/cookie.hpp"
#include "engine/probe_module.hpp"
#include "engine/probes/ip_frame.hpp"

namespace synscan {

/// The ICMP echo module's reason codes (Result::reason).
namespace echo_reason {
inline constexpr Reason echo_reply{1};    ///< "echo-reply": up
inline constexpr Reason icmp_unreach{2};  ///< "icmp-unreach": a router says the target cannot be reached
}  // namespace echo_reason

class IcmpEchoModule final : public ProbeModule {
 public:
  /// Builds a template per family the targets have. Throws as make_probe_module() says.
  IcmpEchoModule(const ProbeSetup& setup, const ProbeBlock& block);

  /// "icmp_echo", protocol "icmp", no ports; states "up" (open) and "down" (filtered, also silence).
  static const Vocabulary& kVocabulary;
  const Vocabulary& vocabulary() const noexcept override { return kVocabulary; }
  /// 64 bytes: an echo request frame is 60 bytes (IPv4, padded) or 62 (IPv6).
  std::size_t frame_stride() const noexcept override { return 64; }
  void craft_batch(const ProbeIndex* indices, std::size_t n, std::uint8_t* out, std::size_t stride,
                   std::uint16_t* lengths) const noexcept override;
  /// Echo replies and destination unreachables to our address, both families.
  std::string reply_filter() const override;
  std::string traffic_filter() const override;
  std::span<const std::uint8_t> ip_protocols() const noexcept override;
  std::optional<Result> classify(const Packet& packet, std::int64_t ts_ms,
                                 AnswerInfo* answer) const noexcept override;

  /// The 32-bit cookie of an echo request from `local` to `target` (one family): identifier = high 16 bits,
  /// sequence number = low 16 bits.
  std::uint32_t cookie(const IpAddress& local, const IpAddress& target) const noexcept;

 private:
  const ProbeBlock& block_;
  SynCookie cookie_;
  std::optional<IpAddress> local4_, local6_;
  std::optional<IpFrameTemplate> tmpl4_, tmpl6_;
};

}  // namespace synscan
