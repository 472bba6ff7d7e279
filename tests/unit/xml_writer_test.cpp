// The XML writer (nmap -oX layout) on the result set of both families (writer_fixture.hpp): golden bytes
// grouped per host in a file (IPv4 hosts first, addrtype="ipv6"), one <host> per result on a pipe, validity
// against nmap.dtd through xmllint, nmap's ndiff reading two scans, and the rewrite of an appended file.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "engine/output/writer.hpp"
#include "engine/probes/tcp_validator.hpp"
#include "writer_fixture.hpp"

namespace synscan {
namespace {

using namespace writer_fixture;

const char* const kXmlHeader =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n"
    "<!-- synscan 0.1.0 scan initiated Thu Jan  1 00:00:00 2026 -->\n"
    "<nmaprun scanner=\"nmap\" args=\"synscan 198.19.0.0/24 2001:2:0:1::/120 -p 22,25,80,113,443 --rate "
    "100\" "
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

TEST(XmlWriter, GoldenGroupedPerHostInAFile) {
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

TEST(XmlWriter, OnAPipeKeepsOneHostPerResult) {
  const std::string text = render("xml");
  EXPECT_EQ(text.rfind(kXmlHeader, 0), 0u);
  std::size_t hosts = 0;
  for (std::size_t at = text.find("<host "); at != std::string::npos; at = text.find("<host ", at + 1))
    ++hosts;
  EXPECT_EQ(hosts, 8u);
  EXPECT_NE(text.find(xml_footer(8)), std::string::npos);
}

TEST(XmlWriter, IsWellFormedAndValidAgainstNmapDtd) {
  if (shell("command -v xmllint >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "xmllint missing (package libxml2-utils)";
  const std::string grouped = render_to_file("xml", "valid-grouped.xml");
  const std::string streamed = testing::TempDir() + "valid-streamed.xml";
  std::ofstream(streamed) << render("xml");
  const std::string empty = render_to_file("xml", "valid-empty.xml", {});
  const bool have_dtd = static_cast<bool>(std::ifstream("/usr/share/nmap/nmap.dtd"));
  for (const std::string& path : {grouped, streamed, empty}) {
    EXPECT_EQ(shell("xmllint --noout " + path), 0) << path;
    // nmap.dtd: <address addrtype (ipv4 | ipv6 | mac)>, <port protocol (ip | tcp | udp | sctp)>.
    if (have_dtd) {
      EXPECT_EQ(shell("xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd " + path), 0) << path;
    }
  }
  if (!have_dtd) GTEST_SKIP() << "well-formed only: /usr/share/nmap/nmap.dtd missing (package nmap-common)";
}

TEST(XmlWriter, NdiffReadsBothFamilies) {
  // nmap's ndiff pairs hosts by address: a later scan in which an IPv6 port closed and an IPv6 host appeared.
  if (shell("command -v ndiff >/dev/null 2>&1") != 0) GTEST_SKIP() << "ndiff missing (package ndiff)";
  const std::string before = render_to_file("xml", "ndiff-before.xml");
  std::vector<Result> later = sample();
  later[0].state = PortState::closed;  // 2001:2:0:1::364 port 80
  later[0].reason = tcp_reason::rst;
  later.push_back(tcp(0, IpAddress::v6(make_ipv6(0x2001'0002'0000'0000ULL, 0xFF)), 22, PortState::open,
                      tcp_reason::syn_ack, 64, 64800, 0, 1767225602000));
  const std::string after = render_to_file("xml", "ndiff-after.xml", later);

  const auto [same, same_status] = shell_output("ndiff " + before + " " + before);
  EXPECT_EQ(same_status, 0) << same;
  EXPECT_EQ(same, "");
  const auto [diff, diff_status] = shell_output("ndiff " + before + " " + after);
  EXPECT_EQ(diff_status, 1) << diff;  // 1: the scans differ
  EXPECT_NE(
      diff.find(
          " 2001:2:0:1::364:\n PORT   STATE  SERVICE VERSION\n-80/tcp open   http\n+80/tcp closed http\n"),
      std::string::npos)
      << diff;
  EXPECT_NE(diff.find("+2001:2::ff:\n"), std::string::npos) << diff;
  EXPECT_EQ(diff.find("198.19."), std::string::npos) << diff;  // the IPv4 hosts did not change
  // The XML form names the family as the input did.
  const auto [xml, xml_status] = shell_output("ndiff --xml " + before + " " + after);
  EXPECT_EQ(xml_status, 1);
  EXPECT_NE(xml.find("<address addr=\"2001:2:0:1::364\" addrtype=\"ipv6\"/>"), std::string::npos) << xml;
}

TEST(XmlWriter, RewriteAfterAppendKeepsEarlierContent) {
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
