#pragma once
// Naming a service from the bytes it sent (nmap -sV's "name product version"), and knowing when a greeting is
// complete. Pure and bounds-checked: any bytes are data (fuzzed, tests/fuzz/fuzz_banner.cpp).
//
// Recognised: SSH identification strings (RFC 4253 section 4.2: OpenSSH, Dropbear, others by their software
// version), SMTP (RFC 5321 section 4.2: 220 with ESMTP/SMTP; Postfix, Exim, Sendmail, OpenSMTPD), FTP (RFC
// 959: 220 with FTP; vsftpd, ProFTPD, Pure-FTPd), POP3 ("+OK", RFC 1939; Dovecot), IMAP ("* OK", RFC 9051;
// Dovecot, Cyrus), MySQL/MariaDB initial handshake (protocol 10), HTTP (RFC 9112; the product from the Server
// header: nginx, Apache httpd, lighttpd, ...), VNC (RFB), Redis errors, telnet option negotiation (IAC), TLS
// records.
#include <cstdint>
#include <string_view>

#include "engine/banner/banner.hpp"

namespace synscan {

/// The service that sent `bytes` (plain text or decrypted). `port` only breaks the tie of a bare "220 ..."
/// greeting that names neither FTP nor SMTP (21 ftp, else smtp). An empty name when nothing matched.
ServiceInfo identify_service(std::string_view bytes, std::uint16_t port);

/// nmap's "tcpwrapped": the service completed the handshake, then closed (FIN) or reset the connection
/// without sending a byte (a TCP wrapper or an access list behind the listener). True for a banner status of
/// closed or reset with no bytes; the banner stage then names the service "tcpwrapped", as nmap -sV does.
bool is_tcpwrapped(BannerStatus status, std::string_view bytes) noexcept;

/// True once a server-first greeting in `bytes` is complete, so that the stage may close without waiting for
/// its timeout: an SSH identification line, the last line of an SMTP/FTP reply ("220 " after any "220-"
/// lines), a POP3 or IMAP first line, a whole MySQL handshake packet, a complete HTTP response
/// (http_response_complete), a whole TLS record.
bool greeting_complete(std::string_view bytes);

}  // namespace synscan
