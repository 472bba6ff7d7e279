// Golden tests of the line formats on one fixed result set of both families (writer_fixture.hpp), plus
// parsers run over each: NDJSON and the JSON array through nlohmann::json, CSV through a small RFC 4180
// reader. The XML format is in xml_writer_test.cpp. IPv6 addresses are printed in RFC 5952 text (checked
// against Python's ipaddress in address_test.cpp).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/output/writer.hpp"
#include "engine/probes/registry.hpp"
#include "writer_fixture.hpp"

namespace synscan {
namespace {

using namespace writer_fixture;

// A table per protocol word: a TCP name never answers for UDP, nor the other way round.
TEST(Services, ParsesATablePerProtocol) {
  EXPECT_EQ(services().tcp(22), "ssh");
  EXPECT_EQ(services().tcp(80), "http");
  EXPECT_EQ(services().tcp(113), "auth");
  EXPECT_EQ(services().tcp(999), "");
  EXPECT_EQ(services().name("udp", 999), "only-udp");
  EXPECT_EQ(services().name("udp", 443), "https");
  EXPECT_EQ(services().name("udp", 22), "");
  EXPECT_EQ(services().name("", 22), "");
  EXPECT_EQ(services().tcp(8080), "");
  EXPECT_EQ(services().size(), 8u);  // 5 tcp, 3 udp; 70000/tcp is no port
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
  EXPECT_EQ(
      render("grepable"),
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

// The writers print each result's module's words (Vocabulary), never words of their own: an ICMP echo result
// has no port in any format, its states are up/down, and the XML host is up by its echo reply.
TEST(Writers, WordsComeFromTheResultsModule) {
  Result echo = sample()[0];
  echo.proto = *protocol_by_name("icmp_echo");
  echo.port = 0;
  echo.reason = Reason{1};  // echo-reply
  echo.from_icmp = false;
  const std::vector<Result> one = {echo};
  EXPECT_EQ(render("list", one), "up icmp 2001:2:0:1::364\n");
  const nlohmann::json j = nlohmann::json::parse(render("ndjson", one));
  EXPECT_EQ(j["proto"], "icmp");
  EXPECT_EQ(j["state"], "up");
  EXPECT_EQ(j["reason"], "echo-reply");
  EXPECT_FALSE(j.contains("port"));
  EXPECT_FALSE(j.contains("window"));  // TCP's extra field
  EXPECT_EQ(parse_csv(render("csv", one))[1][1], "");
  EXPECT_EQ(parse_csv(render("csv", one))[1][2], "icmp");
  EXPECT_NE(render("grepable", one).find("Host: 2001:2:0:1::364 ()\tStatus: Up\n"), std::string::npos);
  const std::string xml = render("xml", one);
  EXPECT_NE(xml.find("<status state=\"up\" reason=\"echo-reply\""), std::string::npos) << xml;
  EXPECT_EQ(xml.find("<port "), std::string::npos) << xml;
  Result down = echo;
  down.state = PortState::filtered;
  down.reason = Reason::no_response;
  EXPECT_NE(render("xml", {down}).find("<status state=\"down\" reason=\"no-response\""), std::string::npos);
}

}  // namespace
}  // namespace synscan
