// synscan_xdp_reflector: loads the lab's XDP reflector (bench/xdp_reflector.bpf.c, compiled to BPF at build
// time into xdp_reflector.bpf.o beside this binary) and attaches one of its programs to an interface in
// native (driver) mode, through libbpf (bpf_object__open_file, bpf_object__load, bpf_xdp_attach: a netlink
// attachment that stays after this program exits, until the interface is deleted or `ip link set dev IFACE
// xdp off`).
//
// Usage: synscan_xdp_reflector reflect IFACE   the reflector: every probe answered in place (XDP_TX)
//        synscan_xdp_reflector pass IFACE      an XDP_PASS program, for the other end of a veth pair, where
//                                              XDP_TX frames arrive only when that end runs XDP too
// Exit 0 once attached; 1 with one line naming what failed; 2 on bad usage. Needs CAP_BPF and CAP_NET_ADMIN.
// Only for test networks: scripts/lab.sh runs it inside the lab's target and scanner namespaces.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

int fail(const std::string& what, int err) {
  std::fprintf(stderr, "synscan_xdp_reflector: %s: %s\n", what.c_str(), std::strerror(err < 0 ? -err : err));
  return 1;
}

// xdp_reflector.bpf.o in this binary's directory.
std::string object_path() {
  char self[PATH_MAX] = {};
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  std::string dir = n > 0 ? std::string(self, static_cast<std::size_t>(n)) : std::string("./x");
  return dir.substr(0, dir.rfind('/')) + "/xdp_reflector.bpf.o";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::strcmp(argv[1], "reflect") != 0 && std::strcmp(argv[1], "pass") != 0)) {
    std::fprintf(stderr, "usage: synscan_xdp_reflector reflect|pass IFACE\n");
    return 2;
  }
  const std::string iface = argv[2];
  const unsigned ifindex = if_nametoindex(iface.c_str());
  if (ifindex == 0) return fail("no interface '" + iface + "'", errno);
  libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
  const std::string path = object_path();
  bpf_object* obj = bpf_object__open_file(path.c_str(), nullptr);
  if (obj == nullptr) return fail("opening " + path, errno);
  if (const int err = bpf_object__load(obj); err != 0) return fail("loading " + path, err);
  const char* name = std::strcmp(argv[1], "reflect") == 0 ? "synscan_reflect" : "synscan_pass";
  bpf_program* prog = bpf_object__find_program_by_name(obj, name);
  if (prog == nullptr) return fail(std::string("no program ") + name + " in " + path, ENOENT);
  const int err =
      bpf_xdp_attach(static_cast<int>(ifindex), bpf_program__fd(prog), XDP_FLAGS_DRV_MODE, nullptr);
  if (err != 0) return fail("attaching " + std::string(name) + " to " + iface + " (native mode)", err);
  return 0;
}
