// synscan: a stateless TCP SYN port scanner. main turns every error into one line and an exit code:
// 0 success, 1 the environment failed (route, permission, output file), 2 bad input.
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <iostream>
#include <string_view>

#include "capture/privileges.hpp"
#include "cli/dry_run.hpp"
#include "cli/merge.hpp"
#include "cli/options.hpp"
#include "cli/outputs.hpp"
#include "cli/scan_runner.hpp"
#include "cli/signals.hpp"

namespace {

// Flushes what went to std::cout; 0, or throws naming standard output and the system's reason. errno is not
// cleared first: a write that failed earlier, while the text was written, left the reason there.
int flush_stdout() {
  std::cout.flush();
  if (std::cout && std::fflush(stdout) == 0 && std::ferror(stdout) == 0) return 0;
  throw std::runtime_error(
      fmt::format("cannot write standard output: {}", std::strerror(errno != 0 ? errno : EIO)));
}

}  // namespace

int main(int argc, char** argv) {
  using namespace synscan;
  try {
    // Subcommands come first, before option parsing: `synscan merge FILE...`.
    if (argc > 1 && std::string_view(argv[1]) == "merge") {
      const int rc = run_merge(argc - 1, argv + 1, std::cout);
      return rc != 0 ? rc : flush_stdout();
    }
    CommandLine cl = parse_command_line(argc, argv, std::cout);
    if (!cl.config) return flush_stdout();  // --help, --version, --echo-config: a full disk is an error too
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
        if (!file)
          throw std::runtime_error("cannot write output '" + spec.path + "': " + std::strerror(errno));
        out = file.get();
      }
      drop_privileges(config.user, config.user_given);  // a dry run needs no privilege at all
      run_dry_run(config, state, out, output_name(spec.path));
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
