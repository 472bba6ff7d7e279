#include "cli/targets_input.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>

#include "cli/input_file.hpp"
#include "cli/options.hpp"
#include "engine/target_parse.hpp"

namespace synscan {

std::vector<Ipv4> resolve_ipv4(const std::string& name) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;  // one entry per address instead of one per socket type
  addrinfo* list = nullptr;
  const int rc = getaddrinfo(name.c_str(), nullptr, &hints, &list);
  if (rc == EAI_NONAME || rc == EAI_NODATA || rc == EAI_ADDRFAMILY) {
    throw UsageError(fmt::format("cannot resolve target '{}': {}", name, gai_strerror(rc)));
  }
  if (rc != 0) {
    throw std::runtime_error(fmt::format("cannot resolve target '{}': {}", name,
                                         rc == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(list, &freeaddrinfo);
  std::vector<Ipv4> out;
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET) continue;
    const Ipv4 ip = ntohl(reinterpret_cast<const sockaddr_in*>(ai->ai_addr)->sin_addr.s_addr);
    if (std::find(out.begin(), out.end(), ip) == out.end()) out.push_back(ip);
  }
  if (out.empty()) throw UsageError(fmt::format("cannot resolve target '{}': no IPv4 address", name));
  return out;
}

namespace {

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

}  // namespace

std::span<const DefaultExclusion> default_exclusions_ipv4() { return kDefaultExclusionsIpv4; }

const std::vector<Interval>& default_exclusions() {
  static const std::vector<Interval> kList = [] {
    std::vector<Interval> out;
    for (const DefaultExclusion& e : default_exclusions_ipv4()) out.push_back(e.range);
    return out;
  }();
  return kList;
}

std::string default_exclusions_text() {
  std::vector<std::string_view> blocks;
  for (const DefaultExclusion& e : default_exclusions_ipv4()) blocks.push_back(e.block);
  return fmt::format("{}", fmt::join(blocks, ", "));
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

TargetListBuilder::TargetListBuilder(Resolver resolver, bool record_names)
    : resolver_(std::move(resolver)), record_names_(record_names) {}

void TargetListBuilder::add_token(std::string_view token, std::string_view where) {
  ++tokens_;
  try {
    bool masked = false;
    const Interval iv = parse_target_token(token, &masked);
    if (masked) {
      notices_.push_back(fmt::format("note: {} has host bits set; using {}/{} ({})", token,
                                     format_ipv4(iv.first), token.substr(token.find('/') + 1), where));
    }
    intervals_.push_back(iv);
    return;
  } catch (const ParseError& e) {
    if (!looks_like_hostname(token)) {
      throw UsageError(fmt::format("bad target '{}' in {} ({})", e.token(), where, e.hint()));
    }
  }
  const std::string name(token);
  auto cached = resolved_.find(name);
  if (cached == resolved_.end()) {
    std::vector<Ipv4> addresses;
    try {
      addresses = resolver_(name);
    } catch (const UsageError& e) {
      throw UsageError(fmt::format("{} (in {})", e.what(), where));
    }
    cached = resolved_.emplace(name, std::move(addresses)).first;
    std::vector<std::string> shown;
    for (Ipv4 ip : cached->second) shown.push_back(format_ipv4(ip));
    notices_.push_back(fmt::format("note: {} resolved to {}", name, fmt::join(shown, ", ")));
  }
  for (Ipv4 ip : cached->second) {
    intervals_.push_back({ip, ip});
    if (record_names_) names_.emplace_back(ip, name);
  }
}

void TargetListBuilder::add_text(std::string_view text, std::string_view where) {
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '#') {  // a comment runs to the end of its line
      const std::size_t eol = text.find('\n', i);
      i = eol == std::string_view::npos ? text.size() : eol + 1;
      continue;
    }
    if (c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
      continue;
    }
    std::size_t end = text.find_first_of(", \t\r\n#", i);
    if (end == std::string_view::npos) end = text.size();
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
  // getline splits at LF; a CR before it and a last line without LF are handled by add_text's separators.
  std::string line;
  std::size_t number = 0;
  while (std::getline(*in, line)) {
    ++number;
    add_text(line, fmt::format("{} {} line {}", option, shown, number));
  }
  if (in->bad()) throw std::runtime_error(fmt::format("error reading {} '{}'", option, shown));
}

std::vector<std::pair<Ipv4, std::string>> TargetListBuilder::take_names() {
  std::stable_sort(names_.begin(), names_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  names_.erase(std::unique(names_.begin(), names_.end(),
                           [](const auto& a, const auto& b) { return a.first == b.first; }),
               names_.end());
  return std::move(names_);
}

ResolvedTargets resolve_targets(const TargetOptions& o, const Resolver& resolver,
                                std::istream& stdin_stream) {
  const auto dashes = std::count(o.include_files.begin(), o.include_files.end(), "-") +
                      std::count(o.exclude_files.begin(), o.exclude_files.end(), "-");
  if (dashes > 1) throw UsageError("'-' (standard input) given twice in --include-file / --exclude-file");
  TargetListBuilder include(resolver, true);
  for (const std::string& t : o.targets) include.add_text(t, "targets");
  for (const std::string& f : o.include_files) include.add_file(f, "--include-file", stdin_stream);
  if (include.token_count() == 0) {
    throw UsageError(o.include_files.empty() ? "no targets given (e.g. synscan 198.19.0.0/24 -p 80)"
                                             : "no targets given: the --include-file input holds none");
  }
  TargetListBuilder exclude(resolver, false);
  for (const std::string& e : o.excludes) exclude.add_text(e, "--exclude");
  for (const std::string& f : o.exclude_files) exclude.add_file(f, "--exclude-file", stdin_stream);
  const bool own_exclusions = exclude.token_count() > 0;

  // Measured before the default exclusions so that a user's own list can be blamed when it removes
  // everything.
  const TargetSet user_only(include.intervals(), exclude.intervals());
  if (o.default_excludes) {
    exclude.intervals().insert(exclude.intervals().end(), default_exclusions().begin(),
                               default_exclusions().end());
  }
  ResolvedTargets out{TargetSet(include.intervals(), exclude.intervals()), include.take_names(), {}};
  out.notices = include.notices();
  out.notices.insert(out.notices.end(), exclude.notices().begin(), exclude.notices().end());

  if (out.targets.empty()) {
    if (user_only.empty()) {
      throw UsageError("no targets left: the exclusions (--exclude, --exclude-file) remove every target");
    }
    // Name the blocks that took the targets: "192.0.2.0/24 Documentation (TEST-NET-1)".
    std::vector<std::string> hit;
    for (const DefaultExclusion& e : default_exclusions_ipv4()) {
      const bool overlaps = std::any_of(
          include.intervals().begin(), include.intervals().end(),
          [&](const Interval& iv) { return iv.first <= e.range.last && e.range.first <= iv.last; });
      if (overlaps) hit.push_back(fmt::format("{} {}", e.block, e.name));
    }
    throw UsageError(
        fmt::format("no targets left: every target is in the default exclusions ({}; never valid "
                    "destinations, RFC 6890); add --no-default-excludes to scan them anyway",
                    fmt::join(hit, ", ")));
  }
  if (o.guard_large && !o.allow_large && !own_exclusions && out.targets.size() > kLargeScanAddresses) {
    throw UsageError(
        fmt::format("{} target addresses is more than 2^24 with no exclusion list of your own: give one "
                    "(--exclude-file FILE, "
                    "--exclude LIST) or confirm with --allow-large",
                    out.targets.size()));
  }
  return out;
}

std::function<std::string_view(Ipv4)> hostname_lookup(
    const std::vector<std::pair<Ipv4, std::string>>& table) {
  return [&table](Ipv4 ip) -> std::string_view {
    auto it =
        std::lower_bound(table.begin(), table.end(), ip, [](const auto& e, Ipv4 v) { return e.first < v; });
    if (it == table.end() || it->first != ip) return {};
    return it->second;
  };
}

}  // namespace synscan
