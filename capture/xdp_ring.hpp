#pragma once
// The bookkeeping of an AF_XDP socket's rings and UMEM, kept free of syscalls so that it can be unit tested.
//
// An AF_XDP ring (kernel Documentation/networking/af_xdp.rst, "Rings") is an array of a power-of-two number
// of entries shared with the kernel, plus two free-running 32-bit counters: the producer (entries ever
// posted) and the consumer (entries ever taken). Entry k lives at slot k & (size - 1); the counters wrap at
// 2^32, and unsigned subtraction gives the right distance across the wrap because size <= 2^31.
#include <cstdint>
#include <memory>

namespace synscan {

/// Entries posted and not yet taken: producer - consumer, modulo 2^32.
constexpr std::uint32_t xsk_ring_pending(std::uint32_t producer, std::uint32_t consumer) noexcept {
  return producer - consumer;
}

/// Entries a producer may still post into a ring of `size` entries (a power of two): size - pending.
constexpr std::uint32_t xsk_ring_free(std::uint32_t size, std::uint32_t producer,
                                      std::uint32_t consumer) noexcept {
  return size - xsk_ring_pending(producer, consumer);
}

/// The array slot of entry number `index` in a ring of `size` entries (a power of two).
constexpr std::uint32_t xsk_ring_slot(std::uint32_t index, std::uint32_t size) noexcept {
  return index & (size - 1);
}

/// True when `n` is a power of two (ring sizes must be: xsk_init_queue refuses others with EINVAL).
constexpr bool is_power_of_two(std::uint32_t n) noexcept { return n != 0 && (n & (n - 1)) == 0; }

/// The free chunks of a UMEM of `count` chunks of `chunk_bytes` each, as their byte offsets into the UMEM
/// (the `addr` of an xdp_desc in aligned mode). A chunk is taken when a frame is copied into it and given
/// back when its address comes out of the completion ring, in whatever order the kernel completes them.
/// Allocates once, in the constructor; take() and give() are O(1).
class UmemChunks {
 public:
  UmemChunks(std::uint32_t count, std::uint32_t chunk_bytes)
      : capacity_(count), free_count_(count), free_(new std::uint64_t[count]) {
    // Highest address at the bottom, so that chunk 0 is taken first: consecutive frames fill the UMEM in
    // order.
    for (std::uint32_t i = 0; i < count; ++i) free_[i] = std::uint64_t{count - 1 - i} * chunk_bytes;
  }

  /// Chunks free to take.
  std::uint32_t free_count() const noexcept { return free_count_; }
  /// Chunks handed to the kernel and not yet given back.
  std::uint32_t in_flight() const noexcept { return capacity_ - free_count_; }

  /// The byte offset of a free chunk. Precondition: free_count() > 0.
  std::uint64_t take() noexcept { return free_[--free_count_]; }

  /// Returns a completed chunk. Returns false (and keeps nothing) when every chunk is already free, which
  /// only a kernel reporting one completion twice could cause.
  bool give(std::uint64_t addr) noexcept {
    if (free_count_ == capacity_) return false;
    free_[free_count_++] = addr;
    return true;
  }

 private:
  std::uint32_t capacity_;
  std::uint32_t free_count_;
  std::unique_ptr<std::uint64_t[]> free_;
};

}  // namespace synscan
