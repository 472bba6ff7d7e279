#pragma once
// The output files of a scan: opened (and so checked writable) before the first probe, one writer each.
//
// Write errors: every writer is wrapped in a CheckedWriter, which notices the first failed write to its file
// (a full disk, a pipe whose reader is gone, an I/O error), remembers the system's reason, stops writing there
// and warns once on stderr naming the file. The other outputs go on. end() closes what can still be written
// and reports every failed output in one line, so that the scan ends with exit 1 naming the file and reason.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/scan_config.hpp"
#include "engine/output/writer.hpp"

namespace synscan {

/// "output 'PATH'", or "standard output" for "-": how messages name an output.
std::string output_name(const std::string& path);

/// A ResultWriter that watches its FILE for write errors (ferror after every call). After the first error it
/// writes nothing more; end() then throws std::runtime_error "cannot write NAME: REASON". Not thread-safe: one
/// thread at a time uses a writer, as the ResultWriter contract says.
class CheckedWriter final : public ResultWriter {
 public:
  /// `inner` writes to `file` (not owned); `name` names it in messages (output_name()). `warn` (may be null)
  /// receives the warning when an error is noticed before end(): one line without the "synscan: " prefix.
  CheckedWriter(std::unique_ptr<ResultWriter> inner, std::FILE* file, std::string name, std::FILE* warn);

  void begin(const ScanInfo& info) override;
  void write(const Result& result) override;
  void flush() override;
  void end(const ScanTotals& totals) override;

  /// True once a write to the file failed.
  bool failed() const noexcept { return error_ != 0; }
  /// "cannot write NAME: REASON" once failed, else "".
  std::string error_text() const;

 private:
  // Records the first error (errno as left by the failed call) and warns when `warn_now`.
  void check(bool warn_now);

  std::unique_ptr<ResultWriter> inner_;
  std::FILE* file_;
  std::string name_;
  std::FILE* warn_;
  int error_ = 0;
};

class Outputs {
 public:
  /// Opens every output ("-" is stdout) and makes its writer. Throws std::runtime_error naming the file and the
  /// system's reason when one cannot be opened for writing. Warnings about failed writes go to `warn`.
  explicit Outputs(const std::vector<OutputSpec>& specs, std::FILE* warn = stderr);

  /// The writers, in the order of the specs.
  std::vector<ResultWriter*> writers() const;

  /// Calls end() on every writer, also after one of them failed, and flushes every file. Returns "" when every
  /// output was written whole, else one line naming each output that failed and why ("cannot write output
  /// 'a.xml': No space left on device; ...").
  std::string end(const ScanTotals& totals);

  /// True when at least one output failed; all_failed(): every one did (no output can take results).
  bool any_failed() const;
  bool all_failed() const;

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const noexcept;
  };
  struct Entry {
    std::unique_ptr<std::FILE, FileCloser> owned;  // null for stdout; declared first, so closed last
    std::FILE* file = nullptr;
    std::unique_ptr<CheckedWriter> writer;
  };
  std::vector<Entry> entries_;
};

}  // namespace synscan
