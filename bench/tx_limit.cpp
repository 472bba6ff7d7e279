// synscan_tx_limit: the transmit limit of this machine and interface, as a yardstick for the scanner.
//
// Sends one fixed frame (checksums valid) through AF_PACKET as fast as the kernel takes it: for IPv4
// addresses 60 bytes (Ethernet + IPv4 + TCP SYN, padded to the Ethernet minimum), for IPv6 addresses 78 bytes
// (Ethernet + IPv6 + TCP SYN with the option MSS 1460, as nmap's IPv6 SYN has). With the best
// batching: through AF_PACKET with PACKET_QDISC_BYPASS, a PACKET_MMAP TX ring (TPACKET_V2) of 4,096 slots
// kicked once per batch, or sendmmsg(2) batches; or through an AF_XDP socket in copy mode (TX ring of 1,024
// descriptors over a UMEM holding the frame in each of its 1,024 chunks, one sendto(2) per batch; kernel
// Documentation/networking/af_xdp.rst). Nothing per frame but the kernel's own work, so a scanner that
// reaches this rate is limited by the kernel path, not by itself. Independent of synscan's code on purpose.
//
// Usage: synscan_tx_limit -i IFACE --dst-mac MAC --src-ip IP --dst-ip IP [--dst-port N]
//                         [--method ring|sendmmsg|xdp] [--batch N] (--count N | --seconds S)
// The two addresses are both IPv4 or both IPv6; they choose the frame.
// Stops by itself after N frames or S seconds (default 3 s). Prints "frames=N seconds=S pps=R" on stdout: the
// frames the kernel accepted. Count delivered frames on the interface instead (scripts/bench-tx.sh does).
// Needs CAP_NET_RAW. Only for test networks: run it inside a network namespace you own.
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr std::size_t kFrame4 = 60;            // 14 + 20 + 20 = 54, padded to the 60-byte Ethernet minimum
constexpr std::size_t kFrame6 = 14 + 40 + 24;  // TCP header with a 4-byte MSS option
constexpr unsigned kSlotBytes = 128, kBlockBytes = 4096, kBlocks = 128;
constexpr unsigned kSlots = kBlocks * (kBlockBytes / kSlotBytes);
constexpr std::size_t kDataOffset = TPACKET2_HDRLEN - sizeof(sockaddr_ll);
static_assert(kDataOffset + kFrame6 <= kSlotBytes, "a TX ring slot holds its header and the larger frame");

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "synscan_tx_limit: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}
[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "synscan_tx_limit: %s\nusage: synscan_tx_limit -i IFACE --dst-mac MAC --src-ip IP --dst-ip IP "
               "[--dst-port N] [--method ring|sendmmsg|xdp] [--batch N] (--count N | --seconds S)\n",
               why);
  std::exit(2);
}

