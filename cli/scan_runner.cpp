#include "cli/scan_runner.hpp"

#include <fmt/format.h>
#include <pthread.h>

#include <chrono>
#include <cmath>
#include <exception>
#include <thread>

#include "capture/pcap_dumper.hpp"
#include "capture/pcap_receiver.hpp"
#include "capture/privileges.hpp"
#include "capture/route.hpp"
#include "capture/send_thread.hpp"
#include "cli/outputs.hpp"
#include "cli/report.hpp"
#include "cli/resume.hpp"
#include "cli/status.hpp"
#include "cli/targets_input.hpp"
#include "cli/version.hpp"
#include "engine/aggregator.hpp"
#include "engine/reply_parser.hpp"
#include "engine/reply_validator.hpp"
#include "engine/spsc_queue.hpp"

namespace synscan {
namespace {

constexpr std::uint32_t kMaxBatch = 256;
constexpr auto kNeighbourTimeout = std::chrono::milliseconds(1500);
constexpr double kRetryGapS = 1.0;      // wait between passes for the previous pass's replies
constexpr double kStopDrainS = 1.0;     // after a stop request, replies in flight still count for this long

std::int64_t unix_ms_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Sleeps `seconds` in short steps, returning early when a stop is requested.
void wait_for_replies(double seconds, const std::atomic<bool>& stop) {
  const std::int64_t end = monotonic_ns() + static_cast<std::int64_t>(seconds * 1e9);
  while (monotonic_ns() < end && !stop.load(std::memory_order_relaxed)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// The receive thread's per-frame work: parse, validate, hand over. No allocation, no lock.
struct ReplyHandler {
  LinkType link;
  const ReplyValidator& validator;
  SpscQueue<Found>& queue;
  ScanState& state;

  void operator()(std::span<const std::uint8_t> frame, std::int64_t ts_ms) const {
    const std::optional<Reply> reply = parse_reply(frame, link);
    const std::optional<Verdict> verdict = reply ? validator.validate(*reply) : std::nullopt;
    if (!verdict) {
      state.replies_ignored.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    Found f;
    f.index = verdict->index;
    f.result = {reply->target_ip, reply->target_port, verdict->state, verdict->reason,
                reply->ttl,       reply->window,      reply->icmp_code, ts_ms};
    if (!queue.push(f)) state.queue_drops.fetch_add(1, std::memory_order_relaxed);
  }
};

// True when the senders together fell behind the asked rate (RateLimiter::capped() over their sums).
bool rate_capped(const std::vector<RateLimiter>& limiters) {
  std::uint64_t sent = 0, forgiven = 0;
  for (const RateLimiter& l : limiters) {
    sent += l.sent();
    forgiven += l.forgiven();
  }
  return forgiven > (sent + forgiven) / 50;
}

// Copies the aggregator's counts into ScanState (status line, summary) and counts the reply kind that decided.
void publish_counts(const Aggregator& aggregator, ScanState& state) {
  state.open.store(aggregator.count(PortState::open), std::memory_order_relaxed);
  state.closed.store(aggregator.count(PortState::closed), std::memory_order_relaxed);
  state.filtered.store(aggregator.count(PortState::filtered), std::memory_order_relaxed);
}

void count_reply(Reason reason, ScanState& state) {
  if (reason == Reason::syn_ack) state.replies_syn_ack.fetch_add(1, std::memory_order_relaxed);
  else if (reason == Reason::rst) state.replies_rst.fetch_add(1, std::memory_order_relaxed);
  else if (reason == Reason::icmp_unreach) state.replies_icmp.fetch_add(1, std::memory_order_relaxed);
}

void publish_capture_stats(const CaptureStats& cs, ScanState& state) {
  state.pcap_received.store(cs.received, std::memory_order_relaxed);
  state.pcap_drops.store(cs.dropped, std::memory_order_relaxed);
  state.pcap_if_drops.store(cs.if_dropped, std::memory_order_relaxed);
}

}  // namespace

int run_scan(const ScanConfig& c, ScanState& state) {
  require_raw_capability();
  const NextHop hop = resolve_next_hop(c.space.targets().at(0), {c.interface, c.source_ip, c.router_mac},
                                       kNeighbourTimeout);
  TemplateParams tp;
  tp.link = hop.link;
  tp.source_mac = hop.source_mac;
  tp.next_hop_mac = hop.next_hop_mac;
  tp.source_ip = hop.source_ip;
  const ProbeTemplate tmpl(tp);
  const SynCookie cookie(CookieKey::random());
  const Permutation permutation(c.space.size(), c.seed);
  const ProbeMaker maker(c.space, tmpl, cookie, hop.source_ip, c.source_port_first, c.source_port_last);
  const ReplyValidator validator(c.space, cookie, hop.source_ip, c.source_port_first, c.source_port_last);

  Outputs outputs(c.outputs);
  outputs.watch(state.stop);  // a failed output warns; with none left the scan stops, its results being lost
  MetadataFile metadata(c.metadata_path);
  const ServiceNames services = ServiceNames::load();
  ResultTable table(c.space.size());
  if (c.resume_from) preload_answered(table, c.resume_from->answered);  // reported by the stopped run
  Aggregator aggregator(table, c.show, outputs.writers());
  SpscQueue<Found> queue(1 << 16);

  // The capture is open and filtered before any transmitter exists: no reply can arrive unseen.
  PcapReceiver receiver(hop.interface, reply_filter(hop.source_ip, c.source_port_first, c.source_port_last),
                        c.pcap_buffer_bytes);
  std::optional<PcapDumper> dumper;
  if (!c.pcap_out_path.empty()) {
    dumper.emplace(hop.interface, traffic_filter(hop.source_ip, c.source_port_first, c.source_port_last),
                   c.pcap_out_path, c.pcap_buffer_bytes);
  }
  TransmitterSet sender =
      open_transmitters(c.send_backend, hop.interface, hop.ifindex, c.send_threads, dumper.has_value());
  std::vector<std::unique_ptr<Transmitter>>& transmitters = sender.transmitters;
  // Everything privileged is open. Before any thread starts (capabilities are per thread) and so before the
  // first probe or reply: no capability left, and no longer root.
  drop_privileges(c.user);
  if (dumper) dumper->start();  // its capture has buffered since it opened; nothing was sent before this

  ScanInfo info;
  info.version = kVersion;
  info.command_line = c.command_line;
  info.start_ms = unix_ms_now();
  info.services = &services;
  info.ports = format_port_ranges(c.space.ports().ports());
  info.port_count = c.space.ports().size();
  info.host_count = c.space.targets().size();
  if (!c.hostnames.empty()) info.hostname_of = hostname_lookup(c.hostnames);
  for (ResultWriter* w : outputs.writers()) w->begin(info);

  std::atomic<bool> receive_stop{false};
  std::atomic<bool> aggregate_stop{false};
  std::exception_ptr receive_error;
  std::jthread receive_thread([&] {
    pthread_setname_np(pthread_self(), "synscan-recv");
    try {
      receiver.run(receive_stop, ReplyHandler{receiver.link(), validator, queue, state},
                   [&state](const CaptureStats& cs) { publish_capture_stats(cs, state); });
    } catch (...) {
      // A capture that dies (interface removed) ends the scan; the error is rethrown after the threads join.
      receive_error = std::current_exception();
      state.stop = true;
    }
  });
  std::jthread aggregate_thread([&] {
    // Drain; flush whenever idle so each result reaches a pipe within milliseconds of being found.
    bool dirty = false;
    for (;;) {
      // Read the flag before popping: the receive thread has stopped before it is set, so an empty queue seen
      // after it means every verdict was taken.
      const bool stopping = aggregate_stop.load(std::memory_order_acquire);
      if (std::optional<Found> f = queue.pop()) {
        if (aggregator.add(*f)) {
          dirty = true;
          count_reply(f->result.reason, state);
          publish_counts(aggregator, state);
        } else {
          state.replies_duplicate.fetch_add(1, std::memory_order_relaxed);
        }
        continue;
      }
      if (dirty) {
        aggregator.flush();
        dirty = false;
      }
      if (stopping) break;
      outputs.check_readers();  // `| head` gone: known at once, not at the next result
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });

  StatusReporter status(c, state, {}, stderr);  // the receive thread refreshes the capture counters
  const std::uint64_t slice_probes = make_slice(c.space.size(), c.shard_index, c.shard_count, 0, 1).count;
  const std::int64_t start_ns = monotonic_ns();
  const double thread_rate = c.rate_pps / c.send_threads;
  const std::uint32_t batch = batch_for_rate(thread_rate, kMaxBatch);
  std::vector<RateLimiter> limiters;
  for (std::uint32_t t = 0; t < c.send_threads; ++t) {
    // Stagger the threads' schedules so that together they send evenly, not in step.
    limiters.emplace_back(thread_rate, batch, start_ns + stagger_ns(t, c.rate_pps));
  }
  std::jthread deadline;
  if (c.max_runtime_s > 0) {
    // --max-runtime acts like SIGINT at the deadline: stop, drain, write the resume file.
    const std::int64_t end = start_ns + static_cast<std::int64_t>(c.max_runtime_s * 1e9);
    deadline = std::jthread([&state, end](std::stop_token st) {
      while (!st.stop_requested() && monotonic_ns() < end) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (!st.stop_requested()) state.stop = true;
    });
  }
  std::vector<std::uint64_t> sent_per_pass;
  ResumePoint reached{first_pass(c), std::vector<std::uint64_t>(c.send_threads, 0), {}, {}};
  for (std::uint32_t pass = first_pass(c); pass <= c.retries; ++pass) {
    const auto pass_probes = [&] {
      const std::uint64_t answered = state.open.load() + state.closed.load() + state.filtered.load();
      return pass == 0 ? slice_probes : slice_probes - std::min(slice_probes, answered);
    };
    begin_pass(state, pass, pass_probes());  // at 0% while it waits for the previous pass's replies
    if (pass > first_pass(c)) {
      wait_for_replies(std::min(kRetryGapS, c.wait_s), state.stop);
      resume_staggered(limiters, c.rate_pps, monotonic_ns());
    }
    const std::uint64_t before = state.sent.load();
    begin_pass(state, pass, pass_probes());  // the replies of the wait leave fewer probes to send
    reached.pass = pass;
    std::vector<std::jthread> senders;
    for (std::uint32_t t = 0; t < c.send_threads; ++t) {
      senders.emplace_back([&, t] {
        const SendPass sp{permutation, maker,
                          make_slice(c.space.size(), c.shard_index, c.shard_count, t, c.send_threads),
                          pass > 0 ? &table : nullptr, batch, start_j(c, pass, t)};
        reached.next_j[t] = run_send_pass(sp, limiters[t], *transmitters[t], state.sent, state.stop);
      });
    }
    senders.clear();  // joins
    sent_per_pass.push_back(state.sent.load() - before);
    state.rate_capped = rate_capped(limiters);
    if (state.stop) break;
  }
  const std::int64_t send_end_ns = monotonic_ns();
  state.sending_done = true;
  const bool interrupted = state.stop.load();
  if (interrupted && outputs.all_failed()) {
    // Stopped because no output can take results: nothing to wait for, and no resume file (below).
  } else if (interrupted) {
    std::atomic<bool> never{false};
    wait_for_replies(std::min(kStopDrainS, c.wait_s), never);
  } else if (!c.resume_from || state.sent.load() > 0) {  // a resumed scan with nothing left has nothing to wait for
    wait_for_replies(c.wait_s, state.stop);
    std::atomic<bool> never{false};
    if (state.stop.load()) wait_for_replies(std::min(kStopDrainS, c.wait_s), never);  // stopped while waiting
  }
  receive_stop = true;
  receiver.interrupt();
  receive_thread.join();
  aggregate_stop.store(true, std::memory_order_release);
  aggregate_thread.join();
  // A file that could not be written ends the scan with exit 1, but only after the summary and --metadata.
  std::vector<std::string> write_errors;
  if (dumper) {
    try {
      dumper->stop();
    } catch (const std::runtime_error& e) {
      write_errors.emplace_back(e.what());
    }
  }
  if (receive_error) std::rethrow_exception(receive_error);

  // Filtered-by-silence is reported by the run that sent a probe for the last time (cli/resume.hpp).
  const bool complete = !interrupted && !state.stop.load();
  if (!complete && !outputs.all_failed()) save_resume(c, reached, table);
  if (complete && c.resume_from) finish_resume(c);  // the resume file is spent: running it again would repeat probes
  if (!complete || c.resume_from) {
    report_silence(c, permutation, reached, aggregator, unix_ms_now());
  } else if (c.shard_count == 1) {
    aggregator.finish_unanswered(c.space, unix_ms_now());
  } else {
    // A shard owns only its positions of the permutation: walk them instead of the whole table.
    const Slice mine = make_slice(c.space.size(), c.shard_index, c.shard_count, 0, 1);
    const std::int64_t now = unix_ms_now();
    for (std::uint64_t j = 0; j < mine.count; ++j) {
      aggregator.add_silent(permutation(mine.offset + mine.stride * j), c.space, now);
    }
    aggregator.flush();
  }
  publish_counts(aggregator, state);
  ScanTotals totals{unix_ms_now(), aggregator.count(PortState::open), aggregator.count(PortState::closed),
                    aggregator.count(PortState::filtered), !complete};
  if (std::string failed = outputs.end(totals); !failed.empty()) write_errors.push_back(std::move(failed));

  ScanRecord record;
  record.start_ms = info.start_ms;
  record.end_ms = totals.end_ms;
  record.send_s = static_cast<double>(send_end_ns - start_ns) / 1e9;
  record.sent_per_pass = sent_per_pass;
  record.interrupted = interrupted;
  record.interface = hop.interface;
  record.source_ip = hop.source_ip;
  if (hop.link == LinkType::ethernet) record.next_hop_mac = format_mac(hop.next_hop_mac);
  record.capture = receiver.stats();
  record.send_backend = sender.backend;
  record.send_backend_fallback = sender.fallback;
  for (const auto& t : transmitters) record.send_errors += t->errors();
  publish_capture_stats(record.capture, state);
  status.finish(complete);
  print_summary(c, state, record, stderr);
  metadata.write(scan_metadata(c, state, record));
  if (!write_errors.empty()) throw std::runtime_error(fmt::format("{}", fmt::join(write_errors, "; ")));
  return 0;
}

}  // namespace synscan
