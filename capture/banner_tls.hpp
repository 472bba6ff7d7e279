#pragma once
// TLS for the banner stage through OpenSSL, over memory BIOs: the stage owns the socket and its byte and
// time limits (capture/banner_stage.hpp); OpenSSL only turns bytes in into bytes out. No verification: the
// point is to report the certificate, whoever signed it (expired, self-signed, weak keys: SECLEVEL 0, every
// protocol version OpenSSL still builds).
#include <openssl/ssl.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/banner/banner.hpp"

namespace synscan {

/// One SSL_CTX for every connection of a stage. Throws std::runtime_error with OpenSSL's text on failure.
class TlsContext {
 public:
  TlsContext();
  SSL_CTX* get() const noexcept { return ctx_.get(); }

 private:
  struct Free {
    void operator()(SSL_CTX* c) const noexcept { SSL_CTX_free(c); }
  };
  std::unique_ptr<SSL_CTX, Free> ctx_;
};

/// The client side of one TLS connection. Feed it what the socket received (feed), send what it wants sent
/// (take_output), read the decrypted stream (read_plain).
class TlsClient {
 public:
  /// `sni`: the server name to ask for (RFC 6066), "" for none (a target given as an address).
  TlsClient(const TlsContext& ctx, const std::string& sni);
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  /// Hands received bytes to OpenSSL.
  void feed(std::string_view bytes);
  /// Advances the handshake. true once it is done; false while it needs more bytes. Throws nothing:
  /// failed() tells a broken handshake (garbage, an alert, a plain-text server).
  bool handshake();
  bool failed() const noexcept { return failed_; }
  bool done() const noexcept { return done_; }
  /// Queues application data (after the handshake).
  void write_plain(std::string_view bytes);
  /// Appends decrypted bytes to `out`, at most `max` in total in `out`. Returns false at the peer's
  /// close_notify or on a failure.
  bool read_plain(std::string& out, std::size_t max);
  /// Moves the bytes OpenSSL wants sent to the end of `out`.
  void take_output(std::string& out);
  /// The negotiated version and the server's certificate (subject and issuer as RFC 2253, SANs, notAfter).
  TlsInfo info() const;

 private:
  struct Free {
    void operator()(SSL* s) const noexcept { SSL_free(s); }
  };
  std::unique_ptr<SSL, Free> ssl_;
  BIO* in_ = nullptr;   // owned by ssl_
  BIO* out_ = nullptr;  // owned by ssl_
  bool done_ = false, failed_ = false;
};

}  // namespace synscan
