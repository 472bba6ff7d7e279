#include "engine/probe_module.hpp"

#include <stdexcept>
#include <string>

#include "engine/probes/registry.hpp"

namespace synscan {

std::optional<PortState> Vocabulary::state_by_name(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < kPortStates; ++i) {
    const auto s = static_cast<PortState>(i);
    if (state_names[i] == name || to_string(s) == name) return s;
  }
  return std::nullopt;
}

std::unique_ptr<ProbeModule> make_probe_module(std::string_view name, const ProbeSetup& setup) {
  if (setup.space == nullptr) throw std::invalid_argument("probe module: no probe space");
  const std::optional<ProtocolId> proto = protocol_by_name(name);
  if (!proto) throw std::invalid_argument("unknown probe module '" + std::string(name) + "'");
  return make_module(*proto, setup);
}

}  // namespace synscan
