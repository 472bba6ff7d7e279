#pragma once
// The words about synscan as a whole that --help, the man page (--help-man) and README share: the usage
// lines, what a TARGET is, and the exit status. One definition here; --help and the man page print it, and
// tests/scripts/test_docs_agree.sh checks that README says the same.
#include <string_view>

namespace synscan {

/// The usage lines: --help's first lines, the man page's SYNOPSIS.
inline constexpr std::string_view kUsageLines[] = {
    "synscan [options] TARGET...",
    "synscan merge [-o FILE] [--format FMT] FILE...",
};

/// What a TARGET is (after "TARGET: ").
inline constexpr std::string_view kTargetText =
    "an address, a CIDR block a.b.c.d/n, a range a.b.c.d-e.f.g.h or a hostname; several, or comma-separated.";

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
