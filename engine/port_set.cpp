#include "engine/port_set.hpp"

#include <algorithm>

namespace synscan {

PortSet::PortSet() : index_(65536, kAbsent) {}

PortSet::PortSet(std::vector<std::uint16_t> ports) : ports_(std::move(ports)), index_(65536, kAbsent) {
  std::sort(ports_.begin(), ports_.end());
  ports_.erase(std::unique(ports_.begin(), ports_.end()), ports_.end());
  for (std::uint32_t i = 0; i < ports_.size(); ++i) index_[ports_[i]] = i;
}

}  // namespace synscan