double now_s() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::uint16_t checksum(const std::uint8_t* p, std::size_t n, std::uint32_t sum = 0) {
  for (std::size_t i = 0; i + 1 < n; i += 2) sum += (std::uint32_t{p[i]} << 8) | p[i + 1];
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

// The TCP SYN both frames carry, from source port 61000, window 1024; the checksum is left to the caller.
void put_tcp_syn(std::uint8_t* tcp, std::uint16_t dport, bool mss_option) {
  tcp[0] = 0xEE;  // source port 61000
  tcp[1] = 0x48;
  tcp[2] = static_cast<std::uint8_t>(dport >> 8);
  tcp[3] = static_cast<std::uint8_t>(dport);
  tcp[12] = mss_option ? 0x60 : 0x50;  // data offset 6 or 5 words
  tcp[13] = 0x02;                      // SYN
  tcp[14] = 0x04;                      // window 1024
  if (mss_option) {
    tcp[20] = 2;  // kind MSS, length 4, 1460
    tcp[21] = 4;
    tcp[22] = 0x05;
    tcp[23] = 0xB4;
  }
}

// Ethernet, IPv4 (20 bytes), TCP SYN (20 bytes), zero padding to 60 bytes.
std::vector<std::uint8_t> build_frame4(const std::uint8_t* dst_mac, const std::uint8_t* src_mac, in_addr src,
                                       in_addr dst, std::uint16_t dport) {
  std::vector<std::uint8_t> f(kFrame4, 0);
  std::memcpy(&f[0], dst_mac, 6);
  std::memcpy(&f[6], src_mac, 6);
  f[12] = 0x08;
  std::uint8_t* ip = &f[14];
  ip[0] = 0x45;
  ip[3] = 40;
  ip[8] = 64;
  ip[9] = 6;
  std::memcpy(ip + 12, &src, 4);
  std::memcpy(ip + 16, &dst, 4);
  const std::uint16_t ip_sum = checksum(ip, 20);
  ip[10] = static_cast<std::uint8_t>(ip_sum >> 8);
  ip[11] = static_cast<std::uint8_t>(ip_sum);
  std::uint8_t* tcp = ip + 20;
  put_tcp_syn(tcp, dport, false);
  std::uint32_t pseudo = 6 + 20;
  for (int i = 12; i < 20; i += 2) pseudo += (std::uint32_t{ip[i]} << 8) | ip[i + 1];
  const std::uint16_t tcp_sum = checksum(tcp, 20, pseudo);
  tcp[16] = static_cast<std::uint8_t>(tcp_sum >> 8);
  tcp[17] = static_cast<std::uint8_t>(tcp_sum);
  return f;
}

// Ethernet, IPv6 (40 bytes, no extension header, hop limit 64), TCP SYN with MSS 1460 (24 bytes): 78 bytes.
std::vector<std::uint8_t> build_frame6(const std::uint8_t* dst_mac, const std::uint8_t* src_mac,
                                       const in6_addr& src, const in6_addr& dst, std::uint16_t dport) {
  constexpr std::size_t kTcpBytes = kFrame6 - 14 - 40;
  std::vector<std::uint8_t> f(kFrame6, 0);
  std::memcpy(&f[0], dst_mac, 6);
  std::memcpy(&f[6], src_mac, 6);
  f[12] = 0x86;
  f[13] = 0xDD;
  std::uint8_t* ip = &f[14];
  ip[0] = 0x60;                                  // version 6, traffic class 0, flow label 0
  ip[5] = static_cast<std::uint8_t>(kTcpBytes);  // payload length
  ip[6] = 6;                                     // next header TCP
  ip[7] = 64;                                    // hop limit
  std::memcpy(ip + 8, &src, 16);
  std::memcpy(ip + 24, &dst, 16);
  std::uint8_t* tcp = ip + 40;
  put_tcp_syn(tcp, dport, true);
  // Pseudo-header (RFC 8200 8.1): both addresses, the upper-layer length and the next header.
  std::uint32_t pseudo = 6 + kTcpBytes;
  for (int i = 8; i < 40; i += 2) pseudo += (std::uint32_t{ip[i]} << 8) | ip[i + 1];
  const std::uint16_t tcp_sum = checksum(tcp, kTcpBytes, pseudo);
  tcp[16] = static_cast<std::uint8_t>(tcp_sum >> 8);
  tcp[17] = static_cast<std::uint8_t>(tcp_sum);
  return f;
}

// AF_XDP, copy mode, TX only. Every UMEM chunk holds the frame, so sending is posting descriptors; a chunk is
// posted again only once its completion came back (at most kXdpChunks in flight). Ring protocol (af_xdp.rst):
// load the kernel's counter with acquire, store ours with release.
constexpr std::uint32_t kXdpChunkBytes = 2048, kXdpChunks = 1024, kXdpRing = 1024;

std::uint32_t load_acquire(std::uint32_t* p) {
  return std::atomic_ref<std::uint32_t>(*p).load(std::memory_order_acquire);
}
void store_release(std::uint32_t* p, std::uint32_t v) {
  std::atomic_ref<std::uint32_t>(*p).store(v, std::memory_order_release);
}

struct XdpSender {
  int fd = -1;
  std::uint32_t *tx_prod = nullptr, *tx_cons = nullptr, *cq_prod = nullptr, *cq_cons = nullptr;
  xdp_desc* tx_desc = nullptr;
  std::uint32_t prod = 0, completed = 0;  // descriptors posted; completions reaped
  std::uint64_t next_chunk = 0;
  std::uint32_t frame_len = 0;

  XdpSender(int ifindex, const std::vector<std::uint8_t>& frame)
      : frame_len(static_cast<std::uint32_t>(frame.size())) {
    fd = socket(AF_XDP, SOCK_RAW, 0);
    if (fd < 0) die("socket(AF_XDP)");
    const std::size_t umem_bytes = std::size_t{kXdpChunks} * kXdpChunkBytes;
    void* umem = mmap(nullptr, umem_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (umem == MAP_FAILED) die("mmap(UMEM)");
    for (std::uint32_t c = 0; c < kXdpChunks; ++c)
      std::memcpy(static_cast<std::uint8_t*>(umem) + std::size_t{c} * kXdpChunkBytes, frame.data(),
                  frame.size());
    xdp_umem_reg reg{};
    reg.addr = reinterpret_cast<std::uintptr_t>(umem);
    reg.len = umem_bytes;
    reg.chunk_size = kXdpChunkBytes;
    if (setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof reg) != 0) die("XDP_UMEM_REG (RLIMIT_MEMLOCK?)");
    int fill = 64, ring = kXdpRing;  // bind() wants a fill ring, even unused
    if (setsockopt(fd, SOL_XDP, XDP_UMEM_FILL_RING, &fill, sizeof fill) != 0) die("XDP_UMEM_FILL_RING");
    if (setsockopt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &ring, sizeof ring) != 0)
      die("XDP_UMEM_COMPLETION_RING");
    if (setsockopt(fd, SOL_XDP, XDP_TX_RING, &ring, sizeof ring) != 0) die("XDP_TX_RING");
    xdp_mmap_offsets off{};
    socklen_t len = sizeof off;
    if (getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &len) != 0) die("XDP_MMAP_OFFSETS");
    auto* tx = static_cast<std::uint8_t*>(mmap(nullptr, off.tx.desc + kXdpRing * sizeof(xdp_desc),
                                               PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
                                               XDP_PGOFF_TX_RING));
    auto* cq = static_cast<std::uint8_t*>(mmap(nullptr, off.cr.desc + kXdpRing * sizeof(std::uint64_t),
                                               PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
                                               XDP_UMEM_PGOFF_COMPLETION_RING));
    if (tx == MAP_FAILED || cq == MAP_FAILED) die("mmap(AF_XDP rings)");
    tx_prod = reinterpret_cast<std::uint32_t*>(tx + off.tx.producer);
    tx_cons = reinterpret_cast<std::uint32_t*>(tx + off.tx.consumer);
    tx_desc = reinterpret_cast<xdp_desc*>(tx + off.tx.desc);
    cq_prod = reinterpret_cast<std::uint32_t*>(cq + off.cr.producer);
    cq_cons = reinterpret_cast<std::uint32_t*>(cq + off.cr.consumer);
    int budget = kXdpRing;  // XDP_MAX_TX_SKB_BUDGET (9, Linux >= 6.17): a whole ring per sendto; else 32
    setsockopt(fd, SOL_XDP, 9, &budget, sizeof budget);
    int sndbuf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    sockaddr_xdp addr{};
    addr.sxdp_family = AF_XDP;
    addr.sxdp_ifindex = static_cast<std::uint32_t>(ifindex);
    addr.sxdp_queue_id = 0;
    addr.sxdp_flags = XDP_COPY;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      die("bind(AF_XDP, queue 0, XDP_COPY)");
  }

  void reap() {
    const std::uint32_t p = load_acquire(cq_prod);
    if (p != completed) store_release(cq_cons, completed = p);
  }
  void kick() {
    if (sendto(fd, nullptr, 0, MSG_DONTWAIT, nullptr, 0) < 0 && errno != EAGAIN && errno != EBUSY &&
        errno != ENOBUFS && errno != EINTR)
      die("sendto(AF_XDP)");
  }
  // Posts up to `want` descriptors and kicks; returns how many were posted.
  unsigned send(unsigned want) {
    reap();
    const std::uint32_t room =
        std::min(kXdpRing - (prod - load_acquire(tx_cons)), kXdpChunks - (prod - completed));
    const unsigned n = std::min(want, room);
    for (unsigned i = 0; i < n; ++i) {
      xdp_desc& d = tx_desc[(prod + i) & (kXdpRing - 1)];
      d.addr = (next_chunk++ % kXdpChunks) * kXdpChunkBytes;
      d.len = frame_len;
      d.options = 0;
    }
    store_release(tx_prod, prod += n);
    kick();
    return n;
  }
  // Waits up to 1 s for every posted frame to complete: closing the socket would drop the rest.
  void drain() {
    for (const double end = now_s() + 1.0; prod != completed && now_s() < end; reap()) kick();
  }
};

