// Write errors of outputs: every one names the file and the system's reason, the first warns once while the
// other outputs go on (or stops the scan when none is left), and the end reports every output that failed.
// /dev/full (ENOSPC on every write) and a pipe without reader (EPIPE) stand for a full disk and a reader
// gone.
#include "cli/outputs.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "cli/dry_run.hpp"
#include "cli/report.hpp"
#include "engine/probes/tcp_validator.hpp"
#include "tests/unit/cli_test_util.hpp"

namespace synscan {
namespace {

std::string read_all(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string text;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) text.append(buffer, n);
  return text;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Result open_port(std::uint16_t port) {
  Result r;
  r.port = port;
  r.state = PortState::open;
  r.reason = tcp_reason::syn_ack;
  return r;
}

// Enough results to overflow any stdio buffer, so that writes fail before the final flush too.
void write_many(const std::vector<ResultWriter*>& writers, int count) {
  for (int i = 0; i < count; ++i) {
    for (ResultWriter* w : writers) w->write(open_port(static_cast<std::uint16_t>(i)));
  }
  for (ResultWriter* w : writers) w->flush();
}

TEST(Outputs, AFullDiskNamesTheFileWarnsOnceAndTheOtherOutputGoesOn) {
  std::FILE* warn = std::tmpfile();
  const std::string good = test::write_temp_file("outputs_good.json", "");
  Outputs outputs(std::vector<OutputSpec>{{"/dev/full", "ndjson"}, {good, "json"}});
  std::atomic<bool> stop{false};
  outputs.watch(stop, warn);
  ScanInfo info;
  info.probed = {{0, "80", 1}};
  for (ResultWriter* w : outputs.writers()) w->begin(info);
  write_many(outputs.writers(), 5000);
  write_many(outputs.writers(), 5000);
  EXPECT_TRUE(outputs.any_failed());
  EXPECT_FALSE(outputs.all_failed());
  EXPECT_EQ(read_all(warn),
            "synscan: warning: cannot write output '/dev/full': No space left on device; the other outputs "
            "go on\n");
  EXPECT_FALSE(stop);
  EXPECT_EQ(outputs.end(ScanTotals{}), "cannot write output '/dev/full': No space left on device");
  // The other output got every result and was closed valid.
  const nlohmann::json doc = nlohmann::json::parse(read_file(good));
  EXPECT_EQ(doc.size(), 10000u);
  std::fclose(warn);
  std::remove(good.c_str());
}

// Few bytes, all still in the stdio buffer at the end: the error shows only at end() (it was exit 1 without
// the file's name or the reason).
TEST(Outputs, AnErrorAtTheLastFlushIsReportedByEnd) {
  std::FILE* warn = std::tmpfile();
  Outputs outputs(std::vector<OutputSpec>{{"/dev/full", "xml"}});
  std::atomic<bool> stop{false};
  outputs.watch(stop, warn);
  ScanInfo info;
  info.probed = {{0, "80", 1}};
  for (ResultWriter* w : outputs.writers()) w->begin(info);
  outputs.writers()[0]->write(open_port(80));
  EXPECT_EQ(outputs.end(ScanTotals{}), "cannot write output '/dev/full': No space left on device");
  EXPECT_TRUE(outputs.all_failed());
  EXPECT_EQ(read_all(warn), "");  // end() reports it; no warning on top
  std::fclose(warn);
}

// synscan merge calls end() on its one writer: the error comes out of it, naming the file.
TEST(Outputs, EndOfAFailedWriterThrowsNamingTheFile) {
  Outputs outputs(std::vector<OutputSpec>{{"/dev/full", "list"}});
  ResultWriter* w = outputs.writers()[0];
  w->begin(ScanInfo{});
  w->write(open_port(22));
  try {
    w->end(ScanTotals{});
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "cannot write output '/dev/full': No space left on device");
  }
}

TEST(Outputs, APipeWithoutReaderIsBrokenPipe) {
  std::signal(SIGPIPE, SIG_IGN);  // as synscan does (cli/signals.cpp)
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[0]);
  const std::string path = "/dev/fd/" + std::to_string(fds[1]);
  std::FILE* warn = std::tmpfile();
  {
    Outputs outputs(std::vector<OutputSpec>{{path, "list"}});
    std::atomic<bool> stop{false};
    outputs.watch(stop, warn);
    ScanInfo info;
    info.probed = {{0, "80", 1}};
    for (ResultWriter* w : outputs.writers()) w->begin(info);
    write_many(outputs.writers(), 1);
    EXPECT_TRUE(outputs.all_failed());
    EXPECT_TRUE(stop);  // the only output is gone: the scan stops
    EXPECT_EQ(outputs.end(ScanTotals{}), "cannot write output '" + path + "': Broken pipe");
  }
  EXPECT_EQ(read_all(warn), "synscan: warning: cannot write output '" + path +
                                "': Broken pipe; no output can take results any more: stopping the scan\n");
  std::fclose(warn);
  ::close(fds[1]);
}

