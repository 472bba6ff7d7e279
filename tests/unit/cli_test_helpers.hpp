#pragma once
// Helpers shared by the tests of the command line, config files and resume files.
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/options.hpp"

namespace synscan::test {

/// What parse_command_line printed (help, version, --echo-config; empty otherwise) and the config it built.
struct Parsed {
  std::string out;
  std::optional<ScanConfig> config;
};

/// Parses `args` as synscan's command line (argv[0] is added). UsageError propagates.
inline Parsed run(std::vector<std::string> args) {
  args.insert(args.begin(), "synscan");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  std::ostringstream out;
  CommandLine cl = parse_command_line(static_cast<int>(argv.size()), argv.data(), out);
  return {out.str(), std::move(cl.config)};
}

/// The UsageError text `fn` throws, or "(no error)".
inline std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace synscan::test
