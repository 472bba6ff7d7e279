// synscan merge: each (ip, port) once, address order, the documented conflict rule, and clear errors.
#include "cli/merge.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cli/usage_error.hpp"
#include "cli_test_helpers.hpp"
#include "cli_test_util.hpp"
#include "engine/output/writer.hpp"
#include "engine/probes/registry.hpp"
#include "engine/probes/tcp_validator.hpp"
#include "engine/target_parse.hpp"

namespace synscan {
namespace {

// An NDJSON record as the writer renders it (icmp_code present only for icmp-unreach).
std::string record(const char* ip, int port, const char* state, const char* reason, const char* extra = "") {
  const std::string code = std::string_view(reason) == "icmp-unreach" ? R"(,"icmp_code":1)" : "";
  return fmt::format(
             R"({{"ip":"{}","port":{},"proto":"tcp","state":"{}","reason":"{}"{},"ttl":64,"window":1024,)"
             R"("ts":"2026-01-02T03:04:05.678Z"{}}})",
             ip, port, state, reason, code, extra) +
         "\n";
}

std::string merged_ndjson(const std::vector<std::string>& inputs) {
  ResultMerger merger;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    std::istringstream in(inputs[i]);
    merger.add(in, "input " + std::to_string(i));
  }
  std::FILE* f = std::tmpfile();
  auto writer = make_writer("ndjson", f);
  ScanInfo info;
  for (const ProtocolId p : merger.protocols()) info.probed.push_back({p, "", 0});
  writer->begin(info);
  for (const Result& r : merger.results()) writer->write(r);
  writer->end({});
  std::rewind(f);
  std::string text;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) text.append(buffer, n);
  std::fclose(f);
  return text;
}

TEST(Merge, ShardsBecomeOneSetInAddressOrder) {
  const std::string a =
      record("198.19.0.10", 80, "open", "syn-ack") + record("198.19.0.2", 443, "closed", "rst");
  const std::string b = "\n" + record("198.19.0.2", 22, "filtered", "no-response") +
                        record("198.19.0.10", 22, "filtered", "icmp-unreach");
  const std::string out = merged_ndjson({a, b});
  // Numeric address order (198.19.0.2 before 198.19.0.10), then port; fields survive the round trip.
  EXPECT_EQ(out, record("198.19.0.2", 22, "filtered", "no-response") +
                     record("198.19.0.2", 443, "closed", "rst") +
                     record("198.19.0.10", 22, "filtered", "icmp-unreach") +
                     record("198.19.0.10", 80, "open", "syn-ack"));
}

TEST(Merge, EachProbeOnceStrongerEvidenceWins) {
  // A resumed run: the probe reported filtered (silence) in one file and open in another is open, whichever
  // came first; an exact duplicate is reported once; open beats closed; equal states keep the first record.
  const std::string first =
      record("198.19.0.1", 80, "filtered", "no-response") + record("198.19.0.1", 22, "open", "syn-ack") +
      record("198.19.0.1", 25, "closed", "rst") + record("198.19.0.1", 113, "filtered", "icmp-unreach");
  const std::string second =
      record("198.19.0.1", 80, "open", "syn-ack") + record("198.19.0.1", 22, "open", "syn-ack") +
      record("198.19.0.1", 25, "open", "syn-ack") + record("198.19.0.1", 113, "filtered", "no-response");
  const std::string out = merged_ndjson({first, second});
  EXPECT_EQ(out, record("198.19.0.1", 22, "open", "syn-ack") + record("198.19.0.1", 25, "open", "syn-ack") +
                     record("198.19.0.1", 80, "open", "syn-ack") +
                     record("198.19.0.1", 113, "filtered", "icmp-unreach"));
  EXPECT_EQ(merged_ndjson({second, first}),
            out.substr(0, out.rfind('{')) + record("198.19.0.1", 113, "filtered", "no-response"));
}

