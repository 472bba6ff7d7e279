#include "cli/scan_runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "capture/banner_stage.hpp"
#include "capture/link_wait.hpp"
#include "capture/pcap_dumper.hpp"
#include "capture/pcap_receiver.hpp"
#include "capture/privileges.hpp"
#include "capture/receive_thread.hpp"
#include "capture/route.hpp"
#include "capture/rst_suppressor.hpp"
#include "capture/send_thread.hpp"
#include "capture/senders.hpp"
#include "cli/outputs.hpp"
#include "cli/report.hpp"
#include "cli/resume.hpp"
#include "cli/signals.hpp"
#include "cli/status.hpp"
#include "cli/targets_input.hpp"
#include "cli/version.hpp"
#include "engine/aggregate_thread.hpp"
#include "engine/aggregator.hpp"
#include "engine/clock.hpp"
#include "engine/output/reply_fields.hpp"
#include "engine/probe_set.hpp"
#include "engine/probes/p0f_signatures.hpp"
#include "engine/probes/registry.hpp"
#include "engine/rate_thread.hpp"
#include "engine/spsc_queue.hpp"

namespace synscan {
namespace {

constexpr auto kNeighbourTimeout = std::chrono::milliseconds(1500);
constexpr double kStopDrainS = 1.0;  // after a stop request, replies in flight still count for this long
constexpr std::size_t kQueueCapacity = 1 << 16;  // verdicts between the receive and the aggregator thread
// Answer descriptions beside them (AnswerInfo, ~270 bytes each): only open UDP services have one.
constexpr std::size_t kAnswerQueueCapacity = 1 << 12;
// The probes whose verdicts the full queue could not take (8 bytes each), reported reply-dropped.
constexpr std::size_t kDroppedCapacity = 1 << 17;
constexpr double kLinkDownWaitS = 10;  // a link that went down may come back within this; README says so

std::int64_t unix_ms_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// The next hop of each family the scan has.
struct Route {
  std::optional<NextHop> v4, v6;
  const NextHop& hop() const { return v4 ? *v4 : *v6; }  // the interface both leave through
};

// Both families must leave through one interface: one capture, one set of transmitters.
Route resolve_route(const ScanConfig& c) {
  const TargetSet& targets = c.space.targets();
  Route r;
  if (targets.v4_size() > 0) {
    r.v4 = resolve_next_hop(IpAddress::v4(targets.at_v4(0)),
                            {c.interface, c.source_ip4, router_mac_for(c, false)}, kNeighbourTimeout);
  }
  if (targets.v6_size() > 0) {
    r.v6 = resolve_next_hop(IpAddress::v6(targets.at_v6(0)),
                            {c.interface, c.source_ip6, router_mac_for(c, true)}, kNeighbourTimeout);
  }
  if (r.v4 && r.v6 && r.v4->ifindex != r.v6->ifindex) {
    throw RouteError(
        fmt::format("IPv4 targets route through {} and IPv6 targets through {}: give -i to send both "
                    "through one interface, or scan the families separately",
                    r.v4->interface, r.v6->interface));
  }
  return r;
}

ProbeSetup probe_setup(const ScanConfig& c, const Route& route) {
  auto endpoint = [](const NextHop& h) {
    return LocalEndpoint{h.link, h.source_mac, h.next_hop_mac, h.source_ip};
  };
  ProbeSetup setup;
  setup.space = &c.space;
  setup.key = CookieKey::random();
  if (route.v4) setup.v4 = endpoint(*route.v4);
  if (route.v6) setup.v6 = endpoint(*route.v6);
  setup.source_port_first = c.source_port_first;
  setup.source_port_last = c.source_port_last;
  setup.args = c.module_args;
  return setup;
}

// p0f's signatures for the "os" fields of --output-fields, read at run time from the p0f package's file; a
// missing file is one note and no guess.
std::optional<P0fSignatures> load_os_signatures(const std::vector<const ReplyField*>& fields) {
  if (!needs_os_signatures(fields)) return std::nullopt;
  std::ifstream in{std::string(kP0fSignatures)};
  if (!in) {
    std::cerr << "synscan: no " << kP0fSignatures << " (the p0f package): no OS guess\n";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return P0fSignatures::parse(text.str());
}

// What the writers' begin() is told about the scan.
ScanInfo scan_info(const ScanConfig& c, const ServiceNames& services) {
  ScanInfo info;
  info.version = kVersion;
  info.command_line = c.command_line;
  info.start_ms = unix_ms_now();
  info.services = &services;
  for (const ProbeBlock& b : c.space.blocks()) {
    const bool ports = vocabulary(b.proto()).has_ports;
    info.probed.push_back({b.proto(), ports ? format_port_ranges(b.ports().ports()) : std::string(),
                           ports ? b.ports().size() : 0});
    info.banners = info.banners || vocabulary(b.proto()).describes;
  }
  info.host_count = c.space.targets().size();
  if (!c.hostnames.empty()) info.hostname_of = hostname_lookup(c.hostnames);
  info.banners = info.banners || c.banners;
  info.reply_fields = c.reply_fields;
  return info;
}

BannerOptions banner_options(const ScanConfig& c, const ScanInfo& info) {
  BannerOptions o;
  o.probes = c.banner_probes;
  o.concurrency = c.banner_concurrency;
  o.rate = c.banner_rate;
  o.timeout_s = c.banner_timeout_s;
  o.max_bytes = c.banner_max_bytes;
  o.hostname_of = info.hostname_of;
  return o;
}

// --max-runtime acts like SIGINT at the deadline: stop, drain, write the resume file. No thread without it.
std::jthread stop_at_deadline(const ScanConfig& c, std::int64_t start_ns, ScanState& state) {
  if (c.max_runtime_s <= 0) return {};
  const std::int64_t end = start_ns + static_cast<std::int64_t>(c.max_runtime_s * 1e9);
  return std::jthread([&state, end](std::stop_token st) {
    while (!st.stop_requested() && monotonic_ns() < end)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!st.stop_requested()) state.stop = true;
  });
}

RateControlSetup rate_control_setup(const ScanConfig& c) {
  RateControlSetup s;
  s.automatic = c.rate_auto;
  s.fixed_pps = c.rate_pps;
  s.params.max_pps = c.rate_pps;  // with auto: its ceiling
  s.params.start_pps = std::min(defaults::kAutoStartPps, c.rate_pps);
  s.params.min_pps = std::min(s.params.min_pps, c.rate_pps);
  return s;
}

SendSchedule send_schedule(const ScanConfig& c, std::int64_t start_ns) {
  SendSchedule s;
  s.rate_pps = planned_rate_pps(c);
  s.start = start_cursors(c);
  s.auto_rate = c.rate_auto;
  s.start_ns = start_ns;
  return s;
}

// After the last probe: --wait seconds for late replies; after a stop request (before or during that wait) at
// most kStopDrainS for the replies in flight, which a second Ctrl-C cuts short (cli/signals.hpp).
void wait_for_late_replies(const ScanConfig& c, ScanState& state, bool interrupted, bool outputs_gone) {
  const std::atomic<bool>& hurried = stop_hurried();
  if (interrupted && outputs_gone) {
    // Stopped because no output can take results: nothing to wait for.
  } else if (interrupted) {
    sleep_unless_stopped(std::min(kStopDrainS, c.wait_s), hurried);
  } else if (!c.resume_from || state.sent.load() > 0) {  // a resumed scan with nothing left waits for nothing
    sleep_unless_stopped(c.wait_s, state.stop);
    if (state.stop.load())
      sleep_unless_stopped(std::min(kStopDrainS, c.wait_s), hurried);  // stopped while waiting
  }
}

}  // namespace

int run_scan(const ScanConfig& c, ScanState& state) {
  require_raw_capability();
  const Route route = resolve_route(c);
  const NextHop& hop = route.hop();
  const ProbeSet probes(probe_setup(c, route));
  const Permutation permutation(c.space.size(), c.seed);

  Outputs outputs(c.outputs);
  outputs.watch(state.stop);  // a failed output warns; with none left the scan stops, its results being lost
  MetadataFile metadata(c.metadata_path);
  const ServiceNames services = ServiceNames::load();
  const std::optional<P0fSignatures> os_signatures = load_os_signatures(c.reply_fields);
  ProbeWindows windows(c.plan, permutation, c.window);
  restore_windows(c, windows);  // a resumed scan: the stopped run's tails and answered bits
  Aggregator aggregator(windows, c.space, c.show, outputs.writers());
  SpscQueue<Result> queue(kQueueCapacity);
  SpscQueue<QueuedAnswer> answers(kAnswerQueueCapacity);
  SpscQueue<ProbeIndex> dropped(kDroppedCapacity);

  // The capture is open and filtered before any transmitter exists: no reply can arrive unseen.
  PcapReceiver receiver(hop.interface, probes.reply_filter(), c.pcap_buffer_bytes);
  std::optional<PcapDumper> dumper;
  if (!c.pcap_out_path.empty()) {
    dumper.emplace(hop.interface, probes.traffic_filter(), c.pcap_out_path, c.pcap_buffer_bytes,
                   c.pcap_out_append);
  }
  const TransmitterSet sender =
      open_transmitters(c.send_backend, hop.interface, hop.ifindex, c.send_threads, dumper.has_value());
  // --suppress-rst: added while still privileged; removed when `rst` goes, or by its watcher if this process
  // dies first.
  std::optional<RstSuppressor> rst;
  if (c.suppress_rst) {
    rst.emplace(route.v4 ? std::optional<IpAddress>(route.v4->source_ip) : std::nullopt,
                route.v6 ? std::optional<IpAddress>(route.v6->source_ip) : std::nullopt, c.source_port_first,
                c.source_port_last);
  }
  // Everything privileged is open. Before any thread starts (capabilities are per thread) and so before the
  // first probe or reply: no capability left, and no longer root.
  mark_resumed(
      c);  // a resumed scan: its file can no longer be resumed a second time (while still privileged)
  drop_privileges(c.user, c.user_given);
  if (dumper) dumper->start();  // its capture has buffered since it opened; nothing was sent before this
  ScanInfo info = scan_info(c, services);
  info.os_signatures = os_signatures ? &*os_signatures : nullptr;
  for (ResultWriter* w : outputs.writers()) w->begin(info);

  // --banners: open results go through the banner stage (its own thread, unprivileged) before the writers.
  BannerExchange banner_exchange;
  std::optional<BannerStage> banner_stage;
  if (c.banners) {
    aggregator.send_open_to(&banner_exchange);
    banner_stage.emplace(banner_options(c, info), banner_exchange, state);
  }
  ReceiveThread receiving(receiver, probes, queue, state, &answers, &dropped);
  // `| head` gone: known at once, not at the next result.
  AggregateThread aggregating(
      queue, aggregator, state, [&outputs] { outputs.check_readers(); }, &answers, &dropped);
  RateControlThread rating(state, rate_control_setup(c));  // sets the first rate before any probe
  StatusReporter status(c, state, {}, stderr);  // the receive thread refreshes the capture counters
  const std::int64_t start_ns = monotonic_ns();
  std::jthread deadline = stop_at_deadline(c, start_ns, state);
  LinkWait link(hop.interface, kLinkDownWaitS);  // a send error: wait for the link, or stop as Ctrl-C does
  SendSchedule schedule = send_schedule(c, start_ns);
  schedule.link = &link;
  const SendersDone sent =
      run_senders(c.plan, permutation, probes, windows, sender.transmitters, schedule, state);
  rating.stop();
  const bool interrupted = state.stop.load();
  wait_for_late_replies(c, state, interrupted, outputs.all_failed());
  receiving.stop();  // every verdict is queued,
  // Whether the probes were all sent and waited for: a stop during the banner wait below cuts banners short,
  // not the scan.
  const bool complete = !interrupted && !state.stop.load();
  if (banner_stage) {
    banner_stage->wait_idle(state.stop);  // each banner is bounded by --banner-timeout; Ctrl-C ends the wait
    banner_stage->stop();                 // what is left is not done
  }
  aggregating.stop();  // then taken
  // A file that could not be written ends the scan with exit 1, but only after the summary and --metadata.
  std::vector<std::string> write_errors;
  if (dumper) {
    try {
      dumper->stop();
    } catch (const std::runtime_error& e) {
      write_errors.emplace_back(e.what());
    }
  }

  // Filtered-by-silence is reported by the run in which a probe's fate became final (cli/resume.hpp): the
  // windows moved while the scan ran; a complete scan makes the rest final now, after --wait.
  if (!complete && !outputs.all_failed()) {  // with no output left, no resume
    save_resume(c, resume_point(c, sent.next, windows));
  }
  if (complete && c.resume_from)
    finish_resume(c);  // the resume file is spent: running it again would repeat probes
  if (complete) aggregator.finalise_all(unix_ms_now());
  publish_counts(aggregator, state);
  const ScanTotals totals{unix_ms_now(),
                          aggregator.count(PortState::open),
                          aggregator.count(PortState::closed),
                          aggregator.count(PortState::filtered),
                          aggregator.count(PortState::open_filtered),
                          !complete};
  if (std::string failed = outputs.end(totals); !failed.empty()) write_errors.push_back(std::move(failed));

  ScanRecord record;
  record.start_ms = info.start_ms;
  record.end_ms = totals.end_ms;
  record.send_s = static_cast<double>(sent.end_ns - start_ns) / 1e9;
  record.sent_per_level = sent.sent_per_level;
  record.window_bytes = windows.bytes();
  record.interrupted = !complete;  // also a stop during --wait: results were not finalised (C-N31)
  record.interface = hop.interface;
  if (route.v4) record.source_ips.push_back(route.v4->source_ip);
  if (route.v6) record.source_ips.push_back(route.v6->source_ip);
  if (hop.link == LinkType::ethernet) record.next_hop_mac = format_mac(hop.next_hop_mac);
  record.capture = receiver.stats();
  record.send_backend = sender.backend;
  record.send_backend_fallback = sender.fallback;
  for (const auto& t : sender.transmitters) record.send_errors += t->errors();
  record.rate_history = rating.history();
  record.loss_warning = rating.loss_warning();
  publish_capture_stats(record.capture, state);
  status.finish(complete);
  print_summary(c, state, record, stderr);
  metadata.write(scan_metadata(c, state, record));
  // A link or capture that failed stopped the scan as Ctrl-C does (outputs whole, resume file); now it is an
  // error: one line naming the interface, exit 1.
  if (const std::optional<std::string> failed = link.failure()) throw std::runtime_error(*failed);
  receiving.rethrow_error();
  if (!write_errors.empty()) throw std::runtime_error(fmt::format("{}", fmt::join(write_errors, "; ")));
  return 0;
}

}  // namespace synscan
