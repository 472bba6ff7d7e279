// Per-result cost of each output format, IPv4 against IPv6 results: what a scan with --show all pays for
// every probe when it writes the filtered ones at the end. Writers render into /dev/null (a character device,
// so the XML writer streams one <host> per result and keeps nothing); the results are prepared outside the
// timed loop.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "engine/output/writer.hpp"
#include "engine/probes/tcp_validator.hpp"

namespace synscan {
namespace {

constexpr std::size_t kResults = 4096;  // a power of two: the loop indexes with a mask

// kResults results of one family, addresses spread like a scan's (198.19.x.y, 2001:2:0:x::y), states mixed.
std::vector<Result> make_results(Family family) {
  std::vector<Result> out(kResults);
  for (std::size_t i = 0; i < kResults; ++i) {
    Result& r = out[i];
    r.index = i;
    r.ip = family == Family::ipv4
               ? IpAddress::v4(0xC6130000 | static_cast<Ipv4>(i * 7919 % 65536))
               : IpAddress::v6(make_ipv6(0x2001'0002'0000'0000ULL | (i % 256), i * 7919 % 65536));
    r.port = static_cast<std::uint16_t>(1 + i % 1024);
    r.state = i % 3 == 0 ? PortState::open : i % 3 == 1 ? PortState::closed : PortState::filtered;
    r.reason = r.state == PortState::open     ? tcp_reason::syn_ack
               : r.state == PortState::closed ? tcp_reason::rst
                                              : Reason::no_response;
    r.ttl = 64;
    r.extra = r.state == PortState::open ? 64240 : 0;  // the TCP window
    r.ts_ms = 1767225600000 + static_cast<std::int64_t>(i);
  }
  return out;
}

void BM_Write(benchmark::State& state, const char* format, Family family) {
  const std::vector<Result> results = make_results(family);
  const ServiceNames services = ServiceNames::load();
  ScanInfo info;
  info.version = "0.1.0";
  info.probed = {{0, "1-1024", 1024}};  // the TCP SYN module
  info.command_line = "bench";
  info.services = &services;
  std::FILE* sink = std::fopen("/dev/null", "w");
  std::unique_ptr<ResultWriter> writer = make_writer(format, sink);
  writer->begin(info);
  std::size_t i = 0;
  for (auto _ : state) {
    writer->write(results[i++ & (kResults - 1)]);
  }
  writer->end({});
  std::fclose(sink);
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_CAPTURE(BM_Write, list_v4, "list", Family::ipv4);
BENCHMARK_CAPTURE(BM_Write, list_v6, "list", Family::ipv6);
BENCHMARK_CAPTURE(BM_Write, ndjson_v4, "ndjson", Family::ipv4);
BENCHMARK_CAPTURE(BM_Write, ndjson_v6, "ndjson", Family::ipv6);
BENCHMARK_CAPTURE(BM_Write, csv_v4, "csv", Family::ipv4);
BENCHMARK_CAPTURE(BM_Write, csv_v6, "csv", Family::ipv6);
BENCHMARK_CAPTURE(BM_Write, grepable_v4, "grepable", Family::ipv4);
BENCHMARK_CAPTURE(BM_Write, grepable_v6, "grepable", Family::ipv6);
BENCHMARK_CAPTURE(BM_Write, xml_v4, "xml", Family::ipv4);
BENCHMARK_CAPTURE(BM_Write, xml_v6, "xml", Family::ipv6);

// The address text alone: a dotted quad fits std::string's inline buffer, RFC 5952 text may not.
void BM_FormatAddress(benchmark::State& state, Family family) {
  const std::vector<Result> results = make_results(family);
  std::size_t i = 0;
  for (auto _ : state) {
    std::string text = format_address(results[i++ & (kResults - 1)].ip);
    benchmark::DoNotOptimize(text);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_CAPTURE(BM_FormatAddress, v4, Family::ipv4);
BENCHMARK_CAPTURE(BM_FormatAddress, v6, Family::ipv6);

}  // namespace
}  // namespace synscan
