#pragma once
// The hand-over between the aggregator thread and the banner stage (--banners): open results go in, the same
// results come back with their Banner. The aggregator thread stays the one writer of the outputs: it submits
// an open result instead of writing it, and writes it when the stage hands it back (Aggregator::
// write_finished_banners, engine/aggregator.hpp). A mutex and two vectors swapped whole: each side takes the
// lock once per batch, at most a few thousand times a second, never while doing I/O.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/banner/banner.hpp"
#include "engine/result.hpp"

namespace synscan {

/// An open result and what the stage learned about it (never null).
struct FinishedBanner {
  Result result;
  std::unique_ptr<Banner> banner;
};

class BannerExchange {
 public:
  /// The stage's wake-up (an eventfd write), called by submit() when the queue was empty. Set before the
  /// aggregator thread starts.
  void set_wakeup(std::function<void()> wakeup) { wakeup_ = std::move(wakeup); }

  /// Aggregator thread: queues an open result for its banner. Never blocks on the stage's I/O.
  void submit(const Result& result) {
    bool was_empty = false;
    {
      std::lock_guard lock(mutex_);
      if (closed_) {  // the stage has stopped: back at once, not done
        finished_.push_back({result, not_done()});
        ++total_submitted_;
        ++total_finished_;
        return;
      }
      was_empty = submitted_.empty();
      submitted_.push_back(result);
      ++total_submitted_;
    }
    if (was_empty && wakeup_) wakeup_();
  }

  /// Stage thread: moves every queued result to the end of `out`.
  void take_submitted(std::vector<Result>& out) {
    std::lock_guard lock(mutex_);
    out.insert(out.end(), submitted_.begin(), submitted_.end());
    submitted_.clear();
  }

  /// Stage thread: hands a result back with its banner.
  void finish(FinishedBanner done) {
    std::lock_guard lock(mutex_);
    finished_.push_back(std::move(done));
    ++total_finished_;
  }

  /// Aggregator thread: moves every finished banner to `out` (cleared first).
  void take_finished(std::vector<FinishedBanner>& out) {
    out.clear();
    std::lock_guard lock(mutex_);
    out.swap(finished_);
  }

  /// Stage thread, when it stops: every result still queued, and every later submit(), comes back at once as
  /// BannerStatus::not_done.
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    for (const Result& r : submitted_) {
      finished_.push_back({r, not_done()});
      ++total_finished_;
    }
    submitted_.clear();
  }

  /// Every submitted result has been handed back (the stage is idle; the writers may still have to take
  /// some).
  bool all_finished() const {
    std::lock_guard lock(mutex_);
    return total_finished_ == total_submitted_;
  }

 private:
  static std::unique_ptr<Banner> not_done() {
    auto b = std::make_unique<Banner>();
    b->status = BannerStatus::not_done;
    return b;
  }

  mutable std::mutex mutex_;
  bool closed_ = false;
  std::vector<Result> submitted_;
  std::vector<FinishedBanner> finished_;
  std::uint64_t total_submitted_ = 0, total_finished_ = 0;
  std::function<void()> wakeup_;
};

}  // namespace synscan
