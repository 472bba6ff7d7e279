#pragma once
// Helpers for tests that go through the command line: argv from strings, dry-run output captured as text.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/dry_run.hpp"
#include "cli/options.hpp"

namespace synscan::test {

/// parse_command_line on {"synscan", args...}; the config (empty for --help/--version).
inline CommandLine parse_args(const std::vector<std::string>& args) {
  std::vector<const char*> argv{"synscan"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  std::ostringstream out;
  return parse_command_line(static_cast<int>(argv.size()), argv.data(), out);
}

/// The config of a command line that must describe a scan.
inline ScanConfig config_of(const std::vector<std::string>& args) { return *parse_args(args).config; }

/// run_dry_run's output as text. `stop_first` sets the stop request before the run (it then writes one
/// buffer).
inline std::string dry_run_text(const ScanConfig& config, bool stop_first = false) {
  std::FILE* f = std::tmpfile();
  ScanState state;
  state.stop = stop_first;
  run_dry_run(config, state, f);
  std::string text;
  std::rewind(f);
  char buffer[1 << 14];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) text.append(buffer, n);
  std::fclose(f);
  return text;
}

/// The lines of a text, without their newlines.
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

/// Writes `bytes` exactly to a new file under the test temp dir and returns its path.
inline std::string write_temp_file(const std::string& name, const std::string& bytes) {
  const std::string path = ::testing::TempDir() + "synscan_" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

}  // namespace synscan::test
