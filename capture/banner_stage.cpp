#include "capture/banner_stage.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <string>
#include <vector>

#include "capture/banner_tls.hpp"
#include "engine/banner/http_response.hpp"
#include "engine/banner/identify.hpp"
#include "engine/clock.hpp"

namespace synscan {
namespace {

constexpr std::int64_t kNsPerS = 1'000'000'000;
constexpr std::int64_t kQuietNs = kNsPerS / 2;  // an answer whose end its bytes cannot tell ends this late
constexpr std::int64_t kMaxGreetWaitNs = 2 * kNsPerS;  // a `generic` port's wait for a greeting, at most
constexpr std::int64_t kSweepNs = 10'000'000;          // timers are checked this often
// The stage's clock advances at most this much between two looks at it (a loop iteration waits 10 ms at
// most): time beyond it is a stall, when this thread was not scheduled (it runs at nice 10, so a busy machine
// stalls it for 100s of ms) or was busy with other connections, and counts against no connection's deadline.
constexpr std::int64_t kMaxStepNs = 50'000'000;
constexpr std::uint64_t kWakeKey = ~std::uint64_t{0};
constexpr std::uint32_t kSpareFds = 64;  // descriptors kept free for the rest of the process
constexpr int kStageNice = 10;
// Ports whose TLS service speaks first inside TLS (smtps, ftps, telnets, imaps, pop3s): no GET there.
constexpr std::uint16_t kTlsGreetingPorts[] = {465, 990, 992, 993, 995};

enum class Phase : std::uint8_t { free, connecting, open };

struct Conn {
  int fd = -1;
  std::uint32_t gen = 0;
  Phase phase = Phase::free;
  Result result;
  std::unique_ptr<Banner> banner;
  BannerProbe hello = BannerProbe::none;
  std::int64_t deadline_ns = 0;
  std::int64_t greet_ns = 0;    // when a generic probe is due, 0 when none is
  std::int64_t last_rx_ns = 0;  // last answer byte, 0 before the first
  std::string out;              // bytes waiting for the socket
  std::string wire;             // TLS: the first bytes received, kept for a handshake that fails
  std::size_t wire_bytes = 0;   // TLS: every byte received
  std::unique_ptr<TlsClient> tls;
  bool retried = false;
  bool watching_out = false;
};

}  // namespace

class BannerStage::Loop {
 public:
  Loop(const BannerOptions& o, BannerExchange& exchange, ScanState& state)
      : o_(o), exchange_(exchange), state_(state) {
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    evfd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epfd_ < 0 || evfd_ < 0)
      throw std::runtime_error(std::string("banner stage: ") + std::strerror(errno));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kWakeKey;
    epoll_ctl(epfd_, EPOLL_CTL_ADD, evfd_, &ev);
    concurrency_ = std::max<std::uint32_t>(1, std::min(o.concurrency, descriptor_budget()));
    conns_.resize(concurrency_);
    for (std::uint32_t i = concurrency_; i-- > 0;) free_.push_back(i);
    greet_wait_ns_ =
        std::min<std::int64_t>(kMaxGreetWaitNs, static_cast<std::int64_t>(o.timeout_s * 1e9 / 2));
    exchange_.set_wakeup([fd = evfd_] {
      const std::uint64_t one = 1;
      [[maybe_unused]] ssize_t n = write(fd, &one, sizeof one);
    });
  }
  ~Loop() {
    exchange_.set_wakeup({});
    close(epfd_);
    close(evfd_);
  }

  void wake() const noexcept {
    const std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(evfd_, &one, sizeof one);
  }
  void request_stop() noexcept {
    stop_.store(true, std::memory_order_release);
    wake();
  }

