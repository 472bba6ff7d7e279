#pragma once
// Opening the files synscan reads (--config, -iL/--include-file, --exclude-file, --resume, merge inputs): one
// place that turns "cannot be read" into one line naming the file and the system's reason. A directory opens
// for reading on Linux and then reads as empty (or fails later with an unclear error), so it is refused here,
// by name, before anything is read from it.
#include <fstream>
#include <string>
#include <string_view>

namespace synscan {

/// Opens `path` for reading (binary). Throws std::runtime_error (the environment: exit 1) reading
/// "cannot read WHAT 'PATH': REASON" -- REASON is strerror of the failure, "Is a directory" for a directory
/// -- or "cannot read 'PATH': REASON" when `what` is empty. Never refers to stdin: callers handle "-"
/// themselves.
std::ifstream open_input_file(const std::string& path, std::string_view what);

/// The whole contents of `path`; a directory, a failed open or a failed read throws as open_input_file()
/// does.
std::string read_input_file(const std::string& path, std::string_view what);

}  // namespace synscan
