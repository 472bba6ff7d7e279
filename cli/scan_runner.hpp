#pragma once
#include "cli/scan_config.hpp"
#include "engine/scan_state.hpp"

namespace synscan {

/// Runs a real scan, and only wires its parts: resolves the route, builds the probe module, opens the
/// outputs, the capture (capturing before the first probe) and the transmitters, drops privileges, starts the
/// receive thread (capture/receive_thread.hpp), the aggregator thread (engine/aggregate_thread.hpp) and the
/// status line, runs the send threads (capture/senders.hpp), waits --wait seconds for late replies, stops the
/// threads, reports unanswered probes as filtered or writes a resume file (cli/resume.hpp), closes the
/// outputs and prints a summary on stderr. A stop request (SIGINT/SIGTERM) ends sending, waits at most 1 s
/// for replies in flight, and closes the outputs valid with what was found. Returns the exit code. Throws
/// std::runtime_error (exit 1) when the environment fails: no route, no permission, an output that cannot be
/// written.
int run_scan(const ScanConfig& config, ScanState& state);

}  // namespace synscan
