#include "engine/probes/registry.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "engine/output/writer.hpp"
#include "engine/probes/icmp_echo.hpp"
#include "engine/probes/tcp_syn.hpp"
#include "engine/probes/udp_module.hpp"

namespace synscan {
namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

template <class Module>
std::unique_ptr<ProbeModule> make_as(const ProbeSetup& setup, const ProbeBlock& block) {
  return std::make_unique<Module>(setup, block);
}

// The registry: one line per module. ProtocolId is the position; append new modules at the end, so that the
// numbering of existing spaces (resume files, shards) does not change.
const ModuleInfo kModules[] = {
    {&TcpSynModule::kVocabulary, "S", "", TcpSynModule::kOptions, make_as<TcpSynModule>},
    {&UdpModule::kVocabulary, "U", "", UdpModule::kOptions, make_as<UdpModule>},
    {&IcmpEchoModule::kVocabulary, "n", "ping", {}, make_as<IcmpEchoModule>},
};

}  // namespace

std::span<const ModuleInfo> probe_registry() noexcept { return kModules; }

const Vocabulary& vocabulary(ProtocolId proto) noexcept { return *kModules[proto].vocabulary; }

std::optional<ProtocolId> protocol_by_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < std::size(kModules); ++i) {
    if (kModules[i].vocabulary->module == name || kModules[i].vocabulary->protocol == name) {
      return static_cast<ProtocolId>(i);
    }
  }
  return std::nullopt;
}

std::optional<ProtocolId> protocol_by_prefix(std::string_view prefix) noexcept {
  for (std::size_t i = 0; i < std::size(kModules); ++i) {
    const std::string_view p = kModules[i].vocabulary->port_prefix;
    if (!p.empty() && iequals(p, prefix)) return static_cast<ProtocolId>(i);
  }
  return std::nullopt;
}

std::optional<ProtocolId> protocol_by_scan_letter(std::string_view letter) noexcept {
  for (std::size_t i = 0; i < std::size(kModules); ++i) {
    if (kModules[i].scan_letter == letter) return static_cast<ProtocolId>(i);
  }
  return std::nullopt;
}

std::string describe_ports(const ProbeSpace& space) {
  std::string out;
  const bool plain = space.blocks().size() == 1 && space.blocks().front().proto() == kDefaultProtocol;
  for (const ProbeBlock& b : space.blocks()) {
    const Vocabulary& v = vocabulary(b.proto());
    if (!v.has_ports) continue;
    if (!out.empty()) out += ',';
    if (!plain) out += std::string(v.port_prefix) + ":";
    out += format_port_ranges(b.ports().ports());
  }
  return out;
}

std::uint64_t probes_per_target(const ProbeSpace& space) noexcept {
  std::uint64_t n = 0;
  for (const ProbeBlock& b : space.blocks()) n += b.ports().size();
  return n;
}

std::string reply_counter_name(const ProbeSpace& space, ProtocolId proto, Reason reason) {
  std::string name(vocabulary(proto).reason_name(reason));
  std::replace(name.begin(), name.end(), '-', '_');
  const bool first = !space.blocks().empty() && space.blocks().front().proto() == proto;
  return first ? name : std::string(vocabulary(proto).protocol) + "_" + name;
}

std::unique_ptr<ProbeModule> make_module(ProtocolId proto, const ProbeSetup& setup) {
  if (proto >= std::size(kModules)) throw std::invalid_argument("unknown probe module");
  if (setup.space == nullptr) throw std::invalid_argument("probe module: no probe space");
  const ProbeBlock* block = setup.space->block_for(proto);
  if (block == nullptr) {
    throw std::invalid_argument(std::string(kModules[proto].vocabulary->module) +
                                ": the probe space has no probes of this module");
  }
  return kModules[proto].make(setup, *block);
}

}  // namespace synscan
