#pragma once
// SYN option profiles: the TCP options (and the window and TTL that go with them) an operating system puts in
// the SYN of a connection it opens, so that a probe looks like a real client's. Some networks drop SYNs that
// carry fewer options than real clients send (masscan #646, zmap #339/#601/#758); zmap measured 1.305% of
// IPv4 answering port 80 with no options, 1.330-1.331% with Linux or Windows options, 1.328% with MSS only
// (zmap PR #855), and defaults to Windows' options since.
//
// The layouts, as each system sends them (option kinds RFC 9293 section 3.2, RFC 7323, RFC 2018); each is the
// `olayout` of p0f 3's `[tcp:request]` signature for that system and the one zmap's --probe-args builds
// (src/probe_modules/packet.c, set_tcp_options):
//   windows  MSS, NOP, WS 8, NOP, NOP, SACK permitted                                   12 bytes (Windows
//   10/11) linux    MSS, SACK permitted, TS, NOP, WS 7                                         20 bytes
//   (Linux 3.x-6.x) bsd      MSS, NOP, WS 6, NOP, NOP, TS, SACK permitted, EOL, EOL                     24
//   bytes (macOS, FreeBSD) mss      MSS 4 bytes (masscan's) none     no option 0 bytes (zmap before #855)
// MSS is the family's (1460 over IPv4, 1440 over IPv6); the timestamp's TSecr is 0, as in any SYN, and its
// TSval is the send time (engine/probes/syn_timestamp.hpp) so that an echoing target gives the round trip.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace synscan {

/// A SYN option profile. Values are stable: resume files store the name, not the number.
enum class SynProfile : std::uint8_t { windows, linux, bsd, mss, none };

/// The profile a scan uses when none is given: Windows' options, as zmap's default since PR #855. Its hit
/// rate equals Linux's (1.330-1.331% against 1.328% with MSS alone and 1.305% with none), and its IPv4 frame
/// is the smallest of the real systems' (66 bytes with Ethernet, 52 bytes of IP, against 74 for Linux and 78
/// for BSD): 10% more bytes than MSS alone for a SYN that a filter matching real clients lets through.
inline constexpr SynProfile kDefaultSynProfile = SynProfile::windows;

/// Every profile, in the order --help lists them.
inline constexpr std::array<SynProfile, 5> kSynProfiles = {
    SynProfile::windows, SynProfile::linux, SynProfile::bsd, SynProfile::mss, SynProfile::none};

/// The profile's name: "windows", "linux", "bsd", "mss", "none".
std::string_view syn_profile_name(SynProfile p) noexcept;
/// The profile named `name` (exact, lower case), or nullopt.
std::optional<SynProfile> syn_profile_by_name(std::string_view name) noexcept;

/// What a profile puts into a SYN besides the addresses, ports and sequence number.
struct SynOptions {
  std::array<std::uint8_t, 40> bytes{};  ///< the options, wire order; [0, size) used
  std::uint8_t size = 0;                 ///< bytes of options: a multiple of 4 (the data offset counts words)
  /// Offset of the timestamp option's TSval within the options (a multiple of 4, so its words are the
  /// checksum's words), or -1 when the profile has no timestamp.
  std::int8_t tsval_offset = -1;
  std::uint16_t window = 1024;  ///< the TCP window the system's SYN carries, bytes
  std::uint8_t ttl = 64;        ///< the IPv4 TTL / IPv6 hop limit the system starts with

  std::span<const std::uint8_t> view() const noexcept { return {bytes.data(), size}; }
};

/// The options of profile `p` with MSS `mss` (bytes, host order), TSval and TSecr zero. The window and TTL
/// are the system's: Linux and Windows the largest multiple of the MSS below 2^16 (64240 over IPv4, 64800
/// over IPv6) with TTL 64 and 128, macOS 65535 / 64; mss and none keep synscan's 1024 / 64.
SynOptions syn_options(SynProfile p, std::uint16_t mss) noexcept;

}  // namespace synscan
