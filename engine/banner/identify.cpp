#include "engine/banner/identify.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include "engine/banner/http_response.hpp"
#include "engine/banner/tls_record.hpp"

namespace synscan {
namespace {

char lower(char c) noexcept { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Case-insensitive search of `needle` (lower case) in `hay`.
std::size_t ifind(std::string_view hay, std::string_view needle) noexcept {
  if (needle.size() > hay.size()) return std::string_view::npos;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    std::size_t k = 0;
    while (k < needle.size() && lower(hay[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return i;
  }
  return std::string_view::npos;
}
bool icontains(std::string_view hay, std::string_view needle) noexcept {
  return ifind(hay, needle) != std::string_view::npos;
}

bool starts_with(std::string_view s, std::string_view p) noexcept { return s.substr(0, p.size()) == p; }

// The first line of `s` without its CR LF.
std::string_view first_line(std::string_view s) noexcept {
  std::string_view line = s.substr(0, s.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// The token after `key` (case-insensitive) up to a space, ')' or the line's end: "Exim 4.96" -> "4.96".
std::string word_after(std::string_view line, std::string_view key) {
  const std::size_t at = ifind(line, key);
  if (at == std::string_view::npos) return {};
  std::string_view rest = line.substr(at + key.size());
  std::size_t end = 0;
  while (end < rest.size() && rest[end] != ' ' && rest[end] != ')' && rest[end] != ',' && rest[end] != ';' &&
         rest[end] != '\r')
    ++end;
  std::string_view w = rest.substr(0, end);
  if (w.empty() || !std::isdigit(static_cast<unsigned char>(w.front()))) return {};
  return std::string(w);
}

// RFC 4253: SSH-protoversion-softwareversion SP comments. nmap's naming for OpenSSH and Dropbear.
ServiceInfo ssh_service(std::string_view line) {
  ServiceInfo s{"ssh", "", "", false};
  const std::size_t dash = line.find('-', 4);
  if (dash == std::string_view::npos) return s;
  std::string_view software = line.substr(dash + 1);
  std::string_view comments;
  if (const std::size_t sp = software.find(' '); sp != std::string_view::npos) {
    comments = software.substr(sp + 1);
    software = software.substr(0, sp);
  }
  std::string_view product = software, version;
  if (const std::size_t us = software.find('_'); us != std::string_view::npos) {
    product = software.substr(0, us);
    version = software.substr(us + 1);
  }
  if (product == "OpenSSH") {
    s.product = "OpenSSH";
  } else if (product == "dropbear") {
    s.product = "Dropbear sshd";
  } else {
    s.product = std::string(product);
  }
  s.version = std::string(version);
  if (!comments.empty() && !s.version.empty()) {
    std::string c(comments);
    if (const std::size_t d = c.find('-'); d != std::string::npos) c[d] = ' ';  // "Debian-2" -> "Debian 2"
    s.version += ' ';
    s.version += c;
  }
  return s;
}

ServiceInfo smtp_service(std::string_view line) {
  ServiceInfo s{"smtp", "", "", false};
  if (icontains(line, "postfix")) {
    s.product = "Postfix smtpd";
  } else if (icontains(line, "exim")) {
    s.product = "Exim smtpd";
    s.version = word_after(line, "exim ");
  } else if (icontains(line, "sendmail")) {
    s.product = "Sendmail";
    s.version = word_after(line, "sendmail ");
  } else if (icontains(line, "opensmtpd")) {
    s.product = "OpenSMTPD";
  }
  return s;
}

ServiceInfo ftp_service(std::string_view line) {
  ServiceInfo s{"ftp", "", "", false};
  if (icontains(line, "vsftpd")) {
    s.product = "vsftpd";
    s.version = word_after(line, "vsftpd ");
  } else if (icontains(line, "proftpd")) {
    s.product = "ProFTPD";
    s.version = word_after(line, "proftpd ");
  } else if (icontains(line, "pure-ftpd")) {
    s.product = "Pure-FTPd";
  }
  return s;
}

// MySQL protocol 10 initial handshake: 3-byte little-endian length, sequence 0, 0x0a, version NUL-terminated
// (MariaDB's "5.5.5-10.11.6-MariaDB-0+deb12u1" names MariaDB 10.11.6).
std::optional<ServiceInfo> mysql_service(std::string_view b) {
  if (b.size() < 6 || b[3] != 0) return std::nullopt;
  const auto u = [&](std::size_t i) { return static_cast<unsigned char>(b[i]); };
  const std::size_t length = u(0) | u(1) << 8 | u(2) << 16;
  if (length < 2 || length > 1024) return std::nullopt;
  if (u(4) == 0xff) return ServiceInfo{"mysql", "MySQL", "", false};  // an error packet: host not allowed
  if (u(4) != 10) return std::nullopt;
  const std::string_view rest = b.substr(5);
  const std::size_t nul = rest.find('\0');
  if (nul == std::string_view::npos || nul == 0 || nul > 64) return std::nullopt;
  std::string_view version = rest.substr(0, nul);
  if (!std::isdigit(static_cast<unsigned char>(version.front()))) return std::nullopt;
  ServiceInfo s{"mysql", "MySQL", "", false};
  if (const std::size_t m = version.find("-MariaDB"); m != std::string_view::npos) {
    s.product = "MariaDB";
    version = version.substr(0, m);
    if (starts_with(version, "5.5.5-")) version.remove_prefix(6);
  }
  s.version = std::string(version);
  return s;
}

// "nginx/1.22.1" -> nginx 1.22.1; "Apache/2.4.57 (Debian)" -> Apache httpd 2.4.57.
ServiceInfo http_service(const HttpInfo& http) {
  ServiceInfo s{"http", "", "", false};
  std::string_view server = http.server;
  std::string_view product = server.substr(0, server.find(' '));
  std::string_view version;
  if (const std::size_t slash = product.find('/'); slash != std::string_view::npos) {
    version = product.substr(slash + 1);
    product = product.substr(0, slash);
  }
  s.product = product == "Apache" ? "Apache httpd" : std::string(product);
  s.version = std::string(version);
  return s;
}

bool is_reply_code(std::string_view line, char first) noexcept {
  return line.size() >= 3 && line[0] == first && std::isdigit(static_cast<unsigned char>(line[1])) &&
         std::isdigit(static_cast<unsigned char>(line[2])) &&
         (line.size() == 3 || line[3] == ' ' || line[3] == '-');
}

}  // namespace

bool is_tcpwrapped(BannerStatus status, std::string_view bytes) noexcept {
  return bytes.empty() && (status == BannerStatus::closed || status == BannerStatus::reset);
}

ServiceInfo identify_service(std::string_view bytes, std::uint16_t port) {
  if (bytes.empty()) return {};
  if (auto http = parse_http_response(bytes)) return http_service(*http);
  // SSH servers may send other lines before the identification string (RFC 4253 section 4.2).
  for (std::size_t pos = 0; pos < bytes.size() && pos < 2048;) {
    const std::string_view line = first_line(bytes.substr(pos));
    if (starts_with(line, "SSH-")) return ssh_service(line);
    const std::size_t eol = bytes.find('\n', pos);
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
  if (auto mysql = mysql_service(bytes)) return *mysql;
  if (auto tls = parse_tls_record(bytes)) return ServiceInfo{"ssl", "", "", false};
  const std::string_view line = first_line(bytes);
  if (is_reply_code(line, '2') && starts_with(line, "220")) {
    // Search the whole greeting: multi-line replies name the software on any line.
    const std::string_view greeting = bytes.substr(0, 1024);
    const bool smtp = icontains(greeting, "smtp") || icontains(greeting, "mail");
    const bool ftp = icontains(greeting, "ftp");
    if (smtp && !ftp) return smtp_service(greeting);
    if (ftp && !smtp) return ftp_service(greeting);
    return port == 21 ? ftp_service(greeting) : smtp_service(greeting);
  }
  if (is_reply_code(line, '4') || is_reply_code(line, '5')) {
    if (icontains(line, "ftp")) return ftp_service(line);
    if (icontains(line, "smtp") || icontains(line, "mail")) return smtp_service(line);
  }
  if (starts_with(line, "+OK")) {
    ServiceInfo s{"pop3", "", "", false};
    if (icontains(line, "dovecot")) s.product = "Dovecot pop3d";
    return s;
  }
  if (starts_with(line, "* OK") || starts_with(line, "* PREAUTH")) {
    ServiceInfo s{"imap", "", "", false};
    if (icontains(line, "dovecot"))
      s.product = "Dovecot imapd";
    else if (icontains(line, "cyrus"))
      s.product = "Cyrus imapd";
    return s;
  }
  if (starts_with(line, "RFB ") && line.size() >= 11) {
    std::string version = "protocol ";
    version += line.substr(4, 7);
    return ServiceInfo{"vnc", "VNC", std::move(version), false};
  }
  if (starts_with(line, "-ERR") || starts_with(line, "-NOAUTH") || starts_with(line, "-DENIED"))
    return ServiceInfo{"redis", "Redis key-value store", "", false};
  if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0xff &&
      static_cast<unsigned char>(bytes[1]) >= 0xfb && static_cast<unsigned char>(bytes[1]) <= 0xfe)
    return ServiceInfo{"telnet", "", "", false};
  if (starts_with(line, "RTSP/1.")) return ServiceInfo{"rtsp", "", "", false};
  return {};
}

bool greeting_complete(std::string_view bytes) {
  if (bytes.empty()) return false;
  if (starts_with(bytes, "HTTP/")) return http_response_complete(bytes);
  if (auto tls = parse_tls_record(bytes)) return tls->complete;
  if (auto mysql = mysql_service(bytes)) {
    const auto u = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
    return bytes.size() >= 4 + static_cast<std::size_t>(u(0) | u(1) << 8 | u(2) << 16);
  }
  // Line protocols: complete at a line that ends the greeting.
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const std::size_t eol = bytes.find('\n', pos);
    if (eol == std::string_view::npos) return false;
    std::string_view line = bytes.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = eol + 1;
    if (starts_with(line, "SSH-")) return true;
    if (line.size() >= 3 && std::isdigit(static_cast<unsigned char>(line[0])) &&
        std::isdigit(static_cast<unsigned char>(line[1])) &&
        std::isdigit(static_cast<unsigned char>(line[2]))) {
      if (line.size() == 3 || line[3] == ' ') return true;  // the last line of a (multi-line) reply
      continue;                                             // "220-": more lines follow
    }
    if (pos == eol + 1 && (starts_with(line, "+OK") || starts_with(line, "* ") || starts_with(line, "RFB ") ||
                           starts_with(line, "-")))
      return true;
  }
  return false;
}

}  // namespace synscan
