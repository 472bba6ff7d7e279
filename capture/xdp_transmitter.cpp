// The AF_XDP transmitter (kernel Documentation/networking/af_xdp.rst). User space owns a UMEM, an area of
// fixed-size chunks it registers with the socket; a frame is sent by copying it into a free chunk and posting
// a descriptor (chunk offset, length) on the TX ring, then one sendto(2) asks the kernel to transmit every
// posted descriptor. In copy mode (XDP_COPY, the generic path every driver has) the kernel builds an skb per
// frame and hands it straight to the driver (__dev_direct_xmit: no qdisc, no packet taps); when the driver
// frees the skb the chunk's offset comes back on the completion ring and the chunk may be reused. Against
// AF_PACKET this saves the per-frame socket send path; on the lab's veth it measured ~1.4x the frames per
// second of sendmmsg with PACKET_QDISC_BYPASS. No XDP program is loaded and no RX ring is set up: receiving
// is untouched (libpcap).
//
// Ring protocol (af_xdp.rst; net/xdp/xsk_queue.h): we produce on the TX ring and consume on the completion
// ring. A producer loads the consumer counter (acquire), writes entries, then stores its producer counter
// (release); a consumer loads the producer counter (acquire), reads entries, then stores its consumer counter
// (release).
#include "capture/xdp_transmitter.hpp"

#include <linux/if_xdp.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

#include "capture/xdp_ring.hpp"
#include "engine/clock.hpp"

namespace synscan {
namespace {

constexpr std::uint32_t kChunkBytes = 2048;  // the smallest chunk aligned mode accepts (2 KiB to a page)
constexpr std::uint32_t kChunks = 1024;      // 2 MiB of UMEM per send thread, pinned (RLIMIT_MEMLOCK)
constexpr std::uint32_t kTxRingSize = 1024;
constexpr std::uint32_t kCompletionRingSize = 1024;
// bind() insists on a fill ring (xsk_validate_queues) although a TX-only socket never posts to it.
constexpr std::uint32_t kFillRingSize = 64;
// SOL_XDP option: descriptors one sendto(2) may transmit in copy mode (default 32; Linux >= 6.17, not in
// Debian 12's headers). Range [32, TX ring size]; older kernels answer ENOPROTOOPT and keep 32.
constexpr int kXdpMaxTxSkbBudget = 9;
constexpr std::uint32_t kMaxQueues = 256;  // tried in order for a free TX queue
constexpr std::int64_t kFlushTimeoutNs = 1'000'000'000;
static_assert(is_power_of_two(kTxRingSize) && is_power_of_two(kCompletionRingSize) &&
                  is_power_of_two(kFillRingSize),
              "the kernel only accepts power-of-two ring sizes");
static_assert(kCompletionRingSize >= kChunks,
              "every chunk in flight has a completion slot: the ring never fills");

std::string error_text(const std::string& what, int err) {
  std::string text = "--send-backend xdp: " + what + ": " + std::strerror(err);
  if (err == EPERM || err == EACCES) text += " (needs CAP_NET_RAW)";
  return text;
}
std::runtime_error xdp_error(const std::string& what) { return std::runtime_error(error_text(what, errno)); }

std::uint32_t load_acquire(std::uint32_t* p) noexcept {
  return std::atomic_ref<std::uint32_t>(*p).load(std::memory_order_acquire);
}
void store_release(std::uint32_t* p, std::uint32_t v) noexcept {
  std::atomic_ref<std::uint32_t>(*p).store(v, std::memory_order_release);
}

// The kernel's copy path sets no skb->protocol, which Ethernet drivers do not need but tunnel devices (ipip,
// WireGuard) check and drop on: only Ethernet links are accepted.
void require_ethernet(const std::string& interface) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw xdp_error("socket(AF_INET)");
  ifreq ifr{};
  std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", interface.c_str());
  const int rc = ::ioctl(fd, SIOCGIFHWADDR, &ifr);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw std::runtime_error(error_text("SIOCGIFHWADDR " + interface, err));
  if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
    throw std::runtime_error("--send-backend xdp: interface '" + interface + "' is not Ethernet (ARPHRD " +
                             std::to_string(ifr.ifr_hwaddr.sa_family) +
                             "); use --send-backend sendmmsg on tun/ipip/WireGuard links");
  }
}

