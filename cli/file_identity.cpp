#include "cli/file_identity.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <system_error>

#include "cli/options.hpp"

namespace synscan {
namespace {

// The path a not yet existing file will have: symlinks of the last component followed (opening a dangling
// symlink for writing creates its target), then the existing prefix made canonical and the rest normalised.
std::string resolved_path(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  for (int hops = 0; hops < 40; ++hops) {  // the kernel's own limit on symlinks in a lookup
    std::error_code link_ec;
    if (!fs::is_symlink(fs::symlink_status(p, link_ec))) break;
    const fs::path target = fs::read_symlink(p, link_ec);
    if (link_ec) break;
    p = target.is_absolute() ? target : p.parent_path() / target;
  }
  const fs::path canonical = fs::weakly_canonical(p, ec);
  return (ec ? p.lexically_normal() : canonical).string();
}

}  // namespace

std::string file_identity(const std::string& path) {
  struct stat st {};
  const int rc = path == "-" ? ::fstat(STDOUT_FILENO, &st) : ::stat(path.c_str(), &st);
  if (rc == 0) {
    if (S_ISCHR(st.st_mode)) return "";
    return fmt::format("file {}:{}", static_cast<unsigned long long>(st.st_dev),
                       static_cast<unsigned long long>(st.st_ino));
  }
  return path == "-" ? std::string("standard output") : "path " + resolved_path(path);
}

void reject_shared_files(const std::vector<NamedFile>& written, const std::vector<NamedFile>& read) {
  std::map<std::string, const NamedFile*> inputs;
  for (const NamedFile& f : read) {
    if (f.path == "-") continue;
    if (std::string id = file_identity(f.path); !id.empty()) inputs.emplace(std::move(id), &f);
  }
  std::map<std::string, const NamedFile*> outputs;
  for (const NamedFile& f : written) {
    const std::string id = file_identity(f.path);
    if (id.empty()) continue;
    if (const auto in = inputs.find(id); in != inputs.end()) {
      throw UsageError(fmt::format("bad {} '{}' (the same file as {} '{}', which it would overwrite)",
                                   f.option, f.path, in->second->option, in->second->path));
    }
    if (const auto [at, fresh] = outputs.emplace(id, &f); !fresh) {
      throw UsageError(fmt::format("bad {} '{}' (the same file as {} '{}': each output needs its own file)",
                                   f.option, f.path, at->second->option, at->second->path));
    }
  }
}

}  // namespace synscan
