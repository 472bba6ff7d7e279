#include "capture/receive_thread.hpp"

#include <pthread.h>

#include <thread>

#include "engine/clock.hpp"

namespace synscan {

template <typename T>
bool ReplyHandler::wait_to_push(SpscQueue<T>& q, const T& item) const noexcept {
  if (gave_up) return false;
  const std::int64_t until = monotonic_ns() + kQueueWaitNs;
  while (monotonic_ns() < until) {
    std::this_thread::yield();
    if (q.push(item)) return true;
  }
  gave_up = stopping != nullptr && stopping->load(std::memory_order_relaxed);
  return false;
}

template bool ReplyHandler::wait_to_push(SpscQueue<QueuedAnswer>&, const QueuedAnswer&) const noexcept;

void ReplyHandler::overflow(const Result& verdict) const noexcept {
  if (wait_to_push(queue, verdict)) return;
  state.queue_drops.fetch_add(1, std::memory_order_relaxed);
  if (dropped == nullptr || !dropped->push(verdict.index)) {
    state.replies_dropped_unmarked.fetch_add(1, std::memory_order_relaxed);
  }
}

void publish_capture_stats(const CaptureStats& stats, ScanState& state) noexcept {
  state.pcap_received.store(stats.received, std::memory_order_relaxed);
  state.pcap_drops.store(stats.dropped, std::memory_order_relaxed);
  state.pcap_if_drops.store(stats.if_dropped, std::memory_order_relaxed);
}

ReceiveThread::ReceiveThread(PcapReceiver& receiver, const ProbeSet& probes, SpscQueue<Result>& queue,
                             ScanState& state, SpscQueue<QueuedAnswer>* answers,
                             SpscQueue<ProbeIndex>* dropped)
    : receiver_(receiver) {
  thread_ = std::jthread([this, &probes, &queue, &state, answers, dropped] {
    pthread_setname_np(pthread_self(), "synscan-recv");
    struct CpuTime {  // the thread's CPU time into the state on every way out
      ScanState& state;
      ~CpuTime() { state.cpu_ns_receive.fetch_add(thread_cpu_ns(), std::memory_order_relaxed); }
    } cpu{state};
    try {
      receiver_.run(stop_, ReplyHandler{receiver_.link(), probes, queue, state, answers, dropped, &stop_},
                    [&state](const CaptureStats& cs) { publish_capture_stats(cs, state); });
    } catch (...) {
      // A capture that dies (interface removed) ends the scan; the driver rethrows after the threads join.
      error_ = std::current_exception();
      state.stop = true;
    }
  });
}

void ReceiveThread::stop() noexcept {
  if (!thread_.joinable()) return;
  stop_ = true;
  receiver_.interrupt();
  thread_.join();
}

}  // namespace synscan
