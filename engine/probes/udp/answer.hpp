#pragma once
// What a UDP answer says, for the outputs (nmap -sU -sV's <service> element): read on the receive path, so
// without allocation (FixedText), total on any bytes and fuzzed (tests/fuzz/fuzz_udp.cpp).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "engine/answer_info.hpp"
#include "engine/probes/udp/payload.hpp"

namespace synscan::udp {

// FixedText and AnswerInfo are the engine's (engine/answer_info.hpp): the receive queue carries them to the
// aggregator whatever the module.
using synscan::AnswerInfo;
using synscan::FixedText;

/// Fills `out` (cleared first) from `answer`, a UDP payload received in answer to a probe of `kind`. Returns
/// false, with `out` left empty, when the answer is not shaped like a reply of `kind` (echoed_cookie's test)
/// or `kind` is generic (no parser: the caller may name the service from the port). True otherwise, with at
/// least the service set. No allocation, no throw, never reads outside `answer`.
bool describe_answer(AnswerKind kind, std::span<const std::uint8_t> answer, AnswerInfo& out) noexcept;

/// The nmap-services name of `kind`'s service ("domain", ...), empty for generic.
std::string_view service_name(AnswerKind kind) noexcept;

}  // namespace synscan::udp
