#include "cli/config_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cli/input_file.hpp"
#include "cli/usage_error.hpp"
#include "engine/output/escape.hpp"

namespace po = boost::program_options;

namespace synscan {
namespace {

constexpr std::array<std::string_view, 6> kControlOptions = {"help",        "version", "config",
                                                             "echo-config", "resume",  "help-man"};

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

// The text before a comment: '#' starts one at the beginning of a line or after a blank.
std::string_view strip_comment(std::string_view line) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) return line.substr(0, i);
  }
  return line;
}

const po::option_description* find_long(const po::options_description& desc, const std::string& name) {
  const po::option_description* d = desc.find_nothrow(name, false, true, true);
  return d != nullptr && d->long_name() == name ? d : nullptr;
}

// -1 false, 1 true, 0 neither.
int parse_bool(std::string_view v) {
  std::string lower(v);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char ch) { return std::tolower(ch); });
  if (lower == "true" || lower == "yes" || lower == "on" || lower == "1") return 1;
  if (lower == "false" || lower == "no" || lower == "off" || lower == "0") return -1;
  return 0;
}

}  // namespace

bool is_control_option(std::string_view name) {
  return std::find(kControlOptions.begin(), kControlOptions.end(), name) != kControlOptions.end();
}

ConfigEntries parse_config_text(std::string_view text, const po::options_description& desc,
                                const std::string& source) {
  ConfigEntries out;
  int line_no = 0;
  // A UTF-8 byte-order mark (EF BB BF), which some Windows editors write first, is no part of the text (as in
  // -iL files, cli/targets_input.cpp); other invisible bytes are shown escaped in the errors (visible_text).
  std::size_t pos = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    const std::string_view line = trim(strip_comment(raw));
    if (line.empty()) continue;
    const auto where = [&] { return fmt::format("config {} line {}", source, line_no); };
    const std::size_t eq = line.find('=');
    std::string name(trim(line.substr(0, eq)));
    const bool has_value = eq != std::string_view::npos;
    const std::string value(has_value ? trim(line.substr(eq + 1)) : std::string_view{});
    if (name.empty())
      throw UsageError(fmt::format("{}: expected 'name = value', got '{}'", where(), visible_text(line)));
    if (name.rfind("--", 0) == 0) name.erase(0, 2);  // tolerate the command-line spelling
    if (is_control_option(name)) {
      throw UsageError(
          fmt::format("{}: option '{}' cannot be used in a config file", where(), visible_text(name)));
    }
    const po::option_description* d = find_long(desc, name);
    if (d == nullptr && !has_value) {
      throw UsageError(fmt::format("{}: expected 'name = value', got '{}'", where(), visible_text(line)));
    }
    if (d == nullptr) throw UsageError(fmt::format("{}: unknown option '{}'", where(), visible_text(name)));
    ConfigEntry e{name, value, false, source, line_no};
    if (d->semantic()->max_tokens() == 0) {
      const int b = has_value ? parse_bool(value) : 1;
      if (b == 0) {
        throw UsageError(
            fmt::format("{}: bad value '{}' for flag '{}' (expected true, yes, on, 1 or false, no, off, 0)",
                        where(), value, name));
      }
      if (b < 0) continue;
      e.value.clear();
      e.flag = true;
    } else if (!has_value) {
      throw UsageError(fmt::format("{}: expected 'name = value', got '{}'", where(), line));
    } else if (value.empty() && d->semantic()->min_tokens() > 0) {
      throw UsageError(fmt::format("{}: missing value for '{}'", where(), name));
    }
    out.push_back(std::move(e));
  }
  return out;
}

ConfigEntries read_config_file(const std::string& path, const po::options_description& desc) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    // An unreadable file (or a directory) is the environment's failure (exit 1), not bad input.
    text = read_input_file(path, "config file");
  }
  return parse_config_text(text, desc, path == "-" ? "(stdin)" : path);
}

ConfigEntries entries_from_parsed(const po::parsed_options& parsed) {
  ConfigEntries out;
  for (const po::option& o : parsed.options) {
    if (o.value.empty()) {
      out.push_back({o.string_key, "", true, "", 0});
    } else {
      for (const std::string& v : o.value) out.push_back({o.string_key, v, false, "", 0});
    }
  }
  return out;
}

