#pragma once
// Which hello each port gets (--banner-probe), and the bytes of the hellos that are plain text.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/address.hpp"
#include "engine/banner/banner.hpp"

namespace synscan {

/// The hello a port gets when none is forced: TLS first on the ports TLS services use without STARTTLS
/// (443 https, 465 smtps, 636 ldaps, 853 dns-over-tls, 990 ftps, 992 telnets, 993 imaps, 995 pop3s, 5061
/// sips, 6443 kubernetes, 8443 and 9443 https-alt); an HTTP GET first on the common HTTP ports (80, 81, 591,
/// 3000, 5000, 8000, 8008, 8080, 8081, 8888); any other port is `generic`: wait for a greeting, then a GET.
BannerProbe default_hello(std::uint16_t port) noexcept;

/// --banner-probe as parsed: one hello for every port, or per port. `all` applies to ports without an entry.
struct BannerProbeSpec {
  BannerProbe all = BannerProbe::automatic;
  std::vector<std::pair<std::uint16_t, BannerProbe>> per_port;  ///< sorted by port, each port once
  /// The hello for `port`: its entry, else `all`, and `automatic` resolved by default_hello.
  BannerProbe for_port(std::uint16_t port) const noexcept;
};

/// Parses "http", "tls", "none", "generic", "auto", or a comma list of PORT:HELLO ("443:tls,8080:http"),
/// optionally with one bare hello for the other ports ("none,443:tls"). Throws std::invalid_argument whose
/// message names the bad token.
BannerProbeSpec parse_banner_probe_spec(std::string_view text);

/// An HTTP/1.1 GET of "/" (RFC 9112): Host is `host` (a hostname, or the address, IPv6 in brackets) with
/// ":port" unless port is the scheme's default (80, or 443 when `tls`); Connection: close, so that the server
/// ends the answer by closing.
std::string http_request(std::string_view host, std::uint16_t port, bool tls);

/// The Host header's host for an address target: "198.18.0.1" or "[2001:2::1]".
std::string host_for_address(const IpAddress& ip);

}  // namespace synscan
