#include "capture/banner_tls.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>
#include <stdexcept>
#include <vector>

namespace synscan {
namespace {

std::string openssl_error(std::string_view what) {
  const unsigned long e = ERR_get_error();
  char buf[256] = {};
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  return fmt::format("{}: {}", what, e ? buf : "unknown OpenSSL error");
}

std::string name_text(const X509_NAME* name) {
  if (!name) return {};
  BIO* bio = BIO_new(BIO_s_mem());
  if (!bio) return {};
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string s(data, n > 0 ? static_cast<std::size_t>(n) : 0);
  BIO_free(bio);
  return s;
}

std::string time_text(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::vector<std::string> sans_of(X509* cert) {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names) && out.size() < 100; ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    if (g->type == GEN_DNS) {
      const ASN1_STRING* s = g->d.dNSName;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<std::size_t>(ASN1_STRING_length(s)));
    } else if (g->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* s = g->d.iPAddress;
      char text[INET6_ADDRSTRLEN] = {};
      const int len = ASN1_STRING_length(s);
      if ((len == 4 || len == 16) &&
          inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(s), text, sizeof text))
        out.emplace_back(text);
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

}  // namespace

TlsContext::TlsContext() : ctx_(SSL_CTX_new(TLS_client_method())) {
  if (!ctx_) throw std::runtime_error(openssl_error("SSL_CTX_new"));
  SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_security_level(ctx_.get(), 0);
  SSL_CTX_set_min_proto_version(ctx_.get(), 0);  // the lowest this OpenSSL builds: old servers answer too
  SSL_CTX_set_cipher_list(ctx_.get(), "ALL:@SECLEVEL=0");
  SSL_CTX_set_session_cache_mode(ctx_.get(), SSL_SESS_CACHE_OFF);
}

TlsClient::TlsClient(const TlsContext& ctx, const std::string& sni) : ssl_(SSL_new(ctx.get())) {
  if (!ssl_) throw std::runtime_error(openssl_error("SSL_new"));
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  if (!in_ || !out_) {
    BIO_free(in_);
    BIO_free(out_);
    throw std::runtime_error(openssl_error("BIO_new"));
  }
  BIO_set_mem_eof_return(in_, -1);  // an empty input means "wait", not EOF
  SSL_set_bio(ssl_.get(), in_, out_);
  SSL_set_connect_state(ssl_.get());
  if (!sni.empty()) SSL_set_tlsext_host_name(ssl_.get(), sni.c_str());
}

void TlsClient::feed(std::string_view bytes) {
  if (!bytes.empty()) BIO_write(in_, bytes.data(), static_cast<int>(bytes.size()));
}

bool TlsClient::handshake() {
  if (done_ || failed_) return done_;
  ERR_clear_error();
  const int r = SSL_do_handshake(ssl_.get());
  if (r == 1) {
    done_ = true;
    return true;
  }
  const int e = SSL_get_error(ssl_.get(), r);
  if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) failed_ = true;
  ERR_clear_error();
  return false;
}

void TlsClient::write_plain(std::string_view bytes) {
  if (done_ && !bytes.empty()) SSL_write(ssl_.get(), bytes.data(), static_cast<int>(bytes.size()));
  ERR_clear_error();
}

bool TlsClient::read_plain(std::string& out, std::size_t max) {
  char buf[4096];
  while (out.size() < max) {
    const int want = static_cast<int>(std::min(sizeof buf, max - out.size()));
    ERR_clear_error();
    const int n = SSL_read(ssl_.get(), buf, want);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    const int e = SSL_get_error(ssl_.get(), n);
    ERR_clear_error();
    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
  }
  return true;
}

void TlsClient::take_output(std::string& out) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(out_, &data);
  if (n > 0) {
    out.append(data, static_cast<std::size_t>(n));
    (void)BIO_reset(out_);
  }
}

TlsInfo TlsClient::info() const {
  TlsInfo t;
  t.version = SSL_get_version(ssl_.get());
  X509* cert = SSL_get1_peer_certificate(ssl_.get());
  if (!cert) return t;
  t.subject = name_text(X509_get_subject_name(cert));
  t.issuer = name_text(X509_get_issuer_name(cert));
  t.sans = sans_of(cert);
  t.not_after = time_text(X509_get0_notAfter(cert));
  X509_free(cert);
  return t;
}

}  // namespace synscan