// `synscan ... | head -1`: once head is gone, the scan learns it without writing (no result may come for
// long).
TEST(Outputs, AReaderGoneIsSeenWithoutAWrite) {
  std::signal(SIGPIPE, SIG_IGN);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const std::string path = "/dev/fd/" + std::to_string(fds[1]);
  std::FILE* warn = std::tmpfile();
  const std::string other = test::write_temp_file("outputs_other.txt", "");
  {
    Outputs outputs(std::vector<OutputSpec>{{path, "list"}, {other, "list"}});
    std::atomic<bool> stop{false};
    outputs.watch(stop, warn);
    outputs.check_readers();
    EXPECT_FALSE(outputs.any_failed());  // the reader is still there
    ::close(fds[0]);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));  // past the 100 ms between checks
    outputs.check_readers();
    EXPECT_TRUE(outputs.any_failed());
    EXPECT_FALSE(stop);  // the file output goes on
    EXPECT_EQ(outputs.end(ScanTotals{}), "cannot write output '" + path + "': Broken pipe");
  }
  EXPECT_EQ(read_all(warn),
            "synscan: warning: cannot write output '" + path + "': Broken pipe; the other outputs go on\n");
  std::fclose(warn);
  ::close(fds[1]);
  std::remove(other.c_str());
}

TEST(Outputs, WhatWorksStaysQuiet) {
  std::FILE* warn = std::tmpfile();
  const std::string path = test::write_temp_file("outputs_ok.txt", "");
  Outputs outputs(std::vector<OutputSpec>{{path, "list"}});
  std::atomic<bool> stop{false};
  outputs.watch(stop, warn);
  ScanInfo info;
  info.probed = {{0, "80", 1}};
  for (ResultWriter* w : outputs.writers()) w->begin(info);
  write_many(outputs.writers(), 3);
  outputs.check_readers();  // a regular file has no reader to lose
  EXPECT_FALSE(stop);
  EXPECT_EQ(outputs.end(ScanTotals{}), "");
  EXPECT_FALSE(outputs.any_failed());
  EXPECT_EQ(read_all(warn), "");
  EXPECT_EQ(read_file(path).size(), 3 * std::string("open tcp 0 0.0.0.0\n").size());
  std::fclose(warn);
  std::remove(path.c_str());
}

TEST(Outputs, StandardOutputIsNamedSo) {
  EXPECT_EQ(output_name("-"), "standard output");
  EXPECT_EQ(output_name("a.xml"), "output 'a.xml'");
}

TEST(Outputs, DryRunAndCountNameTheFile) {
  std::FILE* full = std::fopen("/dev/full", "w");
  ASSERT_NE(full, nullptr);
  const ScanConfig probes = test::config_of({"198.18.0.0/16", "-p", "80", "--dry-run"});
  ScanState state;
  EXPECT_THROW(
      {
        try {
          run_dry_run(probes, state, full, "output '/dev/full'");
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "cannot write output '/dev/full': No space left on device");
          throw;
        }
      },
      std::runtime_error);
  std::clearerr(full);
  const ScanConfig count = test::config_of({"198.18.0.0/16", "-p", "80", "--count"});
  EXPECT_THROW(
      {
        try {
          run_dry_run(count, state, full, "standard output");
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "cannot write standard output: No space left on device");
          throw;
        }
      },
      std::runtime_error);
  std::fclose(full);
}

TEST(Outputs, MetadataNamesTheFileAndTheReason) {
  MetadataFile metadata("/dev/full");
  try {
    metadata.write(nlohmann::json{{"a", std::string(10000, 'x')}});
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "cannot write metadata '/dev/full': No space left on device");
  }
}

}  // namespace
}  // namespace synscan
