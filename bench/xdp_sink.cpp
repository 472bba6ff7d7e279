// synscan_xdp_sink: a sink for transmit benchmarks (scripts/bench-tx.sh --sink xdp). Attaches an XDP program
// that drops every frame (two instructions: r0 = XDP_DROP; exit) to an interface in native (driver) mode.
// Loading and attaching go through libbpf (bpf_prog_load, bpf_xdp_attach: a netlink attachment that stays
// after this program exits, until the interface is deleted or `ip link set dev IFACE xdp off`).
//
// On a veth pair an XDP program on the receiving end switches the pair to its NAPI path: the sender's
// veth_xmit only queues the frame on a ring, and the drop runs in the receiver's softirq, which the scheduler
// may run on another CPU. The sender's CPU then carries its own work only, as with a wire to another machine;
// with the default sink (an nftables ingress drop) the receive path runs in the sender's context and is
// billed to it.
//
// Usage: synscan_xdp_sink attach IFACE
// Every frame arriving on IFACE is dropped, ARP included: attach after the neighbour entries the benchmark
// needs are resolved. Needs CAP_BPF and CAP_NET_ADMIN. Only for test networks: run it inside a network
// namespace you own.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <net/if.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

int fail(const std::string& what, int err) {
  std::fprintf(stderr, "synscan_xdp_sink: %s: %s\n", what.c_str(), std::strerror(err < 0 ? -err : err));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || std::strcmp(argv[1], "attach") != 0) {
    std::fprintf(stderr, "usage: synscan_xdp_sink attach IFACE\n");
    return 2;
  }
  const std::string iface = argv[2];
  const unsigned ifindex = if_nametoindex(iface.c_str());
  if (ifindex == 0) return fail("no interface '" + iface + "'", errno);
  libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
  const bpf_insn program[] = {
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_DROP},  // r0 = XDP_DROP
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},                          // return r0
  };
  const int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "synscan_sink", "GPL", program,
                               sizeof program / sizeof program[0], nullptr);
  if (fd < 0) return fail("loading the XDP program", fd);
  const int err = bpf_xdp_attach(static_cast<int>(ifindex), fd, XDP_FLAGS_DRV_MODE, nullptr);
  if (err != 0) return fail("attaching the XDP program to " + iface + " (native mode)", err);
  return 0;
}
