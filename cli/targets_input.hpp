#pragma once
// Target input as users give it: tokens on the command line and in files (-iL, --exclude-file), hostnames
// resolved once at start, exclusions (the user's and RFC 6890's), and the guard against scanning the Internet
// by a typo. The result is a TargetSet of sorted intervals plus a table of the names targets were given as.
#include <cstdint>
#include <functional>
#include <istream>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/target_set.hpp"
#include "engine/types.hpp"

namespace synscan {

/// Resolves a hostname to every IPv4 address it has (A records), host byte order. Throws UsageError when the
/// name does not exist (a bad target: exit 2) and std::runtime_error when the resolver itself failed (no DNS
/// server reachable, EAI_AGAIN: the environment, exit 1).
using Resolver = std::function<std::vector<Ipv4>(const std::string& name)>;

/// The system resolver: getaddrinfo(name, AF_INET), every address once, in the order returned.
std::vector<Ipv4> resolve_ipv4(const std::string& name);

/// One block of the default exclusions: addresses that are never a valid destination of a scan.
struct DefaultExclusion {
  Interval range;
  std::string_view block;  ///< as people write it: "192.0.2.0/24"
  std::string_view name;   ///< what the registry calls it: "Documentation (TEST-NET-1)"
};

/// The IPv4 default exclusions, one table (cli/targets_input.cpp kDefaultExclusionsIpv4): every block that
/// the IANA IPv4 Special-Purpose Address Registry (RFC 6890 and its updates) marks not forwardable --
/// 0.0.0.0/8, 127.0.0.0/8, 169.254.0.0/16, 192.0.0.0/24 except the forwardable 192.0.0.9 and 192.0.0.10, the
/// three documentation blocks 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, and 240.0.0.0/4 with
/// 255.255.255.255 -- plus 224.0.0.0/4 (multicast, RFC 5771: never a unicast target). Not the forwardable
/// blocks: benchmarking 198.18.0.0/15 (the lab's), private use, shared address space. IPv6 blocks get a table
/// of their own beside it.
std::span<const DefaultExclusion> default_exclusions_ipv4();

/// The default exclusions as intervals (every table).
const std::vector<Interval>& default_exclusions();

/// The default exclusions' blocks for people: "0.0.0.0/8, 127.0.0.0/8, ..." (--help, error messages).
std::string default_exclusions_text();

/// A scan of more than this many addresses needs an exclusion of its own or --allow-large.
inline constexpr std::uint64_t kLargeScanAddresses = std::uint64_t{1} << 24;

/// True for a token that may be a hostname (RFC 1123 letters, digits, '-' and '.', with at least one letter,
/// so that a mistyped address such as 300.1.2.3 is reported as a bad address, not looked up).
bool looks_like_hostname(std::string_view token);

/// Accumulates targets or exclusions from any number of sources, in the order given.
class TargetListBuilder {
 public:
  /// `resolver` is called once per distinct hostname; `record_names` keeps the (address, name) table (targets
  /// yes, exclusions no).
  TargetListBuilder(Resolver resolver, bool record_names);

  /// Adds every token of `text`: tokens are separated by commas, blanks, tabs, CR and LF; '#' starts a
  /// comment that runs to the end of its line. A token is an address, a CIDR block (host bits set under the
  /// prefix are masked off, with a notice), a range a.b.c.d-e.f.g.h, or a hostname (every A record). `where`
  /// names the source in errors ("targets", "--exclude", "file hosts.txt line 3"). Throws UsageError naming
  /// the token.
  void add_text(std::string_view text, std::string_view where);

  /// Adds the contents of FILE ('-' is `stdin_stream`, at most once per run), with per-line error locations.
  /// Throws std::runtime_error when the file cannot be read (exit 1), UsageError for a bad token.
  void add_file(const std::string& path, std::string_view option, std::istream& stdin_stream);

  std::vector<Interval>& intervals() noexcept { return intervals_; }
  /// (address, name) for every address a hostname resolved to, sorted by address, first name kept.
  std::vector<std::pair<Ipv4, std::string>> take_names();
  /// Lines for stderr: host bits masked, names resolved.
  const std::vector<std::string>& notices() const noexcept { return notices_; }
  /// Number of tokens added so far.
  std::size_t token_count() const noexcept { return tokens_; }

 private:
  void add_token(std::string_view token, std::string_view where);

  Resolver resolver_;
  bool record_names_;
  std::map<std::string, std::vector<Ipv4>> resolved_;  // each name asked once
  std::vector<Interval> intervals_;
  std::vector<std::pair<Ipv4, std::string>> names_;
  std::vector<std::string> notices_;
  std::size_t tokens_ = 0;
  bool stdin_used_ = false;
};

/// Everything the target options ask for.
struct TargetOptions {
  std::vector<std::string> targets;        ///< positional arguments
  std::vector<std::string> include_files;  ///< -iL / --include-file
  std::vector<std::string> excludes;       ///< --exclude
  std::vector<std::string> exclude_files;  ///< --exclude-file
  bool default_excludes = true;            ///< false with --no-default-excludes
  bool allow_large = false;                ///< --allow-large
  bool guard_large = true;                 ///< false for runs that send nothing (--dry-run)
};

/// The resolved target set.
struct ResolvedTargets {
  TargetSet targets;
  std::vector<std::pair<Ipv4, std::string>> hostnames;  ///< sorted by address
  std::vector<std::string> notices;                     ///< for stderr, one line each
};

/// Builds the target set: includes minus (user exclusions + default exclusions). Throws UsageError (exit 2)
/// when no target is given, a token is bad, the exclusions remove every target, or the scan is large (more
/// than kLargeScanAddresses) with no exclusion of its own and no --allow-large; std::runtime_error (exit 1)
/// when a file cannot be read or the resolver fails.
ResolvedTargets resolve_targets(const TargetOptions& options, const Resolver& resolver,
                                std::istream& stdin_stream);

/// A lookup of the name an address was given as, for ScanInfo::hostname_of; empty when it was not a name.
/// `table` is sorted by address and must outlive the returned function.
std::function<std::string_view(Ipv4)> hostname_lookup(const std::vector<std::pair<Ipv4, std::string>>& table);

}  // namespace synscan
