// Golden tests of every output format on one fixed result set, plus parsers run over each: NDJSON and the
// JSON array through nlohmann::json, CSV through a small RFC 4180 reader, XML through xmllint (and nmap.dtd
// when the nmap package provides it).
#include <gtest/gtest.h>

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
  i.command_line = "198.19.0.0/24 -p 22,25,80,113,443 --rate 100";
  i.start_ms = 1767225600000;  // 2026-01-01T00:00:00Z
  i.services = &services();
  i.ports = "22,25,80,113,443";
  i.port_count = 5;
  i.host_count = 256;
  i.hostname_of = [](const IpAddress& ip) -> std::string_view {
    return ip == IpAddress::v4(0xC6130002) ? "we\"b,<1>&" : "";
  };
  return i;
}

std::vector<Result> sample() {
  return {{0, IpAddress::v4(0xC6130002), 443, PortState::closed, Reason::rst, 63, 0, 0, 1767225600200},
          {0, IpAddress::v4(0xC6130001), 80, PortState::open, Reason::syn_ack, 64, 64240, 0, 1767225600123},
          {0, IpAddress::v4(0xC6130001), 113, PortState::filtered, Reason::icmp_unreach, 64, 0, 1, 1767225600300},
          {0, IpAddress::v4(0xC6130003), 25, PortState::filtered, Reason::no_response, 0, 0, 0, 1767225601000},
          {0, IpAddress::v4(0xC6130001), 22, PortState::open, Reason::syn_ack, 64, 64240, 0, 1767225600400}};
}

ScanTotals totals() { return {1767225605000, 2, 1, 2, false}; }

void write_all(std::string_view format, std::FILE* f, const std::vector<Result>& results) {
  auto w = make_writer(format, f);
  w->begin(info());
  for (const Result& r : results) w->write(r);
  w->end(totals());
}

// Renders into memory (not a regular file: the XML writer keeps one <host> per result).
std::string render(std::string_view format, const std::vector<Result>& results = sample()) {
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  write_all(format, f, results);
  std::fclose(f);
  std::string out(buf, len);
  std::free(buf);
  return out;
}

// Renders into a regular temporary file (the XML writer groups per host at end()). Returns the path.
std::string render_to_file(std::string_view format, const std::string& name,
                           const std::vector<Result>& results = sample()) {
  const std::string path = testing::TempDir() + name;
  std::FILE* f = std::fopen(path.c_str(), "w");
  EXPECT_NE(f, nullptr);
  write_all(format, f, results);
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
            "closed tcp 443 198.19.0.2\nopen tcp 80 198.19.0.1\nfiltered tcp 113 198.19.0.1\n"
            "filtered tcp 25 198.19.0.3\nopen tcp 22 198.19.0.1\n");
}

TEST(Writers, NdjsonGolden) {
  EXPECT_EQ(
      render("ndjson"),
      R"({"ip":"198.19.0.2","port":443,"proto":"tcp","state":"closed","reason":"rst","ttl":63,"window":0,)"
      R"("ts":"2026-01-01T00:00:00.200Z","service":"https","hostname":"we\"b,<1>&"})"
      "\n"
      R"({"ip":"198.19.0.1","port":80,"proto":"tcp","state":"open","reason":"syn-ack","ttl":64,"window":64240,)"
      R"("ts":"2026-01-01T00:00:00.123Z","service":"http"})"
      "\n"
      R"({"ip":"198.19.0.1","port":113,"proto":"tcp","state":"filtered","reason":"icmp-unreach","icmp_code":1,)"
      R"("ttl":64,"window":0,"ts":"2026-01-01T00:00:00.300Z","service":"auth"})"
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
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[0]["hostname"], "we\"b,<1>&");
  EXPECT_EQ(records[1]["ip"], "198.19.0.1");
  EXPECT_EQ(records[1]["port"], 80);
  EXPECT_EQ(records[1]["proto"], "tcp");
  EXPECT_EQ(records[1]["state"], "open");
  EXPECT_EQ(records[1]["reason"], "syn-ack");
  EXPECT_EQ(records[1]["ttl"], 64);
  EXPECT_EQ(records[1]["window"], 64240);
  EXPECT_EQ(records[1]["ts"], "2026-01-01T00:00:00.123Z");
  EXPECT_EQ(records[1]["service"], "http");
  EXPECT_FALSE(records[1].contains("hostname"));
  EXPECT_FALSE(records[1].contains("icmp_code"));
  EXPECT_EQ(records[2]["icmp_code"], 1);
  EXPECT_EQ(records[3]["reason"], "no-response");
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
            "198.19.0.2,443,tcp,closed,rst,,63,0,2026-01-01T00:00:00.200Z,https,\"we\"\"b,<1>&\"\n"
            "198.19.0.1,80,tcp,open,syn-ack,,64,64240,2026-01-01T00:00:00.123Z,http,\n"
            "198.19.0.1,113,tcp,filtered,icmp-unreach,1,64,0,2026-01-01T00:00:00.300Z,auth,\n"
            "198.19.0.3,25,tcp,filtered,no-response,,0,0,2026-01-01T00:00:01.000Z,smtp,\n"
            "198.19.0.1,22,tcp,open,syn-ack,,64,64240,2026-01-01T00:00:00.400Z,ssh,\n");
}

