#pragma once
// Stopping and resuming a scan (C18). On SIGINT/SIGTERM or --max-runtime the scan driver writes a resume file
// (JSON): the effective options (seed included, so the permutation is the same), the shard, the pass and each
// send thread's position j in its slice (engine/shard.hpp), and, when there are retry passes, which probes
// were answered. `synscan --resume FILE` rebuilds the ScanConfig from those options through the same option
// parser and continues each thread at its j: stopped + resumed send every probe once and report every result
// once.
//
// Filtered-by-silence: a probe is reported filtered (no-response) by the run that sent it for the last time.
// A run stopped in the last pass reports the probes it sent in that pass and got no answer for; the resumed
// run reports only the rest. A run stopped before its last pass reports no silence: the resumed run's later
// passes decide.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/config_file.hpp"

namespace synscan {

struct ScanConfig;
class ResultTable;
class Permutation;
class Aggregator;

/// Where a scan stands: the pass being sent and, per send thread, the slice element j of its first probe not
/// yet handed to the kernel (j = slice.count: the thread is done with the pass).
struct ResumePoint {
  std::uint32_t pass = 0;
  std::vector<std::uint64_t> next_j;
  /// ResultTable words (bit i = probe index i answered) when the scan has retry passes, else empty: the
  /// resumed retry passes skip what the stopped run already had answered, and never report it again.
  std::vector<std::uint64_t> answered;
  std::string loaded_from;  ///< the file a --resume read it from (not written to the file)
};

/// A resume file's contents.
struct ResumeFile {
  ConfigEntries options;  ///< the effective options, seed included
  std::uint64_t seed = 0;
  std::uint64_t shard_index = 0;  ///< 0-based
  std::uint64_t shard_count = 1;
  std::uint32_t send_threads = 1;
  std::uint64_t space_size = 0;  ///< probes in the whole space (a check that the options still mean the same)
  ResumePoint point;
};

/// Every option of a scan and where they came from: the command line, over a --config file or a --resume
/// file.
struct OptionSources {
  ConfigEntries entries;             ///< merged, control options dropped (see merge_entries)
  std::optional<ResumeFile> resume;  ///< --resume: the file's contents
  std::string resume_path;
  bool outputs_from_resume = false;  ///< the outputs are the stopped run's (append to them)
};

/// Reads the --config or --resume file named on `command_line` (if any) and merges the command line over it.
/// Throws UsageError for both at once, for options given with --resume that it does not allow, and for bad
/// files (naming the line); std::runtime_error for a file that cannot be read or is a directory.
OptionSources gather_options(const boost::program_options::parsed_options& command_line,
                             const boost::program_options::options_description& desc);

/// The last step of building a ScanConfig: records the effective options (with the seed in use), and for a
/// resumed scan checks the file against the config, sets the resume point, and appends to the stopped run's
/// output files (line formats: list, ndjson, grepable) or, for formats that cannot be appended to, writes
/// PATH.resumed instead of overwriting what the stopped run wrote. Throws UsageError on a mismatch.
void finish_config(ScanConfig& c, const OptionSources& sources);

/// Options that may be given together with --resume: where and how results are written and the pace. The rest
/// come from the file; anything that changes the probe order would break the positions.
bool allowed_with_resume(std::string_view name);

/// The JSON text of a resume file for a scan `c` standing at `point`.
std::string resume_to_json(const ScanConfig& c, const ResumePoint& point);

/// Parses a resume file's text. Throws UsageError naming `source` and what is wrong (not JSON, missing key,
/// wrong type, positions inconsistent with the thread count).
ResumeFile resume_from_json(std::string_view text, const std::string& source);

/// Reads and parses a resume file. Throws std::runtime_error when it cannot be read (a directory included;
/// exit 1) and UsageError when it does not parse as one (exit 2).
ResumeFile read_resume_file(const std::string& path);

/// Checks that `c` (built from file.options plus allowed overrides) has the seed, shard, thread count and
/// probe space recorded in the file; UsageError otherwise.
void check_resume_matches(const ScanConfig& c, const ResumeFile& file, const std::string& path);

/// Writes `text` to `path` atomically (a temporary file renamed over it). Throws std::runtime_error with the
/// system's reason.
void write_file_atomically(const std::string& path, const std::string& text);

/// The first pass a scan sends (the resume point's pass, else 0).
std::uint32_t first_pass(const ScanConfig& c);

/// Where send thread `thread` starts in `pass`: the resume point's j in the pass the scan resumes in, else 0.
std::uint64_t start_j(const ScanConfig& c, std::uint32_t pass, std::uint32_t thread);

/// The answered set of `table` as words (see ResumePoint::answered).
std::vector<std::uint64_t> answered_words(const ResultTable& table);

/// Marks every probe answered in `words` as answered in `table` (claimed: never reported again).
void preload_answered(ResultTable& table, const std::vector<std::uint64_t>& words);

/// Reports as filtered (no-response) every unanswered probe whose last sending was in this run, given that
/// the run started at c's resume point (or the beginning) and stopped at `reached` (see the rule at the top).
void report_silence(const ScanConfig& c, const Permutation& permutation, const ResumePoint& reached,
                    Aggregator& aggregator, std::int64_t ts_ms);

/// Reports every probe this run leaves unanswered as filtered (no-response) at its end: a complete scan that
/// was not resumed reports every silent probe of its shard (a single shard by ResultTable's own walk, faster
/// than the permutation's); any other run reports by the rule at the top (report_silence). `reached` is where
/// the run stopped; `complete` says that it sent every pass and waited to the end.
void report_unanswered(const ScanConfig& c, const Permutation& permutation, const ResumePoint& reached,
                       bool complete, Aggregator& aggregator, std::int64_t ts_ms);

/// A resumed scan `c` completed: removes the resume file it continued from (so that running it again cannot
/// send the probes a second time) and says so on stderr.
void finish_resume(const ScanConfig& c);

/// Writes the resume file of scan `c` stopped at `reached` to c.resume_file and says so on stderr. Records
/// the answered set from `table` when the scan has retry passes. Throws std::runtime_error when it cannot be
/// written.
void save_resume(const ScanConfig& c, ResumePoint reached, const ResultTable& table);

}  // namespace synscan
