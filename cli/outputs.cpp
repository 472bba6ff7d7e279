#include "cli/outputs.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace synscan {

void Outputs::FileCloser::operator()(std::FILE* f) const noexcept { std::fclose(f); }

Outputs::Outputs(const std::vector<OutputSpec>& specs) {
  for (const OutputSpec& spec : specs) {
    Entry e;
    if (spec.path == "-") {
      e.file = stdout;
    } else {
      e.owned.reset(std::fopen(spec.path.c_str(), spec.append ? "a" : "w"));
      if (!e.owned) throw std::runtime_error("cannot write output '" + spec.path + "': " + std::strerror(errno));
      e.file = e.owned.get();
    }
    e.writer = make_writer(spec.format, e.file);
    entries_.push_back(std::move(e));
  }
}

std::vector<ResultWriter*> Outputs::writers() const {
  std::vector<ResultWriter*> out;
  for (const Entry& e : entries_) out.push_back(e.writer.get());
  return out;
}

}  // namespace synscan
