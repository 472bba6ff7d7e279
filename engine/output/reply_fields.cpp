#include "engine/output/reply_fields.hpp"

#include <fmt/format.h>

#include <optional>
#include <stdexcept>

#include "engine/probes/tcp_options.hpp"

namespace synscan {
namespace {

bool render_ip_id(const Result& r, const ReplyContext&, std::string& out) {
  if (!r.ip.is_v4()) return false;
  fmt::format_to(std::back_inserter(out), "{}", r.ip_id);
  return true;
}
bool render_options(const Result& r, const ReplyContext&, std::string& out) {
  out += options_text(r.tcp_options);
  return true;
}
bool render_mss(const Result& r, const ReplyContext&, std::string& out) {
  if (!layout_has(r.tcp_options, 3)) return false;
  fmt::format_to(std::back_inserter(out), "{}", r.mss);
  return true;
}
bool render_wscale(const Result& r, const ReplyContext&, std::string& out) {
  if (!layout_has(r.tcp_options, 4)) return false;
  fmt::format_to(std::back_inserter(out), "{}", r.wscale);
  return true;
}
bool render_ja4ts(const Result& r, const ReplyContext&, std::string& out) {
  out += ja4ts(r.extra, r.tcp_options, r.mss, r.wscale);
  return true;
}
bool render_rtt(const Result& r, const ReplyContext&, std::string& out) {
  if (r.rtt_ms == kNoRtt) return false;
  fmt::format_to(std::back_inserter(out), "{}", r.rtt_ms);
  return true;
}

std::optional<OsGuess> os_guess(const Result& r, const ReplyContext& c) {
  if (c.os == nullptr || r.state != PortState::open) return std::nullopt;  // a SYN-ACK's shape
  return c.os->match(r);
}
bool render_os(const Result& r, const ReplyContext& c, std::string& out) {
  const std::optional<OsGuess> g = os_guess(r, c);
  if (!g) return false;
  for (char ch : g->label)
    out += ch == '"' || ch == '\\' || ch < ' ' ? '?' : ch;  // p0f's labels are plain text
  return true;
}
bool render_os_match(const Result& r, const ReplyContext& c, std::string& out) {
  const std::optional<OsGuess> g = os_guess(r, c);
  if (!g) return false;
  out += g->exact ? "exact" : "fuzzy";
  return true;
}

const ReplyField kFields[] = {
    {"ip_id", "the reply's IPv4 identification (IPv4 only)", true, render_ip_id},
    {"tcp_options",
     "the reply's TCP option kinds in order, as p0f writes them (mss,nop,ws,sok,ts,eol; ? other)", false,
     render_options},
    {"mss", "the reply's MSS option, bytes", true, render_mss},
    {"wscale", "the reply's window scale shift", true, render_wscale},
    {"ja4ts", "JA4TS-style fingerprint: window_options_mss_wscale (option kinds as numbers; 00 when absent)",
     false, render_ja4ts},
    {"rtt_ms", "round trip, ms, from our timestamp echoed (--syn-profile linux or bsd; targets that echo it)",
     true, render_rtt},
    {"os", "OS guess from the SYN-ACK against p0f's [tcp:response] signatures (/etc/p0f/p0f.fp), its label",
     false, render_os},
    {"os_match", "how the OS guess matched: exact, or fuzzy (layout and TTL matched, some values did not)",
     false, render_os_match},
};

}  // namespace

std::span<const ReplyField> reply_fields() noexcept { return kFields; }

std::vector<const ReplyField*> select_reply_fields(std::string_view list) {
  std::vector<bool> chosen(std::size(kFields), false);
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view name = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (name == "all") {
      chosen.assign(chosen.size(), true);
      continue;
    }
    std::size_t i = 0;
    while (i < std::size(kFields) && kFields[i].name != name) ++i;
    if (i == std::size(kFields)) {
      throw std::invalid_argument(fmt::format("unknown field '{}' (--output-fields help lists them)", name));
    }
    chosen[i] = true;
  }
  std::vector<const ReplyField*> out;
  for (std::size_t i = 0; i < std::size(kFields); ++i) {
    if (chosen[i]) out.push_back(&kFields[i]);
  }
  return out;
}

bool needs_os_signatures(std::span<const ReplyField* const> fields) noexcept {
  for (const ReplyField* f : fields) {
    if (f->render == render_os || f->render == render_os_match) return true;
  }
  return false;
}

std::string describe_reply_fields() {
  std::string out;
  for (const ReplyField& f : kFields)
    fmt::format_to(std::back_inserter(out), "{:<12} {}\n", f.name, f.description);
  return out;
}

void append_json_reply_fields(std::string& out, const Result& r, const Vocabulary& v,
                              std::span<const ReplyField* const> fields, const ReplyContext& context) {
  if (!has_reply_facts(r, v)) return;
  for (const ReplyField* f : fields) {
    const std::size_t mark = out.size();
    fmt::format_to(std::back_inserter(out), R"(,"{}":)", f->name);
    if (!f->numeric) out += '"';
    if (!f->render(r, context, out)) {
      out.resize(mark);
      continue;
    }
    if (!f->numeric) out += '"';
  }
}

void append_csv_reply_fields(std::string& out, const Result& r, const Vocabulary& v,
                             std::span<const ReplyField* const> fields, const ReplyContext& context) {
  const bool facts = has_reply_facts(r, v);
  for (const ReplyField* f : fields) {
    out += ',';
    const std::size_t mark = out.size();
    if (!facts || !f->render(r, context, out)) {
      out.resize(mark);
    } else if (out.find(',', mark) != std::string::npos) {  // tcp_options' list: one quoted cell (RFC 4180)
      out.insert(mark, 1, '"');
      out += '"';
    }
  }
}

void append_list_reply_fields(std::string& out, const Result& r, const Vocabulary& v,
                              std::span<const ReplyField* const> fields, const ReplyContext& context) {
  if (!has_reply_facts(r, v)) return;
  for (const ReplyField* f : fields) {
    const std::size_t mark = out.size();
    fmt::format_to(std::back_inserter(out), " {}=", f->name);
    if (!f->render(r, context, out)) out.resize(mark);
  }
}

}  // namespace synscan
