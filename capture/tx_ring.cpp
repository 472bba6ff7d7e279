// The PACKET_MMAP TX ring transmitter (Documentation/networking/packet_mmap.rst in the kernel tree): frames
// are written into a ring shared with the kernel and handed over by flipping each slot's status word, and one
// send(2) makes the kernel transmit every slot marked since the last call. Against sendmmsg(2) this saves,
// per frame, the copy-in of a msghdr and an iovec and the per-message socket send path; the frames still go
// one by one through the driver (PACKET_QDISC_BYPASS: straight to it, no qdisc). A slot is busy until the
// kernel frees the frame's buffer, since the frame may still point into it.
#include "capture/tx_ring.hpp"

#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "engine/clock.hpp"

namespace synscan {
namespace {

// Ring geometry: 128-byte slots (the 32-byte TPACKET_V2 header, then up to 96 bytes of frame: our probes are
// at most 78 bytes, an Ethernet + IPv6 + TCP SYN with MSS), 32 slots per 4 KiB block, 128 blocks: 4,096
// slots, 512 KiB per transmitter. Slots never straddle blocks and the blocks are contiguous in the mapping,
// so slot i is at i * kSlotBytes.
constexpr unsigned kSlotBytes = 128;
constexpr unsigned kBlockBytes = 4096;
constexpr unsigned kBlocks = 128;
constexpr unsigned kSlots = kBlocks * (kBlockBytes / kSlotBytes);
// Where a TPACKET_V2 TX slot's frame starts: the kernel reads it at tp_hdrlen - sizeof(sockaddr_ll)
// (net/packet/af_packet.c, tpacket_parse_header) unless PACKET_TX_HAS_OFF is set.
constexpr std::size_t kDataOffset = TPACKET2_HDRLEN - sizeof(sockaddr_ll);
static_assert(kDataOffset % TPACKET_ALIGNMENT == 0, "frame data starts aligned in its slot");
static_assert(kBlockBytes % kSlotBytes == 0, "slots tile a block: slot i sits at i * kSlotBytes");
static_assert(kSlotBytes % TPACKET_ALIGNMENT == 0, "the kernel requires aligned slot sizes");
constexpr std::int64_t kFlushTimeoutNs = 1'000'000'000;

std::runtime_error system_error(const std::string& what) {
  const int err = errno;
  std::string text = what + ": " + std::strerror(err);
  if (err == EPERM || err == EACCES) text += " (needs CAP_NET_RAW)";
  return std::runtime_error(text);
}

SendError send_error(const std::string& what) {
  const int err = errno;
  return SendError(what + ": " + std::strerror(err), err);
}

class TxRingTransmitter final : public Transmitter {
 public:
  TxRingTransmitter(const std::string& interface, int ifindex, bool tap_visible)
      : fd_(::socket(AF_PACKET, SOCK_RAW, 0)) {
    if (fd_ < 0) throw system_error("socket(AF_PACKET)");
    try {
      int version = TPACKET_V2;
      if (::setsockopt(fd_, SOL_PACKET, PACKET_VERSION, &version, sizeof version) != 0) {
        throw system_error("setsockopt(PACKET_VERSION, TPACKET_V2)");
      }
      // Skip the qdisc layer: our frames need no traffic control and it costs a lock per packet. Bypassed
      // frames are invisible to packet taps, so --pcap-out keeps the qdisc.
      int one = 1;
      if (!tap_visible) ::setsockopt(fd_, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
      tpacket_req req{};
      req.tp_block_size = kBlockBytes;
      req.tp_block_nr = kBlocks;
      req.tp_frame_size = kSlotBytes;
      req.tp_frame_nr = kSlots;
      if (::setsockopt(fd_, SOL_PACKET, PACKET_TX_RING, &req, sizeof req) != 0) {
        throw system_error("setsockopt(PACKET_TX_RING)");
      }
      void* map = ::mmap(nullptr, kRingBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
      if (map == MAP_FAILED) throw system_error("mmap(PACKET_TX_RING)");
      ring_ = static_cast<std::uint8_t*>(map);
      sockaddr_ll addr{};
      addr.sll_family = AF_PACKET;
      addr.sll_ifindex = ifindex;
      addr.sll_protocol = 0;  // send only: a protocol of 0 receives nothing
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        throw system_error("bind(AF_PACKET, " + interface + ")");
      }
    } catch (...) {
      release();
      throw;
    }
  }
  TxRingTransmitter(const TxRingTransmitter&) = delete;
  TxRingTransmitter& operator=(const TxRingTransmitter&) = delete;
  ~TxRingTransmitter() override {
    try {
      flush();  // slots still marked for sending would be discarded with the ring
    } catch (const std::exception&) {
      // The interface went away: nothing left to deliver the frames to.
    }
    release();
  }

  std::size_t send(const std::uint8_t* frames, std::size_t stride, const std::uint16_t* lengths,
                   std::size_t count) override {
    const unsigned first = head_;
    std::size_t queued = 0;
    while (queued < count) {
      tpacket2_hdr* slot = header(head_);
      const std::uint32_t status = load_status(slot);
      if (status == TP_STATUS_WRONG_FORMAT) {
        ++errors_;  // the kernel refused this frame (never expected: our frames are fixed and valid); reuse
                    // it
      } else if (status != TP_STATUS_AVAILABLE) {
        break;  // still queued or in flight: the ring is full
      }
      std::memcpy(reinterpret_cast<std::uint8_t*>(slot) + kDataOffset, frames + stride * queued,
                  lengths[queued]);
      slot->tp_len = lengths[queued];
      // Release: the kernel must see the frame bytes and length before the status that hands them over.
      __atomic_store_n(&slot->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
      head_ = head_ + 1 == kSlots ? 0 : head_ + 1;
      ++queued;
    }
    try {
      kick();
    } catch (const SendError& e) {
      if (!e.link_gone()) throw;
      // A link that is gone: take back this call's frames the kernel did not take (it fails before reading
      // the ring, and reads it only inside our send, so no slot moves now), so that the caller may send them
      // again and a stop's cursor is exact. The kernel takes slots in order: those taken, if any, are a
      // prefix.
      const auto next = [](unsigned i) { return i + 1 == kSlots ? 0U : i + 1; };
      std::size_t taken = 0;
      unsigned i = first;
      for (; taken < queued && load_status(header(i)) != TP_STATUS_SEND_REQUEST; i = next(i)) ++taken;
      head_ = i;  // the first slot not taken: where the kernel looks next, too
      for (std::size_t k = taken; k < queued; ++k, i = next(i))
        __atomic_store_n(&header(i)->tp_status, TP_STATUS_AVAILABLE, __ATOMIC_RELEASE);
      if (taken == 0) throw;
      return taken;
    }
    return queued;
  }

  void flush() override {
    const std::int64_t deadline = monotonic_ns() + kFlushTimeoutNs;
    while (busy_slots() > 0 && monotonic_ns() < deadline) {
      kick();
      ::sched_yield();
    }
  }

  std::uint64_t errors() const noexcept override { return errors_; }

 private:
  static constexpr std::size_t kRingBytes = std::size_t{kBlockBytes} * kBlocks;

  tpacket2_hdr* header(unsigned i) const noexcept {
    return reinterpret_cast<tpacket2_hdr*>(ring_ + std::size_t{i} * kSlotBytes);
  }
  static std::uint32_t load_status(tpacket2_hdr* slot) noexcept {
    // Acquire: once the kernel marks a slot available, it no longer reads it.
    return __atomic_load_n(&slot->tp_status, __ATOMIC_ACQUIRE);
  }

  // Asks the kernel to send every slot marked SEND_REQUEST. MSG_DONTWAIT: do not wait for the frames to leave
  // the driver; their slots come back as available when it frees them. A full device queue leaves them
  // marked, to go with the next call.
  void kick() {
    if (::send(fd_, nullptr, 0, MSG_DONTWAIT) >= 0) return;
    if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) return;
    throw send_error("send(PACKET_TX_RING)");
  }

  unsigned busy_slots() const noexcept {
    unsigned busy = 0;
    for (unsigned i = 0; i < kSlots; ++i) {
      const std::uint32_t status = load_status(header(i));
      if (status != TP_STATUS_AVAILABLE && status != TP_STATUS_WRONG_FORMAT) ++busy;
    }
    return busy;
  }

  void release() noexcept {
    if (ring_ != nullptr) ::munmap(ring_, kRingBytes);
    ring_ = nullptr;
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  int fd_;
  std::uint8_t* ring_ = nullptr;
  unsigned head_ = 0;  // the next slot to fill, in the kernel's order
  std::uint64_t errors_ = 0;
};

}  // namespace

std::unique_ptr<Transmitter> make_tx_ring_transmitter(const std::string& interface, int ifindex,
                                                      bool tap_visible) {
  return std::make_unique<TxRingTransmitter>(interface, ifindex, tap_visible);
}

}  // namespace synscan
