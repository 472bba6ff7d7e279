// A server of banners for scripts/bench-banner-throughput.sh: listens on PORT (0.0.0.0 and [::]), and for
// every connection writes one greeting line at once ("SSH-2.0-bench_1.0\r\n" unless given), then waits for
// the client to close. One thread, non-blocking sockets and epoll, so that it is not the bottleneck of the
// banner stage it serves. Run inside a lab's target namespace, where 198.19.0.0/16 is a local route: every
// (address, port) the stage connects to is a distinct connection to this one listener. Prints the connections
// served on SIGTERM/SIGINT. Usage: synscan_banner_sink PORT [GREETING]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

volatile sig_atomic_t g_stop = 0;

int listen_on(int family, std::uint16_t port) {
  const int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage ss{};
  socklen_t len;
  if (family == AF_INET6) {
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    len = sizeof *a;
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, 65535) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PORT [GREETING]\n", argv[0]);
    return 2;
  }
  const auto port = static_cast<std::uint16_t>(std::atoi(argv[1]));
  std::string greeting = argc > 2 ? argv[2] : "SSH-2.0-bench_1.0";
  greeting += "\r\n";
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  struct sigaction sa {};
  sa.sa_handler = [](int) { g_stop = 1; };
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  const int ep = epoll_create1(EPOLL_CLOEXEC);
  const int listeners[2] = {listen_on(AF_INET, port), listen_on(AF_INET6, port)};
  if (listeners[0] < 0) {
    std::fprintf(stderr, "banner_sink: cannot listen on %u: %s\n", port, std::strerror(errno));
    return 1;
  }
  for (const int l : listeners) {
    if (l < 0) continue;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = l;
    epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
  }
  std::printf("ready\n");
  std::fflush(stdout);
  unsigned long long served = 0;
  epoll_event events[512];
  while (!g_stop) {
    const int n = epoll_wait(ep, events, 512, 100);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listeners[0] || fd == listeners[1]) {
        for (;;) {
          const int c = accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (c < 0) break;
          ++served;
          send(c, greeting.data(), greeting.size(), MSG_NOSIGNAL);
          epoll_event ev{};
          ev.events = EPOLLIN | EPOLLRDHUP;
          ev.data.fd = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
        }
        continue;
      }
      char buf[4096];
      const ssize_t r = recv(fd, buf, sizeof buf, 0);
      if (r <= 0 && !(r < 0 && errno == EAGAIN)) close(fd);  // the client closed (a RST from the stage)
    }
  }
  std::printf("served %llu\n", served);
  return 0;
}
