#include "capture/rst_suppressor.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

extern char** environ;

namespace synscan {
namespace {

std::runtime_error failure(const std::string& what) { return std::runtime_error("--suppress-rst: " + what); }

// posix_spawnp of ARGV with stdin from `in_fd`, stderr into `err_fd` (-1: inherited), in a new session when
// `setsid`. Returns the pid; throws on failure.
pid_t spawn(const std::vector<const char*>& argv, int in_fd, int err_fd, bool setsid) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_fd, STDIN_FILENO);
  if (err_fd >= 0) posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, static_cast<short>(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                                     (setsid ? POSIX_SPAWN_SETSID : 0)));
  pid_t pid = -1;
  const int err =
      posix_spawnp(&pid, argv[0], &actions, &attr, const_cast<char* const*>(argv.data()), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (err != 0) throw failure(fmt::format("cannot run {}: {}", argv[0], std::strerror(err)));
  return pid;
}

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw failure(fmt::format("pipe: {}", std::strerror(errno)));
    r = fds[0];
    w = fds[1];
  }
  ~Pipe() {
    if (r >= 0) close(r);
    if (w >= 0) close(w);
  }
};

// Runs `nft -f -` with `input`; throws with nft's message when it fails.
void run_nft(const std::string& input) {
  Pipe in, err;
  const pid_t pid = spawn({"nft", "-f", "-", nullptr}, in.r, err.w, false);
  close(in.r);
  in.r = -1;
  close(err.w);
  err.w = -1;
  const ::sighandler_t old = signal(SIGPIPE, SIG_IGN);  // nft gone early: an error below, not a signal
  (void)!write(in.w, input.data(), input.size());
  signal(SIGPIPE, old);
  close(in.w);
  in.w = -1;
  std::string message;
  char buf[512];
  for (ssize_t n; (n = read(err.r, buf, sizeof buf)) > 0;) message.append(buf, static_cast<std::size_t>(n));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    const std::size_t nl = message.rfind('\n');
    throw failure("nft could not add the rule: " +
                  (nl == std::string::npos ? message : message.substr(nl + 1)));
  }
}

std::string port_range(std::uint16_t first, std::uint16_t last) {
  return first == last ? fmt::format("{}", first) : fmt::format("{}-{}", first, last);
}

}  // namespace

std::string rst_suppress_ruleset(const std::string& table, std::optional<IpAddress> source4,
                                 std::optional<IpAddress> source6, std::uint16_t port_first,
                                 std::uint16_t port_last) {
  std::string rules;
  const std::string ports = port_range(port_first, port_last);
  if (source4)
    rules += fmt::format("    ip saddr {} tcp sport {} tcp flags & rst == rst drop\n",
                         format_address(*source4), ports);
  if (source6)
    rules += fmt::format("    ip6 saddr {} tcp sport {} tcp flags & rst == rst drop\n",
                         format_address(*source6), ports);
  return fmt::format(
      "table inet {} {{\n  chain output {{\n    type filter hook output priority filter; policy accept;\n{}  "
      "}}\n}}\n",
      table, rules);
}

RstSuppressor::RstSuppressor(std::optional<IpAddress> source4, std::optional<IpAddress> source6,
                             std::uint16_t port_first, std::uint16_t port_last)
    : table_(fmt::format("synscan_rst_{}", getpid())),
      ruleset_(rst_suppress_ruleset(table_, source4, source6, port_first, port_last)) {
  run_nft(ruleset_);
  // The watcher: deletes the table at EOF on its stdin, whatever ends this process.
  Pipe watch;
  const std::string script = "trap '' INT TERM HUP; cat >/dev/null; exec nft delete table inet " + table_;
  try {
    watcher_pid_ = spawn({"sh", "-c", script.c_str(), nullptr}, watch.r, -1, true);
  } catch (...) {
    try {
      run_nft("delete table inet " + table_ + "\n");
    } catch (...) {
    }
    throw;
  }
  pipe_write_ = watch.w;
  watch.w = -1;
}

RstSuppressor::~RstSuppressor() {
  if (pipe_write_ >= 0) close(pipe_write_);
  int status = 0;
  if (watcher_pid_ > 0) {
    while (waitpid(watcher_pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

}  // namespace synscan
