#include "cli/outputs.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace synscan {

std::string output_name(const std::string& path) {
  return path == "-" ? std::string("standard output") : fmt::format("output '{}'", path);
}

CheckedWriter::CheckedWriter(std::unique_ptr<ResultWriter> inner, std::FILE* file, std::string name,
                             std::FILE* warn)
    : inner_(std::move(inner)), file_(file), name_(std::move(name)), warn_(warn) {}

void CheckedWriter::check(bool warn_now) {
  if (error_ != 0 || std::ferror(file_) == 0) return;
  error_ = errno != 0 ? errno : EIO;  // errno as the failed fwrite/fflush left it
  if (warn_now && warn_ != nullptr) {
    fmt::print(warn_, "synscan: warning: {}; nothing more is written there\n", error_text());
    std::fflush(warn_);
  }
}

void CheckedWriter::begin(const ScanInfo& info) {
  inner_->begin(info);
  check(true);
}

void CheckedWriter::write(const Result& result) {
  if (error_ != 0) return;
  inner_->write(result);
  check(true);
}

void CheckedWriter::flush() {
  if (error_ != 0) return;
  errno = 0;
  inner_->flush();
  check(true);
}

void CheckedWriter::end(const ScanTotals& totals) {
  if (error_ == 0) {
    errno = 0;
    try {
      inner_->end(totals);  // throws when its final flush fails; the FILE's error flag says the same
    } catch (const std::runtime_error&) {
      if (error_ == 0 && std::ferror(file_) == 0) error_ = errno != 0 ? errno : EIO;
    }
    check(false);
  }
  if (error_ != 0) throw std::runtime_error(error_text());
}

std::string CheckedWriter::error_text() const {
  return error_ == 0 ? std::string() : fmt::format("cannot write {}: {}", name_, std::strerror(error_));
}

void Outputs::FileCloser::operator()(std::FILE* f) const noexcept { std::fclose(f); }

Outputs::Outputs(const std::vector<OutputSpec>& specs, std::FILE* warn) {
  for (const OutputSpec& spec : specs) {
    Entry e;
    if (spec.path == "-") {
      e.file = stdout;
    } else {
      e.owned.reset(std::fopen(spec.path.c_str(), spec.append ? "a" : "w"));
      if (!e.owned) throw std::runtime_error("cannot write output '" + spec.path + "': " + std::strerror(errno));
      e.file = e.owned.get();
    }
    e.writer = std::make_unique<CheckedWriter>(make_writer(spec.format, e.file), e.file, output_name(spec.path),
                                               warn);
    entries_.push_back(std::move(e));
  }
}

std::vector<ResultWriter*> Outputs::writers() const {
  std::vector<ResultWriter*> out;
  for (const Entry& e : entries_) out.push_back(e.writer.get());
  return out;
}

std::string Outputs::end(const ScanTotals& totals) {
  std::vector<std::string> errors;
  for (Entry& e : entries_) {
    try {
      e.writer->end(totals);
    } catch (const std::runtime_error& error) {
      errors.emplace_back(error.what());
    }
  }
  return fmt::format("{}", fmt::join(errors, "; "));
}

bool Outputs::any_failed() const {
  for (const Entry& e : entries_) {
    if (e.writer->failed()) return true;
  }
  return false;
}

bool Outputs::all_failed() const {
  for (const Entry& e : entries_) {
    if (!e.writer->failed()) return false;
  }
  return !entries_.empty();
}

}  // namespace synscan
