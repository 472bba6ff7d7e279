#pragma once
// SipHash-1-3 SYN cookies, 8 at a time in AVX2 registers: the same arithmetic as SynCookie::operator()
// (Aumasson & Bernstein, "SipHash: a fast short-input PRF", INDOCRYPT 2012, section 2, with c = 1, d = 3),
// one 64-bit lane per probe, two 4-lane registers per state word so that two independent chains overlap.
//
// Why it pays: a SipRound is 4 adds, 4 xors and 6 rotations. AVX2 has no 64-bit rotate, so rotations by 13,
// 17 and 21 take a shift, a shift and an or; the rotations by 16 and 32 are one byte or dword shuffle. That
// is 20 vector instructions per round for 4 probes (5 per probe) against 14 scalar ones per probe.
//
// Compiled with __attribute__((target("avx2"))) only; callers check cpu_has_avx2() first (SynCookie does it
// once, at construction), so the binary still runs on x86-64 CPUs without AVX2, and elsewhere the functions
// are stubs that do nothing.
#include <cstddef>
#include <cstdint>

#include "engine/cookie.hpp"
#include "engine/cpu_features.hpp"

namespace synscan {

/// Writes out[i] = the cookie of src_ip:(ports[i] & 0xFFFF) -> dst_ip[i]:(ports[i] >> 16) (host byte order)
/// under the key whose start state is `start`, for i in [0, k) with k = n rounded down to a multiple of 8,
/// and returns k; the caller does the rest with the scalar code. Precondition: cpu_has_avx2(). Returns 0
/// where AVX2 code is not compiled in.
std::size_t siphash13_cookies_avx2(const SipHashStart& start, Ipv4 src_ip, const Ipv4* dst_ip,
                                   const std::uint32_t* ports, std::size_t n, std::uint32_t* out) noexcept;

}  // namespace synscan
