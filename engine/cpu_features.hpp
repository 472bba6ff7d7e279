#pragma once
// Run-time CPU feature checks for the code paths compiled with __attribute__((target(...))): the binary stays
// plain x86-64 and picks the faster path once, at set-up.

/// Marks a helper of an AVX2 code path: compiled for AVX2 whatever the build's target, and always inlined
/// into its AVX2 caller (a call across the target boundary would not inline). Call only behind
/// cpu_has_avx2().
#define SYNSCAN_AVX2 __attribute__((target("avx2"), always_inline)) inline

namespace synscan {

/// True when the CPU runs AVX2 code (x86-64 only; false elsewhere). Cached after the first call; safe to call
/// from static initialisers and from several threads.
bool cpu_has_avx2() noexcept;

}  // namespace synscan
