// The banner stage's pure parts (engine/banner/): HTTP responses, greetings of SSH/SMTP/FTP/POP3/IMAP/MySQL,
// when a greeting is complete, TLS record framing, --banner-probe and the hellos.
#include <gtest/gtest.h>

#include <string>

#include "engine/banner/hello.hpp"
#include "engine/banner/http_response.hpp"
#include "engine/banner/identify.hpp"
#include "engine/banner/tls_record.hpp"

namespace synscan {
namespace {

using namespace std::string_literals;

const std::string kNginx =
    "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Tue, 01 Dec 2026 18:00:00 GMT\r\n"
    "Content-Type: text/html\r\nContent-Length: 74\r\nConnection: close\r\n\r\n"
    "<!DOCTYPE html>\n<html><head><TITLE>\n  Welcome to\tnginx!\n</TITLE></head></html>\n";

TEST(HttpResponse, StatusServerAndTitle) {
  const auto h = parse_http_response(kNginx);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(h->server, "nginx/1.22.1");
  EXPECT_EQ(h->title, "Welcome to nginx!");  // case-insensitive tag, whitespace collapsed
  EXPECT_TRUE(http_response_complete(kNginx));
  EXPECT_FALSE(http_response_complete(kNginx.substr(0, kNginx.size() - 10)));  // Content-Length not reached
}

TEST(HttpResponse, HeadersOnlyNoServerBareLf) {
  const auto h = parse_http_response("HTTP/1.0 404 Not Found\nserver:   Apache/2.4.57 (Debian)  \n\nnope");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 404);
  EXPECT_EQ(h->server, "Apache/2.4.57 (Debian)");
  EXPECT_EQ(h->title, "");
  const auto redirect = parse_http_response("HTTP/1.1 301 Moved Permanently\r\nLocation: /x\r\n\r\n");
  ASSERT_TRUE(redirect);
  EXPECT_EQ(redirect->server, "");
  EXPECT_TRUE(http_response_complete("HTTP/1.1 204 No Content\r\n\r\n"));
  EXPECT_FALSE(http_response_complete("HTTP/1.1 200 OK\r\nServer: x\r\n"));  // headers not ended
  EXPECT_TRUE(
      http_response_complete("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));
  EXPECT_FALSE(http_response_complete("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"));
}

TEST(HttpResponse, NotHttp) {
  EXPECT_FALSE(parse_http_response(""));
  EXPECT_FALSE(parse_http_response("SSH-2.0-OpenSSH_9.2\r\n"));
  EXPECT_FALSE(parse_http_response("HTTP/1.1 2x0 OK\r\n\r\n"));
  EXPECT_FALSE(parse_http_response("HTTP/1.1 099 Low\r\n\r\n"));
  EXPECT_FALSE(parse_http_response("HTTP/1.1 2000 OK\r\n\r\n"));
  // An unterminated title is cut at the end of what arrived, at most 256 bytes.
  const auto h = parse_http_response("HTTP/1.1 200 OK\r\n\r\n<title>" + std::string(1000, 'a'));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->title.size(), 256U);
}

TEST(Identify, Ssh) {
  ServiceInfo s = identify_service("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n", 2222);
  EXPECT_EQ(s.name, "ssh");
  EXPECT_EQ(s.product, "OpenSSH");
  EXPECT_EQ(s.version, "9.2p1 Debian 2+deb12u3");  // nmap's form
  s = identify_service("SSH-2.0-dropbear_2022.83\r\n", 22);
  EXPECT_EQ(s.product, "Dropbear sshd");
  EXPECT_EQ(s.version, "2022.83");
  // Lines before the identification string (RFC 4253 section 4.2).
  s = identify_service("hello there\r\nSSH-1.99-Cisco-1.25\r\n", 22);
  EXPECT_EQ(s.name, "ssh");
  EXPECT_EQ(s.product, "Cisco-1.25");
}

TEST(Identify, MailAndFtpGreetingsByWhatTheySay) {
  ServiceInfo s = identify_service("220 mail.example ESMTP Postfix (Debian/GNU)\r\n", 2525);
  EXPECT_EQ(s.name, "smtp");
  EXPECT_EQ(s.product, "Postfix smtpd");
  s = identify_service("220 mx ESMTP Exim 4.96 Tue, 01 Dec 2026 18:00:00 +0000\r\n", 25);
  EXPECT_EQ(s.product, "Exim smtpd");
  EXPECT_EQ(s.version, "4.96");
  s = identify_service("220 (vsFTPd 3.0.3)\r\n", 2121);  // FTP on a port that is not 21
  EXPECT_EQ(s.name, "ftp");
  EXPECT_EQ(s.product, "vsftpd");
  EXPECT_EQ(s.version, "3.0.3");
  s = identify_service("220 ProFTPD 1.3.8 Server (Debian) [::ffff:198.19.0.1]\r\n", 21);
  EXPECT_EQ(s.product, "ProFTPD");
  EXPECT_EQ(s.version, "1.3.8");
  // A bare 220 names neither: the port breaks the tie.
  EXPECT_EQ(identify_service("220 welcome\r\n", 21).name, "ftp");
  EXPECT_EQ(identify_service("220 welcome\r\n", 25).name, "smtp");
  EXPECT_EQ(identify_service("+OK Dovecot (Debian) ready.\r\n", 110).product, "Dovecot pop3d");
  s = identify_service("* OK [CAPABILITY IMAP4rev1 SASL-IR] Dovecot (Debian) ready.\r\n", 143);
  EXPECT_EQ(s.name, "imap");
  EXPECT_EQ(s.product, "Dovecot imapd");
}

TEST(Identify, MysqlHandshakeAndOthers) {
  const std::string version = "5.5.5-10.11.6-MariaDB-0+deb12u1";
  std::string packet = "\x0a"s + version + '\0' + std::string(20, 'x');
  const std::string header{static_cast<char>(packet.size()), 0, 0, 0};
  ServiceInfo s = identify_service(header + packet, 3306);
  EXPECT_EQ(s.name, "mysql");
  EXPECT_EQ(s.product, "MariaDB");
  EXPECT_EQ(s.version, "10.11.6");
  EXPECT_TRUE(greeting_complete(header + packet));
  EXPECT_FALSE(greeting_complete((header + packet).substr(0, 12)));
  packet = "\x0a"s + "8.0.36" + '\0' + "abc";
  s = identify_service(std::string{static_cast<char>(packet.size()), 0, 0, 0} + packet, 13306);
  EXPECT_EQ(s.product, "MySQL");
  EXPECT_EQ(s.version, "8.0.36");
  EXPECT_EQ(identify_service("RFB 003.008\n", 5900).name, "vnc");
  EXPECT_EQ(identify_service("\xff\xfb\x01\xff\xfd\x1f", 23).name, "telnet");
  EXPECT_EQ(identify_service("-NOAUTH Authentication required.\r\n", 6379).name, "redis");
  EXPECT_EQ(identify_service("\x15\x03\x03\x00\x02\x02\x46"s, 4433).name, "ssl");  // a TLS alert
  EXPECT_EQ(identify_service("hello world\r\n", 80).name, "");  // nothing known: no name from the port
  EXPECT_EQ(identify_service("", 22).name, "");
}

TEST(Identify, HttpProductFromServerHeader) {
  EXPECT_EQ(identify_service(kNginx, 8080).product, "nginx");
  const ServiceInfo apache =
      identify_service("HTTP/1.1 200 OK\r\nServer: Apache/2.4.57 (Debian)\r\n\r\n", 81);
  EXPECT_EQ(apache.name, "http");
  EXPECT_EQ(apache.product, "Apache httpd");
  EXPECT_EQ(apache.version, "2.4.57");
}

TEST(GreetingComplete, LineProtocols) {
  EXPECT_FALSE(greeting_complete(""));
  EXPECT_FALSE(greeting_complete("SSH-2.0-OpenSSH_9.2"));  // no line end yet
  EXPECT_TRUE(greeting_complete("SSH-2.0-OpenSSH_9.2\r\n"));
  EXPECT_FALSE(greeting_complete("220-mail.example ESMTP\r\n220-more\r\n"));  // continuation lines
  EXPECT_TRUE(greeting_complete("220-mail.example ESMTP\r\n220-more\r\n220 ready\r\n"));
  EXPECT_TRUE(greeting_complete("+OK ready\r\n"));
  EXPECT_TRUE(greeting_complete("* OK ready\r\n"));
  EXPECT_FALSE(greeting_complete("something else\r\n"));  // unknown: the stage's quiet gap ends it
  EXPECT_TRUE(greeting_complete(kNginx));
}

TEST(TlsRecord, Framing) {
  const std::string alert = "\x15\x03\x03\x00\x02\x02\x28"s;  // fatal handshake_failure
  auto r = parse_tls_record(alert);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, 21);
  EXPECT_EQ(r->version, 0x0303);
  EXPECT_EQ(r->length, 2);
  EXPECT_TRUE(r->complete);
  EXPECT_EQ(r->alert_level, 2);
  EXPECT_EQ(r->alert_description, 40);
  r = parse_tls_record("\x16\x03\x01\x10\x00"s + std::string(100, 'x'));  // a handshake of 4096 bytes, cut
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->complete);
  EXPECT_EQ(r->length, 4096);
  EXPECT_FALSE(parse_tls_record("\x16\x03\x01\x10"s));       // short header
  EXPECT_FALSE(parse_tls_record("\x18\x03\x03\x00\x01x"s));  // unknown type
  EXPECT_FALSE(parse_tls_record("\x16\x02\x00\x00\x01x"s));  // SSLv2-era version
  EXPECT_FALSE(parse_tls_record("\x17\x03\x03\x48\x01"s));   // longer than 2^14 + 2048
  EXPECT_FALSE(parse_tls_record("\x16\x03\x03\x00\x00"s));   // empty fragment
  EXPECT_FALSE(parse_tls_record("SSH-2.0-x\r\n"));
  EXPECT_EQ(tls_version_name(0x0304), "TLSv1.3");
  EXPECT_EQ(tls_version_name(0x0200), "");
}

