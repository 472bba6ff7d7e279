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

std::size_t Aggregator::write_finished_banners() {
  if (!banners_) return 0;
  banners_->take_finished(finished_);
  for (FinishedBanner& done : finished_) {
    done.result.banner = done.banner.get();
    for (ResultWriter* w : writers_) w->write(done.result);
  }
  const std::size_t n = finished_.size();
  finished_.clear();  // frees the banners
  return n;
}

void Aggregator::emit(const Result& r) {
  ++counts_[family_slot(r.ip.family)][static_cast<std::size_t>(r.state)];
  if (!show_.shows(r.state)) return;
  if (banners_ && r.state == PortState::open) {
    banners_->submit(r);
    return;
  }
  for (ResultWriter* w : writers_) w->write(r);
}

}  // namespace synscan
