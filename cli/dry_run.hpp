#pragma once
#include <cstdio>
#include <string>

#include "cli/scan_config.hpp"
#include "engine/scan_state.hpp"

namespace synscan {

/// --dry-run: writes every probe of this shard (config.plan.shard()) as "IP PORT\n" in send order (the send
/// threads' interleaving equals the shard's position order), sending nothing and needing no privileges. Stops
/// early when `state.stop` is set. With `config.count_only` (--count) writes only the number of probes of
/// this shard, one line, computed without walking anything. Returns the number of probes written (or
/// counted). Throws std::runtime_error "cannot write NAME: REASON" when `out` fails (`out_name` names it,
/// e.g. "output 'probes.txt'"); a reader gone from a pipe ends it quietly.
std::uint64_t run_dry_run(const ScanConfig& config, ScanState& state, std::FILE* out,
                          const std::string& out_name = "standard output");

}  // namespace synscan