ConfigEntries merge_entries(const ConfigEntries& base, const ConfigEntries& over) {
  ConfigEntries out;
  const auto named_in_over = [&](const std::string& name) {
    return std::any_of(over.begin(), over.end(), [&](const ConfigEntry& e) { return e.name == name; });
  };
  for (const ConfigEntry& e : base) {
    if (!is_control_option(e.name) && !named_in_over(e.name)) out.push_back(e);
  }
  for (const ConfigEntry& e : over) {
    if (!is_control_option(e.name)) out.push_back(e);
  }
  return out;
}

po::parsed_options to_parsed(const ConfigEntries& entries, const po::options_description& desc) {
  po::parsed_options parsed(&desc);
  for (const ConfigEntry& e : entries) {
    po::option o;
    o.string_key = e.name;
    if (!e.flag) o.value.push_back(e.value);
    o.original_tokens.push_back("--" + e.name);
    if (!e.flag) o.original_tokens.push_back(e.value);
    parsed.options.push_back(std::move(o));
  }
  return parsed;
}

ConfigEntries with_seed(const ConfigEntries& entries, std::uint64_t seed) {
  ConfigEntries out;
  for (const ConfigEntry& e : entries) {
    if (e.name != "seed") out.push_back(e);
  }
  out.push_back({"seed", std::to_string(seed), false, "", 0});
  return out;
}

std::string format_config(const ConfigEntries& entries, const po::options_description& desc) {
  // Rank: targets first, then the description's order; equal names keep their given order (-o a -o b).
  const auto rank = [&](const std::string& name) -> std::size_t {
    if (name == "target") return 0;
    const auto& opts = desc.options();
    for (std::size_t i = 0; i < opts.size(); ++i) {
      if (opts[i]->long_name() == name) return i + 1;
    }
    return opts.size() + 1;
  };
  ConfigEntries sorted = entries;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [&](const ConfigEntry& a, const ConfigEntry& b) { return rank(a.name) < rank(b.name); });
  std::string out = "# synscan options (name = value); read back with: synscan --config FILE\n";
  for (const ConfigEntry& e : sorted) {
    if (is_control_option(e.name)) continue;
    const std::string value = e.flag ? "true" : e.value;
    if (value.find_first_of("\r\n") != std::string::npos || value.find(" #") != std::string::npos ||
        value.find("\t#") != std::string::npos || trim(value) != value || value.rfind('#', 0) == 0) {
      throw UsageError(
          fmt::format("the value '{}' of '{}' cannot be written to a config file", value, e.name));
    }
    out += fmt::format("{} = {}\n", e.name, value);
  }
  return out;
}

std::string locate_in_file(const std::string& message, const ConfigEntries& entries) {
  // The quoted token of a message such as "bad value 'abc' in --rate (...)".
  std::string token;
  const std::size_t q1 = message.find('\'');
  const std::size_t q2 = q1 == std::string::npos ? q1 : message.find('\'', q1 + 1);
  if (q2 != std::string::npos) token = message.substr(q1 + 1, q2 - q1 - 1);
  const auto mentions_option = [&](const std::string& name) {
    if (message.find("'" + name + "'") != std::string::npos) return true;  // Boost's "option 'rate' ..."
    const std::string flag = "--" + name;
    for (std::size_t at = message.find(flag); at != std::string::npos; at = message.find(flag, at + 1)) {
      const std::size_t after = at + flag.size();
      if (after == message.size() ||
          !(std::isalnum(static_cast<unsigned char>(message[after])) || message[after] == '-')) {
        return true;
      }
    }
    return false;
  };
  const ConfigEntry* best = nullptr;
  int best_score = 0;
  for (const ConfigEntry& e : entries) {
    if (e.line == 0) continue;
    const bool by_token = !token.empty() && e.value.find(token) != std::string::npos;
    const bool by_name = mentions_option(e.name);
    const int score = (by_name && by_token) ? 3 : by_token ? 2 : by_name ? 1 : 0;
    if (score >= best_score && score > 0) {  // ties: the last line, which is where a duplicate shows
      best = &e;
      best_score = score;
    }
  }
  if (best == nullptr) return message;
  return fmt::format("{} (config {} line {})", message, best->source, best->line);
}

}  // namespace synscan
