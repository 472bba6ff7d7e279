#!/usr/bin/env bash
# Builds the receive-path fuzzer (tests/fuzz/fuzz_reply.cpp) with libFuzzer + ASan + UBSan straight from the engine
# sources it needs (no CMake), then runs it for SECONDS (default 60) seeded with tests/fuzz/corpus.
# New corpus entries go to build/fuzz/corpus (the committed seeds are never modified); crash inputs are saved as
# build/fuzz/crash-*. Exits non-zero if the build fails or the fuzzer finds a crash, leak or property violation.
# Usage: scripts/fuzz.sh [SECONDS] [extra libFuzzer flags...]
set -euo pipefail

seconds="${1:-60}"
shift || true
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${root}/build/fuzz"
mkdir -p "${out}/corpus"
cxx="${CXX_FUZZ:-clang++}"

"${cxx}" -std=c++20 -O1 -g -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"${root}" ${FUZZ_CXXFLAGS:-} \
  "${root}/tests/fuzz/fuzz_reply.cpp" \
  "${root}/engine/reply_parser.cpp" \
  "${root}/engine/reply_parser_ipv6.cpp" \
  "${root}/engine/reply_validator.cpp" \
  "${root}/engine/target_set.cpp" \
  "${root}/engine/port_set.cpp" \
  "${root}/engine/cookie.cpp" \
  "${root}/engine/siphash_avx2.cpp" \
  "${root}/engine/cpu_features.cpp" \
  -lsodium -o "${out}/fuzz_reply"

# -max_len 4096: every header path (4 VLAN tags, 60-byte IPv4 and TCP headers, ICMP and ICMPv6 quotes, a chain of
# 8 IPv6 extension headers, any single one at its longest, 2 KiB) fits, and short inputs keep the fuzzer fast; pass
# -max_len=65600 after SECONDS to also try full 64 KiB datagrams (and 8 headers of 2 KiB each).
exec "${out}/fuzz_reply" -max_total_time="${seconds}" -max_len=4096 -print_final_stats=1 \
  -artifact_prefix="${out}/" "$@" "${out}/corpus" "${root}/tests/fuzz/corpus"
