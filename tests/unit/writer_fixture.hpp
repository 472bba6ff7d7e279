#pragma once
// The one result set of both families every writer test renders, the scan facts around it, and the helpers
// that render it (into memory or a regular file) and read it back. Shared by writers_test.cpp and
// xml_writer_test.cpp.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "engine/output/writer.hpp"
#include "engine/probes/tcp_validator.hpp"

namespace synscan::writer_fixture {

inline const ServiceNames& services() {
  static const ServiceNames table = [] {
    std::istringstream text(
        "# comment line\n"
        "ssh\t\t22/tcp\t\t\t\t# SSH Remote Login Protocol\n"
        "smtp\t\t25/tcp\t\tmail\n"
        "http\t\t80/tcp\t\twww\n"
        "http\t\t80/udp\n"
        "auth\t\t113/tcp\t\tident tap\n"
        "https\t\t443/tcp\n"
        "https\t\t443/udp\n"
        "bogus\t\t70000/tcp\n"
        "only-udp\t\t999/udp\n");
    return ServiceNames::parse(text);
  }();
  return table;
}

inline ScanInfo info() {
  ScanInfo i;
  i.version = "0.1.0";
  i.command_line = "198.19.0.0/24 2001:2:0:1::/120 -p 22,25,80,113,443 --rate 100";
  i.start_ms = 1767225600000;  // 2026-01-01T00:00:00Z
  i.services = &services();
  i.probed = {{0, "22,25,80,113,443", 5}};  // the default module, TCP SYN
  i.host_count = 512;
  i.hostname_of = [](const IpAddress& ip) -> std::string_view {
    if (ip == IpAddress::v4(0xC6130002)) return "we\"b,<1>&";
    if (ip == IpAddress::v6(make_ipv6(0x2001'0002'0000'0000ULL, 1))) return "v6.example";  // an AAAA target
    return "";
  };
  return i;
}

// 2001:2:0:1::364: masscan printed it 2001:2::1:0:0:0:364 (the shorter zero run compressed).
inline const IpAddress kV6Host = IpAddress::v6(make_ipv6(0x2001'0002'0000'0001ULL, 0x364));
inline const IpAddress kV6Named = IpAddress::v6(make_ipv6(0x2001'0002'0000'0000ULL, 1));  // 2001:2::1

// A TCP SYN result as the module makes it: the window in Result::extra, an ICMP reason from_icmp.
inline Result tcp(ProbeIndex index, IpAddress ip, std::uint16_t port, PortState state, Reason reason,
                  std::uint8_t ttl, std::uint16_t window, std::uint8_t icmp_code, std::int64_t ts_ms) {
  Result r;
  r.index = index;
  r.ip = ip;
  r.port = port;
  r.state = state;
  r.reason = reason;
  r.answered = state == PortState::open || state == PortState::closed;
  r.from_icmp = reason == tcp_reason::icmp_unreach;
  r.ttl = ttl;
  r.extra = window;
  r.icmp_code = icmp_code;
  r.ts_ms = ts_ms;
  return r;
}

// Both families interleaved as a permuted scan finds them; an IPv6 result first.
inline std::vector<Result> sample() {
  return {
      tcp(0, kV6Host, 80, PortState::open, tcp_reason::syn_ack, 57, 28800, 0, 1767225600050),
      tcp(0, IpAddress::v4(0xC6130002), 443, PortState::closed, tcp_reason::rst, 63, 0, 0, 1767225600200),
      tcp(0, IpAddress::v4(0xC6130001), 80, PortState::open, tcp_reason::syn_ack, 64, 64240, 0,
          1767225600123),
      tcp(0, kV6Named, 443, PortState::closed, tcp_reason::rst, 64, 0, 0, 1767225600600),
      tcp(0, IpAddress::v4(0xC6130001), 113, PortState::filtered, tcp_reason::icmp_unreach, 64, 0, 1,
          1767225600300),
      tcp(0, kV6Host, 113, PortState::filtered, tcp_reason::icmp_unreach, 57, 0, 4, 1767225601700),
      tcp(0, IpAddress::v4(0xC6130003), 25, PortState::filtered, Reason::no_response, 0, 0, 0, 1767225601000),
      tcp(0, IpAddress::v4(0xC6130001), 22, PortState::open, tcp_reason::syn_ack, 64, 64240, 0,
          1767225600400)};
}

inline ScanTotals totals() { return {1767225605000, 3, 2, 3, 0, false}; }

inline void write_all(std::string_view format, std::FILE* f, const std::vector<Result>& results,
                      const ScanInfo& scan = info()) {
  auto w = make_writer(format, f);
  w->begin(scan);
  for (const Result& r : results) w->write(r);
  w->end(totals());
}

// Renders into memory (not a regular file: the XML writer keeps one <host> per result).
inline std::string render(std::string_view format, const std::vector<Result>& results = sample(),
                          const ScanInfo& scan = info()) {
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  write_all(format, f, results, scan);
  std::fclose(f);
  std::string out(buf, len);
  std::free(buf);
  return out;
}

// Renders into a regular temporary file (the XML writer groups per host at end()). Returns the path.
inline std::string render_to_file(std::string_view format, const std::string& name,
                                  const std::vector<Result>& results = sample(),
                                  const ScanInfo& scan = info()) {
  const std::string path = testing::TempDir() + name;
  std::FILE* f = std::fopen(path.c_str(), "w");
  EXPECT_NE(f, nullptr);
  write_all(format, f, results, scan);
  std::fclose(f);
  return path;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

// RFC 4180 reader: fields separated by ',', quoted fields may hold ',', '"' doubled, CR and LF.
inline std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      rows.back().push_back(std::move(field));
      field.clear();
      rows.emplace_back();
    } else {
      field += c;
    }
  }
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

inline int shell(const std::string& command) { return std::system(command.c_str()); }

// The output of a shell command and its exit status.
inline std::pair<std::string, int> shell_output(const std::string& command) {
  std::FILE* p = popen(command.c_str(), "r");
  std::string out;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, p)) > 0;) out.append(buffer, n);
  const int status = pclose(p);
  return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

}  // namespace synscan::writer_fixture
