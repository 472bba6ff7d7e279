#pragma once
// Which files a scan reads and writes, compared by what they are, not by how they are spelled: "a.dat",
// "./a.dat", "dir/../a.dat", a symlink or a hard link to it are one file. Two outputs on one file would each
// overwrite the other's bytes (neither valid XML nor valid NDJSON), and an output on an input file would
// destroy the input.
#include <string>
#include <vector>

namespace synscan {

/// One file named on the command line: the option that names it ("output", "--metadata", "--include-file",
/// ...) and the path as given.
struct NamedFile {
  std::string option;
  std::string path;
};

/// What `path` names: "dev:ino" of the file when it exists ("-" is standard output, by the file descriptor),
/// else its resolved absolute path (symlinks, "." and ".." resolved as far as the path exists): what opening
/// it for writing would create. Empty for a character device (/dev/null, a terminal), which any number of
/// writers may share.
std::string file_identity(const std::string& path);

/// Throws UsageError when two of `written` are one file, or one of `written` is one of `read` (stdin, "-", is
/// never compared): "bad output 'B' (the same file as output 'A': each output needs its own file)", or "bad
/// output 'B' (the same file as --include-file 'A', which it would overwrite)". The message names the later
/// file by its own option ("bad --metadata 'B' (the same file as output 'A': ...)").
void reject_shared_files(const std::vector<NamedFile>& written, const std::vector<NamedFile>& read);

}  // namespace synscan
