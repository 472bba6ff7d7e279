#include "cli/status.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/report.hpp"
#include "engine/port_set.hpp"
#include "engine/target_parse.hpp"

namespace synscan {
namespace {

StatusSnapshot sample() {
  StatusSnapshot s;
  s.elapsed_s = 65.4;
  s.sent = 500;
  s.total = 1000;
  s.pps = 100.4;
  s.mean_pps = 99.6;
  s.eta_s = 10;
  s.open = 3;
  s.closed = 497;
  s.pcap_drops = 1;
  s.queue_drops = 2;
  return s;
}

TEST(Status, LineLayout) {
  EXPECT_EQ(format_status_line(sample()),
            "synscan: 0:01:05 | 500/1000 sent 50.0% | 100 pps (mean 100) | ETA 0:00:10 | open 3 closed 497 "
            "filtered 0 | drops 3");
  StatusSnapshot s = sample();
  s.waiting = true;
  EXPECT_EQ(format_status_line(s).substr(0, 39), "synscan: 0:01:05 | 500/1000 sent 100.0%");
}

TEST(Status, RateCappedShowsOnTheLineAndInJson) {
  StatusSnapshot s = sample();
  EXPECT_EQ(nlohmann::json::parse(format_status_json(s))["rate_capped"], false);
  s.rate_capped = true;
  EXPECT_NE(format_status_line(s).find("| 100 pps (mean 100, rate capped) |"), std::string::npos)
      << format_status_line(s);
  EXPECT_EQ(nlohmann::json::parse(format_status_json(s))["rate_capped"], true);
}

TEST(Status, SendingCappedOnlyWhenClearlyBelowAFastAskedRate) {
  EXPECT_TRUE(sending_capped(329'571, 100'000'000, 3));
  EXPECT_TRUE(sending_capped(80'000, 100'000, 2.5));
  EXPECT_FALSE(sending_capped(95'000, 100'000, 5));  // within 10% of the asked rate: pacing jitter
  EXPECT_FALSE(sending_capped(10'000, 100'000, 1));  // start-up
  EXPECT_FALSE(sending_capped(0, 0.5, 10));          // a 1 s sample of 0.5 pps is often 0
  EXPECT_FALSE(sending_capped(500, 999, 10));
}

TEST(Status, PercentNeverPassesHundredAndIsHundredOnlyWhenDone) {
  StatusSnapshot s = sample();
  s.sent = 1500;  // the total is an upper bound (retries owed); never show more than 100
  EXPECT_EQ(s.percent(), 100.0);
  s.sent = 999;
  EXPECT_LT(s.percent(), 100.0);
  s.final = true;
  s.complete = false;
  EXPECT_LT(s.percent(), 100.0);  // an interrupted scan does not claim 100%
  s.complete = true;
  EXPECT_EQ(s.percent(), 100.0);
  s.total = 0;
  s.final = false;
  EXPECT_EQ(s.percent(), 0.0);
}

TEST(Status, JsonObjectParses) {
  StatusSnapshot s = sample();
  s.final = true;
  s.complete = true;
  const auto j = nlohmann::json::parse(format_status_json(s));
  EXPECT_EQ(j["phase"], "done");
  EXPECT_EQ(j["percent"], 100.0);
  EXPECT_EQ(j["sent"], 500);
  EXPECT_EQ(j["total"], 1000);
  EXPECT_EQ(j["pcap_drops"], 1);
}

TEST(Status, JsonCountsEachFamily) {
  StatusSnapshot s = sample();  // 3 open, 497 closed
  s.targets_v4 = 256;
  s.targets_v6 = 16;
  s.open_v6 = 1;
  s.closed_v6 = 40;
  s.filtered_v6 = 2;  // a reader between two stores: more IPv6 than the total; IPv4 is 0, not a wrap-around
  const auto j = nlohmann::json::parse(format_status_json(s));
  EXPECT_EQ(j["ipv4"], nlohmann::json({{"targets", 256}, {"open", 2}, {"closed", 457}, {"filtered", 0}}));
  EXPECT_EQ(j["ipv6"], nlohmann::json({{"targets", 16}, {"open", 1}, {"closed", 40}, {"filtered", 2}}));
  EXPECT_EQ(j["open"], 3);  // the totals stay
}

TEST(Status, StartLineNamesTheFamilies) {
  EXPECT_EQ(format_status_start(256, 16, 3, 1), "synscan: 256 IPv4 + 16 IPv6 targets x 3 ports = 816 probes");
  EXPECT_EQ(format_status_start(256, 0, 3, 1), "synscan: 256 IPv4 targets x 3 ports = 768 probes");
  EXPECT_EQ(format_status_start(0, 65536, 2, 4),
            "synscan: 65536 IPv6 targets x 2 ports = 131072 probes in all shards");
  EXPECT_EQ(format_status_start(256, 16, 3, 1).find('|'), std::string::npos);  // not taken for a status line
  // One of a kind is singular.
  EXPECT_EQ(format_status_start(1, 0, 99, 1), "synscan: 1 IPv4 target x 99 ports = 99 probes");
  EXPECT_EQ(format_status_start(0, 1, 1, 1), "synscan: 1 IPv6 target x 1 port = 1 probe");
}

// A config over `targets` x `ports` (parsed as on the command line).
ScanConfig config_over(const char* targets, const char* ports) {
  AddressRanges t;
  parse_target_list(targets, t);
  ScanConfig c;
  c.space = ProbeSpace(TargetSet(t), PortSet(parse_port_list(ports)));
  return c;
}

// The counts of a finished two-family scan: 198.19.0.0/24 and 2001:2::/124 x 3 ports.
void set_two_family_counts(ScanState& s) {
  s.open = 4;
  s.closed = 740;
  s.filtered = 72;
  s.open_v6 = 1;
  s.closed_v6 = 40;
  s.filtered_v6 = 7;
}

// The summary of a scan of one probe on one send thread: every count of 1 in the singular.
TEST(Report, SummaryCountsOneInTheSingular) {
  const ScanConfig c = config_over("198.19.0.1 2001:2::1", "22");
  ScanState s;
  s.replies_duplicate = 1;
  s.replies_ignored = 1;
  s.replies_late = 1;
  s.window_waits = 1;
  ScanRecord r;
  r.sent_per_level = {1};
  r.window_bytes = 1;
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  print_summary(c, s, r, f);
  std::fclose(f);
  const std::string text(buf, len);
  std::free(buf);
  for (const char* phrase : {"synscan: 1 probe sent in", "synscan: IPv4: 1 target x 1 port = 1 probe;",
                             "; 1 duplicate; 1 reply ignored\n",
                             "in flight: 1 byte (1 send thread); 1 late reply (after --late-replies), 0 for "
                             "other shards; window full 1 "
                             "time\n"}) {
    EXPECT_NE(text.find(phrase), std::string::npos) << phrase << "\n" << text;
  }
}

TEST(Report, SummaryCountsEachFamilyWhenBothArePresent) {
  const ScanConfig c = config_over("198.19.0.0/24 2001:2::/124", "22,80,443");
  ScanState s;
  set_two_family_counts(s);
  ScanRecord r;
  r.sent_per_level = {816};
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  print_summary(c, s, r, f);
  std::fclose(f);
  const std::string text(buf, len);
  std::free(buf);
  EXPECT_NE(text.find("synscan: results: 4 open, 740 closed, 72 filtered\n"
                      "synscan: IPv4: 256 targets x 3 ports = 768 probes; 3 open, 700 closed, 65 filtered\n"
                      "synscan: IPv6: 16 targets x 3 ports = 48 probes; 1 open, 40 closed, 7 filtered\n"),
            std::string::npos)
      << text;

  // One family: the summary keeps its lines, no per-family ones.
  const ScanConfig v4 = config_over("198.19.0.0/24", "22,80,443");
  f = open_memstream(&buf, &len);
  print_summary(v4, ScanState{}, r, f);
  std::fclose(f);
  const std::string one(buf, len);
  std::free(buf);
  EXPECT_EQ(one.find("IPv4:"), std::string::npos) << one;
}

TEST(Report, MetadataCountsEachFamily) {
  ScanConfig c = config_over("198.19.0.0/24 2001:2::/124", "22,80,443");
  c.shard_count = 2;
  ScanRecord r;
  r.source_ips = {IpAddress::v4(0xC6120001), parse_address("2001:2:0:ff::1")};
  ScanState s;
  set_two_family_counts(s);
  const nlohmann::json m = scan_metadata(c, s, r);
  EXPECT_EQ(m["families"]["ipv4"],
            nlohmann::json({{"targets", 256},
                            {"probes", 768},
                            {"source_ip", "198.18.0.1"},
                            {"results", {{"open", 3}, {"closed", 700}, {"filtered", 65}}}}));
  EXPECT_EQ(m["families"]["ipv6"],
            nlohmann::json({{"targets", 16},
                            {"probes", 48},
                            {"source_ip", "2001:2:0:ff::1"},
                            {"results", {{"open", 1}, {"closed", 40}, {"filtered", 7}}}}));
  // Today's keys stay: the totals, the first source address and the list.
  EXPECT_EQ(m["results"]["open"], 4);
  EXPECT_EQ(m["probes"]["total"], 816);
  EXPECT_EQ(m["options"]["target_count"], 272);
  EXPECT_EQ(m["options"]["source_ip"], "198.18.0.1");
  EXPECT_EQ(m["options"]["source_ips"], nlohmann::json({"198.18.0.1", "2001:2:0:ff::1"}));

  // An IPv6-only scan: the IPv4 family is there, empty.
  const nlohmann::json v6 = scan_metadata(config_over("2001:2::/124", "80"), ScanState{}, ScanRecord{});
  EXPECT_EQ(v6["families"]["ipv4"]["targets"], 0);
  EXPECT_EQ(v6["families"]["ipv4"]["source_ip"], "");
  EXPECT_EQ(v6["families"]["ipv6"]["probes"], 16);
}

// Rates below 1 pps read as such, not "0 pps" (the summary printed "(0 pps)" at --rate 0.5).
TEST(Status, SlowRatesAreNotZero) {
  EXPECT_EQ(format_pps(0), "0");
  EXPECT_EQ(format_pps(0.5), "0.5");
  EXPECT_EQ(format_pps(0.0012), "0.0012");
  EXPECT_EQ(format_pps(2.5), "2.5");
  EXPECT_EQ(format_pps(9.96), "10");
  EXPECT_EQ(format_pps(99.6), "100");
  EXPECT_EQ(format_pps(1234567.4), "1234567");
  StatusSnapshot s = sample();
  s.pps = 0.5;
  s.mean_pps = 0.25;
  EXPECT_NE(format_status_line(s).find("| 0.5 pps (mean 0.25) |"), std::string::npos)
      << format_status_line(s);
  const auto j = nlohmann::json::parse(format_status_json(s));
  EXPECT_EQ(j["pps"], 0.5);
  EXPECT_EQ(j["mean_pps"], 0.25);

  ScanConfig c;
  c.rate_pps = 0.5;
  ScanState state;
  ScanRecord r;
  r.send_s = 8;
  r.sent_per_level = {4};
  std::FILE* out = std::tmpfile();
  print_summary(c, state, r, out);
  std::rewind(out);
  char line[256] = {};
  ASSERT_NE(std::fgets(line, sizeof line, out), nullptr);
  EXPECT_EQ(std::string(line).substr(0, 44), "synscan: 4 probes sent in 8.00 s (0.5 pps); ");
  std::fclose(out);
}

// Retries are interleaved with the new probes: one progress, whose total is the new probes plus the retries
// still owed; an answered probe owes none, so the total shrinks as replies come.
TEST(Status, ProgressCountsTheRetriesStillOwed) {
  ScanConfig c;
  c.retries = 1;
  c.status = StatusMode::json;
  ScanState state;
  state.frames_planned = 2 * 768;  // 768 probes, each at most twice
  state.sent = 768;                // the new probes are out; 756 were answered
  state.replies_by_reason[0][2] = 700;
  state.replies_by_reason[0][1] = 56;
  std::FILE* out = std::tmpfile();
  {
    StatusReporter status(c, state, {}, out);
    status.finish(false);  // prints the line of this moment
  }
  std::rewind(out);
  char line[1024] = {};
  ASSERT_NE(std::fgets(line, sizeof line, out), nullptr);
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["passes"], 1);
  EXPECT_EQ(j["sent"], 768);
  EXPECT_EQ(j["total"], 768 + 12);
  EXPECT_LT(j["percent"].get<double>(), 100.0);
  std::fclose(out);
}

TEST(Report, MetadataHasTheDocumentedKeys) {
  ScanConfig c;
  c.space = ProbeSpace(TargetSet(std::vector<Interval>{{0xC6130000, 0xC61300FF}}), PortSet({22, 80, 81}));
  c.seed = 42;
  c.outputs = {{"scan.xml", "xml"}};
  ScanState s;
  s.open = 5;
  s.replies_by_reason[0][1] = 5;  // syn-ack
  s.replies_late = 3;
  s.replies_other_shard = 2;
  s.window_waits = 1;
  ScanRecord r;
  r.window_bytes = 4096;
  r.start_ms = 1767225600000;
  r.end_ms = 1767225610000;
  r.send_s = 8;
  r.sent_per_level = {768, 10};
  r.interface = "veth0";
  r.source_ips = {IpAddress::v4(0xC6120001)};
  const nlohmann::json m = scan_metadata(c, s, r);
  EXPECT_EQ(m["seed"], 42);
  EXPECT_EQ(m["start"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(m["duration_s"], 10.0);
  EXPECT_EQ(m["probes"]["sent"], 778);
  EXPECT_EQ(m["probes"]["sent_per_pass"], nlohmann::json::array({768, 10}));
  EXPECT_EQ(m["mean_pps"], 778.0 / 8);
  EXPECT_EQ(m["options"]["targets"], "198.19.0.0-198.19.0.255");
  EXPECT_EQ(m["options"]["ports"], "22,80-81");
  EXPECT_EQ(m["options"]["source_ip"], "198.18.0.1");
  EXPECT_EQ(m["options"]["outputs"][0]["format"], "xml");
  EXPECT_EQ(m["results"]["open"], 5);
  EXPECT_EQ(m["replies"]["syn_ack"], 5);
  EXPECT_EQ(m["replies"]["late"], 3);
  EXPECT_EQ(m["replies"]["other_shard"], 2);
  EXPECT_EQ(m["window"]["bytes"], 4096);
  EXPECT_EQ(m["window"]["waits"], 1);
  EXPECT_EQ(m["options"]["late_replies_s"], defaults::kLateRepliesS);
  EXPECT_EQ(m["options"]["retry_delay_s"], defaults::kRetryDelayS);
  for (const char* key : {"synscan_version", "command_line", "end", "interrupted", "drops", "captured"}) {
    EXPECT_TRUE(m.contains(key)) << key;
  }
}

// --rate auto: the line shows the rate asked now, the controller's state and the reply ratio; the JSON the
// same (reply_ratio null before the first window); a fixed rate's line is unchanged.
TEST(Status, RateAutoShowsItsRateStateAndRatio) {
  StatusSnapshot s = sample();
  EXPECT_EQ(format_status_line(s).find("rate auto"), std::string::npos);
  const auto fixed = nlohmann::json::parse(format_status_json(s));
  EXPECT_EQ(fixed["rate_mode"], "fixed");
  EXPECT_TRUE(fixed["reply_ratio"].is_null());
  s.rate_auto = true;
  s.rate_pps = 52822;
  s.rate_state = "probing up";
  s.reply_ratio = 0.31234;
  EXPECT_NE(format_status_line(s).find("| 100 pps (mean 100) | rate auto 52822 pps, probing up, 0.312 "
                                       "replies/probe | ETA"),
            std::string::npos)
      << format_status_line(s);
  const auto j = nlohmann::json::parse(format_status_json(s));
  EXPECT_EQ(j["rate_mode"], "auto");
  EXPECT_EQ(j["rate_pps"], 52822);
  EXPECT_EQ(j["rate_state"], "probing up");
  EXPECT_NEAR(j["reply_ratio"].get<double>(), 0.3123, 1e-4);
}

// --metadata's rate: the mode, the history as [seconds, pps] pairs, the state, and the fixed rate's warning.
TEST(Report, MetadataRecordsTheRateOverTime) {
  ScanConfig c;
  c.space = ProbeSpace(TargetSet(std::vector<Interval>{{0xC6130000, 0xC61300FF}}), PortSet({80}));
  c.rate_auto = true;
  c.rate_pps = 50000;
  ScanState s;
  s.rate_state = static_cast<std::uint8_t>(RateState::holding);
  s.reply_ratio = 0.5;
  ScanRecord r;
  r.rate_history = {{0, 1000}, {0.3, 2000}, {1.5, 1700}};
  const nlohmann::json m = scan_metadata(c, s, r)["rate"];
  EXPECT_EQ(m["mode"], "auto");
  EXPECT_EQ(m["max_pps"], 50000.0);
  EXPECT_EQ(m["history"], nlohmann::json::parse("[[0,1000],[0.3,2000],[1.5,1700]]"));
  EXPECT_EQ(m["state"], "holding");
  EXPECT_EQ(m["reply_ratio"], 0.5);
  EXPECT_TRUE(m["loss_warning"].is_null());
  c.rate_auto = false;
  r.loss_warning = "warning: the replies per probe fell";
  const nlohmann::json f = scan_metadata(c, s, r)["rate"];
  EXPECT_EQ(f["mode"], "fixed");
  EXPECT_EQ(f["asked_pps"], 50000.0);
  EXPECT_EQ(f["loss_warning"], "warning: the replies per probe fell");
}

}  // namespace
}  // namespace synscan