TEST(Merge, BothFamiliesKeyedOnTheAddressNotItsText) {
  // Shards of a two-family scan. IPv6 text in any RFC 4291 form is one address: upper case and uncompressed
  // records merge with canonical ones (the stronger state wins) and come out in RFC 5952 text; an IPv4-mapped
  // address is its IPv4 address.
  const std::string a = record("2001:2:0:1::364", 80, "filtered", "no-response") +
                        record("198.19.0.10", 80, "open", "syn-ack") +
                        record("2001:2::a", 22, "closed", "rst") +
                        record("2001:2::1", 443, "open", "syn-ack");
  const std::string b =
      record("2001:0002:0000:0001:0000:0000:0000:0364", 80, "open", "syn-ack") +
      record("2001:2::A", 22, "filtered", "no-response") + record("::ffff:198.19.0.10", 80, "closed", "rst") +
      record("198.19.0.2", 22, "open", "syn-ack") + record("2001:2:0:0:0:0:0:1", 22, "closed", "rst");
  const std::string out = merged_ndjson({a, b});
  // Every IPv4 address first, then IPv6 in numeric order: 2001:2::1 < 2001:2::a < 2001:2:0:1::364 (as text
  // the last would sort first).
  EXPECT_EQ(out, record("198.19.0.2", 22, "open", "syn-ack") + record("198.19.0.10", 80, "open", "syn-ack") +
                     record("2001:2::1", 22, "closed", "rst") + record("2001:2::1", 443, "open", "syn-ack") +
                     record("2001:2::a", 22, "closed", "rst") +
                     record("2001:2:0:1::364", 80, "open", "syn-ack"));
  ResultMerger merger;
  std::istringstream in(a + b);
  merger.add(in, "ab");
  EXPECT_EQ(merger.records_read(), 9u);
  EXPECT_EQ(merger.results().size(), 6u);
  EXPECT_EQ(merger.protocols(), std::vector<ProtocolId>{0});
}

// Each protocol's results are their own: a TCP port and an ICMP echo result of one address are both kept; a
// protocol synscan does not scan, or a state the protocol has no word for, is named.
TEST(Merge, ProtocolsAreKeptApartAndNamed) {
  auto error_of = [](const std::string& text) -> std::string {
    ResultMerger m;
    std::istringstream in(text);
    try {
      m.add(in, "p.ndjson");
    } catch (const UsageError& e) {
      return e.what();
    }
    return "<no error>";
  };
  const std::string tcp = record("2001:2::1", 80, "open", "syn-ack");
  const std::string echo = R"({"ip":"2001:2::1","proto":"icmp","state":"up","reason":"echo-reply","ttl":64})"
                           "\n";
  ResultMerger both;
  std::istringstream in(tcp + echo + echo);
  both.add(in, "both");
  const std::vector<Result> results = both.results();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(vocabulary(results[0].proto).protocol, "tcp");
  EXPECT_EQ(vocabulary(results[1].proto).protocol, "icmp");
  EXPECT_EQ(results[1].state, PortState::open);  // "up"
  EXPECT_EQ(vocabulary(results[1].proto).reason_name(results[1].reason), "echo-reply");
  EXPECT_EQ(both.protocols().size(), 2u);
  EXPECT_NE(error_of(R"({"ip":"2001:2::1","port":1,"proto":"<b>","state":"open"})").find("proto"),
            std::string::npos);
  EXPECT_NE(
      error_of(R"({"ip":"2001:2::1","proto":"icmp","state":"closed-ish"})").find("\"state\" 'closed-ish'"),
      std::string::npos);
  EXPECT_NE(error_of(R"({"ip":"2001:2::1","state":"open"})").find("needs \"port\""), std::string::npos);
  ResultMerger none;
  std::istringstream minimal(R"({"ip":"2001:2::1","port":1,"state":"open"})");
  none.add(minimal, "m");
  EXPECT_EQ(none.protocols(), std::vector<ProtocolId>{kDefaultProtocol});
}

