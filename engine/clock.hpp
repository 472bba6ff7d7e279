#pragma once
// The one clock the scan's loops share: CLOCK_MONOTONIC in nanoseconds. Every pacing, deadline and interval
// (the send schedule, the status line, the banner stage, the transmitters' waits, the capture's timers) reads
// it, so their times compare.
#include <time.h>

#include <cstdint>

namespace synscan {

/// Nanoseconds of CLOCK_MONOTONIC (since an unspecified start, never going back; it does not count suspend).
inline std::int64_t monotonic_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace synscan
