#pragma once
// The reply-fact fields: what the headers of a deciding reply say beyond its state (IP ID, the TCP options in
// order, MSS, window scale, a JA4TS-style fingerprint, the round trip from the echoed timestamp), for the
// modules whose results carry them (Vocabulary::reply_facts). One table: the JSON writers print every field
// that has a value under its name; the names are the ones --metadata and README list.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/probe_module.hpp"
#include "engine/probes/p0f_signatures.hpp"
#include "engine/result.hpp"

namespace synscan {

/// What a field may need beyond the result: the OS signatures (null: none loaded, no guess).
struct ReplyContext {
  const P0fSignatures* os = nullptr;
};

/// One reply-fact field.
struct ReplyField {
  std::string_view name;         ///< the JSON key / CSV column: "ip_id", "tcp_options", ...
  std::string_view description;  ///< one line for --help and README
  bool numeric;                  ///< a number in JSON (else a string)
  /// Appends the field's value for `r` to `out` (text, unquoted, unescaped: the values are plain ASCII) and
  /// returns true, or returns false when `r` has no value for it.
  bool (*render)(const Result& r, const ReplyContext& context, std::string& out);
};

/// The fields, in output order. "os" and "os_match" need the signatures (ReplyContext::os).
std::span<const ReplyField> reply_fields() noexcept;

/// The fields a comma-separated list names ("ja4ts,rtt_ms"; "all": every one), in table order, each once.
/// Throws std::invalid_argument naming an unknown name.
std::vector<const ReplyField*> select_reply_fields(std::string_view list);

/// One line per field, "name  description", for --output-fields help.
std::string describe_reply_fields();

/// The selection names a field that needs the OS signatures.
bool needs_os_signatures(std::span<const ReplyField* const> fields) noexcept;

/// `r` carries reply facts: its module has them and a reply from the target decided it.
inline bool has_reply_facts(const Result& r, const Vocabulary& v) noexcept {
  return v.reply_facts && r.answered;
}

/// Appends ',"name":value' for each of `fields` that `r` has a value for (nothing when it has no reply
/// facts).
void append_json_reply_fields(std::string& out, const Result& r, const Vocabulary& v,
                              std::span<const ReplyField* const> fields, const ReplyContext& context);
/// Appends ",value" per field (an empty cell when `r` has none): CSV columns. The values need no quoting.
void append_csv_reply_fields(std::string& out, const Result& r, const Vocabulary& v,
                             std::span<const ReplyField* const> fields, const ReplyContext& context);
/// Appends " name=value" per field `r` has a value for: the list format.
void append_list_reply_fields(std::string& out, const Result& r, const Vocabulary& v,
                              std::span<const ReplyField* const> fields, const ReplyContext& context);

}  // namespace synscan
