#pragma once
// The banner stage (--banners): a second stage after the SYN scan that connects to each open port through the
// kernel's TCP stack, says the hello the port needs (engine/banner/hello.hpp), reads the answer within a
// time and byte limit, names the service (engine/banner/identify.hpp) and hands the result back to the
// aggregator thread, which writes it (engine/banner/banner_exchange.hpp). One thread, non-blocking sockets
// and epoll, both families; started after the privilege drop (connect needs no capability). The SYN scan
// never waits for it: the aggregator only queues open results.
//
// Deadlines run on the stage's own clock, which does not advance while the stage cannot act: a step of the
// monotonic clock longer than 50 ms between two looks (a loop iteration waits 10 ms at most) is a stall (the
// thread runs at nice 10 and a busy machine leaves it unscheduled for 100s of ms, or it was busy with other
// connections) and moves every deadline by the excess. And a deadline counts only if the socket has nothing
// then: a zero-timeout poll just before declaring a connection timed out or silent reads what arrived
// meanwhile. A busy scanner is not a silent server (issue 23).
//
// Per connection, enforced in the loop: --banner-timeout from the connect's start to the end (the connect,
// the greeting wait, the answer), --banner-max-bytes of answer (plus up to kTlsHandshakeBytes of TLS
// handshake), a greeting wait of min(2 s, timeout / 2) before a `generic` port gets its GET, and an end 0.5 s
// after the last byte when the answer's end cannot be told from its bytes. At most --banner-concurrency
// connections at a time, started at most --banner-rate a second; each open port connected once, plus one
// retry when the connection is reset before a byte arrived. Sockets close with SO_LINGER 0 (a RST: no
// TIME_WAIT left behind at thousands of connections a second).
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <thread>

#include "engine/banner/banner_exchange.hpp"
#include "engine/banner/hello.hpp"
#include "engine/scan_state.hpp"

namespace synscan {

/// The stage's options (cli/ fills them from --banner-*).
struct BannerOptions {
  BannerProbeSpec probes;            ///< --banner-probe
  std::uint32_t concurrency = 1000;  ///< --banner-concurrency: open connections at most
  double rate = 0;                   ///< --banner-rate: connections started per second; 0 = no limit
  double timeout_s = 5;              ///< --banner-timeout: seconds per connection, connect included
  std::uint32_t max_bytes = 4096;    ///< --banner-max-bytes: answer bytes kept (and read) per connection
  /// The hostname a target was given as, or "" (SNI and the Host header); may be empty.
  std::function<std::string_view(const IpAddress&)> hostname_of;
  /// Tests only: the monotonic clock the stage reads, nanoseconds (empty: CLOCK_MONOTONIC). A test makes it
  /// jump to play a stall.
  std::function<std::int64_t()> clock_ns;
};

/// TLS handshake bytes a server may send beyond --banner-max-bytes (a certificate chain).
inline constexpr std::size_t kTlsHandshakeBytes = 64 * 1024;

/// Runs the stage on its own thread ("synscan-banner") from construction until stop(). Counts into `state`
/// (banners_*). `exchange` and `state` must outlive it. Throws std::runtime_error when epoll, the eventfd or
/// OpenSSL cannot be set up.
class BannerStage {
 public:
  BannerStage(const BannerOptions& options, BannerExchange& exchange, ScanState& state);
  ~BannerStage();
  BannerStage(const BannerStage&) = delete;
  BannerStage& operator=(const BannerStage&) = delete;

  /// Waits until every result submitted so far has its banner, or `stop` is set, or `limit_s` seconds have
  /// passed (0: no limit). Returns true when everything finished.
  bool wait_idle(const std::atomic<bool>& stop, double limit_s = 0);

  /// Ends the stage: connections still open and results still queued finish as BannerStatus::not_done.
  /// Idempotent. After it, every submitted result is back in the exchange.
  void stop() noexcept;

 private:
  class Loop;
  std::unique_ptr<Loop> loop_;
  BannerExchange& exchange_;
  std::jthread thread_;
};

}  // namespace synscan
