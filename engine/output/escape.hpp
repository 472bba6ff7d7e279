#pragma once
// Escaping for the text formats. Only hostnames (and the command line in headers) can carry arbitrary bytes;
// every other field is a number or one of a fixed set of words. All three functions append to `out`.
#include <string>
#include <string_view>

namespace synscan {

/// Appends `s` as the inside of a JSON string (RFC 8259 section 7): '"' and '\\' escaped, control characters
/// as \n, \t, ... or \u00XX. Bytes >= 0x80 are copied unchanged (UTF-8 passes through).
void append_json_escaped(std::string& out, std::string_view s);

/// Appends raw bytes (a banner) as the inside of a JSON string, so that the line stays valid JSON whatever
/// they hold: as append_json_escaped, except that each byte that does not belong to a well-formed UTF-8
/// sequence (RFC 3629: no overlongs, no surrogates, at most U+10FFFF) is written as \u00XX, the code point of
/// the same number (Latin-1): a reader recovers the byte as that code point's value.
void append_json_bytes(std::string& out, std::string_view bytes);

/// Raw bytes as one printable ASCII line, the way nmap's banner script prints them: printable ASCII as is,
/// '\\' as "\\\\", every other byte (CR, LF, controls, bytes >= 0x80) as "\\xNN" (upper-case hex).
std::string printable_bytes(std::string_view bytes);

/// Text from a file or the command line as it may be shown in a message (one line, every byte visible):
/// printable ASCII and well-formed UTF-8 (RFC 3629) as is; a control byte (NUL, CR, ...), DEL and a byte
/// outside well-formed UTF-8 as "\xNN" (upper-case hex); a code point that prints as nothing or as a blank
/// (C1 controls, U+00A0 no-break space, U+00AD soft hyphen, U+2000-U+200F (zero-width space U+200B
/// included), U+2028-U+202F, U+205F-U+206F, U+3000, U+FEFF byte-order mark) as "\u{XXXX}". The result
/// never holds a NUL, so no C string cuts it short.
std::string visible_text(std::string_view text);

/// Appends `s` for an XML attribute value or text (XML 1.0): & < > " ' as entities; control characters that
/// XML 1.0 cannot carry at all (below 0x20 except tab, LF, CR) become '?'; tab, LF and CR as character
/// references so that attribute-value normalisation keeps them.
void append_xml_escaped(std::string& out, std::string_view s);

/// Appends `s` as one CSV field (RFC 4180 section 2): quoted, with '"' doubled, when it contains a comma, a
/// quote, CR or LF, or begins or ends with a space; otherwise as is.
void append_csv_field(std::string& out, std::string_view s);

}  // namespace synscan
