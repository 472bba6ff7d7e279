#include "cli/targets_input.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <stdexcept>
#include <utility>

#include "cli/input_file.hpp"
#include "cli/usage_error.hpp"
#include "engine/output/escape.hpp"
#include "engine/target_parse.hpp"

namespace synscan {

namespace {

const char* family_name(Family f) { return f == Family::ipv4 ? "IPv4" : "IPv6"; }

// "-4" / "-6" for messages; "" for both.
const char* family_flag(Families f) { return f == Families::ipv4 ? "-4" : f == Families::ipv6 ? "-6" : ""; }

// An IPv6 block from its text, without the IPv4-mapped rule of targets (the table below holds ::ffff:0:0/96).
Interval6 block6(const char* base, unsigned length) {
  const Ipv6 first = *try_parse_ipv6(base);
  const Ipv6 host = length == 128 ? 0 : (~Ipv6{0} >> length);
  return {first & ~host, (first & ~host) | host};
}

// The decimal text of n + 1 for n < 2^128: the size of a block whose last - first is n (::/0 is 2^128).
std::string decimal_plus_one(Ipv6 n) {
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(n % 10)));
    n /= 10;
  } while (n != 0);
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (*it != '9') {
      ++*it;
      return digits;
    }
    *it = '0';
  }
  return '1' + digits;
}

// IANA IPv4 Special-Purpose Address Registry, the entries with "Forwardable: False", and multicast.
// 192.0.0.0/24 is not forwardable "unless by virtue of a more specific reservation": 192.0.0.9/32 (PCP
// anycast) and 192.0.0.10/32 (TURN anycast) are, so the block is two ranges here. 192.88.99.0/24 (6to4 relay
// anycast, deprecated by RFC 7526) has no forwardable value in the registry and is not excluded.
constexpr DefaultExclusion kDefaultExclusionsIpv4[] = {
    {{0x00000000u, 0x00FFFFFFu}, "0.0.0.0/8", "\"This network\""},
    {{0x7F000000u, 0x7FFFFFFFu}, "127.0.0.0/8", "Loopback"},
    {{0xA9FE0000u, 0xA9FEFFFFu}, "169.254.0.0/16", "Link Local"},
    {{0xC0000000u, 0xC0000008u}, "192.0.0.0-192.0.0.8", "IETF Protocol Assignments"},
    {{0xC000000Bu, 0xC00000FFu}, "192.0.0.11-192.0.0.255", "IETF Protocol Assignments"},
    {{0xC0000200u, 0xC00002FFu}, "192.0.2.0/24", "Documentation (TEST-NET-1)"},
    {{0xC6336400u, 0xC63364FFu}, "198.51.100.0/24", "Documentation (TEST-NET-2)"},
    {{0xCB007100u, 0xCB0071FFu}, "203.0.113.0/24", "Documentation (TEST-NET-3)"},
    {{0xE0000000u, 0xEFFFFFFFu}, "224.0.0.0/4", "Multicast"},
    {{0xF0000000u, 0xFFFFFFFFu}, "240.0.0.0/4", "Reserved, with Limited Broadcast 255.255.255.255"},
};

// The IPv6 blocks that are never a destination (IANA IPv6 Special-Purpose Address Registry, updated
// 2025-10-09; RFC 6890, RFC 8190; and RFC 4291), before the forwardable sub-blocks of 2001::/23 are taken
// out; why each one: targets_input.hpp.
struct NamedBlock6 {
  const char* base;
  unsigned length;
  std::string_view text;  // as people write it
  std::string_view name;  // what the registry calls it
};
constexpr NamedBlock6 kNeverIpv6[] = {
    {"::", 128, "::/128", "Unspecified Address"},                // Destination False
    {"::1", 128, "::1/128", "Loopback Address"},                 // Destination False
    {"::ffff:0:0", 96, "::ffff:0:0/96", "IPv4-mapped Address"},  // Destination False
    {"100::", 64, "100::/64", "Discard-Only Address Block"},     // RFC 6666: a black hole by definition
    {"100:0:0:1::", 64, "100:0:0:1::/64", "Dummy IPv6 Prefix"},  // Forwardable False
    {"2001::", 23, "2001::/23", "IETF Protocol Assignments"},  // False unless a more specific block says True
    {"2001:db8::", 32, "2001:db8::/32", "Documentation"},      // RFC 3849: Destination False
    {"3fff::", 20, "3fff::/20", "Documentation"},              // RFC 9637: Destination False
    {"fe80::", 10, "fe80::/10", "Link-Local Unicast"},         // Forwardable False
    {"ff00::", 8, "ff00::/8", "Multicast"},                    // RFC 4291 2.7: never a unicast target
};