/// One ring mapped from the socket: its counters and its entries.
struct MappedRing {
  void* map = MAP_FAILED;
  std::size_t bytes = 0;
  std::uint32_t* producer = nullptr;
  std::uint32_t* consumer = nullptr;
  void* entries = nullptr;

  void map_from(int fd, const xdp_ring_offset& off, std::uint32_t size, std::size_t entry_bytes, off_t pgoff,
                const char* name) {
    bytes = off.desc + std::size_t{size} * entry_bytes;
    map = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, pgoff);
    if (map == MAP_FAILED) throw xdp_error(std::string("mmap(") + name + ")");
    auto* base = static_cast<std::uint8_t*>(map);
    producer = reinterpret_cast<std::uint32_t*>(base + off.producer);
    consumer = reinterpret_cast<std::uint32_t*>(base + off.consumer);
    entries = base + off.desc;
  }
  void unmap() noexcept {
    if (map != MAP_FAILED) ::munmap(map, bytes);
    map = MAP_FAILED;
  }
};

class XdpTransmitter final : public Transmitter {
 public:
  XdpTransmitter(const std::string& interface, int ifindex) : chunks_(kChunks, kChunkBytes) {
    require_ethernet(interface);
    fd_ = ::socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      if (errno == EAFNOSUPPORT) {
        throw std::runtime_error(error_text("socket(AF_XDP)", errno) +
                                 " (the kernel has no AF_XDP: CONFIG_XDP_SOCKETS)");
      }
      throw xdp_error("socket(AF_XDP)");
    }
    try {
      set_up(interface, ifindex);
    } catch (...) {
      release();
      throw;
    }
  }
  XdpTransmitter(const XdpTransmitter&) = delete;
  XdpTransmitter& operator=(const XdpTransmitter&) = delete;
  ~XdpTransmitter() override {
    try {
      flush();  // posted frames would be lost with the socket
    } catch (const std::exception&) {
      // The interface went away: nothing left to deliver the frames to.
    }
    release();
  }

  std::size_t send(const std::uint8_t* frames, std::size_t stride, const std::uint16_t* lengths,
                   std::size_t count) override {
    reap();
    const std::uint32_t room = xsk_ring_free(kTxRingSize, tx_producer_, load_acquire(tx_.consumer));
    const auto n =
        static_cast<std::uint32_t>(std::min<std::size_t>(count, std::min(room, chunks_.free_count())));
    auto* descs = static_cast<xdp_desc*>(tx_.entries);
    const std::uint32_t first = tx_producer_;
    for (std::uint32_t i = 0; i < n; ++i) {
      const std::uint64_t addr = chunks_.take();
      std::memcpy(umem_ + addr, frames + stride * i, lengths[i]);
      xdp_desc& d = descs[xsk_ring_slot(tx_producer_ + i, kTxRingSize)];
      d.addr = addr;
      d.len = lengths[i];
      d.options = 0;
    }
    tx_producer_ += n;
    store_release(tx_.producer,
                  tx_producer_);  // the descriptors are visible before the kernel sees them posted
    try {
      kick();
    } catch (const SendError& e) {
      if (!e.link_gone()) throw;
      // A link that is gone: take back the descriptors of this call the kernel did not consume (it fails
      // before reading any, and reads only inside our sendto, so none moves now), so that the caller may send
      // them again and a stop's cursor is exact. Those it consumed, a prefix, are sent.
      const auto ahead = static_cast<std::int32_t>(load_acquire(tx_.consumer) - first);
      const std::uint32_t taken = ahead <= 0 ? 0 : std::min(n, static_cast<std::uint32_t>(ahead));
      for (std::uint32_t i = n; i > taken; --i)
        chunks_.give(descs[xsk_ring_slot(first + i - 1, kTxRingSize)].addr);
      tx_producer_ = first + taken;
      store_release(tx_.producer, tx_producer_);
      if (taken == 0) throw;
      return taken;
    }
    return n;
  }

  void flush() override {
    const std::int64_t deadline = monotonic_ns() + kFlushTimeoutNs;
    for (reap(); chunks_.in_flight() > 0 && monotonic_ns() < deadline; reap()) {
      kick();
      ::sched_yield();
    }
  }

  std::uint64_t errors() const noexcept override { return errors_; }

 private:
  void set_up(const std::string& interface, int ifindex) {
    void* area = ::mmap(nullptr, kUmemBytes, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (area == MAP_FAILED) throw xdp_error("mmap(UMEM)");
    umem_ = static_cast<std::uint8_t*>(area);
    xdp_umem_reg reg{};
    reg.addr = reinterpret_cast<std::uintptr_t>(umem_);
    reg.len = kUmemBytes;
    reg.chunk_size = kChunkBytes;
    if (::setsockopt(fd_, SOL_XDP, XDP_UMEM_REG, &reg, sizeof reg) != 0) throw umem_error();
    set_ring(XDP_UMEM_FILL_RING, kFillRingSize, "XDP_UMEM_FILL_RING");
    set_ring(XDP_UMEM_COMPLETION_RING, kCompletionRingSize, "XDP_UMEM_COMPLETION_RING");
    set_ring(XDP_TX_RING, kTxRingSize, "XDP_TX_RING");
    xdp_mmap_offsets off{};
    socklen_t len = sizeof off;
    if (::getsockopt(fd_, SOL_XDP, XDP_MMAP_OFFSETS, &off, &len) != 0) throw xdp_error("XDP_MMAP_OFFSETS");
    tx_.map_from(fd_, off.tx, kTxRingSize, sizeof(xdp_desc), XDP_PGOFF_TX_RING, "TX ring");
    cq_.map_from(fd_, off.cr, kCompletionRingSize, sizeof(std::uint64_t), XDP_UMEM_PGOFF_COMPLETION_RING,
                 "completion ring");
    tx_producer_ = load_acquire(tx_.producer);
    cq_consumer_ = load_acquire(cq_.consumer);
    // One kick sends the whole ring (where the kernel knows the option); a refusal keeps the default of 32.
    int budget = static_cast<int>(kTxRingSize);
    ::setsockopt(fd_, SOL_XDP, kXdpMaxTxSkbBudget, &budget, sizeof budget);
    // Each skb in flight is charged to the socket's send buffer; the default (~200 KiB) stalls ~300 frames
    // in.
    int sndbuf = 4 << 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    bind_free_queue(interface, ifindex);
  }

  std::runtime_error umem_error() const {
    const int err = errno;
    std::string text = error_text("registering the UMEM (XDP_UMEM_REG, 2 MiB)", err);
    if (err == ENOBUFS || err == EPERM || err == ENOMEM) {
      rlimit lim{};
      ::getrlimit(RLIMIT_MEMLOCK, &lim);
      text += "; the UMEM is pinned memory charged to RLIMIT_MEMLOCK (now ";
      text += lim.rlim_cur == RLIM_INFINITY ? std::string("unlimited")
                                            : std::to_string(lim.rlim_cur >> 10) + " KiB";
      text +=
          ", 2 MiB per send thread): raise it (ulimit -l, LimitMEMLOCK=), run with CAP_IPC_LOCK, use fewer "
          "--send-threads or --send-backend sendmmsg";
    }
    return std::runtime_error(text);
  }

  void set_ring(int option, std::uint32_t size, const char* name) {
    int entries = static_cast<int>(size);
    if (::setsockopt(fd_, SOL_XDP, option, &entries, sizeof entries) != 0) throw xdp_error(name);
  }

  // Queue q of the interface can hold one AF_XDP socket (EBUSY when taken): each send thread takes the next
  // free one. EINVAL past the first queue means there are no more queues.
  void bind_free_queue(const std::string& interface, int ifindex) {
    for (std::uint32_t q = 0; q < kMaxQueues; ++q) {
      sockaddr_xdp addr{};
      addr.sxdp_family = AF_XDP;
      addr.sxdp_ifindex = static_cast<std::uint32_t>(ifindex);
      addr.sxdp_queue_id = q;
      addr.sxdp_flags = XDP_COPY;
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return;
      if (errno == EBUSY) continue;
      if (errno == EINVAL && q > 0) {
        throw std::runtime_error(
            "--send-backend xdp: no free TX queue on " + interface + " (" + std::to_string(q) +
            " in all, each taken by an AF_XDP socket: one per " +
            "send thread, or another program's): each send thread needs a queue of its " +
            "own; use fewer --send-threads, or more queues (ethtool -L " + interface + " tx N)");
      }
      throw xdp_error("bind(AF_XDP, " + interface + " queue " + std::to_string(q) + ", XDP_COPY)");
    }
    throw std::runtime_error("--send-backend xdp: no free TX queue on " + interface);
  }

  // Moves completed chunks back to the free list.
  void reap() noexcept {
    const std::uint32_t produced = load_acquire(cq_.producer);
    if (produced == cq_consumer_) return;
    const auto* addrs = static_cast<const std::uint64_t*>(cq_.entries);
    for (; cq_consumer_ != produced; ++cq_consumer_) {
      if (!chunks_.give(addrs[xsk_ring_slot(cq_consumer_, kCompletionRingSize)])) ++errors_;
    }
    store_release(cq_.consumer,
                  cq_consumer_);  // we are done reading the entries before the kernel reuses them
  }

  // Asks the kernel to transmit the posted descriptors; with the default budget of 32 per call (older
  // kernels) it calls again while the kernel makes progress. EAGAIN (budget used up, device queue busy, send
  // buffer full) and ENOBUFS leave descriptors posted for the next call; EBUSY means the driver dropped one
  // frame.
  void kick() {
    for (std::uint32_t round = 0; round < kTxRingSize / 32; ++round) {
      const std::uint32_t before = load_acquire(tx_.consumer);
      if (xsk_ring_pending(tx_producer_, before) == 0) return;
      if (::sendto(fd_, nullptr, 0, MSG_DONTWAIT, nullptr, 0) >= 0) return;
      if (errno == EBUSY) {
        ++errors_;
        return;
      }
      if (errno != EAGAIN && errno != ENOBUFS && errno != EINTR) {
        const int err = errno;
        throw SendError(error_text("sendto(AF_XDP)", err), err);
      }
      if (load_acquire(tx_.consumer) == before) return;
    }
  }

  void release() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    tx_.unmap();
    cq_.unmap();
    if (umem_ != nullptr) ::munmap(umem_, kUmemBytes);
    umem_ = nullptr;
  }

  static constexpr std::size_t kUmemBytes = std::size_t{kChunks} * kChunkBytes;

  int fd_ = -1;
  std::uint8_t* umem_ = nullptr;
  MappedRing tx_;
  MappedRing cq_;
  UmemChunks chunks_;
  std::uint32_t tx_producer_ = 0;  // our copy of the TX producer counter (we are its only writer)
  std::uint32_t cq_consumer_ = 0;  // our copy of the completion consumer counter
  std::uint64_t errors_ = 0;
};

}  // namespace

std::unique_ptr<Transmitter> make_xdp_transmitter(const std::string& interface, int ifindex) {
  return std::make_unique<XdpTransmitter>(interface, ifindex);
}

}  // namespace synscan
