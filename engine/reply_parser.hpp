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
/// closed), or an ICMP or ICMPv6 destination unreachable quoting the probe (port filtered).
enum class ReplyKind : std::uint8_t { syn_ack, rst, icmp_unreach };

/// One parsed reply, already mapped to the probe it claims to answer. All addresses/ports HOST byte order;
/// both addresses are of one family, the reply's.
struct Reply {
  ReplyKind kind;
  IpAddress target_ip;  ///< the probed target: TCP reply's source; ICMP: the quoted IP header's destination
  std::uint16_t target_port;  ///< TCP reply's source port; ICMP: quoted TCP destination port
  IpAddress local_ip;         ///< our address: TCP reply's destination; ICMP: quoted source
  std::uint16_t local_port;   ///< our source port: TCP reply's destination port; ICMP: quoted TCP source port
  /// TCP: ack_number - 1 (mod 2^32); ICMP: the quoted TCP sequence number. It equals our SYN cookie iff this
  /// answers our probe (RFC 9293 3.4: the ACK of a SYN is ISN+1, and an RST answering a SYN to a closed port
  /// carries ACK = SEG.SEQ + SEG.LEN = ISN+1 too; RFC 792 makes an ICMP error quote the probe's first 8 TCP
  /// bytes, RFC 4443 an ICMPv6 error as much of the probe as fits).
  std::uint32_t cookie_echo;
  std::uint8_t ttl;        ///< IPv4 TTL or IPv6 hop limit (ICMP, ICMPv6: of the error, set by the router)
  std::uint16_t window;    ///< TCP window, unscaled as on the wire (0 for ICMP)
  std::uint8_t icmp_code;  ///< ICMP or ICMPv6 code for icmp_unreach, else 0
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
/// - Link layer: ethernet (14-byte header, ethertype 0x0800 or 0x86dd after at most 4 802.1Q 0x8100 / 802.1ad
///   0x88a8 tags), raw_ip (frame starts at the IP header; the version nibble, 4 or 6, says which), linux_sll
///   (16-byte header, protocol at offset 14), linux_sll2 (20-byte header, protocol at offset 0). The version
///   nibble must agree with the ethertype.
/// - IPv4 (RFC 791): version 4, IHL >= 5 (options skipped), total length respected: link padding after it is
///   ignored, a frame shorter than it is truncated -> nullopt. Non-first fragments dropped. Protocol 6 or 1.
/// - IPv6 (RFC 8200): payload length respected as IPv4's total length is (a jumbogram's 0 gives nothing). The
///   extension headers are walked: hop-by-hop (0, only first), routing (43), destination options (60),
///   fragment (44; a non-first fragment -> nullopt, a first one is read on) and AH (51, RFC 4302, length in
///   4-byte units); at most 8 of them, each within the payload. Then next header 6 or 58; anything else (ESP,
///   No Next Header, UDP, ...) -> nullopt.
/// - TCP (RFC 9293): data offset >= 5 and within the segment. SYN+ACK without RST -> syn_ack; RST with ACK ->
///   rst; anything else (bare RST, plain ACK, SYN, ...) -> nullopt. Same over both families.
/// - ICMP (RFC 792, RFC 1812 5.2.7.1): type 3 with code 0, 1, 2, 3, 9, 10 or 13, quoting an IPv4 header
///   (options allowed, not a non-first fragment), protocol TCP, then >= 8 TCP bytes -> icmp_unreach.
/// - ICMPv6 (RFC 4443 3.1): type 1 with code 0-6 (no route, administratively prohibited, beyond scope of
///   source address, address unreachable, port unreachable, source address failed ingress/egress policy,
///   reject route; the rest -> nullopt), quoting an IPv6 header (its extension headers walked as above, none
///   a non-first fragment), TCP, then >= 8 TCP bytes -> icmp_unreach. The quoted payload length is not
///   checked: a quote is cut short by design.
/// - Everything else -> nullopt. A reply's addresses are of the family of its IP header (an ICMP error's, of
///   its quote's); IPv4-mapped IPv6 addresses are left as IPv6.
///
/// Checksums are not verified: the validator's cookie match is the stronger integrity check, and checksum
/// offload can leave captured checksums unset. Frames we sent ourselves (seen on cooked "any" captures) are
/// not filtered here: our SYNs and the kernel's bare RSTs have no reply shape anyway.
/// Never throws, never allocates, never reads outside `frame`.
[[nodiscard]] std::optional<Reply> parse_reply(std::span<const std::uint8_t> frame, LinkType link) noexcept;

}  // namespace synscan