TEST(Merge, SkipsNonResultRecordsAndNamesBadLines) {
  ResultMerger merger;
  std::istringstream ok(R"({"type":"summary","open":1})"
                        "\n" +
                        record("198.19.0.1", 80, "open", "syn-ack") +
                        R"({"ip":"198.19.0.1","port":81,"state":"closed"})");  // minimal, no final newline
  merger.add(ok, "a.ndjson");
  ASSERT_EQ(merger.results().size(), 2u);
  EXPECT_EQ(merger.results()[1].reason, tcp_reason::rst);
  EXPECT_EQ(merger.records_read(), 2u);

  auto error_of = [](const std::string& text) -> std::string {
    ResultMerger m;
    std::istringstream in(text);
    try {
      m.add(in, "b.ndjson");
    } catch (const UsageError& e) {
      return e.what();
    }
    return "<no error>";
  };
  EXPECT_NE(error_of(record("198.19.0.1", 80, "open", "syn-ack") + "{\"ip\": oops\n").find("b.ndjson line 2"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"ip":"198.19.0.300","port":1,"state":"open"})").find("198.19.0.300"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"ip":"2001:2::1::2","port":1,"state":"open"})").find("2001:2::1::2"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"ip":"198.19.0.3","port":70000,"state":"open"})").find("port"), std::string::npos);
  EXPECT_NE(error_of(R"({"ip":"198.19.0.3","port":1,"state":"half-open"})").find("state"), std::string::npos);
  EXPECT_NE(error_of(R"({"ip":"198.19.0.3","port":1})").find("\"state\""), std::string::npos);
  EXPECT_NE(error_of("[1,2]").find("not a JSON object"), std::string::npos);
}

TEST(Merge, HostnamesAreCarried) {
  ResultMerger merger;
  std::istringstream in(record("192.0.2.1", 80, "open", "syn-ack", R"(,"hostname":"web.example")"));
  merger.add(in, "x");
  ASSERT_EQ(merger.hostnames().size(), 1u);
  EXPECT_EQ(merger.hostnames()[0].second, "web.example");
}

TEST(Merge, TimestampsRoundTrip) {
  for (std::int64_t ms : {0LL, 1767225600000LL, 1767323045678LL, 4102444799999LL}) {
    std::int64_t back = -1;
    ASSERT_TRUE(parse_timestamp(format_timestamp(ms), back)) << format_timestamp(ms);
    EXPECT_EQ(back, ms);
  }
  std::int64_t v = 0;
  EXPECT_TRUE(parse_timestamp("2026-01-01T00:00:00Z", v));
  EXPECT_EQ(v, 1767225600000LL);
  EXPECT_TRUE(parse_timestamp("2026-01-01T00:00:00.5Z", v));
  EXPECT_EQ(v, 1767225600500LL);
  for (const char* bad : {"", "2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z",
                          "2026-01-01T00:00:00.Z", "2026-01-01 00:00:00Z"}) {
    EXPECT_FALSE(parse_timestamp(bad, v)) << bad;
  }
}

TEST(Merge, SubcommandWritesAnyFormat) {
  const std::string a = test::write_temp_file("merge_a", record("198.19.0.9", 443, "open", "syn-ack"));
  const std::string b = test::write_temp_file("merge_b", record("2001:2:0:0:0:0:0:1", 80, "open", "syn-ack") +
                                                             record("198.19.0.1", 22, "open", "syn-ack"));
  const std::string out = ::testing::TempDir() + "synscan_merged.txt";
  std::vector<const char*> argv{"merge", a.c_str(), b.c_str(), "--format", "list", "-o", out.c_str()};
  std::ostringstream help;
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_merge(static_cast<int>(argv.size()), argv.data(), help), 0);
  EXPECT_EQ(testing::internal::GetCapturedStderr(),
            "synscan: merged 3 records from 2 files into 3 results (3 open, 0 closed, 0 filtered; 2 IPv4, "
            "1 IPv6)\n");
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "open tcp 22 198.19.0.1\nopen tcp 443 198.19.0.9\nopen tcp 80 2001:2::1\n");
  std::vector<const char*> none{"merge"};
  EXPECT_THROW(run_merge(1, none.data(), help), UsageError);
  std::vector<const char*> bad_format{"merge", a.c_str(), "--format", "yaml"};
  EXPECT_THROW(run_merge(4, bad_format.data(), help), UsageError);
  std::vector<const char*> missing{"merge", "/nonexistent/x.ndjson"};
  EXPECT_THROW(run_merge(2, missing.data(), help), std::runtime_error);
}

