// What every format writes for a --banners result (engine/output/banner_fields.hpp): JSON with raw bytes
// escaped so that each line stays valid JSON, CSV columns, nmap -sV XML valid against nmap.dtd and read by
// ndiff, grepable and list; `synscan merge` keeping the banner of the record it keeps; the aggregator handing
// open results to the banner stage and writing them when they come back.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/merge.hpp"
#include "engine/aggregator.hpp"
#include "engine/banner/banner_exchange.hpp"
#include "engine/output/escape.hpp"
#include "engine/permutation.hpp"
#include "engine/port_set.hpp"
#include "engine/probe_window.hpp"
#include "engine/shard.hpp"
#include "engine/target_parse.hpp"
#include "writer_fixture.hpp"

namespace synscan {
namespace {

using namespace writer_fixture;
using namespace std::string_literals;

Banner ssh_banner() {
  Banner b;
  b.status = BannerStatus::ok;
  b.probe = BannerProbe::generic;
  b.raw = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
  b.service = {"ssh", "OpenSSH", "9.2p1 Debian 2", false};
  return b;
}

Banner https_banner() {
  Banner b;
  b.status = BannerStatus::ok;
  b.probe = BannerProbe::tls;
  b.raw = "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n\r\n<title>caf\xc3\xa9 \"lab\" <&></title>\xff\x01";
  b.service = {"http", "nginx", "1.22.1", true};
  b.http = HttpInfo{200, "nginx/1.22.1", "caf\xc3\xa9 \"lab\" <&>"};
  b.tls = TlsInfo{
      "TLSv1.3", "CN=lab.example", "CN=lab.example", {"lab.example", "198.19.0.1"}, "2027-01-01T00:00:00Z"};
  return b;
}

Banner silent_banner() {
  Banner b;
  b.status = BannerStatus::silent;
  b.probe = BannerProbe::generic;
  return b;
}

// The fixture's results with a banner on each open one (80 on the IPv6 host, 80 and 22 on 198.19.0.1).
struct BannerSample {
  Banner ssh = ssh_banner(), https = https_banner(), silent = silent_banner();
  std::vector<Result> results = sample();
  BannerSample() {
    results[0].banner = &silent;  // 2001:2:0:1::364 port 80
    results[2].banner = &https;   // 198.19.0.1 port 80
    results[7].banner = &ssh;     // 198.19.0.1 port 22
  }
};

ScanInfo banner_info() {
  ScanInfo i = info();
  i.banners = true;
  return i;
}

TEST(BannerEscape, JsonBytesKeepUtf8AndEscapeTheRest) {
  std::string out;
  append_json_bytes(out, "a\"\\\r\n\x01 caf\xc3\xa9 \xf0\x9f\x98\x80"s);
  EXPECT_EQ(out, "a\\\"\\\\\\r\\n\\u0001 caf\xc3\xa9 \xf0\x9f\x98\x80");
  out.clear();
  // Not UTF-8: a lone continuation byte, an overlong '/', a surrogate, a cut sequence, 0xff.
  append_json_bytes(out, "\x80|\xc0\xaf|\xed\xa0\x80|\xe2\x82|\xff"s);
  EXPECT_EQ(out, "\\u0080|\\u00c0\\u00af|\\u00ed\\u00a0\\u0080|\\u00e2\\u0082|\\u00ff");
  // Every single byte value makes valid JSON.
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  std::string doc = "\"";
  append_json_bytes(doc, all);
  doc += '"';
  const auto parsed = nlohmann::json::parse(doc);
  EXPECT_EQ(parsed.get<std::string>().substr(0, 128), all.substr(0, 128));
  EXPECT_EQ(printable_bytes("ab\\\r\n\xff"s), "ab\\\\\\x0D\\x0A\\xFF");
}

TEST(BannerOutput, NdjsonCarriesServiceBannerHttpTls) {
  BannerSample s;
  const std::string text = render("ndjson", s.results, banner_info());
  std::istringstream in(text);
  std::vector<nlohmann::json> records;
  for (std::string line; std::getline(in, line);)
    records.push_back(nlohmann::json::parse(line));  // all valid
  ASSERT_EQ(records.size(), s.results.size());
  const auto& https = records[2];
  EXPECT_EQ(https["service"]["name"], "http");
  EXPECT_EQ(https["service"]["product"], "nginx");
  EXPECT_EQ(https["service"]["version"], "1.22.1");
  EXPECT_EQ(https["service"]["tunnel"], "ssl");
  EXPECT_EQ(https["service"]["method"], "probed");
  EXPECT_EQ(https["banner_status"], "ok");
  EXPECT_EQ(https["http"]["status"], 200);
  EXPECT_EQ(https["http"]["title"], "caf\xc3\xa9 \"lab\" <&>");
  EXPECT_EQ(https["tls"]["version"], "TLSv1.3");
  EXPECT_EQ(https["tls"]["sans"], nlohmann::json::array({"lab.example", "198.19.0.1"}));
  EXPECT_EQ(https["tls"]["not_after"], "2027-01-01T00:00:00Z");
  const std::string banner = https["banner"];
  EXPECT_EQ(banner.substr(banner.size() - 3), "\xc3\xbf\x01");  // 0xff came back as U+00FF
  EXPECT_EQ(records[7]["service"]["product"], "OpenSSH");
  EXPECT_EQ(records[7]["banner"], "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
  EXPECT_EQ(records[0]["banner_status"], "silent");
  EXPECT_EQ(records[0]["service"]["method"], "table");  // nothing answered: the port's table name
  EXPECT_EQ(records[0]["service"]["name"], "http");
  // A closed port in a --banners output: "service" is an object there too, and no banner fields.
  EXPECT_TRUE(records[1]["service"].is_object());
  EXPECT_FALSE(records[1].contains("banner_status"));
  // Without --banners the record is as before: "service" a string.
  const auto plain = nlohmann::json::parse(render("ndjson", sample()).substr(0, render("ndjson").find('\n')));
  EXPECT_TRUE(plain["service"].is_string());
}

TEST(BannerOutput, JsonArrayStaysValid) {
  BannerSample s;
  const auto doc = nlohmann::json::parse(render("json", s.results, banner_info()));
  ASSERT_EQ(doc.size(), s.results.size());
  EXPECT_EQ(doc[7]["banner_status"], "ok");
}

TEST(BannerOutput, CsvHasTheBannerColumns) {
  BannerSample s;
  const auto rows = parse_csv(render("csv", s.results, banner_info()));
  ASSERT_EQ(rows.size(), s.results.size() + 1);
  const std::vector<std::string>& header = rows[0];
  ASSERT_EQ(header.size(), 24U);
  for (const auto& row : rows) EXPECT_EQ(row.size(), header.size());
  auto col = [&](std::string_view name) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const auto& https = rows[3];
  EXPECT_EQ(https[col("service")], "http");
  EXPECT_EQ(https[col("banner_status")], "ok");
  EXPECT_EQ(https[col("product")], "nginx");
  EXPECT_EQ(https[col("tunnel")], "ssl");
  EXPECT_EQ(https[col("http_status")], "200");
  EXPECT_EQ(https[col("tls_sans")], "lab.example 198.19.0.1");
  EXPECT_EQ(rows[8][col("banner")], "SSH-2.0-OpenSSH_9.2p1 Debian-2\\x0D\\x0A");
  EXPECT_EQ(rows[2][col("banner_status")], "");        // closed: no banner
  EXPECT_EQ(parse_csv(render("csv"))[0].size(), 11U);  // without --banners: the columns as before
}

TEST(BannerOutput, GrepableAndListAsNmapAndMasscan) {
  BannerSample s;
  const std::string g = render("grepable", s.results, banner_info());
  EXPECT_NE(g.find("Ports: 80/open/tcp//ssl|http//nginx 1.22.1/\n"), std::string::npos) << g;
  EXPECT_NE(g.find("Ports: 22/open/tcp//ssh//OpenSSH 9.2p1 Debian 2/\n"), std::string::npos) << g;
  const std::string l = render("list", s.results, banner_info());
  EXPECT_NE(l.find("open tcp 22 198.19.0.1 ssh ok SSH-2.0-OpenSSH_9.2p1 Debian-2\\x0D\\x0A\n"),
            std::string::npos)
      << l;
  EXPECT_NE(l.find("open tcp 80 2001:2:0:1::364 http silent \n"), std::string::npos) << l;
}

TEST(BannerOutput, XmlAsNmapServiceDetectionValidAgainstNmapDtd) {
  BannerSample s;
  const std::string grouped = render_to_file("xml", "banner-grouped.xml", s.results, banner_info());
  const std::string text = slurp(grouped);
  EXPECT_NE(text.find("<service name=\"http\" product=\"nginx\" version=\"1.22.1\" tunnel=\"ssl\" "
                      "method=\"probed\" conf=\"10\"/>"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("<script id=\"banner\" output=\"SSH-2.0-OpenSSH_9.2p1 Debian-2\\x0D\\x0A\"/>"),
            std::string::npos);
  EXPECT_NE(
      text.find("<script id=\"ssl-cert\" output=\"Subject: CN=lab.example&#10;Subject Alternative Name: "
                "lab.example, 198.19.0.1&#10;Issuer: CN=lab.example&#10;Not valid after:  "
                "2027-01-01T00:00:00Z&#10;Protocol: TLSv1.3\"/>"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("<service name=\"http\" method=\"table\" conf=\"3\"/>"), std::string::npos);  // silent
  if (shell("command -v xmllint >/dev/null 2>&1") != 0) GTEST_SKIP() << "xmllint missing (libxml2-utils)";
  const std::string streamed = testing::TempDir() + "banner-streamed.xml";
  std::ofstream(streamed) << render("xml", s.results, banner_info());
  for (const std::string& path : {grouped, streamed}) {
    EXPECT_EQ(shell("xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd " + path), 0) << path;
  }
  if (shell("command -v ndiff >/dev/null 2>&1") != 0) GTEST_SKIP() << "ndiff missing";
  // ndiff reads it and sees the service version change.
  std::vector<Result> later = s.results;
  Banner newer = s.ssh;
  newer.service.version = "9.6p1";
  later[7].banner = &newer;
  const std::string after = render_to_file("xml", "banner-after.xml", later, banner_info());
  const auto [diff, status] = shell_output("ndiff " + grouped + " " + after);
  EXPECT_EQ(status, 1) << diff;  // 1: differences found
  EXPECT_NE(diff.find("9.6p1"), std::string::npos) << diff;
}

TEST(BannerOutput, MergeKeepsTheBannerOfTheRecordItKeeps) {
  BannerSample s;
  const std::string with = render("ndjson", s.results, banner_info());
  // A second shard saw 198.19.0.1:22 as closed and nothing else: open wins, with its banner.
  const std::string other =
      R"({"ip":"198.19.0.1","port":22,"proto":"tcp","state":"closed","reason":"rst","ttl":64,"window":0})"
      "\n";
  ResultMerger merger;
  std::istringstream a(other), b(with);
  merger.add(a, "other");
  merger.add(b, "with");
  EXPECT_TRUE(merger.has_banners());
  const std::vector<Result> merged = merger.results();
  const auto ssh = std::find_if(merged.begin(), merged.end(), [](const Result& r) {
    return r.ip == IpAddress::v4(0xC6130001) && r.port == 22;
  });
  ASSERT_NE(ssh, merged.end());
  ASSERT_NE(ssh->banner, nullptr);
  EXPECT_EQ(ssh->banner->raw, "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
  EXPECT_EQ(ssh->banner->service.product, "OpenSSH");
  const auto https = std::find_if(merged.begin(), merged.end(), [](const Result& r) {
    return r.ip == IpAddress::v4(0xC6130001) && r.port == 80;
  });
  ASSERT_NE(https->banner, nullptr);
  ASSERT_TRUE(https->banner->tls);
  EXPECT_EQ(https->banner->tls->sans.size(), 2U);
  EXPECT_TRUE(https->banner->service.tunnel_ssl);
  // Rendered again, the merged record says what the original said (its bytes that were UTF-8).
  ScanInfo again = banner_info();
  const std::string out = render("ndjson", merged, again);
  EXPECT_NE(
      out.find(R"("service":{"name":"ssh","product":"OpenSSH","version":"9.2p1 Debian 2","method":"probed"},)"
               R"("banner_status":"ok","banner":"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")"),
      std::string::npos)
      << out;
}

// A writer that remembers what it was given, banners copied.
struct Recorder final : ResultWriter {
  std::vector<Result> results;
  std::vector<std::string> banners;  // raw, or "-" for none
  void write(const Result& r) override {
    results.push_back(r);
    banners.push_back(r.banner ? r.banner->raw : "-");
  }
  void flush() override {}
};

TEST(BannerAggregator, OpenResultsWaitForTheirBannerOthersAreWrittenAtOnce) {
  // A space of 16 probes, one shard and send thread, whose window holds all of them: any index may be
  // claimed.
  AddressRanges targets;
  parse_target_list("192.0.2.0/30", targets);
  const ProbeSpace space(TargetSet(targets), PortSet(parse_port_list("21-24")));
  const ScanPlan plan(space.size(), 0, 1, 1);
  const Permutation perm(space.size(), 7);
  ProbeWindows windows(plan, perm, WindowShape{});
  Recorder rec;
  ShowMask all{true, true, true};
  Aggregator agg(windows, space, all, {&rec});
  BannerExchange exchange;
  int wakeups = 0;
  exchange.set_wakeup([&] { ++wakeups; });
  agg.send_open_to(&exchange);
  const std::vector<Result> in = sample();
  for (std::size_t i = 0; i < in.size(); ++i) {
    Result r = in[i];
    r.index = i;
    EXPECT_EQ(agg.add(r), Aggregator::Taken::reported);
  }
  EXPECT_EQ(agg.count(PortState::open), 3U);  // counted at once
  EXPECT_EQ(rec.results.size(), 5U);          // closed and filtered written at once, open held
  EXPECT_EQ(wakeups, 1);                      // the stage is woken when its queue was empty
  EXPECT_FALSE(exchange.all_finished());
  std::vector<Result> taken;
  exchange.take_submitted(taken);
  ASSERT_EQ(taken.size(), 3U);
  for (const Result& r : taken) {
    auto b = std::make_unique<Banner>();
    b->status = BannerStatus::ok;
    b->raw = fmt::format("port {}", r.port);
    exchange.finish({r, std::move(b)});
  }
  EXPECT_TRUE(exchange.all_finished());
  EXPECT_EQ(agg.write_finished_banners(), 3U);
  ASSERT_EQ(rec.results.size(), 8U);
  EXPECT_EQ(rec.banners[5], "port 80");
  EXPECT_EQ(rec.banners[7], "port 22");
  EXPECT_EQ(rec.banners[0], "-");
  // After the stage closed the exchange, an open result comes straight back as not done.
  exchange.close();
  Result late = in[2];
  late.index = 12;
  late.port = 8080;
  EXPECT_EQ(agg.add(late), Aggregator::Taken::reported);
  EXPECT_EQ(agg.write_finished_banners(), 1U);
  EXPECT_EQ(rec.results.back().port, 8080);
}

}  // namespace
}  // namespace synscan
