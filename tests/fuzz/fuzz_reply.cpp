// libFuzzer target for the receive path: the protocol-neutral preprocess (engine/packet.hpp) on every link
// layer, the TCP SYN module's reading of it (parse_reply), then ReplyValidator, over both families. Build and
// run with scripts/fuzz.sh. Input: byte 0 selects the LinkType (mod 4, in enum order: ethernet, raw_ip,
// linux_sll, linux_sll2), the rest is the captured frame. The scan (key, a mixed IPv4 + IPv6 space, both
// local addresses and the ports) is tests/fuzz/fuzz_scan.hpp, the one tests/fuzz/make_corpus.py writes valid
// replies for, so the seeds reach the accept path of both families.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

#include "engine/packet.hpp"
#include "engine/probes/tcp_reply.hpp"
#include "engine/probes/tcp_validator.hpp"
#include "tests/fuzz/fuzz_scan.hpp"

namespace {

using namespace synscan;

const ProbeSpace& space() {
  static const ProbeSpace s = fuzz::make_space();
  return s;
}

/// A property violation is a crash for libFuzzer: abort() makes it save the input.
void require(bool ok) {
  if (!ok) std::abort();
}

/// The ICMP codes the parser may report, per family (engine/probes/tcp_reply.hpp).
bool allowed_icmp_code(Family family, std::uint8_t c) {
  return family == Family::ipv4 ? (c <= 3 || c == 9 || c == 10 || c == 13) : c <= 6;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const ReplyValidator validator(space(), SynCookie(fuzz::kKey), IpAddress::v4(fuzz::kLocal4),
                                        IpAddress::v6(fuzz::kLocal6), fuzz::kPortFirst, fuzz::kPortLast);
  const auto link = static_cast<LinkType>(data[0] % 4);
  const std::span<const std::uint8_t> frame(data + 1, size - 1);

  // The preprocess: every span it hands out lies inside the frame; a quote only for a destination
  // unreachable.
  if (const auto packet = preprocess(frame, link)) {
    const auto inside = [&](std::span<const std::uint8_t> s) {
      return s.empty() || (s.data() >= frame.data() && s.data() + s.size() <= frame.data() + frame.size());
    };
    require(inside(packet->transport));
    require(packet->src().family == packet->dst().family);
    if (packet->quote) {
      require(inside(packet->quote->transport));
      require(packet->protocol == kIpProtoIcmp || packet->protocol == kIpProtoIcmpv6);
      require(packet->quote->src.family == packet->family && packet->quote->dst.family == packet->family);
    }
  }

  const auto reply = parse_reply(frame, link);
  if (!reply) return 0;

  // Field invariants of the Reply contract.
  const Family family = reply->local_ip.family;
  require(reply->target_ip.family == family);
  require(family == Family::ipv6 ||
          ((reply->target_ip.bits >> 32) == 0 && (reply->local_ip.bits >> 32) == 0));
  if (reply->kind == ReplyKind::icmp_unreach) {
    require(reply->window == 0 && reply->tcp_flags == 0);
    require(allowed_icmp_code(family, reply->icmp_code));
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
    require(p.ip == reply->target_ip && p.port == reply->target_port && verdict->ip == p.ip);
    require(reply->local_ip ==
            (family == Family::ipv4 ? IpAddress::v4(fuzz::kLocal4) : IpAddress::v6(fuzz::kLocal6)));
    require(reply->local_port >= fuzz::kPortFirst && reply->local_port <= fuzz::kPortLast);
    // Target indices below v4_size() are the IPv4 targets (engine/target_set.hpp).
    const std::uint64_t target_index = verdict->index % space().targets().size();
    require((target_index < space().targets().v4_size()) == (family == Family::ipv4));
    require(verdict->icmp_code == reply->icmp_code && verdict->ttl == reply->ttl);
  }
  return 0;
}
