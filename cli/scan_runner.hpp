#pragma once
#include "cli/scan_config.hpp"
#include "engine/scan_state.hpp"

namespace synscan {

/// Runs a real scan: resolves the route, opens outputs and the capture (capturing before the first probe), sends
/// every pass, waits --wait seconds for late replies, reports unanswered probes as filtered, closes the outputs and
/// prints a summary on stderr. A stop request (SIGINT/SIGTERM) ends sending, waits at most 1 s for replies in
/// flight, and closes the outputs valid with what was found. Returns the exit code. Throws std::runtime_error
/// (exit 1) when the environment fails: no route, no permission, an output that cannot be written.
int run_scan(const ScanConfig& config, ScanState& state);

}  // namespace synscan
