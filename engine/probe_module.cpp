#include "engine/probe_module.hpp"

#include <stdexcept>
#include <string>

#include "engine/probes/tcp_syn.hpp"

namespace synscan {

std::vector<std::string_view> probe_module_names() { return {"tcp_syn"}; }

std::unique_ptr<ProbeModule> make_probe_module(std::string_view name, const ProbeSetup& setup) {
  if (setup.space == nullptr) throw std::invalid_argument("probe module: no probe space");
  if (name == "tcp_syn") return std::make_unique<TcpSynModule>(setup);
  throw std::invalid_argument("unknown probe module '" + std::string(name) + "'");
}

}  // namespace synscan
