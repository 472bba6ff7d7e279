#pragma once
// What the banner stage (--banners) learned about one open port: the record every writer renders beside the
// port's Result (engine/result.hpp, Result::banner). Pure data: filled by the stage
// (capture/banner_stage.hpp) from the parsers in this folder, read by engine/output/.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace synscan {

/// How the connection to an open port ended.
/// ok: bytes were received (greeting or answer); silent: connected, nothing arrived before the timeout (after
/// the generic probe too); closed: the server closed (FIN) without sending a byte; reset: the connection was
/// reset (after one retry); refused: the connect was answered with RST; timeout: the connect did not complete
/// in time; not_done: the scan stopped (Ctrl-C, --max-runtime) before this port's banner was taken.
enum class BannerStatus : std::uint8_t { ok, silent, closed, reset, refused, timeout, not_done };

/// "ok", "silent", "closed", "reset", "refused", "timeout", "not_done".
constexpr std::string_view to_string(BannerStatus s) noexcept {
  switch (s) {
    case BannerStatus::ok:
      return "ok";
    case BannerStatus::silent:
      return "silent";
    case BannerStatus::closed:
      return "closed";
    case BannerStatus::reset:
      return "reset";
    case BannerStatus::refused:
      return "refused";
    case BannerStatus::timeout:
      return "timeout";
    case BannerStatus::not_done:
      return "not_done";
  }
  return "?";
}

/// The service as nmap -sV names it: name ("ssh", "http", "smtp", ...; empty when nothing identified it),
/// product ("OpenSSH", "nginx"), version ("9.2p1"). tunnel_ssl: the service was spoken inside TLS (nmap's
/// tunnel="ssl"). Named from what the server sent, never from the port number alone.
struct ServiceInfo {
  std::string name, product, version;
  bool tunnel_ssl = false;
};

/// An HTTP response's status line, Server header and <title> (RFC 9112 section 4, RFC 9110 section 10.2.4).
struct HttpInfo {
  int status = 0;      ///< status code, 100-999
  std::string server;  ///< Server header value, "" when absent
  std::string title;   ///< the document's <title> text, whitespace collapsed, "" when absent
};

/// A TLS server's certificate and the negotiated protocol (RFC 8446 / RFC 5280).
struct TlsInfo {
  std::string version;            ///< "TLSv1.3", "TLSv1.2", ...
  std::string subject, issuer;    ///< RFC 2253 distinguished names
  std::vector<std::string> sans;  ///< subjectAltName entries: DNS names as is, addresses as text
  std::string not_after;          ///< expiry, "2027-01-01T00:00:00Z"
};

/// The hello the stage sends on connect: none (read only), http (a GET), tls (a ClientHello, then a GET
/// inside), generic (wait for a greeting, then a GET if the server stays quiet). `automatic` picks per port
/// (default_hello, engine/banner/hello.hpp).
enum class BannerProbe : std::uint8_t { automatic, none, http, tls, generic };

/// "auto", "none", "http", "tls", "generic".
constexpr std::string_view to_string(BannerProbe p) noexcept {
  switch (p) {
    case BannerProbe::automatic:
      return "auto";
    case BannerProbe::none:
      return "none";
    case BannerProbe::http:
      return "http";
    case BannerProbe::tls:
      return "tls";
    case BannerProbe::generic:
      return "generic";
  }
  return "?";
}

/// One port's banner.
struct Banner {
  BannerStatus status = BannerStatus::not_done;
  BannerProbe probe = BannerProbe::none;  ///< the hello that was sent (after `automatic` was resolved)
  /// The bytes the service sent, at most --banner-max-bytes: the greeting or the answer; inside TLS, the
  /// decrypted answer. Raw: writers escape them.
  std::string raw;
  ServiceInfo service;
  std::optional<HttpInfo> http;
  std::optional<TlsInfo> tls;
};

}  // namespace synscan
