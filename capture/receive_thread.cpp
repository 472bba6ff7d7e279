#include "capture/receive_thread.hpp"

#include <pthread.h>

namespace synscan {

void publish_capture_stats(const CaptureStats& stats, ScanState& state) noexcept {
  state.pcap_received.store(stats.received, std::memory_order_relaxed);
  state.pcap_drops.store(stats.dropped, std::memory_order_relaxed);
  state.pcap_if_drops.store(stats.if_dropped, std::memory_order_relaxed);
}

ReceiveThread::ReceiveThread(PcapReceiver& receiver, const ProbeSet& probes, SpscQueue<Result>& queue,
                             ScanState& state, SpscQueue<QueuedAnswer>* answers)
    : receiver_(receiver) {
  thread_ = std::jthread([this, &probes, &queue, &state, answers] {
    pthread_setname_np(pthread_self(), "synscan-recv");
    try {
      receiver_.run(stop_, ReplyHandler{receiver_.link(), probes, queue, state, answers},
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
