#include "cli/man_page.hpp"

#include <boost/program_options.hpp>

#include "cli/usage_text.hpp"

namespace po = boost::program_options;

namespace synscan {
namespace {

// Roff-safe text: backslashes and hyphens escaped, and no line may start with a control character ('.' or
// ''').
std::string roff(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

const char* const kBody = R"(.SH OUTPUT FORMATS
Every record carries the address, port, protocol, state (open, closed, filtered), reason (syn\-ack, rst,
icmp\-unreach with its ICMP code, no\-response), TTL and TCP window of the deciding reply, a UTC timestamp with
milliseconds, the service name from /etc/services and the hostname a target was given as.
.TP
.B list
masscan \-oL style lines: "open tcp 80 198.19.0.1".
.TP
.B ndjson
one JSON object a line, for jq and log pipelines.
.TP
.B json
one JSON array, valid at every exit (also after Ctrl\-C).
.TP
.B csv
a header row, then one row per result (RFC 4180 quoting).
.TP
.B grepable
nmap \-oG layout, one line per result: "Host: 198.19.0.1 ()\etPorts: 80/open/tcp//http///".
.TP
.B xml
nmap \-oX layout (nmap.dtd), read by ndiff(1) and Metasploit. Results appear one <host> each while the scan
runs; at the end a regular file is rewritten with one <host> per address.
.PP
Results reach a file or pipe within a second of being found. On SIGINT or SIGTERM synscan stops sending, waits
up to a second for replies in flight and closes every output valid.
)";

// After EXIT STATUS, which is written from cli/usage_text.hpp.
const char* const kTail = R"(.SH EXAMPLES
.nf
synscan 198.19.0.0/16 \-p 22,80,443 \-\-rate 100000
synscan 198.19.0.0/24 \-p 1\-1024 \-\-show all \-oX scan.xml \-oD scan.ndjson
ndiff before.xml after.xml
synscan 198.19.0.0/24 \-p 80 \-\-dry\-run
synscan 2001:db8::/120 \-p 80 \-\-dry\-run \-\-no\-default\-excludes
synscan \-6 \-iL hitlist.txt \-p 443 \-\-count
.fi
.SH SEE ALSO
nmap(1), ndiff(1), masscan(8), zmap(8), services(5)
)";

}  // namespace

void write_man_page(const OptionGroups& groups, const std::string& version, std::ostream& out) {
  out << ".TH SYNSCAN 1 \"\" \"synscan " << roff(version) << "\" \"User Commands\"\n"
      << ".SH NAME\nsynscan \\- a fast, stateless port scanner: TCP SYN, UDP and ICMP echo\n"
      << ".SH SYNOPSIS\n.nf\n";
  for (std::string_view line : kUsageLines) out << roff(std::string(line)) << "\n";
  out << ".fi\n"
      << ".SH DESCRIPTION\nsynscan walks a keyed pseudo\\-random permutation of targets x ports, sends one "
         "probe per target and port at the rate you set (a TCP SYN by default; UDP with \\-sU, ICMP "
         "echo with \\-sn or \\-\\-ping), and tells open (SYN\\-ACK), closed (RST) and filtered "
         "(silence or ICMP unreachable) apart by validating every reply against a keyed cookie (the SYN "
         "cookie for TCP).\n.PP\n"
         "\\fITARGET\\fR: "
      << roff(std::string(kTargetText)) << "\n"
      << ".SH OPTIONS\n";
  for (const auto& [title, group] : groups) {
    out << ".SS " << roff(title) << "\n";
    for (const auto& opt : group.options()) {
      out << ".TP\n";
      // format_name() is "-p [ --ports ]" for an option with a short name, "--rate" for one without.
      const std::string longer = opt->canonical_display_name(po::command_line_style::allow_long);
      if (const std::string name = opt->format_name(); name.rfind("--", 0) != 0) {
        out << "\\fB" << roff(name.substr(0, 2)) << "\\fR, ";
      }
      out << "\\fB" << roff(longer) << "\\fR";
      if (opt->semantic()->max_tokens() > 0) out << " \\fI" << roff(opt->semantic()->name()) << "\\fR";
      out << "\n" << roff(opt->description()) << "\n";
    }
  }
  out << kBody << ".SH EXIT STATUS\n";
  for (const ExitStatusText& s : kExitStatuses) {
    out << ".TP\n.B " << s.code << "\n" << roff(std::string(s.meaning)) << "\n";
  }
  out << kTail;
}

}  // namespace synscan
