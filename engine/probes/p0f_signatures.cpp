#include "engine/probes/p0f_signatures.hpp"

#include <charconv>

namespace synscan {
namespace {

constexpr int kMaxDistance = 35;  // p0f's MAX_DIST: hops between the initial TTL and the one seen

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::optional<std::uint32_t> number(std::string_view s) {
  std::uint32_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Splits `s` at the first `sep`: the part before, `s` keeps the rest.
std::string_view take(std::string_view& s, char sep) {
  const std::size_t at = s.find(sep);
  const std::string_view head = s.substr(0, at);
  s = at == std::string_view::npos ? std::string_view{} : s.substr(at + 1);
  return head;
}

// p0f's layout words as tcp_options.hpp's packed codes (eol+N is eol); nullopt for a word it does not know.
std::optional<std::uint32_t> layout_of(std::string_view words) {
  std::uint32_t layout = 0;
  unsigned n = 0;
  while (!words.empty()) {
    std::string_view w = take(words, ',');
    if (w.starts_with("eol")) w = "eol";
    std::uint32_t code = 0;
    if (w == "eol")
      code = 1;
    else if (w == "nop")
      code = 2;
    else if (w == "mss")
      code = 3;
    else if (w == "ws")
      code = 4;
    else if (w == "sok")
      code = 5;
    else if (w == "ts")
      code = 6;
    else if (w.starts_with("?"))
      code = 7;
    else
      return std::nullopt;
    if (n == 10) return std::nullopt;
    layout |= code << (3 * n++);
    if (code == 1) break;
  }
  return layout;
}

}  // namespace

std::optional<P0fSignatures::Signature> P0fSignatures::parse_sig(std::string_view s) {
  Signature sig{};
  const std::string_view ver = take(s, ':');
  if (ver == "4" || ver == "6")
    sig.version = static_cast<std::uint8_t>(ver[0] - '0');
  else if (ver != "*")
    return std::nullopt;
  std::string_view ttl = take(s, ':');
  if (ttl.ends_with('-')) ttl.remove_suffix(1);  // "64-": a bad TTL seen; the initial one is still 64
  if (const std::size_t plus = ttl.find('+'); plus != std::string_view::npos) ttl = ttl.substr(0, plus);
  const auto ittl = number(ttl);
  if (!ittl || *ittl > 255) return std::nullopt;
  sig.ittl = static_cast<std::uint8_t>(*ittl);
  (void)take(s, ':');  // olen: IP options, not seen
  const std::string_view mss = take(s, ':');
  if (mss != "*") {
    const auto v = number(mss);
    if (!v) return std::nullopt;
    sig.mss = {false, *v};
  }
  std::string_view win = take(s, ',');
  const std::string_view scale = take(s, ':');
  if (win == "*") {
    sig.window_kind = WindowKind::any;
  } else {
    WindowKind kind = WindowKind::fixed;
    if (win.starts_with("mss*"))
      kind = WindowKind::mss_times, win.remove_prefix(4);
    else if (win.starts_with("mtu*"))
      kind = WindowKind::mtu_times, win.remove_prefix(4);
    else if (win.starts_with("%"))
      kind = WindowKind::modulo, win.remove_prefix(1);
    const auto v = number(win);
    if (!v || (kind == WindowKind::modulo && *v == 0)) return std::nullopt;
    sig.window_kind = kind;
    sig.window = *v;
  }
  if (scale != "*") {
    const auto v = number(scale);
    if (!v) return std::nullopt;
    sig.scale = {false, *v};
  }
  const auto layout = layout_of(take(s, ':'));
  if (!layout) return std::nullopt;
  sig.layout = *layout;
  std::string_view quirks = take(s, ':');
  while (!quirks.empty()) sig.id_plus = sig.id_plus || take(quirks, ',') == "id+";
  return sig;
}

P0fSignatures P0fSignatures::parse(std::string_view text) {
  P0fSignatures out;
  bool in_response = false;
  bool have_label = false;
  while (!text.empty()) {
    const std::string_view line = trim(take(text, '\n'));
    if (line.empty() || line.front() == ';') continue;
    if (line.front() == '[') {
      in_response = line == "[tcp:response]";
      continue;
    }
    if (!in_response) continue;
    std::string_view rest = line;
    const std::string_view key = trim(take(rest, '='));
    const std::string_view value = trim(rest);
    if (key == "label") {
      out.labels_.emplace_back(value);
      have_label = true;
    } else if (key == "sig" && have_label) {
      if (auto sig = parse_sig(value)) {
        sig->label = out.labels_.size() - 1;
        out.sigs_.push_back(*sig);
      }
    }
  }
  return out;
}

std::optional<OsGuess> P0fSignatures::match(const Result& r) const noexcept {
  const std::uint8_t version = r.ip.is_v4() ? 4 : 6;
  const std::uint32_t window = r.extra;
  const Signature* best = nullptr;
  int best_misses = 5;
  for (const Signature& s : sigs_) {
    if (s.layout != r.tcp_options) continue;
    if (s.version != 0 && s.version != version) continue;
    if (r.ttl > s.ittl || s.ittl - r.ttl > kMaxDistance) continue;
    int misses = 0;
    if (!s.mss.any && s.mss.n != r.mss) ++misses;
    if (!s.scale.any && s.scale.n != r.wscale) ++misses;
    switch (s.window_kind) {
      case WindowKind::any:
        break;
      case WindowKind::fixed:
        misses += window != s.window;
        break;
      case WindowKind::mss_times:
        misses += window != s.window * r.mss;
        break;
      case WindowKind::mtu_times:
        misses += window != s.window * (r.mss + (version == 4 ? 40u : 60u));
        break;
      case WindowKind::modulo:
        misses += window % s.window != 0;
        break;
    }
    if (s.id_plus && version == 4 && r.ip_id == 0) ++misses;
    if (misses < best_misses) {
      best = &s;
      best_misses = misses;
      if (misses == 0) break;
    }
  }
  if (!best) return std::nullopt;
  return OsGuess{labels_[best->label], best_misses == 0};
}

}  // namespace synscan
