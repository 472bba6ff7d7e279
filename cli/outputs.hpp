#pragma once
// The output files of a scan: opened (and so checked writable) before the first probe, one writer each.
//
// Write errors: every writer is wrapped in a CheckedWriter, which notices the first failed write to its file
// (a full disk, a pipe whose reader is gone, an I/O error), remembers the system's reason and stops writing
// there. During a scan (watch()) the first error of each output is a warning on stderr naming the file; the
// other outputs go on, and when none is left the scan is asked to stop: nothing could take its results. end()
// closes what can still be written and reports every failed output in one line, so that the scan ends with
// exit 1 naming the file and reason.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cli/scan_config.hpp"
#include "engine/output/writer.hpp"

namespace synscan {

/// "output 'PATH'", or "standard output" for "-": how messages name an output.
std::string output_name(const std::string& path);

/// A ResultWriter that watches its FILE for write errors (ferror after every call). After the first error it
/// writes nothing more; end() then throws std::runtime_error "cannot write NAME: REASON". Not thread-safe:
/// one thread at a time uses a writer, as the ResultWriter contract says.
class CheckedWriter final : public ResultWriter {
 public:
  /// Called once with error_text() when the first error is noticed before end().
  using ErrorHandler = std::function<void(const std::string& error)>;

  /// `inner` writes to `file` (not owned); `name` names it in messages (output_name()).
  CheckedWriter(std::unique_ptr<ResultWriter> inner, std::FILE* file, std::string name);

  /// Where the first error goes when it is noticed before end() (none by default: end() reports it).
  void on_error(ErrorHandler handler) { on_error_ = std::move(handler); }

  void begin(const ScanInfo& info) override;
  void write(const Result& result) override;
  void flush() override;
  void end(const ScanTotals& totals) override;

  /// True once a write to the file failed.
  bool failed() const noexcept { return error_ != 0; }
  /// "cannot write NAME: REASON" once failed, else "".
  std::string error_text() const;

  /// For a pipe or socket: true when its reader is gone (poll() reports POLLERR or POLLHUP), so that no write
  /// can succeed any more; records EPIPE as the error then (and tells the handler). False for files and ttys.
  bool reader_gone();

 private:
  // Records the first error (errno as left by the failed call) and tells the handler when `report`.
  void check(bool report);
  void fail(int error, bool report);

  std::unique_ptr<ResultWriter> inner_;
  std::FILE* file_;
  std::string name_;
  ErrorHandler on_error_;
  // The first errno; written by the thread that writes (the aggregator), read by the driver while it runs.
  std::atomic<int> error_{0};
};

class Outputs {
 public:
  /// Opens every output ("-" is stdout) and makes its writer. Throws std::runtime_error naming the file and
  /// the system's reason when one cannot be opened for writing.
  explicit Outputs(const std::vector<OutputSpec>& specs);
  Outputs(const Outputs&) = delete;  // the writers' error handlers point here
  Outputs& operator=(const Outputs&) = delete;

  /// The writers, in the order of the specs.
  std::vector<ResultWriter*> writers() const;

  /// For a scan: from now on the first error of each output is one warning line on `warn`, "synscan: warning:
  /// cannot write NAME: REASON; the other outputs go on", and when every output has failed the line ends in
  /// "no output can take results any more: stopping the scan" and `stop` is set.
  void watch(std::atomic<bool>& stop, std::FILE* warn = stderr);

  /// Checks whether the reader of a pipe output is gone (CheckedWriter::reader_gone), at most every 100 ms;
  /// cheap enough for an idle loop. A scan whose results go only to `| head` learns of it without a write.
  void check_readers();

  /// Calls end() on every writer, also after one of them failed, and flushes every file. Returns "" when
  /// every output was written whole, else one line naming each output that failed and why ("cannot write
  /// output 'a.xml': No space left on device; ...").
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
  std::int64_t next_reader_check_ns_ = 0;
};

}  // namespace synscan
