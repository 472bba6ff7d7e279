#pragma once
// The output side of the command line: nmap/masscan short forms (-oX FILE ...) and which writer each output
// gets.
#include <string>
#include <string_view>
#include <vector>

#include "cli/defaults.hpp"
#include "cli/scan_config.hpp"

namespace synscan {

/// Rewrites the nmap/masscan output short forms into the long options of the one options description, which
/// Boost.Program_options cannot parse itself (it would read "-oX" as -o with the value "X"):
///   -oX FILE -> --output-xml FILE      -oJ FILE -> --output-json FILE     -oD FILE -> --output-ndjson FILE
///   -oL FILE -> --output-list FILE     -oG FILE -> --output-grepable FILE -oC FILE -> --output-csv FILE
///   -oA BASE -> --output-all BASE
/// Only whole arguments of exactly "-o" plus one capital letter are rewritten, and none after "--"; "-o FILE"
/// and
/// "-oFILE" keep their meaning. Returns the new argument vector (argv[0] included). Throws UsageError naming
/// the token for "-o" plus any other capital letter (e.g. -oN: nmap's normal output is not supported).
std::vector<std::string> expand_output_shorthands(int argc, const char* const* argv);

/// The output options as given, before resolution.
struct OutputArgs {
  std::vector<std::string> files;                                   ///< -o FILE, in order
  std::string format;                                               ///< --format, "" when not given
  std::vector<std::string> xml, json, ndjson, list, grepable, csv;  ///< -oX -oJ -oD -oL -oG -oC
  std::vector<std::string> all;                                     ///< -oA BASENAME
};

/// Resolves every output to (path, format): -o FILE takes --format when given, else the file's extension
/// (format_for_path), else `fallback_format` (a scan's list; merge's ndjson); the short forms fix their own
/// format; -oA BASE gives BASE.xml (xml), BASE.gnmap (grepable) and BASE.txt (list). Without any output,
/// stdout ("-") in --format, else `fallback_format`. Throws UsageError naming the token for an unknown
/// --format or a path given twice (a character device such as /dev/null may be given more than once).
std::vector<OutputSpec> resolve_outputs(const OutputArgs& args,
                                        std::string_view fallback_format = defaults::kFormat);

}  // namespace synscan
