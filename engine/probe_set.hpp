#pragma once
// The probe modules of one scan, as the send and receive loops see them: one module per block of the probe
// space (engine/probe_space.hpp), behind the calls those loops make. A scan of one protocol goes straight to
// its module; a mixed batch is split by block. A received frame is walked once (preprocess,
// engine/packet.hpp) and handed to the module whose probes its protocol (or, for an ICMP error, its quoted
// probe's protocol) is.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/answer_info.hpp"
#include "engine/probe_module.hpp"
#include "engine/result.hpp"
#include "engine/types.hpp"

namespace synscan {

class ProbeSet {
 public:
  /// No modules: crafts nothing and classifies nothing (tests derive from it).
  ProbeSet() = default;
  /// A module (engine/probes/registry.hpp) for each block of `setup.space`, which must outlive the set.
  /// Throws as make_probe_module() does.
  explicit ProbeSet(const ProbeSetup& setup);
  virtual ~ProbeSet() = default;
  ProbeSet(const ProbeSet&) = delete;
  ProbeSet& operator=(const ProbeSet&) = delete;

  /// Bytes a send buffer reserves per frame: the largest of the modules' strides (64 when there is none).
  std::size_t frame_stride() const noexcept { return stride_; }

  /// Writes the probes for indices[0, n) (each < the space's size) into out + stride * i (stride >=
  /// frame_stride()) and each frame's length into lengths[i]. One module: its craft_batch, nothing else.
  /// Several: each module crafts its probes of the batch into a per-thread scratch buffer (allocated once per
  /// thread), copied to their slots (the send order within a batch stays the caller's).
  void craft_batch(const ProbeIndex* indices, std::size_t n, std::uint8_t* out, std::size_t stride,
                   std::uint16_t* lengths) const noexcept;

  /// The receive capture's filter: the modules' reply_filter() clauses, or-ed.
  std::string reply_filter() const;
  /// --pcap-out's filter: the modules' traffic_filter() clauses, or-ed.
  std::string traffic_filter() const;

  /// The verdict a captured frame (link framing `link`) gives, or nullopt when it answers none of this scan's
  /// probes: preprocess() once, then the module of the packet's protocol. `ts_ms`: Unix milliseconds.
  /// `answer` (may be null) receives what the answer says when the module describes it.
  virtual std::optional<Result> classify(std::span<const std::uint8_t> frame, LinkType link,
                                         std::int64_t ts_ms, AnswerInfo* answer) const noexcept;

  /// The modules, in block order.
  const std::vector<std::unique_ptr<ProbeModule>>& modules() const noexcept { return modules_; }

 private:
  /// The modules' clauses of one filter (reply_filter or traffic_filter), or-ed.
  std::string either(std::string (ProbeModule::*filter)() const) const;
  void craft_mixed(const ProbeIndex* indices, std::size_t n, std::uint8_t* out, std::size_t stride,
                   std::uint16_t* lengths) const noexcept;

  std::vector<std::unique_ptr<ProbeModule>> modules_;
  std::vector<ProbeIndex>
      block_end_;  // module i crafts the indices below block_end_[i] and above the previous
  std::array<std::int8_t, 256> by_ip_protocol_{};  // module index + 1 by IP protocol number; 0: none
  std::size_t stride_ = 64;
};

}  // namespace synscan
