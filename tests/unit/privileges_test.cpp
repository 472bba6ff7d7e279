// drop_privileges is irreversible, so each test runs it in a forked child and reads the child's exit code: 0
// when every expectation held, else the number of the first one that failed. Runs as any user; the user
// switch is checked only when the tests run as root.
#include "capture/privileges.hpp"

#include <gtest/gtest.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace synscan {
namespace {

/// Runs `body` in a child process and returns its exit status (-1 if it did not exit normally).
int in_child(const std::function<int()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    int code = 99;
    try {
      code = body();
    } catch (...) {
      code = 98;
    }
    ::_exit(code);
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

bool no_capabilities() {
  cap_t now = ::cap_get_proc();
  cap_t none = ::cap_init();
  const bool empty = now != nullptr && none != nullptr && ::cap_compare(now, none) == 0;
  ::cap_free(now);
  ::cap_free(none);
  return empty;
}

TEST(Privileges, DropLeavesNoCapabilityAndNoNewPrivileges) {
  const bool root = ::geteuid() == 0;
  EXPECT_EQ(in_child([&] {
              const DropResult r = drop_privileges("nobody");
              if (!no_capabilities()) return 1;
              if (::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) return 2;
              if (r.switched_user != root) return 3;
              if (root && (::getuid() == 0 || ::geteuid() == 0 || r.uid != ::getuid())) return 4;
              if (root && ::setuid(0) == 0) return 5;
              if (root && ::getgroups(0, nullptr) != 0) return 6;
              return 0;
            }),
            0);
}

TEST(Privileges, NoRawCapabilityAfterTheDrop) {
  EXPECT_EQ(in_child([] {
              drop_privileges("nobody");
              try {
                require_raw_capability();
              } catch (const PrivilegeError& e) {
                return std::string(e.what()).find("needs CAP_NET_RAW") != std::string::npos ? 0 : 2;
              }
              return 1;
            }),
            0);
}

TEST(Privileges, RefusesWhileAnotherThreadRuns) {
  EXPECT_EQ(in_child([] {
              std::atomic<bool> done{false};
              std::thread other([&] {
                while (!done) std::this_thread::sleep_for(std::chrono::milliseconds(1));
              });
              int code = 1;
              try {
                drop_privileges("nobody");
              } catch (const std::logic_error&) {
                code = 0;
              }
              done = true;
              other.join();
              return code;
            }),
            0);
}

TEST(Privileges, RootRefusesAnUnknownUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "the user switch happens only when started as root";
  const std::string user = "no-such-user-synscan";
  EXPECT_EQ(in_child([&] {
              try {
                drop_privileges(user);
              } catch (const PrivilegeError& e) {
                return std::string(e.what()).find("'" + user + "'") != std::string::npos ? 0 : 2;
              }
              return 1;
            }),
            0);
}

// --user root: stays uid 0, and still gives up every capability.
TEST(Privileges, UserRootStaysUidZeroWithNoCapability) {
  if (::geteuid() != 0) GTEST_SKIP() << "the user switch happens only when started as root";
  EXPECT_EQ(in_child([] {
              const DropResult r = drop_privileges("root");
              if (r.switched_user || ::geteuid() != 0) return 1;
              if (!no_capabilities()) return 2;
              return ::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 3;
            }),
            0);
}

// C-N32: what a Kubernetes pod with capabilities {drop: ALL, add: NET_RAW, NET_ADMIN} and
// allowPrivilegeEscalation: false gives (setpriv --no-new-privs --bounding-set=-all,+net_raw,+net_admin):
// root with only those two, no CAP_SETPCAP to shrink the bounding set, no CAP_SETUID to switch user. The drop
// must work: the bounding set is moot under no-new-privs; without --user it stays uid 0 with no capability,
// with
// --user NAME it says why it cannot become NAME.
TEST(Privileges, APodsMinimalCapabilitySetCanDrop) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to build the pod's capability set";
  const auto as_pod = [] {
    for (cap_value_t cap = 0; cap <= CAP_LAST_CAP; ++cap) {
      if (cap != CAP_NET_RAW && cap != CAP_NET_ADMIN && ::cap_get_bound(cap) > 0) ::cap_drop_bound(cap);
    }
    cap_t caps = ::cap_init();
    const cap_value_t keep[] = {CAP_NET_RAW, CAP_NET_ADMIN};
    ::cap_set_flag(caps, CAP_PERMITTED, 2, keep, CAP_SET);
    ::cap_set_flag(caps, CAP_EFFECTIVE, 2, keep, CAP_SET);
    const bool ok = ::cap_set_proc(caps) == 0 && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0;
    ::cap_free(caps);
    return ok;
  };
  EXPECT_EQ(in_child([&] {
              if (!as_pod()) return 10;
              const DropResult r = drop_privileges("nobody", false);
              if (!r.kept_uid0 || r.switched_user || ::geteuid() != 0) return 1;
              return no_capabilities() ? 0 : 2;
            }),
            0);
  EXPECT_EQ(in_child([&] {
              if (!as_pod()) return 10;
              drop_privileges("root");
              return no_capabilities() ? 0 : 2;
            }),
            0);
  EXPECT_EQ(in_child([&] {
              if (!as_pod()) return 10;
              try {
                drop_privileges("nobody", true);
              } catch (const PrivilegeError& e) {
                return std::string(e.what()).find("--user root") != std::string::npos ? 0 : 2;
              }
              return 1;
            }),
            0);
}

}  // namespace
}  // namespace synscan
