#pragma once
// --suppress-rst: the scanner kernel's own RSTs, dropped for the length of a scan. Each SYN-ACK that reaches
// the scanner makes its kernel answer with a RST (no socket owns the probe's source port): that costs send
// rate when most probes are answered (about 30% on a 2-core machine, scripts/bench-receive.sh) and tells the
// target to drop the half-open connection. zmap's and masscan's documentation advise a firewall rule by hand;
// this is that rule, added when the scan starts and removed when it ends.
#include <cstdint>
#include <optional>
#include <string>

#include "engine/address.hpp"

namespace synscan {

/// An nftables table in the scanner's network namespace: one output chain dropping TCP RSTs from the scan's
/// source address(es) and source-port range [port_first, port_last] (host byte order), which are the kernel's
/// answers to SYN-ACKs (synscan's own frames leave through packet or AF_XDP sockets, below nftables' output
/// hook). The table is named synscan_rst_<pid>.
///
/// The rule is added by `nft -f -` in the constructor, while the process still has CAP_NET_ADMIN. Its removal
/// is handed to a watcher process started then (`sh`, keeping the capability; SIGINT, SIGTERM and SIGHUP
/// ignored, so a Ctrl-C to the terminal's process group does not take it first): it waits for the end of a
/// pipe whose write end only this process holds, and deletes the table once it reads EOF, which comes when
/// the suppressor is destroyed or the process ends in any way (an error, a signal, SIGKILL). Throws
/// std::runtime_error with nft's message when the rule cannot be added (no nft binary, no CAP_NET_ADMIN).
class RstSuppressor {
 public:
  RstSuppressor(std::optional<IpAddress> source4, std::optional<IpAddress> source6, std::uint16_t port_first,
                std::uint16_t port_last);
  ~RstSuppressor();
  RstSuppressor(const RstSuppressor&) = delete;
  RstSuppressor& operator=(const RstSuppressor&) = delete;

  /// The nftables ruleset text added (for tests and --metadata).
  const std::string& ruleset() const noexcept { return ruleset_; }
  /// The table's name: synscan_rst_<pid>.
  const std::string& table() const noexcept { return table_; }

 private:
  std::string table_, ruleset_;
  int pipe_write_ = -1;  // closing it makes the watcher delete the table
  int watcher_pid_ = -1;
};

/// The ruleset RstSuppressor adds, as text for `nft -f -` (pure: unit-tested).
std::string rst_suppress_ruleset(const std::string& table, std::optional<IpAddress> source4,
                                 std::optional<IpAddress> source6, std::uint16_t port_first,
                                 std::uint16_t port_last);

}  // namespace synscan
