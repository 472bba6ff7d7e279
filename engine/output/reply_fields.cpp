#include "engine/output/reply_fields.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "engine/probes/tcp_options.hpp"

namespace synscan {
namespace {

bool render_ip_id(const Result& r, std::string& out) {
  if (!r.ip.is_v4()) return false;
  fmt::format_to(std::back_inserter(out), "{}", r.ip_id);
  return true;
}
bool render_options(const Result& r, std::string& out) {
  out += options_text(r.tcp_options);
  return true;
}
bool render_mss(const Result& r, std::string& out) {
  if (!layout_has(r.tcp_options, 3)) return false;
  fmt::format_to(std::back_inserter(out), "{}", r.mss);
  return true;
}
bool render_wscale(const Result& r, std::string& out) {
  if (!layout_has(r.tcp_options, 4)) return false;
  fmt::format_to(std::back_inserter(out), "{}", r.wscale);
  return true;
}
bool render_ja4ts(const Result& r, std::string& out) {
  out += ja4ts(r.extra, r.tcp_options, r.mss, r.wscale);
  return true;
}
bool render_rtt(const Result& r, std::string& out) {
  if (r.rtt_ms == kNoRtt) return false;
  fmt::format_to(std::back_inserter(out), "{}", r.rtt_ms);
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

std::string describe_reply_fields() {
  std::string out;
  for (const ReplyField& f : kFields)
    fmt::format_to(std::back_inserter(out), "{:<12} {}\n", f.name, f.description);
  return out;
}

void append_json_reply_fields(std::string& out, const Result& r, const Vocabulary& v,
                              std::span<const ReplyField* const> fields) {
  if (!has_reply_facts(r, v)) return;
  for (const ReplyField* f : fields) {
    const std::size_t mark = out.size();
    fmt::format_to(std::back_inserter(out), R"(,"{}":)", f->name);
    if (!f->numeric) out += '"';
    if (!f->render(r, out)) {
      out.resize(mark);
      continue;
    }
    if (!f->numeric) out += '"';
  }
}

void append_csv_reply_fields(std::string& out, const Result& r, const Vocabulary& v,
                             std::span<const ReplyField* const> fields) {
  const bool facts = has_reply_facts(r, v);
  for (const ReplyField* f : fields) {
    out += ',';
    const std::size_t mark = out.size();
    if (facts && !f->render(r, out)) out.resize(mark);
  }
}

void append_list_reply_fields(std::string& out, const Result& r, const Vocabulary& v,
                              std::span<const ReplyField* const> fields) {
  if (!has_reply_facts(r, v)) return;
  for (const ReplyField* f : fields) {
    const std::size_t mark = out.size();
    fmt::format_to(std::back_inserter(out), " {}=", f->name);
    if (!f->render(r, out)) out.resize(mark);
  }
}

}  // namespace synscan
