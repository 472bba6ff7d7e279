#pragma once
// The man page, generated from the same option descriptions as --help (`synscan --help-man`, run by the build
// to make synscan.1, which `cmake --install` installs), so the two cannot drift apart.
#include <boost/program_options/options_description.hpp>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace synscan {

/// The option groups in --help order: (section title, its options).
using OptionGroups = std::vector<std::pair<std::string, boost::program_options::options_description>>;

/// Writes synscan(1) in roff (man(7) macros): NAME, SYNOPSIS, DESCRIPTION, one OPTIONS subsection per group,
/// OUTPUT FORMATS, EXIT STATUS, EXAMPLES, SEE ALSO.
void write_man_page(const OptionGroups& groups, const std::string& version, std::ostream& out);

}  // namespace synscan
