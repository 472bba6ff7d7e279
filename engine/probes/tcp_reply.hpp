#pragma once
// The TCP SYN module's reading of a preprocessed packet (engine/packet.hpp): the facts a SYN scan needs, or
// nothing. Pure and total. It decides only "is this shaped like an answer to a TCP SYN?"; whether it answers
// one of *our* probes is the job of ReplyValidator (engine/probes/tcp_validator.hpp).
#include <cstdint>
#include <optional>
#include <span>

#include "engine/address.hpp"
#include "engine/packet.hpp"
#include "engine/probes/tcp_options.hpp"
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
  std::uint8_t ttl;          ///< IPv4 TTL or IPv6 hop limit (ICMP, ICMPv6: of the error, set by the router)
  std::uint16_t window;      ///< TCP window, unscaled as on the wire (0 for ICMP)
  std::uint8_t icmp_code;    ///< ICMP or ICMPv6 code for icmp_unreach, else 0
  std::uint8_t tcp_flags;    ///< TCP flags byte of the reply, CWR..FIN (0 for ICMP)
  std::uint16_t ip_id = 0;   ///< IPv4 identification of the reply (0 for IPv6; ICMP: of the error)
  TcpOptionFacts options{};  ///< the TCP reply's options (none for ICMP)

  friend bool operator==(const Reply&, const Reply&) = default;
};

/// TCP flag bits of the 14th header byte (RFC 9293 3.1).
inline constexpr std::uint8_t kTcpFin = 0x01;
inline constexpr std::uint8_t kTcpSyn = 0x02;
inline constexpr std::uint8_t kTcpRst = 0x04;
inline constexpr std::uint8_t kTcpPsh = 0x08;
inline constexpr std::uint8_t kTcpAck = 0x10;

/// The reply a preprocessed packet (engine/packet.hpp) is to a TCP SYN, or nullopt:
/// - TCP (RFC 9293): data offset >= 5 and within the segment. SYN+ACK without RST -> syn_ack; RST with ACK ->
///   rst; anything else (bare RST, plain ACK, SYN, ...) -> nullopt. Same over both families.
/// - ICMP (RFC 792, RFC 1812 5.2.7.1): type 3 with code 0, 1, 2, 3, 9, 10 or 13 (net, host, protocol, port
///   unreachable and the three "administratively prohibited" codes nmap -sS reads as filtered; code 4,
///   fragmentation needed, and the rest say nothing about a firewall), quoting a TCP probe with >= 8 TCP
///   bytes
///   -> icmp_unreach.
/// - ICMPv6 (RFC 4443 3.1): type 1 with code 0-6 (no route, administratively prohibited, beyond scope of
/// source
///   address, address unreachable, port unreachable, source address failed ingress/egress policy, reject
///   route; 7 and 8 answer a malformed probe, not a path), quoting a TCP probe with >= 8 bytes ->
///   icmp_unreach.
/// A reply's addresses are of the family of its IP header (an ICMP error's, of its quote's); IPv4-mapped IPv6
/// addresses are left as IPv6. Never throws, never allocates, never reads outside the packet's bytes.
[[nodiscard]] std::optional<Reply> tcp_reply(const Packet& packet) noexcept;

/// preprocess() then tcp_reply(): one captured frame with the given link-layer framing, as a reply to a TCP
/// SYN or nothing. Total as both are.
[[nodiscard]] std::optional<Reply> parse_reply(std::span<const std::uint8_t> frame, LinkType link) noexcept;

}  // namespace synscan
