#include "engine/aggregator.hpp"

namespace synscan {

bool Aggregator::add(const Result& result) {
  if (!table_.claim(result.index)) return false;
  emit(result);
  return true;
}

void Aggregator::finish_unanswered(const ProbeSpace& space, std::int64_t ts_ms) {
  table_.for_each_unanswered([&](ProbeIndex index) { emit(silent_result(index, space.at(index), ts_ms)); });
  flush();
}

void Aggregator::add_silent(ProbeIndex index, const ProbeSpace& space, std::int64_t ts_ms) {
  if (table_.claim(index)) emit(silent_result(index, space.at(index), ts_ms));
}

Result Aggregator::silent_result(ProbeIndex index, Probe p, std::int64_t ts_ms) {
  Result r;
  r.index = index;
  r.ip = p.ip;
  r.port = p.port;
  r.state = PortState::filtered;
  r.reason = Reason::no_response;
  r.ts_ms = ts_ms;
  return r;
}

void Aggregator::flush() {
  for (ResultWriter* w : writers_) w->flush();
}

void Aggregator::emit(const Result& r) {
  ++counts_[family_slot(r.ip.family)][static_cast<std::size_t>(r.state)];
  if (!show_.shows(r.state)) return;
  for (ResultWriter* w : writers_) w->write(r);
}

}  // namespace synscan