// The IPv6 table below, as people write it.
constexpr std::string_view kDefaultExclusionsIpv6Text =
    "::/128, ::1/128, ::ffff:0:0/96, 100::/63, 2001::/23 but its forwardable blocks (2001:2::/48, Teredo, "
    "...), "
    "2001:db8::/32, 3fff::/20, fe80::/10, ff00::/8 (IANA IPv6 special-purpose registry)";

std::vector<Interval> default_exclusions_v4() {
  std::vector<Interval> out;
  for (const DefaultExclusion& e : kDefaultExclusionsIpv4) out.push_back(e.range);
  return out;
}

// The number of addresses in normalized ranges, saturated at 2^64 - 1 (no copy: a hitlist is large).
std::uint64_t count_addresses_saturated_normalized(const AddressRanges& r) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t total = 0;
  auto add = [&](std::uint64_t n) { total = n > kMax - total ? kMax : total + n; };
  for (const Interval& iv : r.v4) add(iv.size());
  for (const Interval6& iv : r.v6) {
    const Ipv6 n = iv.last - iv.first;
    add(n >= kMax ? kMax : static_cast<std::uint64_t>(n) + 1);
  }
  return total;
}

}  // namespace

std::vector<IpAddress> resolve_host(const std::string& name, Families families) {
  addrinfo hints{};
  hints.ai_family = families == Families::ipv4 ? AF_INET : families == Families::ipv6 ? AF_INET6 : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;  // one entry per address instead of one per socket type
  const std::string wanted =
      families == Families::both
          ? ""
          : fmt::format(" to an {} address ({})", families == Families::ipv4 ? "IPv4" : "IPv6",
                        family_flag(families));
  addrinfo* list = nullptr;
  const int rc = getaddrinfo(name.c_str(), nullptr, &hints, &list);
  if (rc == EAI_NONAME || rc == EAI_NODATA || rc == EAI_ADDRFAMILY) {
    throw UsageError(fmt::format("cannot resolve target '{}'{}: {}", name, wanted, gai_strerror(rc)));
  }
  if (rc != 0) {
    throw std::runtime_error(fmt::format("cannot resolve target '{}': {}", name,
                                         rc == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(list, &freeaddrinfo);
  std::vector<IpAddress> out;
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    IpAddress ip;
    if (ai->ai_family == AF_INET) {
      ip = IpAddress::v4(ntohl(reinterpret_cast<const sockaddr_in*>(ai->ai_addr)->sin_addr.s_addr));
    } else if (ai->ai_family == AF_INET6) {
      const Ipv6 a = load_ipv6(reinterpret_cast<const sockaddr_in6*>(ai->ai_addr)->sin6_addr.s6_addr);
      ip = (a >> 32) == (kIpv4MappedPrefix >> 32) ? IpAddress::v4(static_cast<Ipv4>(a)) : IpAddress::v6(a);
    } else {
      continue;
    }
    if (!takes(families, ip.family)) continue;
    if (std::find(out.begin(), out.end(), ip) == out.end()) out.push_back(ip);
  }
  if (out.empty()) throw UsageError(fmt::format("cannot resolve target '{}'{}: no address", name, wanted));
  return out;
}

const AddressRanges& default_exclusions() {
  static const AddressRanges kList{default_exclusions_v4(), default_exclusions_v6()};
  return kList;
}

const std::vector<Interval6>& default_exclusions_v6() {
  // From the IANA IPv6 Special-Purpose Address Registry (updated 2025-10-09; RFC 6890, RFC 8190) and RFC
  // 4291; why each one: targets_input.hpp.
  static const std::vector<Interval6> kList = [] {
    std::vector<Interval6> never;
    for (const NamedBlock6& b : kNeverIpv6) never.push_back(block6(b.base, b.length));
    // The sub-blocks of 2001::/23 whose Destination and Forwardable are True: scannable.
    const std::vector<Interval6> forwardable = {
        block6("2001::", 32),        // Teredo (RFC 4380)
        block6("2001:1::1", 128),    // Port Control Protocol anycast (RFC 7723)
        block6("2001:1::2", 128),    // TURN anycast (RFC 8155)
        block6("2001:1::3", 128),    // DNS-SD Service Registration Protocol anycast (RFC 9665)
        block6("2001:2::", 48),      // benchmarking (RFC 5180): the lab's IPv6 space
        block6("2001:3::", 32),      // AMT (RFC 7450)
        block6("2001:4:112::", 48),  // AS112-v6 (RFC 7535)
        block6("2001:20::", 28),     // ORCHIDv2 (RFC 7343)
        block6("2001:30::", 28),     // drone remote ID DETs (RFC 9374)
    };
    return subtract_ranges({{}, never}, {{}, forwardable}).v6;
  }();
  return kList;
}

bool in_default_exclusions(const IpAddress& ip) noexcept {
  const AddressRanges& d = default_exclusions();
  if (ip.is_v4()) {
    return std::any_of(d.v4.begin(), d.v4.end(),
                       [&](const Interval& iv) { return iv.first <= ip.ipv4() && ip.ipv4() <= iv.last; });
  }
  return std::any_of(d.v6.begin(), d.v6.end(),
                     [&](const Interval6& iv) { return iv.first <= ip.ipv6() && ip.ipv6() <= iv.last; });
}

std::span<const DefaultExclusion> default_exclusions_ipv4() { return kDefaultExclusionsIpv4; }

std::string default_exclusions_text() {
  std::vector<std::string_view> blocks;
  for (const DefaultExclusion& e : default_exclusions_ipv4()) blocks.push_back(e.block);
  return fmt::format("IPv4 {} (RFC 6890: not forwardable, and multicast); IPv6 {}", fmt::join(blocks, ", "),
                     kDefaultExclusionsIpv6Text);
}

bool looks_like_hostname(std::string_view token) {
  if (token.empty() || token.size() > 253 || token.front() == '-' || token.front() == '.') return false;
  bool letter = false;
  for (char c : token) {
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alpha && !(c >= '0' && c <= '9') && c != '-' && c != '.') return false;
    letter |= alpha;
  }
  return letter;
}

TargetListBuilder::TargetListBuilder(Resolver resolver, bool record_names, Families families,
                                     bool only_families)
    : resolver_(std::move(resolver)),
      record_names_(record_names),
      families_(families),
      only_families_(only_families) {}

std::string TargetListBuilder::Where::text() const {
  return line == 0 ? std::string(source) : fmt::format("{} line {}", source, line);
}

void TargetListBuilder::add_range(const AddressRange& r, std::string_view token) {
  ranges_.add(r.first, r.last);
  const Ipv6 span = r.last.bits - r.first.bits;
  if (largest_token_.empty() || span > largest_span_) {
    largest_token_ = token;
    largest_span_ = span;
  }
}

void TargetListBuilder::add_token(std::string_view token, const Where& where) {
  ++tokens_;
  try {
    bool masked = false;
    const AddressRange r = parse_target_token(token, &masked);
    if (only_families_ && !takes(families_, r.first.family)) {
      throw UsageError(fmt::format("bad target '{}' in {} (an {} target, but {} scans {} only)",
                                   visible_text(token), where.text(), family_name(r.first.family),
                                   family_flag(families_), families_ == Families::ipv4 ? "IPv4" : "IPv6"));
    }
    if (masked) {
      notices_.push_back(fmt::format("note: {} has host bits set; using {}/{} ({})", token,
                                     format_address(r.first), token.substr(token.find('/') + 1),
                                     where.text()));
    }
    add_range(r, token);
    return;
  } catch (const ParseError& e) {
    if (!looks_like_hostname(token)) {
      // A NUL, a no-break or zero-width space would be shown raw (or cut the line short): escaped instead.
      throw UsageError(
          fmt::format("bad target '{}' in {} ({})", visible_text(e.token()), where.text(), e.hint()));
    }
  }
  const std::string name(token);
  auto cached = resolved_.find(name);
  if (cached == resolved_.end()) {
    std::vector<IpAddress> addresses;
    try {
      addresses = resolver_(name, families_);
    } catch (const UsageError& e) {
      throw UsageError(fmt::format("{} (in {})", e.what(), where.text()));
    }
    cached = resolved_.emplace(name, std::move(addresses)).first;
    std::vector<std::string> shown;
    for (const IpAddress& ip : cached->second) shown.push_back(format_address(ip));
    notices_.push_back(fmt::format("note: {} resolved to {}", name, fmt::join(shown, ", ")));
  }
  for (const IpAddress& ip : cached->second) {
    add_range({ip, ip}, token);
    if (record_names_) names_.emplace_back(ip, name);
  }
}

void TargetListBuilder::add_text(std::string_view text, std::string_view where) {
  add_tokens(text, Where{where, 0});
}

namespace {

// A separator between tokens: comma, blank, tab, CR, LF. (A character loop: string_view::find_first_of calls
// memchr once per character of the text, which was the largest cost of reading a hitlist.)
constexpr bool is_separator(char c) noexcept {
  return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

}  // namespace

void TargetListBuilder::add_tokens(std::string_view text, const Where& where) {
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '#') {  // a comment runs to the end of its line
      const std::size_t eol = text.find('\n', i);
      i = eol == std::string_view::npos ? text.size() : eol + 1;
      continue;
    }
    if (is_separator(c)) {
      ++i;
      continue;
    }
    std::size_t end = i + 1;
    while (end < text.size() && !is_separator(text[end]) && text[end] != '#') ++end;
    add_token(text.substr(i, end - i), where);
    i = end;
  }
}