TEST(BannerProbeSpec, DefaultsAndPerPort) {
  EXPECT_EQ(default_hello(443), BannerProbe::tls);
  EXPECT_EQ(default_hello(993), BannerProbe::tls);
  EXPECT_EQ(default_hello(8080), BannerProbe::http);
  EXPECT_EQ(default_hello(22), BannerProbe::generic);
  BannerProbeSpec spec = parse_banner_probe_spec("443:tls, 8080:http,none");
  EXPECT_EQ(spec.for_port(443), BannerProbe::tls);
  EXPECT_EQ(spec.for_port(8080), BannerProbe::http);
  EXPECT_EQ(spec.for_port(22), BannerProbe::none);
  EXPECT_EQ(spec.for_port(80), BannerProbe::none);  // the bare hello covers the other ports
  spec = parse_banner_probe_spec("2222:tls");
  EXPECT_EQ(spec.for_port(2222), BannerProbe::tls);
  EXPECT_EQ(spec.for_port(80), BannerProbe::http);  // auto
  EXPECT_EQ(parse_banner_probe_spec("generic").for_port(443), BannerProbe::generic);
}

TEST(BannerProbeSpec, BadInputNamesTheToken) {
  auto error = [](std::string_view text) {
    try {
      parse_banner_probe_spec(text);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("ssl"), "'ssl': unknown hello (expected auto, none, http, tls or generic)");
  EXPECT_EQ(error("70000:tls"), "'70000:tls': bad port (expected 1-65535)");
  EXPECT_EQ(error("443:tls,443:http"), "'443:http': port 443 given twice");
  EXPECT_EQ(error("http,none"), "'none': a second hello for all ports");
  EXPECT_EQ(error("443:tls,"), "'443:tls,': empty entry");
  EXPECT_EQ(error(""), "'': empty --banner-probe");
}

TEST(HttpRequest, HostHeader) {
  EXPECT_EQ(http_request("198.19.0.1", 80, false),
            "GET / HTTP/1.1\r\nHost: 198.19.0.1\r\nUser-Agent: synscan\r\nAccept: */*\r\nConnection: "
            "close\r\n\r\n");
  EXPECT_NE(http_request("www.example", 8443, true).find("Host: www.example:8443\r\n"), std::string::npos);
  EXPECT_NE(http_request("www.example", 443, true).find("Host: www.example\r\n"), std::string::npos);
  EXPECT_EQ(host_for_address(IpAddress::v6(make_ipv6(0x2001'0002'0000'0001ULL, 1))), "[2001:2:0:1::1]");
}

// nmap -sV's tcpwrapped: accepted, then closed or reset before a byte; not a refused connect, not a silent
// one.
TEST(Identify, TcpWrappedIsACloseOrResetWithoutBytes) {
  EXPECT_TRUE(is_tcpwrapped(BannerStatus::reset, ""));
  EXPECT_TRUE(is_tcpwrapped(BannerStatus::closed, ""));
  EXPECT_FALSE(is_tcpwrapped(BannerStatus::reset, "SSH-2.0-x\r\n"));
  for (const BannerStatus s : {BannerStatus::ok, BannerStatus::silent, BannerStatus::refused,
                               BannerStatus::timeout, BannerStatus::not_done}) {
    EXPECT_FALSE(is_tcpwrapped(s, "")) << to_string(s);
  }
}

}  // namespace
}  // namespace synscan
