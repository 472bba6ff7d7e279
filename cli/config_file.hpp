#pragma once
// Options as data: the `name = value` lines of --config files and --echo-config, and the merge of a file's
// options with the command line's. Every entry goes through the one Boost.Program_options description of
// cli/options.cpp, so a file accepts exactly the options (and values) the command line does.
#include <boost/program_options.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace synscan {

/// One option occurrence: its long name ("ports", "target" for a positional target) and its value as typed.
/// A flag without a value (--dry-run) has flag = true and an empty value.
struct ConfigEntry {
  std::string name;
  std::string value;
  bool flag = false;
  std::string source;  ///< where it came from: "" for the command line, else a file path (for error messages)
  int line = 0;        ///< 1-based line in `source`; 0 for the command line

  friend bool operator==(const ConfigEntry& a, const ConfigEntry& b) {
    return a.name == b.name && a.value == b.value && a.flag == b.flag;  // where it came from does not matter
  }
};
using ConfigEntries = std::vector<ConfigEntry>;

/// Options that steer the program rather than describe a scan: never read from a file, never echoed.
bool is_control_option(std::string_view name);

/// Parses config text: one option a line, `name = value` (spaces around '=' optional), `#` starts a comment
/// when it begins a line or follows a blank, blank lines and CRLF line ends are fine. A flag is `name = true`
/// (or yes/on/1; false/no/off/0 leave it out) or a bare `name`. `name` is a long option name of `desc` (or
/// `target`). Throws UsageError "config FILE line N: ..." naming the bad token for an unknown option, a
/// control option, a line without '=', or a missing value. Values are checked later, by the same code as the
/// command line's.
ConfigEntries parse_config_text(std::string_view text,
                                const boost::program_options::options_description& desc,
                                const std::string& source);

/// Reads and parses a config file ('-' is stdin). Throws UsageError when it cannot be read.
ConfigEntries read_config_file(const std::string& path,
                               const boost::program_options::options_description& desc);

/// The command line's options as entries (positional targets as "target"), in the order given.
ConfigEntries entries_from_parsed(const boost::program_options::parsed_options& parsed);

/// `base` (a file's options) overridden by `over` (the command line's): every option named in `over` takes
/// only its values from `over`; the others keep theirs from `base`. Control options are dropped.
ConfigEntries merge_entries(const ConfigEntries& base, const ConfigEntries& over);

/// The entries as Boost options of `desc`, ready for po::store.
boost::program_options::parsed_options to_parsed(const ConfigEntries& entries,
                                                 const boost::program_options::options_description& desc);

/// `entries` with every "seed" replaced by one `seed = <seed>` (added when missing): what echo and resume
/// record, so a scan whose seed was random repeats with the same seed.
ConfigEntries with_seed(const ConfigEntries& entries, std::uint64_t seed);

/// The entries as config text, targets first, then the options in the order of `desc`; parse_config_text() of
/// the result gives the same entries back (values are printed as given; one containing " #" or a line break
/// cannot be written and throws UsageError).
std::string format_config(const ConfigEntries& entries,
                          const boost::program_options::options_description& desc);

/// `message` with " (FILE line N)" appended when it is about an option or token that came from a file, so
/// that a bad value in a config file names its line. Returns `message` unchanged otherwise.
std::string locate_in_file(const std::string& message, const ConfigEntries& entries);

}  // namespace synscan
