#pragma once
// The words about synscan as a whole that --help, the man page (--help-man) and README share: the usage
// lines, what a TARGET is, and the exit status. One definition here; --help and the man page print it, and
// tests/scripts/test_docs_agree.sh checks that README says the same.
#include <fmt/format.h>

#include <string>
#include <string_view>

#include "cli/defaults.hpp"

namespace synscan {

/// The usage lines: --help's first lines, the man page's SYNOPSIS.
inline constexpr std::string_view kUsageLines[] = {
    "synscan [options] TARGET...",
    "synscan merge [-o FILE] [--format FMT] FILE...",
};

/// What a TARGET is (after "TARGET: ").
inline constexpr std::string_view kTargetText =
    "an IPv4 or IPv6 address, a prefix (198.19.0.0/16, 2001:db8::/120), a range of one family "
    "(a.b.c.d-e.f.g.h, 2001:db8::1-2001:db8::ff) or a hostname (A and AAAA records; -4 or -6 for one); "
    "several, "
    "or comma-separated. Both families mix in one scan; a scan is at most 2^48 probes (addresses x ports).";

/// What `--rate auto` does: --help's and the man page's --rate entry and README's --rate row say it in these
/// words (tests/unit/defaults_test.cpp checks the three).
inline std::string rate_auto_text() {
  return fmt::format(
      "auto: the fastest rate the path carries, found while scanning: from {} pps, doubled while the replies "
      "per probe hold, lowered when they fall, probed upward now and then; auto:MAX caps it; --retries {} "
      "unless given",
      defaults::kAutoStartPps, defaults::kAutoRetries);
}

/// One exit status and what it means.
struct ExitStatusText {
  int code;
  std::string_view meaning;
};

/// Every exit status synscan has (cli/main.cpp maps errors to them).
inline constexpr ExitStatusText kExitStatuses[] = {
    {0,
     "success; also a scan stopped by SIGINT, SIGTERM or --max-runtime, whose outputs are whole and whose "
     "resume file says where it stopped"},
    {1,
     "the environment failed: no route, no permission, an output that cannot be written, a file that cannot "
     "be read, no DNS server answering (one line naming the file or interface and the system's reason)"},
    {2,
     "bad input: one line naming the bad token, e.g. \"synscan: bad port '70000' in --ports (...)\", or a "
     "hostname that does not exist"},
};

}  // namespace synscan
