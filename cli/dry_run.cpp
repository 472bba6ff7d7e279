#include "cli/dry_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <span>
#include <stdexcept>
#include <vector>

#include "engine/address.hpp"
#include "engine/permutation.hpp"
#include "engine/probes/registry.hpp"
#include "engine/shard.hpp"

namespace synscan {
namespace {

// Appends decimal digits of v (< 2^32) without allocation: the dry run is as fast as the crafting path
// allows.
char* put_decimal(char* p, std::uint32_t v) noexcept {
  char tmp[10];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) *p++ = tmp[--n];
  return p;
}

char* put_probe(char* p, Probe probe) noexcept {
  if (probe.ip.is_v4()) {
    const Ipv4 ip = probe.ip.ipv4();
    for (int shift = 24; shift >= 0; shift -= 8) {
      p = put_decimal(p, (ip >> shift) & 0xFF);
      *p++ = shift ? '.' : ' ';
    }
  } else {
    // RFC 5952 text; IPv6 dry runs are the rarer kind, so they may allocate.
    const std::string text = format_ipv6(probe.ip.ipv6());
    p = std::copy(text.begin(), text.end(), p);
    *p++ = ' ';
  }
  // The default module's probes as "IP PORT" (as they always were); another module's ports under its -p
  // prefix ("IP U:53"), a module without ports by its protocol word ("IP icmp").
  const Vocabulary& v = vocabulary(probe.proto);
  if (!v.has_ports) {
    p = std::copy(v.protocol.begin(), v.protocol.end(), p);
  } else {
    if (probe.proto != kDefaultProtocol) {
      p = std::copy(v.port_prefix.begin(), v.port_prefix.end(), p);
      *p++ = ':';
    }
    p = put_decimal(p, probe.port);
  }
  *p++ = '\n';
  return p;
}

// Writes [begin, end) to `out`. False when the reader went away (EPIPE: `| head` is done): the dry run then
// ends quietly, as `yes | head` does. Any other short write is an error: with SIGPIPE ignored a failure shows
// up only as a short count, and a dry run of 2^48 probes must not go on writing into nothing.
bool write_all(const char* begin, const char* end, std::FILE* out, const std::string& name) {
  const auto size = static_cast<std::size_t>(end - begin);
  if (std::fwrite(begin, 1, size, out) == size) return true;
  if (errno == EPIPE) return false;
  throw std::runtime_error(fmt::format("cannot write {}: {}", name, std::strerror(errno)));
}

// The last flush of the dry run: false on EPIPE (see write_all), an exception for any other failure.
bool flush_all(std::FILE* out, const std::string& name) {
  errno = 0;
  if (std::fflush(out) == 0 && std::ferror(out) == 0) return true;
  if (errno == EPIPE) return false;
  throw std::runtime_error(fmt::format("cannot write {}: {}", name, std::strerror(errno != 0 ? errno : EIO)));
}

}  // namespace

std::uint64_t run_dry_run(const ScanConfig& c, ScanState& state, std::FILE* out,
                          const std::string& out_name) {
  const Slice& shard = c.plan.shard();
  if (c.count_only) {  // --count: the size of this shard, computed, never walked
    const auto count = static_cast<unsigned long long>(shard.count);
    if (std::fprintf(out, "%llu\n", count) < 0) {
      throw std::runtime_error(fmt::format("cannot write {}: {}", out_name, std::strerror(errno)));
    }
    flush_all(out, out_name);
    return shard.count;
  }
  const Permutation perm(c.space.size(), c.seed);
  constexpr std::size_t kBuffer = 1 << 16;
  constexpr std::size_t kLine = 64;  // "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255 U:65535\n" and room
  std::vector<char> buffer(kBuffer);
  char* p = buffer.data();
  std::uint64_t written = 0;
  bool reader_gone = false;
  // One block: its locator, copied once; several: each index finds its block.
  const bool one_block = c.space.blocks().size() == 1;
  const ProbeBlock* only = one_block ? &c.space.blocks().front() : nullptr;
  if (c.space.blocks().empty()) {  // nothing to probe
    flush_all(out, out_name);
    return 0;
  }
  const ProbeLocator locator = c.space.blocks().front().locator();
  walk_slice(perm, shard, 0, shard.count, [&](std::span<const ProbeIndex> batch) {
    for (const ProbeIndex index : batch) {
      Probe probe = only ? locator.at(index) : c.space.at(index);
      if (only) probe.proto = only->proto();
      p = put_probe(p, probe);
      ++written;
      if (static_cast<std::size_t>(p - buffer.data()) > kBuffer - kLine) {
        if (!write_all(buffer.data(), p, out, out_name)) {
          reader_gone = true;
          return false;
        }
        p = buffer.data();
        state.sent.store(written, std::memory_order_relaxed);
        if (state.stop.load(std::memory_order_relaxed)) return false;
      }
    }
    return true;
  });
  if (reader_gone || !write_all(buffer.data(), p, out, out_name)) return written;
  state.sent.store(written, std::memory_order_relaxed);
  flush_all(out, out_name);
  return written;
}

}  // namespace synscan
