#include "engine/aggregator.hpp"

#include <string>

#include "engine/banner/banner.hpp"
#include "engine/probes/registry.hpp"

namespace synscan {

Aggregator::Taken Aggregator::add(const Result& result, const AnswerInfo* answer) {
  const std::optional<ProbeWindows::Where> at = windows_.locate(result.index);
  if (!at) return Taken::other_shard;
  switch (windows_.thread(at->thread).claim(at->j)) {
    case ThreadWindow::Claim::first:
      emit(result, answer);
      return Taken::reported;
    case ThreadWindow::Claim::duplicate:
      return Taken::duplicate;
    case ThreadWindow::Claim::late:
      break;
  }
  return Taken::late;
}

Result Aggregator::silent_result(ProbeIndex index, Reason reason, std::int64_t ts_ms) const {
  const Probe p = space_.at(index);
  Result r;
  r.index = index;
  r.ip = p.ip;
  r.port = p.port;
  r.proto = p.proto;
  r.state = vocabulary(p.proto).silence;
  r.reason = reason;
  r.ts_ms = ts_ms;
  return r;
}

Aggregator::Taken Aggregator::add_dropped(ProbeIndex index, std::int64_t ts_ms) {
  return add(silent_result(index, Reason::reply_dropped, ts_ms));
}

std::uint64_t Aggregator::finalise(std::uint32_t thread, std::uint64_t limit, std::int64_t ts_ms) {
  const Slice& slice = windows_.plan().thread(thread);
  const Permutation& permutation = windows_.permutation();
  return windows_.thread(thread).advance(limit, [&](std::uint64_t j) {
    emit(silent_result(permutation(slice_position(slice, j)), Reason::no_response, ts_ms));
  });
}

std::uint64_t Aggregator::finalise_ready(std::int64_t ts_ms) {
  std::uint64_t n = 0;
  for (std::uint32_t t = 0; t < windows_.threads(); ++t)
    n += finalise(t, windows_.thread(t).final_limit(), ts_ms);
  return n;
}

void Aggregator::finalise_all(std::int64_t ts_ms) {
  for (std::uint32_t t = 0; t < windows_.threads(); ++t) finalise(t, windows_.thread(t).count(), ts_ms);
  flush();
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

void Aggregator::emit(const Result& r, const AnswerInfo* answer) {
  ++counts_[family_slot(r.ip.family)][static_cast<std::size_t>(r.state)];
  if (r.proto < by_proto_.size()) ++by_proto_[r.proto][static_cast<std::size_t>(r.state)];
  if (!show_.shows(r.state)) return;
  if (banners_ && r.state == PortState::open && vocabulary(r.proto).stream_banners) {
    banners_->submit(r);
    return;
  }
  if (answer) {
    // What the module read in the answer, as the banner every writer renders.
    Banner b;
    b.status = BannerStatus::ok;
    b.probe = BannerProbe::none;
    // The banner text: the answer's summary, else what it named ("dnsmasq 2.90").
    b.raw = std::string(answer->info.view());
    if (b.raw.empty()) {
      b.raw = std::string(answer->product.view());
      if (!answer->version.empty()) b.raw += (b.raw.empty() ? "" : " ") + std::string(answer->version.view());
    }
    b.service.name = std::string(answer->service.view());
    b.service.product = std::string(answer->product.view());
    b.service.version = std::string(answer->version.view());
    Result with = r;
    with.banner = &b;
    for (ResultWriter* w : writers_) w->write(with);
    return;
  }
  for (ResultWriter* w : writers_) w->write(r);
}

}  // namespace synscan
