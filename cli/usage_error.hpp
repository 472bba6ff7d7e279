#pragma once
// UsageError: the one exception that means "bad input". Its own header so that the parts of cli/ that read
// input (ports, targets, outputs, config and resume files, merge) can throw it without including the command
// line parser (cli/options.hpp) that sits above them.
#include <stdexcept>

namespace synscan {

/// Bad input: one line naming the bad token, printed by main as "synscan: <what()>" with exit code 2.
/// Environment failures (a file that cannot be read, no route, no permission) are std::runtime_error instead
/// (exit 1).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace synscan
