#include "engine/scan_state.hpp"

#include <sys/resource.h>

namespace synscan {

std::uint64_t thread_cpu_ns() noexcept {
  rusage u{};
  if (getrusage(RUSAGE_THREAD, &u) != 0) return 0;
  const auto ns = [](const timeval& t) {
    return static_cast<std::uint64_t>(t.tv_sec) * 1'000'000'000U +
           static_cast<std::uint64_t>(t.tv_usec) * 1000U;
  };
  return ns(u.ru_utime) + ns(u.ru_stime);
}

}  // namespace synscan
