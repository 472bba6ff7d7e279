#pragma once
// SIGINT/SIGTERM handling. The first signal sets the scan's stop flag (the scan then stops sending, drains
// the replies in flight for up to a second and closes every output valid) and says so on stderr at once. A
// second one cuts that drain short (stop_hurried()): the outputs are still closed valid and the resume file
// written, only the last replies in flight are not waited for. A third restores the default action and
// re-raises, so a stuck process can still be killed.
#include <atomic>

namespace synscan {

/// Installs the handlers; they set `stop` (which must outlive the process's use of signals). Call once from
/// main.
void install_stop_signals(std::atomic<bool>& stop);

/// Set by the second SIGINT/SIGTERM: skip what is left of the wait for replies (the drain after a stop, the
/// banner stage's wait), finish the outputs now.
const std::atomic<bool>& stop_hurried() noexcept;

}  // namespace synscan
