#include "cli/outputs.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "engine/clock.hpp"

namespace synscan {

std::string output_name(const std::string& path) {
  return path == "-" ? std::string("standard output") : fmt::format("output '{}'", path);
}

CheckedWriter::CheckedWriter(std::unique_ptr<ResultWriter> inner, std::FILE* file, std::string name)
    : inner_(std::move(inner)), file_(file), name_(std::move(name)) {}

void CheckedWriter::fail(int error, bool report) {
  if (error_ != 0) return;
  error_ = error;
  if (report && on_error_) on_error_(error_text());
}

void CheckedWriter::check(bool report) {
  if (error_ != 0 || std::ferror(file_) == 0) return;
  fail(errno != 0 ? errno : EIO, report);  // errno as the failed fwrite/fflush left it
}

bool CheckedWriter::reader_gone() {
  if (error_ != 0) return false;
  const int fd = fileno(file_);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) return false;
  pollfd p{fd, 0, 0};  // no events asked: POLLERR and POLLHUP are always reported
  if (::poll(&p, 1, 0) != 1 || (p.revents & (POLLERR | POLLHUP)) == 0) return false;
  fail(EPIPE, true);
  return true;
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
  const int error = error_;
  return error == 0 ? std::string() : fmt::format("cannot write {}: {}", name_, std::strerror(error));
}

void Outputs::FileCloser::operator()(std::FILE* f) const noexcept { std::fclose(f); }

Outputs::Outputs(const std::vector<OutputSpec>& specs) {
  for (const OutputSpec& spec : specs) {
    Entry e;
    if (spec.path == "-") {
      e.file = stdout;
    } else {
      e.owned.reset(std::fopen(spec.path.c_str(), spec.append ? "a" : "w"));
      if (!e.owned)
        throw std::runtime_error("cannot write output '" + spec.path + "': " + std::strerror(errno));
      e.file = e.owned.get();
    }
    e.writer =
        std::make_unique<CheckedWriter>(make_writer(spec.format, e.file), e.file, output_name(spec.path));
    entries_.push_back(std::move(e));
  }
}

std::vector<ResultWriter*> Outputs::writers() const {
  std::vector<ResultWriter*> out;
  for (const Entry& e : entries_) out.push_back(e.writer.get());
  return out;
}

void Outputs::watch(std::atomic<bool>& stop, std::FILE* warn) {
  for (Entry& e : entries_) {
    e.writer->on_error([this, &stop, warn](const std::string& error) {
      const bool none_left = all_failed();
      if (warn != nullptr) {
        fmt::print(
            warn, "synscan: warning: {}; {}\n", error,
            none_left ? "no output can take results any more: stopping the scan" : "the other outputs go on");
        std::fflush(warn);
      }
      if (none_left) stop.store(true);
    });
  }
}

void Outputs::check_readers() {
  const std::int64_t now = monotonic_ns();
  if (now < next_reader_check_ns_) return;
  next_reader_check_ns_ = now + 100'000'000;
  for (Entry& e : entries_) e.writer->reader_gone();
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
