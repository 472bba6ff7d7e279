#include "engine/banner/http_response.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>

namespace synscan {
namespace {

constexpr std::size_t kMaxTitle = 256;

char lower(char c) noexcept { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

// Position of `needle` (lower case) in `hay`, case-insensitive; npos when absent.
std::size_t ifind(std::string_view hay, std::string_view needle, std::size_t from = 0) noexcept {
  if (needle.size() > hay.size()) return std::string_view::npos;
  for (std::size_t i = from; i + needle.size() <= hay.size(); ++i) {
    std::size_t k = 0;
    while (k < needle.size() && lower(hay[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return i;
  }
  return std::string_view::npos;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The header block (after the status line, up to the blank line or the end of `bytes`) and where the body
// starts (npos while the headers are incomplete).
struct Head {
  std::string_view headers;
  std::size_t body = std::string_view::npos;
};

Head split_head(std::string_view bytes) noexcept {
  Head h;
  const std::size_t first_eol = bytes.find('\n');
  if (first_eol == std::string_view::npos) return h;
  std::size_t end = bytes.find("\r\n\r\n", first_eol - (first_eol > 0 ? 1 : 0));
  std::size_t body = end == std::string_view::npos ? end : end + 4;
  if (const std::size_t lf = bytes.find("\n\n", first_eol); lf != std::string_view::npos && lf < end) {
    end = lf;
    body = lf + 2;
  }
  if (end == std::string_view::npos)
    h.headers = bytes.substr(first_eol + 1);
  else if (end > first_eol)
    h.headers = bytes.substr(first_eol + 1, end - first_eol - 1);
  h.body = body;
  return h;
}

// The value of header `name` (lower case) in `headers`, trimmed; nullopt when absent.
std::optional<std::string_view> header(std::string_view headers, std::string_view name) noexcept {
  std::size_t pos = 0;
  while (pos < headers.size()) {
    std::size_t eol = headers.find('\n', pos);
    if (eol == std::string_view::npos) eol = headers.size();
    const std::string_view line = headers.substr(pos, eol - pos);
    pos = eol + 1;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    if (iequals(trim(line.substr(0, colon)), name)) return trim(line.substr(colon + 1));
  }
  return std::nullopt;
}

std::optional<int> status_code(std::string_view bytes) noexcept {
  // "HTTP/" 1*DIGIT "." 1*DIGIT SP 3DIGIT (HTTP/2 and /3 never appear in cleartext answers to a 1.1 GET).
  if (bytes.size() < 12 || bytes.substr(0, 5) != "HTTP/") return std::nullopt;
  const std::size_t sp = bytes.find(' ');
  if (sp == std::string_view::npos || sp > 12 || bytes.size() < sp + 4) return std::nullopt;
  int code = 0;
  for (std::size_t i = sp + 1; i < sp + 4; ++i) {
    if (bytes[i] < '0' || bytes[i] > '9') return std::nullopt;
    code = code * 10 + (bytes[i] - '0');
  }
  if (code < 100) return std::nullopt;
  if (bytes.size() > sp + 4 && bytes[sp + 4] != ' ' && bytes[sp + 4] != '\r' && bytes[sp + 4] != '\n')
    return std::nullopt;
  return code;
}

std::string collapse_title(std::string_view raw) {
  std::string out;
  bool space = false;
  for (char c : raw) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    if (out.size() >= kMaxTitle) break;
    out += c;
  }
  return out;
}

}  // namespace

std::optional<HttpInfo> parse_http_response(std::string_view bytes) {
  const std::optional<int> code = status_code(bytes);
  if (!code) return std::nullopt;
  HttpInfo info;
  info.status = *code;
  const Head head = split_head(bytes);
  if (auto server = header(head.headers, "server")) info.server = std::string(*server);
  if (head.body != std::string_view::npos && head.body <= bytes.size()) {
    const std::string_view body = bytes.substr(head.body);
    const std::size_t open = ifind(body, "<title");
    if (open != std::string_view::npos) {
      const std::size_t gt = body.find('>', open);
      if (gt != std::string_view::npos) {
        std::size_t close = ifind(body, "</title", gt + 1);
        if (close == std::string_view::npos) close = body.size();
        info.title = collapse_title(body.substr(gt + 1, close - gt - 1));
      }
    }
  }
  return info;
}

bool http_response_complete(std::string_view bytes) {
  const std::optional<int> code = status_code(bytes);
  if (!code) return false;
  const Head head = split_head(bytes);
  if (head.body == std::string_view::npos || head.body > bytes.size()) return false;
  if (*code < 200 || *code == 204 || *code == 304) return true;
  const std::string_view body = bytes.substr(head.body);
  if (auto te = header(head.headers, "transfer-encoding");
      te && ifind(*te, "chunked") != std::string_view::npos)
    return body.find("0\r\n\r\n") != std::string_view::npos &&
           (body.substr(0, 5) == "0\r\n\r\n" || body.find("\r\n0\r\n\r\n") != std::string_view::npos);
  if (auto cl = header(head.headers, "content-length")) {
    std::uint64_t length = 0;
    const auto [end, ec] = std::from_chars(cl->data(), cl->data() + cl->size(), length);
    if (ec == std::errc{} && end == cl->data() + cl->size()) return body.size() >= length;
  }
  return false;
}

}  // namespace synscan
