// libFuzzer target for the banner parsers (engine/banner/): what a hostile server sends reaches
// parse_http_response, http_response_complete, identify_service, greeting_complete and parse_tls_record, and
// the writers' escaping of raw bytes (append_json_bytes must always make valid JSON, printable_bytes
// printable ASCII). Built and run by scripts/fuzz.sh. Input: bytes 0-1 are the port (big-endian, for
// identify_service's tie-break), the rest is what the server sent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "engine/banner/hello.hpp"
#include "engine/banner/http_response.hpp"
#include "engine/banner/identify.hpp"
#include "engine/banner/tls_record.hpp"
#include "engine/output/escape.hpp"

namespace {

// A property violation is a crash for libFuzzer: abort() makes it save the input.
void require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace synscan;
  if (size < 2) return 0;
  const auto port = static_cast<std::uint16_t>(data[0] << 8 | data[1]);
  const std::string_view bytes(reinterpret_cast<const char*>(data + 2), size - 2);

  if (const auto http = parse_http_response(bytes)) {
    require(http->status >= 100 && http->status <= 999);
    require(http->title.size() <= 256);
    require(http->server.size() <= bytes.size());
  }
  (void)http_response_complete(bytes);
  const ServiceInfo s = identify_service(bytes, port);
  require(s.name.size() <= 16 && s.product.size() <= bytes.size() + 32 &&
          s.version.size() <= bytes.size() + 16);
  (void)greeting_complete(bytes);
  if (const auto record = parse_tls_record(bytes)) {
    require(record->type >= 20 && record->type <= 23);
    require(record->complete == (bytes.size() - 5 >= record->length));
  }

  std::string json = "\"";
  append_json_bytes(json, bytes);
  json += '"';
  require(nlohmann::json::accept(json));
  for (const char c : printable_bytes(bytes)) require(c >= 0x20 && c < 0x7f);

  try {
    (void)parse_banner_probe_spec(bytes);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
