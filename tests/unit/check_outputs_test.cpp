// tests/e2e/check_outputs.py, the checker of a lab scan's outputs, run on every format the writers produce
// for the result set of both families (writer_fixture.hpp): it accepts them, and it catches the faults it is
// there to catch (an IPv6 address in non-canonical text, a wrong XML addrtype, a missing family).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/merge.hpp"
#include "engine/output/writer.hpp"
#include "writer_fixture.hpp"

namespace synscan {
namespace {

using namespace writer_fixture;

const std::string kChecker = std::string(SYNSCAN_SOURCE_DIR) + "/tests/e2e/check_outputs.py";

// Writes every format of sample() into `dir` (scan.ndjson, .json, .csv, .gnmap, .txt, .xml) and the pipe
// reader's log of the NDJSON records (each arrived 10 ms after it was found). Returns the file list.
std::string write_scan(const std::string& dir) {
  shell("rm -rf " + dir + " && mkdir -p " + dir);
  std::string files;
  for (const auto& [format, ext] : {std::pair{"ndjson", "ndjson"},
                                    {"json", "json"},
                                    {"csv", "csv"},
                                    {"grepable", "gnmap"},
                                    {"list", "txt"},
                                    {"xml", "xml"}}) {
    files += " " + render_to_file(format, dir.substr(testing::TempDir().size()) + "/scan." + ext);
  }
  std::ofstream pipe(dir + "/pipe.tsv");
  std::istringstream ndjson(render("ndjson"));
  for (std::string line; std::getline(ndjson, line);) {
    std::int64_t ts = 0;
    EXPECT_TRUE(parse_timestamp(nlohmann::json::parse(line)["ts"].get<std::string>(), ts));
    pipe << ts + 10 << '\t' << line << '\n';
  }
  return files;
}

TEST(CheckOutputs, AcceptsEveryFormatWithBothFamilies) {
  if (shell("command -v python3 >/dev/null 2>&1 && command -v xmllint >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "python3 or xmllint missing";
  const std::string dir = testing::TempDir() + "check_outputs_ok";
  const std::string files = write_scan(dir);
  const auto [out, status] = shell_output("python3 " + kChecker + " --pipe " + dir +
                                          "/pipe.tsv --max-latency-ms 1000 --families 4,6" + files + " 2>&1");
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("pipe: 8 results (5 IPv4, 3 IPv6)"), std::string::npos) << out;
  for (const char* ext : {"ndjson", "json", "csv", "gnmap", "txt", "xml"}) {
    EXPECT_NE(out.find(std::string("scan.") + ext + ": 8 results (5 IPv4, 3 IPv6), same as the pipe"),
              std::string::npos)
        << ext << "\n"
        << out;
  }
}

TEST(CheckOutputs, CatchesIpv6Faults) {
  if (shell("command -v python3 >/dev/null 2>&1 && command -v xmllint >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "python3 or xmllint missing";
  const std::string dir = testing::TempDir() + "check_outputs_bad";
  write_scan(dir);
  auto check = [&](const std::string& file, const std::string& families = "") {
    return shell_output("python3 " + kChecker + " --pipe " + dir + "/pipe.tsv" +
                        (families.empty() ? "" : " --families " + families) + " " + file + " 2>&1");
  };
  // masscan's text for 2001:2:0:1::364: the shorter zero run compressed.
  ASSERT_EQ(
      shell("sed 's/2001:2:0:1::364/2001:2::1:0:0:0:364/' " + dir + "/scan.csv > " + dir + "/masscan.csv"),
      0);
  const auto [csv, csv_status] = check(dir + "/masscan.csv");
  EXPECT_EQ(csv_status, 1);
  EXPECT_NE(csv.find("not in canonical text (RFC 5952 for IPv6): ['2001:2::1:0:0:0:364']"), std::string::npos)
      << csv;
  ASSERT_EQ(shell("sed 's/addrtype=\"ipv6\"/addrtype=\"ipv4\"/' " + dir + "/scan.xml > " + dir + "/type.xml"),
            0);
  const auto [xml, xml_status] = check(dir + "/type.xml");
  EXPECT_EQ(xml_status, 1);
  EXPECT_NE(xml.find("<address addr=\"2001:2::1\"> has addrtype ipv4, not ipv6"), std::string::npos) << xml;
  // An IPv4-only output where both families were asked for.
  ASSERT_EQ(shell("grep -v '\"ip\":\"2001:' " + dir + "/scan.ndjson > " + dir + "/v4.ndjson"), 0);
  const auto [v4, v4_status] = check(dir + "/v4.ndjson", "4,6");
  EXPECT_EQ(v4_status, 1);
  EXPECT_NE(v4.find("v4.ndjson: no IPv6 result"), std::string::npos) << v4;
}

}  // namespace
}  // namespace synscan
