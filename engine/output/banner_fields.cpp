#include "engine/output/banner_fields.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "engine/output/escape.hpp"

namespace synscan {
namespace {

void json_string(std::string& out, std::string_view key, std::string_view value) {
  fmt::format_to(std::back_inserter(out), R"("{}":")", key);
  append_json_escaped(out, value);
  out += '"';
}

void xml_attr(std::string& out, std::string_view key, std::string_view value) {
  out += ' ';
  out += key;
  out += "=\"";
  append_xml_escaped(out, value);
  out += '"';
}

std::string joined_sans(const TlsInfo& tls, std::string_view sep) {
  std::string s;
  for (const std::string& san : tls.sans) {
    if (!s.empty()) s += sep;
    s += san;
  }
  return s;
}

}  // namespace

std::string_view shown_service_name(const Banner* banner, std::string_view table) noexcept {
  if (banner && !banner->service.name.empty()) return banner->service.name;
  return table;
}

void append_json_banner(std::string& out, const Banner* banner, std::string_view table) {
  const bool probed = banner && !banner->service.name.empty();
  const std::string_view name = shown_service_name(banner, table);
  if (!name.empty()) {
    out += R"(,"service":{)";
    json_string(out, "name", name);
    if (probed && !banner->service.product.empty()) {
      out += ',';
      json_string(out, "product", banner->service.product);
    }
    if (probed && !banner->service.version.empty()) {
      out += ',';
      json_string(out, "version", banner->service.version);
    }
    if (probed && banner->service.tunnel_ssl) out += R"(,"tunnel":"ssl")";
    out += probed ? R"(,"method":"probed"})" : R"(,"method":"table"})";
  }
  if (!banner) return;
  fmt::format_to(std::back_inserter(out), R"(,"banner_status":"{}","banner":")", to_string(banner->status));
  append_json_bytes(out, banner->raw);
  out += '"';
  if (banner->http) {
    fmt::format_to(std::back_inserter(out), R"(,"http":{{"status":{},)", banner->http->status);
    json_string(out, "server", banner->http->server);
    out += ',';
    json_string(out, "title", banner->http->title);
    out += '}';
  }
  if (banner->tls) {
    const TlsInfo& t = *banner->tls;
    out += R"(,"tls":{)";
    json_string(out, "version", t.version);
    out += ',';
    json_string(out, "subject", t.subject);
    out += ',';
    json_string(out, "issuer", t.issuer);
    out += R"(,"sans":[)";
    for (std::size_t i = 0; i < t.sans.size(); ++i) {
      if (i) out += ',';
      out += '"';
      append_json_escaped(out, t.sans[i]);
      out += '"';
    }
    out += "],";
    json_string(out, "not_after", t.not_after);
    out += '}';
  }
}

std::string ssl_cert_text(const TlsInfo& tls) {
  std::string s = "Subject: " + tls.subject;
  if (!tls.sans.empty()) s += "\nSubject Alternative Name: " + joined_sans(tls, ", ");
  s += "\nIssuer: " + tls.issuer;
  if (!tls.not_after.empty()) s += "\nNot valid after:  " + tls.not_after;
  if (!tls.version.empty()) s += "\nProtocol: " + tls.version;
  return s;
}

void append_xml_service(std::string& out, const Banner* banner, std::string_view table) {
  const bool probed = banner && !banner->service.name.empty();
  const std::string_view name = shown_service_name(banner, table);
  if (!name.empty()) {
    out += "<service";
    xml_attr(out, "name", name);
    if (probed && !banner->service.product.empty()) xml_attr(out, "product", banner->service.product);
    if (probed && !banner->service.version.empty()) xml_attr(out, "version", banner->service.version);
    if (probed && banner->service.tunnel_ssl) out += " tunnel=\"ssl\"";
    out += probed ? " method=\"probed\" conf=\"10\"/>" : " method=\"table\" conf=\"3\"/>";
  }
  // One <script> a port: ndiff (Debian 12's 7.93) cannot sort two results of one port and stops with a
  // TypeError. A TLS port gets its certificate, any other port its banner (up to the end of HTTP headers).
  if (!banner) return;
  if (!banner->tls && !banner->raw.empty()) {
    out += "<script id=\"banner\"";
    xml_attr(out, "output", printable_bytes(banner->raw.substr(0, banner->raw.find("\r\n\r\n"))));
    out += "/>";
  } else if (banner->tls) {
    out += "<script id=\"ssl-cert\"";
    xml_attr(out, "output", ssl_cert_text(*banner->tls));
    out += "/>";
  }
}

void append_csv_banner(std::string& out, const Banner* banner) {
  if (!banner) {
    out += std::string(std::count(kCsvBannerHeader.begin(), kCsvBannerHeader.end(), ',') + 1, ',');
    return;
  }
  auto cell = [&](std::string_view v) {
    out += ',';
    append_csv_field(out, v);
  };
  cell(to_string(banner->status));
  cell(banner->service.product);
  cell(banner->service.version);
  cell(banner->service.tunnel_ssl ? "ssl" : "");
  cell(banner->http ? fmt::format("{}", banner->http->status) : "");
  cell(banner->http ? std::string_view(banner->http->server) : "");
  cell(banner->http ? std::string_view(banner->http->title) : "");
  cell(banner->tls ? std::string_view(banner->tls->version) : "");
  cell(banner->tls ? std::string_view(banner->tls->subject) : "");
  cell(banner->tls ? std::string_view(banner->tls->issuer) : "");
  cell(banner->tls ? joined_sans(*banner->tls, " ") : "");
  cell(banner->tls ? std::string_view(banner->tls->not_after) : "");
  cell(printable_bytes(banner->raw));
}

std::string grepable_service(const Banner* banner, std::string_view table) {
  const std::string_view name = shown_service_name(banner, table);
  if (banner && banner->service.tunnel_ssl) return fmt::format("ssl|{}", name);
  return std::string(name);
}

std::string grepable_version(const Banner* banner) {
  if (!banner || banner->service.name.empty()) return {};
  const ServiceInfo& s = banner->service;
  if (s.product.empty()) return s.version;
  return s.version.empty() ? s.product : s.product + " " + s.version;
}

}  // namespace synscan
