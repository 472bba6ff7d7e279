// --send-backend: every backend has one name, parsed and printed the same way (the summary and --metadata
// once reported mmap as libnet), and the xdp backend's ring and UMEM bookkeeping (capture/xdp_ring.hpp).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "capture/transmitter.hpp"
#include "capture/xdp_ring.hpp"
#include "cli/options.hpp"
#include "cli/report.hpp"
#include "cli_test_util.hpp"

namespace synscan {
namespace {

std::string usage_error(const std::vector<std::string>& args) {
  try {
    test::parse_args(args);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SendBackend, EveryNameParsesBackToItsBackend) {
  std::set<std::string_view> names;
  for (SendBackend b : kSendBackends) {
    EXPECT_EQ(parse_send_backend(send_backend_name(b)), b);
    names.insert(send_backend_name(b));
  }
  EXPECT_EQ(names, (std::set<std::string_view>{"auto", "sendmmsg", "mmap", "xdp", "libnet"}));
  EXPECT_EQ(parse_send_backend("XDP"), std::nullopt);
  EXPECT_EQ(parse_send_backend(""), std::nullopt);
}

TEST(SendBackend, OptionSelectsEachBackendAndDefaultsToAuto) {
  const std::vector<std::string> base{"198.51.100.0/30", "--no-default-excludes", "-p", "80", "--dry-run"};
  EXPECT_EQ(test::config_of(base).send_backend, SendBackend::automatic);
  for (const char* name : {"auto", "sendmmsg", "mmap", "xdp", "libnet"}) {
    std::vector<std::string> args = base;
    args.insert(args.end(), {"--send-backend", name});
    EXPECT_EQ(send_backend_name(test::config_of(args).send_backend), name);
  }
}

TEST(SendBackend, UnknownBackendIsNamedWithTheList) {
  EXPECT_EQ(usage_error({"198.51.100.0/30", "-p", "80", "--dry-run", "--send-backend", "af_xdp"}),
            "bad backend 'af_xdp' in --send-backend (backends are auto, sendmmsg, mmap, xdp, libnet)");
}

TEST(SendBackend, XdpWithPcapOutIsRefused) {
  const std::string error =
      usage_error({"198.51.100.0/30", "--no-default-excludes", "-p", "80", "--send-backend", "xdp",
                   "--pcap-out", ::testing::TempDir() + "x.pcap"});
  EXPECT_NE(error.find("--send-backend xdp cannot be used with --pcap-out"), std::string::npos) << error;
  EXPECT_EQ(usage_error({"198.51.100.0/30", "--no-default-excludes", "-p", "80", "--dry-run",
                         "--send-backend", "sendmmsg", "--pcap-out", ::testing::TempDir() + "x.pcap"}),
            "(no error)");
  // auto (the default) takes sendmmsg with --pcap-out instead of refusing.
  EXPECT_EQ(usage_error({"198.51.100.0/30", "--no-default-excludes", "-p", "80", "--dry-run", "--pcap-out",
                         ::testing::TempDir() + "x.pcap"}),
            "(no error)");
}

TEST(SendBackend, AutoIsNotABackendOfItsOwn) {
  EXPECT_THROW(make_transmitter(SendBackend::automatic, "lo", 1), std::invalid_argument);
}

TEST(SendBackend, SummaryAndMetadataSayWhichBackendSentAndWhy) {
  const ScanConfig c = test::config_of({"198.51.100.0/30", "--no-default-excludes", "-p", "80", "--dry-run"});
  ScanRecord r;
  r.send_backend = SendBackend::sendmmsg;
  r.send_backend_fallback = "--send-backend xdp: interface 'tun0' is not Ethernet";
  r.send_errors = 3;
  const nlohmann::json m = scan_metadata(c, ScanState{}, r);
  EXPECT_EQ(m["options"]["send_backend"], "auto");
  EXPECT_EQ(m["sender"]["backend"], "sendmmsg");
  EXPECT_EQ(m["sender"]["fallback"], r.send_backend_fallback);
  EXPECT_EQ(m["sender"]["errors"], 3);

  char* text = nullptr;
  std::size_t size = 0;
  std::FILE* out = open_memstream(&text, &size);
  ASSERT_NE(out, nullptr);
  print_summary(c, ScanState{}, r, out);
  std::fclose(out);
  const std::string summary(text, size);
  std::free(text);
  EXPECT_NE(
      summary.find("synscan: sent through sendmmsg (auto; not xdp: --send-backend xdp: interface 'tun0' "
                   "is not Ethernet); send errors 3\n"),
      std::string::npos)
      << summary;
}

TEST(SendBackend, MetadataNamesTheBackendInUse) {
  for (const char* name : {"mmap", "xdp", "libnet", "sendmmsg"}) {
    const ScanConfig c = test::config_of(
        {"198.51.100.0/30", "--no-default-excludes", "-p", "80", "--dry-run", "--send-backend", name});
    const nlohmann::json m = scan_metadata(c, ScanState{}, ScanRecord{});
    EXPECT_EQ(m["options"]["send_backend"], name);
  }
}

TEST(XskRing, CountsAcrossTheWrapOfTheCounters) {
  EXPECT_EQ(xsk_ring_pending(10, 10), 0u);
  EXPECT_EQ(xsk_ring_free(1024, 10, 10), 1024u);
  EXPECT_EQ(xsk_ring_free(1024, 1034, 10), 0u);
  // The producer has wrapped past 2^32 and the consumer not yet: 16 pending.
  EXPECT_EQ(xsk_ring_pending(6, 0xFFFFFFF6u), 16u);
  EXPECT_EQ(xsk_ring_free(1024, 6, 0xFFFFFFF6u), 1008u);
  EXPECT_EQ(xsk_ring_slot(0xFFFFFFFFu, 1024), 1023u);
  EXPECT_EQ(xsk_ring_slot(0xFFFFFFFFu + 1u, 1024), 0u);
  EXPECT_EQ(xsk_ring_slot(1025, 1024), 1u);
  EXPECT_TRUE(is_power_of_two(1024));
  EXPECT_FALSE(is_power_of_two(0));
  EXPECT_FALSE(is_power_of_two(1000));
}

TEST(UmemChunks, HandsOutEveryChunkOnceAndTakesThemBackInAnyOrder) {
  UmemChunks chunks(4, 2048);
  EXPECT_EQ(chunks.free_count(), 4u);
  std::set<std::uint64_t> taken;
  for (int i = 0; i < 4; ++i) taken.insert(chunks.take());
  EXPECT_EQ(taken, (std::set<std::uint64_t>{0, 2048, 4096, 6144}));
  EXPECT_EQ(chunks.free_count(), 0u);
  EXPECT_EQ(chunks.in_flight(), 4u);
  // Completions come back out of order; each returned chunk is handed out again.
  EXPECT_TRUE(chunks.give(4096));
  EXPECT_TRUE(chunks.give(0));
  EXPECT_EQ(chunks.in_flight(), 2u);
  std::set<std::uint64_t> again{chunks.take(), chunks.take()};
  EXPECT_EQ(again, (std::set<std::uint64_t>{0, 4096}));
  for (std::uint64_t a : {0, 2048, 4096, 6144}) EXPECT_TRUE(chunks.give(a));
  EXPECT_FALSE(chunks.give(0));  // a fifth completion for four chunks is refused, not stored
  EXPECT_EQ(chunks.free_count(), 4u);
}

TEST(UmemChunks, TakesChunksInAddressOrderFromFull) {
  UmemChunks chunks(3, 2048);
  EXPECT_EQ(chunks.take(), 0u);
  EXPECT_EQ(chunks.take(), 2048u);
  EXPECT_EQ(chunks.take(), 4096u);
}

}  // namespace
}  // namespace synscan
