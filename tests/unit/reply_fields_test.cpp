// --output-fields: the reply facts of a SYN-ACK in the JSON, CSV and list formats (only when selected: the
// default output is unchanged), and the OS guess against p0f-format signatures. The signatures here are
// written in p0f.fp's format for the test (shapes of p0f 3's [tcp:response] Linux and Windows entries), not
// its file.
#include "engine/output/reply_fields.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "engine/probes/p0f_signatures.hpp"
#include "engine/probes/tcp_options.hpp"
#include "tests/unit/writer_fixture.hpp"

namespace synscan {
namespace {

using writer_fixture::render;

constexpr std::string_view kSignatures =
    "; comment\n"
    "[tcp:request]\n"
    "label = s:unix:Request:only\n"
    "sig   = *:64:0:*:mss*10,0:mss,sok,ts,nop,ws:df:0\n"
    "[tcp:response]\n"
    "label = s:unix:Linux:3.x\n"
    "sig   = *:64:0:*:mss*10,*:mss,sok,ts,nop,ws:df:0\n"
    "sig   = *:64:0:*:weird:mss:df:0\n"
    "label = s:win:Windows:7 or 8\n"
    "sig   = *:128:0:*:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0\n"
    "[http:request]\n"
    "label = s:unix:Http:only\n";

// A SYN-ACK from a Linux host to a SYN with timestamps, over IPv4.
Result linux_syn_ack(std::uint16_t window = 14600) {
  Result r;
  r.ip = IpAddress::v4(0xC6130001);
  r.port = 22;
  r.state = PortState::open;
  r.reason = Reason{1};
  r.answered = true;
  r.ttl = 61;
  r.extra = window;
  r.ip_id = 0;
  r.mss = 1460;
  r.wscale = 7;
  const std::vector<std::uint8_t> o{2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 3, 3, 7};
  r.tcp_options = read_tcp_options({o.data(), o.size()}).layout;
  r.rtt_ms = 12;
  r.ts_ms = 1'767'225'600'000;
  return r;
}

TEST(OsGuess, ReadsOnlyTheResponseSectionAndSkipsUnknownShapes) {
  const P0fSignatures sigs = P0fSignatures::parse(kSignatures);
  EXPECT_EQ(sigs.size(), 2u);  // the "weird" window is skipped, the other sections are not read
}

TEST(OsGuess, ExactFuzzyAndNone) {
  const P0fSignatures sigs = P0fSignatures::parse(kSignatures);
  const auto exact = sigs.match(linux_syn_ack(14600));  // 10 x 1460
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->label, "s:unix:Linux:3.x");
  EXPECT_TRUE(exact->exact);
  const auto fuzzy = sigs.match(linux_syn_ack(65160));  // today's Linux window: not in the signature
  ASSERT_TRUE(fuzzy);
  EXPECT_EQ(fuzzy->label, "s:unix:Linux:3.x");
  EXPECT_FALSE(fuzzy->exact);
  Result far = linux_syn_ack();
  far.ttl = 20;  // 44 hops below 64: not that initial TTL
  EXPECT_FALSE(sigs.match(far));
  Result windows = linux_syn_ack(8192);
  const std::vector<std::uint8_t> o{2, 4, 5, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2};
  windows.tcp_options = read_tcp_options({o.data(), o.size()}).layout;
  windows.ttl = 120;
  windows.wscale = 8;
  windows.ip_id = 0x4321;
  const auto win = sigs.match(windows);
  ASSERT_TRUE(win);
  EXPECT_EQ(win->label, "s:win:Windows:7 or 8");
  EXPECT_TRUE(win->exact);
  windows.ip_id = 0;  // id+ says a non-zero ID
  EXPECT_FALSE(sigs.match(windows)->exact);
}

TEST(ReplyFields, SelectionNamesAndRefusesUnknownOnes) {
  EXPECT_EQ(select_reply_fields("all").size(), reply_fields().size());
  const auto two = select_reply_fields("rtt_ms,ja4ts,rtt_ms");
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0]->name, "ja4ts");  // table order, once each
  EXPECT_THROW(select_reply_fields("ja4"), std::invalid_argument);
  EXPECT_NE(describe_reply_fields().find("os_match"), std::string::npos);
}

TEST(ReplyFields, EachFormatAddsTheSelectedFieldsAndOnlyThen) {
  const std::vector<Result> results{linux_syn_ack(65160)};
  const P0fSignatures sigs = P0fSignatures::parse(kSignatures);
  ScanInfo plain = writer_fixture::info();
  const std::string before = render("ndjson", results, plain);
  EXPECT_EQ(before.find("ja4ts"), std::string::npos) << "default output unchanged";
  ScanInfo chosen = plain;
  chosen.reply_fields = select_reply_fields("tcp_options,mss,wscale,ja4ts,rtt_ms,os,os_match");
  chosen.os_signatures = &sigs;
  const std::string json = render("ndjson", results, chosen);
  EXPECT_NE(
      json.find(R"("tcp_options":"mss,sok,ts,nop,ws","mss":1460,"wscale":7,)"
                R"("ja4ts":"65160_2-4-8-1-3_1460_7","rtt_ms":12,"os":"s:unix:Linux:3.x","os_match":"fuzzy")"),
      std::string::npos)
      << json;
  EXPECT_EQ(render("list", results, chosen),
            "open tcp 22 198.19.0.1 tcp_options=mss,sok,ts,nop,ws mss=1460 wscale=7 "
            "ja4ts=65160_2-4-8-1-3_1460_7 rtt_ms=12 os=s:unix:Linux:3.x os_match=fuzzy\n");
  const std::string csv = render("csv", results, chosen);
  EXPECT_NE(csv.find(",tcp_options,mss,wscale,ja4ts,rtt_ms,os,os_match\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find(R"(,"mss,sok,ts,nop,ws",1460,7,65160_2-4-8-1-3_1460_7,12,s:unix:Linux:3.x,fuzzy)"),
            std::string::npos)
      << csv;
  ScanInfo no_file = chosen;
  no_file.os_signatures = nullptr;  // no p0f.fp: no guess, the other fields stay
  const std::string without = render("ndjson", results, no_file);
  EXPECT_EQ(without.find("\"os\""), std::string::npos);
  EXPECT_NE(without.find("\"ja4ts\""), std::string::npos);
}

// XML: the guess goes into nmap's <os> element (an <osmatch> with the label), valid against nmap.dtd; without
// the signatures the XML is as before.
TEST(ReplyFields, XmlPutsTheGuessInNmapsOsElement) {
  const std::vector<Result> results{linux_syn_ack(14600)};
  const P0fSignatures sigs = P0fSignatures::parse(kSignatures);
  ScanInfo scan = writer_fixture::info();
  EXPECT_EQ(
      writer_fixture::slurp(writer_fixture::render_to_file("xml", "os-none.xml", results, scan)).find("<os>"),
      std::string::npos);
  scan.os_signatures = &sigs;
  const std::string path = writer_fixture::render_to_file("xml", "os.xml", results, scan);
  const std::string text = writer_fixture::slurp(path);
  EXPECT_NE(text.find(R"(<os><portused state="open" proto="tcp" portid="22"/>)"
                      R"(<osmatch name="s:unix:Linux:3.x" accuracy="100" line="0"/></os>)"),
            std::string::npos)
      << text;
  if (writer_fixture::shell("command -v xmllint >/dev/null 2>&1") == 0 &&
      std::ifstream("/usr/share/nmap/nmap.dtd")) {
    EXPECT_EQ(writer_fixture::shell("xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd " + path), 0)
        << path;
  }
}

}  // namespace
}  // namespace synscan