bool parse_mac(const char* text, std::uint8_t* mac) {
  unsigned b[6];
  if (std::sscanf(text, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6) return false;
  for (int i = 0; i < 6; ++i) mac[i] = static_cast<std::uint8_t>(b[i]);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string iface, method = "ring";
  std::uint8_t dst_mac[6] = {}, src_mac[6] = {};
  bool have_mac = false;
  const char *src_text = nullptr, *dst_text = nullptr;
  std::uint16_t dport = 60000;
  unsigned batch = 256;
  unsigned long long count = 0;
  double seconds = 3.0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage(("missing value for " + a).c_str());
    const char* v = argv[++i];
    if (a == "-i")
      iface = v;
    else if (a == "--dst-mac")
      have_mac = parse_mac(v, dst_mac);
    else if (a == "--src-ip")
      src_text = v;
    else if (a == "--dst-ip")
      dst_text = v;
    else if (a == "--dst-port")
      dport = static_cast<std::uint16_t>(std::strtoul(v, nullptr, 10));
    else if (a == "--method")
      method = v;
    else if (a == "--batch")
      batch = static_cast<unsigned>(std::strtoul(v, nullptr, 10));
    else if (a == "--count")
      count = std::strtoull(v, nullptr, 10), seconds = 0;
    else if (a == "--seconds")
      seconds = std::strtod(v, nullptr), count = 0;
    else
      usage(("unknown option " + a).c_str());
  }
  if (iface.empty() || !have_mac || src_text == nullptr || dst_text == nullptr)
    usage("-i, --dst-mac, --src-ip and --dst-ip are needed");
  in_addr src4{}, dst4{};
  in6_addr src6{}, dst6{};
  const bool ipv4 = inet_pton(AF_INET, src_text, &src4) == 1 && inet_pton(AF_INET, dst_text, &dst4) == 1;
  const bool ipv6 =
      !ipv4 && inet_pton(AF_INET6, src_text, &src6) == 1 && inet_pton(AF_INET6, dst_text, &dst6) == 1;
  if (!ipv4 && !ipv6) usage("--src-ip and --dst-ip are two IPv4 or two IPv6 addresses");
  if (method != "ring" && method != "sendmmsg" && method != "xdp") usage("--method is ring, sendmmsg or xdp");
  if (batch < 1 || batch > 4096 || (count == 0 && !(seconds > 0 && seconds <= 600))) {
    usage("--batch 1-4096; --count > 0 or --seconds in (0, 600]");
  }

  const int fd = socket(AF_PACKET, SOCK_RAW, 0);
  if (fd < 0) die("socket(AF_PACKET)");
  ifreq ifr{};
  std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", iface.c_str());
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) die("SIOCGIFHWADDR " + iface);
  std::memcpy(src_mac, ifr.ifr_hwaddr.sa_data, 6);
  const int ifindex = static_cast<int>(if_nametoindex(iface.c_str()));
  if (ifindex == 0) die("if_nametoindex " + iface);
  const std::vector<std::uint8_t> frame = ipv4 ? build_frame4(dst_mac, src_mac, src4, dst4, dport)
                                               : build_frame6(dst_mac, src_mac, src6, dst6, dport);

  if (method == "xdp") {
    XdpSender x(ifindex, frame);
    unsigned long long sent = 0;
    const double start = now_s();
    const double end = seconds > 0 ? start + seconds : 1e300;
    for (unsigned long long round = 0;; ++round) {
      if (count > 0 && sent >= count) break;
      if ((round & 63) == 0 && now_s() >= end) break;
      const unsigned want = static_cast<unsigned>(count > 0 && count - sent < batch ? count - sent : batch);
      const unsigned n = x.send(want);
      sent += n;
      if (n == 0) sched_yield();
    }
    x.drain();
    const double elapsed = now_s() - start;
    std::printf("frames=%llu seconds=%.3f pps=%.0f\n", sent, elapsed, static_cast<double>(sent) / elapsed);
    return 0;
  }

  int one = 1;
  std::uint8_t* ring = nullptr;
  if (method == "ring") {
    int version = TPACKET_V2;
    if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) != 0) die("PACKET_VERSION");
  }
  if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one) != 0) die("PACKET_QDISC_BYPASS");
  if (method == "ring") {
    tpacket_req req{kBlockBytes, kBlocks, kSlotBytes, kSlots};
    if (setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof req) != 0) die("PACKET_TX_RING");
    void* map = mmap(nullptr, std::size_t{kBlockBytes} * kBlocks, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) die("mmap");
    ring = static_cast<std::uint8_t*>(map);
    // The frame never changes: write it into every slot once.
    for (unsigned s = 0; s < kSlots; ++s)
      std::memcpy(ring + std::size_t{s} * kSlotBytes + kDataOffset, frame.data(), frame.size());
  } else {
    int sndbuf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  }
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_ifindex = ifindex;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("bind " + iface);

  std::vector<iovec> iov(batch, iovec{const_cast<std::uint8_t*>(frame.data()), frame.size()});
  std::vector<mmsghdr> msgs(batch);
  for (unsigned k = 0; k < batch; ++k) {
    msgs[k].msg_hdr.msg_iov = &iov[k];
    msgs[k].msg_hdr.msg_iovlen = 1;
  }

  unsigned long long sent = 0;
  unsigned head = 0;
  const double start = now_s();
  const double end = seconds > 0 ? start + seconds : 1e300;
  for (unsigned long long round = 0;; ++round) {
    if (count > 0 && sent >= count) break;
    if ((round & 63) == 0 && now_s() >= end) break;
    const unsigned want = static_cast<unsigned>(count > 0 && count - sent < batch ? count - sent : batch);
    if (method == "ring") {
      unsigned queued = 0;
      for (; queued < want; ++queued) {
        auto* h = reinterpret_cast<tpacket2_hdr*>(ring + std::size_t{head} * kSlotBytes);
        if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) != TP_STATUS_AVAILABLE) break;
        h->tp_len = static_cast<unsigned>(frame.size());
        __atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
        head = head + 1 == kSlots ? 0 : head + 1;
      }
      if (send(fd, nullptr, 0, MSG_DONTWAIT) < 0 && errno != ENOBUFS && errno != EAGAIN && errno != EINTR)
        die("send");
      sent += queued;
      if (queued == 0) sched_yield();
    } else {
      const int n = sendmmsg(fd, msgs.data(), want, 0);
      if (n < 0 && errno != ENOBUFS && errno != EAGAIN && errno != EINTR) die("sendmmsg");
      if (n > 0)
        sent += static_cast<unsigned>(n);
      else
        sched_yield();
    }
  }
  // Let the ring drain before closing: the kernel discards slots still waiting.
  if (method == "ring") {
    const double drain_end = now_s() + 1.0;
    for (bool busy = true; busy && now_s() < drain_end;) {
      send(fd, nullptr, 0, MSG_DONTWAIT);
      busy = false;
      for (unsigned s = 0; s < kSlots && !busy; ++s) {
        auto* h = reinterpret_cast<tpacket2_hdr*>(ring + std::size_t{s} * kSlotBytes);
        busy = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) != TP_STATUS_AVAILABLE;
      }
    }
  }
  const double elapsed = now_s() - start;
  std::printf("frames=%llu seconds=%.3f pps=%.0f\n", sent, elapsed, static_cast<double>(sent) / elapsed);
  close(fd);
  return 0;
}