void TargetListBuilder::add_file(const std::string& path, std::string_view option,
                                 std::istream& stdin_stream) {
  std::ifstream file;
  std::istream* in = &stdin_stream;
  if (path == "-") {
    if (stdin_used_) throw UsageError(fmt::format("'-' (standard input) given twice, again in {}", option));
    stdin_used_ = true;
  } else {
    file = open_input_file(path, option);
    in = &file;
  }
  const std::string shown = path == "-" ? "standard input" : path;
  const std::string source = fmt::format("{} {}", option, shown);
  // Blocks of 64 KiB, split at LF; a CR before it and a last line without LF are handled by add_tokens'
  // separators. Only a line that straddles two blocks is copied (into `pending`).
  std::vector<char> block(std::size_t{1} << 16);
  std::string pending;
  std::size_t number = 0;
  bool first_block = true;
  while (*in) {
    in->read(block.data(), static_cast<std::streamsize>(block.size()));
    const std::string_view data(block.data(), static_cast<std::size_t>(in->gcount()));
    std::size_t pos = 0;
    // A UTF-8 byte-order mark (EF BB BF), which some Windows editors write first, is no part of the text.
    if (std::exchange(first_block, false) && data.starts_with("\xEF\xBB\xBF")) pos = 3;
    for (std::size_t eol = data.find('\n'); eol != std::string_view::npos; eol = data.find('\n', pos)) {
      std::string_view line = data.substr(pos, eol - pos);
      if (!pending.empty()) {
        pending.append(line);
        line = pending;
      }
      add_tokens(line, Where{source, ++number});
      pending.clear();
      pos = eol + 1;
    }
    pending.append(data.substr(pos));
  }
  if (in->bad()) throw std::runtime_error(fmt::format("error reading {} '{}'", option, shown));
  if (!pending.empty()) add_tokens(pending, Where{source, ++number});
}