TEST(Writers, CsvParsesWithElevenFieldsARow) {
  const auto rows = parse_csv(render("csv"));
  ASSERT_EQ(rows.size(), 6u);
  for (const auto& row : rows) EXPECT_EQ(row.size(), 11u);
  EXPECT_EQ(rows[1][10], "we\"b,<1>&");
  EXPECT_EQ(rows[3][5], "1");
}

TEST(Writers, GrepableGolden) {
  EXPECT_EQ(
      render("grepable"),
      "# synscan 0.1.0 scan initiated Thu Jan  1 00:00:00 2026 as: synscan 198.19.0.0/24 -p 22,25,80,113,443 "
      "--rate 100\n"
      "Host: 198.19.0.2 (we\"b_<1>&)\tPorts: 443/closed/tcp//https///\n"
      "Host: 198.19.0.1 ()\tPorts: 80/open/tcp//http///\n"
      "Host: 198.19.0.1 ()\tPorts: 113/filtered/tcp//auth///\n"
      "Host: 198.19.0.3 ()\tPorts: 25/filtered/tcp//smtp///\n"
      "Host: 198.19.0.1 ()\tPorts: 22/open/tcp//ssh///\n"
      "# synscan done at Thu Jan  1 00:00:05 2026 -- 2 open, 1 closed, 2 filtered\n");
}

const char* const kXmlHeader =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n"
    "<!-- synscan 0.1.0 scan initiated Thu Jan  1 00:00:00 2026 -->\n"
    "<nmaprun scanner=\"nmap\" args=\"synscan 198.19.0.0/24 -p 22,25,80,113,443 --rate 100\" "
    "start=\"1767225600\" "
    "startstr=\"Thu Jan  1 00:00:00 2026\" version=\"0.1.0\" xmloutputversion=\"1.05\">\n"
    "<scaninfo type=\"syn\" protocol=\"tcp\" numservices=\"5\" services=\"22,25,80,113,443\"/>\n"
    "<verbose level=\"0\"/>\n<debugging level=\"0\"/>\n";

std::string xml_footer(int hosts) {
  return "<runstats><finished time=\"1767225605\" timestr=\"Thu Jan  1 00:00:05 2026\" summary=\"synscan "
         "done at Thu "
         "Jan  1 00:00:05 2026; 256 IP addresses scanned in 5.00 seconds; 2 open, 1 closed, 2 filtered\" "
         "elapsed=\"5.00\" exit=\"success\"/><hosts up=\"" +
         std::to_string(hosts) + "\" down=\"0\" total=\"" + std::to_string(hosts) +
         "\"/>\n</runstats>\n</nmaprun>\n";
}

TEST(Writers, XmlGoldenGroupedPerHostInAFile) {
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
          "conf=\"3\"/></port>\n</ports>\n</host>\n" +
          xml_footer(3));
}

TEST(Writers, XmlOnAPipeKeepsOneHostPerResult) {
  const std::string text = render("xml");
  EXPECT_EQ(text.rfind(kXmlHeader, 0), 0u);
  std::size_t hosts = 0;
  for (std::size_t at = text.find("<host "); at != std::string::npos; at = text.find("<host ", at + 1))
    ++hosts;
  EXPECT_EQ(hosts, 5u);
  EXPECT_NE(text.find(xml_footer(5)), std::string::npos);
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

TEST(Writers, XmlRewriteAfterAppendKeepsEarlierContent) {
  // A file opened for append (shell >>): the grouped rewrite cuts back only to this scan's header.
  const std::string path = testing::TempDir() + "append.xml";
  std::ofstream(path) << "earlier\n";
  std::FILE* f = std::fopen(path.c_str(), "a");
  write_all("xml", f, sample());
  std::fclose(f);
  const std::string text = slurp(path);
  EXPECT_EQ(text.rfind(std::string("earlier\n") + kXmlHeader, 0), 0u);
  EXPECT_NE(text.find(xml_footer(3)), std::string::npos);
}

}  // namespace
}  // namespace synscan
