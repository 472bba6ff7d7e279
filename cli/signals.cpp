#include "cli/signals.hpp"

#include <unistd.h>

#include <csignal>

namespace synscan {
namespace {

// The only global state: a signal handler can reach nothing else.
std::atomic<std::atomic<bool>*> g_stop{nullptr};
std::atomic<int> g_signals{0};     // SIGINT/SIGTERM received so far
std::atomic<bool> g_hurry{false};  // the second one came
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");
static_assert(std::atomic<int>::is_always_lock_free, "counted in a signal handler");
static_assert(std::atomic<std::atomic<bool>*>::is_always_lock_free, "read from a signal handler");

// write(2) is async-signal-safe; fmt and stdio are not. A lost message is not worth an error path here.
template <std::size_t N>
void say(const char (&text)[N]) noexcept {
  [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, text, N - 1);
}

void on_signal(int sig) {
  std::atomic<bool>* stop = g_stop.load();
  const int n = g_signals.fetch_add(1) + 1;
  if (stop == nullptr || n >= 3) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  if (n == 1) {
    stop->store(true);
    say("\nsynscan: stopping: replies in flight still count for up to a second, then every output is closed "
        "(again to skip that wait)\n");
  } else {
    g_hurry.store(true);
    say("\nsynscan: stopping now: not waiting for replies in flight; closing every output (a third signal "
        "kills at once)\n");
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

const std::atomic<bool>& stop_hurried() noexcept { return g_hurry; }

}  // namespace synscan