std::vector<std::pair<IpAddress, std::string>> TargetListBuilder::take_names() {
  std::stable_sort(names_.begin(), names_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  names_.erase(std::unique(names_.begin(), names_.end(),
                           [](const auto& a, const auto& b) { return a.first == b.first; }),
               names_.end());
  return std::move(names_);
}

namespace {

// Refuses a set whose probe space (addresses x ports) is larger than the scanner can index, naming the token
// of the most addresses when it alone is too many. `set` is normalized.
void check_probe_space(const AddressRanges& set, const TargetListBuilder& include, std::uint64_t ports) {
  const std::uint64_t addresses = count_addresses_saturated(set);
  const std::uint64_t most = kMaxProbes / ports;  // addresses x ports <= 2^48 iff addresses <= this
  if (addresses <= most) return;
  const std::string per_port = ports == 1 ? "" : fmt::format(" x {} ports", ports);
  if (include.largest_span() >= most) {  // the token alone has more than `most` addresses
    throw UsageError(
        fmt::format("{} is {} addresses{}: too many to scan (at most 2^48 probes); give a longer "
                    "prefix or a hitlist",
                    include.largest_token(), decimal_plus_one(include.largest_span()), per_port));
  }
  const std::string count =
      addresses == std::numeric_limits<std::uint64_t>::max() ? "more than 2^64" : std::to_string(addresses);
  throw UsageError(
      fmt::format("the targets are {} addresses{}: too many to scan (at most 2^48 probes); give "
                  "fewer targets or ports",
                  count, per_port));
}

}  // namespace

ResolvedTargets resolve_targets(const TargetOptions& o, const Resolver& resolver,
                                std::istream& stdin_stream) {
  if (o.ipv4_only && o.ipv6_only) {
    throw UsageError(
        "-4 (IPv4 only) and -6 (IPv6 only) exclude each other; give neither to scan both families");
  }
  const Families families = o.ipv4_only ? Families::ipv4 : o.ipv6_only ? Families::ipv6 : Families::both;
  const auto dashes = std::count(o.include_files.begin(), o.include_files.end(), "-") +
                      std::count(o.exclude_files.begin(), o.exclude_files.end(), "-");
  if (dashes > 1) throw UsageError("'-' (standard input) given twice in --include-file / --exclude-file");
  TargetListBuilder include(resolver, true, families, true);
  for (const std::string& t : o.targets) include.add_text(t, "targets");
  for (const std::string& f : o.include_files) include.add_file(f, "--include-file", stdin_stream);
  if (include.token_count() == 0) {
    throw UsageError(o.include_files.empty() ? "no targets given (e.g. synscan 198.19.0.0/24 -p 80)"
                                             : "no targets given: the --include-file input holds none");
  }
  // Exclusions of either family: a shared block list may name both, and the other family's subtract nothing.
  TargetListBuilder exclude(resolver, false);
  for (const std::string& e : o.excludes) exclude.add_text(e, "--exclude");
  for (const std::string& f : o.exclude_files) exclude.add_file(f, "--exclude-file", stdin_stream);
  const bool own_exclusions = exclude.token_count() > 0;

  // The user's exclusions first, so that they can be blamed when they remove everything; then the defaults.
  // The include list is moved through both steps, never copied (a hitlist is most of the memory).
  AddressRanges set = subtract_ranges(std::move(include.ranges()), exclude.ranges());
  if (set.empty()) {
    throw UsageError("no targets left: the exclusions (--exclude, --exclude-file) remove every target");
  }
  std::vector<std::string> notices;  // this step's, after the inputs' own
  if (o.default_excludes) {
    // The IPv4 blocks the targets touch, named if they take every target: "192.0.2.0/24 Documentation
    // (TEST-NET-1)". `set` is normalized, so a binary search per block.
    std::vector<std::string> hit;
    bool partly = false;  // a block only partly among the targets: they named addresses inside it
    for (const DefaultExclusion& e : default_exclusions_ipv4()) {
      const auto it = std::lower_bound(set.v4.begin(), set.v4.end(), e.range.first,
                                       [](const Interval& iv, Ipv4 a) { return iv.last < a; });
      if (it == set.v4.end() || it->first > e.range.last) continue;
      hit.push_back(fmt::format("{} {}", e.block, e.name));
      partly |= !(it->first <= e.range.first && e.range.last <= it->last);
    }
    // The IPv6 ones likewise: each excluded interval the targets touch, named by the block that holds it.
    const auto first_touching = [&set](Ipv6 first) {
      return std::lower_bound(set.v6.begin(), set.v6.end(), first,
                              [](const Interval6& t, Ipv6 a) { return t.last < a; });
    };
    const auto touches = [&](Ipv6 first, Ipv6 last) {
      const auto it = first_touching(first);
      return it != set.v6.end() && it->first <= last;
    };
    for (const Interval6& iv : default_exclusions_v6()) {
      if (!touches(iv.first, iv.last)) continue;
      for (const NamedBlock6& b :
           kNeverIpv6) {  // adjacent blocks merge into one interval: name each part hit
        const Interval6 block = block6(b.base, b.length);
        const Ipv6 first = std::max(block.first, iv.first), last = std::min(block.last, iv.last);
        if (first > last || !touches(first, last)) continue;
        const auto it = first_touching(first);
        partly |= !(it->first <= first && last <= it->last);
        std::string named = fmt::format("{} {}", b.text, b.name);
        if (std::find(hit.begin(), hit.end(), named) == hit.end()) hit.push_back(std::move(named));
      }
    }
    const std::uint64_t before = count_addresses_saturated_normalized(set);
    set = subtract_ranges(std::move(set), default_exclusions());
    if (!set.empty() && partly) {
      // Targets given inside a default block (127.0.0.1, ff02::1 beside real ones) are dropped with a word,
      // once; a range that holds whole blocks (0.0.0.0/0) loses them as the user expects, silently.
      const std::uint64_t removed = before - std::min(before, count_addresses_saturated_normalized(set));
      notices.push_back(fmt::format(
          "note: {} of the targets {} in the default exclusions ({}) and {} not probed; "
          "--no-default-excludes probes them",
          removed == std::numeric_limits<std::uint64_t>::max() ? "2^64 or more" : std::to_string(removed),
          removed == 1 ? "is" : "are", fmt::join(hit, ", "), removed == 1 ? "is" : "are"));
    }
    if (set.empty()) {
      throw UsageError(
          fmt::format("no targets left: every target is in the default exclusions ({}; never valid "
                      "destinations, RFC 6890); add --no-default-excludes to scan them anyway",
                      fmt::join(hit, ", ")));
    }
  }
  check_probe_space(set, include, std::max<std::uint64_t>(o.port_count, 1));
  ResolvedTargets out{TargetSet(std::move(set)), include.take_names(), include.notices()};
  out.notices.insert(out.notices.end(), exclude.notices().begin(), exclude.notices().end());
  out.notices.insert(out.notices.end(), notices.begin(), notices.end());

  if (o.guard_large && !o.allow_large && !own_exclusions && out.targets.size() > kLargeScanAddresses) {
    throw UsageError(
        fmt::format("{} target addresses is more than 2^24 with no exclusion list of your own: give one "
                    "(--exclude-file FILE, "
                    "--exclude LIST) or confirm with --allow-large",
                    out.targets.size()));
  }
  return out;
}

std::function<std::string_view(const IpAddress&)> hostname_lookup(
    const std::vector<std::pair<IpAddress, std::string>>& table) {
  return [&table](const IpAddress& ip) -> std::string_view {
    auto it = std::lower_bound(table.begin(), table.end(), ip,
                               [](const auto& e, const IpAddress& v) { return e.first < v; });
    if (it == table.end() || it->first != ip) return {};
    return it->second;
  };
}

}  // namespace synscan
