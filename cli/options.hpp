#pragma once
// The command line: one Boost.Program_options description, parsed into one immutable ScanConfig.
#include <iosfwd>
#include <optional>
#include <string>

#include "cli/scan_config.hpp"
#include "cli/usage_error.hpp"

namespace synscan {

/// What the command line asks for: a scan (config set), or help/version already printed to `out` (config
/// empty).
struct CommandLine {
  std::optional<ScanConfig> config;
};

/// Parses argv into a ScanConfig, or prints --help / --version to `out`. Throws UsageError for any bad token,
/// missing value, unknown option, or inconsistent combination.
CommandLine parse_command_line(int argc, const char* const* argv, std::ostream& out);

}  // namespace synscan
