#include "capture/transmitter.hpp"

#include <arpa/inet.h>
#include <libnet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "capture/tx_ring.hpp"
#include "capture/xdp_transmitter.hpp"

namespace synscan {
namespace {

SendError system_error(const std::string& what) {
  const int err = errno;
  std::string text = what + ": " + std::strerror(err);
  if (err == EPERM || err == EACCES) text += " (needs CAP_NET_RAW)";
  return SendError(text, err);
}

/// An owned file descriptor.
class Fd {
 public:
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

class SendmmsgTransmitter final : public Transmitter {
 public:
  static constexpr std::size_t kMaxBatch = 1024;

  SendmmsgTransmitter(const std::string& interface, int ifindex, bool tap_visible)
      : fd_(::socket(AF_PACKET, SOCK_RAW, 0)) {
    if (fd_.get() < 0) throw system_error("socket(AF_PACKET)");
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_ifindex = ifindex;
    addr.sll_protocol = 0;  // send only: a protocol of 0 receives nothing
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw system_error("bind(AF_PACKET, " + interface + ")");
    }
    // Skip the qdisc layer: our frames need no traffic control and it costs a lock per packet. Bypassed
    // frames are invisible to packet taps, so --pcap-out keeps the qdisc.
    int one = 1;
    if (!tap_visible) ::setsockopt(fd_.get(), SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
    int sndbuf = 4 << 20;
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    iov_.resize(kMaxBatch);
    msgs_.resize(kMaxBatch);
  }

  std::size_t send(const std::uint8_t* frames, std::size_t stride, const std::uint16_t* lengths,
                   std::size_t count) override {
    count = std::min(count, kMaxBatch);
    for (std::size_t i = 0; i < count; ++i) {
      iov_[i].iov_base = const_cast<std::uint8_t*>(frames + i * stride);
      iov_[i].iov_len = lengths[i];
      msgs_[i].msg_hdr = {};
      msgs_[i].msg_hdr.msg_iov = &iov_[i];
      msgs_[i].msg_hdr.msg_iovlen = 1;
    }
    const int sent = ::sendmmsg(fd_.get(), msgs_.data(), static_cast<unsigned>(count), 0);
    if (sent >= 0) return static_cast<std::size_t>(sent);
    if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) return 0;
    throw system_error("sendmmsg");
  }

 private:
  Fd fd_;
  std::vector<iovec> iov_;  // allocated once; the hot path only fills them
  std::vector<mmsghdr> msgs_;
};

struct LibnetDeleter {
  void operator()(libnet_t* l) const noexcept { libnet_destroy(l); }
};

// libnet's link layer knows Ethernet-like links only; on a tun it failed with "libnet_init: unknown physical
// layer type 0xfffe". Asked first, so that the error says what is wrong and what to use instead.
void require_ethernet_for_libnet(const std::string& interface) {
  Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) throw system_error("socket(AF_INET)");
  ifreq ifr{};
  std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", interface.c_str());
  if (::ioctl(fd.get(), SIOCGIFHWADDR, &ifr) != 0) throw system_error("SIOCGIFHWADDR " + interface);
  if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
    throw std::runtime_error("--send-backend libnet needs an Ethernet interface; '" + interface +
                             "' has no link-layer header (ARPHRD " +
                             std::to_string(ifr.ifr_hwaddr.sa_family) +
                             ": tun, ipip, WireGuard): use --send-backend sendmmsg or mmap");
  }
}

class LibnetTransmitter final : public Transmitter {
 public:
  explicit LibnetTransmitter(const std::string& interface) {
    require_ethernet_for_libnet(interface);
    char errbuf[LIBNET_ERRBUF_SIZE] = {};
    l_.reset(libnet_init(LIBNET_LINK, interface.c_str(), errbuf));
    if (!l_) throw std::runtime_error(std::string("libnet_init: ") + errbuf);
  }

  std::size_t send(const std::uint8_t* frames, std::size_t stride, const std::uint16_t* lengths,
                   std::size_t count) override {
    for (std::size_t i = 0; i < count; ++i) {
      if (libnet_write_link(l_.get(), frames + i * stride, lengths[i]) < 0) {
        if (errno == ENOBUFS || errno == EAGAIN) return i;
        if (SendError::link_gone(errno)) {
          if (i > 0) return i;  // report the frames sent; the next call meets the error again
          throw system_error("libnet_write_link");
        }
        ++errors_;
      }
    }
    return count;
  }
  std::uint64_t errors() const noexcept override { return errors_; }

 private:
  std::unique_ptr<libnet_t, LibnetDeleter> l_;
  std::uint64_t errors_ = 0;
};

}  // namespace

bool SendError::link_gone(int code) noexcept {
  return code == ENETDOWN || code == ENXIO || code == ENODEV || code == EIO;
}

std::unique_ptr<Transmitter> make_transmitter(SendBackend backend, const std::string& interface, int ifindex,
                                              bool tap_visible) {
  switch (backend) {
    case SendBackend::mmap:
      return make_tx_ring_transmitter(interface, ifindex, tap_visible);
    case SendBackend::sendmmsg:
      return std::make_unique<SendmmsgTransmitter>(interface, ifindex, tap_visible);
    case SendBackend::libnet:
      return std::make_unique<LibnetTransmitter>(interface);
    case SendBackend::automatic:
      break;
    case SendBackend::xdp:
      if (tap_visible) {
        throw std::invalid_argument(
            "--send-backend xdp: AF_XDP frames bypass packet taps, so --pcap-out would "
            "miss every probe; use --send-backend sendmmsg with --pcap-out");
      }
      return make_xdp_transmitter(interface, ifindex);
  }
  throw std::invalid_argument("make_transmitter: no single backend named " +
                              std::string(send_backend_name(backend)));
}

TransmitterSet open_transmitters(SendBackend backend, const std::string& interface, int ifindex,
                                 std::uint32_t count, bool tap_visible) {
  TransmitterSet set;
  set.backend = backend;
  if (backend == SendBackend::automatic) {
    set.backend = SendBackend::xdp;
    if (tap_visible) {
      set.backend = SendBackend::sendmmsg;
      set.fallback = "--pcap-out needs frames that packet taps see";
    } else {
      try {
        for (std::uint32_t t = 0; t < count; ++t)
          set.transmitters.push_back(make_xdp_transmitter(interface, ifindex));
      } catch (const std::runtime_error& e) {
        set.transmitters.clear();  // all threads send through one backend
        set.backend = SendBackend::sendmmsg;
        set.fallback = e.what();
      }
    }
  }
  while (set.transmitters.size() < count) {
    set.transmitters.push_back(make_transmitter(set.backend, interface, ifindex, tap_visible));
  }
  return set;
}

}  // namespace synscan
