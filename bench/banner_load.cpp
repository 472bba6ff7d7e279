// The banner stage's throughput (scripts/bench-banner-throughput.sh): hands the stage N open results at once
// (198.19.0.1 upward, one port) and measures how fast their banners come back, the CPU it took and the memory
// per connection. Not a Google Benchmark: it needs a lab (a banner server behind every address,
// bench/banner_sink.cpp), the way scripts/bench-tx.sh drives its tx_limit.
// Usage: synscan_banner_load N PORT CONCURRENCY [TIMEOUT_S]
// Prints one line: banners, seconds, banners_per_s, cpu_s (this process: the stage's thread and this driver),
// cpu_us_per_banner, rss_base_kib (before the stage), rss_mid_kib (half way), rss_peak_kib (VmHWM),
// rss_per_conn_bytes ((peak - base) / CONCURRENCY), tcp_mem_kib_mid (/proc/net/sockstat's TCP mem half way:
// the kernel's TCP buffers, counted machine-wide, so both ends of each lab connection) and the statuses.
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "capture/banner_stage.hpp"

namespace {

long status_kib(const char* key) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key, 0) == 0) return std::atol(line.c_str() + std::strlen(key));
  }
  return 0;
}

long sockstat_tcp_mem() {
  std::ifstream in("/proc/net/sockstat");
  for (std::string line; std::getline(in, line);) {
    const auto at = line.find(" mem ");
    if (line.rfind("TCP:", 0) == 0 && at != std::string::npos) return std::atol(line.c_str() + at + 5);
  }
  return 0;
}

double cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace synscan;
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s N PORT CONCURRENCY [TIMEOUT_S]\n", argv[0]);
    return 2;
  }
  const std::uint64_t n = std::strtoull(argv[1], nullptr, 10);
  const auto port = static_cast<std::uint16_t>(std::atoi(argv[2]));
  BannerOptions o;
  o.concurrency = static_cast<std::uint32_t>(std::atoi(argv[3]));
  o.timeout_s = argc > 4 ? std::atof(argv[4]) : 5;
  o.probes = parse_banner_probe_spec("none");  // the sink greets: read only, as an SSH port
  ScanState state;
  BannerExchange exchange;
  // Results are handed over as a scan finds them: at most 2 x CONCURRENCY outstanding, the banners taken
  // back every 10 ms (as the aggregator thread does), so that the memory measured is the stage's.
  const long rss_base = status_kib("VmRSS:");
  const double cpu0 = cpu_s();
  const auto t0 = std::chrono::steady_clock::now();
  long tcp_mem_mid = 0, rss_mid = 0;
  std::map<std::string_view, std::uint64_t> statuses;
  std::uint64_t submitted = 0, finished = 0;
  std::vector<FinishedBanner> done;
  {
    BannerStage stage(o, exchange, state);
    while (finished < n) {
      while (submitted < n && submitted - finished < 2ull * o.concurrency) {
        Result r;
        r.ip = IpAddress::v4(0xC6130001 + static_cast<Ipv4>(submitted));  // 198.19.0.1 upward
        r.port = port;
        r.state = PortState::open;
        exchange.submit(r);
        ++submitted;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      exchange.take_finished(done);
      for (const FinishedBanner& f : done) ++statuses[to_string(f.banner->status)];
      finished += done.size();
      done.clear();
      if (tcp_mem_mid == 0 && finished >= n / 2) {
        tcp_mem_mid = sockstat_tcp_mem();
        rss_mid = status_kib("VmRSS:");
      }
    }
    stage.stop();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = cpu_s() - cpu0;
  const long rss_peak = status_kib("VmHWM:");
  std::ostringstream st;
  for (const auto& [k, v] : statuses) st << " " << k << "=" << v;
  std::printf(
      "banners=%llu seconds=%.3f banners_per_s=%.0f cpu_s=%.3f cpu_us_per_banner=%.1f rss_base_kib=%ld "
      "rss_mid_kib=%ld rss_peak_kib=%ld rss_per_conn_bytes=%.0f tcp_mem_kib_mid=%ld concurrency=%u%s\n",
      static_cast<unsigned long long>(finished), seconds, static_cast<double>(finished) / seconds, cpu,
      cpu * 1e6 / static_cast<double>(n), rss_base, rss_mid, rss_peak,
      static_cast<double>(rss_peak - rss_base) * 1024.0 / o.concurrency, tcp_mem_mid * 4, o.concurrency,
      st.str().c_str());
  return statuses["ok"] == n ? 0 : 1;
}
