#include "capture/link_wait.hpp"

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "engine/clock.hpp"

namespace synscan {

LinkWait::LinkWait(std::string interface, double bound_s, std::FILE* notes)
    : interface_(std::move(interface)), bound_ns_(static_cast<std::int64_t>(bound_s * 1e9)), notes_(notes) {}

bool LinkWait::wait(const SendError& e, const std::atomic<bool>& stop) {
  if (stop.load(std::memory_order_relaxed)) return false;
  if (!e.link_gone()) {
    record(fmt::format("sending on {}: {}", interface_, e.what()));
    return false;
  }
  const std::int64_t now = monotonic_ns();
  std::int64_t since = 0;
  if (!down_since_ns_.compare_exchange_strong(since, now)) {
    if (now - since >= bound_ns_) {
      record(fmt::format("link {} down for more than {:g} s: {}", interface_,
                         static_cast<double>(bound_ns_) / 1e9, e.what()));
      return false;
    }
  }
  if (!noted_.exchange(true)) {
    fmt::print(notes_, "\nsynscan: link {} down ({}), waiting up to {:g} s for it to come back\n", interface_,
               e.what(), static_cast<double>(bound_ns_) / 1e9);
    std::fflush(notes_);
  }
  for (int i = 0; i < 10 && !stop.load(std::memory_order_relaxed); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return !stop.load(std::memory_order_relaxed);
}

void LinkWait::came_back() noexcept {
  const std::int64_t since = down_since_ns_.exchange(0);
  if (since == 0 || !noted_.exchange(false)) return;
  fmt::print(notes_, "\nsynscan: link {} back up after {:.1f} s, the scan goes on\n", interface_,
             static_cast<double>(monotonic_ns() - since) / 1e9);
  std::fflush(notes_);
}

void LinkWait::fail(const SendError& e) {
  record(e.link_gone() ? fmt::format("link {} down: {}", interface_, e.what())
                       : fmt::format("sending on {}: {}", interface_, e.what()));
}

void LinkWait::record(std::string text) {
  std::lock_guard lock(mutex_);
  if (failed_.load()) return;
  failure_ = std::move(text);
  failed_.store(true);
}

std::optional<std::string> LinkWait::failure() const {
  std::lock_guard lock(mutex_);
  if (!failed_.load()) return std::nullopt;
  return failure_;
}

}  // namespace synscan
