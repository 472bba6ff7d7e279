#pragma once
// SIGINT/SIGTERM handling: the first signal sets the scan's stop flag (the scan then stops sending, drains replies
// in flight and closes every output valid); a second one restores the default action and re-raises, so a stuck
// process can still be killed.
#include <atomic>

namespace synscan {

/// Installs the handlers; they set `stop` (which must outlive the process's use of signals). Call once from main.
void install_stop_signals(std::atomic<bool>& stop);

}  // namespace synscan
