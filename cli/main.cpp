// synscan: a stateless TCP SYN port scanner. main turns every error into one line and an exit code:
// 0 success, 1 the environment failed (route, permission, output file), 2 bad input.
#include <fmt/format.h>

#include <exception>
#include <iostream>
#include <string_view>

#include "cli/dry_run.hpp"
#include "cli/merge.hpp"
#include "cli/options.hpp"
#include "cli/scan_runner.hpp"
#include "cli/signals.hpp"

int main(int argc, char** argv) {
  using namespace synscan;
  try {
    // Subcommands come first, before option parsing: `synscan merge FILE...`.
    if (argc > 1 && std::string_view(argv[1]) == "merge") return run_merge(argc - 1, argv + 1, std::cout);
    CommandLine cl = parse_command_line(argc, argv, std::cout);
    if (!cl.config) return 0;
    const ScanConfig& config = *cl.config;
    ScanState state;
    install_stop_signals(state.stop);
    if (config.dry_run) {
      // A dry run writes probes, not results, to the first output.
      OutputSpec spec = config.outputs.front();
      std::FILE* out = stdout;
      std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, &std::fclose);
      if (spec.path != "-") {
        file.reset(std::fopen(spec.path.c_str(), "w"));
        if (!file) throw std::runtime_error("cannot write output '" + spec.path + "'");
        out = file.get();
      }
      run_dry_run(config, state, out);
      return 0;
    }
    return run_scan(config, state);
  } catch (const UsageError& e) {
    fmt::print(stderr, "synscan: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "synscan: {}\n", e.what());
    return 1;
  }
}
