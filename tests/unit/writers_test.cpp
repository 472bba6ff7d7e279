// Golden tests of every output format on one fixed result set of both families, plus parsers run over each:
// NDJSON and the JSON array through nlohmann::json, CSV through a small RFC 4180 reader, XML through xmllint
// against nmap.dtd and through nmap's ndiff. IPv6 addresses are printed in RFC 5952 text (checked against
// Python's ipaddress in address_test.cpp).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/output/writer.hpp"

namespace synscan {
namespace {

const ServiceNames& services() {
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

ScanInfo info() {
  ScanInfo i;
  i.version = "0.1.0";
  i.protocol = "tcp";
  i.command_line = "198.19.0.0/24 2001:2:0:1::/120 -p 22,25,80,113,443 --rate 100";
  i.start_ms = 1767225600000;  // 2026-01-01T00:00:00Z
  i.services = &services();
  i.ports = "22,25,80,113,443";
  i.port_count = 5;
  i.host_count = 512;
  i.hostname_of = [](const IpAddress& ip) -> std::string_view {
    if (ip == IpAddress::v4(0xC6130002)) return "we\"b,<1>&";
    if (ip == IpAddress::v6(make_ipv6(0x2001'0002'0000'0000ULL, 1))) return "v6.example";  // an AAAA target
    return "";
  };
  return i;
}

// 2001:2:0:1::364: masscan printed it 2001:2::1:0:0:0:364 (the shorter zero run compressed).
const IpAddress kV6Host = IpAddress::v6(make_ipv6(0x2001'0002'0000'0001ULL, 0x364));
const IpAddress kV6Named = IpAddress::v6(make_ipv6(0x2001'0002'0000'0000ULL, 1));  // 2001:2::1

// Both families interleaved as a permuted scan finds them; an IPv6 result first.
std::vector<Result> sample() {
  return {{0, kV6Host, 80, PortState::open, Reason::syn_ack, 57, 28800, 0, 1767225600050},
          {0, IpAddress::v4(0xC6130002), 443, PortState::closed, Reason::rst, 63, 0, 0, 1767225600200},
          {0, IpAddress::v4(0xC6130001), 80, PortState::open, Reason::syn_ack, 64, 64240, 0, 1767225600123},
          {0, kV6Named, 443, PortState::closed, Reason::rst, 64, 0, 0, 1767225600600},
          {0, IpAddress::v4(0xC6130001), 113, PortState::filtered, Reason::icmp_unreach, 64, 0, 1, 1767225600300},
          {0, kV6Host, 113, PortState::filtered, Reason::icmp_unreach, 57, 0, 4, 1767225601700},
          {0, IpAddress::v4(0xC6130003), 25, PortState::filtered, Reason::no_response, 0, 0, 0, 1767225601000},
          {0, IpAddress::v4(0xC6130001), 22, PortState::open, Reason::syn_ack, 64, 64240, 0, 1767225600400}};
}

ScanTotals totals() { return {1767225605000, 3, 2, 3, false}; }

void write_all(std::string_view format, std::FILE* f, const std::vector<Result>& results,
               const ScanInfo& scan = info()) {
  auto w = make_writer(format, f);
  w->begin(scan);
  for (const Result& r : results) w->write(r);
  w->end(totals());
}

// Renders into memory (not a regular file: the XML writer keeps one <host> per result).
std::string render(std::string_view format, const std::vector<Result>& results = sample(),
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
std::string render_to_file(std::string_view format, const std::string& name,
                           const std::vector<Result>& results = sample(), const ScanInfo& scan = info()) {
  const std::string path = testing::TempDir() + name;
  std::FILE* f = std::fopen(path.c_str(), "w");
  EXPECT_NE(f, nullptr);
  write_all(format, f, results, scan);
  std::fclose(f);
  return path;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(Services, ParsesTcpEntriesOnly) {
  EXPECT_EQ(services().tcp(22), "ssh");
  EXPECT_EQ(services().tcp(80), "http");
  EXPECT_EQ(services().tcp(113), "auth");
  EXPECT_EQ(services().tcp(999), "");
  EXPECT_EQ(services().tcp(8080), "");
  EXPECT_EQ(services().size(), 5u);
}

TEST(Services, SystemDatabaseHasTheUsualNames) {
  const ServiceNames system = ServiceNames::load();
  if (system.size() == 0) GTEST_SKIP() << "no /etc/services here (Debian package netbase)";
  EXPECT_EQ(system.tcp(22), "ssh");
  EXPECT_EQ(system.tcp(443), "https");
  EXPECT_EQ(ServiceNames::load("/nonexistent/services").size(), 0u);
}

TEST(Writers, FormatsAndExtensions) {
  for (const std::string& f : writer_formats()) EXPECT_NO_THROW(make_writer(f, stdout)) << f;
  EXPECT_EQ(format_for_path("scan.xml"), "xml");
  EXPECT_EQ(format_for_path("dir.d/scan.JSON"), "json");
  EXPECT_EQ(format_for_path("a.ndjson"), "ndjson");
  EXPECT_EQ(format_for_path("a.jsonl"), "ndjson");
  EXPECT_EQ(format_for_path("a.csv"), "csv");
  EXPECT_EQ(format_for_path("a.gnmap"), "grepable");
  EXPECT_EQ(format_for_path("a.grep"), "grepable");
  EXPECT_EQ(format_for_path("a.txt"), "list");
  EXPECT_EQ(format_for_path("a.list"), "list");
  EXPECT_EQ(format_for_path("a.out"), "");
  EXPECT_EQ(format_for_path("dir.xml/plain"), "");
  EXPECT_EQ(format_for_path(".xml"), "");
  EXPECT_EQ(format_for_path("-"), "");
}

TEST(Writers, PortRanges) {
  EXPECT_EQ(format_port_ranges({22, 80, 81, 82, 443, 8000, 8001}), "22,80-82,443,8000-8001");
  EXPECT_EQ(format_port_ranges({0, 65535}), "0,65535");
  EXPECT_EQ(format_port_ranges({}), "");
}

TEST(Writers, UnknownFormatIsRefused) { EXPECT_THROW(make_writer("yaml", stdout), std::invalid_argument); }

TEST(Writers, TimestampIsUtcWithMilliseconds) {
  EXPECT_EQ(format_timestamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_timestamp(1767225600123), "2026-01-01T00:00:00.123Z");
}

TEST(Writers, ListGolden) {
  EXPECT_EQ(render("list"),
            "open tcp 80 2001:2:0:1::364\nclosed tcp 443 198.19.0.2\nopen tcp 80 198.19.0.1\n"
            "closed tcp 443 2001:2::1\nfiltered tcp 113 198.19.0.1\nfiltered tcp 113 2001:2:0:1::364\n"
            "filtered tcp 25 198.19.0.3\nopen tcp 22 198.19.0.1\n");
}

TEST(Writers, NdjsonGolden) {
  EXPECT_EQ(
      render("ndjson"),
      R"({"ip":"2001:2:0:1::364","port":80,"proto":"tcp","state":"open","reason":"syn-ack","ttl":57,)"
      R"("window":28800,"ts":"2026-01-01T00:00:00.050Z","service":"http"})"
      "\n"
      R"({"ip":"198.19.0.2","port":443,"proto":"tcp","state":"closed","reason":"rst","ttl":63,"window":0,)"
      R"("ts":"2026-01-01T00:00:00.200Z","service":"https","hostname":"we\"b,<1>&"})"
      "\n"
      R"({"ip":"198.19.0.1","port":80,"proto":"tcp","state":"open","reason":"syn-ack","ttl":64,"window":64240,)"
      R"("ts":"2026-01-01T00:00:00.123Z","service":"http"})"
      "\n"
      R"({"ip":"2001:2::1","port":443,"proto":"tcp","state":"closed","reason":"rst","ttl":64,"window":0,)"
      R"("ts":"2026-01-01T00:00:00.600Z","service":"https","hostname":"v6.example"})"
      "\n"
      R"({"ip":"198.19.0.1","port":113,"proto":"tcp","state":"filtered","reason":"icmp-unreach","icmp_code":1,)"
      R"("ttl":64,"window":0,"ts":"2026-01-01T00:00:00.300Z","service":"auth"})"
      "\n"
      R"({"ip":"2001:2:0:1::364","port":113,"proto":"tcp","state":"filtered","reason":"icmp-unreach",)"
      R"("icmp_code":4,"ttl":57,"window":0,"ts":"2026-01-01T00:00:01.700Z","service":"auth"})"
      "\n"
      R"({"ip":"198.19.0.3","port":25,"proto":"tcp","state":"filtered","reason":"no-response","ttl":0,)"
      R"("window":0,"ts":"2026-01-01T00:00:01.000Z","service":"smtp"})"
      "\n"
      R"({"ip":"198.19.0.1","port":22,"proto":"tcp","state":"open","reason":"syn-ack","ttl":64,"window":64240,)"
      R"("ts":"2026-01-01T00:00:00.400Z","service":"ssh"})"
      "\n");
}

TEST(Writers, NdjsonLinesParseWithEveryKey) {
  std::istringstream lines(render("ndjson"));
  std::string line;
  std::vector<nlohmann::json> records;
  while (std::getline(lines, line)) records.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(records.size(), 8u);
  EXPECT_EQ(records[0]["ip"], "2001:2:0:1::364");
  EXPECT_EQ(records[1]["hostname"], "we\"b,<1>&");
  EXPECT_EQ(records[2]["ip"], "198.19.0.1");
  EXPECT_EQ(records[2]["port"], 80);
  EXPECT_EQ(records[2]["proto"], "tcp");
  EXPECT_EQ(records[2]["state"], "open");
  EXPECT_EQ(records[2]["reason"], "syn-ack");
  EXPECT_EQ(records[2]["ttl"], 64);
  EXPECT_EQ(records[2]["window"], 64240);
  EXPECT_EQ(records[2]["ts"], "2026-01-01T00:00:00.123Z");
  EXPECT_EQ(records[2]["service"], "http");
  EXPECT_FALSE(records[2].contains("hostname"));
  EXPECT_FALSE(records[2].contains("icmp_code"));
  EXPECT_EQ(records[3]["hostname"], "v6.example");
  EXPECT_EQ(records[4]["icmp_code"], 1);
  EXPECT_EQ(records[5]["icmp_code"], 4);
  EXPECT_EQ(records[6]["reason"], "no-response");
}

TEST(Writers, JsonArrayParsesAndMatchesNdjson) {
  const std::string text = render("json");
  EXPECT_EQ(text.substr(0, 2), "[\n");
  EXPECT_EQ(text.substr(text.size() - 3), "\n]\n");
  const nlohmann::json array = nlohmann::json::parse(text);
  ASSERT_TRUE(array.is_array());
  std::istringstream lines(render("ndjson"));
  std::string line;
  std::size_t i = 0;
  while (std::getline(lines, line)) EXPECT_EQ(array.at(i++), nlohmann::json::parse(line));
  EXPECT_EQ(i, array.size());
}

TEST(Writers, EmptyJsonArrayIsValid) {
  EXPECT_EQ(nlohmann::json::parse(render("json", {})), nlohmann::json::array());
}

// RFC 4180 reader: fields separated by ',', quoted fields may hold ',', '"' doubled, CR and LF.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
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

TEST(Writers, CsvGolden) {
  EXPECT_EQ(render("csv"),
            "ip,port,proto,state,reason,icmp_code,ttl,window,ts,service,hostname\n"
            "2001:2:0:1::364,80,tcp,open,syn-ack,,57,28800,2026-01-01T00:00:00.050Z,http,\n"
            "198.19.0.2,443,tcp,closed,rst,,63,0,2026-01-01T00:00:00.200Z,https,\"we\"\"b,<1>&\"\n"
            "198.19.0.1,80,tcp,open,syn-ack,,64,64240,2026-01-01T00:00:00.123Z,http,\n"
            "2001:2::1,443,tcp,closed,rst,,64,0,2026-01-01T00:00:00.600Z,https,v6.example\n"
            "198.19.0.1,113,tcp,filtered,icmp-unreach,1,64,0,2026-01-01T00:00:00.300Z,auth,\n"
            "2001:2:0:1::364,113,tcp,filtered,icmp-unreach,4,57,0,2026-01-01T00:00:01.700Z,auth,\n"
            "198.19.0.3,25,tcp,filtered,no-response,,0,0,2026-01-01T00:00:01.000Z,smtp,\n"
            "198.19.0.1,22,tcp,open,syn-ack,,64,64240,2026-01-01T00:00:00.400Z,ssh,\n");
}

TEST(Writers, CsvParsesWithElevenFieldsARow) {
  const auto rows = parse_csv(render("csv"));
  ASSERT_EQ(rows.size(), 9u);
  for (const auto& row : rows) EXPECT_EQ(row.size(), 11u);
  EXPECT_EQ(rows[1][0], "2001:2:0:1::364");
  EXPECT_EQ(rows[2][10], "we\"b,<1>&");
  EXPECT_EQ(rows[5][5], "1");
  EXPECT_EQ(rows[6][5], "4");
}

TEST(Writers, GrepableGolden) {
  // IPv6 hosts as nmap -6 -oG writes them: the address in RFC 5952 text, nothing else changes.
  EXPECT_EQ(render("grepable"),
            "# synscan 0.1.0 scan initiated Thu Jan  1 00:00:00 2026 as: synscan 198.19.0.0/24 2001:2:0:1::/120 "
            "-p 22,25,80,113,443 --rate 100\n"
            "Host: 2001:2:0:1::364 ()\tPorts: 80/open/tcp//http///\n"
            "Host: 198.19.0.2 (we\"b_<1>&)\tPorts: 443/closed/tcp//https///\n"
            "Host: 198.19.0.1 ()\tPorts: 80/open/tcp//http///\n"
            "Host: 2001:2::1 (v6.example)\tPorts: 443/closed/tcp//https///\n"
            "Host: 198.19.0.1 ()\tPorts: 113/filtered/tcp//auth///\n"
            "Host: 2001:2:0:1::364 ()\tPorts: 113/filtered/tcp//auth///\n"
            "Host: 198.19.0.3 ()\tPorts: 25/filtered/tcp//smtp///\n"
            "Host: 198.19.0.1 ()\tPorts: 22/open/tcp//ssh///\n"
            "# synscan done at Thu Jan  1 00:00:05 2026 -- 3 open, 2 closed, 3 filtered\n");
}

const char* const kXmlHeader =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n"
    "<!-- synscan 0.1.0 scan initiated Thu Jan  1 00:00:00 2026 -->\n"
    "<nmaprun scanner=\"nmap\" args=\"synscan 198.19.0.0/24 2001:2:0:1::/120 -p 22,25,80,113,443 --rate 100\" "
    "start=\"1767225600\" "
    "startstr=\"Thu Jan  1 00:00:00 2026\" version=\"0.1.0\" xmloutputversion=\"1.05\">\n"
    "<scaninfo type=\"syn\" protocol=\"tcp\" numservices=\"5\" services=\"22,25,80,113,443\"/>\n"
    "<verbose level=\"0\"/>\n<debugging level=\"0\"/>\n";

std::string xml_footer(int hosts) {
  return "<runstats><finished time=\"1767225605\" timestr=\"Thu Jan  1 00:00:05 2026\" summary=\"synscan "
         "done at Thu "
         "Jan  1 00:00:05 2026; 512 IP addresses scanned in 5.00 seconds; 3 open, 2 closed, 3 filtered\" "
         "elapsed=\"5.00\" exit=\"success\"/><hosts up=\"" +
         std::to_string(hosts) + "\" down=\"0\" total=\"" + std::to_string(hosts) +
         "\"/>\n</runstats>\n</nmaprun>\n";
}

TEST(Writers, XmlGoldenGroupedPerHostInAFile) {
  // One <host> per address, IPv4 hosts first, then IPv6 hosts in numeric order (2001:2::1 before
  // 2001:2:0:1::364, which sorts first as text); addrtype="ipv6" as nmap -6 -oX writes it.
  const std::string path = render_to_file("xml", "grouped.xml");
  EXPECT_EQ(
      slurp(path),
      std::string(kXmlHeader) +
          "<host starttime=\"1767225600\" endtime=\"1767225600\"><status state=\"up\" reason=\"syn-ack\" "
          "reason_ttl=\"64\"/>\n<address addr=\"198.19.0.1\" addrtype=\"ipv4\"/>\n<hostnames>\n</hostnames>\n"
          "<ports><port protocol=\"tcp\" portid=\"22\"><state state=\"open\" reason=\"syn-ack\" "
          "reason_ttl=\"64\"/><service name=\"ssh\" method=\"table\" conf=\"3\"/></port>\n"
          "<port protocol=\"tcp\" portid=\"80\"><state state=\"open\" reason=\"syn-ack\" reason_ttl=\"64\"/>"
          "<service name=\"http\" method=\"table\" conf=\"3\"/></port>\n"
          "<port protocol=\"tcp\" portid=\"113\"><state state=\"filtered\" reason=\"icmp-unreach\" "
          "reason_ttl=\"64\"/><service name=\"auth\" method=\"table\" conf=\"3\"/></port>\n"
          "</ports>\n</host>\n"
          "<host starttime=\"1767225600\" endtime=\"1767225600\"><status state=\"up\" reason=\"rst\" "
          "reason_ttl=\"63\"/>\n<address addr=\"198.19.0.2\" addrtype=\"ipv4\"/>\n<hostnames>\n"
          "<hostname name=\"we&quot;b,&lt;1&gt;&amp;\" type=\"user\"/>\n</hostnames>\n"
          "<ports><port protocol=\"tcp\" portid=\"443\"><state state=\"closed\" reason=\"rst\" "
          "reason_ttl=\"63\"/><service name=\"https\" method=\"table\" "
          "conf=\"3\"/></port>\n</ports>\n</host>\n"
          "<host starttime=\"1767225601\" endtime=\"1767225601\"><status state=\"up\" reason=\"user-set\" "
          "reason_ttl=\"0\"/>\n<address addr=\"198.19.0.3\" addrtype=\"ipv4\"/>\n<hostnames>\n</hostnames>\n"
          "<ports><port protocol=\"tcp\" portid=\"25\"><state state=\"filtered\" reason=\"no-response\" "
          "reason_ttl=\"0\"/><service name=\"smtp\" method=\"table\" "
          "conf=\"3\"/></port>\n</ports>\n</host>\n"
          "<host starttime=\"1767225600\" endtime=\"1767225600\"><status state=\"up\" reason=\"rst\" "
          "reason_ttl=\"64\"/>\n<address addr=\"2001:2::1\" addrtype=\"ipv6\"/>\n<hostnames>\n"
          "<hostname name=\"v6.example\" type=\"user\"/>\n</hostnames>\n"
          "<ports><port protocol=\"tcp\" portid=\"443\"><state state=\"closed\" reason=\"rst\" "
          "reason_ttl=\"64\"/><service name=\"https\" method=\"table\" "
          "conf=\"3\"/></port>\n</ports>\n</host>\n"
          "<host starttime=\"1767225600\" endtime=\"1767225601\"><status state=\"up\" reason=\"syn-ack\" "
          "reason_ttl=\"57\"/>\n<address addr=\"2001:2:0:1::364\" addrtype=\"ipv6\"/>\n<hostnames>\n"
          "</hostnames>\n"
          "<ports><port protocol=\"tcp\" portid=\"80\"><state state=\"open\" reason=\"syn-ack\" "
          "reason_ttl=\"57\"/><service name=\"http\" method=\"table\" conf=\"3\"/></port>\n"
          "<port protocol=\"tcp\" portid=\"113\"><state state=\"filtered\" reason=\"icmp-unreach\" "
          "reason_ttl=\"57\"/><service name=\"auth\" method=\"table\" conf=\"3\"/></port>\n"
          "</ports>\n</host>\n" +
          xml_footer(5));
}

TEST(Writers, XmlOnAPipeKeepsOneHostPerResult) {
  const std::string text = render("xml");
  EXPECT_EQ(text.rfind(kXmlHeader, 0), 0u);
  std::size_t hosts = 0;
  for (std::size_t at = text.find("<host "); at != std::string::npos; at = text.find("<host ", at + 1))
    ++hosts;
  EXPECT_EQ(hosts, 8u);
  EXPECT_NE(text.find(xml_footer(8)), std::string::npos);
}

int shell(const std::string& command) { return std::system(command.c_str()); }

TEST(Writers, XmlIsWellFormedAndValidAgainstNmapDtd) {
  if (shell("command -v xmllint >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "xmllint missing (package libxml2-utils)";
  const std::string grouped = render_to_file("xml", "valid-grouped.xml");
  const std::string streamed = testing::TempDir() + "valid-streamed.xml";
  std::ofstream(streamed) << render("xml");
  const std::string empty = render_to_file("xml", "valid-empty.xml", {});
  for (const std::string& path : {grouped, streamed, empty}) {
    EXPECT_EQ(shell("xmllint --noout " + path), 0) << path;
    if (std::ifstream("/usr/share/nmap/nmap.dtd")) {
      EXPECT_EQ(shell("xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd " + path), 0) << path;
    }
  }
}

// The output of a shell command and its exit status.
std::pair<std::string, int> shell_output(const std::string& command) {
  std::FILE* p = popen(command.c_str(), "r");
  std::string out;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, p)) > 0;) out.append(buffer, n);
  const int status = pclose(p);
  return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

TEST(Writers, NdiffReadsBothFamilies) {
  // nmap's ndiff pairs hosts by address: a later scan in which an IPv6 port closed and an IPv6 host appeared.
  if (shell("command -v ndiff >/dev/null 2>&1") != 0) GTEST_SKIP() << "ndiff missing (package ndiff)";
  const std::string before = render_to_file("xml", "ndiff-before.xml");
  std::vector<Result> later = sample();
  later[0].state = PortState::closed;  // 2001:2:0:1::364 port 80
  later[0].reason = Reason::rst;
  later.push_back({0, IpAddress::v6(make_ipv6(0x2001'0002'0000'0000ULL, 0xFF)), 22, PortState::open,
                   Reason::syn_ack, 64, 64800, 0, 1767225602000});
  const std::string after = render_to_file("xml", "ndiff-after.xml", later);

  const auto [same, same_status] = shell_output("ndiff " + before + " " + before);
  EXPECT_EQ(same_status, 0) << same;
  EXPECT_EQ(same, "");
  const auto [diff, diff_status] = shell_output("ndiff " + before + " " + after);
  EXPECT_EQ(diff_status, 1) << diff;  // 1: the scans differ
  EXPECT_NE(diff.find(" 2001:2:0:1::364:\n PORT   STATE  SERVICE VERSION\n-80/tcp open   http\n+80/tcp closed http\n"),
            std::string::npos)
      << diff;
  EXPECT_NE(diff.find("+2001:2::ff:\n"), std::string::npos) << diff;
  EXPECT_EQ(diff.find("198.19."), std::string::npos) << diff;  // the IPv4 hosts did not change
  // The XML form names the family as the input did.
  const auto [xml, xml_status] = shell_output("ndiff --xml " + before + " " + after);
  EXPECT_EQ(xml_status, 1);
  EXPECT_NE(xml.find("<address addr=\"2001:2:0:1::364\" addrtype=\"ipv6\"/>"), std::string::npos) << xml;
}

TEST(Writers, ProtocolComesFromScanInfo) {
  // The writers print the probe module's protocol, never a word of their own. The service table holds TCP
  // names only, so another protocol gets no service names.
  ScanInfo udp = info();
  udp.protocol = "udp";
  const std::vector<Result> one = {sample()[0]};
  EXPECT_EQ(render("list", one, udp), "open udp 80 2001:2:0:1::364\n");
  EXPECT_EQ(nlohmann::json::parse(render("ndjson", one, udp))["proto"], "udp");
  EXPECT_FALSE(nlohmann::json::parse(render("ndjson", one, udp)).contains("service"));
  EXPECT_EQ(parse_csv(render("csv", one, udp))[1][2], "udp");
  EXPECT_NE(render("grepable", one, udp).find("Host: 2001:2:0:1::364 ()\tPorts: 80/open/udp/////\n"),
            std::string::npos);
  const std::string xml = render("xml", one, udp);
  EXPECT_NE(xml.find("<scaninfo type=\"syn\" protocol=\"udp\""), std::string::npos);
  EXPECT_NE(xml.find("<port protocol=\"udp\" portid=\"80\">"), std::string::npos);
  EXPECT_EQ(xml.find("tcp"), std::string::npos);
}

TEST(Writers, XmlRewriteAfterAppendKeepsEarlierContent) {
  // A file opened for append (shell >>): the grouped rewrite cuts back only to this scan's header.
  const std::string path = testing::TempDir() + "append.xml";
  std::ofstream(path) << "earlier\n";
  std::FILE* f = std::fopen(path.c_str(), "a");
  write_all("xml", f, sample());
  std::fclose(f);
  const std::string text = slurp(path);
  EXPECT_EQ(text.rfind(std::string("earlier\n") + kXmlHeader, 0), 0u);
  EXPECT_NE(text.find(xml_footer(5)), std::string::npos);
}

}  // namespace
}  // namespace synscan
