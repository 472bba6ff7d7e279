#pragma once
// The probe modules a scan can use: the one list of them (zmap's probe_modules.c table). Everything outside
// engine/probes/ that must tell probe types apart asks here by ProtocolId or by name, never by a protocol's
// name in its own code: the CLI (scan types, -p prefixes, module options), the writers and `synscan merge`
// (vocabularies), the driver (make_probe_module for each block of the space).
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "engine/probe_module.hpp"
#include "engine/types.hpp"

namespace synscan {

/// An option a module takes (added to the command line and config files as `--NAME VALUE`; given values reach
/// the module in ProbeSetup::args).
struct ModuleOption {
  std::string_view name;        ///< without dashes: "udp-payload"
  std::string_view value_name;  ///< for --help: "PORT:HEX"
  std::string_view help;        ///< one sentence for --help and the man page
  bool repeatable = false;      ///< may be given more than once
  /// The value is a file's path: cli/ reads the file (exit 2 naming it when it cannot) and the module gets
  /// its text under `name`.
  bool file = false;
  /// For a file option: read this file when the option is not given and the file exists ("" none); the value
  /// "none" reads nothing.
  std::string_view default_path = {};
  /// Checks one value (a file option: the file's text) and throws std::invalid_argument naming the bad token;
  /// cli/ calls it while parsing, so a bad value is exit 2 before anything is opened. Null: any value.
  void (*check)(std::string_view value) = nullptr;
  /// The value a module of the scan takes when the option is not given ("" none). cli/ records it in the
  /// effective options (--echo-config, resume files, --metadata), so that a resumed scan keeps it even if the
  /// default changes.
  std::string_view default_value = {};
};

/// One registry entry.
struct ModuleInfo {
  const Vocabulary* vocabulary;
  /// The letter of nmap's -s scan types that selects the module ("S" for -sS, "U" for -sU, "n" for -sn).
  std::string_view scan_letter;
  /// A switch that adds the module to a port scan (masscan's --ping), or "".
  std::string_view add_switch;
  std::span<const ModuleOption> options;
  /// Builds the module for its block of the space (setup.space->block_for(its id)).
  std::unique_ptr<ProbeModule> (*make)(const ProbeSetup& setup, const ProbeBlock& block);
};

/// The modules, in registry order: a ProtocolId is an index into this, and a space's blocks follow it.
std::span<const ModuleInfo> probe_registry() noexcept;

/// The vocabulary of module `proto`. Precondition: proto < probe_registry().size().
const Vocabulary& vocabulary(ProtocolId proto) noexcept;

/// The module whose registry name ("tcp_syn") or protocol word ("tcp") is `name`, or nullopt.
std::optional<ProtocolId> protocol_by_name(std::string_view name) noexcept;
/// The module of -p prefix `prefix` ("T", "U"; case-insensitive), or nullopt.
std::optional<ProtocolId> protocol_by_prefix(std::string_view prefix) noexcept;
/// The module of scan letter `letter` (-sS, -sU, -sn), or nullopt.
std::optional<ProtocolId> protocol_by_scan_letter(std::string_view letter) noexcept;
/// The module a scan uses when none is named: the first (TCP SYN, nmap -sS's and masscan's default).
inline constexpr ProtocolId kDefaultProtocol = 0;

/// The ports of a space in nmap's -p syntax: "22,80,8000-8100" when the default module's are all there is,
/// else each module with ports under its prefix, "T:22,80,U:53,161". Modules without ports add nothing.
std::string describe_ports(const ProbeSpace& space);

/// Probes per target: the sum of the blocks' port counts (a module without ports counts 1).
std::uint64_t probes_per_target(const ProbeSpace& space) noexcept;

/// A name for reply counter (proto, reason) unique in a scan: the reason's name with '_' for '-' ("syn_ack"),
/// under the protocol's word when `proto` is not the space's first block's ("udp_port_unreach").
std::string reply_counter_name(const ProbeSpace& space, ProtocolId proto, Reason reason);

/// Module `proto` for its block of `setup.space`. Throws as make_probe_module() says.
std::unique_ptr<ProbeModule> make_module(ProtocolId proto, const ProbeSetup& setup);

}  // namespace synscan
