#pragma once
#include <cstdio>

#include "cli/scan_config.hpp"
#include "engine/scan_state.hpp"

namespace synscan {

/// --dry-run: writes every probe of this shard (config.plan.shard()) as "IP PORT\n" in send order (the send
/// threads' interleaving equals the shard's position order), sending nothing and needing no privileges. Stops
/// early when `state.stop` is set, and quietly when the reader goes away (EPIPE). With `config.count_only`
/// (--count) writes only the number of probes of this shard, one line, computed without walking anything.
/// Returns the number of probes written (or counted). Throws std::runtime_error when `out` fails.
std::uint64_t run_dry_run(const ScanConfig& config, ScanState& state, std::FILE* out);

}  // namespace synscan
