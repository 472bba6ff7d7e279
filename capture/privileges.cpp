#include "capture/privileges.hpp"

#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

namespace synscan {
namespace {

struct CapFree {
  void operator()(cap_t c) const noexcept { cap_free(c); }
};
using CapPtr = std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree>;

PrivilegeError system_failure(const std::string& what) {
  return PrivilegeError(fmt::format("cannot drop privileges: {}: {}", what, std::strerror(errno)));
}

/// Threads of this process, counted in /proc/self/task.
std::size_t thread_count() {
  std::error_code ec;
  std::size_t n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/task", ec), end; !ec && it != end; it.increment(ec))
    ++n;
  return ec ? 0 : n;  // 0: unknown (no /proc); the drop still runs
}

struct Account {
  uid_t uid;
  gid_t gid;
};

Account look_up(const std::string& user) {
  long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(size > 0 ? static_cast<std::size_t>(size) : 16384);
  passwd entry{};
  passwd* found = nullptr;
  int err = 0;
  while ((err = ::getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found)) == ERANGE) {
    buffer.resize(buffer.size() * 2);
  }
  if (err != 0) {
    errno = err;
    throw system_failure(fmt::format("looking up user '{}'", user));
  }
  if (found == nullptr) {
    throw PrivilegeError(
        fmt::format("cannot drop privileges: user '{}' does not exist (choose another with --user)", user));
  }
  if (entry.pw_uid == 0 && user != "root") {
    throw PrivilegeError(fmt::format(
        "cannot drop privileges: --user '{}' has uid 0; name an unprivileged user (or 'root' to stay uid 0)",
        user));
  }
  return {entry.pw_uid, entry.pw_gid};
}

bool has_effective(cap_value_t cap) {
  CapPtr caps(::cap_get_proc());
  cap_flag_value_t v = CAP_CLEAR;
  return caps && ::cap_get_flag(caps.get(), cap, CAP_EFFECTIVE, &v) == 0 && v == CAP_SET;
}

/// Empties the bounding set, which needs CAP_SETPCAP. Capabilities the kernel does not know (EINVAL) are
/// skipped. Without CAP_SETPCAP (a container given only NET_RAW and NET_ADMIN) the set stays as it is: it
/// only limits what an execve can gain, and with PR_SET_NO_NEW_PRIVS (set before this is called) no execve
/// gains any capability whatever the bounding set holds, so nothing is lost.
void drop_bounding_set() {
  for (cap_value_t cap = 0; cap <= CAP_LAST_CAP; ++cap) {
    if (::cap_get_bound(cap) <= 0) continue;
    if (::cap_drop_bound(cap) == 0 || errno == EINVAL) continue;
    if (errno == EPERM && ::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1) return;
    throw system_failure("emptying the capability bounding set");
  }
}

}  // namespace

void require_raw_capability() {
  CapPtr caps(::cap_get_proc());
  cap_flag_value_t raw = CAP_CLEAR;
  if (!caps || ::cap_get_flag(caps.get(), CAP_NET_RAW, CAP_EFFECTIVE, &raw) != 0) {
    throw PrivilegeError(fmt::format("cannot read this process's capabilities: {}", std::strerror(errno)));
  }
  if (raw != CAP_SET) {
    throw PrivilegeError(
        "permission denied: sending and capturing raw packets needs CAP_NET_RAW (run as root, or give the "
        "binary file capabilities: setcap cap_net_raw,cap_net_admin+ep; see README 'Running without root')");
  }
}

DropResult drop_privileges(const std::string& user, bool user_required) {
  if (thread_count() > 1) {
    throw std::logic_error(
        "drop_privileges called with more than one thread running; a thread keeps its own capabilities");
  }
  DropResult result;
  // First: from here no execve can gain a privilege, which makes the bounding set moot (drop_bounding_set).
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) throw system_failure("PR_SET_NO_NEW_PRIVS");
  if (::getuid() == 0 || ::geteuid() == 0) {
    const Account account = look_up(user);
    drop_bounding_set();
    if (account.uid != 0) {  // --user root: stay uid 0, with no capability left (below)
      if (!has_effective(CAP_SETUID) || !has_effective(CAP_SETGID)) {
        if (user_required) {
          throw PrivilegeError(fmt::format(
              "cannot drop privileges: cannot become user '{}': this root has no CAP_SETUID/CAP_SETGID (a "
              "container given only NET_RAW and NET_ADMIN); give --user root to stay uid 0 with no "
              "capability",
              user));
        }
        result.kept_uid0 = true;
      }
    }
    if (account.uid != 0 && !result.kept_uid0) {
      if (::setgroups(0, nullptr) != 0) throw system_failure("setgroups");
      if (::setresgid(account.gid, account.gid, account.gid) != 0)
        throw system_failure(fmt::format("setresgid({})", account.gid));
      if (::setresuid(account.uid, account.uid, account.uid) != 0)
        throw system_failure(fmt::format("setresuid({})", account.uid));
      result.switched_user = true;
    }
  }
  // After a uid change from 0 the kernel has cleared permitted and effective already (no PR_SET_KEEPCAPS);
  // clearing explicitly also covers file capabilities and the inheritable and ambient sets.
  CapPtr none(::cap_init());
  if (!none || ::cap_set_proc(none.get()) != 0) throw system_failure("clearing capabilities");
  if (::cap_reset_ambient() != 0 && errno != EINVAL) throw system_failure("clearing ambient capabilities");

  CapPtr now(::cap_get_proc());
  if (!now || ::cap_compare(now.get(), none.get()) != 0) {
    throw PrivilegeError("cannot drop privileges: capabilities remain after clearing them");
  }
  if (result.switched_user && (::setuid(0) == 0 || ::geteuid() == 0)) {
    throw PrivilegeError("cannot drop privileges: uid 0 could be regained");
  }
  result.uid = ::getuid();
  result.gid = ::getgid();
  return result;
}

}  // namespace synscan
