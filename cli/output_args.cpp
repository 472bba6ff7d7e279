#include "cli/output_args.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "cli/case_fold.hpp"
#include "cli/defaults.hpp"
#include "cli/file_identity.hpp"
#include "cli/usage_error.hpp"
#include "engine/output/writer.hpp"

namespace synscan {
namespace {

struct ShortForm {
  char letter;
  const char* option;
};
constexpr ShortForm kShortForms[] = {
    {'X', "--output-xml"},      {'J', "--output-json"}, {'D', "--output-ndjson"}, {'L', "--output-list"},
    {'G', "--output-grepable"}, {'C', "--output-csv"},  {'A', "--output-all"}};

}  // namespace

std::vector<std::string> expand_output_shorthands(int argc, const char* const* argv) {
  std::vector<std::string> out;
  bool options_done = false;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i == 0 || options_done || arg.size() != 3 || arg[0] != '-' || arg[1] != 'o' || arg[2] < 'A' ||
        arg[2] > 'Z') {
      options_done |= i > 0 && arg == "--";
      out.emplace_back(arg);
      continue;
    }
    const auto form = std::find_if(std::begin(kShortForms), std::end(kShortForms),
                                   [&](const ShortForm& f) { return f.letter == arg[2]; });
    if (form == std::end(kShortForms)) {
      throw UsageError(
          fmt::format("bad output option '{}' (short forms are -oX -oJ -oD -oL -oG -oC -oA)", arg));
    }
    out.emplace_back(form->option);
  }
  return out;
}

std::vector<OutputSpec> resolve_outputs(const OutputArgs& args, std::string_view fallback_format) {
  OutputArgs a = args;
  a.format = ascii_lower(args.format);  // --format JSON is json, as the extension .JSON is
  const auto formats = writer_formats();
  if (!a.format.empty() && std::find(formats.begin(), formats.end(), a.format) == formats.end()) {
    throw UsageError(
        fmt::format("bad format '{}' in --format (formats are {})", args.format, fmt::join(formats, ", ")));
  }
  std::vector<OutputSpec> specs;
  for (const std::string& path : a.files) {
    std::string format = a.format.empty() ? format_for_path(path) : a.format;
    specs.push_back({path, format.empty() ? std::string(fallback_format) : format});
  }
  const std::pair<const std::vector<std::string>*, const char*> fixed[] = {
      {&a.xml, "xml"},   {&a.json, "json"},         {&a.ndjson, "ndjson"},
      {&a.list, "list"}, {&a.grepable, "grepable"}, {&a.csv, "csv"}};
  for (const auto& [paths, format] : fixed) {
    for (const std::string& path : *paths) specs.push_back({path, format});
  }
  for (const std::string& base : a.all) {
    specs.push_back({base + ".xml", "xml"});
    specs.push_back({base + ".gnmap", "grepable"});
    specs.push_back({base + ".txt", "list"});
  }
  if (specs.empty()) {
    const std::string format = a.format.empty() ? std::string(fallback_format) : a.format;
    specs.push_back({std::string(defaults::kOutputPath), format});
  }
  std::set<std::string> seen;
  for (const OutputSpec& s : specs) {
    // A character device (/dev/null, a terminal) takes any number of writers (file_identity()).
    if (!seen.insert(s.path).second && !file_identity(s.path).empty()) {
      throw UsageError(fmt::format("bad output '{}' (given twice: each output needs its own file)", s.path));
    }
  }
  return specs;
}

}  // namespace synscan
