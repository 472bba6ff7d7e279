// libFuzzer target for the receive path: parse_reply on every link layer, then ReplyValidator.
// Build and run with scripts/fuzz.sh. Input: byte 0 selects the LinkType (mod 4, in enum order: ethernet,
// raw_ip, linux_sll, linux_sll2), the rest is the captured frame. The scan below (key, space, local address
// and ports) is the one tests/fuzz/make_corpus.py writes valid replies for, so the seeds reach the accept
// path.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

#include "engine/reply_parser.hpp"
#include "engine/reply_validator.hpp"

namespace {

using namespace synscan;

constexpr CookieKey kKey{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};  // SipHash reference key 00..0f
constexpr Ipv4 kLocal = 0xC6120001;                                      // 198.18.0.1
constexpr std::uint16_t kPortFirst = 40000;
constexpr std::uint16_t kPortLast = 40015;

const ProbeSpace& space() {
  // 198.18.1.0/24 without 198.18.1.5, plus 198.18.2.7; ports 22, 80, 443.
  static const ProbeSpace s(
      TargetSet(std::vector<Interval>{{0xC6120100, 0xC61201FF}, {0xC6120207, 0xC6120207}},
                std::vector<Interval>{{0xC6120105, 0xC6120105}}),
      PortSet({22, 80, 443}));
  return s;
}

/// A property violation is a crash for libFuzzer: abort() makes it save the input.
void require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const ReplyValidator validator(space(), SynCookie(kKey), IpAddress::v4(kLocal), std::nullopt, kPortFirst,
                                                 kPortLast);
  const auto link = static_cast<LinkType>(data[0] % 4);
  const std::span<const std::uint8_t> frame(data + 1, size - 1);

  const auto reply = parse_reply(frame, link);
  if (!reply) return 0;

  // Field invariants of the Reply contract.
  if (reply->kind == ReplyKind::icmp_unreach) {
    require(reply->window == 0 && reply->tcp_flags == 0);
    const std::uint8_t c = reply->icmp_code;
    require(c <= 3 || c == 9 || c == 10 || c == 13);
  } else {
    require(reply->icmp_code == 0);
    require((reply->tcp_flags & kTcpAck) != 0);
    require(reply->kind == ReplyKind::rst ? (reply->tcp_flags & kTcpRst) != 0
                                          : (reply->tcp_flags & (kTcpSyn | kTcpRst)) == kTcpSyn);
  }

  // Bytes after a complete datagram are link padding: appending some must not change the result.
  static std::uint8_t padded[1 << 17];
  if (frame.size() + 32 <= sizeof padded) {
    std::memcpy(padded, frame.data(), frame.size());
    std::memset(padded + frame.size(), 0xA5, 32);
    require(parse_reply(std::span<const std::uint8_t>(padded, frame.size() + 32), link) == reply);
  }

  const auto verdict = validator.validate(*reply);
  if (verdict) {
    require(verdict->index < space().size());
    const Probe p = space().at(verdict->index);
    require(p.ip == reply->target_ip && p.port == reply->target_port);
    require(reply->local_ip == IpAddress::v4(kLocal) && reply->local_port >= kPortFirst && reply->local_port <= kPortLast);
  }
  return 0;
}
