#include "engine/probes/udp/nmap_payloads.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>

#include "engine/parse_error.hpp"

namespace synscan::udp {
namespace {

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// A port number, the whole of `s` in decimal, 0-65535.
std::optional<std::uint16_t> port_number(std::string_view s) noexcept {
  unsigned v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || v > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(v);
}

/// Walks the file's text token by token, knowing the line it is on.
class Lexer {
 public:
  explicit Lexer(std::string_view text) : t_(text) {}

  /// Skips blanks, newlines and comments; false at the end of the text.
  bool skip_space() {
    while (pos_ < t_.size()) {
      const char c = t_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
        ++pos_;
      } else if (c == '#') {
        skip_line();
      } else {
        return true;
      }
    }
    return false;
  }
  void skip_line() {
    while (pos_ < t_.size() && t_[pos_] != '\n') ++pos_;
  }
  bool at_string() const { return pos_ < t_.size() && t_[pos_] == '"'; }

  /// A bare word: everything up to the next blank, newline, quote or comment.
  std::string_view word() {
    const std::size_t start = pos_;
    while (pos_ < t_.size() && t_[pos_] != ' ' && t_[pos_] != '\t' && t_[pos_] != '\r' && t_[pos_] != '\n' &&
           t_[pos_] != '"' && t_[pos_] != '#')
      ++pos_;
    return t_.substr(start, pos_ - start);
  }

  /// The word at the position, without moving past it.
  std::string_view peek_word() {
    const std::size_t start = pos_;
    const std::string_view w = word();
    pos_ = start;
    return w;
  }

  /// Decodes the quoted string at the position (C escapes) onto `out`.
  void string(std::vector<std::uint8_t>& out) {
    const std::size_t start = pos_++;
    while (pos_ < t_.size() && t_[pos_] != '"' && t_[pos_] != '\n') {
      char c = t_[pos_++];
      if (c != '\\') {
        out.push_back(static_cast<std::uint8_t>(c));
        continue;
      }
      if (pos_ >= t_.size()) break;
      const std::size_t escape = pos_ - 1;
      c = t_[pos_++];
      switch (c) {
        case 'x': {
          const int hi = pos_ < t_.size() ? hex_digit(t_[pos_]) : -1;
          const int lo = pos_ + 1 < t_.size() ? hex_digit(t_[pos_ + 1]) : -1;
          if (hi < 0 || lo < 0)
            fail(t_.substr(escape, std::min<std::size_t>(4, t_.size() - escape)), "\\x needs 2 hex digits");
          out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
          pos_ += 2;
          break;
        }
        case '0':
          out.push_back(0);
          break;
        case 'a':
          out.push_back('\a');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'v':
          out.push_back('\v');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '"':
          out.push_back('"');
          break;
        default:
          fail(t_.substr(escape, 2), "unknown escape");
      }
    }
    if (pos_ >= t_.size() || t_[pos_] != '"')
      fail(t_.substr(start, std::min<std::size_t>(pos_ - start, 40)), "unterminated string");
    ++pos_;
  }

  unsigned line() const { return line_; }

  [[noreturn]] void fail(std::string_view token, std::string_view what) const { fail_at(line_, token, what); }
  [[noreturn]] static void fail_at(unsigned line, std::string_view token, std::string_view what) {
    throw ParseError("nmap-payloads token", std::string(token),
                     "line " + std::to_string(line) + ": " + std::string(what));
  }

 private:
  std::string_view t_;
  std::size_t pos_ = 0;
  unsigned line_ = 1;
};

/// The ports of a PORTLIST word, in order.
std::vector<std::uint16_t> port_list(std::string_view list, const Lexer& lex) {
  std::vector<std::uint16_t> ports;
  std::size_t at = 0;
  do {
    std::size_t end = list.find(',', at);
    if (end == std::string_view::npos) end = list.size();
    const std::string_view item = list.substr(at, end - at);
    const std::size_t dash = item.find('-');
    const auto first = port_number(item.substr(0, dash));
    const auto last = dash == std::string_view::npos ? first : port_number(item.substr(dash + 1));
    if (!first || !last || *last < *first) lex.fail(item, "a port 0-65535 or a range LOW-HIGH expected");
    for (unsigned p = *first; p <= *last; ++p) ports.push_back(static_cast<std::uint16_t>(p));
    at = end + 1;
  } while (at <= list.size());
  return ports;
}

}  // namespace

std::map<std::uint16_t, std::vector<std::uint8_t>> parse_nmap_payloads(std::string_view text) {
  std::map<std::uint16_t, std::vector<std::uint8_t>> payloads;
  Lexer lex(text);
  while (lex.skip_space()) {
    if (lex.at_string()) lex.fail("\"", "a string outside an entry (entries begin with udp)");
    const unsigned entry = lex.line();
    const std::string_view protocol = lex.word();
    if (protocol != "udp") lex.fail(protocol, "entries begin with udp (the only protocol of the format)");
    if (!lex.skip_space() || lex.at_string()) Lexer::fail_at(entry, protocol, "udp needs a port list");
    const std::vector<std::uint16_t> ports = port_list(lex.word(), lex);
    std::vector<std::uint8_t> bytes;
    bool strings = false;
    while (lex.skip_space() && lex.at_string()) {
      lex.string(bytes);
      strings = true;
    }
    if (!strings) Lexer::fail_at(entry, protocol, "an entry needs at least one quoted string");
    // Keywords after the payload ("source PORT") carry their data on their own line: skip both.
    while (lex.skip_space() && !lex.at_string() && lex.peek_word() != "udp") {
      (void)lex.word();
      lex.skip_line();
    }
    for (const std::uint16_t p : ports) payloads.try_emplace(p, bytes);
  }
  return payloads;
}

std::pair<std::uint16_t, std::vector<std::uint8_t>> parse_payload_option(std::string_view spec) {
  const std::size_t colon = spec.find(':');
  if (colon == std::string_view::npos)
    throw ParseError("UDP payload", std::string(spec), "the form is PORT:HEX, e.g. 9999:deadbeef");
  const std::string_view port_text = spec.substr(0, colon);
  std::string_view hex = spec.substr(colon + 1);
  const auto port = port_number(port_text);
  if (!port)
    throw ParseError("UDP payload port", std::string(port_text), "ports are 0-65535; the form is PORT:HEX");
  if (hex.substr(0, 2) == "0x" || hex.substr(0, 2) == "0X") hex.remove_prefix(2);
  if (hex.size() % 2 != 0)
    throw ParseError("UDP payload hex", std::string(hex), "an even number of hex digits, two per byte");
  if (hex.size() / 2 > kMaxUserPayload)
    throw ParseError("UDP payload hex", std::string(hex.substr(0, 16)) + "...",
                     "at most " + std::to_string(kMaxUserPayload) + " bytes");
  std::vector<std::uint8_t> bytes;
  bytes.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
    if (hi < 0 || lo < 0) throw ParseError("UDP payload hex", std::string(hex), "hex digits are 0-9 and a-f");
    bytes.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return {*port, std::move(bytes)};
}

}  // namespace synscan::udp
