#pragma once
// Target input as users give it, IPv4 and IPv6 mixed: tokens on the command line and in files (-iL,
// --exclude-file), hostnames resolved once at start (A and AAAA, or one family with -4/-6), exclusions (the
// user's and the special-purpose registries'), the probe-space limit and the guard against scanning the
// Internet by a typo. The result is a TargetSet of sorted intervals plus a table of the names targets were
// given as.
#include <cstdint>
#include <functional>
#include <istream>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/target_parse.hpp"
#include "engine/target_set.hpp"
#include "engine/types.hpp"

namespace synscan {

/// The address families a scan takes: both (the default), IPv4 only (-4) or IPv6 only (-6): the spelling of
/// nmap's -6 and of curl's -4/-6.
enum class Families : std::uint8_t { both, ipv4, ipv6 };

/// True when `families` takes addresses of `family`.
constexpr bool takes(Families families, Family family) noexcept {
  return families == Families::both || (families == Families::ipv4) == (family == Family::ipv4);
}

/// Resolves a hostname to every address it has of `families`. Throws UsageError when the name does not exist
/// or has no address of those families (a bad target: exit 2) and std::runtime_error when the resolver itself
/// failed (no DNS server reachable, EAI_AGAIN: the environment, exit 1).
using Resolver = std::function<std::vector<IpAddress>(const std::string& name, Families families)>;

/// The system resolver: getaddrinfo(3) with AF_UNSPEC (A and AAAA records), AF_INET (-4) or AF_INET6 (-6),
/// and no AI_ADDRCONFIG (a scanner wants every record, whatever this host's own addresses). Every address
/// once, in the order returned; an IPv4-mapped AAAA record (::ffff:a.b.c.d) counts as the IPv4 address, as in
/// targets.
std::vector<IpAddress> resolve_host(const std::string& name, Families families);

/// One block of the IPv4 default exclusions: addresses that are never a valid destination of a scan.
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
/// blocks: benchmarking 198.18.0.0/15 (the lab's), private use, shared address space.
std::span<const DefaultExclusion> default_exclusions_ipv4();

/// The addresses that are never valid unicast targets, both families: the IPv4 table above and the IPv6 one
/// below.
const AddressRanges& default_exclusions();

/// The IPv6 default exclusions. From the IANA IPv6 Special-Purpose Address Registry (RFC 6890, updated by RFC
/// 8190), the blocks whose Destination or Forwardable column is False, i.e. no probe to them leaves this
/// host's link: ::/128 (unspecified), ::1/128 (loopback), ::ffff:0:0/96 (IPv4-mapped: the parser makes such
/// addresses IPv4; this keeps a wide IPv6 range from holding them), 100:0:0:1::/64 (dummy prefix), 2001::/23
/// (IETF protocol assignments) less its forwardable sub-blocks (2001::/32 Teredo, 2001:1::1-3 anycast,
/// 2001:2::/48 benchmarking, 2001:3::/32 AMT, 2001:4:112::/48 AS112-v6, 2001:20::/28 ORCHIDv2, 2001:30::/28
/// drone DETs), 2001:db8::/32 and 3fff::/20 (documentation, RFC 3849 and RFC 9637) and fe80::/10
/// (link-local). Two more that are never a scan's destination: 100::/64 (discard-only, RFC 6666; forwardable,
/// but a black hole by definition) and ff00::/8 (multicast, RFC 4291 section 2.7; the registry lists unicast
/// blocks only). Unique-local (fc00::/7), 6to4, NAT64 and SRv6 SID blocks are reachable destinations and stay
/// scannable, as 10.0.0.0/8 does.
const std::vector<Interval6>& default_exclusions_v6();

/// True when `ip` is in the default exclusions of its family. (The IPv6 ones are too large for a TargetSet:
/// ff00::/8 alone is 2^120 addresses.)
bool in_default_exclusions(const IpAddress& ip) noexcept;

/// The default exclusions of both families as text, for errors and --help.
std::string default_exclusions_text();

/// The most probes one scan can index (targets x ports): ProbeLocator splits a probe index with Divisor48,
/// exact below 2^48; 0.0.0.0/0 x every port is exactly this.
inline constexpr std::uint64_t kMaxProbes = std::uint64_t{1} << 48;

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
  /// `resolver` is called once per distinct hostname, for `families`; `record_names` keeps the (address,
  /// name) table (targets yes, exclusions no). With `only_families` (targets under -4/-6) an address of
  /// another family is a bad token; exclusions take both (a shared block list may name either).
  TargetListBuilder(Resolver resolver, bool record_names, Families families = Families::both,
                    bool only_families = false);

