#pragma once
// The last step of building a ScanConfig, which every scan runs (cli/options.cpp calls it once the options
// are parsed): the plan of slices, the implied options, the windows of probes in flight, the effective
// options, and for a resumed scan the resume point and where its files go.
#include "cli/resume.hpp"

namespace synscan {

struct ScanConfig;

/// The last step of building a ScanConfig: builds the plan (ScanPlan), applies --rate auto's implied
/// --retries (defaults::kAutoRetries, unless --retries is given), plans the windows (engine/probe_window.hpp;
/// UsageError when they exceed --max-memory, unless a dry run), records the effective options (with the seed
/// in use), and for a resumed scan checks the file against the config, sets the resume point, and appends to
/// the stopped run's output files (line formats: list, ndjson, grepable) or, for formats that cannot be
/// appended to, writes resumed_path(PATH) instead of overwriting what the stopped run wrote. The same for the
/// stopped run's
/// --metadata (its own document per run: resumed_path) and --pcap-out (appended:
/// ScanConfig::pcap_out_append). Throws UsageError on a mismatch.
void finish_config(ScanConfig& c, const OptionSources& sources);

}  // namespace synscan
