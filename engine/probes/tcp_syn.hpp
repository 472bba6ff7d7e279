#pragma once
// The TCP SYN probe module (nmap -sS, masscan's and zmap's default): a SYN with a real system's options
// (--syn-profile, engine/probes/syn_profile.hpp) to each (target, port), its sequence number a SYN cookie
// (engine/cookie.hpp); SYN-ACK is open, RST+ACK closed, an ICMP or ICMPv6 destination unreachable quoting the
// probe filtered. Over IPv4 and over IPv6, one template per family built once with libnet
// (engine/probes/syn_template4.hpp, syn_template6.hpp), patched per probe with incremental checksums (RFC
// 1624); batches crafted by engine/probes/syn_maker4.hpp (IPv4 only) or syn_maker_mixed.hpp (IPv6 present).
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "engine/probe_module.hpp"
#include "engine/probes/registry.hpp"
#include "engine/probes/syn_maker4.hpp"
#include "engine/probes/syn_maker_mixed.hpp"
#include "engine/probes/syn_profile.hpp"
#include "engine/probes/syn_template4.hpp"
#include "engine/probes/syn_template6.hpp"
#include "engine/probes/syn_timestamp.hpp"
#include "engine/probes/tcp_validator.hpp"

namespace synscan {

class TcpSynModule final : public ProbeModule {
 public:
  /// Builds the templates of the families the space has, for `block` (the space's block of this module).
  /// Throws as make_probe_module() says.
  TcpSynModule(const ProbeSetup& setup, const ProbeBlock& block);

  /// The module's names: "tcp_syn", protocol "tcp", prefix "T", nmap's -sS states and reasons.
  static const Vocabulary& kVocabulary;
  const Vocabulary& vocabulary() const noexcept override { return kVocabulary; }
  /// The module's options: --syn-profile NAME (windows, linux, bsd, mss, none; default kDefaultSynProfile).
  static const std::span<const ModuleOption> kOptions;
  /// The profile `args` name ("syn-profile"), or kDefaultSynProfile. Throws std::invalid_argument naming a
  /// bad one.
  static SynProfile profile_of(const ModuleArgs& args);
  /// 64 bytes when every target is IPv4 and the frame fits a cache line (MSS alone or no options: a 60-byte
  /// frame, ProbeTemplate::kSmallCopy), else 128 (IPv6 targets, or a real system's options:
  /// ProbeTemplate::kMaxFrame, ProbeTemplate6::kMaxFrame).
  std::size_t frame_stride() const noexcept override { return stride_; }
  /// An IPv4-only space takes ProbeMaker::craft_batch (one test per batch, then the IPv4 maker alone: no
  /// family test per probe); a space with IPv6 targets takes MixedProbeMaker::craft_batch, which crafts
  /// either family per probe. lengths[i]: the family's template size (syn_template4.hpp, syn_template6.hpp).
  /// A profile with timestamps reads the clock once per batch (SynTimestamp::now).
  void craft_batch(const ProbeIndex* indices, std::size_t n, std::uint8_t* out, std::size_t stride,
                   std::uint16_t* lengths) const noexcept override;
  /// port_reply_filter("tcp", ...) and port_traffic_filter("tcp", ...) (engine/probes/port_filters.hpp).
  std::string reply_filter() const override;
  std::string traffic_filter() const override;
  std::span<const std::uint8_t> ip_protocols() const noexcept override;
  /// tcp_reply() then ReplyValidator::validate(); describes nothing.
  std::optional<Result> classify(const Packet& packet, std::int64_t ts_ms,
                                 AnswerInfo* answer) const noexcept override;

 private:
  ProbeSetup setup_;
  SynProfile profile_ = kDefaultSynProfile;
  SynCookie cookie_;
  SynTimestamp clock_;
  bool timestamps_ = false;  // the profile carries TSval: craft_batch reads the clock
  std::optional<ProbeTemplate> tmpl4_;
  std::optional<ProbeMaker> maker4_;      // set for a non-empty space of IPv4 targets only
  std::optional<MixedProbeMaker> mixed_;  // set when the space has IPv6 targets
  ReplyValidator validator_;
  std::size_t stride_ = ProbeTemplate::kMaxFrame;
};

}  // namespace synscan