TEST(Merge, FormatNamesIgnoreCase) {
  const std::string a = test::write_temp_file("merge_case", record("198.19.0.1", 22, "open", "syn-ack"));
  const std::string out = ::testing::TempDir() + "synscan_merged_case.txt";
  std::vector<const char*> argv{"merge", a.c_str(), "--format", "LIST", "-o", out.c_str()};
  std::ostringstream help;
  EXPECT_EQ(run_merge(static_cast<int>(argv.size()), argv.data(), help), 0);
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "open tcp 22 198.19.0.1\n");
}

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A merge's outputs are a scan's: -o picks the format from the extension (else ndjson), and the short forms
// -oX -oD ... are outputs, not inputs. The summary counts in the singular where there is one.
TEST(Merge, OutputsAreTakenAsAScanTakesThem) {
  const std::string a = test::write_temp_file("merge_ext", record("198.19.0.1", 22, "open", "syn-ack"));
  const std::string dir = ::testing::TempDir();
  const std::string csv = dir + "synscan_m.csv", xml = dir + "synscan_m.xml", other = dir + "synscan_m.out",
                    short_xml = dir + "synscan_mx.xml", short_ndjson = dir + "synscan_md.ndjson";
  std::vector<const char*> argv{"merge", a.c_str(),         "-o",  csv.c_str(),
                                "-o",    xml.c_str(),       "-o",  other.c_str(),
                                "-oX",   short_xml.c_str(), "-oD", short_ndjson.c_str()};
  std::ostringstream help;
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_merge(static_cast<int>(argv.size()), argv.data(), help), 0);
  EXPECT_EQ(testing::internal::GetCapturedStderr(),
            "synscan: merged 1 record from 1 file into 1 result (1 open, 0 closed, 0 filtered)\n");
  EXPECT_EQ(file_text(csv).rfind("ip,port,proto,state", 0), 0u) << file_text(csv);
  EXPECT_NE(file_text(xml).find("<nmaprun"), std::string::npos);
  EXPECT_NE(file_text(short_xml).find("<nmaprun"), std::string::npos);
  EXPECT_EQ(file_text(other).rfind("{\"ip\":\"198.19.0.1\"", 0), 0u) << file_text(other);
  EXPECT_EQ(file_text(short_ndjson), file_text(other));
  std::vector<const char*> unknown{"merge", a.c_str(), "-oN", other.c_str()};
  EXPECT_EQ(test::error_of([&] { run_merge(4, unknown.data(), help); }),
            "merge: bad output option '-oN' (short forms are -oX -oJ -oD -oL -oG -oC -oA)");
  std::vector<const char*> null_twice{"merge", a.c_str(), "-oX", "/dev/null", "-oD", "/dev/null"};
  EXPECT_EQ(run_merge(6, null_twice.data(), help), 0);
}

// As a scan refuses an output on a file it reads: the input stays whole.
TEST(Merge, AnOutputMayNotOverwriteAnInput) {
  const std::string text = record("198.19.0.1", 22, "open", "syn-ack");
  const std::string a = test::write_temp_file("merge_self.ndjson", text);
  std::ostringstream help;
  std::vector<const char*> argv{"merge", a.c_str(), "-o", a.c_str()};
  EXPECT_EQ(test::error_of([&] { run_merge(4, argv.data(), help); }),
            "merge: bad output '" + a + "' (the same file as input '" + a + "', which it would overwrite)");
  EXPECT_EQ(file_text(a), text);
  std::vector<const char*> twice{"merge", a.c_str(), "-oD", "x.ndjson", "-o", "./x.ndjson"};
  EXPECT_NE(test::error_of([&] { run_merge(6, twice.data(), help); }).find("each output needs its own file"),
            std::string::npos);
}

}  // namespace
}  // namespace synscan