  // The loop, then shutdown(). An exception (OpenSSL out of memory) ends the stage, not the scan: one line
  // on stderr, and every banner not taken comes back not_done.
  void run() {
    try {
      loop();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "synscan: the banner stage stopped: %s\n", e.what());
    }
    shutdown();
  }

 private:
  void loop() {
    std::vector<Result> intake;
    epoll_event events[256];
    std::int64_t last_sweep = clock();
    while (!stop_.load(std::memory_order_acquire)) {
      tick();
      intake.clear();
      exchange_.take_submitted(intake);
      if (!intake.empty()) {
        pending_.insert(pending_.end(), intake.begin(), intake.end());
        state_.banners_queued.fetch_add(intake.size(), std::memory_order_relaxed);
      }
      std::int64_t now = clock();
      start_connections(now);
      const bool rate_waits = !pending_.empty() && active_ < concurrency_;
      const int n = epoll_wait(epfd_, events, 256, rate_waits ? 1 : 10);
      tick();
      for (int i = 0; i < n; ++i) {
        const std::uint64_t key = events[i].data.u64;
        if (key == kWakeKey) {
          std::uint64_t v = 0;
          [[maybe_unused]] ssize_t r = read(evfd_, &v, sizeof v);
          continue;
        }
        Conn& c = conns_[static_cast<std::uint32_t>(key)];
        if (c.phase == Phase::free || c.gen != static_cast<std::uint32_t>(key >> 32)) continue;
        on_event(static_cast<std::uint32_t>(key), c, events[i].events);
      }
      tick();
      now = clock();
      if (now - last_sweep >= kSweepNs) {
        sweep(now);
        last_sweep = now;
      }
    }
  }

  // Connections at once, at most: the soft descriptor limit (raised to the hard one) less a reserve.
  static std::uint32_t descriptor_budget() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1000;
    if (rl.rlim_cur < rl.rlim_max) {
      rl.rlim_cur = rl.rlim_max;
      setrlimit(RLIMIT_NOFILE, &rl);
      getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur > 2 * kSpareFds
               ? static_cast<std::uint32_t>(std::min<rlim_t>(rl.rlim_cur - kSpareFds, 1u << 20))
               : kSpareFds;
  }

  void start_connections(std::int64_t now) {
    const std::int64_t interval = o_.rate > 0 ? static_cast<std::int64_t>(1e9 / o_.rate) : 0;
    while (!pending_.empty() && active_ < concurrency_) {
      if (interval > 0) {
        if (now < next_start_ns_) break;
        next_start_ns_ = std::max(next_start_ns_, now - kNsPerS / 10) + interval;  // a 0.1 s burst at most
      }
      const Result r = pending_.front();
      pending_.pop_front();
      const std::uint32_t idx = free_.back();
      free_.pop_back();
      ++active_;
      Conn& c = conns_[idx];
      c.result = r;
      c.banner = std::make_unique<Banner>();
      c.hello = o_.probes.for_port(r.port);
      c.banner->probe = c.hello;
      c.retried = false;
      c.deadline_ns = now + static_cast<std::int64_t>(o_.timeout_s * 1e9);
      connect_to(idx, c, now);
    }
  }

  std::string host_of(const IpAddress& ip) const {
    if (o_.hostname_of) {
      const std::string_view name = o_.hostname_of(ip);
      if (!name.empty()) return std::string(name);
    }
    return {};
  }

  void connect_to(std::uint32_t idx, Conn& c, std::int64_t now) {
    c.phase = Phase::connecting;
    c.greet_ns = c.last_rx_ns = 0;
    c.out.clear();
    c.wire.clear();
    c.wire_bytes = 0;
    c.tls.reset();
    c.banner->raw.clear();
    c.watching_out = true;
    (void)now;
    sockaddr_storage ss{};
    socklen_t len = 0;
    const int family = c.result.ip.is_v4() ? AF_INET : AF_INET6;
    if (family == AF_INET) {
      auto* sa = reinterpret_cast<sockaddr_in*>(&ss);
      sa->sin_family = AF_INET;
      sa->sin_port = htons(c.result.port);
      sa->sin_addr.s_addr = htonl(c.result.ip.ipv4());
      len = sizeof *sa;
    } else {
      auto* sa = reinterpret_cast<sockaddr_in6*>(&ss);
      sa->sin6_family = AF_INET6;
      sa->sin6_port = htons(c.result.port);
      store_ipv6(c.result.ip.ipv6(), sa->sin6_addr.s6_addr);
      len = sizeof *sa;
    }
    c.fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) return finish(idx, c, BannerStatus::not_done);
    const linger lg{1, 0};  // close with a RST: no TIME_WAIT per banner
    setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS)
      return on_error(idx, c, errno);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
    ev.data.u64 = idx | static_cast<std::uint64_t>(c.gen) << 32;
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, c.fd, &ev) != 0) return finish(idx, c, BannerStatus::not_done);
  }

  void set_out_interest(std::uint32_t idx, Conn& c) {
    const bool want = c.phase == Phase::connecting || !c.out.empty();
    if (want == c.watching_out) return;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | (want ? EPOLLOUT : 0u);
    ev.data.u64 = idx | static_cast<std::uint64_t>(c.gen) << 32;
    epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev);
    c.watching_out = want;
  }

  void on_event(std::uint32_t idx, Conn& c, std::uint32_t events) {
    // A finish or a retry changes the slot's generation: the rest of these events were for the old socket.
    const std::uint32_t gen = c.gen;
    if (c.phase == Phase::connecting) {
      if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) return on_error(idx, c, err);
      on_connected(idx, c);
      if (c.gen != gen) return;
    }
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
      on_readable(idx, c);
      if (c.gen != gen) return;
    }
    if (events & EPOLLOUT) flush(idx, c);
  }

  void on_connected(std::uint32_t idx, Conn& c) {
    c.phase = Phase::open;
    const std::string host = host_of(c.result.ip);
    switch (c.hello) {
      case BannerProbe::none:
      case BannerProbe::automatic:
        break;
      case BannerProbe::generic:
        c.greet_ns = clock() + greet_wait_ns_;
        break;
      case BannerProbe::http:
        c.out = http_request(host.empty() ? host_for_address(c.result.ip) : host, c.result.port, false);
        break;
      case BannerProbe::tls:
        c.tls = std::make_unique<TlsClient>(tls_ctx_, host);
        c.tls->handshake();
        c.tls->take_output(c.out);
        break;
    }
    flush(idx, c);
  }

  void flush(std::uint32_t idx, Conn& c) {
    while (!c.out.empty()) {
      const ssize_t n = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        c.out.erase(0, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) break;
      return on_error(idx, c, n < 0 ? errno : EPIPE);
    }
    set_out_interest(idx, c);
  }

  void on_readable(std::uint32_t idx, Conn& c) {
    char buf[16384];
    std::string& raw = c.banner->raw;
    for (;;) {
      const ssize_t n = recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        c.last_rx_ns = clock();
        if (c.tls) {
          c.wire_bytes += static_cast<std::size_t>(n);
          if (c.wire.size() < o_.max_bytes)
            c.wire.append(buf,
                          std::min<std::size_t>(static_cast<std::size_t>(n), o_.max_bytes - c.wire.size()));
          c.tls->feed({buf, static_cast<std::size_t>(n)});
          if (c.wire_bytes > o_.max_bytes + kTlsHandshakeBytes) return finish_with_bytes(idx, c);
          continue;
        }
        raw.append(buf, std::min<std::size_t>(static_cast<std::size_t>(n), o_.max_bytes - raw.size()));
        if (raw.size() >= o_.max_bytes) return finish(idx, c, BannerStatus::ok);
        continue;
      }
      if (n == 0) {
        const std::uint32_t gen = c.gen;
        if (c.tls) drive_tls(idx, c);
        if (c.gen != gen) return;  // finished (or retried) on the way
        return finish_with_bytes(idx, c, BannerStatus::closed);
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINTR) continue;
      return on_error(idx, c, errno);
    }
    if (c.tls) return drive_tls(idx, c);
    if (greeting_complete(raw)) finish(idx, c, BannerStatus::ok);
  }

  void drive_tls(std::uint32_t idx, Conn& c) {
    TlsClient& t = *c.tls;
    if (!t.done()) {
      if (!t.handshake()) {
        if (t.failed()) return finish_with_bytes(idx, c);  // not TLS, or refused: keep what it sent
        t.take_output(c.out);
        return flush(idx, c);
      }
      c.banner->tls = t.info();
      const bool greets = std::find(std::begin(kTlsGreetingPorts), std::end(kTlsGreetingPorts),
                                    c.result.port) != std::end(kTlsGreetingPorts);
      if (greets) {
        c.greet_ns = clock() + greet_wait_ns_;
      } else {
        const std::string host = host_of(c.result.ip);
        t.write_plain(http_request(host.empty() ? host_for_address(c.result.ip) : host, c.result.port, true));
      }
    }
    const bool open = t.read_plain(c.banner->raw, o_.max_bytes);
    t.take_output(c.out);
    if (!open || c.banner->raw.size() >= o_.max_bytes || greeting_complete(c.banner->raw))
      return finish(idx, c, BannerStatus::ok);
    flush(idx, c);
  }

  // The server sent what it will send (EOF, a failed handshake, a limit): ok with bytes, else `empty`.
  void finish_with_bytes(std::uint32_t idx, Conn& c, BannerStatus empty = BannerStatus::closed) {
    if (c.tls && !c.tls->done()) c.banner->raw = c.wire;  // what a non-TLS (or refusing) server said
    finish(idx, c, c.banner->raw.empty() ? empty : BannerStatus::ok);
  }

  void on_error(std::uint32_t idx, Conn& c, int err) {
    const bool connecting = c.phase == Phase::connecting;
    if (connecting && err == ECONNREFUSED) return finish(idx, c, BannerStatus::refused);
    if (connecting && err != ECONNRESET)
      return finish(idx, c, BannerStatus::timeout);  // unreachable, timed out
    const bool nothing = c.banner->raw.empty() && c.wire_bytes == 0;
    if (nothing && !c.retried) {  // one retry on a reset before a byte arrived
      close_fd(c);
      ++c.gen;
      c.retried = true;
      return connect_to(idx, c, clock());
    }
    finish_with_bytes(idx, c, BannerStatus::reset);
  }

  void sweep(std::int64_t now) {
    for (std::uint32_t idx = 0; idx < conns_.size(); ++idx) {
      Conn& c = conns_[idx];
      if (c.phase == Phase::free) continue;
      if (now >= c.deadline_ns) {
        // Expired only if the socket has nothing for us now: bytes (or the connect's outcome) that arrived
        // while this thread was busy or not scheduled are the service's answer, not its silence.
        if (const std::uint32_t ready = ready_events(c)) {
          on_event(idx, c, ready);
          continue;  // finished, or the next sweep decides with the bytes read
        }
        if (c.phase == Phase::connecting) {
          finish(idx, c, BannerStatus::timeout);
        } else {
          finish_with_bytes(idx, c, BannerStatus::silent);
        }
        continue;
      }
      if (c.phase != Phase::open) continue;
      const bool got = !c.banner->raw.empty();
      if (c.greet_ns != 0 && now >= c.greet_ns && !got && (!c.tls || c.tls->done())) {
        // Quiet after the greeting wait: the generic probe, a GET (the most common silent service).
        c.greet_ns = 0;
        c.banner->probe = BannerProbe::generic;
        const std::string host = host_of(c.result.ip);
        const std::string get = http_request(host.empty() ? host_for_address(c.result.ip) : host,
                                             c.result.port, c.tls != nullptr);
        if (c.tls) {
          c.tls->write_plain(get);
          c.tls->take_output(c.out);
        } else {
          c.out += get;
        }
        flush(idx, c);
        continue;
      }
      if (got && now - c.last_rx_ns >= kQuietNs) finish(idx, c, BannerStatus::ok);
    }
  }

  // The stage's clock, ns: CLOCK_MONOTONIC (or BannerOptions::clock_ns) less the stalls tick() found.
  std::int64_t clock() const { return real_ns() - stalled_ns_; }
  std::int64_t real_ns() const { return o_.clock_ns ? o_.clock_ns() : monotonic_ns(); }
  // Counts a step of the real clock longer than kMaxStepNs since the last tick as a stall.
  void tick() {
    const std::int64_t real = real_ns();
    if (last_real_ns_ != 0 && real - last_real_ns_ > kMaxStepNs)
      stalled_ns_ += real - last_real_ns_ - kMaxStepNs;
    last_real_ns_ = real;
  }

  // What a connection's socket has now (a zero-timeout poll), as epoll events; 0 when nothing.
  static std::uint32_t ready_events(const Conn& c) {
    pollfd p{c.fd, static_cast<short>(c.phase == Phase::connecting ? POLLOUT : POLLIN), 0};
    if (c.fd < 0 || poll(&p, 1, 0) <= 0) return 0;
    std::uint32_t ev = 0;
    if (p.revents & POLLIN) ev |= EPOLLIN;
    if (p.revents & POLLOUT) ev |= EPOLLOUT;
    if (p.revents & POLLERR) ev |= EPOLLERR;
    if (p.revents & POLLHUP) ev |= EPOLLHUP;
    return ev;
  }

  void close_fd(Conn& c) {
    if (c.fd >= 0) close(c.fd);  // also leaves the epoll set
    c.fd = -1;
  }

  void finish(std::uint32_t idx, Conn& c, BannerStatus status) {
    close_fd(c);
    Banner& b = *c.banner;
    b.status = status;
    const bool in_tls = c.tls && c.tls->done();
    if (!b.raw.empty()) {
      b.service = identify_service(b.raw, c.result.port);
      b.http = parse_http_response(b.raw);
    } else if (!in_tls && is_tcpwrapped(status, b.raw)) {
      b.service = ServiceInfo{"tcpwrapped", "", "", false};
    }
    if (in_tls) {
      if (b.service.name.empty() || b.service.name == "ssl") {
        b.service = ServiceInfo{"ssl", "", "", false};
      } else {
        b.service.tunnel_ssl = true;
      }
    }
    switch (status) {
      case BannerStatus::timeout:
        state_.banners_timeout.fetch_add(1, std::memory_order_relaxed);
        break;
      case BannerStatus::silent:
        state_.banners_silent.fetch_add(1, std::memory_order_relaxed);
        break;
      case BannerStatus::refused:
        state_.banners_refused.fetch_add(1, std::memory_order_relaxed);
        break;
      case BannerStatus::reset:
        state_.banners_reset.fetch_add(1, std::memory_order_relaxed);
        break;
      case BannerStatus::not_done:
        state_.banners_not_done.fetch_add(1, std::memory_order_relaxed);
        break;
      default:
        break;
    }
    state_.banners_done.fetch_add(1, std::memory_order_relaxed);
    exchange_.finish({c.result, std::move(c.banner)});
    c.tls.reset();
    c.out.clear();
    c.out.shrink_to_fit();
    c.wire.clear();
    c.wire.shrink_to_fit();
    c.phase = Phase::free;
    ++c.gen;
    free_.push_back(idx);
    --active_;
  }

  void shutdown() {
    for (std::uint32_t idx = 0; idx < conns_.size(); ++idx)
      if (conns_[idx].phase != Phase::free) finish(idx, conns_[idx], BannerStatus::not_done);
    std::vector<Result> rest;
    exchange_.take_submitted(rest);
    pending_.insert(pending_.end(), rest.begin(), rest.end());
    state_.banners_queued.fetch_add(rest.size(), std::memory_order_relaxed);
    for (const Result& r : pending_) {
      auto b = std::make_unique<Banner>();
      b->status = BannerStatus::not_done;
      b->probe = o_.probes.for_port(r.port);
      state_.banners_done.fetch_add(1, std::memory_order_relaxed);
      state_.banners_not_done.fetch_add(1, std::memory_order_relaxed);
      exchange_.finish({r, std::move(b)});
    }
    pending_.clear();
    exchange_.close();
  }

  BannerOptions o_;
  BannerExchange& exchange_;
  ScanState& state_;
  TlsContext tls_ctx_;
  int epfd_ = -1, evfd_ = -1;
  std::uint32_t concurrency_ = 1;
  std::uint32_t active_ = 0;
  std::int64_t greet_wait_ns_ = 0;
  std::int64_t next_start_ns_ = 0;
  std::int64_t last_real_ns_ = 0, stalled_ns_ = 0;  // tick(): the real clock's last look, stalls so far
  std::vector<Conn> conns_;
  std::vector<std::uint32_t> free_;
  std::deque<Result> pending_;
  std::atomic<bool> stop_{false};
};

BannerStage::BannerStage(const BannerOptions& options, BannerExchange& exchange, ScanState& state)
    : loop_(std::make_unique<Loop>(options, exchange, state)), exchange_(exchange) {
  thread_ = std::jthread([this] {
    pthread_setname_np(pthread_self(), "synscan-banner");
    // Behind the send threads when CPUs are short: the SYN scan must not slow for banners (raising one's own
    // nice value needs no privilege; Linux keeps it per thread).
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kStageNice);
    loop_->run();
  });
}

BannerStage::~BannerStage() { stop(); }

bool BannerStage::wait_idle(const std::atomic<bool>& stop, double limit_s) {
  const std::int64_t end = limit_s > 0 ? monotonic_ns() + static_cast<std::int64_t>(limit_s * 1e9) : 0;
  int idle_checks = 0;
  while (idle_checks < 2) {  // twice, 10 ms apart: the aggregator may still be taking the last verdicts
    if (stop.load()) return false;
    if (end != 0 && monotonic_ns() >= end) return false;
    idle_checks = exchange_.all_finished() ? idle_checks + 1 : 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

void BannerStage::stop() noexcept {
  if (!thread_.joinable()) return;
  loop_->request_stop();
  thread_.join();
}

}  // namespace synscan
