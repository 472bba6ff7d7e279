#include "engine/result_table.hpp"

namespace synscan {

ResultTable::ResultTable(std::uint64_t space_size)
    : size_(space_size), words_(new std::atomic<std::uint64_t>[bytes_for(space_size) / 8]) {
  for (std::uint64_t w = 0; w < bytes_for(space_size) / 8; ++w) words_[w].store(0, std::memory_order_relaxed);
}

}  // namespace synscan
