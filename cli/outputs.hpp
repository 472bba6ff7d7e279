#pragma once
// The output files of a scan: opened (and so checked writable) before the first probe, one writer each.
#include <cstdio>
#include <memory>
#include <vector>

#include "cli/scan_config.hpp"
#include "engine/output/writer.hpp"

namespace synscan {

class Outputs {
 public:
  /// Opens every output ("-" is stdout) and makes its writer. Throws std::runtime_error naming the file and the
  /// system's reason when one cannot be opened for writing.
  explicit Outputs(const std::vector<OutputSpec>& specs);

  /// The writers, in the order of the specs.
  std::vector<ResultWriter*> writers() const;

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const noexcept;
  };
  struct Entry {
    std::unique_ptr<std::FILE, FileCloser> owned;  // null for stdout; declared first, so closed last
    std::FILE* file = nullptr;
    std::unique_ptr<ResultWriter> writer;
  };
  std::vector<Entry> entries_;
};

}  // namespace synscan
