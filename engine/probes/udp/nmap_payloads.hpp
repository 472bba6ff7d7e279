#pragma once
// UDP payloads from outside the tree: nmap's payload file (Debian's nmap-common ships
// /usr/share/nmap/nmap-payloads; read at run time, never copied here) and the user's --udp-payload PORT:HEX.
// Set-up time parsers: they allocate and throw ParseError (a std::invalid_argument) on bad input.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

namespace synscan::udp {

/// The largest payload parse_payload_option accepts: a 1500-byte MTU less the IPv6 (40) and UDP (8) headers,
/// so that a probe is never fragmented.
inline constexpr std::size_t kMaxUserPayload = 1452;

/// Parses the text of nmap's payload file format (nmap's documentation of nmap-payloads and the file's own
/// header): entries `udp PORTLIST "string" ["string"...] [KEYWORD ...]`, where PORTLIST is a comma-separated
/// list of ports and ranges (`53,5353,32768-65535`), the strings are concatenated and may span lines, the C
/// escapes \xHH \0 \a \b \f \n \r \t \v \\ \" are decoded, `#` starts a comment, and an unknown keyword after
/// the strings
/// ("source 500") is ignored with the rest of its line. Returns port -> payload bytes, the first payload
/// given for a port (nmap sends several; one probe per port here). Bad syntax (another protocol, a bad port
/// or range, an entry without a string, an unterminated string, a bad escape) throws ParseError whose token
/// is the bad text and whose hint names the line number.
std::map<std::uint16_t, std::vector<std::uint8_t>> parse_nmap_payloads(std::string_view text);

/// A user's payload, "PORT:HEX" (--udp-payload 9999:deadbeef): PORT 0-65535, HEX an even number of hex digits
/// (either case, an optional 0x, empty for an empty datagram), at most kMaxUserPayload bytes. Throws
/// ParseError naming the bad port, hex or spec.
std::pair<std::uint16_t, std::vector<std::uint8_t>> parse_payload_option(std::string_view spec);

}  // namespace synscan::udp
