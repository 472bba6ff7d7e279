#include "cli/dry_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "engine/permutation.hpp"
#include "engine/shard.hpp"

namespace synscan {
namespace {

// Appends decimal digits of v (< 2^32) without allocation: the dry run is as fast as the crafting path allows.
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
  for (int shift = 24; shift >= 0; shift -= 8) {
    p = put_decimal(p, (probe.ip >> shift) & 0xFF);
    *p++ = shift ? '.' : ' ';
  }
  p = put_decimal(p, probe.port);
  *p++ = '\n';
  return p;
}

// Writes [begin, end) to `out`. False when the reader went away (EPIPE: `| head` is done): the dry run then ends
// quietly, as `yes | head` does. Any other short write is an error: with SIGPIPE ignored a failure shows up only
// as a short count, and a dry run of 2^48 probes must not go on writing into nothing.
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
  const Permutation perm(c.space.size(), c.seed);
  const Slice slice = make_slice(c.space.size(), c.shard_index, c.shard_count, 0, 1);
  if (c.count_only) {  // --count: the size of this shard, computed, never walked
    const auto count = static_cast<unsigned long long>(slice.count);
    if (std::fprintf(out, "%llu\n", count) < 0) {
      throw std::runtime_error(fmt::format("cannot write {}: {}", out_name, std::strerror(errno)));
    }
    flush_all(out, out_name);
    return slice.count;
  }
  constexpr std::size_t kBuffer = 1 << 16;
  constexpr std::size_t kLine = 22;  // "255.255.255.255 65535\n"
  std::vector<char> buffer(kBuffer);
  char* p = buffer.data();
  std::uint64_t written = 0;
  constexpr std::size_t kBatch = 256;  // positions through Permutation::fill at a time
  std::array<ProbeIndex, kBatch> indices;
  const ProbeLocator locator = c.space.locator();
  bool stopped = false;
  for (std::uint64_t j = 0; j < slice.count && !stopped; j += kBatch) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(kBatch, slice.count - j));
    perm.fill(slice.offset + slice.stride * j, slice.stride, n, indices.data());
    for (std::size_t i = 0; i < n; ++i) {
      p = put_probe(p, locator.at(indices[i]));
      ++written;
      if (static_cast<std::size_t>(p - buffer.data()) > kBuffer - kLine) {
        if (!write_all(buffer.data(), p, out, out_name)) return written;
        p = buffer.data();
        state.sent.store(written, std::memory_order_relaxed);
        if (state.stop.load(std::memory_order_relaxed)) {
          stopped = true;
          break;
        }
      }
    }
  }
  if (!write_all(buffer.data(), p, out, out_name)) return written;
  state.sent.store(written, std::memory_order_relaxed);
  flush_all(out, out_name);
  return written;
}

}  // namespace synscan
