#include "engine/probe_set.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "engine/probes/registry.hpp"

namespace synscan {

ProbeSet::ProbeSet(const ProbeSetup& setup) {
  if (setup.space == nullptr) throw std::invalid_argument("probe set: no probe space");
  for (const ProbeBlock& block : setup.space->blocks()) {
    modules_.push_back(make_module(block.proto(), setup));
    block_end_.push_back(block.base() + block.size());
    const auto slot = static_cast<std::int8_t>(modules_.size());
    for (const std::uint8_t p : modules_.back()->ip_protocols()) by_ip_protocol_[p] = slot;
    stride_ = std::max(stride_, modules_.back()->frame_stride());
  }
}

void ProbeSet::craft_batch(const ProbeIndex* indices, std::size_t n, std::uint8_t* out, std::size_t stride,
                           std::uint16_t* lengths) const noexcept {
  if (modules_.size() == 1) {
    modules_.front()->craft_batch(indices, n, out, stride, lengths);
    return;
  }
  if (!modules_.empty()) craft_mixed(indices, n, out, stride, lengths);
}

void ProbeSet::craft_mixed(const ProbeIndex* indices, std::size_t n, std::uint8_t* out, std::size_t stride,
                           std::uint16_t* lengths) const noexcept {
  // Per send thread, grown to the largest batch once: no allocation per batch after the first.
  thread_local std::vector<ProbeIndex> own;
  thread_local std::vector<std::uint32_t> slot;
  thread_local std::vector<std::uint8_t> frames;
  thread_local std::vector<std::uint16_t> lens;
  if (own.size() < n) {
    own.resize(n);
    slot.resize(n);
    lens.resize(n);
  }
  if (frames.size() < n * stride) frames.resize(n * stride);
  ProbeIndex begin = 0;
  for (std::size_t m = 0; m < modules_.size(); ++m) {
    const ProbeIndex end = block_end_[m];
    std::size_t k = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (indices[i] >= begin && indices[i] < end) {
        own[k] = indices[i];
        slot[k] = static_cast<std::uint32_t>(i);
        ++k;
      }
    }
    begin = end;
    if (k == 0) continue;
    modules_[m]->craft_batch(own.data(), k, frames.data(), stride, lens.data());
    for (std::size_t j = 0; j < k; ++j) {
      std::memcpy(out + stride * slot[j], frames.data() + stride * j, lens[j]);
      lengths[slot[j]] = lens[j];
    }
  }
}

std::string ProbeSet::either(std::string (ProbeModule::*filter)() const) const {
  std::string out;
  for (const auto& m : modules_) {
    if (!out.empty()) out += " or ";
    out += "(" + ((*m).*filter)() + ")";
  }
  return out;
}

std::string ProbeSet::reply_filter() const { return either(&ProbeModule::reply_filter); }

std::string ProbeSet::traffic_filter() const { return either(&ProbeModule::traffic_filter); }

std::optional<Result> ProbeSet::classify(std::span<const std::uint8_t> frame, LinkType link,
                                         std::int64_t ts_ms, AnswerInfo* answer) const noexcept {
  Packet packet;
  if (!preprocess(frame, link, packet)) return std::nullopt;
  // An ICMP error belongs to the module of the probe it quotes; anything else to the module of its protocol.
  const std::uint8_t proto = packet.quote ? packet.quote->protocol : packet.protocol;
  const int slot = by_ip_protocol_[proto];
  if (slot == 0) return std::nullopt;
  return modules_[static_cast<std::size_t>(slot - 1)]->classify(packet, ts_ms, answer);
}

}  // namespace synscan
