#pragma once
// HTTP/1.x response parsing for banners (RFC 9112): the status line, the Server header, the <title>, and
// whether the answer is complete. Pure and bounds-checked: any bytes are data (fuzzed,
// tests/fuzz/fuzz_banner.cpp).
#include <optional>
#include <string_view>

#include "engine/banner/banner.hpp"

namespace synscan {

/// The status line ("HTTP/1.1 200 OK"), the Server header (case-insensitive name, value trimmed) and the
/// first <title>...</title> of the body (case-insensitive tag, whitespace runs collapsed to one space, at
/// most 256 bytes). nullopt when `bytes` does not start with "HTTP/" and a three-digit status.
std::optional<HttpInfo> parse_http_response(std::string_view bytes);

/// True once the response in `bytes` is complete: headers ended (CRLF CRLF) and either a Content-Length
/// body has all its bytes, or a chunked body its last chunk ("0\r\n\r\n"), or the status has no body
/// (1xx, 204, 304). A response framed by the connection's close is complete only at EOF (the caller's to
/// see).
bool http_response_complete(std::string_view bytes);

}  // namespace synscan
