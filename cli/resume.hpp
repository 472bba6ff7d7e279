#pragma once
// Stopping and resuming a scan (C18). On SIGINT/SIGTERM or --max-runtime the scan driver writes a resume file
// (JSON): the effective options (seed included, so the permutation is the same), the shard, and per send
// thread its cursor in its send order (engine/probe_window.hpp: the step, i.e. the next new slice element j,
// and the frame within the step) and its window (engine/probe_window.hpp): the tail (every element before it
// is final and was reported by the stopped run) and which elements from the tail on were answered. It also
// records the window's retry gap and late steps, so that a resumed run with another --rate sends the same
// retries. `synscan --resume FILE` rebuilds the ScanConfig from those options through the same option parser,
// restores the windows and continues each thread at its cursor: stopped + resumed send every probe once per
// retry it is owed and report every result once.
//
// Filtered-by-silence: a probe is reported filtered (no-response) by the run in which its fate became final
// (the window's tail moved past it, or the end of a complete scan).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/config_file.hpp"
#include "cli/resume_point.hpp"

namespace synscan {

struct ScanConfig;
class ProbeWindows;

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
  bool outputs_from_resume = false;   ///< the outputs are the stopped run's (append to them)
  bool metadata_from_resume = false;  ///< --metadata is the stopped run's: the resumed run's goes beside it
  bool pcap_out_from_resume = false;  ///< --pcap-out is the stopped run's: the resumed run appends to it
};

/// Reads the --config or --resume file named on `command_line` (if any) and merges the command line over it.
/// Throws UsageError for both at once, for options given with --resume that it does not allow, and for bad
/// files (naming the line); std::runtime_error for a file that cannot be read or is a directory.
OptionSources gather_options(const boost::program_options::parsed_options& command_line,
                             const boost::program_options::options_description& desc);

/// Where a resumed run writes a file of the stopped run that cannot be appended to: PATH.resumed, or, when an
/// earlier resume already wrote that, the first of PATH.resumed.2, PATH.resumed.3, ... that does not exist,
/// so that no run's file is overwritten by a later resume.
std::string resumed_path(const std::string& path);

/// Options that may be given together with --resume: where and how results are written and the pace. The rest
/// come from the file; anything that changes the probe order would break the positions.
bool allowed_with_resume(std::string_view name);

/// The options allowed with --resume, as "--output, --format, ...": the error message and README's list
/// (tests/scripts/test_docs_agree.sh checks they agree).
std::string allowed_with_resume_list();

/// The JSON text of a resume file for a scan `c` standing at `point`.
std::string resume_to_json(const ScanConfig& c, const ResumePoint& point);

/// Parses a resume file's text. Throws UsageError naming `source` and what is wrong (not JSON, missing key,
/// wrong type, cursors or windows inconsistent with the thread count), and for a file already resumed
/// (mark_resumed): resuming it again would send its probes and write their results a second time.
ResumeFile resume_from_json(std::string_view text, const std::string& source);

/// Reads and parses a resume file. Throws std::runtime_error when it cannot be read (a directory included;
/// exit 1) and UsageError when it does not parse as one (exit 2).
ResumeFile read_resume_file(const std::string& path);

/// Checks that `c` (built from file.options plus allowed overrides) has the seed, shard, thread count and
/// probe space recorded in the file, and that each cursor and window lies inside its slice; UsageError
/// otherwise.
void check_resume_matches(const ScanConfig& c, const ResumeFile& file, const std::string& path);

/// Writes `text` to `path` atomically (a temporary file renamed over it). Throws std::runtime_error with the
/// system's reason.
void write_file_atomically(const std::string& path, const std::string& text);

/// Where each send thread starts: the resume point's cursors, else empty (every thread from the start).
std::vector<SendCursor> start_cursors(const ScanConfig& c);

/// Restores the stopped run's windows (tails and answered bits) into `windows`, for a resumed scan.
void restore_windows(const ScanConfig& c, ProbeWindows& windows);

/// The resume point of a run stopped with the senders at `next` and the windows as they are now (call after
/// the aggregator thread stopped).
ResumePoint resume_point(const ScanConfig& c, const std::vector<SendCursor>& next,
                         const ProbeWindows& windows);

/// Marks the resume file that scan `c` continues from as resumed (a "resumed_at" UTC time written into it, in
/// place), so that a second resume of it is refused. Call once the scan is set up, before the first probe and
/// before the privilege drop. Nothing for a scan that is not resumed. Throws std::runtime_error when the file
/// cannot be rewritten (the scan then does not start).
void mark_resumed(const ScanConfig& c);

/// Where a stopped scan `c` writes its resume file when it cannot write c.resume_file: $TMPDIR (or /tmp)
/// /synscan-<16 hex digits>.resume, the digits a hash of what a resume cannot change (the options other than
/// the allowed ones, with the seed; shard, send threads, probe space size). The same in every run of one
/// scan, so a scan stopped again replaces its own file instead of leaving another.
std::string fallback_resume_path(const ScanConfig& c);

/// A resumed scan `c` completed: removes the resume file it continued from (so that running it again cannot
/// send the probes a second time) and says so on stderr.
void finish_resume(const ScanConfig& c);

/// Writes the resume file of scan `c` stopped at `reached` and says where on stderr: to c.resume_file when it
/// is new or the file this run resumed from (replaced atomically); when it is another scan's resume file, to
/// the first free c.resume_file.2, .3, ... (never over an existing file); when that cannot be written, to
/// fallback_resume_path(c). Throws std::runtime_error when none can be written.
void save_resume(const ScanConfig& c, const ResumePoint& reached);

}  // namespace synscan