  /// Adds every token of `text`: tokens are separated by commas, blanks, tabs, CR and LF; '#' starts a
  /// comment that runs to the end of its line. A token is an address of either family, a prefix (host bits
  /// set under it are masked off, with a notice), a range of one family, or a hostname (every address of the
  /// families asked for). `where` names the source in errors ("targets", "--exclude"). Throws UsageError
  /// naming the token.
  void add_text(std::string_view text, std::string_view where);

  /// Adds the contents of FILE ('-' is `stdin_stream`, at most once per run), with per-line error locations
  /// ("--include-file hosts.txt line 3"). A hitlist of a million lines is read in blocks, with no allocation
  /// per line. Throws std::runtime_error when the file cannot be read (exit 1), UsageError for a bad token.
  void add_file(const std::string& path, std::string_view option, std::istream& stdin_stream);

  AddressRanges& ranges() noexcept { return ranges_; }
  /// (address, name) for every address a hostname resolved to, sorted by address, first name kept.
  std::vector<std::pair<IpAddress, std::string>> take_names();
  /// Lines for stderr: host bits masked, names resolved.
  const std::vector<std::string>& notices() const noexcept { return notices_; }
  /// Number of tokens added so far.
  std::size_t token_count() const noexcept { return tokens_; }
  /// The token of the most addresses so far (the first one on a tie) and its size minus one (128-bit: ::/0 is
  /// 2^128 addresses), for naming it when a set is too large to scan. Empty before any token.
  const std::string& largest_token() const noexcept { return largest_token_; }
  Ipv6 largest_span() const noexcept { return largest_span_; }

 private:
  // Where a token came from, formatted only for an error or a notice: a hitlist line must not pay for it.
  struct Where {
    std::string_view source;  // "targets", "--exclude", "--include-file hosts.txt"
    std::size_t line = 0;     // 1-based in a file, 0 elsewhere
    std::string text() const;
  };
  void add_tokens(std::string_view text, const Where& where);
  void add_token(std::string_view token, const Where& where);
  void add_range(const AddressRange& r, std::string_view token);

  Resolver resolver_;
  bool record_names_;
  Families families_;
  bool only_families_;
  std::map<std::string, std::vector<IpAddress>> resolved_;  // each name asked once
  AddressRanges ranges_;
  std::vector<std::pair<IpAddress, std::string>> names_;
  std::vector<std::string> notices_;
  std::size_t tokens_ = 0;
  bool stdin_used_ = false;
  std::string largest_token_;
  Ipv6 largest_span_ = 0;
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
  bool ipv4_only = false;                  ///< -4
  bool ipv6_only = false;                  ///< -6
  std::uint64_t port_count = 1;            ///< ports per target: the probe space is targets x ports
};

/// The resolved target set.
struct ResolvedTargets {
  TargetSet targets;
  std::vector<std::pair<IpAddress, std::string>> hostnames;  ///< sorted by address
  std::vector<std::string> notices;                          ///< for stderr, one line each
};

/// Builds the target set: includes minus the user's exclusions minus the default exclusions (both families).
/// Throws UsageError (exit 2) when no target is given, -4 and -6 are both given, a token is bad (an address
/// of the other family under -4/-6 included), the exclusions remove every target, the probe space (addresses
/// x port_count) exceeds kMaxProbes (naming the token of the most addresses: an IPv6 /64 is 2^64 of them), or
/// the scan is large (more than kLargeScanAddresses) with no exclusion of its own and no --allow-large;
/// std::runtime_error (exit 1) when a file cannot be read or the resolver fails. Memory: a hitlist's
/// intervals are moved, not copied, into the TargetSet (8 bytes an IPv4 line, 32 an IPv6 line, plus 8 for the
/// index).
ResolvedTargets resolve_targets(const TargetOptions& options, const Resolver& resolver,
                                std::istream& stdin_stream);

/// A lookup of the name an address was given as, for ScanInfo::hostname_of; empty when it was not a name.
/// `table` is sorted by address and must outlive the returned function.
std::function<std::string_view(const IpAddress&)> hostname_lookup(
    const std::vector<std::pair<IpAddress, std::string>>& table);

}  // namespace synscan
