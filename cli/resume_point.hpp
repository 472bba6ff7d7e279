#pragma once
// Where a stopped scan stands, as a resume file records it (cli/resume.hpp) and a resumed ScanConfig holds it
// (cli/scan_config.hpp): apart from the resume file's reading and writing, so that the config does not
// include them.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/probe_window.hpp"

namespace synscan {

/// One send thread's state in a resume file.
struct ThreadResume {
  SendCursor next;         ///< the first frame of its send order not handed to the kernel
  std::uint64_t tail = 0;  ///< its window's tail: elements before it are final (reported by the stopped run)
  /// Bit i = element tail + i answered (reported by the stopped run), for the elements up to next.step.
  std::vector<std::uint64_t> answered;
};

/// Where a scan stands: every send thread's cursor and window, and the window's shape in steps.
struct ResumePoint {
  std::vector<ThreadResume> threads;
  std::uint64_t retry_gap = 1;   ///< WindowShape::retry_gap of the stopped run
  std::uint64_t late_steps = 0;  ///< WindowShape::late_steps of the stopped run
  std::string loaded_from;       ///< the file a --resume read it from (not written to the file)
};

}  // namespace synscan
