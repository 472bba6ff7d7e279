#pragma once
// Receive side, step 1: turn one captured frame into the facts a SYN scan needs, or nothing.
//
// The parser is pure and total: any byte string, of any length, yields either a Reply or std::nullopt, with
// no allocation, no exception and no read outside the frame. It decides only "is this shaped like an answer
// to a TCP SYN?"; whether it answers one of *our* probes is the job of ReplyValidator
// (engine/reply_validator.hpp).
#include <cstdint>
#include <optional>
#include <span>

#include "engine/address.hpp"
#include "engine/types.hpp"

namespace synscan {

/// The three reply shapes a SYN probe can draw (nmap -sS semantics): a SYN-ACK (port open), an RST (port
/// closed), or an ICMP destination unreachable quoting the probe (port filtered).
enum class ReplyKind : std::uint8_t { syn_ack, rst, icmp_unreach };

/// One parsed reply, already mapped to the probe it claims to answer. All addresses/ports HOST byte order.
struct Reply {
  ReplyKind kind;
  IpAddress target_ip;  ///< the probed target: TCP reply's source; ICMP: the quoted IP header's destination
  std::uint16_t target_port;  ///< TCP reply's source port; ICMP: quoted TCP destination port
  IpAddress local_ip;         ///< our address: TCP reply's destination; ICMP: quoted source
  std::uint16_t local_port;   ///< our source port: TCP reply's destination port; ICMP: quoted TCP source port
  /// TCP: ack_number - 1 (mod 2^32); ICMP: the quoted TCP sequence number. It equals our SYN cookie iff this
  /// answers our probe (RFC 9293 3.4: the ACK of a SYN is ISN+1, and an RST answering a SYN to a closed port
  /// carries ACK = SEG.SEQ + SEG.LEN = ISN+1 too; RFC 792 makes an ICMP error quote the probe's first 8 TCP
  /// bytes).
  std::uint32_t cookie_echo;
  std::uint8_t ttl;      ///< outer IPv4 TTL of the reply (for ICMP: of the error message, set by the router)
  std::uint16_t window;  ///< TCP window, unscaled as on the wire (0 for ICMP)
  std::uint8_t icmp_code;  ///< ICMP code for icmp_unreach, else 0
  std::uint8_t tcp_flags;  ///< TCP flags byte of the reply, CWR..FIN (0 for ICMP)

  friend bool operator==(const Reply&, const Reply&) = default;
};

/// TCP flag bits of the 14th header byte (RFC 9293 3.1).
inline constexpr std::uint8_t kTcpFin = 0x01;
inline constexpr std::uint8_t kTcpSyn = 0x02;
inline constexpr std::uint8_t kTcpRst = 0x04;
inline constexpr std::uint8_t kTcpPsh = 0x08;
inline constexpr std::uint8_t kTcpAck = 0x10;

/// Parses one captured frame with the given link-layer framing.
///
/// - Link layer: ethernet (14-byte header, ethertype 0x0800 after at most 4 802.1Q 0x8100 / 802.1ad 0x88a8
///   tags), raw_ip (frame starts at the IPv4 header), linux_sll (16-byte header, protocol at offset 14),
///   linux_sll2 (20-byte header, protocol at offset 0).
/// - IPv4 (RFC 791): version 4, IHL >= 5 (options skipped), total length respected: link padding after it is
///   ignored, a frame shorter than it is truncated -> nullopt. Non-first fragments dropped. Protocol 6 or 1.
/// - TCP (RFC 9293): data offset >= 5 and within the segment. SYN+ACK without RST -> syn_ack; RST with ACK ->
///   rst; anything else (bare RST, plain ACK, SYN, ...) -> nullopt.
/// - ICMP (RFC 792, RFC 1812 5.2.7.1): type 3 with code 0, 1, 2, 3, 9, 10 or 13, quoting an IPv4 header
///   (options allowed, not a non-first fragment), protocol TCP, then >= 8 TCP bytes -> icmp_unreach.
/// - Everything else -> nullopt.
///
/// Checksums are not verified: the validator's cookie match is the stronger integrity check, and checksum
/// offload can leave captured checksums unset. Frames we sent ourselves (seen on cooked "any" captures) are
/// not filtered here: our SYNs and the kernel's bare RSTs have no reply shape anyway.
/// Never throws, never allocates, never reads outside `frame`.
[[nodiscard]] std::optional<Reply> parse_reply(std::span<const std::uint8_t> frame, LinkType link) noexcept;

}  // namespace synscan
