#include "engine/cpu_features.hpp"

namespace synscan {

bool cpu_has_avx2() noexcept {
#if defined(__x86_64__)
  // __builtin_cpu_init: needed when this runs from a static initialiser, before libgcc's own.
  static const bool has = (__builtin_cpu_init(), __builtin_cpu_supports("avx2") != 0);
  return has;
#else
  return false;
#endif
}

}  // namespace synscan
