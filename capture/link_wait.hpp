#pragma once
// What a send thread does when its transmitter fails (C-N30). A link that goes down (cable, Wi-Fi, a VPN
// interface flapping, `ip link set IFACE down`) makes every backend's send fail with ENETDOWN, ENXIO, ENODEV
// or EIO: the senders wait for it, up to a bound, and go on where they were when it comes back. Any other
// send error, or a link still down at the bound, ends the scan the way a stop request does (outputs closed
// whole, resume file written, summary) and then exits 1 with one line naming the interface and the error.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>

#include "capture/transmitter.hpp"

namespace synscan {

/// Shared by every send thread of a scan; thread-safe.
class LinkWait {
 public:
  /// `interface` names the link in messages; `bound_s` (> 0) is how long a link may stay down; notes (down,
  /// back up) go to `notes`.
  LinkWait(std::string interface, double bound_s, std::FILE* notes = stderr);

  /// A send thread's transmitter threw `e`. If the link is gone (SendError::link_gone) and has been gone for
  /// less than the bound (counted from the first such error after the last successful send of any thread),
  /// notes the outage once on `notes`, sleeps up to 100 ms (less once `stop` is set) and returns true: send
  /// the same frames again. Otherwise records the failure (the first one of the scan is kept) and returns
  /// false: the thread ends as on a stop request. Also returns false, recording nothing, once `stop` is set.
  bool wait(const SendError& e, const std::atomic<bool>& stop);

  /// A send went through: the link is up. Notes the end of an outage it noted. Cheap (one relaxed load) when
  /// no outage is going on: called after every batch.
  void sent() noexcept {
    if (down_since_ns_.load(std::memory_order_relaxed) != 0) came_back();
  }

  /// Records `e` as the scan's send failure (e.g. from Transmitter::flush), unless one is recorded already.
  void fail(const SendError& e);

  /// The recorded failure: "link IFACE down for more than 10 s: sendmmsg: Network is down" or "sending on
  /// IFACE: ...", or nullopt.
  std::optional<std::string> failure() const;

  /// True once a failure is recorded.
  bool failed() const noexcept { return failed_.load(std::memory_order_relaxed); }

 private:
  void came_back() noexcept;
  void record(std::string text);

  std::string interface_;
  std::int64_t bound_ns_;
  std::FILE* notes_;
  std::atomic<std::int64_t> down_since_ns_{
      0};                           // monotonic_ns() of the outage's first error; 0: the link is up
  std::atomic<bool> noted_{false};  // the outage was announced
  std::atomic<bool> failed_{false};
  mutable std::mutex mutex_;
  std::string failure_;  // guarded by mutex_
};

}  // namespace synscan
