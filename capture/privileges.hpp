#pragma once
// Least privilege: what synscan needs from the kernel and how it gives it up.
//
// Sending raw frames (AF_PACKET) and capturing (libpcap) need CAP_NET_RAW when the socket is opened, not
// afterwards. CAP_NET_ADMIN helps only at set-up (asking the kernel to resolve the next hop's MAC). So the
// scan driver opens every socket, the capture and the output files first, then calls drop_privileges() before
// the first probe is sent or the first reply parsed: a bug in the code that reads hostile packets then runs
// with no capability and, when synscan was started as root, as an unprivileged user.
#include <sys/types.h>

#include <stdexcept>
#include <string>

namespace synscan {

/// A set-up failure about privileges, one line naming what is missing or what failed, e.g.
/// "permission denied: sending and capturing raw packets needs CAP_NET_RAW ...",
/// "cannot drop privileges: user 'scan' does not exist (choose another with --user)".
struct PrivilegeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Throws PrivilegeError when the calling thread's effective capability set lacks CAP_NET_RAW (root normally
/// has it; an unprivileged user has it through file capabilities, see README "Running without root"). Called
/// before any set-up so the user learns what is missing at once, not after an ARP timeout.
void require_raw_capability();

/// What drop_privileges() did.
struct DropResult {
  bool switched_user = false;  ///< started as root (real or effective uid 0) and now runs as `uid`/`gid`
  /// Started as root without CAP_SETUID/CAP_SETGID (a container given only NET_RAW and NET_ADMIN) and `user`
  /// not required: still uid 0, with no capability and PR_SET_NO_NEW_PRIVS.
  bool kept_uid0 = false;
  uid_t uid = 0;  ///< real = effective = saved uid afterwards
  gid_t gid = 0;  ///< real = effective = saved gid afterwards; no supplementary groups if switched
};

/// Gives up every privilege for the rest of the process's life. Must be called while the process has one
/// thread (capabilities are per thread in Linux: a thread started earlier would keep its own), after every
/// socket, capture and output file is open (they stay usable through their descriptors).
///   1. Sets PR_SET_NO_NEW_PRIVS: no later execve can gain privileges (setuid bits, file capabilities, root's
///      full set), so the bounding set no longer matters.
///   2. When started as root (real or effective uid 0): looks `user` up in the user database and empties the
///      capability bounding set; without CAP_SETPCAP to do so (a container's minimal set) it is left as it
///      is, which step 1 makes safe. Then, unless `user` is "root" (stay uid 0), clears the supplementary
///      groups (setgroups) and setresgid/setresuid to the user's gid/uid. `user` must exist and must not be
///      uid 0 unless it is "root". A root without CAP_SETUID/CAP_SETGID cannot switch: with `user_required`
///      (--user given) that is a PrivilegeError; without, it stays uid 0 (DropResult::kept_uid0).
///   3. Clears the permitted, effective, inheritable and ambient capability sets (libcap cap_set_proc).
///   4. Checks the outcome: no capability left and, when switched, setuid(0) fails.
/// The process stays non-dumpable (the kernel clears the flag on the uid change and for binaries with file
/// capabilities), so other processes of the same unprivileged user cannot attach to it and take its raw
/// sockets. Throws PrivilegeError (unknown user, a failed system call with its errno text) and
/// std::logic_error when more than one thread exists.
DropResult drop_privileges(const std::string& user, bool user_required = true);

}  // namespace synscan
