#include "cli/signals.hpp"

#include <csignal>

namespace synscan {
namespace {

// The only global state: a signal handler can reach nothing else.
std::atomic<std::atomic<bool>*> g_stop{nullptr};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");
static_assert(std::atomic<std::atomic<bool>*>::is_always_lock_free, "read from a signal handler");

void on_signal(int sig) {
  std::atomic<bool>* stop = g_stop.load();
  if (stop == nullptr || stop->exchange(true)) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
  }
}

}  // namespace

void install_stop_signals(std::atomic<bool>& stop) {
  g_stop.store(&stop);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe surfaces as a write error, not a silent death
}

}  // namespace synscan
