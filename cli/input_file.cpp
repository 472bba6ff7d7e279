#include "cli/input_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace synscan {
namespace {

[[noreturn]] void cannot_read(const std::string& path, std::string_view what, int error) {
  const std::string name = what.empty() ? fmt::format("'{}'", path) : fmt::format("{} '{}'", what, path);
  throw std::runtime_error(fmt::format("cannot read {}: {}", name, std::strerror(error)));
}

void refuse_directory(const std::string& path, std::string_view what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) cannot_read(path, what, EISDIR);
}

}  // namespace

std::ifstream open_input_file(const std::string& path, std::string_view what) {
  refuse_directory(path, what);
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) cannot_read(path, what, errno != 0 ? errno : EIO);
  return in;
}

std::string read_input_file(const std::string& path, std::string_view what) {
  refuse_directory(path, what);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) cannot_read(path, what, errno);
  std::string text;
  char buffer[1 << 14];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      cannot_read(path, what, error);
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

}  // namespace synscan
