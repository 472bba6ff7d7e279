#pragma once
// Two network namespaces a test creates and removes itself: "near" (the scanner's side, where lookups run)
// and "far" (the peer). Names are unique per run (PID and a random number), so parallel runs and leftovers of
// a killed run never collide. Nothing here sends a packet: set-up is `ip` commands run in the namespaces, and
// code under test runs in a helper thread that has joined the near namespace with setns(CLONE_NEWNET), which
// affects that thread only.
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

namespace synscan::testing_netns {

/// Runs a shell command quietly; true when it exited 0.
inline bool run(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

/// Runs a command and returns its standard output.
inline std::string output_of(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  std::string out;
  if (!pipe) return out;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof(buffer), pipe.get())) out.append(buffer, n);
  return out;
}

class NetnsPair {
 public:
  /// Creates the two namespaces, named PREFIX-PID-RANDOM-near and -far, or returns nullptr and says why in
  /// `why` (not root, or `ip netns add` failed).
  static std::unique_ptr<NetnsPair> create(const std::string& prefix, std::string& why) {
    if (::geteuid() != 0) {
      why = "not root";
      return nullptr;
    }
    std::random_device random;
    const std::string base =
        prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(random() % 100000);
    std::unique_ptr<NetnsPair> pair(new NetnsPair(base + "-near", base + "-far"));
    if (!run("ip netns add " + pair->near_)) {
      why = "`ip netns add` failed";
      return nullptr;
    }
    pair->near_made_ = true;
    if (!run("ip netns add " + pair->far_)) {
      why = "`ip netns add` failed";
      return nullptr;
    }
    pair->far_made_ = true;
    return pair;
  }

  NetnsPair(const NetnsPair&) = delete;
  NetnsPair& operator=(const NetnsPair&) = delete;
  ~NetnsPair() {
    if (near_made_) run("ip netns del " + near_);
    if (far_made_) run("ip netns del " + far_);
  }

  /// Runs every command in order; on the first failure returns false with `why` naming it.
  template <typename Steps>
  static bool run_all(const Steps& steps, std::string& why) {
    for (const std::string& step : steps) {
      if (!run(step)) {
        why = "lab set-up step failed: " + step;
        return false;
      }
    }
    return true;
  }

  /// One field of `ip -j link show DEV` in namespace `ns`.
  static nlohmann::json link_field(const std::string& ns, const std::string& dev, const std::string& field) {
    auto links = nlohmann::json::parse(output_of("ip -n " + ns + " -j link show dev " + dev));
    return links.at(0).at(field);
  }

  /// Runs `fn` in a thread that has joined the near namespace; returns its result or rethrows its exception.
  template <typename Fn>
  auto in_near(Fn fn) const -> decltype(fn()) {
    std::optional<decltype(fn())> result;
    std::exception_ptr error;
    std::thread worker([&] {
      try {
        const std::string path = "/var/run/netns/" + near_;
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) throw std::runtime_error("cannot join " + path);
        ::close(fd);
        result.emplace(fn());
      } catch (...) {
        error = std::current_exception();
      }
    });
    worker.join();
    if (error) std::rethrow_exception(error);
    return std::move(*result);
  }

  const std::string& near() const { return near_; }
  const std::string& far() const { return far_; }
  /// "ip -n NEAR " and "ip -n FAR ": command prefixes.
  std::string ip_near() const { return "ip -n " + near_ + " "; }
  std::string ip_far() const { return "ip -n " + far_ + " "; }

 private:
  NetnsPair(std::string near, std::string far) : near_(std::move(near)), far_(std::move(far)) {}
  std::string near_, far_;
  bool near_made_ = false, far_made_ = false;
};

}  // namespace synscan::testing_netns
