#pragma once
// Run-time CPU feature checks for the code paths compiled with __attribute__((target(...))): the binary stays
// plain x86-64 and picks the faster path once, at set-up.

namespace synscan {

/// True when the CPU runs AVX2 code (x86-64 only; false elsewhere). Cached after the first call; safe to call
/// from static initialisers and from several threads.
bool cpu_has_avx2() noexcept;

}  // namespace synscan
