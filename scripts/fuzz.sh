#!/usr/bin/env bash
# Builds the three libFuzzer targets with ASan + UBSan straight from the engine sources they need (no CMake) and
# runs them for SECONDS in all (default 60), split 2:1:1:
#   fuzz_reply  (tests/fuzz/fuzz_reply.cpp): the receive path, the packet preprocess, the TCP SYN module's
#               reading (parse_reply) + ReplyValidator, seeded with
#               tests/fuzz/corpus; half of the time;
#   fuzz_banner (tests/fuzz/fuzz_banner.cpp): the --banners parsers (HTTP, greetings, TLS record framing) and
#               the escaping of raw bytes, seeded with tests/fuzz/corpus_banner; a quarter;
#   fuzz_udp    (tests/fuzz/fuzz_udp.cpp): the UDP answer parsers (echoed_cookie, describe_answer of every
#               protocol) and the nmap-payloads / --udp-payload parsers, seeded with tests/fuzz/corpus_udp; a quarter.
# FUZZ_ONLY=reply, banner or udp runs one of them for all of SECONDS.
# New corpus entries go to build/fuzz/corpus, build/fuzz/corpus_banner and build/fuzz/corpus_udp (the committed
# seeds are never modified); crash inputs are saved as build/fuzz/crash-*, build/fuzz/banner-crash-* and
# build/fuzz/udp-crash-*. Exits non-zero if a build fails or a fuzzer finds a crash, leak or property violation.
# Usage: scripts/fuzz.sh [SECONDS] [extra libFuzzer flags...]
set -euo pipefail

seconds="${1:-60}"
shift || true
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${root}/build/fuzz"
mkdir -p "${out}/corpus" "${out}/corpus_banner" "${out}/corpus_udp"
cxx="${CXX_FUZZ:-clang++}"
only="${FUZZ_ONLY:-}"
# shellcheck disable=SC2054  # the commas belong to -fsanitize's value
flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
  -fno-sanitize-recover=undefined -I"${root}")

reply_s=$((seconds / 2))
banner_s=$(((seconds - reply_s) / 2))
udp_s=$((seconds - reply_s - banner_s))
case "${only}" in
  reply) reply_s=${seconds} banner_s=0 udp_s=0 ;;
  banner) reply_s=0 banner_s=${seconds} udp_s=0 ;;
  udp) reply_s=0 banner_s=0 udp_s=${seconds} ;;
  "") ;;
  *) echo "fuzz.sh: FUZZ_ONLY must be reply, banner or udp" >&2; exit 2 ;;
esac

if ((reply_s > 0)); then
  # shellcheck disable=SC2086
  "${cxx}" "${flags[@]}" ${FUZZ_CXXFLAGS:-} \
    "${root}/tests/fuzz/fuzz_reply.cpp" \
    "${root}/engine/packet.cpp" \
    "${root}/engine/packet_ipv6.cpp" \
    "${root}/engine/probes/tcp_reply.cpp" \
    "${root}/engine/probes/tcp_options.cpp" \
    "${root}/engine/probes/tcp_validator.cpp" \
    "${root}/engine/target_set.cpp" \
    "${root}/engine/port_set.cpp" \
    "${root}/engine/cookie.cpp" \
    "${root}/engine/siphash_avx2.cpp" \
    "${root}/engine/cpu_features.cpp" \
    -lsodium -lfmt -o "${out}/fuzz_reply"
  # -max_len 4096: every header path (4 VLAN tags, 60-byte IPv4 and TCP headers, ICMP and ICMPv6 quotes, a chain
  # of 8 IPv6 extension headers, any single one at its longest, 2 KiB) fits, and short inputs keep the fuzzer
  # fast; pass -max_len=65600 after SECONDS to also try full 64 KiB datagrams (and 8 headers of 2 KiB each).
  "${out}/fuzz_reply" -max_total_time="${reply_s}" -max_len=4096 -print_final_stats=1 \
    -artifact_prefix="${out}/" "$@" "${out}/corpus" "${root}/tests/fuzz/corpus"
fi

if ((banner_s > 0)); then
  # shellcheck disable=SC2086
  "${cxx}" "${flags[@]}" ${FUZZ_CXXFLAGS:-} \
    "${root}/tests/fuzz/fuzz_banner.cpp" \
    "${root}/engine/banner/http_response.cpp" \
    "${root}/engine/banner/identify.cpp" \
    "${root}/engine/banner/tls_record.cpp" \
    "${root}/engine/banner/hello.cpp" \
    "${root}/engine/output/escape.cpp" \
    "${root}/engine/address.cpp" \
    "${root}/engine/target_parse.cpp" \
    "${root}/engine/target_set.cpp" \
    -lfmt -o "${out}/fuzz_banner"
  # -max_len 8192: twice the default --banner-max-bytes, what the parsers see at most by default.
  "${out}/fuzz_banner" -max_total_time="${banner_s}" -max_len=8192 -print_final_stats=1 \
    -artifact_prefix="${out}/banner-" "$@" "${out}/corpus_banner" "${root}/tests/fuzz/corpus_banner"
fi

if ((udp_s > 0)); then
  # shellcheck disable=SC2086
  "${cxx}" "${flags[@]}" ${FUZZ_CXXFLAGS:-} \
    "${root}/tests/fuzz/fuzz_udp.cpp" \
    "${root}/engine/probes/udp/payload.cpp" \
    "${root}/engine/probes/udp/echo.cpp" \
    "${root}/engine/probes/udp/answer.cpp" \
    "${root}/engine/probes/udp/answer_dns.cpp" \
    "${root}/engine/probes/udp/nmap_payloads.cpp" \
    -o "${out}/fuzz_udp"
  # -max_len 2048: above every answer the parsers read whole (a UDP answer to our probes fits one 1500-byte frame)
  # and the longest nmap-payloads entry (about 1 KiB of escaped text).
  "${out}/fuzz_udp" -max_total_time="${udp_s}" -max_len=2048 -print_final_stats=1 \
    -artifact_prefix="${out}/udp-" "$@" "${out}/corpus_udp" "${root}/tests/fuzz/corpus_udp"
fi
