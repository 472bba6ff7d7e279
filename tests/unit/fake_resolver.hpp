#pragma once
// A Resolver (cli/targets_input.hpp) with a fixed table, for tests: it counts its calls, records the families
// each call asked for, and returns the table's addresses of those families (none is a "no address" error).
#include <map>
#include <string>
#include <vector>

#include "cli/options.hpp"
#include "cli/targets_input.hpp"

namespace synscan::test {

struct FakeResolver {
  std::map<std::string, std::vector<std::string>> table;
  int* calls;
  std::vector<Families>* asked = nullptr;  // the families of each call, when set
  std::vector<IpAddress> operator()(const std::string& name, Families families) const {
    ++*calls;
    if (asked) asked->push_back(families);
    auto it = table.find(name);
    if (it == table.end()) throw UsageError("cannot resolve target '" + name + "'");
    std::vector<IpAddress> out;
    for (const std::string& a : it->second) {
      if (takes(families, parse_address(a).family)) out.push_back(parse_address(a));
    }
    if (out.empty()) throw UsageError("cannot resolve target '" + name + "': no address of that family");
    return out;
  }
};

}  // namespace synscan::test
